package e2ekc

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
)

// TestOfflineAccess (d): consent through Keycloak's form stores a
// Fernet-encrypted offline refresh token; background jobs refresh it with
// rotation on and keep working across a server restart; a user disabled in
// Keycloak stops only that user's jobs; `tokens revoke` ends the offline
// session at Keycloak.
func TestOfflineAccess(t *testing.T) {
	kc := kctest.Start(t)
	ctx := context.Background()
	setRealm(t, kc, map[string]any{"revokeRefreshToken": true, "refreshTokenMaxReuse": 0}, map[string]any{"revokeRefreshToken": false})
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	env, _ := withOffline(t, oauthEnv(kc, nc))
	// Only stored grants act for users here (impersonation has its own test).
	env["OIDC_IMPERSONATION"] = "off"
	s := startServer(t, env)

	const user, disabled = "alice", "dave"
	// Other tests (or runs, with a reused Keycloak) may have left sessions.
	sessions := offlineSessions(t, kc, user)
	consent(t, s, kc, user)
	consent(t, s, kc, disabled)
	rt0 := storedGrant(t, env, user)
	if rt0 == "" || storedGrant(t, env, disabled) == "" {
		t.Fatal("consent stored no grant")
	}
	if n := offlineSessions(t, kc, user); n != sessions+1 {
		t.Fatalf("%s has %d offline sessions at Keycloak after consent, want %d", user, n, sessions+1)
	}
	// Encrypted at rest: the database files never hold the token itself.
	for _, f := range []string{"", "-wal"} {
		b, err := os.ReadFile(env["TOKEN_STORAGE_DB"] + f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(b), rt0) || strings.Contains(string(b), rt0[len(rt0)-40:]) {
			t.Fatalf("tokens.db%s holds the refresh token in clear", f)
		}
	}

	daveID, err := kc.UserID(ctx, disabled)
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Admin.SetUserEnabled(ctx, kc.Realm, daveID, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kc.Admin.SetUserEnabled(context.Background(), kc.Realm, daveID, true) })

	// A new process reads the users with stored grants at once; their first
	// jobs run within the start-up jitter.
	s.Restart()
	eventually(t, 2*time.Minute, "alice's job to refresh her grant (rotating it) and reach Nextcloud", func() bool {
		return storedGrant(t, env, user) != rt0 && acceptedCount(bc, user) > 0
	})
	eventually(t, 2*time.Minute, "dave's refused grant to be dropped", func() bool { return storedGrant(t, env, disabled) == "" })
	if acceptedCount(bc, disabled) != 0 {
		t.Errorf("Nextcloud accepted a token of the disabled user")
	}
	log := s.Log()
	if !strings.Contains(log, "no longer accepts the offline grant of user dave") {
		t.Errorf("the log does not say why dave's jobs stopped:\n%s", log)
	}
	if strings.Contains(log, "no longer accepts the offline grant of user alice") {
		t.Errorf("alice's grant was refused too:\n%s", log)
	}

	// Survives a restart: the next process refreshes with the rotated token.
	rt1, n := storedGrant(t, env, user), acceptedCount(bc, user)
	s.Restart()
	eventually(t, 2*time.Minute, "alice's job after the restart", func() bool {
		return storedGrant(t, env, user) != rt1 && acceptedCount(bc, user) > n
	})
	// Rotation is real: Keycloak refuses the first, spent refresh token.
	conf := oauth2.Config{ClientID: kc.ServerClientID, ClientSecret: kc.ServerClientSecret, Endpoint: oauth2.Endpoint{TokenURL: kc.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt0}).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("the spent refresh token still works (rotation off?): %v", err)
	}

	// tokens revoke ends the offline session at Keycloak.
	s.Stop()
	out, code := runBinary(t, env, "tokens", "revoke", user)
	if code != 0 || !strings.Contains(out, "revoked the refresh token of alice at the identity provider") {
		t.Fatalf("tokens revoke: exit %d\n%s", code, out)
	}
	if n := offlineSessions(t, kc, user); n != sessions {
		t.Fatalf("%s has %d offline sessions at Keycloak after tokens revoke, want %d (the consent's one ended)", user, n, sessions)
	}
	if storedGrant(t, env, user) != "" {
		t.Fatal("tokens revoke left the stored grant")
	}
}
