package testutil

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

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
