package oidctest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

func setup(t *testing.T) *oidctest.Provider {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-client"})
	p.AddClient(oidctest.Client{ID: "nextcloud-mcp", Secret: "s3cret", TokenExchange: true, ServiceAccount: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: "legacy", Secret: "legacy-secret", Impersonation: true, ServiceAccount: true})
	p.AddUser(oidctest.User{Username: "alice"})
	p.AddUser(oidctest.User{Username: "bob"})
	return p
}

func TestDiscoveryAndJWKS(t *testing.T) {
	p := setup(t)
	resp, err := p.HTTPClient().Get(p.DiscoveryURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                 p.Issuer(),
		"token_endpoint":         p.TokenURL(),
		"introspection_endpoint": p.IntrospectionURL(),
		"userinfo_endpoint":      p.UserinfoURL(),
		"revocation_endpoint":    p.RevocationURL(),
		"authorization_endpoint": p.AuthorizeURL(),
		"jwks_uri":               p.JWKSURL(),
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	grants, _ := doc["grant_types_supported"].([]any)
	for _, g := range []string{"authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"} {
		if !slices.Contains(grants, any(g)) {
			t.Errorf("grant_types_supported lacks %s: %v", g, grants)
		}
	}
	if !strings.HasSuffix(p.Issuer(), "/realms/test") {
		t.Errorf("issuer %s has no realm path", p.Issuer())
	}

	kid1 := p.KeyID()
	kid2 := p.RotateKey(true)
	keys := jwksKids(t, p)
	if !slices.Contains(keys, kid1) || !slices.Contains(keys, kid2) {
		t.Errorf("JWKS after rotation keeping old = %v, want %s and %s", keys, kid1, kid2)
	}
	kid3 := p.RotateKey(false)
	if keys := jwksKids(t, p); !slices.Equal(keys, []string{kid3}) {
		t.Errorf("JWKS after rotation dropping old = %v, want [%s]", keys, kid3)
	}
	tok := p.UserToken(t, "alice", "mcp-client")
	if h := testutil.JWTHeader(t, tok); h["kid"] != kid3 || h["alg"] != "RS256" {
		t.Errorf("token header %v, want kid %s RS256", h, kid3)
	}
}

func jwksKids(t *testing.T, p *oidctest.Provider) []string {
	t.Helper()
	resp, err := p.HTTPClient().Get(p.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid, Alg, Use, Kty string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Use != "sig" || k.Alg != "RS256" {
			t.Errorf("key %+v is not an RSA signing key", k)
		}
		out = append(out, k.Kid)
	}
	return out
}

func TestAuthCodeFlowClaims(t *testing.T) {
	p := setup(t)
	p.AddClient(oidctest.Client{ID: "mapped", Audience: []string{"nextcloud-mcp"}})
	ctx := context.Background()
	alice, _ := p.User("alice")

	tok, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mapped", User: "alice", Scopes: []string{"openid", "profile", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, tok.AccessToken)
	checks := map[string]any{
		"iss": p.Issuer(), "sub": alice.Subject, "azp": "mapped", "client_id": "mapped",
		"scope": "openid profile notes:read", "preferred_username": "alice", "typ": "Bearer",
	}
	for k, v := range checks {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if aud := testutil.Audience(c); !slices.Equal(aud, []string{"nextcloud-mcp"}) {
		t.Errorf("aud = %v, want [nextcloud-mcp]", aud)
	}
	for _, k := range []string{"exp", "iat", "nbf", "jti"} {
		if c[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}
	if tok.RefreshToken != "" {
		t.Errorf("refresh token without offline_access")
	}
	if tok.IDToken == "" {
		t.Errorf("no id_token")
	}

	// Public clients must use PKCE.
	if _, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp-client", User: "alice", NoPKCE: true}); err == nil {
		t.Errorf("public client without PKCE got a token")
	}
	// Unknown user or refused consent: access_denied at the redirect_uri.
	p.AddUser(oidctest.User{Username: "carol", DenyConsent: true})
	for _, u := range []string{"nobody", "carol"} {
		_, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp-client", User: u})
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Errorf("login as %s: %v, want access_denied", u, err)
		}
	}
}

func TestBrowserReachesApplicationCallback(t *testing.T) {
	p := setup(t)
	got := make(chan url.Values, 1)
	app := http.NewServeMux()
	app.HandleFunc("/oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query()
		_, _ = w.Write([]byte("ok"))
	})
	srv := newServer(t, app)
	p.AddClient(oidctest.Client{ID: "app", Secret: "x", RedirectURIs: []string{srv + "/oauth/callback"}})
	q := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {srv + "/oauth/callback"},
		"scope": {"openid offline_access"}, "state": {"st"}}
	resp, err := p.Browser("bob").Get(p.AuthorizeURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb := <-got
	if cb.Get("state") != "st" || cb.Get("code") == "" {
		t.Fatalf("callback got %v", cb)
	}
	tok, err := p.PostToken(context.Background(), "app", "x", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")}, "redirect_uri": {srv + "/oauth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Errorf("no refresh token with offline_access")
	}
	if testutil.JWTClaims(t, tok.AccessToken)["preferred_username"] != "bob" {
		t.Errorf("token is not bob's")
	}
}

func TestRefreshRotationAndOffline(t *testing.T) {
	p := setup(t)
	ctx := context.Background()
	tok, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "nextcloud-mcp", User: "alice", Scopes: []string{"openid", "offline_access", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	next, err := p.Refresh(ctx, "nextcloud-mcp", tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh did not rotate")
	}
	var te *oidctest.TokenError
	if _, err := p.Refresh(ctx, "nextcloud-mcp", tok.RefreshToken); !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Errorf("reusing a spent refresh token: %v, want invalid_grant", err)
	}
	// Narrowing scopes on refresh.
	narrow, err := p.Refresh(ctx, "nextcloud-mcp", next.RefreshToken, "openid")
	if err != nil {
		t.Fatal(err)
	}
	if sc := testutil.JWTClaims(t, narrow.AccessToken)["scope"]; sc != "openid" {
		t.Errorf("narrowed scope = %v", sc)
	}
	if total, offline := p.RefreshTokens("alice"); total != 1 || offline != 1 {
		t.Errorf("refresh tokens = %d (%d offline), want 1 (1)", total, offline)
	}
	p.EndSession("alice")
	after, err := p.Refresh(ctx, "nextcloud-mcp", narrow.RefreshToken)
	if err != nil {
		t.Fatalf("offline token died with the session: %v", err)
	}
	p.RevokeUser("alice")
	if _, err := p.Refresh(ctx, "nextcloud-mcp", after.RefreshToken); err == nil {
		t.Errorf("refresh after RevokeUser worked")
	}
}

func TestClientCredentials(t *testing.T) {
	p := setup(t)
	ctx := context.Background()
	tok, err := p.ClientCredentials(ctx, "nextcloud-mcp", "notes:read")
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, tok.AccessToken)
	if c["preferred_username"] != "service-account-nextcloud-mcp" || c["azp"] != "nextcloud-mcp" || c["scope"] != "notes:read" {
		t.Errorf("service account claims %v", c)
	}
	if _, err := p.ClientCredentials(ctx, "nextcloud"); err == nil {
		t.Errorf("client_credentials without ServiceAccount worked")
	}
	if _, err := p.PostToken(ctx, "nextcloud-mcp", "wrong", url.Values{"grant_type": {"client_credentials"}}); err == nil {
		t.Errorf("wrong secret accepted")
	}
}

func TestTokenExchange(t *testing.T) {
	p := setup(t)
	ctx := context.Background()
	p.AddClient(oidctest.Client{ID: "mcp-mapped", Audience: []string{"nextcloud-mcp"}})
	user, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp-mapped", User: "alice", Scopes: []string{"openid", "notes:read", "notes:write"}})
	if err != nil {
		t.Fatal(err)
	}
	var te *oidctest.TokenError
	tests := []struct {
		name      string
		client    string
		req       oidctest.ExchangeRequest
		wantAud   []string
		wantScope string
		wantUser  string
		wantErr   string
	}{
		{name: "audience", client: "nextcloud-mcp", req: oidctest.ExchangeRequest{Audience: []string{"nextcloud"}},
			wantAud: []string{"nextcloud"}, wantScope: "openid notes:read notes:write", wantUser: "alice"},
		{name: "no audience", client: "nextcloud-mcp", req: oidctest.ExchangeRequest{},
			wantAud: []string{"nextcloud-mcp"}, wantScope: "openid notes:read notes:write", wantUser: "alice"},
		{name: "narrowed scope", client: "nextcloud-mcp", req: oidctest.ExchangeRequest{Audience: []string{"nextcloud"}, Scopes: []string{"notes:read", "files:write"}},
			wantAud: []string{"nextcloud"}, wantScope: "notes:read", wantUser: "alice"},
		{name: "V2 refuses impersonation", client: "nextcloud-mcp", req: oidctest.ExchangeRequest{RequestedSubject: "bob"},
			wantErr: "Parameter 'requested_subject' is not supported for standard token exchange"},
		{name: "unknown audience", client: "nextcloud-mcp", req: oidctest.ExchangeRequest{Audience: []string{"nope"}},
			wantErr: "Audience not found"},
		{name: "client not in subject audience", client: "legacy", req: oidctest.ExchangeRequest{Audience: []string{"nextcloud"}},
			wantErr: "Client is not within the token audience"},
		{name: "exchange not enabled", client: "nextcloud", req: oidctest.ExchangeRequest{},
			wantErr: "Standard token exchange is not enabled"},
		{name: "V1 impersonation", client: "legacy", req: oidctest.ExchangeRequest{RequestedSubject: "bob", Audience: []string{"nextcloud"}, Scopes: []string{"notes:read"}},
			wantAud: []string{"nextcloud"}, wantScope: "notes:read", wantUser: "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.SubjectToken = user.AccessToken
			got, err := p.Exchange(ctx, tt.client, req)
			if tt.wantErr != "" {
				if !errors.As(err, &te) || !strings.Contains(te.Description, tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.IssuedTokenType != "urn:ietf:params:oauth:token-type:access_token" {
				t.Errorf("issued_token_type = %q", got.IssuedTokenType)
			}
			c := testutil.JWTClaims(t, got.AccessToken)
			if aud := testutil.Audience(c); !slices.Equal(aud, tt.wantAud) {
				t.Errorf("aud = %v, want %v", aud, tt.wantAud)
			}
			if c["scope"] != tt.wantScope || c["preferred_username"] != tt.wantUser || c["azp"] != tt.client {
				t.Errorf("claims scope=%v user=%v azp=%v, want %s %s %s", c["scope"], c["preferred_username"], c["azp"], tt.wantScope, tt.wantUser, tt.client)
			}
		})
	}
	if n := p.Count(oidctest.CountGrantExchange); n != len(tests) {
		t.Errorf("exchange count = %d, want %d", n, len(tests))
	}
}

func TestImpersonationWithServiceAccountToken(t *testing.T) {
	p := setup(t)
	ctx := context.Background()
	sa, err := p.ClientCredentials(ctx, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Exchange(ctx, "legacy", oidctest.ExchangeRequest{SubjectToken: sa.AccessToken, RequestedSubject: "alice", Audience: []string{"nextcloud"}, Scopes: []string{"files:read"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, got.AccessToken)
	alice, _ := p.User("alice")
	if c["sub"] != alice.Subject || c["preferred_username"] != "alice" || c["scope"] != "files:read" {
		t.Errorf("impersonated claims %v", c)
	}
}

func TestIntrospectionUserinfoRevocation(t *testing.T) {
	p := setup(t)
	ctx := context.Background()
	p.AddClient(oidctest.Client{ID: "opaque", Audience: []string{"nextcloud-mcp"}, Opaque: true})
	jwt := p.UserToken(t, "alice", "mcp-client", "notes:read")
	opaque := p.UserToken(t, "bob", "opaque", "notes:write")
	if strings.Count(opaque, ".") == 2 {
		t.Fatalf("opaque token looks like a JWT")
	}
	for _, tc := range []struct {
		tok, user, aud, scope, azp string
	}{
		{jwt, "alice", "mcp-client", "openid notes:read", "mcp-client"},
		{opaque, "bob", "nextcloud-mcp", "openid notes:write", "opaque"},
	} {
		in, err := p.Introspect(ctx, "nextcloud-mcp", tc.tok)
		if err != nil {
			t.Fatal(err)
		}
		if in["active"] != true || in["username"] != tc.user || in["scope"] != tc.scope || in["client_id"] != tc.azp || in["azp"] != tc.azp || in["iss"] != p.Issuer() {
			t.Errorf("introspection of %s's token: %v", tc.user, in)
		}
		if aud := testutil.Audience(in); !slices.Equal(aud, []string{tc.aud}) {
			t.Errorf("introspected aud %v, want %s", aud, tc.aud)
		}
		req, _ := http.NewRequest(http.MethodGet, p.UserinfoURL(), nil)
		req.Header.Set("Authorization", "Bearer "+tc.tok)
		resp, err := p.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ui map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&ui)
		resp.Body.Close()
		if ui["preferred_username"] != tc.user {
			t.Errorf("userinfo = %v", ui)
		}
	}
	if err := p.Revoke(ctx, "opaque", opaque); err != nil {
		t.Fatal(err)
	}
	in, err := p.Introspect(ctx, "nextcloud-mcp", opaque)
	if err != nil {
		t.Fatal(err)
	}
	if in["active"] != false {
		t.Errorf("revoked token still active: %v", in)
	}
	in, _ = p.Introspect(ctx, "nextcloud-mcp", "garbage")
	if in["active"] != false {
		t.Errorf("garbage active: %v", in)
	}
}

func TestClockShift(t *testing.T) {
	p := setup(t)
	p.SetClockShift(-2 * time.Hour)
	old := testutil.JWTClaims(t, p.UserToken(t, "alice", "mcp-client"))
	p.SetClockShift(time.Hour)
	future := testutil.JWTClaims(t, p.UserToken(t, "alice", "mcp-client"))
	p.SetClockShift(0)
	now := float64(time.Now().Unix())
	if exp := old["exp"].(float64); exp > now-3000 {
		t.Errorf("shifted -2h: exp %v not in the past", exp-now)
	}
	if nbf := future["nbf"].(float64); nbf < now+3000 {
		t.Errorf("shifted +1h: nbf %v not in the future", nbf-now)
	}
}

func TestDownAndFault(t *testing.T) {
	p := setup(t)
	p.Down(true)
	resp, err := p.HTTPClient().Get(p.DiscoveryURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("down: status %d", resp.StatusCode)
	}
	p.Down(false)
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.FormValue("grant_type") == "client_credentials" {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	var te *oidctest.TokenError
	if _, err := p.ClientCredentials(context.Background(), "nextcloud-mcp"); !errors.As(err, &te) || te.Code != "temporarily_unavailable" {
		t.Errorf("fault not applied: %v", err)
	}
	if p.Count(oidctest.CountDiscovery) != 1 || p.Count(oidctest.CountGrantClientCredentials) != 1 {
		t.Errorf("counts discovery=%d cc=%d", p.Count(oidctest.CountDiscovery), p.Count(oidctest.CountGrantClientCredentials))
	}
	p.Stop()
	if _, err := p.HTTPClient().Get(p.DiscoveryURL()); err == nil {
		t.Errorf("stopped provider answered")
	}
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
