package mcp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestOriginGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tests := []struct {
		name           string
		host, origin   string
		hosts, origins []string
		want           int
	}{
		{"loopback host", "127.0.0.1:8000", "", nil, nil, 204},
		{"localhost", "localhost:8000", "http://localhost:6274", nil, nil, 204},
		{"ipv6 loopback", "[::1]:8000", "", nil, nil, 204},
		{"foreign host", "evil.example.com", "", nil, nil, 403},
		{"rebinding", "attacker.example:8000", "http://attacker.example:8000", nil, nil, 403},
		{"allowed proxy host", "mcp.example.com", "", []string{"mcp.example.com"}, nil, 204},
		{"allowed host with port", "mcp.example.com:8443", "", []string{"mcp.example.com:8443"}, nil, 204},
		{"other port not allowed", "mcp.example.com:9999", "", []string{"mcp.example.com:8443"}, nil, 403},
		{"foreign origin", "127.0.0.1:8000", "https://evil.example.com", nil, nil, 403},
		{"allowed origin", "mcp.example.com", "https://app.example.com", []string{"mcp.example.com"}, []string{"https://app.example.com/"}, 204},
		{"wildcard host", "anything.example", "", []string{"*"}, nil, 204},
		{"garbage origin", "127.0.0.1", "::::", nil, nil, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := OriginGuard(tc.hosts, tc.origins, nil, ok)
			r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("got %d, want %d (%s)", w.Code, tc.want, w.Body.String())
			}
		})
	}
}

func TestDisabledToolsAndReadOnly(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) {
		o.DisabledTools = []string{"nc_notes_delete", "nc_capabilities"}
	})
	names := listNames(t, srv)
	if names["nc_notes_delete"] || names["nc_capabilities"] {
		t.Fatal("disabled tools are listed")
	}
	if !names["nc_notes_get"] || !names["nc_notes_create"] {
		t.Fatal("other tools vanished")
	}
	res, err := connect(t, srv, "inprocess").CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "nc_notes_delete", Arguments: map[string]any{"id": 1}}})
	if err == nil && !res.IsError {
		t.Fatal("a disabled tool could be called")
	}
	ro := listNames(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true }))
	for name := range ro {
		tl, _ := srv.Tool(name)
		if tl.Def.Name != "" && !tl.ReadOnly() {
			t.Errorf("read-only server lists %s", name)
		}
	}
	if ro["nc_notes_create"] || !ro["nc_notes_get"] {
		t.Fatal("read-only filter wrong")
	}
}

func TestUnknownAppIsAStartError(t *testing.T) {
	_, err := New(Options{Toolsets: DefaultToolsets(&Env{}), Apps: []string{"notes", "nope"}, Client: func(context.Context) (*nextcloud.Client, error) { return nil, nil }})
	if err == nil || !strings.Contains(err.Error(), `unknown app "nope"`) {
		t.Fatalf("err = %v", err)
	}
}
