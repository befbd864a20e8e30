package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// chunked hides a body's length so the server only learns it by reading.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestBodyLimitBeforeCredentials: a body over NEXTCLOUD_MCP_MAX_REQUEST_BYTES
// gets 413 on every route, with or without a declared length, before the
// credentials are looked at (issue 15, item 5).
func TestBodyLimitBeforeCredentials(t *testing.T) {
	nc := nctest.New(t)
	s := startHTTP(t, []string{"--auth", "basic-passthrough"}, func(string) map[string]string {
		return map[string]string{"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_MCP_MAX_REQUEST_BYTES": "4096"}
	})
	defer s.stop()
	big := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"pad":"` + strings.Repeat("x", 8000) + `"}}`
	for _, tc := range []struct {
		path    string
		body    io.Reader
		want    int
		wantMsg string
	}{
		{"/mcp", strings.NewReader(big), 413, "NEXTCLOUD_MCP_MAX_REQUEST_BYTES"},
		{"/mcp", chunked{strings.NewReader(big)}, 413, "exceeds 4096 bytes"},
		{"/message?sessionId=x", chunked{strings.NewReader(big)}, 413, "exceeds 4096 bytes"},
		{"/oauth/anything", strings.NewReader(big), 413, "exceeds 4096 bytes"},
		// Under the limit the credentials decide as before.
		{"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), 401, "Unauthorized"},
	} {
		resp, err := http.Post(s.base+tc.path, "application/json", tc.body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(string(b), tc.wantMsg) {
			t.Errorf("POST %s: %d %q; want %d with %q", tc.path, resp.StatusCode, b, tc.want, tc.wantMsg)
		}
	}
}

// TestHostGuardCoversEveryRoute: health, metrics, discovery and OAuth
// routes refuse a foreign Host like the MCP routes do, and answer on
// loopback (issue 15, item 13).
func TestHostGuardCoversEveryRoute(t *testing.T) {
	nc := nctest.New(t)
	s := startHTTP(t, nil, func(string) map[string]string {
		return map[string]string{"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "admin-pass"}
	})
	defer s.stop()
	for _, p := range []string{"/health/live", "/health/ready", "/metrics", "/.well-known/oauth-protected-resource", "/oauth/login"} {
		for _, host := range []string{"evil.example.com", "127.0.0.1"} {
			req, _ := http.NewRequest(http.MethodGet, s.base+p, nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			foreign := host != "127.0.0.1"
			if foreign != (resp.StatusCode == http.StatusForbidden) {
				t.Errorf("GET %s with Host %s: %d %.200q", p, host, resp.StatusCode, b)
			}
			if foreign && !strings.Contains(string(b), "NEXTCLOUD_MCP_ALLOWED_HOSTS") {
				t.Errorf("GET %s with Host %s: the refusal does not say what to set: %.200q", p, host, b)
			}
		}
	}
	// Health checks from loopback still pass.
	resp, err := http.Get(s.base + "/health/live")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("loopback health check: %d", resp.StatusCode)
	}
}
