package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// TestBasicPassthrough: each request's own Basic credentials are used for
// that request only, so two users on one server act as themselves.
func TestBasicPassthrough(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("bob", "bob-pass"))
	s := startHTTP(t, []string{"--auth", "basic-passthrough"}, func(string) map[string]string {
		return map[string]string{"NEXTCLOUD_HOST": nc.URL}
	})
	defer func() {
		s.stop()
		if strings.Contains(s.stderr.String(), "alice-pass") || strings.Contains(s.stderr.String(), "bob-pass") {
			t.Error("a password reached the log")
		}
	}()
	base := s.base
	tctx, tcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer tcancel()

	// No credentials: 401 with a Basic challenge.
	resp, err := http.Post(base+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	session := func(user, pass string) *client.Client {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pass)
		return s.session(tctx, user, req.Header.Get("Authorization"))
	}
	call := func(c *client.Client, name string, args map[string]any) *mcpgo.CallToolResult {
		req := mcpgo.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(tctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	alice, bob := session("alice", "alice-pass"), session("bob", "bob-pass")
	if res := call(alice, "nc_notes_create", map[string]any{"title": "alice's secret"}); res.IsError {
		t.Fatalf("alice create: %+v", res.Content)
	}
	res := call(bob, "nc_notes_search", map[string]any{"query": "secret"})
	if res.IsError {
		t.Fatalf("bob search: %+v", res.Content)
	}
	for _, ct := range res.Content {
		if tc, ok := ct.(mcpgo.TextContent); ok && strings.Contains(tc.Text, "alice's secret") {
			t.Fatal("bob sees alice's note")
		}
	}
	res = call(alice, "nc_notes_search", map[string]any{"query": "secret"})
	var found bool
	for _, ct := range res.Content {
		if tc, ok := ct.(mcpgo.TextContent); ok && strings.Contains(tc.Text, "alice's secret") {
			found = true
		}
	}
	if !found {
		t.Fatal("alice does not find her own note")
	}
	// Wrong password: refused at initialize (TestBasicPassthroughChecksCredentials
	// looks closer).
	mallory, err := client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": basicAuth("alice", "wrong")}))
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	if err := mallory.Start(tctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.Initialize(tctx, initRequest()); err == nil {
		t.Fatal("a wrong password worked")
	}
}
