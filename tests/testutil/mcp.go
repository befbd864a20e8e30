package testutil

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// StdioClient is an MCP client of a server that serve runs over a pair of
// pipes, as it would over stdin and stdout; serve's context ends, and the
// server with it, when the test ends. The client is not started.
func StdioClient(t testing.TB, serve func(ctx context.Context, in io.Reader, out io.Writer)) *client.Client {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(ctx, inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() { cancel(); inW.Close(); <-done })
	return client.NewClient(transport.NewIO(outR, inW, io.NopCloser(strings.NewReader(""))))
}

// Initialize starts c and runs the MCP handshake at the latest protocol
// version, introducing the client as name.
func Initialize(ctx context.Context, c *client.Client, name string) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpgo.Implementation{Name: name, Version: "1"}
	_, err := c.Initialize(ctx, init)
	return err
}

// ResultText joins the text contents of a tool result.
func ResultText(res *mcpgo.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcpgo.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// PostMCP posts one JSON-RPC message to base's /mcp endpoint with a
// bearer token, as a streamable-HTTP client sends it, and gives the answer
// (its body closed).
func PostMCP(t testing.TB, base, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
