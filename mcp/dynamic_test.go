package mcp

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// notifications collects the notifications a client receives, by method.
type notifications struct {
	mu   sync.Mutex
	got  []string
	wake chan struct{}
}

func watchNotifications(c *client.Client) *notifications {
	n := &notifications{wake: make(chan struct{}, 100)}
	c.OnNotification(func(m mcpgo.JSONRPCNotification) {
		n.mu.Lock()
		n.got = append(n.got, m.Method)
		n.mu.Unlock()
		select {
		case n.wake <- struct{}{}:
		default:
		}
	})
	return n
}

func (n *notifications) count(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := 0
	for _, m := range n.got {
		if m == method {
			k++
		}
	}
	return k
}

// waitFor waits until method has been received want times; the deadline
// only bounds a failing test.
func (n *notifications) waitFor(t testing.TB, method string, want int) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for n.count(method) < want {
		select {
		case <-n.wake:
		case <-deadline:
			t.Fatalf("got %d %s notifications, want %d (all: %v)", n.count(method), method, want, n.got)
		}
	}
}

// checkedCall calls a discovery tool and checks a successful result
// against the tool's output schema (they are not wrapped by newTestServer).
func checkedCall(t testing.TB, srv *Server, c *client.Client, name string, args any) *mcpgo.CallToolResult {
	t.Helper()
	res := callTool(t, c, name, args)
	tl, ok := srv.Tool(name)
	if !ok {
		t.Fatalf("server has no tool %s", name)
	}
	if !res.IsError && res.StructuredContent != nil {
		if err := validateOutput(tl, res); err != nil {
			t.Fatal(err)
		}
		outputChecked.Store(name, true)
	}
	return res
}

var discoveryNames = []string{"nc_toolsets_enable", "nc_toolsets_list", "nc_toolsets_list_tools"}

func TestDynamicToolsetsOnDemand(t *testing.T) {
	for _, kind := range []string{"stdio", "sse", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t, nctest.WithDisabledApp("deck"))
			srv := newTestServer(t, nc, func(o *Options) { o.DynamicToolsets, o.DetectApps = true, true })
			c := connectAt(t, srv, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
			notes := watchNotifications(c)

			if got := slices.Sorted(maps.Keys(listedTools(t, c))); !slices.Equal(got, discoveryNames) {
				t.Fatalf("a new session lists %v, want only the discovery tools %v", got, discoveryNames)
			}

			var list toolsetsListOut
			decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_list", map[string]any{}), &list)
			byName := map[string]toolsetInfo{}
			for _, ts := range list.Toolsets {
				byName[ts.Name] = ts
			}
			wantNotes := len(NotesToolset(&Env{}).Tools)
			if n := byName["notes"]; !n.Available || n.Enabled || n.Tools != wantNotes || n.Description == "" {
				t.Fatalf("notes toolset: %+v, want available, not enabled, %d tools, a description", n, wantNotes)
			}
			if d := byName["deck"]; d.Available || d.Enabled || !strings.Contains(d.Reason, `app "deck" (Deck) is not installed or not enabled`) {
				t.Fatalf("deck toolset (app off): %+v, want unavailable with the reason", d)
			}
			if _, ok := byName["index"]; ok {
				t.Fatal("the index toolset, empty without offline access, is listed")
			}
			if byName["files"].Tools < 17 {
				t.Fatalf("files toolset %+v should join files and file extras", byName["files"])
			}

			wantError(t, callTool(t, c, "nc_notes_list", map[string]any{}), "nc_notes_list", `toolset "notes"`, "nc_toolsets_enable")
			wantError(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "deck"}), `toolset "deck" cannot be enabled`, `"deck"`, "not installed or not enabled")
			wantError(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "nope"}), `unknown toolset "nope"`, "notes")

			var tools toolsetsToolsOut
			decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_list_tools", map[string]any{"toolset": "notes"}), &tools)
			if tools.Enabled || len(tools.Tools) != wantNotes || tools.Tools[0].Name != "nc_notes_list" || tools.Tools[0].Description == "" || !tools.Tools[0].ReadOnly {
				t.Fatalf("notes tools before enabling: %+v", tools)
			}

			var en toolsetsEnableOut
			decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "notes"}), &en)
			if en.AlreadyEnabled || !slices.Contains(en.Tools, "nc_notes_create") {
				t.Fatalf("enable notes: %+v", en)
			}
			notes.waitFor(t, string(mcpgo.MethodNotificationToolsListChanged), 1)

			listed := listedTools(t, c)
			if len(listed) != 3+wantNotes {
				t.Fatalf("after enabling notes the session lists %d tools, want %d: %v", len(listed), 3+wantNotes, slices.Sorted(maps.Keys(listed)))
			}
			for _, n := range []string{"nc_notes_list", "nc_notes_delete", "nc_toolsets_enable"} {
				if _, ok := listed[n]; !ok {
					t.Fatalf("after enabling notes the session lacks %s", n)
				}
			}
			if res := callTool(t, c, "nc_notes_list", map[string]any{}); res.IsError {
				t.Fatalf("nc_notes_list after enabling: %s", resultText(res))
			}
			wantError(t, callTool(t, c, "nc_files_list", map[string]any{"path": "/"}), `toolset "files"`)

			decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "notes"}), &en)
			if !en.AlreadyEnabled {
				t.Fatal("enabling notes twice did not say already_enabled")
			}
			decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_list_tools", map[string]any{"toolset": "notes"}), &tools)
			if !tools.Enabled {
				t.Fatal("nc_toolsets_list_tools does not show notes enabled")
			}

			if kind == "stdio" {
				return // one stdio session per server
			}
			// Another session of the same server starts from scratch.
			other := connectAt(t, srv, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
			if got := slices.Sorted(maps.Keys(listedTools(t, other))); !slices.Equal(got, discoveryNames) {
				t.Fatalf("a second session lists %v: toolsets leaked between sessions", got)
			}
			wantError(t, callTool(t, other, "nc_notes_list", map[string]any{}), "has not enabled")
		})
	}
}

func TestDynamicToolsetsFollowScopes(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) {
		o.DynamicToolsets = true
		o.Scopes = func(context.Context) ([]string, bool) { return []string{"notes:read"}, true }
	})
	c := connectAt(t, srv, "http", mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	wantError(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "files"}),
		`toolset "files" cannot be enabled`, "none of the OAuth scopes files:read, files:write")
	wantError(t, checkedCall(t, srv, c, "nc_toolsets_list_tools", map[string]any{"toolset": "deck"}), "deck:read")

	var en toolsetsEnableOut
	decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "notes"}), &en)
	if slices.Contains(en.Tools, "nc_notes_create") || !slices.Contains(en.Tools, "nc_notes_get") {
		t.Fatalf("with notes:read only, enabled tools %v should be the read tools", en.Tools)
	}
	checkListing(t, listedTools(t, c), "nc_notes_get", "nc_notes_create", "with notes:read only and notes enabled")
}

// Without the setting nothing changes: every allowed tool, no discovery tools.
func TestDynamicToolsetsOffByDefault(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	checkListing(t, listedTools(t, connect(t, srv, "inprocess")), "nc_deck_list_boards", "nc_toolsets_list", "without DynamicToolsets")
}

// Protocol 2026-07-28 has no sessions to keep a choice in: such a caller
// sees every allowed tool, as without the setting.
func TestDynamicToolsetsSessionless(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) { o.DynamicToolsets = true })
	c := connect(t, srv, "http")
	listed := listedTools(t, c)
	for _, n := range []string{"nc_toolsets_enable", "nc_notes_list", "nc_deck_list_boards"} {
		if _, ok := listed[n]; !ok {
			t.Fatalf("a sessionless caller lacks %s", n)
		}
	}
	var en toolsetsEnableOut
	decodeStructured(t, checkedCall(t, srv, c, "nc_toolsets_enable", map[string]any{"toolset": "deck"}), &en)
	if !en.AlreadyEnabled {
		t.Fatalf("sessionless enable: %+v, want already_enabled", en)
	}
}
