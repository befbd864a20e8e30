// Package cluster runs three server processes behind a round-robin proxy,
// drives them with the load tool over streamable HTTP, and kills one
// replica mid-run: every session keeps working through the other
// replicas, because each replica verifies the others' signed session ids.
// The OAuth run (oauth_test.go) adds PostgreSQL, offline grants and
// background jobs: no grant lost or forked, no job run twice.
package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/load"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// replica is one server process on a fixed loopback address, so that a
// restart comes back where the proxy expects it.
type replica struct {
	bin, addr string
	env       []string
	mu        sync.Mutex
	cmd       *exec.Cmd
	done      chan struct{}
	log       testutil.SyncBuffer
}

func (r *replica) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(r.bin, "--transport", "http", "--listen", r.addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", r.addr, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + r.addr + "/health/live"); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-done:
			t.Fatalf("replica %s exited: %s", r.addr, r.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("replica %s did not answer: %s", r.addr, r.log.String())
}

// signal sends sig to the running process and gives the channel closed
// when it exits; false when it was never started.
func (r *replica) signal(sig syscall.Signal) (<-chan struct{}, bool) {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return nil, false
	}
	_ = cmd.Process.Signal(sig)
	return done, true
}

// kill ends the process at once (SIGKILL: no clean shutdown).
func (r *replica) kill() {
	if done, ok := r.signal(syscall.SIGKILL); ok {
		<-done
	}
}

// stop ends the process as an orchestrator does (SIGTERM), killing it if
// it has not exited after 30s.
func (r *replica) stop(t *testing.T) {
	done, ok := r.signal(syscall.SIGTERM)
	if !ok {
		return
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("replica %s did not stop on SIGTERM", r.addr)
		r.kill()
	}
}

// roundRobin sends each request to the next replica; a replica that
// refuses the connection (dead) is skipped, as a load balancer's health
// checks would. Nothing else is retried.
type roundRobin struct {
	backends []*url.URL
	next     atomic.Uint64
	skipped  atomic.Int64
	// cut counts requests that reached a replica and got no answer: the
	// calls in flight on it when it was killed.
	cut  atomic.Int64
	base http.RoundTripper
}

func (p *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	var lastErr error
	start := p.next.Add(1)
	for i := range uint64(len(p.backends)) {
		b := p.backends[(start+i)%uint64(len(p.backends))]
		out := req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host = b.Scheme, b.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := p.base.RoundTrip(out)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			p.skipped.Add(1)
			lastErr = err
			continue
		}
		if err != nil {
			p.cut.Add(1)
		}
		return resp, err
	}
	return nil, lastErr
}

func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nextcloud-mcp-server")
	cmd := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, "../../cmd/nextcloud-mcp-server")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	return bin
}

// TestThreeReplicasSurviveAKill: 30 sessions call tools through the
// proxy, each call going to the next replica; a third into the run one
// replica is killed, two thirds in it is restarted. Every session keeps
// working (only the calls in flight on the killed replica fail), and a
// session opened before the kill works on every replica afterwards, the
// restarted one included.
func TestThreeReplicasSurviveAKill(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" { // CI=true never skips a real part
		t.Skip("the cluster test starts three server processes; skipped with -short")
	}
	ctx := context.Background()
	target, err := load.StartTarget(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildServer(t)
	env := []string{"NEXTCLOUD_HOST=" + target.Nextcloud.URL, "NEXTCLOUD_USERNAME=admin", "NEXTCLOUD_PASSWORD=admin-pass",
		"NEXTCLOUD_MCP_AUTH=basic", "TOKEN_ENCRYPTION_KEY=" + key}
	var reps []*replica
	var backends []*url.URL
	for range 3 {
		r := &replica{bin: bin, addr: testutil.FreeAddr(t), env: env}
		r.start(t)
		t.Cleanup(r.kill)
		reps = append(reps, r)
		backends = append(backends, &url.URL{Scheme: "http", Host: r.addr})
	}
	rr := &roundRobin{backends: backends, base: &http.Transport{MaxIdleConnsPerHost: 64}}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(*httputil.ProxyRequest) {}, Transport: rr, FlushInterval: -1,
		ErrorLog: log.New(io.Discard, "", 0)})
	defer proxy.Close()

	// One session opened before the kill, used after the restart.
	early, err := client.NewStreamableHttpClient(proxy.URL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	if err := early.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-11-25"
	init.Params.ClientInfo = mcpgo.Implementation{Name: "cluster-test", Version: "1"}
	if _, err := early.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}

	const duration = 24 * time.Second
	killed := make(chan struct{})
	go func() {
		time.Sleep(duration / 3)
		reps[1].kill()
		time.Sleep(duration / 3)
		reps[1].start(t)
		close(killed)
	}()
	rep, err := load.Run(ctx, load.Config{URL: proxy.URL, Transport: "http", Sessions: 30, Duration: duration, Calls: target.Mix()})
	<-killed
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("three replicas, one killed and restarted: %s; connections refused by the dead replica and sent on: %d", rep, rr.skipped.Load())
	// SIGKILL loses the calls in flight on that replica (at most one per
	// session); every other call succeeds.
	if rep.ToolErrors != 0 || rep.Errors != rr.cut.Load() || rep.Errors > int64(rep.Sessions) {
		t.Fatalf("calls failed beyond those in flight on the killed replica (%d): %s %v", rr.cut.Load(), rep, rep.FirstErrors)
	}
	// The early session works on every replica, the restarted one too.
	for i := range 2 * len(reps) {
		req := mcpgo.CallToolRequest{}
		req.Params.Name = "nc_notes_list"
		req.Params.Arguments = map[string]any{}
		res, err := early.CallTool(ctx, req)
		if err != nil || res.IsError {
			t.Fatalf("call %d of the session opened before the kill: %v %+v", i, err, res)
		}
	}
	if rr.skipped.Load() == 0 {
		t.Fatal("no request met the dead replica: the kill did not happen during the run")
	}
	if rep.Calls < 100 {
		t.Fatalf("too few calls to tell: %s", rep)
	}
}
