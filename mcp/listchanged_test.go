package mcp

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

const (
	toolsChanged   = string(mcpgo.MethodNotificationToolsListChanged)
	promptsChanged = string(mcpgo.MethodNotificationPromptsListChanged)
)

// ping sends a request that is not a list of tools or prompts.
func ping(t testing.TB, c *client.Client) {
	t.Helper()
	ask(t, "resources/list", func(ctx context.Context) (*mcpgo.ListResourcesResult, error) {
		return c.ListResources(ctx, mcpgo.ListResourcesRequest{})
	})
}

func TestCapabilitiesDeclareListChanged(t *testing.T) {
	srv := newTestServer(t, nctest.New(t))
	cl, err := client.NewInProcessClient(srv.MCP())
	if err != nil {
		t.Fatal(err)
	}
	res := startAt(t, cl, "inprocess", mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	if res.Capabilities.Tools == nil || !res.Capabilities.Tools.ListChanged || res.Capabilities.Prompts == nil || !res.Capabilities.Prompts.ListChanged {
		t.Fatalf("capabilities %+v %+v: want listChanged for tools and prompts", res.Capabilities.Tools, res.Capabilities.Prompts)
	}
}

// An app turned off and on in Nextcloud while the session is idle: the
// poll re-reads capabilities and tells the session both lists changed.
func TestListChangedWhenAppToggled(t *testing.T) {
	for _, kind := range []string{"stdio", "sse", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			srv := newTestServer(t, nc, func(o *Options) { o.DetectApps, o.CapsTTL = true, 20*time.Millisecond })
			c := connectAt(t, srv, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
			n := watchNotifications(c)
			if _, ok := listedTools(t, c)["nc_deck_list_boards"]; !ok {
				t.Fatal("deck tools missing while Deck is on")
			}
			if !slices.Contains(listedPrompts(t, c), "plan_my_day") {
				t.Fatal("plan_my_day missing while Deck is on")
			}

			nc.SetDisabled("deck", true)
			n.waitFor(t, toolsChanged, 1)
			n.waitFor(t, promptsChanged, 1)
			if _, ok := listedTools(t, c)["nc_deck_list_boards"]; ok {
				t.Fatal("deck tools still listed after Deck was turned off")
			}
			if slices.Contains(listedPrompts(t, c), "plan_my_day") {
				t.Fatal("plan_my_day still listed after Deck was turned off")
			}

			nc.SetDisabled("deck", false)
			n.waitFor(t, toolsChanged, 2)
			n.waitFor(t, promptsChanged, 2)
			if _, ok := listedTools(t, c)["nc_deck_list_boards"]; !ok {
				t.Fatal("deck tools not back after Deck was turned on")
			}
		})
	}
}

// A call that finds its app off makes the server re-read capabilities at
// once, even with a long cache (and so no poll in the test's lifetime).
func TestListChangedWhenCallFindsAppOff(t *testing.T) {
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			srv := newTestServer(t, nc, func(o *Options) { o.DetectApps, o.CapsTTL = true, time.Hour })
			c := connectAt(t, srv, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
			n := watchNotifications(c)
			if _, ok := listedTools(t, c)["nc_deck_list_boards"]; !ok {
				t.Fatal("deck tools missing while Deck is on")
			}
			nc.SetDisabled("deck", true)
			wantError(t, callTool(t, c, "nc_deck_list_boards", map[string]any{}), "not installed or not enabled")
			n.waitFor(t, toolsChanged, 1)
			if _, ok := listedTools(t, c)["nc_deck_list_boards"]; ok {
				t.Fatal("deck tools still listed after a call found Deck off")
			}
		})
	}
}

// A token with more scopes (after consent or step-up) changes the list on
// its next request; only the sessions whose list changes are told.
func TestListChangedWhenScopesGrow(t *testing.T) {
	var scopes atomic.Pointer[[]string]
	scopes.Store(&[]string{"notes:read"})
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) {
		o.DynamicToolsets = true
		o.Scopes = func(context.Context) ([]string, bool) { return *scopes.Load(), true }
	})
	a := connectAt(t, srv, "http", mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	b := connectAt(t, srv, "http", mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	na, nb := watchNotifications(a), watchNotifications(b)
	callTool(t, a, "nc_toolsets_enable", map[string]any{"toolset": "notes"})
	na.waitFor(t, toolsChanged, 1)
	if _, ok := listedTools(t, a)["nc_notes_create"]; ok {
		t.Fatal("nc_notes_create listed with notes:read only")
	}
	listedTools(t, b) // b lists the discovery tools only

	ping(t, a)
	ping(t, b)
	if na.count(toolsChanged) != 1 || nb.count(toolsChanged) != 0 {
		t.Fatalf("list_changed sent without a change: a %d (want 1), b %d (want 0)", na.count(toolsChanged), nb.count(toolsChanged))
	}

	scopes.Store(&[]string{"notes:write"})
	ping(t, a)
	na.waitFor(t, toolsChanged, 2)
	if _, ok := listedTools(t, a)["nc_notes_create"]; !ok {
		t.Fatal("nc_notes_create not listed after the token gained notes:write")
	}
	// b has not enabled notes: its list is the same, so it hears nothing.
	ping(t, b)
	if nb.count(toolsChanged) != 0 {
		t.Fatalf("session b was told its list changed (%d), but it did not", nb.count(toolsChanged))
	}
}
