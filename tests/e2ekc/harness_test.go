// Package e2ekc runs the MCP server binary in OAuth mode against a real
// Keycloak (tests/kctest) and the test Nextcloud, which accepts a bearer
// token only after checking it against Keycloak (signature by JWKS and
// audience nextcloud, as user_oidc does, or through Keycloak's userinfo).
//
// One Keycloak serves the whole package (kctest.Start). Tests that mostly
// wait call t.Parallel; they run after the sequential ones, so a test that
// changes the shared Keycloak (stops it, rotates keys, edits permissions)
// must stay sequential and leave the realm set up as it found it.
package e2ekc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "e2ekc-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin = filepath.Join(dir, "nextcloud-mcp-server")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", serverBin, "github.com/nextcloud-mcp/nextcloud-mcp-server/cmd/nextcloud-mcp-server")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "e2ekc: building the server:", err)
		os.Exit(1)
	}
	code := kctest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// Verify says how the test Nextcloud checks bearer tokens.
type Verify int

const (
	// VerifyJWKS checks the signature with Keycloak's JWKS, the issuer,
	// expiry and aud nextcloud (user_oidc's self-encoded token check).
	VerifyJWKS Verify = iota
	// VerifyUserinfo asks Keycloak's userinfo endpoint.
	VerifyUserinfo
)

// Seen is one bearer token the test Nextcloud checked.
type Seen struct {
	User, AZP string
	OK        bool
	Reason    string // why it was refused
}

// bearerCheck verifies tokens for the test Nextcloud and records them.
type bearerCheck struct {
	kc   *kctest.Keycloak
	mode Verify

	mu   sync.Mutex
	keys *jose.JSONWebKeySet
	seen []Seen
}

func newNextcloud(t *testing.T, kc *kctest.Keycloak, mode Verify) (*nctest.Server, *bearerCheck) {
	t.Helper()
	var opts []nctest.Option
	for u, p := range kc.Users {
		opts = append(opts, nctest.WithUser(u, p))
	}
	nc := nctest.New(t, opts...)
	bc := &bearerCheck{kc: kc, mode: mode}
	nc.SetBearerAuth(func(tok string) (string, bool) {
		s := bc.check(tok)
		bc.mu.Lock()
		bc.seen = append(bc.seen, s)
		bc.mu.Unlock()
		return s.User, s.OK
	})
	return nc, bc
}

// Seen lists the checked tokens so far.
func (b *bearerCheck) Seen() []Seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.seen)
}

// Accepted reports whether a token of user was accepted.
func (b *bearerCheck) Accepted(user string) bool {
	return slices.ContainsFunc(b.Seen(), func(s Seen) bool { return s.OK && s.User == user })
}

func (b *bearerCheck) check(raw string) Seen {
	if b.mode == VerifyUserinfo {
		return b.userinfo(raw)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return Seen{Reason: "not a JWT: " + err.Error()}
	}
	var std jwt.Claims
	var claims struct {
		PreferredUsername string `json:"preferred_username"`
		AZP               string `json:"azp"`
	}
	for attempt := 0; attempt < 2; attempt++ {
		keys, err := b.jwks(attempt > 0)
		if err != nil {
			return Seen{Reason: err.Error()}
		}
		if err = tok.Claims(keys, &std, &claims); err == nil {
			break
		} else if attempt == 1 {
			return Seen{Reason: "signature: " + err.Error()}
		}
	}
	if err := std.Validate(jwt.Expected{Issuer: b.kc.Issuer, AnyAudience: jwt.Audience{b.kc.NextcloudClientID}, Time: time.Now()}); err != nil {
		return Seen{User: claims.PreferredUsername, AZP: claims.AZP, Reason: err.Error()}
	}
	if claims.PreferredUsername == "" {
		return Seen{Reason: "no preferred_username"}
	}
	return Seen{User: claims.PreferredUsername, AZP: claims.AZP, OK: true}
}

// jwks returns Keycloak's keys, fetched again when refresh is set (an
// unknown key id after a rotation).
func (b *bearerCheck) jwks(refresh bool) (*jose.JSONWebKeySet, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys != nil && !refresh {
		return b.keys, nil
	}
	resp, err := http.Get(b.kc.JWKSURL())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ks jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&ks); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	b.keys = &ks
	return b.keys, nil
}

func (b *bearerCheck) userinfo(raw string) Seen {
	req, _ := http.NewRequest(http.MethodGet, b.kc.UserinfoURL(), nil)
	req.Header.Set("Authorization", "Bearer "+raw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Seen{Reason: err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return Seen{Reason: fmt.Sprintf("userinfo HTTP %d %s %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), bytes.TrimSpace(body))}
	}
	var ui struct {
		PreferredUsername string `json:"preferred_username"`
	}
	if err := json.Unmarshal(body, &ui); err != nil || ui.PreferredUsername == "" {
		return Seen{Reason: "userinfo without preferred_username"}
	}
	return Seen{User: ui.PreferredUsername, OK: true}
}

// mcpServer is the server binary running in OAuth mode.
type mcpServer struct {
	t    *testing.T
	Base string
	env  []string
	cmd  *exec.Cmd
	log  *testutil.SyncBuffer
	done chan struct{}
}

// oauthEnv is the server's environment for OAuth mode against kc (the
// settings an operator would use; README "Keycloak set-up").
func oauthEnv(kc *kctest.Keycloak, nc *nctest.Server) map[string]string {
	return map[string]string{
		"NEXTCLOUD_HOST": nc.URL, "NEXTCLOUD_MCP_AUTH": "oauth",
		"OIDC_ISSUER": kc.Issuer, "OIDC_CLIENT_ID": kc.ServerClientID, "OIDC_CLIENT_SECRET": kc.ServerClientSecret,
		"OIDC_AUDIENCE": kc.ServerClientID, "NEXTCLOUD_MCP_UPSTREAM": "exchange", "NEXTCLOUD_OIDC_AUDIENCE": kc.NextcloudClientID,
		"OIDC_USER_ID_CLAIM": "preferred_username", "NEXTCLOUD_MCP_LOG_LEVEL": "debug",
	}
}

// withOffline adds offline access (token store, background jobs).
func withOffline(t *testing.T, env map[string]string) (map[string]string, string) {
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	env["ENABLE_OFFLINE_ACCESS"] = "true"
	env["TOKEN_ENCRYPTION_KEY"] = key
	env["TOKEN_STORAGE_DB"] = filepath.Join(t.TempDir(), "tokens.db")
	return env, key
}

// startServer runs the server binary with env (plus transport and listen
// address) and waits until it is live; it stops when the test ends.
func startServer(t *testing.T, env map[string]string) *mcpServer {
	t.Helper()
	addr := testutil.FreeAddr(t)
	s := &mcpServer{t: t, Base: "http://" + addr, log: &testutil.SyncBuffer{}}
	s.env = append(os.Environ(), "NEXTCLOUD_MCP_TRANSPORT=http", "NEXTCLOUD_MCP_LISTEN="+addr, "NEXTCLOUD_MCP_SERVER_URL="+s.Base)
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *mcpServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(serverBin)
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.Base + "/health/live"); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("server exited at start: %s", s.log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.Stop()
	s.t.Fatalf("server not live after 60s: %s", s.log.String())
}

// Stop ends the server (SIGTERM, then kill) and waits for it.
func (s *mcpServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Restart stops and starts the server on the same address and database.
func (s *mcpServer) Restart() {
	s.Stop()
	s.start()
}

// Log is what the server wrote so far.
func (s *mcpServer) Log() string { return s.log.String() }

// mustSession opens a session with token; a refusal ends the test, with
// the server's log.
func (s *mcpServer) mustSession(ctx context.Context, t *testing.T, token string) *client.Client {
	t.Helper()
	c, err := s.session(ctx, token)
	if err != nil {
		t.Fatalf("MCP session: %v\n%s", err, s.Log())
	}
	return c
}

// session opens an MCP session over streamable HTTP with the bearer token.
func (s *mcpServer) session(ctx context.Context, token string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(s.Base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	s.t.Cleanup(func() { _ = c.Close() })
	if err := testutil.Initialize(ctx, c, "e2ekc"); err != nil {
		return nil, err
	}
	return c, nil
}

func callTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcpgo.CallToolResult, error) {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

func mcpListTools() mcpgo.ListToolsRequest { return mcpgo.ListToolsRequest{} }
