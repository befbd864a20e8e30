package e2ekc

import (
	"strings"
	"testing"

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
