package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestTokenDatabaseLockedThroughMCP runs the server in OAuth mode with
// per-user app passwords in the token database (login-flow upstream) and
// has another connection hold the database's write lock, as a CLI command
// or a second server would: a user whose app password is stored keeps
// working (reads go on under WAL), a user who needs a write gets a clear
// error result after the busy timeout, the server stays up, and once the
// lock is released the write succeeds and nothing stored was lost.
func TestTokenDatabaseLockedThroughMCP(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret"})
	p.AddClient(oidctest.Client{ID: "claude", Audience: []string{"mcp-server"}})
	p.AddUser(oidctest.User{Username: "alice"})
	p.AddUser(oidctest.User{Username: "bob"})
	nc := nctest.New(t, nctest.WithUser("alice", "alice-login-pass"), nctest.WithUser("bob", "bob-login-pass"))
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "tokens.db")
	s := startHTTP(t, []string{"--auth", "oauth", "--upstream", "login-flow"}, func(base string) map[string]string {
		return map[string]string{
			"NEXTCLOUD_HOST": nc.URL, "OIDC_ISSUER": p.Issuer(), "OIDC_CLIENT_ID": "mcp-server", "OIDC_CLIENT_SECRET": "srv-secret",
			"NEXTCLOUD_MCP_SERVER_URL": base, "TOKEN_ENCRYPTION_KEY": key, "TOKEN_STORAGE_DB": dbPath,
		}
	})
	defer s.stop()
	base := s.base
	tctx, tcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer tcancel()
	session := func(user string) *client.Client {
		t.Helper()
		return s.session(tctx, user, "Bearer "+p.UserToken(t, user, "claude", "notes:write"))
	}
	call := func(c *client.Client, name string, args map[string]any) (*mcpgo.CallToolResult, string) {
		t.Helper()
		req := mcpgo.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(tctx, req)
		if err != nil {
			t.Fatalf("%s: protocol error %v", name, err)
		}
		var b strings.Builder
		for _, ct := range res.Content {
			if tc, ok := ct.(mcpgo.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return res, b.String()
	}
	provision := func(c *client.Client, user string) {
		t.Helper()
		res, text := call(c, "nc_auth_provision_access", map[string]any{})
		if res.IsError {
			t.Fatalf("provision %s: %s", user, text)
		}
		var link struct {
			URL string `json:"url"`
		}
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &link)
		if !nc.ApproveLoginFlow(link.URL, user) {
			t.Fatalf("unknown login flow %q", link.URL)
		}
		for range 200 {
			if _, text := call(c, "nc_auth_status", map[string]any{}); strings.Contains(text, "Nextcloud access ready") {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("access of %s never became ready", user)
	}

	alice := session("alice")
	provision(alice, "alice")
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
	resp, err := http.Get(base + "/health/live")
	if err != nil {
		t.Fatalf("server not live while the database is locked: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("server not live while the database is locked: %s", resp.Status)
	}
	if res, text := call(alice, "nc_notes_list", map[string]any{}); res.IsError {
		t.Fatalf("alice after bob's failure: %s", text)
	}

	if _, err := conn.ExecContext(tctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	locked = false
	provision(bob, "bob")
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
