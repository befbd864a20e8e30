package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

func runTokens(t *testing.T, c TokensCLI, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := TokensCommand(context.Background(), args, c, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTokensCommands(t *testing.T) {
	ctx := context.Background()
	e := newOfflineEnv(t, nil)
	if status, page := e.browse(t, "alice"); status != http.StatusOK {
		t.Fatalf("consent: %d %s", status, page)
	}
	if status, _ := e.browse(t, "bob"); status != http.StatusOK {
		t.Fatal("consent of bob failed")
	}
	secret, _ := e.db.Token(ctx, "alice")
	path := e.db.Path()
	// The CLI opens the file itself, as another process would.
	key := keysOf(t, e)
	cli := TokensCLI{DBPath: path, Keys: key, Issuer: e.p.Issuer(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: e.p.HTTPClient()}

	code, out, _ := runTokens(t, cli, "list")
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "bob") || !strings.Contains(out, "offline_access") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	code, js, _ := runTokens(t, cli, "list", "--json")
	var infos []storage.TokenInfo
	if code != 0 || json.Unmarshal([]byte(js), &infos) != nil || len(infos) != 2 {
		t.Fatalf("list --json: %d %s", code, js)
	}
	if strings.Contains(out+js, secret.RefreshToken) || strings.Contains(out+js, key) {
		t.Fatal("listing shows a secret")
	}

	_, offlineBefore := e.p.RefreshTokens("alice")
	code, out, errs := runTokens(t, cli, "revoke", "alice")
	if code != 0 || !strings.Contains(out, "revoked the refresh token of alice at the identity provider") {
		t.Fatalf("revoke: %d %s %s", code, out, errs)
	}
	if _, offline := e.p.RefreshTokens("alice"); offline != offlineBefore-1 {
		t.Fatalf("offline tokens at the IdP: %d, want %d", offline, offlineBefore-1)
	}
	if code, _, errs := runTokens(t, cli, "revoke", "alice"); code != 1 || !strings.Contains(errs, "no stored grant") {
		t.Fatalf("second revoke: %d %s", code, errs)
	}

	newKey, _ := storage.GenerateKey()
	rot := cli
	rot.Keys = newKey + "," + key
	if code, out, _ := runTokens(t, rot, "rotate-key"); code != 0 || !strings.Contains(out, "re-encrypted 1 tokens") {
		t.Fatalf("rotate-key: %d %s", code, out)
	}
	only := cli
	only.Keys = newKey
	if code, out, _ := runTokens(t, only, "list"); code != 0 || !strings.Contains(out, "bob") || strings.Contains(out, "UNREADABLE") {
		t.Fatalf("list with the new key only: %d %s", code, out)
	}
	if code, out, _ := runTokens(t, cli, "list"); code != 0 || !strings.Contains(out, "UNREADABLE") {
		t.Fatalf("list with the retired key: %d %s", code, out)
	}

	if code, out, _ := runTokens(t, TokensCLI{}, "generate-key"); code != 0 || len(strings.TrimSpace(out)) != 44 {
		t.Fatalf("generate-key: %d %q", code, out)
	}
	if code, _, errs := runTokens(t, TokensCLI{}, "list"); code != 1 || !strings.Contains(errs, "TOKEN_STORAGE_DB") {
		t.Fatalf("without a database: %d %s", code, errs)
	}
	if code, _, _ := runTokens(t, cli, "frobnicate"); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
}

// keysOf recovers the test store's key: newOfflineEnv keeps it private.
func keysOf(t *testing.T, e *offlineEnv) string {
	t.Helper()
	if e.key == "" {
		t.Fatal("offlineEnv has no key")
	}
	return e.key
}
