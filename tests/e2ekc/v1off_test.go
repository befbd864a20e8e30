package e2ekc

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// The set-up, the exchange hints and the script name the same flags.
func TestOneFeatureFlagsText(t *testing.T) {
	if kcadmin.V1Flags != oauth.LegacyExchangeFeatures {
		t.Fatalf("kcadmin.V1Flags %q, oauth.LegacyExchangeFeatures %q", kcadmin.V1Flags, oauth.LegacyExchangeFeatures)
	}
}

// (c) With the impersonate permission's client policy naming another client
// (changed through the admin API), impersonation is refused with a hint
// naming the permission. The set-up repairs that and the other settings it
// checks, and impersonation works again.
func TestSetupRepairsTheRealm(t *testing.T) {
	kc := kctest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer func() {
		// Whatever happened, leave the shared realm set up.
		if _, err := kcadmin.Ensure(context.Background(), kc.Admin, kc.SetupConfig()); err != nil {
			t.Error(err)
		}
	}()
	policyOnWrongClient(t, ctx, kc)

	ex := oauth.NewExchanger(kc.TokenURL(), kc.ServerClientID, kc.ServerClientSecret, nil)
	svc, err := kc.ClientCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Impersonate([]string{kc.NextcloudClientID})(ctx, svc.AccessToken, kc.NeverLoggedIn)
	if err == nil {
		t.Fatal("impersonation succeeded with the client policy naming another client")
	}
	if msg := err.Error(); !strings.Contains(msg, `"impersonate" permission`) || !strings.Contains(msg, kc.ServerClientID) {
		t.Fatalf("refusal without the permission: %v", err)
	}
	t.Logf("without the permission: %v", err)

	// More settings the set-up checks, undone as an operator might.
	breakServerClient(t, ctx, kc)

	rep, err := kcadmin.Ensure(ctx, kc.Admin, kc.SetupConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`added mcp-server to the client policy "` + kcadmin.ImpersonationPolicy + `"`,
		"enabled Standard Token Exchange (V2) on mcp-server",
		"added audience mapper nextcloud to mcp-server",
		"added offline_access as an optional scope of mcp-server",
	} {
		if !slices.Contains(rep.Changes, want) {
			t.Errorf("the set-up did not report %q; it reported %q", want, rep.Changes)
		}
	}
	cl, err := kc.Admin.Client(ctx, kc.Realm, kc.ServerClientID)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Attributes["standard.token.exchange.enabled"] != "true" ||
		!slices.ContainsFunc(cl.ProtocolMappers, func(m kcadmin.ProtocolMapper) bool {
			return m.Config["included.client.audience"] == kc.NextcloudClientID
		}) {
		t.Fatalf("mcp-server after the set-up: attributes %v, mappers %+v", cl.Attributes, cl.ProtocolMappers)
	}
	tok, err := ex.Impersonate([]string{kc.NextcloudClientID})(ctx, svc.AccessToken, kc.NeverLoggedIn)
	if err != nil {
		t.Fatalf("after the set-up: %v", err)
	}
	if u := testutil.JWTClaims(t, tok.AccessToken)["preferred_username"]; u != kc.NeverLoggedIn {
		t.Fatalf("impersonated token names %v", u)
	}
}

// breakServerClient turns off Standard Token Exchange on mcp-server,
// deletes its nextcloud audience mapper and drops offline_access from its
// optional scopes.
func breakServerClient(t *testing.T, ctx context.Context, kc *kctest.Keycloak) {
	t.Helper()
	cl, err := kc.Admin.Client(ctx, kc.Realm, kc.ServerClientID)
	if err != nil {
		t.Fatal(err)
	}
	attrs, _ := cl.Raw["attributes"].(map[string]any)
	attrs["standard.token.exchange.enabled"] = "false"
	if err := kc.Admin.UpdateClient(ctx, kc.Realm, cl.ID, cl.Raw); err != nil {
		t.Fatal(err)
	}
	base := "/" + kc.Realm + "/clients/" + cl.ID
	for _, m := range cl.ProtocolMappers {
		if m.ProtocolMapper == "oidc-audience-mapper" && m.Config["included.client.audience"] == kc.NextcloudClientID {
			if _, err := kc.Admin.Do(ctx, http.MethodDelete, base+"/protocol-mappers/models/"+m.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var opt []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := kc.Admin.Do(ctx, http.MethodGet, base+"/optional-client-scopes", nil, &opt); err != nil {
		t.Fatal(err)
	}
	for _, o := range opt {
		if o.Name == "offline_access" {
			if _, err := kc.Admin.Do(ctx, http.MethodDelete, base+"/optional-client-scopes/"+o.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// policyOnWrongClient makes the set-up's client policy name the nextcloud
// client instead of mcp-server: the permission sits on the wrong client, a
// mistake Keycloak answers with "Client not allowed to exchange".
func policyOnWrongClient(t *testing.T, ctx context.Context, kc *kctest.Keycloak) {
	t.Helper()
	rm, err := kc.Admin.Client(ctx, kc.Realm, "realm-management")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := kc.Admin.Client(ctx, kc.Realm, kc.NextcloudClientID)
	if err != nil {
		t.Fatal(err)
	}
	authz := "/" + kc.Realm + "/clients/" + rm.ID + "/authz/resource-server"
	var p struct {
		ID string `json:"id"`
	}
	if _, err := kc.Admin.Do(ctx, http.MethodGet, authz+"/policy/search?name="+url.QueryEscape(kcadmin.ImpersonationPolicy), nil, &p); err != nil || p.ID == "" {
		t.Fatalf("the set-up's policy: %q %v", p.ID, err)
	}
	body := map[string]any{"id": p.ID, "name": kcadmin.ImpersonationPolicy, "type": "client", "logic": "POSITIVE",
		"decisionStrategy": "UNANIMOUS", "clients": []string{nc.ID}}
	if _, err := kc.Admin.Do(ctx, http.MethodPut, authz+"/policy/client/"+p.ID, body, nil); err != nil {
		t.Fatal(err)
	}
}

// (c) On a Keycloak without legacy token exchange V1 (Keycloak's default
// features: Standard Token Exchange V2 only) both the set-up and the
// server's impersonation fail with an error naming the exact flags, while
// the standard exchange keeps working.
func TestWithoutV1TheErrorsNameTheFlags(t *testing.T) {
	t.Parallel() // waits (expiry, job start, a second Keycloak) overlap
	kc := kctest.StartWithFeatures(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	_, err := kcadmin.Ensure(ctx, kc.Admin, kc.SetupConfig())
	if err == nil || !strings.Contains(err.Error(), kcadmin.V1Flags) {
		t.Fatalf("set-up with impersonation on a V2-only Keycloak: %v", err)
	}
	t.Logf("set-up: %v", err)

	ex := oauth.NewExchanger(kc.TokenURL(), kc.ServerClientID, kc.ServerClientSecret, nil)
	svc, err := kc.ClientCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Impersonate([]string{kc.NextcloudClientID})(ctx, svc.AccessToken, kc.NeverLoggedIn)
	if err == nil || !strings.Contains(err.Error(), kcadmin.V1Flags) {
		t.Fatalf("impersonation on a V2-only Keycloak: %v", err)
	}
	t.Logf("impersonation: %v", err)

	user, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect, Username: "alice", Scopes: []string{"openid", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ex.Exchange(ctx, oauth.ExchangeRequest{SubjectToken: user.AccessToken, Audience: []string{kc.NextcloudClientID}})
	if err != nil {
		t.Fatalf("standard exchange on the V2-only Keycloak: %v", err)
	}
	if c := testutil.JWTClaims(t, tok.AccessToken); c["preferred_username"] != "alice" || !slices.Contains(testutil.Audience(c), kc.NextcloudClientID) {
		t.Fatalf("standard exchange: user %v aud %v", c["preferred_username"], c["aud"])
	}
	t.Run("doctor and start-up probe", func(t *testing.T) { probeWithoutV1(t, kc) })
}
