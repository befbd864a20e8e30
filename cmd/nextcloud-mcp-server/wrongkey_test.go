package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// Issue 15 item 8: with stored rows that the configured key opens none
// of, the server refuses to start and says why, without the key.
func TestServerRefusesWrongEncryptionKey(t *testing.T) {
	ctx := context.Background()
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret", TokenExchange: true})
	nc := nctest.New(t)
	right, _ := storage.GenerateKey()
	wrong, _ := storage.GenerateKey()
	path := filepath.Join(t.TempDir(), "tokens.db")
	db, err := storage.Open(ctx, path, storage.Options{Keys: right})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := db.SaveToken(ctx, storage.Token{UserID: u, Issuer: p.Issuer(), Subject: u, RefreshToken: "rt-" + u}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	env := oauthEnv(nc, p, "http://127.0.0.1:1", map[string]string{
		"ENABLE_OFFLINE_ACCESS": "true", "TOKEN_ENCRYPTION_KEY": wrong, "TOKEN_STORAGE_DB": path,
	})
	var stderr bytes.Buffer
	// A server that starts anyway is stopped after a while (and the test
	// fails) rather than hanging.
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	code := run(rctx, []string{"--transport", "http", "--listen", "127.0.0.1:0", "--auth", "oauth"}, envOf(env), strings.NewReader(""), io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "TOKEN_ENCRYPTION_KEY opens none of the stored rows") || !strings.Contains(stderr.String(), "2 rows") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), wrong) || strings.Contains(stderr.String(), right) {
		t.Fatal("stderr shows a key")
	}
	// The right key starts.
	s := startHTTP(t, []string{"--auth", "oauth"}, func(base string) map[string]string {
		env["TOKEN_ENCRYPTION_KEY"] = right
		env["NEXTCLOUD_MCP_SERVER_URL"] = base
		return env
	})
	if code := s.stop(); code != 0 {
		t.Fatalf("server with the right key exited %d: %s", code, s.stderr.String())
	}
}
