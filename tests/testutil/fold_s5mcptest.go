package testutil

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
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
