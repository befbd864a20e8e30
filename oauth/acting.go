package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// ClientFor returns a Nextcloud client acting as the caller in ctx (the
// identity the bearer middleware stored); it suits mcp.ClientFunc. With the
// exchange upstream every Nextcloud request carries a Nextcloud-audience
// token exchanged from the caller's token (cached per user); with
// passthrough the caller's own token, and only when its aud names
// Nextcloud. The client's user id is the token's, never one from arguments.
func (rs *ResourceServer) ClientFor(ctx context.Context) (*nextcloud.Client, error) {
	id, ok := IdentityFrom(ctx)
	if !ok {
		return nil, errors.New("no authenticated user in this request (OAuth mode needs a bearer token)")
	}
	if rs.nc == nil {
		return nil, errors.New("the OAuth resource server has no Nextcloud client configured")
	}
	if id.UserID == "" {
		return nil, fmt.Errorf("the token names no Nextcloud user (%s claim)", rs.cfg.UserClaim)
	}
	switch rs.cfg.Upstream {
	case UpstreamPassthrough:
		if !slices.Contains(id.Audience, rs.cfg.NextcloudAudience) {
			return nil, fmt.Errorf("your token's audience %v does not include Nextcloud (%q), so it cannot be passed to Nextcloud; "+
				"the operator must add an audience mapper for %q or use NEXTCLOUD_MCP_UPSTREAM=exchange", id.Audience, rs.cfg.NextcloudAudience, rs.cfg.NextcloudAudience)
		}
		tok := id.Token
		return rs.nc.WithUser(id.UserID, nextcloud.TokenFunc(func(context.Context) (string, error) { return tok, nil })), nil
	default:
		return rs.nc.WithUser(id.UserID, nextcloud.TokenFunc(func(ctx context.Context) (string, error) {
			return rs.nextcloudToken(ctx, id)
		})), nil
	}
}

// exchangeKey is the user part of the exchange cache key (the cache adds
// the audience and scopes asked): everything that decides whom the
// exchanged token acts for and what it may do. A token with the same sub
// but another user-id claim must not get the other user's cached token.
// JSON keeps values that contain separators apart.
func exchangeKey(id *Identity) string {
	sc := slices.Clone(id.Scopes)
	slices.Sort(sc)
	b, _ := json.Marshal([]any{id.Issuer, id.Subject, id.UserID, sc})
	return string(b)
}

// nextcloudToken exchanges the caller's token for one whose audience is
// Nextcloud and that names the same user, or fails.
func (rs *ResourceServer) nextcloudToken(ctx context.Context, id *Identity) (string, error) {
	req := ExchangeRequest{SubjectToken: id.Token, Audience: []string{rs.cfg.NextcloudAudience}, Scopes: rs.cfg.ExchangeScopes}
	key := exchangeKey(id)
	for attempt := 0; ; attempt++ {
		tok, err := rs.exchanges.Token(ctx, key, req)
		if err != nil {
			return "", fmt.Errorf("obtain a Nextcloud token for %s: %w", id.UserID, err)
		}
		if looksLikeJWT(tok.AccessToken) {
			if err := rs.checkNextcloudToken(ctx, tok.AccessToken, id); err != nil {
				rs.exchanges.Forget(key)
				if attempt == 0 {
					// A cached token may be signed with a key the IdP has
					// since withdrawn (key rotation): exchange once more.
					continue
				}
				return "", err
			}
		}
		return tok.AccessToken, nil
	}
}

// checkNextcloudToken verifies an exchanged JWT: signed by the IdP, aud
// includes Nextcloud, and the same user.
func (rs *ResourceServer) checkNextcloudToken(ctx context.Context, raw string, id *Identity) error {
	_, keys, err := rs.endpoints()
	if err != nil {
		return err
	}
	claims, err := verifyJWT(ctx, keys, raw, jwtCheck{
		issuer: rs.cfg.Issuer, audience: rs.cfg.NextcloudAudience, leeway: rs.cfg.Leeway,
		maxLifetime: rs.cfg.MaxTokenLifetime, now: rs.now(),
	})
	if err != nil {
		return fmt.Errorf("the exchanged token is not usable for Nextcloud: %w", err)
	}
	if u := str(claims[rs.cfg.UserClaim]); u != "" && u != id.UserID {
		return fmt.Errorf("the exchanged token names user %q, not %q; refusing to use it", u, id.UserID)
	}
	if s := str(claims["sub"]); s != id.Subject && str(claims[rs.cfg.UserClaim]) == "" {
		return fmt.Errorf("the exchanged token names another subject; refusing to use it")
	}
	return nil
}

// Scopes returns the caller's scopes and true (enforce); it suits
// mcp.ScopeFunc. Without an identity in ctx nothing is allowed.
func (rs *ResourceServer) Scopes(ctx context.Context) ([]string, bool) {
	return ScopesFrom(ctx), true
}
