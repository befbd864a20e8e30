package e2ekc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// Tokens are read with testutil.JWTClaims, unverified: signatures are
// checked by the test Nextcloud (bearerCheck), here only what Keycloak put
// in matters.

func scopesOf(c map[string]any) []string {
	s, _ := c["scope"].(string)
	return strings.Fields(s)
}

// (b) Standard Token Exchange (V2) as the server sends it (oauth.Exchanger):
// audience nextcloud, scopes narrowed to what is asked.
func TestStandardExchangeNarrowsScopes(t *testing.T) {
	kc := kctest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	user, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect, Username: "bob",
		Scopes: []string{"openid", "notes:read", "notes:write", "files:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := scopesOf(testutil.JWTClaims(t, user.AccessToken)); !slices.Contains(got, "notes:write") || !slices.Contains(got, "files:read") {
		t.Fatalf("login granted %v", got)
	}
	ex := oauth.NewExchanger(kc.TokenURL(), kc.ServerClientID, kc.ServerClientSecret, nil)

	tok, err := ex.Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user.AccessToken, Audience: []string{kc.NextcloudClientID}, Scopes: []string{"notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, tok.AccessToken)
	if !slices.Contains(testutil.Audience(c), kc.NextcloudClientID) || c["azp"] != kc.ServerClientID || c["preferred_username"] != "bob" {
		t.Fatalf("exchanged token: aud %v azp %v user %v", c["aud"], c["azp"], c["preferred_username"])
	}
	if got := scopesOf(c); !slices.Contains(got, "notes:read") || slices.Contains(got, "notes:write") || slices.Contains(got, "files:read") {
		t.Fatalf("asked for notes:read, got scopes %v", got)
	}
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	_ = nc
	if s := bc.check(tok.AccessToken); !s.OK || s.User != "bob" {
		t.Fatalf("Nextcloud's JWKS check of the exchanged token: %+v", s)
	}

	// Found here: Keycloak 26.7 grants an optional scope of the requesting
	// client (mcp-server) that the subject token lacks; it narrows, but
	// does not limit to the subject token's scopes. The server therefore
	// checks a tool's scope on the caller's own token before it exchanges
	// (see (a): nc_notes_create is refused with notes:read only).
	if wide, err := ex.Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user.AccessToken, Audience: []string{kc.NextcloudClientID}, Scopes: []string{"deck:write"}}); err == nil {
		t.Logf("asking for deck:write, which the subject token lacks: granted %v", scopesOf(testutil.JWTClaims(t, wide.AccessToken)))
	} else {
		t.Logf("asking for deck:write, which the subject token lacks: %v", err)
	}

	// An audience that is no client is refused, with the server's hint.
	_, err = ex.Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user.AccessToken, Audience: []string{"no-such-client"}})
	if err == nil || !strings.Contains(err.Error(), "Audience not found") || !strings.Contains(err.Error(), "audience must be an existing client") {
		t.Fatalf("unknown audience: %v", err)
	}
}

// (b) The server exchanges once per user and reuses the token from its
// cache until shortly before it expires (counted by Keycloak's own
// TOKEN_EXCHANGE events).
func TestServerReusesExchangedTokenUntilExpiry(t *testing.T) {
	t.Parallel() // waits (expiry, job start, a second Keycloak) overlap
	kc := kctest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := kc.StoreEvents(ctx); err != nil {
		t.Fatal(err)
	}
	// Tokens issued to mcp-server (the exchanged ones) live 45s; the
	// server renews 30s before expiry, so it reuses one for about 15s.
	restore, err := kc.SetClientAttribute(ctx, kc.ServerClientID, "access.token.lifespan", "45")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := restore(); err != nil {
			t.Error(err)
		}
	}()
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	srv := startServer(t, oauthEnv(kc, nc))
	tok, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect, Username: "dave",
		Scopes: []string{"openid", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Second)
	c := srv.mustSession(ctx, t, tok.AccessToken)
	exchanges := func() []kcadmin.Event {
		t.Helper()
		ev, err := kc.UserEvents(ctx, "TOKEN_EXCHANGE", "dave", since)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	for i := range 3 {
		if res, err := callTool(ctx, c, "nc_notes_list", map[string]any{}); err != nil || res.IsError {
			t.Fatalf("call %d: %v %s\n%s", i, err, testutil.ResultText(res), srv.Log())
		}
	}
	ev := exchanges()
	if len(ev) != 1 {
		t.Fatalf("three calls made %d token exchanges at Keycloak, want 1", len(ev))
	}
	if !bc.Accepted("dave") {
		t.Fatalf("Nextcloud never accepted dave's token: %+v", bc.Seen())
	}
	// Calls go on until the server exchanges again: not before the token
	// nears expiry (45s - 30s early), and before it expires.
	deadline := time.Now().Add(60 * time.Second)
	for len(ev) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
		if res, err := callTool(ctx, c, "nc_notes_list", map[string]any{}); err != nil || res.IsError {
			t.Fatalf("call while waiting for renewal: %v %s", err, testutil.ResultText(res))
		}
		ev = exchanges()
	}
	if len(ev) != 2 {
		t.Fatalf("%d exchanges within a minute, want a second one near the token's expiry", len(ev))
	}
	if gap := time.Duration(ev[1].Time-ev[0].Time) * time.Millisecond; gap < 14*time.Second || gap >= 45*time.Second {
		t.Fatalf("second exchange %v after the first; want it once the token is within 30s of its 45s lifetime", gap)
	}
}
