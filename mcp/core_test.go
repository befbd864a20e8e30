package mcp

import (
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestCapabilitiesOverEveryTransport(t *testing.T) {
	overTransports(t, newTestServer(t, nctest.New(t)), func(t *testing.T, c *client.Client, _ string) {
		out := call[capabilitiesOut](t, c, "nc_capabilities", map[string]any{})
		if out.Version != "31.0.5" || out.User != "admin" {
			t.Fatalf("got version %q user %q", out.Version, out.User)
		}
		if _, ok := out.Capabilities["files"]; !ok {
			t.Fatalf("capabilities lack files: %v", out.Capabilities)
		}
	})
}

func TestUnknownArgumentIsAnErrorResult(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	res := callTool(t, c, "nc_capabilities", map[string]any{"bogus": 1})
	wantError(t, res, "bogus")
}
