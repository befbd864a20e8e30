package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestStartupCheckSaysWhichPartFailed(t *testing.T) {
	nc := nctest.New(t)
	down := "http://127.0.0.1:1" // nothing listens on port 1
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nextcloud down", map[string]string{"NEXTCLOUD_HOST": down, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "x"}, "does not answer"},
		{"bad credentials", map[string]string{"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "wrong"}, "rejected the credentials of NEXTCLOUD_USERNAME=admin"},
		{"missing setting", map[string]string{"NEXTCLOUD_HOST": nc.URL}, "NEXTCLOUD_USERNAME is not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := run(ctx, nil, envOf(tc.env), strings.NewReader(""), io.Discard, &stderr)
			if code == 0 {
				t.Fatalf("want failure, got exit 0; stderr: %s", stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tc.want)
			}
			if strings.Contains(stderr.String(), "wrong") && tc.name == "bad credentials" {
				t.Fatalf("stderr leaks the password: %q", stderr.String())
			}
		})
	}
}

// TestStdioSession drives the binary's run() over stdio with raw JSON-RPC.
func TestStdioSession(t *testing.T) {
	nc := nctest.New(t)
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nc_capabilities","arguments":{}}}`,
	}, "\n") + "\n"
	pr, pw := io.Pipe()
	// EOF ends the session: close stdin once the tools/call answer is out
	// (or after a generous bound, which the checks below then report).
	stdout := &closeOnAnswer{close: func() { pw.Close() }}
	stop := time.AfterFunc(30*time.Second, func() { pw.Close() })
	defer stop.Stop()
	go func() { _, _ = io.WriteString(pw, in) }()
	var stderr bytes.Buffer
	code := run(context.Background(), nil, envOf(map[string]string{
		"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "admin-pass",
	}), pr, stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var sawCall bool
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("stdout carries a non-JSON-RPC line %q (logs must go to stderr)", line)
		}
		if msg.ID == 2 && strings.Contains(string(msg.Result), "31.0.5") {
			sawCall = true
		}
	}
	if !sawCall {
		t.Fatalf("no tools/call answer with the Nextcloud version; stdout: %s", stdout.String())
	}
}

// closeOnAnswer collects stdout and calls close once a line answers id 2.
type closeOnAnswer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	close func()
}

func (w *closeOnAnswer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	for _, line := range strings.Split(w.buf.String(), "\n") {
		var msg struct {
			ID int `json:"id"`
		}
		if json.Unmarshal([]byte(line), &msg) == nil && msg.ID == 2 {
			w.once.Do(w.close)
		}
	}
	return n, err
}

func (w *closeOnAnswer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// httpServer is the binary's run() serving HTTP on a free local port.
type httpServer struct {
	t      *testing.T
	base   string
	stderr bytes.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startHTTP runs the binary with --transport http on a free port plus args,
// in the environment env(base URL), and waits until /health/live answers.
// get fetches path from the server and returns the status and body.
func (s *httpServer) get(path string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	code, _, body := send(s.t, req)
	return code, body
}

// send sends req and returns the answer's status, header and body.
func send(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// postJSON posts body to url as JSON and returns what send does.
func postJSON(t *testing.T, url string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, body)
	req.Header.Set("Content-Type", "application/json")
	return send(t, req)
}

func startHTTP(t *testing.T, args []string, env func(base string) map[string]string) *httpServer {
	t.Helper()
	addr := testutil.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &httpServer{t: t, base: "http://" + addr, cancel: cancel, done: make(chan int, 1)}
	args = append([]string{"--transport", "http", "--listen", addr}, args...)
	e := envOf(env(s.base))
	go func() { s.done <- run(ctx, args, e, strings.NewReader(""), io.Discard, &s.stderr) }()
	var err error
	for range 100 {
		var resp *http.Response
		if resp, err = http.Get(s.base + "/health/live"); err == nil {
			resp.Body.Close()
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	t.Fatalf("server did not come up: %v; stderr: %s", err, s.stderr.String())
	return nil
}

// stop cancels run() and returns its exit code, or -1 (reported as a test
// error) when it does not stop in time.
func (s *httpServer) stop() int {
	s.cancel()
	select {
	case code := <-s.done:
		return code
	case <-time.After(15 * time.Second):
		s.t.Error("server did not stop")
		return -1
	}
}

// session opens an initialized MCP session (streamable HTTP) as who, sending
// the Authorization header auth; it is closed when the test ends.
func (s *httpServer) session(ctx context.Context, who, auth string) *client.Client {
	s.t.Helper()
	c, err := client.NewStreamableHttpClient(s.base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": auth}))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(ctx); err != nil {
		s.t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, initRequest()); err != nil {
		s.t.Fatalf("initialize as %s: %v; stderr: %s", who, err, s.stderr.String())
	}
	return c
}

func initRequest() mcpgo.InitializeRequest {
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpgo.Implementation{Name: "t", Version: "1"}
	return init
}

func TestHTTPServesHealthMetricsAndGuardsHost(t *testing.T) {
	nc := nctest.New(t)
	s := startHTTP(t, nil, func(string) map[string]string {
		return map[string]string{"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "admin-pass"}
	})
	defer func() {
		if code := s.stop(); code > 0 {
			t.Errorf("exit %d: %s", code, s.stderr.String())
		}
	}()
	if code, _ := s.get("/health/live"); code != 200 {
		t.Fatalf("live: %d", code)
	}
	if code, body := s.get("/health/ready"); code != 200 || !strings.Contains(body, `"status":"ready"`) || !strings.Contains(body, `"nextcloud":"ok"`) {
		t.Fatalf("ready: %d %s", code, body)
	}
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return true
	})
	if code, body := s.get("/health/ready"); code != 503 || !strings.Contains(body, `"status":"unavailable"`) || !strings.Contains(body, `"nextcloud":"unavailable"`) {
		t.Fatalf("ready with Nextcloud down: %d %s", code, body)
	}
	nc.SetFault(nil)
	if code, body := s.get("/metrics"); code != 200 || !strings.Contains(body, "nextcloud_mcp_upstream_requests_total") {
		t.Fatalf("metrics: %d %.200s", code, body)
	}
	// DNS-rebinding guard: a foreign Host header is refused.
	req, _ := http.NewRequest(http.MethodPost, s.base+"/mcp", strings.NewReader(`{}`))
	req.Host = "evil.example.com"
	if code, _, _ := send(t, req); code != http.StatusForbidden {
		t.Fatalf("foreign Host got %d, want 403", code)
	}
}

func TestGenKeyIsFernetShaped(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"genkey"}, envOf(nil), nil, &out, io.Discard); code != 0 {
		t.Fatal("genkey failed")
	}
	k := strings.TrimSpace(out.String())
	if len(k) != 44 || strings.ContainsAny(k, "+/") {
		t.Fatalf("key %q is not 44 chars of URL-safe base64", k)
	}
}

func TestUnknownCommand(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, envOf(nil), nil, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "unknown command") {
		t.Fatalf("code %d stderr %q", code, stderr.String())
	}
}

// A host that answers, but not as Nextcloud (another site, or a missing
// sub-path), is not reported as "does not answer" with a hint about ids.
func TestStartupCheckNamesAHostThatIsNotNextcloud(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    []string
	}{
		{"404 everywhere", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			[]string{"answers, but not as Nextcloud", "404 Not Found", "path prefix is wrong", "NEXTCLOUD_HOST"}},
		{"a web page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Welcome</body></html>")
		}, []string{"answers, but not as Nextcloud", "not Nextcloud's OCS JSON", "path prefix is wrong"}},
		{"failing", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, []string{"answers", "500 Internal Server Error", "try again later"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(tc.handler)
			defer ts.Close()
			for _, auth := range []string{"basic", "basic-passthrough"} {
				var stderr bytes.Buffer
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				code := run(ctx, nil, envOf(map[string]string{
					"NEXTCLOUD_HOST": ts.URL, "NEXTCLOUD_USERNAME": "admin", "NEXTCLOUD_PASSWORD": "x",
					"NEXTCLOUD_MCP_AUTH": auth, "NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": "127.0.0.1:0",
				}), strings.NewReader(""), io.Discard, &stderr)
				cancel()
				if code == 0 {
					t.Fatalf("%s: want failure, got exit 0", auth)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr.String(), w) {
						t.Errorf("%s: stderr %q lacks %q", auth, stderr.String(), w)
					}
				}
				for _, bad := range []string{"does not answer", "check the id or path"} {
					if strings.Contains(stderr.String(), bad) {
						t.Errorf("%s: stderr %q says %q", auth, stderr.String(), bad)
					}
				}
			}
		})
	}
}

// -h lists the subcommands besides the flags.
func TestHelpListsCommands(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, envOf(nil), strings.NewReader(""), io.Discard, &stderr); code != 0 {
		t.Fatalf("-h exit %d", code)
	}
	for _, name := range append(subcommandNames(), "serve") {
		if !strings.Contains(stderr.String(), "\n  "+name+" ") {
			t.Errorf("-h output lacks the command %s:\n%s", name, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "-read-only") {
		t.Errorf("-h output lacks the flags:\n%s", stderr.String())
	}
}

// Every message about a missing or bad key names a command that exists
// and prints a key the server accepts.
func TestKeyErrorsNameAWorkingCommand(t *testing.T) {
	var texts []string
	for _, keys := range []string{"", "too-short"} {
		_, err := storage.NewCipher(keys)
		if err == nil {
			t.Fatalf("NewCipher(%q) accepted", keys)
		}
		texts = append(texts, err.Error())
	}
	_, err := config.Load(nil, envOf(map[string]string{
		"NEXTCLOUD_HOST": "https://cloud.example.com", "NEXTCLOUD_MCP_AUTH": "oauth", "NEXTCLOUD_MCP_TRANSPORT": "http",
		"OIDC_ISSUER": "https://idp.example.com", "OIDC_CLIENT_ID": "mcp", "NEXTCLOUD_MCP_SERVER_URL": "https://mcp.example.com",
		"ENABLE_OFFLINE_ACCESS": "true",
	}), io.Discard)
	if err == nil {
		t.Fatal("offline access without a key accepted")
	}
	texts = append(texts, err.Error())
	cmdRE := regexp.MustCompile("`nextcloud-mcp-server ([^`]+)`")
	recommended := map[string]bool{}
	for _, text := range texts {
		m := cmdRE.FindAllStringSubmatch(text, -1)
		if len(m) == 0 {
			t.Errorf("%q names no command", text)
		}
		for _, sub := range m {
			recommended[sub[1]] = true
			var stdout, stderr bytes.Buffer
			args := strings.Fields(sub[1])
			if code := run(context.Background(), args, envOf(nil), strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Errorf("%q recommends %v, which fails (exit %d): %s", text, args, code, stderr.String())
				continue
			}
			if _, err := storage.NewCipher(strings.TrimSpace(stdout.String())); err != nil {
				t.Errorf("%v printed %q, not a key: %v", args, stdout.String(), err)
			}
		}
	}
	if len(recommended) != 1 || !recommended["genkey"] {
		t.Errorf("key messages recommend %v; they should all name genkey, the command the README documents", recommended)
	}
}
