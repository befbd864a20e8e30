package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// Clients as a Keycloak realm for this server has them.
const (
	serverClient = "nextcloud-mcp" // this server (confidential, exchange)
	serverSecret = "server-secret"
	mcpClient    = "mcp-client" // an MCP client; audience mapper adds serverClient
	otherClient  = "other-app"  // tokens for another application
	opaqueClient = "opaque-client"
	passClient   = "pass-client" // aud includes Nextcloud (passthrough)
	legacyClient = "legacy"      // V1 token exchange with impersonation
)

var testScopes = []string{"notes:read", "notes:write", "files:read"}

func newProvider(t *testing.T) *oidctest.Provider {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: serverClient, Secret: serverSecret, TokenExchange: true, ServiceAccount: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: mcpClient, Audience: []string{serverClient}})
	p.AddClient(oidctest.Client{ID: otherClient})
	p.AddClient(oidctest.Client{ID: opaqueClient, Audience: []string{serverClient}, Opaque: true})
	p.AddClient(oidctest.Client{ID: passClient, Audience: []string{serverClient, "nextcloud"}})
	p.AddClient(oidctest.Client{ID: legacyClient, Secret: "legacy-secret", Impersonation: true, ServiceAccount: true})
	p.AddUser(oidctest.User{Username: "alice"})
	p.AddUser(oidctest.User{Username: "bob"})
	return p
}

// nextcloudFor starts a test Nextcloud that accepts bearer tokens the way
// user_oidc does: active at the IdP and meant for Nextcloud.
func nextcloudFor(t *testing.T, p *oidctest.Provider) *nctest.Server {
	nc := nctest.New(t, nctest.WithUser("alice", "a"), nctest.WithUser("bob", "b"))
	nc.SetBearerAuth(func(tok string) (string, bool) {
		in, err := p.Introspect(context.Background(), "nextcloud", tok)
		if err != nil || in["active"] != true {
			return "", false
		}
		aud, _ := in["aud"].([]any)
		if !slices.Contains(aud, any("nextcloud")) {
			return "", false
		}
		u, _ := in["username"].(string)
		return u, u != ""
	})
	return nc
}

// identity is who tok validates as; the test fails if it is refused.
func (e *env) identity(t *testing.T, ctx context.Context, tok string) *oauth.Identity {
	t.Helper()
	id, err := e.rs.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// client is the Nextcloud client acting for id; the test fails if there is none.
func (e *env) client(t *testing.T, ctx context.Context, id *oauth.Identity) *nextcloud.Client {
	t.Helper()
	nc, err := e.rs.ClientFor(oauth.WithIdentity(ctx, id))
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

type env struct {
	p   *oidctest.Provider
	rs  *oauth.ResourceServer
	nc  *nctest.Server
	url string // the protected server
}

// newEnv starts provider, Nextcloud and a server whose /mcp answers with
// the caller's identity behind the bearer middleware.
func newEnv(t *testing.T, p *oidctest.Provider, mutate func(*oauth.Config)) *env {
	t.Helper()
	if p == nil {
		p = newProvider(t)
	}
	e := &env{p: p, nc: nextcloudFor(t, p)}
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	base, err := nextcloud.New(nextcloud.Options{BaseURL: e.nc.URL, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth.Config{
		Issuer: p.Issuer(), ClientID: serverClient, ClientSecret: serverSecret, ServerURL: srv.URL,
		ScopesSupported: func() []string { return testScopes }, DiscoveryRetry: 5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	rs, err := oauth.New(context.Background(), cfg, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	e.rs = rs
	mux := http.NewServeMux()
	rs.RegisterMetadata(mux)
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := oauth.IdentityFrom(r.Context())
		if !ok {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"user": id.UserID, "sub": id.Subject, "scopes": id.Scopes, "opaque": id.Opaque})
	})
	mux.Handle("/mcp", rs.Middleware(whoami))
	mux.Handle("/sse", rs.Middleware(whoami))
	mux.Handle("/files", rs.Middleware(rs.RequireScope("files:write", whoami)))
	h = mux
	return e
}

type answer struct {
	status int
	www    string
	body   map[string]any
}

func (e *env) call(t *testing.T, path, auth string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader("{}"))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, www: resp.Header.Get("WWW-Authenticate")}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &a.body)
	return a
}

func decodePart(t *testing.T, part string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func enc(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	s, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func TestRejectedTokens(t *testing.T) {
	e := newEnv(t, nil, nil)
	p := e.p
	good := p.UserToken(t, "alice", mcpClient, "notes:read")
	parts := strings.Split(good, ".")
	claims := decodePart(t, parts[1])
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	pemKey, _ := x509.MarshalPKIXPublicKey(p.PublicKey())
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pemKey})
	rogue, _ := rsa.GenerateKey(rand.Reader, 2048)

	other := oidctest.New(t)
	other.AddClient(oidctest.Client{ID: mcpClient, Audience: []string{serverClient}})
	other.AddUser(oidctest.User{Username: "alice"})

	p.SetClockShift(-2 * time.Hour)
	expired := p.UserToken(t, "alice", mcpClient, "notes:read")
	p.SetClockShift(time.Hour)
	future := p.UserToken(t, "alice", mcpClient, "notes:read")
	p.SetClockShift(0)

	idTok, err := p.Login(context.Background(), oidctest.LoginRequest{ClientID: serverClient, User: "alice", Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, auth, want string
	}{
		{"alg none", "Bearer " + enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", "algorithm is not allowed"},
		{"HS256 with the public key", "Bearer " + signWith(t, jose.HS256, pemBytes, p.KeyID(), claims), "algorithm is not allowed"},
		{"HS256 with the DER key", "Bearer " + signWith(t, jose.HS256, pemKey, p.KeyID(), claims), "algorithm is not allowed"},
		{"wrong issuer", "Bearer " + other.UserToken(t, "alice", mcpClient, "notes:read"), "issuer"},
		{"wrong audience", "Bearer " + p.UserToken(t, "alice", otherClient, "notes:read"), "audience"},
		{"expired", "Bearer " + expired, "expired"},
		{"not yet valid", "Bearer " + future, "not valid before"},
		{"malformed three parts", "Bearer abc.def.ghi", "well-formed"},
		{"malformed payload", "Bearer " + parts[0] + ".bm90IGpzb24." + parts[2], "not a JSON object"},
		{"tampered payload", "Bearer " + parts[0] + "." + enc(with("preferred_username", "bob")) + "." + parts[2], "signature does not verify"},
		{"unknown signing key", "Bearer " + signWith(t, jose.RS256, rogue, "rogue-kid", claims), "does not publish"},
		{"rogue key posing as the real kid", "Bearer " + signWith(t, jose.RS256, rogue, p.KeyID(), claims), "signature does not verify"},
		{"no exp", "Bearer " + p.SignJWT(with("exp", nil)), "no valid exp"},
		{"no user claim", "Bearer " + p.SignJWT(with("preferred_username", nil)), "preferred_username"},
		// RFC 7662's "username" names the user of an introspected token only,
		// never of a JWT.
		{"no user claim but a username", "Bearer " + p.SignJWT(func() map[string]any {
			c := with("preferred_username", nil)
			c["username"] = "alice"
			return c
		}()), "preferred_username"},
		{"ID token", "Bearer " + idTok.IDToken, "ID token"},
		{"opaque garbage", "Bearer not-a-real-token", "not active"},
		{"empty bearer", "Bearer ", "Bearer <token>"},
		{"basic auth", "Basic YWxpY2U6YQ==", "Bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.call(t, "/mcp", tt.auth)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401 (body %v)", a.status, a.body)
			}
			if !strings.Contains(a.www, `resource_metadata="`+e.url+`/.well-known/oauth-protected-resource/mcp"`) {
				t.Errorf("WWW-Authenticate %q lacks resource_metadata", a.www)
			}
			if !strings.Contains(a.www, `error="invalid_token"`) && !strings.Contains(a.www, `error="invalid_request"`) {
				t.Errorf("WWW-Authenticate %q lacks an error code", a.www)
			}
			desc, _ := a.body["error_description"].(string)
			if !strings.Contains(desc, tt.want) {
				t.Errorf("error_description %q, want it to mention %q", desc, tt.want)
			}
			if strings.Contains(a.www, tt.auth[min(len(tt.auth), 7):]) && len(tt.auth) > 20 {
				t.Errorf("challenge echoes the token")
			}
		})
	}
	if a := e.call(t, "/mcp", "Bearer "+good); a.status != http.StatusOK || a.body["user"] != "alice" {
		t.Fatalf("good token refused: %d %v", a.status, a.body)
	}
}

func TestAcceptedTokenIdentity(t *testing.T) {
	e := newEnv(t, nil, nil)
	alice, _ := e.p.User("alice")
	// notes.read is the same scope as notes:read.
	a := e.call(t, "/mcp", "Bearer "+e.p.UserToken(t, "alice", mcpClient, "notes.read", "files:read"))
	if a.status != http.StatusOK {
		t.Fatalf("status %d %v", a.status, a.body)
	}
	if a.body["user"] != "alice" || a.body["sub"] != alice.Subject {
		t.Errorf("identity %v, want alice / %s", a.body, alice.Subject)
	}
	scopes, _ := a.body["scopes"].([]any)
	if !slices.Equal(scopes, []any{"openid", "notes:read", "files:read"}) {
		t.Errorf("scopes %v", scopes)
	}
	// A token issued to this server itself is accepted: its aud names us.
	if a := e.call(t, "/mcp", "Bearer "+e.p.UserToken(t, "bob", serverClient)); a.status != http.StatusOK || a.body["user"] != "bob" {
		t.Errorf("azp token: %d %v", a.status, a.body)
	}
}

func TestChallengeHeaders(t *testing.T) {
	e := newEnv(t, nil, nil)
	root := e.url + "/.well-known/oauth-protected-resource"
	tests := []struct {
		name, path, auth string
		status           int
		www              string
	}{
		{"no token at /mcp", "/mcp", "", 401,
			`Bearer resource_metadata="` + root + `/mcp", scope="notes:read notes:write files:read"`},
		{"no token at /sse", "/sse", "", 401,
			`Bearer resource_metadata="` + root + `", scope="notes:read notes:write files:read"`},
		{"bad token", "/mcp", "Bearer abc.def.ghi", 401,
			`Bearer resource_metadata="` + root + `/mcp", error="invalid_token", error_description="token is not a well-formed JWT"`},
		{"insufficient scope", "/files", "Bearer " + e.p.UserToken(t, "alice", mcpClient, "notes:read"), 403,
			`Bearer resource_metadata="` + root + `", scope="files:write", error="insufficient_scope", error_description="this request needs the scope files:write"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.call(t, tt.path, tt.auth)
			if a.status != tt.status || a.www != tt.www {
				t.Errorf("got %d %q\nwant %d %q", a.status, a.www, tt.status, tt.www)
			}
		})
	}
	if a := e.call(t, "/files", "Bearer "+e.p.UserToken(t, "alice", mcpClient, "files:write")); a.status != http.StatusOK {
		t.Errorf("files:write token refused: %d", a.status)
	}
	// A CORS preflight passes without a token (the handler sees no identity);
	// a plain OPTIONS does not.
	for _, preflight := range []bool{true, false} {
		req, _ := http.NewRequest(http.MethodOptions, e.url+"/mcp", nil)
		if preflight {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.StatusCode == http.StatusUnauthorized; got == preflight {
			t.Errorf("OPTIONS (preflight %v): status %d", preflight, resp.StatusCode)
		}
	}
}

func TestMetadataDocuments(t *testing.T) {
	p := newProvider(t)
	p.Down(true) // metadata needs no IdP
	e := newEnv(t, p, func(c *oauth.Config) { c.ResourceName = "Test MCP" })
	tests := []struct {
		path, resource string
		status         int
	}{
		{"/.well-known/oauth-protected-resource", e.url, 200},
		{"/.well-known/oauth-protected-resource/mcp", e.url + "/mcp", 200},
		{"/.well-known/oauth-protected-resource/other", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(e.url + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header")
			}
			var doc map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"resource":                 tt.resource,
				"authorization_servers":    []any{p.Issuer()},
				"scopes_supported":         []any{"notes:read", "notes:write", "files:read"},
				"bearer_methods_supported": []any{"header"},
				"resource_name":            "Test MCP",
			}
			for k, v := range want {
				got, _ := json.Marshal(doc[k])
				exp, _ := json.Marshal(v)
				if string(got) != string(exp) {
					t.Errorf("%s = %s, want %s", k, got, exp)
				}
			}
			if len(doc) != len(want) {
				t.Errorf("unexpected fields: %v", doc)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, nil, nil)
	p := e.p
	first := p.UserToken(t, "alice", mcpClient)
	if a := e.call(t, "/mcp", "Bearer "+first); a.status != 200 {
		t.Fatalf("first token: %d %v", a.status, a.body)
	}
	p.ResetCounts()
	if a := e.call(t, "/mcp", "Bearer "+first); a.status != 200 || p.Count(oidctest.CountJWKS) != 0 {
		t.Fatalf("cached key not used: %d, %d JWKS fetches", a.status, p.Count(oidctest.CountJWKS))
	}
	p.RotateKey(false)
	second := p.UserToken(t, "alice", mcpClient)
	if a := e.call(t, "/mcp", "Bearer "+second); a.status != 200 {
		t.Fatalf("token with the new kid refused: %d %v", a.status, a.body)
	}
	if n := p.Count(oidctest.CountJWKS); n != 1 {
		t.Errorf("unknown kid caused %d JWKS fetches, want 1", n)
	}
	// The old key is gone from the JWKS: its tokens no longer verify.
	if a := e.call(t, "/mcp", "Bearer "+first); a.status != 401 {
		t.Errorf("token of a dropped key: %d", a.status)
	}
	// Forged kids after a miss cost no further fetches (backoff).
	p.ResetCounts()
	rogue, _ := rsa.GenerateKey(rand.Reader, 2048)
	claims := decodePart(t, strings.Split(second, ".")[1])
	for i := range 5 {
		tok := signWith(t, jose.RS256, rogue, "forged-"+string(rune('a'+i)), claims)
		if a := e.call(t, "/mcp", "Bearer "+tok); a.status != 401 {
			t.Fatalf("forged kid accepted: %d", a.status)
		}
	}
	if n := p.Count(oidctest.CountJWKS); n != 0 {
		t.Errorf("forged kids caused %d JWKS fetches within the backoff, want 0", n)
	}
}

func TestOpaqueTokens(t *testing.T) {
	e := newEnv(t, nil, nil)
	p := e.p
	tok := p.UserToken(t, "bob", opaqueClient, "notes:write")
	if strings.Count(tok, ".") == 2 {
		t.Fatal("provider issued a JWT")
	}
	for range 3 {
		a := e.call(t, "/mcp", "Bearer "+tok)
		if a.status != 200 || a.body["user"] != "bob" || a.body["opaque"] != true {
			t.Fatalf("opaque token: %d %v", a.status, a.body)
		}
	}
	if n := p.Count(oidctest.CountIntrospect); n != 1 {
		t.Errorf("introspected %d times, want 1 (cached by token hash)", n)
	}
	// A revoked token is refused once its cache entry is gone (a new server).
	if err := p.Revoke(context.Background(), opaqueClient, tok); err != nil {
		t.Fatal(err)
	}
	fresh := newEnv(t, p, nil)
	if a := fresh.call(t, "/mcp", "Bearer "+tok); a.status != 401 || !strings.Contains(a.www, "invalid_token") {
		t.Errorf("revoked opaque token: %d %q", a.status, a.www)
	}
	// Opaque token of another audience.
	p.AddClient(oidctest.Client{ID: "opaque-other", Opaque: true})
	if a := e.call(t, "/mcp", "Bearer "+p.UserToken(t, "bob", "opaque-other")); a.status != 401 || !strings.Contains(a.body["error_description"].(string), "audience") {
		t.Errorf("opaque token for another audience: %d %v", a.status, a.body)
	}
	// Userinfo mode: accepted, with the configured scopes.
	ui := newEnv(t, p, func(c *oauth.Config) {
		c.Opaque = oauth.OpaqueUserinfo
		c.UserinfoScopes = []string{"notes.read"}
	})
	tok2 := p.UserToken(t, "alice", opaqueClient)
	if a := ui.call(t, "/mcp", "Bearer "+tok2); a.status != 200 || a.body["user"] != "alice" || !slices.Equal(a.body["scopes"].([]any), []any{"notes:read"}) {
		t.Errorf("userinfo mode: %d %v", a.status, a.body)
	}
	// Reject mode.
	rj := newEnv(t, p, func(c *oauth.Config) { c.Opaque = oauth.OpaqueReject })
	if a := rj.call(t, "/mcp", "Bearer "+tok2); a.status != 401 {
		t.Errorf("reject mode accepted an opaque token: %d", a.status)
	}
}

func TestIdPDownAtStartThenUp(t *testing.T) {
	p := newProvider(t)
	p.Down(true)
	e := newEnv(t, p, nil)
	if e.rs.Ready() {
		t.Fatal("ready while the IdP is down")
	}
	err := e.rs.DiscoveryError()
	if err == nil || !strings.Contains(err.Error(), p.DiscoveryURL()) {
		t.Errorf("discovery error %v does not name %s", err, p.DiscoveryURL())
	}
	if e.rs.IdP().Check(context.Background()) == nil {
		t.Errorf("readiness check passes while the IdP is down")
	}
	// A token cannot be checked: 503, not 401.
	a := e.call(t, "/mcp", "Bearer some.jwt.here")
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("status while down: %d", a.status)
	}
	// Without a token the challenge still works.
	if a := e.call(t, "/mcp", ""); a.status != 401 || !strings.Contains(a.www, "resource_metadata=") {
		t.Errorf("challenge while down: %d %q", a.status, a.www)
	}
	p.Down(false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.rs.WaitReady(ctx); err != nil {
		t.Fatalf("not ready after the IdP came up: %v", err)
	}
	if a := e.call(t, "/mcp", "Bearer "+p.UserToken(t, "alice", mcpClient)); a.status != 200 {
		t.Errorf("after recovery: %d %v", a.status, a.body)
	}
	if e.rs.IdP().Check(context.Background()) != nil {
		t.Errorf("readiness check fails after recovery")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  oauth.Config
		want string
	}{
		{"no issuer", oauth.Config{ServerURL: "https://m", ClientID: "c", ClientSecret: "s"}, "OIDC_ISSUER"},
		{"bad issuer", oauth.Config{Issuer: "keycloak", ServerURL: "https://m", ClientID: "c", ClientSecret: "s"}, "OIDC_ISSUER"},
		{"no server url", oauth.Config{Issuer: "https://kc", ClientID: "c", ClientSecret: "s"}, "NEXTCLOUD_MCP_SERVER_URL"},
		{"no audience", oauth.Config{Issuer: "https://kc", ServerURL: "https://m", Upstream: oauth.UpstreamPassthrough}, "OIDC_AUDIENCE"},
		{"exchange without secret", oauth.Config{Issuer: "https://kc", ServerURL: "https://m", ClientID: "c"}, "OIDC_CLIENT_SECRET"},
		{"bad upstream", oauth.Config{Issuer: "https://kc", ServerURL: "https://m", ClientID: "c", ClientSecret: "s", Upstream: "proxy"}, "NEXTCLOUD_MCP_UPSTREAM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oauth.New(context.Background(), tt.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want mention of %s", err, tt.want)
			}
		})
	}
}

func TestExchanger(t *testing.T) {
	p := newProvider(t)
	ctx := context.Background()
	ex := oauth.NewExchanger(p.TokenURL(), serverClient, serverSecret, nil)
	user := p.UserToken(t, "alice", mcpClient, "notes:read", "notes:write")
	tests := []struct {
		name      string
		req       oauth.ExchangeRequest
		wantAud   []any
		wantScope string
	}{
		{"with audience", oauth.ExchangeRequest{Audience: []string{"nextcloud"}}, []any{"nextcloud"}, "openid notes:read notes:write"},
		{"without audience", oauth.ExchangeRequest{}, []any{serverClient}, "openid notes:read notes:write"},
		{"with scope", oauth.ExchangeRequest{Audience: []string{"nextcloud"}, Scopes: []string{"notes:read"}}, []any{"nextcloud"}, "notes:read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.SubjectToken = user
			tok, err := ex.Exchange(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			c := decodePart(t, strings.Split(tok.AccessToken, ".")[1])
			if aud, _ := json.Marshal(c["aud"]); string(aud) != mustJSON(tt.wantAud) {
				t.Errorf("aud %s, want %s", aud, mustJSON(tt.wantAud))
			}
			if c["scope"] != tt.wantScope || c["preferred_username"] != "alice" || c["azp"] != serverClient {
				t.Errorf("claims %v", c)
			}
			if tok.Expiry.IsZero() || time.Until(tok.Expiry) < time.Minute {
				t.Errorf("expiry %v", tok.Expiry)
			}
			if tok.Extra("issued_token_type") != oauth.TokenTypeAccessToken || tok.Extra("scope") != tt.wantScope {
				t.Errorf("extras %v %v", tok.Extra("issued_token_type"), tok.Extra("scope"))
			}
		})
	}

	// Keycloak V2 refuses impersonation: the error says so and how to fix it.
	sa, err := p.ClientCredentials(ctx, serverClient)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Impersonate([]string{"nextcloud"})(ctx, sa.AccessToken, "bob")
	var ee *oauth.ExchangeError
	if !errors.As(err, &ee) || !ee.Impersonation || ee.Code != "invalid_request" {
		t.Fatalf("impersonation error %v", err)
	}
	for _, frag := range []string{"Parameter 'requested_subject' is not supported for standard token exchange", "Standard Token Exchange V2", "legacy token exchange V1", "impersonation"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q lacks %q", err, frag)
		}
	}
	if strings.Contains(err.Error(), sa.AccessToken) || strings.Contains(err.Error(), serverSecret) {
		t.Errorf("error leaks a secret")
	}
	// Legacy V1 allows it.
	legacy := oauth.NewExchanger(p.TokenURL(), legacyClient, "legacy-secret", nil)
	lsa, err := p.ClientCredentials(ctx, legacyClient)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := legacy.Impersonate([]string{"nextcloud"}, "notes:read")(ctx, lsa.AccessToken, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if c := decodePart(t, strings.Split(tok.AccessToken, ".")[1]); c["preferred_username"] != "bob" {
		t.Errorf("impersonated token is for %v", c["preferred_username"])
	}
	// Other refusals carry hints too.
	_, err = oauth.NewExchanger(p.TokenURL(), legacyClient, "legacy-secret", nil).Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user, Audience: []string{"nextcloud"}})
	if err == nil || !strings.Contains(err.Error(), "audience mapper") {
		t.Errorf("not-in-audience error %v lacks the mapper hint", err)
	}
	_, err = oauth.NewExchanger(p.TokenURL(), serverClient, "wrong", nil).Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user})
	if err == nil || !strings.Contains(err.Error(), "OIDC_CLIENT_SECRET") {
		t.Errorf("bad secret error %v", err)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestClientForExchangeAndPassthrough(t *testing.T) {
	ctx := context.Background()
	t.Run("exchange", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		for _, user := range []string{"alice", "bob"} {
			nc := e.client(t, ctx, e.identity(t, ctx, e.p.UserToken(t, user, mcpClient, "notes:read")))
			if nc.User() != user {
				t.Errorf("client acts as %q", nc.User())
			}
			for range 3 {
				cu, err := nc.CurrentUser(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if cu.ID != user {
					t.Errorf("Nextcloud sees %q, want %s", cu.ID, user)
				}
			}
		}
		if n := e.p.Count(oidctest.CountGrantExchange); n != 2 {
			t.Errorf("%d exchanges for 2 users × 3 requests, want 2 (cached)", n)
		}
	})
	t.Run("passthrough", func(t *testing.T) {
		e := newEnv(t, nil, func(c *oauth.Config) { c.Upstream = oauth.UpstreamPassthrough })
		nc := e.client(t, ctx, e.identity(t, ctx, e.p.UserToken(t, "alice", passClient)))
		if cu, err := nc.CurrentUser(ctx); err != nil || cu.ID != "alice" {
			t.Fatalf("passthrough: %v %v", cu, err)
		}
		if n := e.p.Count(oidctest.CountGrantExchange); n != 0 {
			t.Errorf("passthrough exchanged %d times", n)
		}
		// A token not meant for Nextcloud never reaches it.
		before := e.nc.RequestCount("GET /ocs/v2.php/cloud/user")
		id := e.identity(t, ctx, e.p.UserToken(t, "alice", mcpClient))
		if _, err := e.rs.ClientFor(oauth.WithIdentity(ctx, id)); err == nil || !strings.Contains(err.Error(), "does not include Nextcloud") {
			t.Errorf("passthrough of a non-Nextcloud token: %v", err)
		}
		if e.nc.RequestCount("GET /ocs/v2.php/cloud/user") != before {
			t.Errorf("Nextcloud was called")
		}
	})
	t.Run("no identity", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		if _, err := e.rs.ClientFor(ctx); err == nil {
			t.Errorf("ClientFor without identity worked")
		}
		if sc, enforce := e.rs.Scopes(ctx); len(sc) != 0 || !enforce {
			t.Errorf("Scopes without identity = %v %v", sc, enforce)
		}
	})
	t.Run("cached token of a withdrawn key", func(t *testing.T) {
		// Keycloak rotates its key and disables the old one: the cached
		// exchanged token no longer verifies, so one new exchange replaces it.
		e := newEnv(t, nil, nil)
		nc := e.client(t, ctx, e.identity(t, ctx, e.p.UserToken(t, "alice", mcpClient, "notes:read")))
		if _, err := nc.CurrentUser(ctx); err != nil {
			t.Fatal(err)
		}
		e.p.RotateKey(false)
		nc = e.client(t, ctx, e.identity(t, ctx, e.p.UserToken(t, "alice", mcpClient, "notes:read")))
		if cu, err := nc.CurrentUser(ctx); err != nil || cu.ID != "alice" {
			t.Fatalf("after the key rotation: %v %v", cu, err)
		}
		if n := e.p.Count(oidctest.CountGrantExchange); n != 2 {
			t.Errorf("%d exchanges, want 2 (the cached one refused, one new)", n)
		}
	})
	t.Run("exchange refused", func(t *testing.T) {
		p := newProvider(t)
		p.AddClient(oidctest.Client{ID: serverClient, Secret: serverSecret}) // exchange off
		e := newEnv(t, p, nil)
		nc, _ := e.rs.ClientFor(oauth.WithIdentity(ctx, e.identity(t, ctx, p.UserToken(t, "alice", mcpClient))))
		_, err := nc.CurrentUser(ctx)
		if err == nil || !strings.Contains(err.Error(), "standard.token.exchange.enabled") {
			t.Errorf("refused exchange error %v", err)
		}
		if e.nc.RequestCount("GET /ocs/v2.php/cloud/user") != 0 {
			t.Errorf("Nextcloud was called without a token")
		}
	})
}
