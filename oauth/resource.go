package oauth

import (
	"context"
	"errors"
	"fmt"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/ratelimit"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Upstream says how the server authenticates to Nextcloud as the user.
type Upstream string

const (
	// UpstreamExchange swaps the user's token for a Nextcloud-audience token
	// by RFC 8693 token exchange (the default).
	UpstreamExchange Upstream = "exchange"
	// UpstreamPassthrough sends the user's own token to Nextcloud; allowed
	// only for tokens whose aud includes the Nextcloud audience.
	UpstreamPassthrough Upstream = "passthrough"
)

// OpaqueMode says how tokens that are not JWTs are validated.
type OpaqueMode string

const (
	// OpaqueIntrospect uses RFC 7662 introspection (needs the client secret).
	OpaqueIntrospect OpaqueMode = "introspection"
	// OpaqueUserinfo asks the userinfo endpoint. Userinfo tells neither
	// audience nor scopes: every live token of the IdP is accepted and gets
	// UserinfoScopes. Use it only with an IdP dedicated to this server.
	OpaqueUserinfo OpaqueMode = "userinfo"
	// OpaqueReject refuses opaque tokens.
	OpaqueReject OpaqueMode = "reject"
)

// Config configures the resource server. Zero values get defaults.
type Config struct {
	// Issuer is the IdP's issuer URL (Keycloak: https://kc/realms/<realm>).
	Issuer string
	// ClientID and ClientSecret are this server's confidential client, used
	// for token exchange and introspection.
	ClientID     string
	ClientSecret string
	// ServerURL is this server's public base URL (https://mcp.example.com).
	ServerURL string
	// MCPPath is the MCP endpoint's path (default "/mcp").
	MCPPath string
	// Audience must be in a token's aud; default ClientID.
	Audience string
	// AcceptAZPAudience also accepts tokens whose azp (or client_id)
	// equals Audience although aud does not name it. Off by default: the
	// MCP authorization spec requires aud to name this resource, and with
	// it on the server's own exchanged Nextcloud-audience tokens (azp is
	// this server) would be accepted at /mcp.
	AcceptAZPAudience bool
	// NextcloudAudience is the audience of tokens Nextcloud accepts
	// (default "nextcloud").
	NextcloudAudience string
	// Upstream is exchange (default) or passthrough.
	Upstream Upstream
	// ExchangeScopes are requested in token exchange (optional; the IdP
	// narrows the subject token's scopes to them).
	ExchangeScopes []string
	// UserClaim holds the Nextcloud user id (default preferred_username).
	UserClaim string
	// Opaque selects how opaque tokens are checked (default introspection).
	Opaque OpaqueMode
	// UserinfoScopes are granted to tokens validated by userinfo.
	UserinfoScopes []string
	// Leeway tolerates clock skew on exp, nbf and iat (default 30s).
	Leeway time.Duration
	// MaxTokenLifetime refuses tokens whose exp − iat (exp − now without
	// iat) is longer (default 24h).
	MaxTokenLifetime time.Duration
	// IntrospectionTTL bounds how long an introspection answer is reused
	// (default 60s; never beyond the token's expiry).
	IntrospectionTTL time.Duration
	// IntrospectionMissesPerMinute bounds, per client address, the
	// identity-provider calls for opaque tokens that turn out invalid
	// (default 30, also the burst); beyond it requests get 429.
	IntrospectionMissesPerMinute int
	// ResourceName is the human-readable name in the metadata.
	ResourceName string
	// ScopesSupported lists the scopes the enabled tools need (the MCP
	// server's ScopesSupported); called per request, so it may be set late.
	ScopesSupported func() []string
	// CacheObserver, when set, is told of every token cache lookup
	// (cache "exchange" or "introspection", result "hit" or "miss").
	CacheObserver func(cache, result string)
	// IdP is the shared identity provider; nil: New discovers Issuer
	// itself (and Close stops that IdP's retries).
	IdP *IdP
	// DiscoveryRetry is the first delay between discovery attempts while
	// the IdP is down (default 2s, doubling up to a minute), when New
	// discovers the IdP itself.
	DiscoveryRetry time.Duration
	HTTPClient     *http.Client
	Logger         *slog.Logger
}

// Check reports configuration errors New would return, without
// discovering anything (so that a bad setting fails before the IdP is
// asked).
func (c Config) Check() error { return c.defaults() }

func (c *Config) defaults() error {
	if c.Issuer == "" && c.IdP != nil {
		c.Issuer = c.IdP.Issuer()
	}
	idc := c.idpConfig()
	if err := idc.defaults(); err != nil {
		return err
	}
	c.Issuer, c.DiscoveryRetry, c.HTTPClient, c.Logger = idc.Issuer, idc.DiscoveryRetry, idc.HTTPClient, idc.Logger
	if c.ServerURL == "" {
		return errors.New("NEXTCLOUD_MCP_SERVER_URL is not set: the OAuth mode needs this server's public URL for its protected-resource metadata")
	}
	if u, err := url.Parse(c.ServerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("NEXTCLOUD_MCP_SERVER_URL %q is not an http(s) URL like https://mcp.example.com", c.ServerURL)
	}
	c.ServerURL = strings.TrimRight(c.ServerURL, "/")
	if c.MCPPath == "" {
		c.MCPPath = "/mcp"
	}
	c.MCPPath = "/" + strings.Trim(c.MCPPath, "/")
	if c.Audience == "" {
		c.Audience = c.ClientID
	}
	if c.Audience == "" {
		return errors.New("OIDC_CLIENT_ID (or OIDC_AUDIENCE) is not set: tokens must be bound to this server's audience")
	}
	if c.NextcloudAudience == "" {
		c.NextcloudAudience = "nextcloud"
	}
	switch c.Upstream {
	case "":
		c.Upstream = UpstreamExchange
	case UpstreamExchange, UpstreamPassthrough:
	default:
		return fmt.Errorf("NEXTCLOUD_MCP_UPSTREAM %q is neither exchange nor passthrough", c.Upstream)
	}
	if c.Upstream == UpstreamExchange && (c.ClientID == "" || c.ClientSecret == "") {
		return errors.New("token exchange needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or set NEXTCLOUD_MCP_UPSTREAM=passthrough with tokens whose audience includes Nextcloud)")
	}
	switch c.Opaque {
	case "":
		c.Opaque = OpaqueIntrospect
	case OpaqueIntrospect, OpaqueUserinfo, OpaqueReject:
	default:
		return fmt.Errorf("opaque token mode %q is not introspection, userinfo or reject", c.Opaque)
	}
	if c.UserClaim == "" {
		c.UserClaim = "preferred_username"
	}
	if c.Leeway <= 0 {
		c.Leeway = 30 * time.Second
	}
	if c.MaxTokenLifetime <= 0 {
		c.MaxTokenLifetime = 24 * time.Hour
	}
	if c.IntrospectionTTL <= 0 {
		c.IntrospectionTTL = time.Minute
	}
	if c.IntrospectionMissesPerMinute <= 0 {
		c.IntrospectionMissesPerMinute = 30
	}
	if c.ResourceName == "" {
		c.ResourceName = "Nextcloud MCP Server"
	}
	return nil
}

// idpConfig is the part of c an IdP New discovers itself is built from.
func (c *Config) idpConfig() IdPConfig {
	return IdPConfig{Issuer: c.Issuer, DiscoveryRetry: c.DiscoveryRetry, HTTPClient: c.HTTPClient, Logger: c.Logger}
}

// ResourceServer validates bearer tokens and acts as their users in Nextcloud.
type ResourceServer struct {
	cfg Config
	nc  *nextcloud.Client
	log *slog.Logger
	now func() time.Time

	idp *IdP
	// ownIdP is set when New discovered the IdP itself (Close closes it).
	ownIdP bool

	opaque    *opaqueCache
	misses    *ratelimit.PerClient
	verified  *jwtCache
	exchanger *Exchanger
	exchanges *ExchangeCache
}

// New validates cfg and, without cfg.IdP, discovers the IdP (see NewIdP:
// an IdP down at start is retried in the background, and bearer requests
// get 503 meanwhile). Configuration errors are returned. nc is the
// Nextcloud client ClientFor derives per-user clients from (nil if unused).
func New(ctx context.Context, cfg Config, nc *nextcloud.Client) (*ResourceServer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	rs := &ResourceServer{
		cfg:      cfg,
		nc:       nc,
		log:      cfg.Logger,
		now:      time.Now,
		opaque:   newOpaqueCache(),
		misses:   ratelimit.New(cfg.IntrospectionMissesPerMinute, time.Minute),
		verified: newJWTCache(),
		idp:      cfg.IdP,
	}
	if rs.idp == nil {
		idp, err := NewIdP(ctx, cfg.idpConfig())
		if err != nil {
			return nil, err
		}
		rs.idp, rs.ownIdP = idp, true
	}
	rs.exchanger = &Exchanger{endpoint: rs.idp, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret, hc: cfg.HTTPClient}
	rs.exchanges = NewExchangeCache(rs.exchanger, 0)
	rs.exchanges.Observe = cfg.CacheObserver
	return rs, nil
}

// Close stops the background discovery retry of an IdP New discovered.
func (rs *ResourceServer) Close() {
	if rs.ownIdP {
		rs.idp.Close()
	}
}

// IdP is the identity provider the server trusts.
func (rs *ResourceServer) IdP() *IdP { return rs.idp }

// Ready reports whether the IdP has been discovered.
func (rs *ResourceServer) Ready() bool { return rs.idp != nil && rs.idp.Ready() }

// WaitReady blocks until the IdP has been discovered or ctx ends.
func (rs *ResourceServer) WaitReady(ctx context.Context) error { return rs.idp.WaitReady(ctx) }

// DiscoveryError is the last discovery failure, nil once discovery worked.
func (rs *ResourceServer) DiscoveryError() error { return rs.idp.DiscoveryError() }

func (rs *ResourceServer) endpoints() (*endpoints, *keySet, error) {
	return rs.idp.endpoints(context.Background())
}

// Exchanger is the RFC 8693 client of this server's confidential client.
func (rs *ResourceServer) Exchanger() *Exchanger { return rs.exchanger }

// Config returns the effective configuration (defaults filled in).
func (rs *ResourceServer) Config() Config { return rs.cfg }

// Authenticate validates the request's bearer token. It returns
// ErrNoToken without one, a *AuthError for a refused token, and another
// error when the IdP could not be asked.
func (rs *ResourceServer) Authenticate(r *http.Request) (*Identity, error) {
	tok, err := bearerToken(r)
	if err != nil {
		return nil, err
	}
	return rs.validate(r.Context(), tok, ratelimit.ClientAddress(r))
}

// Identify suits ConsentConfig.Identify: the Nextcloud user id of a request
// with a valid bearer token.
func (rs *ResourceServer) Identify(r *http.Request) (string, bool) {
	id, err := rs.Authenticate(r)
	if err != nil {
		return "", false
	}
	return id.UserID, true
}

// ErrNoToken means the request carried no bearer token.
var ErrNoToken = errors.New("no bearer token")

func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_request", Description: "the Authorization header must be \"Bearer <token>\""}
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token", Description: "the bearer token is empty or malformed"}
	}
	return tok, nil
}

// maxOpaqueTokenLen bounds tokens sent to the IdP: real opaque tokens are
// a few hundred characters at most.
const maxOpaqueTokenLen = 4096

// Validate checks a bearer token and returns its identity.
func (rs *ResourceServer) Validate(ctx context.Context, tok string) (*Identity, error) {
	return rs.validate(ctx, tok, "")
}

// validate is Validate for a request from client (its address; "" for
// calls not from a request, which are not rate-limited).
func (rs *ResourceServer) validate(ctx context.Context, tok, client string) (*Identity, error) {
	ep, keys, err := rs.endpoints()
	if err != nil {
		return nil, err
	}
	var id *Identity
	switch {
	case looksLikeJWT(tok):
		id, err = rs.validateJWT(ctx, keys, tok)
	case len(tok) > maxOpaqueTokenLen:
		err = invalidf("token is not a JWT and longer than the %d characters an opaque token may have", maxOpaqueTokenLen)
	default:
		id, err = rs.validateOpaque(ctx, ep, tok, client)
	}
	if err != nil {
		var te *tokenError
		if errors.As(err, &te) {
			return nil, &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token", Description: te.msg}
		}
		return nil, err
	}
	id.Token = tok
	return id, nil
}

func (rs *ResourceServer) validateJWT(ctx context.Context, keys *keySet, tok string) (*Identity, error) {
	now := rs.now()
	gen := keys.generation()
	if id, ok := rs.verified.get(tok, now, gen); ok {
		return id, nil
	}
	claims, err := verifyJWT(ctx, keys, tok, jwtCheck{
		issuer: rs.cfg.Issuer, audience: rs.cfg.Audience, allowAZP: rs.cfg.AcceptAZPAudience,
		leeway: rs.cfg.Leeway, maxLifetime: rs.cfg.MaxTokenLifetime, now: now,
	})
	if err != nil {
		return nil, err
	}
	id, err := rs.identityFrom(claims, false)
	if err != nil {
		return nil, err
	}
	if keys.generation().Equal(gen) {
		rs.verified.put(tok, id, rs.cfg.Leeway, now, gen)
	}
	return id, nil
}

func (rs *ResourceServer) identityFrom(claims map[string]any, opaque bool) (*Identity, error) {
	id := &Identity{
		Subject:  str(claims["sub"]),
		Scopes:   scopesOf(claims),
		Audience: stringList(claims["aud"]),
		ClientID: authorizedParty(claims),
		Issuer:   str(claims["iss"]),
		Opaque:   opaque,
		Claims:   claims,
	}
	if exp, ok := numericDate(claims["exp"]); ok {
		id.Expiry = exp
	}
	id.UserID = str(claims[rs.cfg.UserClaim])
	if id.UserID == "" && opaque {
		// RFC 7662 names the user "username".
		id.UserID = str(claims["username"])
	}
	if id.UserID == "" {
		return nil, invalidf("token has no %s claim naming the Nextcloud user; add a mapper for it at the identity provider", rs.cfg.UserClaim)
	}
	return id, nil
}

func str(v any) string { s, _ := v.(string); return s }

// ScopesSupported is what the metadata lists.
func (rs *ResourceServer) scopesSupported() []string {
	if rs.cfg.ScopesSupported == nil {
		return nil
	}
	return rs.cfg.ScopesSupported()
}
