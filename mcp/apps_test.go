package mcp

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type pingIn struct{}
type pingOut struct {
	OK bool `json:"ok"`
}

func deckLikeToolset() Toolset {
	return Toolset{Name: "probe", App: nextcloud.DeckApp, Tools: []Tool{
		NewTool(Spec{Name: "nc_probe_ping", Scope: "probe:read", Kind: Read},
			func(context.Context, *nextcloud.Client, pingIn) (pingOut, error) { return pingOut{OK: true}, nil }),
	}}
}

func listNames(t *testing.T, srv *Server) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for n := range listedTools(t, connect(t, srv, "inprocess")) {
		names[n] = true
	}
	return names
}

func TestAppDetectionHidesMissingApps(t *testing.T) {
	tests := []struct {
		name       string
		disabled   bool
		detect     bool
		wantListed bool
	}{
		{"installed", false, true, true},
		{"missing and detected", true, true, false},
		{"missing, detection overridden", true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []nctest.Option
			if tc.disabled {
				opts = append(opts, nctest.WithDisabledApp("deck"))
			}
			nc := nctest.New(t, opts...)
			srv := newTestServer(t, nc, func(o *Options) {
				o.Toolsets = append(o.Toolsets, deckLikeToolset())
				o.DetectApps = tc.detect
			})
			names := listNames(t, srv)
			if names["nc_probe_ping"] != tc.wantListed {
				t.Fatalf("listed=%v, want %v", names["nc_probe_ping"], tc.wantListed)
			}
			if !names["nc_capabilities"] {
				t.Fatal("core tool hidden")
			}
			res := callTool(t, connect(t, srv, "inprocess"), "nc_probe_ping", map[string]any{})
			if tc.wantListed {
				var out pingOut
				decodeStructured(t, res, &out)
			} else {
				wantError(t, res, `nc_probe_ping cannot work`, `app "deck" (Deck) is not installed or not enabled`, "ask an administrator")
			}
		})
	}
}

func TestScopesFilterListAndCalls(t *testing.T) {
	nc := nctest.New(t)
	scopes := []string{"probe.read"} // the dotted spelling counts too
	srv := newTestServer(t, nc, func(o *Options) {
		o.Toolsets = []Toolset{deckLikeToolset(), CoreToolset(&Env{})}
		o.Toolsets[1].Tools[0].Scope = "core:read"
		o.Scopes = func(context.Context) ([]string, bool) { return scopes, true }
	})
	names := listNames(t, srv)
	if !names["nc_probe_ping"] || names["nc_capabilities"] {
		t.Fatalf("scope filter wrong: %v", names)
	}
	res := callTool(t, connect(t, srv, "inprocess"), "nc_capabilities", map[string]any{})
	wantError(t, res, "insufficient_scope", `"core:read"`)
}

// TestHasScope: mcp.HasScope is the one rule (scope_test.go has the table).
func TestHasScope(t *testing.T) {
	if !HasScope([]string{"notes.write"}, "notes:read") || HasScope([]string{"notes:read"}, "notes:write") {
		t.Error("HasScope is not scope.Has")
	}
}
