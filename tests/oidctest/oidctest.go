// Package oidctest runs a real OpenID Provider in process for tests, built on
// github.com/zitadel/oidc/v3/pkg/op with in-memory storage. It behaves like
// a Keycloak realm where that matters to this project:
//
//   - discovery at {Issuer}/.well-known/openid-configuration (the issuer has
//     the path /realms/test unless WithIssuerPath says otherwise), JWKS with
//     rotatable RSA keys (RotateKey);
//   - authorization code flow with PKCE S256 (required for public clients and
//     for clients with RequirePKCE); the login page is replaced by a handler
//     that logs in a user named by the test (see Login, Authorize, Browser);
//   - refresh tokens (only with the offline_access scope, as zitadel's op
//     decides) with rotation: every refresh spends the presented token;
//   - client_credentials for clients with ServiceAccount: the token's
//     preferred_username is "service-account-<client id>";
//   - RFC 8693 token exchange for clients with TokenExchange (Keycloak
//     Standard Token Exchange V2: the exchanging client must be in the
//     subject token's aud, scopes only narrow, requested_subject is refused
//     with Keycloak's message) or Impersonation (legacy V1: requested_subject
//     names a user by username or subject);
//   - RFC 7662 introspection (any authenticated client may introspect),
//     userinfo, RFC 7009 revocation;
//   - access tokens as JWT with iss, sub, aud, azp, client_id, scope
//     (space-delimited), preferred_username, email, typ "Bearer", exp, iat,
//     nbf and jti, or opaque for clients with Opaque.
//
// aud of a user's token is the client's Audience (Keycloak's audience
// mappers) or, without one, the client id. Exchanged tokens have the
// requested audience (or the exchanging client) and azp = exchanging client.
//
// Down(true) makes every endpoint answer 503 until Down(false); Stop shuts
// the server for good. Count reports how often each endpoint was used.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Endpoint names for Count.
const (
	CountDiscovery = "discovery"
	CountJWKS      = "jwks"
	CountAuthorize = "authorize"
	CountLogin     = "login"
	// CountToken counts every token endpoint request; the Grant* names
	// count them by grant type.
	CountToken                  = "token"
	CountGrantCode              = "token:authorization_code"
	CountGrantRefresh           = "token:refresh_token"
	CountGrantClientCredentials = "token:client_credentials"
	CountGrantExchange          = "token:token-exchange"
	CountIntrospect             = "introspect"
	CountUserinfo               = "userinfo"
	CountRevoke                 = "revoke"
)

// DefaultRedirectURI is registered for clients without RedirectURIs and used
// by Login unless the request names another.
const DefaultRedirectURI = "http://127.0.0.1/callback"

// Client is an OAuth client registered at the provider.
type Client struct {
	ID string
	// Secret makes the client confidential (client_secret_basic or
	// client_secret_post); without it the client is public and must use PKCE.
	Secret string
	// RedirectURIs are matched exactly or as path.Match globs
	// ("http://127.0.0.1:*/callback"). Default: DefaultRedirectURI and
	// loopback globs.
	RedirectURIs []string
	// Audience is the aud of tokens issued to this client (Keycloak's audience
	// mappers); empty means the client id.
	Audience []string
	// Scopes are the non-OIDC scopes the client may request ("notes:read");
	// nil allows any.
	Scopes []string
	// Opaque makes access tokens issued to this client opaque (verifiable only
	// by introspection or userinfo) instead of JWTs.
	Opaque bool
	// RequirePKCE demands PKCE from a confidential client too.
	RequirePKCE bool
	// ServiceAccount enables client_credentials.
	ServiceAccount bool
	// TokenExchange enables RFC 8693 exchange as Keycloak's Standard Token
	// Exchange V2 does it: requested_subject is refused.
	TokenExchange bool
	// Impersonation enables exchange with requested_subject, as Keycloak's
	// legacy V1 token exchange with fine-grained permissions does.
	Impersonation bool
	// ExchangeAudiences limits the audience values the client may request in
	// an exchange; nil allows any registered client id.
	ExchangeAudiences []string
	// Lifetimes; zero means 5 minutes (access), 30 minutes (refresh) and 30
	// days (offline refresh tokens).
	AccessTokenLifetime  time.Duration
	RefreshTokenLifetime time.Duration
	OfflineTokenLifetime time.Duration
}

func (c *Client) accessLifetime() time.Duration {
	if c.AccessTokenLifetime > 0 {
		return c.AccessTokenLifetime
	}
	return 5 * time.Minute
}

func (c *Client) refreshLifetime(offline bool) time.Duration {
	switch {
	case offline && c.OfflineTokenLifetime > 0:
		return c.OfflineTokenLifetime
	case offline:
		return 30 * 24 * time.Hour
	case c.RefreshTokenLifetime > 0:
		return c.RefreshTokenLifetime
	}
	return 30 * time.Minute
}

func (c *Client) scopeAllowed(sc string) bool {
	return c.Scopes == nil || slices.Contains(c.Scopes, sc)
}

// filterScopes keeps the scopes the client may have.
func (c *Client) filterScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess:
			out = append(out, sc)
		default:
			if c.scopeAllowed(sc) {
				out = append(out, sc)
			}
		}
	}
	return out
}

// User is an account at the provider.
type User struct {
	// Subject is the sub claim; AddUser makes a random UUID (as Keycloak
	// does) so that tests notice code using sub where the username belongs.
	Subject string
	// Username is preferred_username: the Nextcloud user id.
	Username string
	Email    string
	Name     string
	// Claims are added to the user's access tokens (custom mappers).
	Claims map[string]any
	// DenyConsent makes the login step answer error=access_denied.
	DenyConsent bool
}

// ServiceAccountName is the username of a client's service account.
func ServiceAccountName(clientID string) string { return "service-account-" + clientID }

// Option configures New.
type Option func(*Provider)

// WithIssuerPath sets the issuer's path ("" for the server root); the default
// is "/realms/test", like a Keycloak realm.
func WithIssuerPath(path string) Option {
	return func(p *Provider) { p.path = strings.TrimRight(path, "/") }
}

// Provider is a running OpenID Provider.
type Provider struct {
	t      testing.TB
	srv    *httptest.Server
	op     *op.Provider
	st     *storage
	issuer string
	path   string

	mu      sync.Mutex
	down    bool
	stopped bool
	fault   func(w http.ResponseWriter, r *http.Request) bool
	counts  map[string]int
}

// New starts a provider; it stops when the test ends.
func New(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	p := &Provider{t: t, path: "/realms/test", counts: map[string]int{}}
	for _, o := range opts {
		o(p)
	}
	st, err := newStorage(p)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	p.st = st
	p.srv = httptest.NewServer(p)
	p.issuer = p.srv.URL + p.path
	cfg := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
	}
	if _, err := rand.Read(cfg.CryptoKey[:]); err != nil {
		t.Fatalf("oidctest: crypto key: %v", err)
	}
	prov, err := op.NewProvider(cfg, st, op.StaticIssuer(p.issuer), op.WithAllowInsecure())
	if err != nil {
		p.srv.Close()
		t.Fatalf("oidctest: new provider: %v", err)
	}
	p.op = prov
	t.Cleanup(p.Stop)
	return p
}

// Issuer is the issuer URL (also the base of every endpoint).
func (p *Provider) Issuer() string { return p.issuer }

// DiscoveryURL is the OpenID configuration document's URL.
func (p *Provider) DiscoveryURL() string { return p.issuer + oidc.DiscoveryEndpoint }

// TokenURL, IntrospectionURL, UserinfoURL, RevocationURL, AuthorizeURL and
// JWKSURL are the endpoints as discovery names them.
func (p *Provider) TokenURL() string         { return p.issuer + "/oauth/token" }
func (p *Provider) IntrospectionURL() string { return p.issuer + "/oauth/introspect" }
func (p *Provider) UserinfoURL() string      { return p.issuer + "/userinfo" }
func (p *Provider) RevocationURL() string    { return p.issuer + "/revoke" }
func (p *Provider) AuthorizeURL() string     { return p.issuer + "/authorize" }
func (p *Provider) JWKSURL() string          { return p.issuer + "/keys" }

// AddClient registers a client (replacing one with the same id) and returns
// it with defaults filled in. A ServiceAccount client gets its service
// account user.
func (p *Provider) AddClient(c Client) Client {
	p.t.Helper()
	if c.ID == "" {
		p.t.Fatalf("oidctest: client without ID")
	}
	if len(c.RedirectURIs) == 0 {
		c.RedirectURIs = []string{DefaultRedirectURI, "http://127.0.0.1:*/*", "http://localhost:*/*"}
	}
	cp := c
	p.st.mu.Lock()
	p.st.clients[c.ID] = &cp
	p.st.mu.Unlock()
	if c.ServiceAccount {
		if _, ok := p.User(ServiceAccountName(c.ID)); !ok {
			p.AddUser(User{Username: ServiceAccountName(c.ID)})
		}
	}
	return c
}

// AddUser adds a user and returns it with Subject (a UUID unless given),
// Email and Name filled in.
func (p *Provider) AddUser(u User) User {
	p.t.Helper()
	if u.Username == "" {
		p.t.Fatalf("oidctest: user without Username")
	}
	if u.Subject == "" {
		u.Subject = uuid.NewString()
	}
	if u.Email == "" {
		u.Email = u.Username + "@example.com"
	}
	if u.Name == "" {
		u.Name = u.Username
	}
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if p.st.userLocked(u.Username) != nil {
		p.t.Fatalf("oidctest: user %q exists", u.Username)
	}
	cp := u
	p.st.users[u.Subject] = &cp
	return u
}

// User finds a user by username or subject.
func (p *Provider) User(name string) (User, bool) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	u := p.st.userLocked(name)
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// RemoveUser deletes a user; refresh and exchange for them fail afterwards.
func (p *Provider) RemoveUser(name string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if u := p.st.userLocked(name); u != nil {
		p.st.endSessionLocked(u.Subject, "", true)
		delete(p.st.users, u.Subject)
	}
}

// EndSession ends a user's sessions (logout): their access tokens and online
// refresh tokens die; offline refresh tokens (offline_access) survive.
func (p *Provider) EndSession(user string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if u := p.st.userLocked(user); u != nil {
		p.st.endSessionLocked(u.Subject, "", false)
	}
}

// RevokeUser revokes every token of a user, offline ones included (an
// administrator revoking consent).
func (p *Provider) RevokeUser(user string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if u := p.st.userLocked(user); u != nil {
		p.st.endSessionLocked(u.Subject, "", true)
	}
}

// RefreshTokens reports how many live refresh tokens a user has (all
// clients), and how many of them are offline tokens.
func (p *Provider) RefreshTokens(user string) (total, offline int) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	u := p.st.userLocked(user)
	if u == nil {
		return 0, 0
	}
	for _, rt := range p.st.refresh {
		if rt.subject == u.Subject && time.Now().Before(rt.expiresAt) {
			total++
			if rt.offline {
				offline++
			}
		}
	}
	return total, offline
}

// RotateKey makes a new signing key current and returns its kid. With
// keepOld the previous keys stay in the JWKS (tokens they signed still
// verify); without, they are dropped.
func (p *Provider) RotateKey(keepOld bool) string {
	p.t.Helper()
	k, err := newSigningKey()
	if err != nil {
		p.t.Fatalf("oidctest: %v", err)
	}
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if keepOld {
		p.st.keys = append([]*signingKey{k}, p.st.keys...)
	} else {
		p.st.keys = []*signingKey{k}
	}
	return k.id
}

// KeyID is the kid of the current signing key.
func (p *Provider) KeyID() string {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return p.st.keys[0].id
}

// PublicKey is the current signing key's public half (for forging tokens
// that misuse it, e.g. as an HS256 secret).
func (p *Provider) PublicKey() *rsa.PublicKey {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return &p.st.keys[0].key.PublicKey
}

// SignJWT signs claims with the provider's current key: only for
// deliberately forged tokens (a missing exp, odd claims) whose signature
// must be valid. Real tokens come from the endpoints.
func (p *Provider) SignJWT(claims any) string {
	p.t.Helper()
	p.st.mu.Lock()
	k := p.st.keys[0]
	p.st.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		p.t.Fatalf("oidctest: signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		p.t.Fatalf("oidctest: claims: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		p.t.Fatalf("oidctest: sign: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		p.t.Fatalf("oidctest: serialize: %v", err)
	}
	return out
}

// SetClockShift makes the provider issue tokens as if its clock were off by
// d: SetClockShift(-time.Hour) yields expired tokens, SetClockShift(time.Hour)
// tokens that are not yet valid (iat and nbf in the future). Zero resets.
func (p *Provider) SetClockShift(d time.Duration) {
	p.st.mu.Lock()
	p.st.shift = d
	p.st.mu.Unlock()
}

// Down makes every endpoint answer 503 (true) or work again (false).
func (p *Provider) Down(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// Stop shuts the server down for good; it is safe to call twice.
func (p *Provider) Stop() {
	p.mu.Lock()
	stopped := p.stopped
	p.stopped = true
	p.mu.Unlock()
	if !stopped {
		p.srv.CloseClientConnections()
		p.srv.Close()
	}
}

// SetFault installs a hook run before each request is served (after the form
// is parsed, so r.FormValue is safe); returning true means it answered. Tests
// use it to fail or hold requests. nil removes it.
func (p *Provider) SetFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// Count reports how often an endpoint (Count* constants) was requested,
// including requests answered by Down or a fault.
func (p *Provider) Count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[name]
}

// ResetCounts sets every count to zero.
func (p *Provider) ResetCounts() {
	p.mu.Lock()
	clear(p.counts)
	p.mu.Unlock()
}

// HTTPClient is a plain client for the provider's server.
func (p *Provider) HTTPClient() *http.Client { return p.srv.Client() }

func endpointName(rest string) string {
	switch rest {
	case oidc.DiscoveryEndpoint:
		return CountDiscovery
	case "/keys":
		return CountJWKS
	case "/authorize", "/authorize/callback":
		return CountAuthorize
	case "/login":
		return CountLogin
	case "/oauth/token":
		return CountToken
	case "/oauth/introspect":
		return CountIntrospect
	case "/userinfo":
		return CountUserinfo
	case "/revoke":
		return CountRevoke
	}
	return rest
}

func grantName(gt string) string {
	if gt == string(oidc.GrantTypeTokenExchange) {
		return "token-exchange"
	}
	return gt
}

// ServeHTTP counts, applies Down and faults, and routes to the login handler
// or the op.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, p.path)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	name := endpointName(rest)
	if name == CountToken && r.Method == http.MethodPost {
		_ = r.ParseForm()
		if subj := r.PostForm.Get("requested_subject"); subj != "" {
			r = r.WithContext(context.WithValue(r.Context(), requestedSubjectKey{}, subj))
		}
	}
	p.mu.Lock()
	p.counts[name]++
	if name == CountToken {
		p.counts[CountToken+":"+grantName(r.PostForm.Get("grant_type"))]++
	}
	down, fault := p.down, p.fault
	p.mu.Unlock()
	if down {
		w.Header().Set("Connection", "close")
		http.Error(w, "identity provider unavailable (oidctest Down)", http.StatusServiceUnavailable)
		return
	}
	if fault != nil && fault(w, r) {
		return
	}
	if rest == "/login" {
		p.login(w, r)
		return
	}
	http.StripPrefix(p.path, p.op).ServeHTTP(w, r)
}

// loginUserHeader names the user the Browser logs in as.
const loginUserHeader = "X-Oidctest-User"

// login stands in for the login and consent pages: it logs in the user
// named by the browser (or the request's login_hint) and continues the flow.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	p.st.mu.Lock()
	ar, ok := p.st.authReqs[id]
	var redirect, state, hint string
	if ok {
		redirect, state, hint = ar.redirectURI, ar.state, ar.loginHint
	}
	p.st.mu.Unlock()
	if !ok {
		http.Error(w, "unknown auth request", http.StatusBadRequest)
		return
	}
	user := r.Header.Get(loginUserHeader)
	if user == "" {
		user = hint
	}
	u, known := p.User(user)
	if user == "" || !known || u.DenyConsent {
		q := url.Values{"error": {"access_denied"}, "error_description": {"user did not log in or refused consent"}}
		if state != "" {
			q.Set("state", state)
		}
		http.Redirect(w, r, addQuery(redirect, q), http.StatusFound)
		return
	}
	if err := p.st.completeLogin(id, user); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.issuer+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
}

func addQuery(raw string, q url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	vals := u.Query()
	for k, v := range q {
		vals[k] = v
	}
	u.RawQuery = vals.Encode()
	return u.String()
}

// opClient adapts Client to op.Client.
type opClient struct {
	c *Client
	p *Provider
}

var _ op.HasRedirectGlobs = (*opClient)(nil)

func (o *opClient) GetID() string                        { return o.c.ID }
func (o *opClient) RedirectURIs() []string               { return o.c.RedirectURIs }
func (o *opClient) RedirectURIGlobs() []string           { return o.c.RedirectURIs }
func (o *opClient) PostLogoutRedirectURIs() []string     { return nil }
func (o *opClient) PostLogoutRedirectURIGlobs() []string { return nil }
func (o *opClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (o *opClient) AuthMethod() oidc.AuthMethod {
	if o.c.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (o *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o *opClient) GrantTypes() []oidc.GrantType {
	g := []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	if o.c.ServiceAccount {
		g = append(g, oidc.GrantTypeClientCredentials)
	}
	if o.c.TokenExchange || o.c.Impersonation {
		g = append(g, oidc.GrantTypeTokenExchange)
	}
	return g
}
func (o *opClient) LoginURL(id string) string {
	return o.p.issuer + "/login?id=" + url.QueryEscape(id)
}
func (o *opClient) AccessTokenType() op.AccessTokenType {
	if o.c.Opaque {
		return op.AccessTokenTypeBearer
	}
	return op.AccessTokenTypeJWT
}
func (o *opClient) IDTokenLifetime() time.Duration { return time.Hour }
func (o *opClient) DevMode() bool                  { return true }
func (o *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o *opClient) IsScopeAllowed(scope string) bool     { return o.c.scopeAllowed(scope) }
func (o *opClient) IDTokenUserinfoClaimsAssertion() bool { return false }

// ClockSkew carries SetClockShift into the op, which stamps iat and nbf as
// now minus the skew.
func (o *opClient) ClockSkew() time.Duration {
	o.p.st.mu.Lock()
	defer o.p.st.mu.Unlock()
	return -o.p.st.shift
}

func (p *Provider) String() string { return fmt.Sprintf("oidctest.Provider(%s)", p.issuer) }
