// Package basicauth is the basic-passthrough auth mode: each HTTP request
// carries the caller's own Nextcloud login and app password.
package basicauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/ratelimit"
)

// Passthrough serves many users over HTTP: each request carries
// "Authorization: Basic user:app-password", used for that request only
// and never stored. The credentials are checked against Nextcloud once
// and the success remembered briefly (by a keyed hash, not the password),
// so wrong ones get 401 on every MCP request, not only on tool calls; a
// client address with too many failures is refused without asking
// Nextcloud, whose own brute-force throttle would otherwise slow down
// every user of this server's address.
type Passthrough struct {
	base *nextcloud.Client
	log  *slog.Logger
	now  func() time.Time
	key  [32]byte

	// fails counts wrong logins per client address.
	fails *ratelimit.PerClient

	mu   sync.Mutex
	good map[[32]byte]time.Time // credential hash → valid until
}

const (
	// passthroughCacheTTL is how long verified credentials are trusted
	// without asking Nextcloud again.
	passthroughCacheTTL = 2 * time.Minute
	// passthroughMaxFails wrong logins from one address, given back at
	// that many per passthroughFailWindow, then 429.
	passthroughMaxFails   = 10
	passthroughFailWindow = 10 * time.Minute
	// passthroughMaxEntries bounds the verified-credentials map; expired
	// entries are dropped first, then the map is cleared.
	passthroughMaxEntries = 10000
)

type basicCredsKey struct{}

type basicCreds struct{ user, pass string }

// New returns the passthrough over base, the Nextcloud client without
// credentials; logger may be nil.
func New(base *nextcloud.Client, logger *slog.Logger) *Passthrough {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Passthrough{base: base, log: logger, now: time.Now, good: map[[32]byte]time.Time{}, fails: ratelimit.New(passthroughMaxFails, passthroughFailWindow)}
	_, _ = rand.Read(p.key[:])
	return p
}

func (p *Passthrough) credHash(user, pass string) [32]byte {
	m := hmac.New(sha256.New, p.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pass))
	var h [32]byte
	copy(h[:], m.Sum(nil))
	return h
}

func challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="nextcloud-mcp-server", charset="UTF-8"`)
	http.Error(w, msg, http.StatusUnauthorized)
}

func (p *Passthrough) cached(h [32]byte, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.good[h]
	return ok && now.Before(until)
}

func (p *Passthrough) remember(h [32]byte, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.good) >= passthroughMaxEntries {
		for k, until := range p.good {
			if !now.Before(until) {
				delete(p.good, k)
			}
		}
		if len(p.good) >= passthroughMaxEntries {
			clear(p.good)
		}
	}
	p.good[h] = now.Add(passthroughCacheTTL)
}

// Middleware checks each request's Basic credentials with Nextcloud
// (remembered briefly) and puts them on the request's context.
func (p *Passthrough) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user == "" || pass == "" {
			challenge(w, "Unauthorized: send your Nextcloud login and app password with HTTP Basic authentication")
			return
		}
		now, addr, h := p.now(), ratelimit.ClientAddress(r), p.credHash(user, pass)
		if !p.cached(h, now) {
			// Every check takes a call from the address's budget; only
			// wrong logins keep it.
			if ok, wait := p.fails.Take(addr, now); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				http.Error(w, "Too Many Requests: too many wrong Nextcloud logins from this address; wait and check the login and app password", http.StatusTooManyRequests)
				return
			}
			_, err := p.base.WithUser(user, nextcloud.BasicAuth{Username: user, Password: pass}).CurrentUser(r.Context())
			switch {
			case errors.Is(err, nextcloud.ErrUnauthorized):
				p.log.Info("refused wrong Nextcloud credentials", "user", user, "client", addr)
				challenge(w, "Unauthorized: Nextcloud rejected this login and app password; create an app password in Nextcloud under Settings → Security")
				return
			case err != nil:
				p.fails.Refund(addr)
				p.log.Warn("could not check credentials with Nextcloud", "user", user, "err", err)
				http.Error(w, "Service Unavailable: Nextcloud could not be asked to check the credentials; try again later", http.StatusServiceUnavailable)
				return
			}
			p.fails.Refund(addr)
			p.remember(h, now)
		}
		ctx := context.WithValue(r.Context(), basicCredsKey{}, basicCreds{user, pass})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Identity is the login of the request's credentials (checked by the
// middleware), to which MCP sessions are bound.
func (p *Passthrough) Identity(r *http.Request) string {
	c, _ := r.Context().Value(basicCredsKey{}).(basicCreds)
	return c.user
}

// Context keeps ctx: the credentials are on it already, as the MCP
// request's context derives from the request's (mcp.Authenticator).
func (p *Passthrough) Context(ctx context.Context, _ *http.Request) context.Context { return ctx }

// ClientFor is the Nextcloud client acting with the credentials of ctx's
// request.
func (p *Passthrough) ClientFor(ctx context.Context) (*nextcloud.Client, error) {
	c, ok := ctx.Value(basicCredsKey{}).(basicCreds)
	if !ok {
		return nil, errors.New("this request carries no Nextcloud credentials; send HTTP Basic authentication with your login and app password")
	}
	return p.base.WithUser(c.user, nextcloud.BasicAuth{Username: c.user, Password: c.pass}), nil
}
