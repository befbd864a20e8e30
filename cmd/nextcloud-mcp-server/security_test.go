package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
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
		code, _, b := postJSON(t, s.base+tc.path, tc.body)
		if code != tc.want || !strings.Contains(b, tc.wantMsg) {
			t.Errorf("POST %s: %d %q; want %d with %q", tc.path, code, b, tc.want, tc.wantMsg)
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
			code, _, b := send(t, req)
			foreign := host != "127.0.0.1"
			if foreign != (code == http.StatusForbidden) {
				t.Errorf("GET %s with Host %s: %d %.200q", p, host, code, b)
			}
			if foreign && !strings.Contains(b, "NEXTCLOUD_MCP_ALLOWED_HOSTS") {
				t.Errorf("GET %s with Host %s: the refusal does not say what to set: %.200q", p, host, b)
			}
		}
	}
	// Health checks from loopback still pass.
	if code, _ := s.get("/health/live"); code != 200 {
		t.Fatalf("loopback health check: %d", code)
	}
}

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

// mcpPost posts one JSON-RPC message to /mcp with the given Authorization
// and session.
func mcpPost(t *testing.T, base, auth, session, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set(mcpgo.HeaderProtocolVersion, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	req.Header.Set("Authorization", auth)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	return send(t, req)
}

const legacyInitialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// TestBasicPassthroughChecksCredentials: wrong credentials get 401 on
// initialize and tools/list (not 200), right ones are checked with
// Nextcloud once and then trusted briefly, failures from one address are
// rate-limited without reaching Nextcloud, and a session opened by alice
// is refused to bob (issue 15, items 11 and 4).
func TestBasicPassthroughChecksCredentials(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("bob", "bob-pass"))
	s := startPassthrough(t, nc, "alice-pass", "wrong-pass")
	const check = "GET /ocs/v2.php/cloud/user"
	wrong := basicAuth("alice", "wrong-pass")
	code, hdr, body := mcpPost(t, s.base, wrong, "", legacyInitialize)
	if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") || !strings.Contains(body, "rejected this login") {
		t.Fatalf("initialize with a wrong password: %d %q", code, body)
	}
	if code, _, body := mcpPost(t, s.base, wrong, "", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); code != http.StatusUnauthorized {
		t.Fatalf("tools/list with a wrong password: %d %q", code, body)
	}

	// Right credentials: one check at Nextcloud for many requests.
	before := nc.RequestCount(check)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	alice := s.session(ctx, "alice", basicAuth("alice", "alice-pass"))
	for range 3 {
		if _, err := alice.ListTools(ctx, mcpgo.ListToolsRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := nc.RequestCount(check) - before; n != 1 {
		t.Fatalf("Nextcloud was asked %d times to check alice's credentials, want once", n)
	}

	// alice's legacy session is hers alone.
	code, hdr, body = mcpPost(t, s.base, basicAuth("alice", "alice-pass"), "", legacyInitialize)
	sid := hdr.Get("Mcp-Session-Id")
	if code != 200 || sid == "" {
		t.Fatalf("legacy initialize: %d %q", code, body)
	}
	if code, _, body := mcpPost(t, s.base, basicAuth("bob", "bob-pass"), sid, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`); code != http.StatusForbidden {
		t.Fatalf("bob using alice's session: %d %.200q", code, body)
	}
	if code, _, body := mcpPost(t, s.base, basicAuth("alice", "alice-pass"), sid, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`); code != 200 {
		t.Fatalf("alice using her session: %d %.200q", code, body)
	}

	// Guessing: after the limit, refused here without asking Nextcloud.
	before = nc.RequestCount(check)
	var limited bool
	for i := range 30 {
		code, hdr, _ := mcpPost(t, s.base, basicAuth("alice", "guess-"+strconv.Itoa(i)), "", legacyInitialize)
		if code == http.StatusTooManyRequests {
			limited = hdr.Get("Retry-After") != ""
			break
		}
		if code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if !limited {
		t.Fatal("30 wrong passwords from one address were never rate-limited")
	}
	if n := nc.RequestCount(check) - before; n >= 30 || n == 0 {
		t.Fatalf("Nextcloud checked %d guesses", n)
	}
	// Verified credentials still pass while the address is limited for new ones.
	if _, err := alice.ListTools(ctx, mcpgo.ListToolsRequest{}); err != nil {
		t.Fatalf("alice after the limit: %v", err)
	}
}

// TestBasicModeWarnsOffLoopback: single-user basic mode on an address
// others can reach says so in the log; on loopback it stays quiet
// (issue 15, item 14).
func TestBasicModeWarnsOffLoopback(t *testing.T) {
	nc := nctest.New(t)
	env := envOf(map[string]string{"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "admin-pass"})
	const warning = "anyone who can reach it acts in Nextcloud as the configured user"
	for _, tc := range []struct {
		host string
		warn bool
	}{{"127.0.0.1", false}, {"0.0.0.0", true}} {
		_, port, _ := net.SplitHostPort(testutil.FreeAddr(t))
		ctx, cancel := context.WithCancel(context.Background())
		var stderr testutil.SyncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--transport", "http", "--listen", net.JoinHostPort(tc.host, port)}, env, strings.NewReader(""), io.Discard, &stderr)
		}()
		up := false
		for range 100 {
			if resp, err := http.Get("http://127.0.0.1:" + port + "/health/live"); err == nil {
				resp.Body.Close()
				up = true
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-done
		if !up {
			t.Fatalf("server on %s did not come up: %s", tc.host, stderr.String())
		}
		if got := strings.Contains(stderr.String(), warning); got != tc.warn {
			t.Errorf("listening on %s: warning %v, want %v; log: %s", tc.host, got, tc.warn, stderr.String())
		}
	}
}

// TestOAuthSessionsAndTokenPlaces: in OAuth mode a legacy session opened
// with alice's token refuses bob's (issue 15, item 4, through the real
// wiring), and a valid token in the query string or a refresh token as
// the bearer is not accepted (the forgery table in README "Security").
func TestOAuthSessionsAndTokenPlaces(t *testing.T) {
	p := newIdP(t, "alice", "bob")
	nc := nctest.New(t, nctest.WithUser("alice", "a"), nctest.WithUser("bob", "b"))
	s := startHTTP(t, []string{"--auth", "oauth"}, func(base string) map[string]string { return oauthEnv(nc, p, base, nil) })
	defer s.stop()
	alice := "Bearer " + p.UserToken(t, "alice", "claude", "notes:read")
	bob := "Bearer " + p.UserToken(t, "bob", "claude", "notes:read")

	code, hdr, body := mcpPost(t, s.base, alice, "", legacyInitialize)
	sid := hdr.Get("Mcp-Session-Id")
	if code != 200 || sid == "" {
		t.Fatalf("alice's legacy initialize: %d %q", code, body)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	if code, _, body := mcpPost(t, s.base, bob, sid, list); code != http.StatusForbidden {
		t.Fatalf("bob on alice's session: %d %.200q", code, body)
	}
	if code, _, body := mcpPost(t, s.base, alice, sid, list); code != 200 {
		t.Fatalf("alice on her session: %d %.200q", code, body)
	}

	// A token in the query string is not a credential.
	if code, _, _ := postJSON(t, s.base+"/mcp?access_token="+strings.TrimPrefix(alice, "Bearer "), strings.NewReader(legacyInitialize)); code != http.StatusUnauthorized {
		t.Fatalf("token in the query string: %d, want 401", code)
	}
	// Nor is a refresh token.
	tok, err := p.Login(context.Background(), oidctest.LoginRequest{ClientID: "claude", User: "alice", Scopes: []string{"openid", "offline_access", "notes:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("the test IdP issued no refresh token")
	}
	if code, _, body := mcpPost(t, s.base, "Bearer "+tok.RefreshToken, "", legacyInitialize); code != http.StatusUnauthorized {
		t.Fatalf("refresh token as bearer: %d %.200q", code, body)
	}
}
