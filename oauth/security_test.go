package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// Issue 15 item 3: aud must name this server; azp/client_id stands in for
// it only when the operator opts in.
func TestAZPIsNoAudienceByDefault(t *testing.T) {
	ctx := context.Background()
	p := newProvider(t)
	// A confidential client whose opaque tokens are meant for Nextcloud
	// only: aud nextcloud, client_id this server.
	p.AddClient(oidctest.Client{ID: "opaque-self", Opaque: true, Audience: []string{"nextcloud"}})
	strict := newEnv(t, p, nil)
	lax := newEnv(t, p, func(c *oauth.Config) { c.AcceptAZPAudience = true })

	alice := p.UserToken(t, "alice", mcpClient, "notes:read")
	// The token this server itself gets by exchange: aud nextcloud, azp us.
	exch, err := p.Exchange(ctx, serverClient, oidctest.ExchangeRequest{SubjectToken: alice, Audience: []string{"nextcloud"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := decodePart(t, strings.Split(exch.AccessToken, ".")[1]); c["azp"] != serverClient {
		t.Fatalf("exchanged token azp %v, want %s", c["azp"], serverClient)
	}
	good := decodePart(t, strings.Split(alice, ".")[1])
	claims := func(mut func(map[string]any)) string {
		c := map[string]any{}
		for k, v := range good {
			c[k] = v
		}
		mut(c)
		return p.SignJWT(c)
	}
	nearAud := claims(func(c map[string]any) { c["aud"] = []string{serverClient + "-x"}; c["azp"] = "someone" })
	nearAZP := claims(func(c map[string]any) { c["aud"] = []string{"nextcloud"}; c["azp"] = serverClient + "-x" })
	clientIDOnly := claims(func(c map[string]any) { c["aud"] = "nextcloud"; delete(c, "azp"); c["client_id"] = serverClient })

	// Opaque tokens of a client named like this server: rebuild the
	// provider's view with serverClient issuing opaque Nextcloud tokens.
	p2 := newProvider(t)
	p2.AddClient(oidctest.Client{ID: serverClient, Secret: serverSecret, TokenExchange: true, Opaque: true, Audience: []string{"nextcloud"}})
	opaqueSelf := p2.UserToken(t, "bob", serverClient)
	strict2 := newEnv(t, p2, nil)
	lax2 := newEnv(t, p2, func(c *oauth.Config) { c.AcceptAZPAudience = true })

	tests := []struct {
		name       string
		e          *env
		tok        string
		wantStatus int
	}{
		{"exchanged Nextcloud token, default", strict, exch.AccessToken, 401},
		{"exchanged Nextcloud token, opted in", lax, exch.AccessToken, 200},
		{"client_id only, default", strict, clientIDOnly, 401},
		{"client_id only, opted in", lax, clientIDOnly, 200},
		{"near-miss aud, default", strict, nearAud, 401},
		{"near-miss aud, opted in", lax, nearAud, 401},
		{"near-miss azp, opted in", lax, nearAZP, 401},
		{"opaque with client_id us, default", strict2, opaqueSelf, 401},
		{"opaque with client_id us, opted in", lax2, opaqueSelf, 200},
		{"aud names us", strict, alice, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.e.call(t, "/mcp", "Bearer "+tt.tok)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", a.status, tt.wantStatus, a.body)
			}
			if tt.wantStatus == 401 {
				if d, _ := a.body["error_description"].(string); !strings.Contains(d, "audience") {
					t.Errorf("error_description %q does not name the audience", d)
				}
				if !strings.Contains(a.www, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate %q", a.www)
				}
			}
		})
	}
}

// Issue 15 item 12: a token with alice's sub but another user-id claim
// must not get alice's cached Nextcloud token.
func TestExchangeCacheKeyedByUserID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	alice := e.p.UserToken(t, "alice", mcpClient, "notes:read")
	c := decodePart(t, strings.Split(alice, ".")[1])
	c["preferred_username"] = "bob"
	c["jti"] = "other"
	asBob := e.p.SignJWT(c)

	id := e.identity(t, ctx, alice)
	nc := e.client(t, ctx, id)
	if cu, err := nc.CurrentUser(ctx); err != nil || cu.ID != "alice" {
		t.Fatalf("alice: %v %v", cu, err)
	}
	id2 := e.identity(t, ctx, asBob)
	if id2.Subject != id.Subject || id2.UserID != "bob" {
		t.Fatalf("forged identity %s/%s", id2.Subject, id2.UserID)
	}
	nc2 := e.client(t, ctx, id2)
	cu, err := nc2.CurrentUser(ctx)
	if err == nil && cu.ID == "alice" {
		t.Fatalf("a token naming bob acted as alice through the exchange cache")
	}
	if n := e.p.Count(oidctest.CountGrantExchange); n != 2 {
		t.Errorf("%d exchanges, want 2 (one per user id, no cache hit across them)", n)
	}
	// The same caller again is a cache hit.
	if _, err := nc.CurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.p.Count(oidctest.CountGrantExchange); n != 2 {
		t.Errorf("%d exchanges after a repeat, want 2", n)
	}
}

// Issue 15 item 9 through the middleware: JWT and introspected tokens
// living longer than MaxTokenLifetime are refused; a JWT issued a year
// ahead with exp in 50 years too.
func TestTokenLifetimeBound(t *testing.T) {
	p := newProvider(t)
	short := newEnv(t, p, func(c *oauth.Config) { c.MaxTokenLifetime = time.Minute })
	def := newEnv(t, p, nil)
	jwt := p.UserToken(t, "alice", mcpClient, "notes:read")
	opaque := p.UserToken(t, "bob", opaqueClient)
	for _, tok := range []string{jwt, opaque} {
		if a := short.call(t, "/mcp", "Bearer "+tok); a.status != http.StatusUnauthorized || !strings.Contains(a.body["error_description"].(string), "lifetime") {
			t.Errorf("token beyond a 1m bound: %d %v", a.status, a.body)
		}
		if a := def.call(t, "/mcp", "Bearer "+tok); a.status != http.StatusOK {
			t.Errorf("token within the default bound: %d %v", a.status, a.body)
		}
	}
	c := decodePart(t, strings.Split(jwt, ".")[1])
	now := time.Now()
	c["iat"] = now.AddDate(1, 0, 0).Unix()
	c["nbf"] = now.Add(-time.Minute).Unix()
	c["exp"] = now.AddDate(50, 0, 0).Unix()
	if a := def.call(t, "/mcp", "Bearer "+p.SignJWT(c)); a.status != http.StatusUnauthorized || !strings.Contains(a.body["error_description"].(string), "issued in the future") {
		t.Errorf("token issued a year ahead: %d %v", a.status, a.body)
	}
	delete(c, "iat")
	if a := def.call(t, "/mcp", "Bearer "+p.SignJWT(c)); a.status != http.StatusUnauthorized || !strings.Contains(a.body["error_description"].(string), "lifetime") {
		t.Errorf("token valid for 50 years: %d %v", a.status, a.body)
	}
}

// Issue 15 item 7: opaque tokens cost an identity-provider call each, so
// their length is capped and the calls refused tokens cause are limited
// per client address.
func TestIntrospectionAmplificationBounded(t *testing.T) {
	p := newProvider(t)
	e := newEnv(t, p, func(c *oauth.Config) { c.IntrospectionMissesPerMinute = 3 })
	h := e.rs.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := oauth.IdentityFrom(r.Context())
		_, _ = w.Write([]byte(id.UserID))
	}))
	call := func(addr, tok string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}"))
		req.RemoteAddr = addr
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	introspections := func() int { return p.Count(oidctest.CountIntrospect) }

	// Length: one character over the cap never reaches the IdP.
	if rec := call("192.0.2.1:1000", strings.Repeat("a", 4097)); rec.Code != 401 ||
		!strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`) || !strings.Contains(rec.Body.String(), "longer than") {
		t.Fatalf("over-long opaque token: %d %q %s", rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
	}
	if n := introspections(); n != 0 {
		t.Fatalf("over-long token was introspected (%d calls)", n)
	}
	if rec := call("192.0.2.1:1000", strings.Repeat("a", 4096)); rec.Code != 401 || introspections() != 1 {
		t.Fatalf("token at the cap: %d, %d introspections", rec.Code, introspections())
	}

	// Valid tokens give their call back: five of them do not exhaust 3.
	for i := range 5 {
		if rec := call("192.0.2.2:1000", p.UserToken(t, "bob", opaqueClient)); rec.Code != 200 || rec.Body.String() != "bob" {
			t.Fatalf("valid opaque token %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	// Garbage: 3 reach the IdP, the 4th is refused with 429 without it.
	for _, addr := range []string{"192.0.2.2:1000", "[2001:db8:1:2::1]:1000"} {
		before := introspections()
		for i := range 3 {
			if rec := call(addr, "garbage-"+addr+string(rune('a'+i))); rec.Code != 401 {
				t.Fatalf("%s garbage %d: %d", addr, i, rec.Code)
			}
		}
		// The same refused token again is answered from the negative cache.
		if rec := call(addr, "garbage-"+addr+"a"); rec.Code != 401 {
			t.Fatalf("%s repeated garbage: %d", addr, rec.Code)
		}
		if n := introspections() - before; n != 3 {
			t.Fatalf("%s: %d introspections, want 3", addr, n)
		}
		// Another host in the same IPv6 /64 shares the budget.
		next := addr
		if strings.HasPrefix(addr, "[") {
			next = "[2001:db8:1:2::ffff]:2000"
		}
		rec := call(next, "garbage-4")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "too_many_requests") {
			t.Fatalf("%s 4th garbage: %d %q %s", next, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if n := introspections() - before; n != 3 {
			t.Fatalf("%s: refused request still introspected (%d)", next, n)
		}
	}
	// Other addresses (another /64, another IPv4) are not affected; JWTs
	// are never limited.
	for _, addr := range []string{"[2001:db8:1:3::1]:1000", "192.0.2.3:1000"} {
		if rec := call(addr, "garbage-x"+addr); rec.Code != 401 {
			t.Errorf("%s: %d, want 401", addr, rec.Code)
		}
	}
	if rec := call("192.0.2.2:1000", p.UserToken(t, "alice", mcpClient)); rec.Code != 200 {
		t.Errorf("JWT from a limited address: %d", rec.Code)
	}
}
