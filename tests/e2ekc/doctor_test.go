package e2ekc

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
)

// TestDoctorAndStartupProbe (g): against the project's Keycloak (V1 and V2
// on, offline_access offered) the doctor reports exactly that, a trial
// impersonation of a user who never signed in works, and the server's
// start-up probe finds impersonation available.
func TestDoctorAndStartupProbe(t *testing.T) {
	kc := kctest.Start(t)
	nc, _ := verifyingNextcloud(t, kc)
	env := oauthEnv(t, kc, nc)

	out, code := runBinary(t, envList(env), "doctor", "--impersonate", kc.NeverLoggedIn)
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
	if strings.Contains(out, kc.ServerClientSecret) || strings.Contains(out, env["TOKEN_ENCRYPTION_KEY"]) {
		t.Error("doctor prints a secret")
	}

	// The same with offline access switched off in the server's settings.
	env["ENABLE_OFFLINE_ACCESS"] = "false"
	out, _ = runBinary(t, envList(env), "doctor")
	if !strings.Contains(out, "OK   enabled: standard token exchange (V2): yes; impersonation (V1): yes; offline access: no\n") {
		t.Errorf("doctor with ENABLE_OFFLINE_ACCESS=false:\n%s", out)
	}
	env["ENABLE_OFFLINE_ACCESS"] = "true"

	s := startServer(t, kc, env)
	if log := s.Log.String(); !strings.Contains(log, `impersonation="available (probed)"`) {
		t.Fatalf("start-up log does not report the probe:\n%s", log)
	}
}

// restartKeycloak restarts kc with KEYCLOAK_FEATURES=features and, when the
// test ends, again with the project's features (V1 on).
func restartKeycloak(t *testing.T, kc *kctest.Keycloak, features string) {
	t.Helper()
	if err := kc.Stop(); err != nil {
		t.Fatal(err)
	}
	os.Setenv("KEYCLOAK_FEATURES", features)
	err := kc.Start()
	os.Unsetenv("KEYCLOAK_FEATURES")
	t.Cleanup(func() {
		if err := kc.Stop(); err != nil {
			t.Errorf("stop Keycloak: %v", err)
		}
		if err := kc.Start(); err != nil {
			t.Errorf("start Keycloak with its usual features: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImpersonationProbeWithoutV1 (g): on a Keycloak started without the
// V1 features, the doctor and the server's start-up probe report
// impersonation as unavailable with the exact flags, and no background job
// is scheduled for a user only impersonation could serve.
func TestImpersonationProbeWithoutV1(t *testing.T) {
	kc := kctest.Start(t)
	restartKeycloak(t, kc, "token-exchange-standard:v2")
	nc, seen := verifyingNextcloud(t, kc)
	env := oauthEnv(t, kc, nc)
	const flags = "--features=token-exchange:v1,admin-fine-grained-authz:v1"

	out, code := runBinary(t, envList(env), "doctor", "--impersonate", kc.NeverLoggedIn)
	t.Logf("doctor:\n%s", out)
	for _, want := range []string{
		"OK   enabled: standard token exchange (V2): yes; impersonation (V1): no; offline access: yes\n",
		"WARN impersonation (V1): Keycloak answers with Standard Token Exchange V2 only, which refuses requested_subject (impersonation); enable legacy token exchange V1 (start Keycloak with " + flags,
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
	// her a background user); alice granted offline access.
	ctx := context.Background()
	db, err := storage.Open(ctx, env["TOKEN_STORAGE_DB"], storage.Options{Keys: env["TOKEN_ENCRYPTION_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSeen(ctx, kc.NeverLoggedIn); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := startServer(t, kc, env)
	log := s.Log.String()
	if !strings.Contains(log, `impersonation="unavailable (probed)"`) || !strings.Contains(log, flags) {
		t.Fatalf("start-up log does not report impersonation unavailable with the flags:\n%s", log)
	}
	consent(t, s, kc, "alice")
	s.Restart()
	started := time.Now()
	eventually(t, 2*time.Minute, "alice's background job", func() bool { return seen.count("alice") > 0 })
	// Every user's first run falls within the start-up jitter (30s for the
	// 10-minute jobs) plus one 5s tick.
	time.Sleep(time.Until(started.Add(40 * time.Second)))
	if log := s.Log.String(); strings.Contains(log, "user="+kc.NeverLoggedIn) {
		t.Errorf("a background job ran for %s, whom only impersonation could serve:\n%s", kc.NeverLoggedIn, log)
	}
	if seen.count(kc.NeverLoggedIn) != 0 {
		t.Errorf("Nextcloud saw %s", kc.NeverLoggedIn)
	}
}
