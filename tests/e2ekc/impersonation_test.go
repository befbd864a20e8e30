package e2ekc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// (c) The service account (client_credentials) impersonates, by legacy
// token exchange V1 with requested_subject, a user who never signed in to
// the MCP server; Nextcloud verifies the token by JWKS. Userinfo refuses
// such a token, which shows what a user_oidc validating through userinfo
// would do with it.
func TestServiceAccountImpersonatesUser(t *testing.T) {
	kc := kctest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc, err := kc.ClientCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u := testutil.JWTClaims(t, svc.AccessToken)["preferred_username"]; u != "service-account-"+kc.ServerClientID {
		t.Fatalf("client_credentials token names %v", u)
	}
	ex := oauth.NewExchanger(kc.TokenURL(), kc.ServerClientID, kc.ServerClientSecret, nil)
	user := kc.NeverLoggedIn
	tok, err := ex.Impersonate([]string{kc.NextcloudClientID})(ctx, svc.AccessToken, user)
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, tok.AccessToken)
	if c["preferred_username"] != user || c["azp"] != kc.ServerClientID {
		t.Fatalf("impersonated token: user %v azp %v", c["preferred_username"], c["azp"])
	}
	_, jwks := newNextcloud(t, kc, VerifyJWKS)
	if s := jwks.check(tok.AccessToken); !s.OK || s.User != user {
		t.Fatalf("JWKS check of the impersonated token: %+v", s)
	}
	_, ui := newNextcloud(t, kc, VerifyUserinfo)
	s := ui.check(tok.AccessToken)
	if s.OK {
		t.Fatalf("userinfo accepted an impersonated token: %+v", s)
	}
	t.Logf("userinfo on an impersonated token: %s", s.Reason)

	// Someone else than the service account cannot impersonate: a user's
	// own token as subject is refused.
	alice, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect, Username: "alice", Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ex.Impersonate([]string{kc.NextcloudClientID})(ctx, alice.AccessToken, "bob"); err == nil {
		if u := testutil.JWTClaims(t, got.AccessToken)["preferred_username"]; u == "bob" {
			t.Fatal("alice's token was exchanged for a token of bob")
		}
	}
}

// (c) The background job for a user without a stored grant, whom the
// server knows but who never signed in to it with a token, reaches
// Nextcloud as that user through impersonation.
func TestBackgroundJobByImpersonation(t *testing.T) {
	t.Parallel() // waits (expiry, job start, a second Keycloak) overlap
	kc := kctest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	env, key := withOffline(t, oauthEnv(kc, nc))
	user := kc.NeverLoggedIn
	// Background jobs by impersonation run for users the server has seen
	// within 30 days; record the user directly, as a past sign-in would.
	db, err := storage.Open(ctx, env["TOKEN_STORAGE_DB"], storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSeen(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Token(ctx, user); err == nil {
		t.Fatalf("%s has a stored grant; the job must use impersonation", user)
	}
	db.Close()
	srv := startServer(t, env)
	// Jobs start within a spread of interval/20 (30s) of the server's start.
	deadline := time.Now().Add(90 * time.Second)
	// Several jobs run per user; wait for the notes job's request.
	const notes = "GET /index.php/apps/notes/api/v1/notes"
	for nc.RequestCount(notes) == 0 || !bc.Accepted(user) {
		if time.Now().After(deadline) {
			t.Fatalf("the notes job of %s did not reach Nextcloud (%d notes requests); Nextcloud's checks: %+v\n%s",
				user, nc.RequestCount(notes), bc.Seen(), srv.Log())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, s := range bc.Seen() {
		if s.User != user || !s.OK || s.AZP != kc.ServerClientID {
			t.Fatalf("Nextcloud saw %+v; want only %s's tokens issued to %s", s, user, kc.ServerClientID)
		}
	}
	if !strings.Contains(srv.Log(), `impersonation="available (probed)"`) {
		t.Errorf("the server did not log impersonation on:\n%s", srv.Log())
	}
}
