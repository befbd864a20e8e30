package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

type whoamiIn struct{}

type whoamiOut struct {
	User string `json:"user" jsonschema:"the Nextcloud user id"`
}

// whoamiToolset asks Nextcloud who the caller is.
func whoamiToolset() mcp.Toolset {
	return mcp.Toolset{Name: "whoami", Tools: []mcp.Tool{
		mcp.NewTool(mcp.Spec{Name: "nc_test_whoami", Description: "who Nextcloud says the caller is", Scope: "files:read", Kind: mcp.Read},
			func(ctx context.Context, nc *nextcloud.Client, _ whoamiIn) (whoamiOut, error) {
				u, err := nc.CurrentUser(ctx)
				if err != nil {
					return whoamiOut{}, err
				}
				return whoamiOut{User: u.ID}, nil
			}),
	}}
}

// mcpEnv is the whole OAuth deployment: IdP, Nextcloud accepting
// Nextcloud-audience bearer tokens, and the MCP server behind the bearer
// middleware, served over streamable HTTP.
type mcpEnv struct {
	p   *oidctest.Provider
	nc  *nctest.Server
	url string
}

func newMCPEnv(t *testing.T) *mcpEnv {
	t.Helper()
	p := newProvider(t)
	p.AddUser(oidctest.User{Username: "carol"})
	nc := nctest.New(t, nctest.WithUser("alice", "a"), nctest.WithUser("bob", "b"), nctest.WithUser("carol", "c"))
	nc.SetBearerAuth(nextcloudFor(t, p).BearerAuth)

	var h http.Handler = http.NotFoundHandler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)

	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	var srv *mcp.Server
	rs, err := oauth.New(context.Background(), oauth.Config{
		Issuer: p.Issuer(), ClientID: serverClient, ClientSecret: serverSecret, ServerURL: ts.URL,
		ScopesSupported: func() []string { return srv.ScopesSupported() },
	}, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	srv, err = mcp.New(mcp.Options{
		Toolsets: []mcp.Toolset{mcp.NotesToolset(&mcp.Env{}), whoamiToolset()},
		Client:   rs.ClientFor,
		Scopes:   rs.Scopes,
	})
	if err != nil {
		t.Fatal(err)
	}
	transportHandler := srv.HTTPHandler(mcp.HTTPOptions{Auth: rs})
	t.Cleanup(func() { _ = transportHandler.Shutdown(context.Background()) })
	mux := http.NewServeMux()
	rs.RegisterMetadata(mux)
	mux.Handle("/", transportHandler)
	h = mux
	return &mcpEnv{p: p, nc: nc, url: ts.URL}
}

// session opens an MCP session over streamable HTTP with token.
func (e *mcpEnv) session(t *testing.T, token string) (*client.Client, error) {
	t.Helper()
	var opts []transport.StreamableHTTPCOption
	if token != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	}
	c, err := client.NewStreamableHttpClient(e.url+"/mcp", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := testutil.Initialize(ctx, c, "oauth-e2e"); err != nil {
		return nil, err
	}
	return c, nil
}

func call(t *testing.T, c *client.Client, name string, args map[string]any, out any) *mcpgo.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if out != nil && !res.IsError {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s structured content: %v", name, err)
		}
	}
	return res
}

func toolNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

func TestMCPOverOAuthEndToEnd(t *testing.T) {
	e := newMCPEnv(t)

	t.Run("no token gets the challenge", func(t *testing.T) {
		_, err := e.session(t, "")
		var are *transport.AuthorizationRequiredError
		if !errors.As(err, &are) {
			t.Fatalf("session without token: %v, want AuthorizationRequiredError", err)
		}
		if want := e.url + "/.well-known/oauth-protected-resource/mcp"; are.ResourceMetadataURL != want {
			t.Errorf("resource_metadata %q, want %q", are.ResourceMetadataURL, want)
		}
		// The metadata it points to names the IdP and the tools' scopes.
		resp, err := http.Get(are.ResourceMetadataURL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc oauth.ResourceMetadata
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.Resource != e.url+"/mcp" || !slices.Equal(doc.AuthorizationServers, []string{e.p.Issuer()}) ||
			!slices.Equal(doc.ScopesSupported, []string{"files:read", "notes:read", "notes:write"}) {
			t.Errorf("metadata %+v", doc)
		}
	})

	t.Run("invalid token is refused", func(t *testing.T) {
		e.p.SetClockShift(-2 * time.Hour)
		expired := e.p.UserToken(t, "alice", mcpClient, "notes:read")
		e.p.SetClockShift(0)
		_, err := e.session(t, expired)
		var are *transport.AuthorizationRequiredError
		if !errors.As(err, &are) {
			t.Fatalf("session with an expired token: %v", err)
		}
	})

	t.Run("tools/list follows the token's scopes", func(t *testing.T) {
		read := []string{"nc_notes_categories", "nc_notes_get", "nc_notes_get_attachment", "nc_notes_list", "nc_notes_search"}
		all := []string{"nc_notes_append", "nc_notes_categories", "nc_notes_create", "nc_notes_delete", "nc_notes_get", "nc_notes_get_attachment", "nc_notes_list", "nc_notes_search", "nc_notes_update", "nc_test_whoami"}
		tests := []struct {
			name   string
			scopes []string
			want   []string
		}{
			{"read", []string{"notes:read"}, read},
			{"read with a dot", []string{"notes.read"}, read},
			{"write implies read, plus files", []string{"notes:write", "files:read"}, all},
			{"nothing", nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := e.session(t, e.p.UserToken(t, "carol", mcpClient, tt.scopes...))
				if err != nil {
					t.Fatal(err)
				}
				if got := toolNames(t, c); !slices.Equal(got, tt.want) {
					t.Errorf("tools %v, want %v", got, tt.want)
				}
			})
		}
		c, err := e.session(t, e.p.UserToken(t, "carol", mcpClient, "notes:read"))
		if err != nil {
			t.Fatal(err)
		}
		res := call(t, c, "nc_notes_create", map[string]any{"title": "x"}, nil)
		if !res.IsError || !strings.Contains(testutil.ResultText(res), "notes:write") {
			t.Errorf("create with a read-only token: %s", testutil.ResultText(res))
		}
	})

	t.Run("two users never see each other's data", func(t *testing.T) {
		users := []string{"alice", "bob"}
		clients := map[string]*client.Client{}
		for _, u := range users {
			c, err := e.session(t, e.p.UserToken(t, u, mcpClient, "notes:write", "files:read"))
			if err != nil {
				t.Fatal(err)
			}
			clients[u] = c
		}
		var wg sync.WaitGroup
		errs := make(chan string, 100)
		for _, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := clients[u]
				for i := range 5 {
					var who whoamiOut
					if res := call(t, c, "nc_test_whoami", map[string]any{}, &who); res.IsError || who.User != u {
						errs <- fmt.Sprintf("%s's whoami: %q %s", u, who.User, testutil.ResultText(res))
					}
					var n struct{ Title string }
					if res := call(t, c, "nc_notes_create", map[string]any{"title": fmt.Sprintf("%s note %d", u, i), "content": "private to " + u}, &n); res.IsError {
						errs <- fmt.Sprintf("%s create: %s", u, testutil.ResultText(res))
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
		for _, u := range users {
			var list struct {
				Notes []struct{ Title string }
			}
			if res := call(t, clients[u], "nc_notes_list", map[string]any{}, &list); res.IsError {
				t.Fatalf("%s list: %s", u, testutil.ResultText(res))
			}
			if len(list.Notes) != 5 {
				t.Errorf("%s sees %d notes, want 5", u, len(list.Notes))
			}
			for _, n := range list.Notes {
				if !strings.HasPrefix(n.Title, u+" note") {
					t.Errorf("%s sees %q", u, n.Title)
				}
			}
		}
		// Each user's token was exchanged once, not per call.
		if n := e.p.Count(oidctest.CountGrantExchange); n != 2 {
			t.Errorf("%d token exchanges for two users, want 2", n)
		}
	})
}
