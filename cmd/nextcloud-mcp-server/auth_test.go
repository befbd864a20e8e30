package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// loginFlowIdP is a test IdP for the login-flow upstream: the server's
// client mcp-server (no token exchange), Claude's client (audience
// mcp-server), and users.
func loginFlowIdP(t *testing.T, users ...string) *oidctest.Provider {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret"})
	p.AddClient(oidctest.Client{ID: "claude", Audience: []string{"mcp-server"}})
	for _, u := range users {
		p.AddUser(oidctest.User{Username: u})
	}
	return p
}

// callText calls a tool and returns the result and its text; a protocol
// error fails the test.
func callText(ctx context.Context, t *testing.T, c *client.Client, name string, args map[string]any) (*mcpgo.CallToolResult, string) {
	t.Helper()
	req := mcpgo.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(ctx, req)
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

// loginLink is what nc_auth_provision_access answers.
type loginLink struct {
	State string `json:"state"`
	URL   string `json:"url"`
}

// provision has user ask for Nextcloud access through the login flow on
// c, approves the flow at nc, and waits until nc_auth_status says the
// access is ready; it returns the link the tool gave.
func provision(ctx context.Context, t *testing.T, c *client.Client, nc *nctest.Server, user string) loginLink {
	t.Helper()
	res, text := callText(ctx, t, c, "nc_auth_provision_access", map[string]any{})
	if res.IsError {
		t.Fatalf("provision %s: %s", user, text)
	}
	var link loginLink
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &link)
	if !nc.ApproveLoginFlow(link.URL, user) {
		t.Fatalf("unknown login flow %q", link.URL)
	}
	for range 200 {
		if _, text = callText(ctx, t, c, "nc_auth_status", map[string]any{}); strings.Contains(text, "Nextcloud access ready") {
			return link
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("access of %s never became ready: %s", user, text)
	return link
}

// TestLoginFlowUpstream runs the binary in OAuth mode with the login-flow
// upstream: a user without an app password is told to provision one,
// provisions it through Nextcloud Login Flow v2, then works as themselves
// with Basic auth; revoking deletes the app password at Nextcloud.
func TestLoginFlowUpstream(t *testing.T) {
	p := loginFlowIdP(t, "alice")
	nc := nctest.New(t, nctest.WithUser("alice", "alice-login-pass"))
	store := tokenStore(t)
	key := store["TOKEN_ENCRYPTION_KEY"]
	s := startHTTP(t, []string{"--auth", "oauth", "--upstream", "login-flow"}, func(base string) map[string]string {
		return oauthEnv(nc, p, base, store)
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

	// Before provisioning: a clear error naming the tool to call.
	res, text := callText(tctx, t, c, "nc_notes_list", map[string]any{})
	if !res.IsError || !strings.Contains(text, "nc_auth_provision_access") {
		t.Fatalf("before provisioning: %s", text)
	}
	link := provision(tctx, t, c, nc, "alice")
	if link.State != "pending" || !strings.HasPrefix(link.URL, nc.URL+"/index.php/login/v2/flow/") {
		t.Fatalf("link %+v", link)
	}
	if res, text = callText(tctx, t, c, "nc_notes_create", map[string]any{"title": "via app password"}); res.IsError {
		t.Fatalf("create note: %s", text)
	}
	res, text = callText(tctx, t, c, "nc_auth_revoke_access", map[string]any{})
	if res.IsError || nc.AppPasswordCount("alice") != 0 {
		t.Fatalf("revoke: %s (app passwords left: %d)", text, nc.AppPasswordCount("alice"))
	}
	if res, _ = callText(tctx, t, c, "nc_notes_list", map[string]any{}); !res.IsError {
		t.Fatal("still working after revocation")
	}
}
