package mcp

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

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
