package mcp

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// newTestServer builds the MCP server with every toolset, acting as the
// test Nextcloud's user "admin" unless login is given.
func newTestServer(t testing.TB, nc *nctest.Server, mutate ...func(*Options)) *Server {
	t.Helper()
	c := nc.Client(t, "admin")
	opts := Options{
		Name: "nextcloud-mcp-server", Version: "test",
		Toolsets: DefaultToolsets(&Env{}),
		Client:   func(context.Context) (*nextcloud.Client, error) { return c, nil },
	}
	for _, m := range mutate {
		m(&opts)
	}
	if _, bench := t.(*testing.B); !bench {
		// Benchmarks measure the call path as it runs in production,
		// without this test-only check (about 140 allocations a call).
		opts.Toolsets = checkOutputs(t, opts.Toolsets)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("new MCP server: %v", err)
	}
	return srv
}

// transports lists the ways tests reach the server.
var transports = []string{"inprocess", "stdio", "sse", "http"}

// connect returns an initialized MCP client over the given transport.
func connect(t testing.TB, srv *Server, kind string) *client.Client {
	t.Helper()
	return connectAt(t, srv, kind, mcpgo.LATEST_PROTOCOL_VERSION)
}

// connectAt is connect asking for protocol version; a version before
// 2026-07-28 gets a session, and its streamable HTTP client also listens
// for notifications between requests.
func connectAt(t testing.TB, srv *Server, kind, version string) *client.Client {
	t.Helper()
	var c *client.Client
	var err error
	switch kind {
	case "inprocess":
		c, err = client.NewInProcessClient(srv.MCP())
	case "stdio":
		c = stdioClient(t, srv)
	case "sse":
		ts := httptest.NewServer(srv.HTTPHandler(HTTPOptions{}))
		t.Cleanup(ts.Close)
		c, err = client.NewSSEMCPClient(ts.URL + "/sse")
	case "http":
		ts := httptest.NewServer(srv.HTTPHandler(HTTPOptions{}))
		t.Cleanup(ts.Close)
		var o []transport.StreamableHTTPCOption
		if !mcpgo.IsModernProtocol(version) {
			//lint:ignore SA1019 sessions before protocol 2026-07-28 get server notifications on the GET stream
			o = append(o, transport.WithContinuousListening())
		}
		c, err = client.NewStreamableHttpClient(ts.URL+"/mcp", o...)
	default:
		t.Fatalf("unknown transport %q", kind)
	}
	if err != nil {
		t.Fatalf("%s client: %v", kind, err)
	}
	startAt(t, c, kind, version)
	return c
}

// overTransports runs check as one subtest per transport, with a client
// of srv connected over it.
func overTransports(t *testing.T, srv *Server, check func(t *testing.T, c *client.Client, kind string)) {
	t.Helper()
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) { check(t, connect(t, srv, kind), kind) })
	}
}

// stdioClient is a client of srv served over stdio through pipes, the
// server stopped when the test ends.
func stdioClient(t testing.TB, srv *Server) *client.Client {
	return stdioClientAs(t, srv, nil)
}

// stdioClientAs is stdioClient with a context function naming the caller
// (ServeStdio's ctxFunc).
func stdioClientAs(t testing.TB, srv *Server, ctxFunc func(context.Context) context.Context) *client.Client {
	return testutil.StdioClient(t, func(ctx context.Context, in io.Reader, out io.Writer) {
		_ = srv.ServeStdio(ctx, in, out, ctxFunc)
	})
}

// callTool calls a tool and fails the test on a protocol error.
func callTool(t testing.TB, c *client.Client, name string, args any) *mcpgo.CallToolResult {
	t.Helper()
	return callToolMeta(t, c, name, args, nil)
}

// callToolMeta is callTool with the request's _meta (a progress token).
func callToolMeta(t testing.TB, c *client.Client, name string, args any, meta *mcpgo.Meta) *mcpgo.CallToolResult {
	t.Helper()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	req.Params.Meta = meta
	return ask(t, "call "+name, func(ctx context.Context) (*mcpgo.CallToolResult, error) {
		return c.CallTool(ctx, req)
	})
}

// listedTools returns the tools a client sees, by name.
func listedTools(t testing.TB, c *client.Client) map[string]mcpgo.Tool {
	t.Helper()
	res := ask(t, "list tools", func(ctx context.Context) (*mcpgo.ListToolsResult, error) {
		return c.ListTools(ctx, mcpgo.ListToolsRequest{})
	})
	out := map[string]mcpgo.Tool{}
	for _, tl := range res.Tools {
		out[tl.Name] = tl
	}
	return out
}

// wantTools fails the test unless listed has every tool in shown and none
// in hidden; when says in which situation.
func wantTools(t testing.TB, listed map[string]mcpgo.Tool, when string, shown, hidden []string) {
	t.Helper()
	for _, n := range shown {
		if _, ok := listed[n]; !ok {
			t.Fatalf("%s: %s is not listed", when, n)
		}
	}
	for _, n := range hidden {
		if _, ok := listed[n]; ok {
			t.Fatalf("%s: %s is listed", when, n)
		}
	}
}

// checkReadOnlyListing connects to a read-only server and checks that it
// lists every read tool and none of the write tools.
func checkReadOnlyListing(t testing.TB, nc *nctest.Server, read, write []string) map[string]mcpgo.Tool {
	t.Helper()
	listed := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true }), "inprocess"))
	wantTools(t, listed, "read-only server", read, write)
	return listed
}

// resultText joins the text contents of a result.
func resultText(res *mcpgo.CallToolResult) string {
	out := ""
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			out += tc.Text
		}
	}
	return out
}

// decodeStructured decodes a result's structured content into v.
func decodeStructured(t testing.TB, res *mcpgo.CallToolResult, v any) {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool returned error: %s", resultText(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("marshal structured content: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode structured content %s: %v", b, err)
	}
}

// wantError asserts an error result whose text contains every fragment.
func wantError(t testing.TB, res *mcpgo.CallToolResult, fragments ...string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("want error result, got success: %s", resultText(res))
	}
	text := resultText(res)
	for _, f := range fragments {
		if !strings.Contains(text, f) {
			t.Fatalf("error text %q lacks %q", text, f)
		}
	}
}

// connectNC connects an in-process MCP client to a default server on the
// test Nextcloud nc.
func connectNC(t testing.TB, nc *nctest.Server) *client.Client {
	t.Helper()
	return connect(t, newTestServer(t, nc), "inprocess")
}

// callRes is call that also returns the raw result, for tests that read
// its text too.
func callRes[T any](t *testing.T, c *client.Client, name string, args map[string]any) (T, *mcpgo.CallToolResult) {
	t.Helper()
	var out T
	res := callTool(t, c, name, args)
	decodeStructured(t, res, &out)
	return out, res
}

// sink collects the notifications of one method a client receives, each
// made a T, so that a test can wait for what it expects.
type sink[T any] struct {
	mu  sync.Mutex
	got []T
}

// listen collects c's notifications of method, each made a T by conv from
// the notification's params.
func (s *sink[T]) listen(c *client.Client, method string, conv func(params map[string]any) T) {
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method != method {
			return
		}
		v := conv(n.Params.AdditionalFields)
		s.mu.Lock()
		s.got = append(s.got, v)
		s.mu.Unlock()
	})
}

// await returns (and forgets) what arrived once done holds for it; after
// 10s the test fails with "waited 10s for " what.
func (s *sink[T]) await(t testing.TB, what string, done func([]T) bool) []T {
	t.Helper()
	var out []T
	ok := eventually(func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !done(s.got) {
			return false
		}
		out, s.got = s.got, nil
		return true
	})
	if !ok {
		t.Fatalf("waited 10s for %s", what)
	}
	return out
}

// eventually reports whether cond holds within 10s, asking every 5ms; the
// bound only ends a failing test.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// ask sends one request with do, bounded by 20s, and fails the test on a
// protocol error, saying what was asked.
func ask[R any](t testing.TB, what string, do func(context.Context) (R, error)) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := do(ctx)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return res
}

// createNote creates a note through c for a test's set-up.
func createNote(t testing.TB, c *nextcloud.Client, title, content string) *nextcloud.Note {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		t.Fatalf("create note %q: %v", title, err)
	}
	return n
}

// startAt starts c, closed when the test ends, and initializes it asking
// for protocol version, declaring caps when given; kind names the
// transport in failures.
func startAt(t testing.TB, c *client.Client, kind, version string, caps ...mcpgo.ClientCapabilities) *mcpgo.InitializeResult {
	t.Helper()
	// Start's context lives as long as the SSE stream, so not a bounded one.
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("%s start: %v", kind, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = version
	init.Params.ClientInfo = mcpgo.Implementation{Name: "test", Version: "1"}
	for _, cp := range caps {
		init.Params.Capabilities = cp
	}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatalf("%s initialize: %v", kind, err)
	}
	return res
}

// checkListedTools asserts that each of names is listed with a title, a
// description, annotations and both schemas, and that read(name) decides
// both its readOnlyHint and its scope (readScope, else writeScope).
func checkListedTools(t *testing.T, srv *Server, tools map[string]mcpgo.Tool, names []string, read func(string) bool, readScope, writeScope string) {
	t.Helper()
	for _, name := range names {
		tool, ok := tools[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		if tool.Annotations.Title == "" || tool.Annotations.ReadOnlyHint == nil || tool.Description == "" || tool.InputSchema.Type != "object" || len(toolNamed(t, name).OutputSchema()) == 0 {
			t.Errorf("%s lacks title, description, annotations or schemas", name)
			continue
		}
		r := read(name)
		want := map[bool]string{true: readScope, false: writeScope}[r]
		if st, _ := srv.Tool(name); st.Scope != want || *tool.Annotations.ReadOnlyHint != r {
			t.Errorf("%s: scope %q readOnlyHint %v, want %q and %v", name, st.Scope, *tool.Annotations.ReadOnlyHint, want, r)
		}
	}
}

// overFreshServers runs f as a subtest per transport kind, with a client
// connected over it to a fresh server from serve (overTransports shares one).
func overFreshServers(t *testing.T, kinds []string, serve func(t *testing.T) *Server, f func(t *testing.T, kind string, c *client.Client)) {
	t.Helper()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { f(t, kind, connect(t, serve(t), kind)) })
	}
}
