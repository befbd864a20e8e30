// Package oauth makes the MCP server an OAuth 2.1 resource server: bearer
// token validation (local JWT verification against the IdP's JWKS, RFC 7662
// introspection for opaque tokens), RFC 9728 protected-resource metadata,
// RFC 8693 token exchange for Nextcloud-audience tokens, and the offline
// grants background jobs use.
package oauth

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/scope"
)

// Identity is the caller a validated bearer token names.
type Identity struct {
	// Subject is the token's sub.
	Subject string
	// UserID is the Nextcloud user id (preferred_username or the configured
	// claim); DAV paths use it, never an id from tool arguments.
	UserID string
	// Scopes are the token's scopes, "notes.read" written as "notes:read".
	Scopes []string
	// Audience is the token's aud.
	Audience []string
	// ClientID is the client the token was issued to (azp or client_id).
	ClientID string
	Issuer   string
	Expiry   time.Time
	// Opaque is set for tokens validated by introspection or userinfo.
	Opaque bool
	// Token is the raw bearer token. Never log it.
	Token string
	// Claims are the token's claims (JWT) or the introspection answer.
	Claims map[string]any
}

// String names the identity without its token.
func (i *Identity) String() string {
	if i == nil {
		return "<no identity>"
	}
	return "user " + i.UserID + " (sub " + i.Subject + ", client " + i.ClientID + ")"
}

// LogValue keeps the token out of structured logs.
func (i *Identity) LogValue() slog.Value {
	if i == nil {
		return slog.StringValue("<none>")
	}
	return slog.GroupValue(
		slog.String("user", i.UserID),
		slog.String("sub", i.Subject),
		slog.String("client", i.ClientID),
		slog.Any("scopes", i.Scopes),
	)
}

// HasScope reports whether the identity holds scope (the one rule:
// scope.Has).
func (i *Identity) HasScope(want string) bool {
	return i != nil && scope.Has(i.Scopes, want)
}

// NormalizeScope is scope.Normalize.
func NormalizeScope(s string) string { return scope.Normalize(s) }

func normalizeScopes(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s == "" {
			continue
		}
		if n := NormalizeScope(s); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity the bearer middleware put in ctx.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil
}

// UserIDFrom returns the Nextcloud user id of ctx's caller, or "".
func UserIDFrom(ctx context.Context) string {
	if id, ok := IdentityFrom(ctx); ok {
		return id.UserID
	}
	return ""
}

// ScopesFrom returns the scopes of ctx's caller (nil without identity).
func ScopesFrom(ctx context.Context) []string {
	if id, ok := IdentityFrom(ctx); ok {
		return slices.Clone(id.Scopes)
	}
	return nil
}

// TokenFrom returns the raw bearer token of ctx's caller, or "".
func TokenFrom(ctx context.Context) string {
	if id, ok := IdentityFrom(ctx); ok {
		return id.Token
	}
	return ""
}
