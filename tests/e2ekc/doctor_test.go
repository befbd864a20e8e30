package e2ekc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
)

// TestDoctorAndStartupProbe (g): against the project's Keycloak (V1 and V2
// on, offline_access offered) the doctor reports exactly that, a trial
// impersonation of a user who never signed in works, and the server's
// start-up probe finds impersonation available.
func TestDoctorAndStartupProbe(t *testing.T) {
	kc := kctest.Start(t)
	nc, _ := newNextcloud(t, kc, VerifyJWKS)
	env, key := withOffline(t, oauthEnv(kc, nc))

	out, code := runBinary(t, env, "doctor", "--impersonate", kc.NeverLoggedIn)
	t.Logf("doctor:\n%s", out)
	if code != 0 {
		t.Fatalf("doctor exit %d", code)
	}
	for _, want := range []string{
		"OK   enabled: standard token exchange (V2): yes; impersonation (V1): yes; offline access: yes\n",
		"OK   token exchange (V2): a trial standard token exchange of the service-account token for audience \"nextcloud\" worked",
		"OK   impersonation (V1): legacy token exchange V1 answers requested_subject",
		"OK   impersonation: the service account can act as user " + kc.NeverLoggedIn,
		"OK   service account: a trial client_credentials login as mcp-server worked; the token names service-account-mcp-server",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q", want)
		}
	}
	if strings.Contains(out, kc.ServerClientSecret) || strings.Contains(out, key) {
		t.Error("doctor prints a secret")
	}

	// The same with offline access or impersonation switched off in the
	// server's settings.
	for _, tc := range []struct{ key, value, want string }{
		{"ENABLE_OFFLINE_ACCESS", "false", "OK   enabled: standard token exchange (V2): yes; impersonation (V1): yes; offline access: no\n"},
		{"OIDC_IMPERSONATION", "off", "OK   enabled: standard token exchange (V2): yes; impersonation (V1): no; offline access: yes\n"},
	} {
		old := env[tc.key]
		env[tc.key] = tc.value
		if out, _ := runBinary(t, env, "doctor"); !strings.Contains(out, tc.want) {
			t.Errorf("doctor with %s=%s:\n%s", tc.key, tc.value, out)
		}
		env[tc.key] = old
	}

	s := startServer(t, env)
	if log := s.Log(); !strings.Contains(log, `impersonation="available (probed)"`) {
		t.Fatalf("start-up log does not report the probe:\n%s", log)
	}
}

// probeWithoutV1 (g) runs on the V2-only Keycloak of
// TestWithoutV1TheErrorsNameTheFlags (one start-up for both): the doctor
// and the server's start-up probe report impersonation unavailable with the
// exact flags, and no background job is scheduled for a user only
// impersonation could serve.
func probeWithoutV1(t *testing.T, kc *kctest.Keycloak) {
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	env, key := withOffline(t, oauthEnv(kc, nc))

	out, code := runBinary(t, env, "doctor", "--impersonate", kc.NeverLoggedIn)
	t.Logf("doctor on the V2-only Keycloak:\n%s", out)
	for _, want := range []string{
		"OK   enabled: standard token exchange (V2): yes; impersonation (V1): no; offline access: yes\n",
		"WARN impersonation (V1): Keycloak answers with Standard Token Exchange V2 only, which refuses requested_subject (impersonation); enable legacy token exchange V1 (start Keycloak with " + oauth.LegacyExchangeFeatures,
		"FAIL impersonation: exchanging the service-account token for user " + kc.NeverLoggedIn + " failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q", want)
		}
	}
	if code != 1 {
		t.Errorf("doctor exit %d, want 1 (the asked-for impersonation failed)", code)
	}

	// carol signed in to the MCP server once (so impersonation would make
	// her a background user); alice grants offline access.
	ctx := context.Background()
	db, err := storage.Open(ctx, env["TOKEN_STORAGE_DB"], storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSeen(ctx, kc.NeverLoggedIn); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := startServer(t, env)
	if log := s.Log(); !strings.Contains(log, `impersonation="unavailable (probed)"`) || !strings.Contains(log, oauth.LegacyExchangeFeatures) {
		t.Fatalf("start-up log does not report impersonation unavailable with the flags:\n%s", log)
	}
	consent(t, s, kc, "alice")
	s.Restart()
	started := time.Now()
	eventually(t, 2*time.Minute, "alice's background job", func() bool { return acceptedCount(bc, "alice") > 0 })
	// Every user's first run falls within the start-up spread (30s for the
	// 10-minute jobs) plus one 5s tick.
	time.Sleep(time.Until(started.Add(40 * time.Second)))
	if log := s.Log(); strings.Contains(log, "user="+kc.NeverLoggedIn) {
		t.Errorf("a background job ran for %s, whom only impersonation could serve:\n%s", kc.NeverLoggedIn, log)
	}
	if acceptedCount(bc, kc.NeverLoggedIn) != 0 {
		t.Errorf("Nextcloud saw %s", kc.NeverLoggedIn)
	}
}
