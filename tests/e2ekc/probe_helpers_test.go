package e2ekc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// Helpers of the offline, key, outage and doctor tests (d–g).

// acceptedCount is how many of user's tokens the test Nextcloud accepted.
func acceptedCount(bc *bearerCheck, user string) int {
	n := 0
	for _, s := range bc.Seen() {
		if s.OK && s.User == user {
			n++
		}
	}
	return n
}

// callText calls a tool and returns its text and whether it is an error
// result.
func callText(ctx context.Context, c *mcpgo.Client, name string, args map[string]any) (string, bool, error) {
	r, err := callTool(ctx, c, name, args)
	if err != nil {
		return "", false, err
	}
	return testutil.ResultText(r), r.IsError, nil
}

// mustListNotes calls nc_notes_list, which must succeed (when says at
// what point of the test).
func mustListNotes(ctx context.Context, t *testing.T, c *mcpgo.Client, when string) {
	t.Helper()
	if text, isErr, err := callText(ctx, c, "nc_notes_list", map[string]any{}); err != nil || isErr {
		t.Fatalf("nc_notes_list %s: %v %s", when, err, text)
	}
}

// runBinary runs the server binary with args (doctor, tokens …) in env
// (settings on top of this process's environment) and returns its combined
// output and exit code.
func runBinary(t *testing.T, env map[string]string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(serverBin, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

// consent grants offline access as user the way a person does: the
// server's /oauth/login, Keycloak's login form, back to /oauth/callback.
func consent(t *testing.T, s *mcpServer, kc *kctest.Keycloak, user string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kc.Admin.AddRedirectURI(ctx, kc.Realm, kc.ServerClientID, s.Base+"/oauth/callback"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Base+"/oauth/login", nil)
	resp, err := kc.Browser(user).Do(req)
	if err != nil {
		t.Fatalf("consent as %s: %v", user, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Background access granted") || !strings.Contains(string(body), "offline_access") {
		t.Fatalf("consent as %s ended with HTTP %d at %s:\n%s", user, resp.StatusCode, resp.Request.URL, body)
	}
}

// storedGrant reads user's stored refresh token from the server's database
// (decrypted with the server's key); "" when there is none.
func storedGrant(t *testing.T, env map[string]string, user string) string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, env["TOKEN_STORAGE_DB"], storage.Options{Keys: env["TOKEN_ENCRYPTION_KEY"], BusyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := db.Token(ctx, user)
	if errors.Is(err, storage.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok.RefreshToken
}

// setRealm changes realm settings through the admin API and applies
// restore when the test ends.
func setRealm(t *testing.T, kc *kctest.Keycloak, change, restore map[string]any) {
	t.Helper()
	if _, err := kc.Admin.Do(context.Background(), http.MethodPut, "/"+kc.Realm, change, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := kc.Admin.Do(context.Background(), http.MethodPut, "/"+kc.Realm, restore, nil); err != nil {
			t.Errorf("restore realm settings: %v", err)
		}
	})
}

// offlineSessions counts user's offline sessions with the server's client.
func offlineSessions(t *testing.T, kc *kctest.Keycloak, user string) int {
	t.Helper()
	ctx := context.Background()
	id, err := kc.UserID(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	s, err := kc.Admin.OfflineSessions(ctx, kc.Realm, id, kc.ServerClientID)
	if err != nil {
		t.Fatal(err)
	}
	return len(s)
}

// userToken logs user in through Keycloak's form with the MCP clients'
// public client (code + PKCE) and returns the access token.
func userToken(t *testing.T, kc *kctest.Keycloak, user string, scopes ...string) string {
	t.Helper()
	tok, err := kc.Login(context.Background(), kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect,
		Username: user, Scopes: append([]string{"openid"}, scopes...)})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// eventually polls cond every 250ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
