package main

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// newIdP is a test IdP with the server's client mcp-server (allowed token
// exchange), Nextcloud's client and Claude's (audience mcp-server), and
// users.
func newIdP(t *testing.T, users ...string) *oidctest.Provider {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret", TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: "claude", Audience: []string{"mcp-server"}})
	for _, u := range users {
		p.AddUser(oidctest.User{Username: u})
	}
	return p
}

// oauthEnv is the environment of --auth oauth with Nextcloud nc, the IdP
// p's client mcp-server and the server at base, plus extra.
func oauthEnv(nc *nctest.Server, p *oidctest.Provider, base string, extra map[string]string) map[string]string {
	env := map[string]string{
		"NEXTCLOUD_HOST": nc.URL, "OIDC_ISSUER": p.Issuer(), "OIDC_CLIENT_ID": "mcp-server", "OIDC_CLIENT_SECRET": "srv-secret",
		"NEXTCLOUD_MCP_SERVER_URL": base,
	}
	maps.Copy(env, extra)
	return env
}

// tokenStore is the environment of a fresh token database: a new
// encryption key and a file in the test's directory.
func tokenStore(t *testing.T) map[string]string {
	t.Helper()
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"TOKEN_ENCRYPTION_KEY": key, "TOKEN_STORAGE_DB": filepath.Join(t.TempDir(), "tokens.db")}
}

// TestOAuthModeServes runs the binary with --auth oauth against an
// in-process IdP and Nextcloud: challenge, metadata, readiness, and a tool
// call acting as the token's user through token exchange.
func TestOAuthModeServes(t *testing.T) {
	p := newIdP(t, "alice")
	nc := nctest.New(t, nctest.WithUser("alice", "a"))
	nc.SetBearerAuth(func(tok string) (string, bool) {
		in, err := p.Introspect(context.Background(), "nextcloud", tok)
		if err != nil || in["active"] != true {
			return "", false
		}
		aud, _ := in["aud"].([]any)
		u, _ := in["username"].(string)
		return u, slices.Contains(aud, any("nextcloud")) && u != ""
	})

	s := startHTTP(t, []string{"--auth", "oauth"}, func(base string) map[string]string { return oauthEnv(nc, p, base, nil) })
	defer func() {
		if code := s.stop(); code > 0 {
			t.Errorf("exit %d: %s", code, s.stderr.String())
		}
		if strings.Contains(s.stderr.String(), "srv-secret") {
			t.Error("the client secret appears in the log")
		}
	}()
	if code, body := s.get("/health/ready"); code != 200 || !strings.Contains(body, `"identity_provider":"ok"`) {
		t.Fatalf("ready: %d %s", code, body)
	}
	code, body := s.get("/.well-known/oauth-protected-resource/mcp")
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != 200 {
		t.Fatalf("metadata: %d %s", code, body)
	}
	if doc.Resource != s.base+"/mcp" || !slices.Equal(doc.AuthorizationServers, []string{p.Issuer()}) ||
		!slices.Contains(doc.ScopesSupported, "notes:read") || !slices.Contains(doc.ScopesSupported, "notes:write") {
		t.Errorf("metadata %+v", doc)
	}

	// Without a token: the challenge.
	c, err := client.NewStreamableHttpClient(s.base + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	init := initRequest()
	ictx, icancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer icancel()
	_ = c.Start(ictx)
	_, err = c.Initialize(ictx, init)
	var are *transport.AuthorizationRequiredError
	if !errors.As(err, &are) || are.ResourceMetadataURL != s.base+"/.well-known/oauth-protected-resource/mcp" {
		t.Fatalf("no-token initialize: %v", err)
	}

	// With alice's token: a session acting as alice.
	ac := s.session(ictx, "alice", "Bearer "+p.UserToken(t, "alice", "claude", "notes:write"))
	req := mcpgo.CallToolRequest{}
	req.Params.Name = "nc_notes_create"
	req.Params.Arguments = map[string]any{"title": "From OAuth"}
	res, err := ac.CallTool(ictx, req)
	if err != nil || res.IsError {
		t.Fatalf("nc_notes_create: %v %+v", err, res)
	}
	if n := nc.RequestCount("POST /index.php/apps/notes/api/v1/notes"); n != 1 {
		t.Errorf("Nextcloud saw %d note creations", n)
	}
	if p.Count(oidctest.CountGrantExchange) != 1 {
		t.Errorf("token exchanges: %d", p.Count(oidctest.CountGrantExchange))
	}
	// A second call reuses the exchanged token; the metrics say so.
	req.Params.Name, req.Params.Arguments = "nc_notes_list", map[string]any{}
	if res, err := ac.CallTool(ictx, req); err != nil || res.IsError {
		t.Fatalf("nc_notes_list: %v %+v", err, res)
	}
	_, metricsBody := s.get("/metrics")
	for _, want := range []string{
		`nextcloud_mcp_token_cache_total{cache="exchange",result="miss"} 1`,
		`nextcloud_mcp_token_cache_total{cache="exchange",result="hit"}`,
		`nextcloud_mcp_tool_calls_total{outcome="ok",tool="nc_notes_create"} 1`,
	} {
		if !strings.Contains(metricsBody, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
