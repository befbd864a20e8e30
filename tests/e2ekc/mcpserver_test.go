package e2ekc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var built struct {
	once sync.Once
	bin  string
	err  error
}

// serverBinary builds cmd/nextcloud-mcp-server once per package run: the
// tests run the real binary, so a restart is a new process.
func serverBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "e2ekc-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "nextcloud-mcp-server")
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", built.bin, "github.com/nextcloud-mcp/nextcloud-mcp-server/cmd/nextcloud-mcp-server")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build the server: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// syncBuffer collects a process's stderr for reading while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mcpServer is one running server process; Restart keeps its address,
// environment and token database.
type mcpServer struct {
	t    testing.TB
	bin  string
	env  []string
	addr string
	Base string
	Log  *syncBuffer
	cmd  *exec.Cmd
	done chan struct{}
}

// oauthEnv is the environment of the server in OAuth mode against kc and
// nc, with offline access and a fresh token database.
func oauthEnv(t testing.TB, kc *kctest.Keycloak, nc *nctest.Server) map[string]string {
	t.Helper()
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_MCP_AUTH": "oauth",
		"OIDC_ISSUER": kc.Issuer, "OIDC_CLIENT_ID": kc.ServerClientID, "OIDC_CLIENT_SECRET": kc.ServerClientSecret,
		"NEXTCLOUD_OIDC_AUDIENCE": kc.NextcloudClientID,
		"ENABLE_OFFLINE_ACCESS":   "true", "TOKEN_ENCRYPTION_KEY": key,
		"TOKEN_STORAGE_DB":        filepath.Join(t.TempDir(), "tokens.db"),
		"NEXTCLOUD_MCP_LOG_LEVEL": "debug",
	}
}

// startServer runs the server on a free loopback port with env (plus the
// HTTP transport settings) and waits until it answers; it is stopped when
// the test ends. The server's callback URL is allowed at Keycloak.
func startServer(t testing.TB, kc *kctest.Keycloak, env map[string]string) *mcpServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &mcpServer{t: t, bin: serverBinary(t), addr: addr, Base: "http://" + addr, Log: &syncBuffer{}}
	env["NEXTCLOUD_MCP_TRANSPORT"] = "http"
	env["NEXTCLOUD_MCP_LISTEN"] = addr
	env["NEXTCLOUD_MCP_SERVER_URL"] = s.Base
	s.env = envList(env)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kc.Admin.AddRedirectURI(ctx, kc.Realm, kc.ServerClientID, s.Base+"/oauth/callback"); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *mcpServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = s.env
	s.cmd.Stderr = s.Log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(s.cmd, s.done)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.Base + "/health/live")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("the server exited at start:\n%s", s.Log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.Stop()
	s.t.Fatalf("the server did not answer within 60s:\n%s", s.Log.String())
}

// Stop ends the process (SIGTERM, then SIGKILL after 20s); idempotent.
func (s *mcpServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			s.t.Errorf("the server did not stop on SIGTERM within 20s")
		}
	}
	s.cmd = nil
}

// Restart stops the process and starts a new one with the same settings.
func (s *mcpServer) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// command runs a subcommand of the binary (doctor, tokens …) in the
// server's environment.
func (s *mcpServer) command(args ...string) (string, int) {
	s.t.Helper()
	return runBinary(s.t, s.env, args...)
}

// runBinary runs the server binary with args in env (KEY=VALUE list) and
// returns its combined output and exit code.
func runBinary(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(serverBinary(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// envList turns a settings map into a process environment.
func envList(env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// session opens an MCP session (streamable HTTP) with a bearer token.
func (s *mcpServer) session(ctx context.Context, token string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(s.Base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpgo.Implementation{Name: "e2ekc", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		c.Close()
		return nil, err
	}
	s.t.Cleanup(func() { c.Close() })
	return c, nil
}

// callTool calls a tool and returns its text, failing on an error result.
func callTool(ctx context.Context, c *client.Client, name string, args map[string]any) (string, bool, error) {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return "", false, err
	}
	var b strings.Builder
	for _, part := range res.Content {
		if tc, ok := part.(mcpgo.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError, nil
}

// verifiedUsers records whom the test Nextcloud accepted bearer tokens for.
type verifiedUsers struct {
	mu       sync.Mutex
	accepted []string
}

func (v *verifiedUsers) count(user string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, u := range v.accepted {
		if u == user {
			n++
		}
	}
	return n
}

// verifyingNextcloud is the test Nextcloud accepting a bearer token only
// when it verifies against Keycloak's JWKS with audience nextcloud (as
// user_oidc's bearer validation does); the user is preferred_username.
func verifyingNextcloud(t testing.TB, kc *kctest.Keycloak, opts ...nctest.Option) (*nctest.Server, *verifiedUsers) {
	t.Helper()
	nc := nctest.New(t, opts...)
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, kc.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	verifier := p.Verifier(&oidc.Config{ClientID: kc.NextcloudClientID})
	seen := &verifiedUsers{}
	nc.SetBearerAuth(func(token string) (string, bool) {
		tok, err := verifier.Verify(ctx, token)
		if err != nil {
			return "", false
		}
		var c struct {
			User string `json:"preferred_username"`
		}
		if err := tok.Claims(&c); err != nil || c.User == "" {
			return "", false
		}
		seen.mu.Lock()
		seen.accepted = append(seen.accepted, c.User)
		seen.mu.Unlock()
		return c.User, true
	})
	return nc, seen
}

// eventually polls cond every 250ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
