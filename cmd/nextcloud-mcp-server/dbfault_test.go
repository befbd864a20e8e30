package main

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// TestTokenDatabaseLockedThroughMCP runs the server in OAuth mode with
// per-user app passwords in the token database (login-flow upstream) and
// has another connection hold the database's write lock, as a CLI command
// or a second server would: a user whose app password is stored keeps
// working (reads go on under WAL), a user who needs a write gets a clear
// error result after the busy timeout, the server stays up, and once the
// lock is released the write succeeds and nothing stored was lost.
func TestTokenDatabaseLockedThroughMCP(t *testing.T) {
	p := loginFlowIdP(t, "alice", "bob")
	nc := nctest.New(t, nctest.WithUser("alice", "alice-login-pass"), nctest.WithUser("bob", "bob-login-pass"))
	store := tokenStore(t)
	key, dbPath := store["TOKEN_ENCRYPTION_KEY"], store["TOKEN_STORAGE_DB"]
	s := startHTTP(t, []string{"--auth", "oauth", "--upstream", "login-flow"}, func(base string) map[string]string {
		return oauthEnv(nc, p, base, store)
	})
	defer s.stop()
	tctx, tcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer tcancel()
	session := func(user string) *client.Client {
		t.Helper()
		return s.session(tctx, user, "Bearer "+p.UserToken(t, user, "claude", "notes:write"))
	}
	call := func(c *client.Client, name string, args map[string]any) (*mcpgo.CallToolResult, string) {
		t.Helper()
		return callText(tctx, t, c, name, args)
	}

	alice := session("alice")
	provision(tctx, t, alice, nc, "alice")
	if res, text := call(alice, "nc_notes_create", map[string]any{"title": "before the lock"}); res.IsError {
		t.Fatalf("create note: %s", text)
	}

	// Another connection takes the write lock and keeps it.
	other, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(tctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(tctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	locked := true
	defer func() {
		if locked {
			_, _ = conn.ExecContext(context.Background(), `ROLLBACK`)
		}
	}()

	if res, text := call(alice, "nc_notes_list", map[string]any{}); res.IsError || !strings.Contains(text, "before the lock") {
		t.Fatalf("alice (stored app password) while the database is locked: %s", text)
	}
	bob := session("bob")
	res, text := call(bob, "nc_auth_provision_access", map[string]any{})
	if !res.IsError || !strings.Contains(text, "locked by another process") || !strings.Contains(text, "try again") {
		t.Fatalf("bob's provisioning while the database is locked: error=%v %s", res.IsError, text)
	}
	t.Logf("error result: %s", text)
	if strings.Contains(text, key) || strings.Contains(text, "bob-login-pass") {
		t.Fatalf("error text leaks a secret: %s", text)
	}
	if code, body := s.get("/health/live"); code != http.StatusOK {
		t.Fatalf("server not live while the database is locked: %d %s", code, body)
	}
	if res, text := call(alice, "nc_notes_list", map[string]any{}); res.IsError {
		t.Fatalf("alice after bob's failure: %s", text)
	}

	if _, err := conn.ExecContext(tctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	locked = false
	provision(tctx, t, bob, nc, "bob")
	if res, text := call(bob, "nc_notes_create", map[string]any{"title": "bob after the lock"}); res.IsError {
		t.Fatalf("bob after the lock: %s", text)
	}
	if res, text := call(alice, "nc_notes_list", map[string]any{}); res.IsError || !strings.Contains(text, "before the lock") {
		t.Fatalf("alice after the lock: %s", text)
	}
	if n := nc.AppPasswordCount("alice"); n != 1 {
		t.Errorf("alice has %d app passwords at Nextcloud, want 1", n)
	}
	if n := nc.AppPasswordCount("bob"); n != 1 {
		t.Errorf("bob has %d app passwords at Nextcloud, want 1 (none left behind by the failed attempt)", n)
	}
}
