package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestLoginFlowUpstream runs the binary in OAuth mode with the login-flow
// upstream: a user without an app password is told to provision one,
// provisions it through Nextcloud Login Flow v2, then works as themselves
// with Basic auth; revoking deletes the app password at Nextcloud.
func TestLoginFlowUpstream(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret"})
	p.AddClient(oidctest.Client{ID: "claude", Audience: []string{"mcp-server"}})
	p.AddUser(oidctest.User{Username: "alice"})
	nc := nctest.New(t, nctest.WithUser("alice", "alice-login-pass"))
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s := startHTTP(t, []string{"--auth", "oauth", "--upstream", "login-flow"}, func(base string) map[string]string {
		return map[string]string{
			"NEXTCLOUD_HOST": nc.URL, "OIDC_ISSUER": p.Issuer(), "OIDC_CLIENT_ID": "mcp-server", "OIDC_CLIENT_SECRET": "srv-secret",
			"NEXTCLOUD_MCP_SERVER_URL": base, "TOKEN_ENCRYPTION_KEY": key, "TOKEN_STORAGE_DB": filepath.Join(t.TempDir(), "tokens.db"),
		}
	})
	defer func() {
		s.stop()
		if strings.Contains(s.stderr.String(), key) {
			t.Error("the encryption key appears in the log")
		}
	}()
	tctx, tcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer tcancel()
	c := s.session(tctx, "alice", "Bearer "+p.UserToken(t, "alice", "claude", "notes:write"))
	call := func(name string, args map[string]any) *mcpgo.CallToolResult {
		req := mcpgo.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(tctx, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res
	}
	text := func(res *mcpgo.CallToolResult) string {
		var b strings.Builder
		for _, ct := range res.Content {
			if tc, ok := ct.(mcpgo.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return b.String()
	}

	// Before provisioning: a clear error naming the tool to call.
	res := call("nc_notes_list", map[string]any{})
	if !res.IsError || !strings.Contains(text(res), "nc_auth_provision_access") {
		t.Fatalf("before provisioning: %s", text(res))
	}
	res = call("nc_auth_provision_access", map[string]any{})
	if res.IsError {
		t.Fatalf("provision: %s", text(res))
	}
	var link struct {
		State string `json:"state"`
		URL   string `json:"url"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &link)
	if link.State != "pending" || !strings.HasPrefix(link.URL, nc.URL+"/index.php/login/v2/flow/") {
		t.Fatalf("link %+v", link)
	}
	if !nc.ApproveLoginFlow(link.URL, "alice") {
		t.Fatal("unknown flow")
	}
	var ready bool
	for range 100 {
		res = call("nc_auth_status", map[string]any{})
		if strings.Contains(text(res), "Nextcloud access ready") {
			ready = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		t.Fatalf("access never became ready: %s", text(res))
	}
	res = call("nc_notes_create", map[string]any{"title": "via app password"})
	if res.IsError {
		t.Fatalf("create note: %s", text(res))
	}
	res = call("nc_auth_revoke_access", map[string]any{})
	if res.IsError || nc.AppPasswordCount("alice") != 0 {
		t.Fatalf("revoke: %s (app passwords left: %d)", text(res), nc.AppPasswordCount("alice"))
	}
	if res = call("nc_notes_list", map[string]any{}); !res.IsError {
		t.Fatal("still working after revocation")
	}
}
