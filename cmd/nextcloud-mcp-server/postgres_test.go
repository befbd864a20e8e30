package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestTokensCommandsOnPostgres: with TOKEN_STORAGE_URL (here given as
// TOKEN_STORAGE_URL_FILE, as a mounted secret) the tokens commands work
// on PostgreSQL, rotate-key re-encrypts there, and the database password
// never shows.
func TestTokensCommandsOnPostgres(t *testing.T) {
	ctx := context.Background()
	url := strings.Replace(pgtest.Database(t), "://mcptest@", "://mcptest:pg-password-secret@", 1)
	oldKey, newKey := mustKey(t), mustKey(t)
	db, err := storage.Open(ctx, url, storage.Options{Keys: oldKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveToken(ctx, storage.Token{UserID: "alice", Issuer: "https://idp", Subject: "a", RefreshToken: "rt-alice", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	urlFile := filepath.Join(t.TempDir(), "url")
	if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"TOKEN_STORAGE_URL_FILE": urlFile, "TOKEN_ENCRYPTION_KEY": newKey + "," + oldKey})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tokens", "list"}, "alice"},
		{[]string{"tokens", "rotate-key"}, "re-encrypted 1 token"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, tc.args, env, strings.NewReader(""), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", tc.args, code, out.String(), errb.String())
		}
		if strings.Contains(out.String()+errb.String(), "pg-password-secret") {
			t.Fatalf("%v shows the database password", tc.args)
		}
	}
	only, err := storage.Open(ctx, url, storage.Options{Keys: newKey})
	if err != nil {
		t.Fatal(err)
	}
	defer only.Close()
	if tok, err := only.Token(ctx, "alice"); err != nil || tok.RefreshToken != "rt-alice" {
		t.Fatalf("after rotate-key, with the new key alone: %v", err)
	}
	// An unreachable database is named without its password.
	bad := envOf(map[string]string{"TOKEN_STORAGE_URL": "postgres://mcp:pg-password-secret@127.0.0.1:1/mcp?connect_timeout=2", "TOKEN_ENCRYPTION_KEY": newKey})
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"tokens", "list"}, bad, strings.NewReader(""), &out, &errb); code == 0 ||
		!strings.Contains(out.String()+errb.String(), "127.0.0.1:1") || strings.Contains(out.String()+errb.String(), "pg-password-secret") {
		t.Fatalf("unreachable database: exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
}

func mustKey(t *testing.T) string {
	t.Helper()
	k, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
