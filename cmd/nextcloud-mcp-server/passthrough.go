package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// basicPassthrough serves many users over HTTP: each request carries
// "Authorization: Basic user:app-password", used for that request only
// and never stored. The credentials are checked against Nextcloud once
// and the success remembered briefly (by a keyed hash, not the password),
// so wrong ones get 401 on every MCP request, not only on tool calls; a
// client address with too many failures is refused without asking
// Nextcloud, whose own brute-force throttle would otherwise slow down
// every user of this server's address.
type basicPassthrough struct {
	base *nextcloud.Client
	log  *slog.Logger
	now  func() time.Time
	key  [32]byte

	mu    sync.Mutex
	good  map[[32]byte]time.Time // credential hash → valid until
	fails map[string]failCount   // client address → recent failures
}

type failCount struct {
	n     int
	since time.Time
}

const (
	// passthroughCacheTTL is how long verified credentials are trusted
	// without asking Nextcloud again.
	passthroughCacheTTL = 2 * time.Minute
	// passthroughMaxFails failures from one address within
	// passthroughFailWindow get 429 until the window ends.
	passthroughMaxFails   = 10
	passthroughFailWindow = 10 * time.Minute
	// passthroughMaxEntries bounds each map; expired entries are dropped
	// first, then the map is cleared.
	passthroughMaxEntries = 10000
)

type basicCredsKey struct{}

type basicCreds struct{ user, pass string }

func newBasicPassthrough(base *nextcloud.Client, logger *slog.Logger) *basicPassthrough {
	p := &basicPassthrough{base: base, log: logger, now: time.Now, good: map[[32]byte]time.Time{}, fails: map[string]failCount{}}
	_, _ = rand.Read(p.key[:])
	return p
}

func (p *basicPassthrough) credHash(user, pass string) [32]byte {
	m := hmac.New(sha256.New, p.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pass))
	var h [32]byte
	copy(h[:], m.Sum(nil))
	return h
}

func clientAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="nextcloud-mcp-server", charset="UTF-8"`)
	http.Error(w, msg, http.StatusUnauthorized)
}

// blocked returns how long addr must wait, or 0.
func (p *basicPassthrough) blocked(addr string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fails[addr]
	if !ok || now.Sub(f.since) >= passthroughFailWindow {
		return 0
	}
	if f.n < passthroughMaxFails {
		return 0
	}
	return passthroughFailWindow - now.Sub(f.since)
}

func (p *basicPassthrough) failed(addr string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fails[addr]
	if !ok || now.Sub(f.since) >= passthroughFailWindow {
		f = failCount{since: now}
	}
	f.n++
	if len(p.fails) >= passthroughMaxEntries {
		for a, old := range p.fails {
			if now.Sub(old.since) >= passthroughFailWindow {
				delete(p.fails, a)
			}
		}
		if len(p.fails) >= passthroughMaxEntries {
			clear(p.fails)
		}
	}
	p.fails[addr] = f
}

func (p *basicPassthrough) cached(h [32]byte, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.good[h]
	return ok && now.Before(until)
}

func (p *basicPassthrough) remember(h [32]byte, now time.Time) {
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

func (p *basicPassthrough) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user == "" || pass == "" {
			challenge(w, "Unauthorized: send your Nextcloud login and app password with HTTP Basic authentication")
			return
		}
		now, addr, h := p.now(), clientAddr(r), p.credHash(user, pass)
		if !p.cached(h, now) {
			if wait := p.blocked(addr, now); wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				http.Error(w, "Too Many Requests: too many wrong Nextcloud logins from this address; wait and check the login and app password", http.StatusTooManyRequests)
				return
			}
			_, err := p.base.WithUser(user, nextcloud.BasicAuth{Username: user, Password: pass}).CurrentUser(r.Context())
			switch {
			case errors.Is(err, nextcloud.ErrUnauthorized):
				p.failed(addr, now)
				p.log.Info("refused wrong Nextcloud credentials", "user", user, "client", addr)
				challenge(w, "Unauthorized: Nextcloud rejected this login and app password; create an app password in Nextcloud under Settings → Security")
				return
			case err != nil:
				p.log.Warn("could not check credentials with Nextcloud", "user", user, "err", err)
				http.Error(w, "Service Unavailable: Nextcloud could not be asked to check the credentials; try again later", http.StatusServiceUnavailable)
				return
			}
			p.remember(h, now)
		}
		ctx := context.WithValue(r.Context(), basicCredsKey{}, basicCreds{user, pass})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// identity is the login of the request's credentials (checked by the
// middleware), to which MCP sessions are bound.
func (p *basicPassthrough) identity(r *http.Request) string {
	c, _ := r.Context().Value(basicCredsKey{}).(basicCreds)
	return c.user
}

func (p *basicPassthrough) clientFor(ctx context.Context) (*nextcloud.Client, error) {
	c, ok := ctx.Value(basicCredsKey{}).(basicCreds)
	if !ok {
		return nil, errors.New("this request carries no Nextcloud credentials; send HTTP Basic authentication with your login and app password")
	}
	return p.base.WithUser(c.user, nextcloud.BasicAuth{Username: c.user, Password: c.pass}), nil
}
