package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// The token the exchange returns is checked before it goes to Nextcloud:
// signed by the IdP, audience Nextcloud, the same user. An IdP answer (or
// a man in the middle) with anything else is refused, and the bad token is
// not kept in the exchange cache.
func TestExchangedTokenIsVerified(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "nextcloud-mcp", Secret: "s", TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc"})
	p.AddClient(oidctest.Client{ID: "mcp-client", Audience: []string{"nextcloud-mcp"}})
	alice := p.AddUser(oidctest.User{Username: "alice"})
	bob := p.AddUser(oidctest.User{Username: "bob"})
	ctx := context.Background()
	rs := exchangeRS(t, p)
	if err := rs.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	raw := p.UserToken(t, "alice", "mcp-client")
	id := &Identity{Subject: alice.Subject, UserID: "alice", Issuer: p.Issuer(), Token: raw, Scopes: []string{"openid"}}

	// The real exchange passes.
	tok, err := rs.nextcloudToken(ctx, id)
	if err != nil {
		t.Fatalf("genuine exchange: %v", err)
	}
	if aud := tokenAudiences(t, tok); !strings.Contains(aud, "nextcloud") {
		t.Fatalf("exchanged token audience %s", aud)
	}

	now := time.Now()
	base := func() map[string]any {
		return map[string]any{"iss": p.Issuer(), "sub": alice.Subject, "aud": []string{"nextcloud"}, "azp": "nextcloud-mcp",
			"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "typ": "Bearer", "preferred_username": "alice"}
	}
	with := func(change func(c map[string]any)) string {
		c := base()
		change(c)
		return p.SignJWT(c)
	}
	forger := newMKKey(t, p.KeyID())
	tests := []struct {
		name   string
		answer string
		ok     bool
		errHas string
	}{
		{"well-formed", with(func(map[string]any) {}), true, ""},
		{"same subject, no user claim", with(func(c map[string]any) { delete(c, "preferred_username") }), true, ""},
		{"bad signature", forger.sign(t, p.KeyID(), base()), false, "signature"},
		{"audience not Nextcloud", with(func(c map[string]any) { c["aud"] = []string{"nextcloud-mcp"} }), false, "audience"},
		{"audience with a suffix", with(func(c map[string]any) { c["aud"] = []string{"nextcloud-x"} }), false, "audience"},
		{"azp Nextcloud is not enough", with(func(c map[string]any) { c["aud"] = []string{"other"}; c["azp"] = "nextcloud" }), false, "audience"},
		{"another user", with(func(c map[string]any) { c["preferred_username"] = "bob"; c["sub"] = bob.Subject }), false, `"bob"`},
		{"another user, same subject", with(func(c map[string]any) { c["preferred_username"] = "bob" }), false, `"bob"`},
		{"user id with a suffix", with(func(c map[string]any) { c["preferred_username"] = "alice2" }), false, `"alice2"`},
		{"another subject, no user claim", with(func(c map[string]any) { c["sub"] = bob.Subject; delete(c, "preferred_username") }), false, "another subject"},
		{"subject with a suffix, no user claim", with(func(c map[string]any) { c["sub"] = alice.Subject + "x"; delete(c, "preferred_username") }), false, "another subject"},
		{"another issuer", with(func(c map[string]any) { c["iss"] = p.Issuer() + "-evil" }), false, "issuer"},
		{"expired", with(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), false, "expired"},
		{"refresh token", with(func(c map[string]any) { c["typ"] = "Refresh" }), false, "not an access token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answer := tc.answer
			p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasSuffix(r.URL.Path, "/oauth/token") || !strings.Contains(r.FormValue("grant_type"), "token-exchange") {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"access_token": answer, "token_type": "Bearer", "expires_in": 300,
					"issued_token_type": "urn:ietf:params:oauth:token-type:access_token"})
				return true
			})
			t.Cleanup(func() { p.SetFault(nil) })
			rs.exchanges.Forget(exchangeKey(id))
			p.ResetCounts()
			got, err := rs.nextcloudToken(ctx, id)
			if tc.ok {
				if err != nil || got != answer {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || got != "" {
				t.Fatalf("accepted %s", tc.name)
			}
			if !strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), answer) {
				t.Fatalf("err = %q, want it to mention %q and not contain the token", err, tc.errHas)
			}
			// A refused token is dropped from the cache and exchanged once
			// more (the key may have rotated), then not served next time.
			if n := p.Count(oidctest.CountGrantExchange); n != 2 {
				t.Fatalf("%d exchanges, want 2 (one retry with a fresh exchange)", n)
			}
			if _, err := rs.nextcloudToken(ctx, id); err == nil {
				t.Fatal("second call accepted the refused token")
			}
			if n := p.Count(oidctest.CountGrantExchange); n != 4 {
				t.Fatalf("%d exchanges, want 4 (the refused token must not be cached)", n)
			}
		})
	}
}

// An exchange answering an opaque token passes it through unchecked
// (today's contract: Nextcloud validates it).
func TestExchangedOpaqueTokenPassesThrough(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "nextcloud-mcp", Secret: "s", TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "mcp-client", Audience: []string{"nextcloud-mcp"}})
	alice := p.AddUser(oidctest.User{Username: "alice"})
	ctx := context.Background()
	rs := exchangeRS(t, p)
	id := &Identity{Subject: alice.Subject, UserID: "alice", Issuer: p.Issuer(), Token: p.UserToken(t, "alice", "mcp-client")}
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/oauth/token") || !strings.Contains(r.FormValue("grant_type"), "token-exchange") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"opaque-nc-token","token_type":"Bearer","expires_in":300}`))
		return true
	})
	if got, err := rs.nextcloudToken(ctx, id); err != nil || got != "opaque-nc-token" {
		t.Fatalf("opaque exchanged token: %q, %v", got, err)
	}
}

// Before discovery the exchanged token cannot be checked, so it is refused.
func TestExchangedTokenRefusedBeforeDiscovery(t *testing.T) {
	rs := &ResourceServer{cfg: Config{Issuer: mkIssuer, NextcloudAudience: "nextcloud", UserClaim: "preferred_username"}, now: time.Now}
	err := rs.checkNextcloudToken(context.Background(), "a.b.c", &Identity{UserID: "alice", Subject: "s"})
	if !errors.Is(err, errNotReady) {
		t.Fatalf("err = %v, want errNotReady", err)
	}
}

func TestIdentityLogging(t *testing.T) {
	var none *Identity
	if none.String() != "<no identity>" || none.LogValue().String() != "<none>" {
		t.Fatalf("nil identity: %q %q", none.String(), none.LogValue().String())
	}
	id := &Identity{UserID: "alice", Subject: "s", ClientID: "c", Token: "secret-token", Scopes: []string{"notes:read"}}
	if s := id.String() + id.LogValue().String(); strings.Contains(s, "secret-token") || !strings.Contains(s, "alice") {
		t.Fatalf("identity text %q", s)
	}
}

// exchangeRS is a resource server of p as the token-exchange client
// nextcloud-mcp (secret "s"), closed when the test ends.
func exchangeRS(t *testing.T, p *oidctest.Provider) *ResourceServer {
	t.Helper()
	rs, err := New(context.Background(), Config{Issuer: p.Issuer(), ClientID: "nextcloud-mcp", ClientSecret: "s",
		ServerURL: "http://127.0.0.1:1", HTTPClient: p.HTTPClient()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}
