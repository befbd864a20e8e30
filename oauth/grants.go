package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// ErrNoGrant says no grant could produce a token for the user; the error
// text names why each one failed.
var ErrNoGrant = errors.New("no way to act as this user in the background")

// ImpersonateFunc exchanges the service-account token for a token of user
// by RFC 8693 token exchange with requested_subject; the exchange client
// in exchange.go provides it.
type ImpersonateFunc func(ctx context.Context, serviceToken, user string) (*oauth2.Token, error)

// Grant names how a user-scoped token was obtained.
const (
	GrantOffline       = "offline_refresh_token"
	GrantImpersonation = "token_exchange_impersonation"
)

// GrantChain obtains user-scoped tokens without the user present: first
// from the user's stored offline grant, then by token exchange with the
// service-account token and requested_subject. Any part may be nil.
type GrantChain struct {
	// AppPasswords, when set (login-flow upstream), is tried first: a
	// stored Nextcloud app password works without any token.
	AppPasswords   *LoginFlowManager
	Offline        *OfflineGrants
	ServiceAccount *ServiceAccount
	Impersonate    ImpersonateFunc
	// Gate, when set, says whether impersonation may be tried (the start-up
	// probe); nil tries it whenever ServiceAccount and Impersonate are set.
	Gate *ImpersonationGate
	// ImpersonationOff, when set, is why impersonation is switched off
	// (named in ErrNoGrant's text).
	ImpersonationOff string
	Logger           *slog.Logger
	Now              func() time.Time

	mu    sync.Mutex
	cache map[string]*oauth2.Token // impersonated tokens by user
}

func (g *GrantChain) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *GrantChain) logger() *slog.Logger {
	if g.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Logger
}

// Token returns an access token for user and the grant that produced it.
func (g *GrantChain) Token(ctx context.Context, user string) (*oauth2.Token, string, error) {
	if user == "" {
		return nil, "", fmt.Errorf("%w: no user id given", ErrNoGrant)
	}
	var reasons []string
	if g.Offline != nil {
		tok, err := g.Offline.AccessToken(ctx, user)
		if err == nil {
			return tok, GrantOffline, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		switch {
		case errors.Is(err, storage.ErrNotFound):
			reasons = append(reasons, "offline access: user "+user+" has not granted it (sign in at /oauth/login)")
		default:
			reasons = append(reasons, "offline access: "+err.Error())
		}
	} else {
		reasons = append(reasons, "offline access: disabled (ENABLE_OFFLINE_ACCESS)")
	}
	switch {
	case g.ImpersonationOff != "":
		reasons = append(reasons, "impersonation: "+g.ImpersonationOff)
	case g.ServiceAccount == nil:
		reasons = append(reasons, "impersonation: no service account configured (OIDC_CLIENT_SECRET)")
	case g.Impersonate == nil:
		reasons = append(reasons, "impersonation: no token exchange client configured")
	default:
		if g.Gate != nil {
			if err := g.Gate.Allowed(ctx); err != nil {
				// The probe found that the exchange cannot succeed: do not send it.
				reasons = append(reasons, "impersonation: "+err.Error())
				break
			}
		}
		tok, err := g.impersonate(ctx, user)
		if err == nil {
			if len(reasons) > 0 {
				g.logger().Debug("acting for user by impersonation", "user", user, "offline", reasons[len(reasons)-1])
			}
			return tok, GrantImpersonation, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		reasons = append(reasons, "impersonation: "+err.Error())
	}
	return nil, "", fmt.Errorf("%w %s: %s", ErrNoGrant, user, strings.Join(reasons, "; "))
}

// CanImpersonate reports whether the chain may act for users without a
// stored grant: impersonation is configured and the probe did not find it
// unavailable.
func (g *GrantChain) CanImpersonate() bool {
	if g.ImpersonationOff != "" || g.ServiceAccount == nil || g.Impersonate == nil {
		return false
	}
	return g.Gate == nil || g.Gate.State().State != ProbeUnavailable
}

func (g *GrantChain) impersonate(ctx context.Context, user string) (*oauth2.Token, error) {
	g.mu.Lock()
	tok := g.cache[user]
	g.mu.Unlock()
	if usable(tok, g.now()) {
		return tok, nil
	}
	sa, err := g.ServiceAccount.Token(ctx)
	if err != nil {
		return nil, err
	}
	tok, err = g.Impersonate(ctx, sa.AccessToken, user)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	if g.cache == nil {
		g.cache = map[string]*oauth2.Token{}
	}
	g.cache[user] = tok
	g.mu.Unlock()
	return tok, nil
}

// Forget drops cached tokens of user.
func (g *GrantChain) Forget(user string) {
	g.mu.Lock()
	delete(g.cache, user)
	g.mu.Unlock()
	if g.Offline != nil {
		g.Offline.Forget(user)
	}
}

// Client returns base acting as user with tokens from the chain; each
// request asks the chain, which serves cached tokens until near expiry.
func (g *GrantChain) Client(ctx context.Context, base *nextcloud.Client, user string) (*nextcloud.Client, error) {
	if g.AppPasswords != nil {
		c, err := g.AppPasswords.ClientFor(ctx, user)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrNeedsProvisioning) {
			g.logger().Warn("stored app password unusable; trying token grants", "user", user, "err", err)
		}
	}
	// Fail early with the chain's reason rather than on the first request.
	if _, _, err := g.Token(ctx, user); err != nil {
		return nil, err
	}
	return base.WithUser(user, nextcloud.TokenFunc(func(ctx context.Context) (string, error) {
		tok, _, err := g.Token(ctx, user)
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	})), nil
}
