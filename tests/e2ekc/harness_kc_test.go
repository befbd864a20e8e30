package e2ekc

import (
	"context"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// The harness itself (tests/kctest) against the shared Keycloak: these run
// here so that one Keycloak serves them and the end-to-end tests.

func TestHarnessLoginThroughTheLoginForm(t *testing.T) {
	kc := kctest.Start(t)
	ctx := context.Background()
	redirect := "http://127.0.0.1:6274/oauth/callback"
	tok, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: redirect, Username: "alice",
		Scopes: []string{"openid", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.JWTClaims(t, tok.AccessToken)
	if c["preferred_username"] != "alice" || c["iss"] != kc.Issuer || c["azp"] != kc.PublicClientID {
		t.Fatalf("token claims: preferred_username %v, iss %v, azp %v", c["preferred_username"], c["iss"], c["azp"])
	}
	if scope, _ := c["scope"].(string); !strings.Contains(" "+scope+" ", " notes:read ") || strings.Contains(scope, "notes:write") {
		t.Fatalf("scope %q: want notes:read granted and notes:write not", scope)
	}

	_, err = kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: redirect, Username: "nobody", Scopes: []string{"openid"}})
	if err == nil || !strings.Contains(err.Error(), "no password for user") {
		t.Fatalf("unknown test user: %v", err)
	}
	_, err = kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: redirect, Username: "alice", Password: "wrong", Scopes: []string{"openid"}})
	if err == nil || !strings.Contains(err.Error(), "Invalid username or password") {
		t.Fatalf("wrong password: want Keycloak's message, got %v", err)
	}
}

func TestHarnessServiceAccount(t *testing.T) {
	kc := kctest.Start(t)
	tok, err := kc.ClientCredentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.JWTClaims(t, tok.AccessToken)["preferred_username"]; got != "service-account-"+kc.ServerClientID {
		t.Fatalf("service account token names %v", got)
	}
}

// The set-up is idempotent: the harness already ran it, so another run
// changes nothing.
func TestHarnessEnsureIsIdempotent(t *testing.T) {
	kc := kctest.Start(t)
	rep, err := kcadmin.Ensure(context.Background(), kc.Admin, kc.SetupConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) != 0 {
		t.Fatalf("second run changed: %q", rep.Changes)
	}
}
