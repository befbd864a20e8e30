package mcp

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// scopedIndexServer serves a fresh index holding a note and a file, and
// live providers for both, to a caller holding exactly scopes.
func scopedIndexServer(t *testing.T, scopes ...string) (*fakeIndex, *Server) {
	t.Helper()
	nc := nctest.New(t)
	for _, app := range []string{"notes", "files"} {
		nc.AddSearchProvider(nctest.SearchProvider{ID: app, AppID: app, Name: app, Search: func(_, term string) []nctest.SearchHit {
			return []nctest.SearchHit{{Title: "live " + app + " " + term}}
		}})
	}
	idx := &fakeIndex{synced: time.Now().Add(-time.Minute), items: []IndexHit{
		{App: "notes", ID: "7", Title: "Budget note", Snippet: "NOTE BODY salary figures"},
		{App: "files", ID: "9", Title: "Budget file", Snippet: "FILE TEXT bank details"},
	}}
	srv := newTestServer(t, nc, func(o *Options) {
		o.Toolsets = DefaultToolsets(&Env{Index: idx})
		o.Scopes = func(context.Context) ([]string, bool) { return scopes, true }
	})
	return idx, srv
}

// TestIndexSearchKeepsToAppScopes: nc_search answers from the index (and
// live) only with the apps whose <app>:read scope the token carries
// (issue 15, item 2).
func TestIndexSearchKeepsToAppScopes(t *testing.T) {
	_, srv := scopedIndexServer(t, "search:read")
	c := connect(t, srv, "inprocess")
	res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "index"})
	wantError(t, res, "insufficient_scope", "notes:read", "files:read")
	for _, mode := range []string{"auto", "live"} {
		res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": mode})
		wantError(t, res, "insufficient_scope")
		if text := resultText(res); strings.Contains(text, "NOTE BODY") || strings.Contains(text, "FILE TEXT") || strings.Contains(text, "live ") {
			t.Fatalf("mode %s with search:read alone returned app data: %s", mode, text)
		}
	}

	idx, srv := scopedIndexServer(t, "search:read", "notes:read")
	c = connect(t, srv, "inprocess")
	for _, mode := range []string{"index", "auto"} {
		var out searchOut
		res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": mode})
		decodeStructured(t, res, &out)
		if out.Source != "index" || len(out.Results) != 1 || out.Results[0].Provider != "notes" || strings.Contains(resultText(res), "FILE TEXT") {
			t.Fatalf("mode %s with notes:read: %+v", mode, out)
		}
	}
	if q := idx.queries[len(idx.queries)-1]; !slices.Equal(q.Apps, []string{"notes"}) {
		t.Fatalf("the index was asked for apps %v, want only notes", q.Apps)
	}
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "index", "providers": []string{"files"}}), "insufficient_scope", "files:read")
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "live", "providers": []string{"notes", "files"}}), "insufficient_scope", "files:read")
	var out searchOut
	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "live"}), &out)
	if len(out.Results) != 1 || out.Results[0].Provider != "notes" {
		t.Fatalf("live with notes:read: %+v", out.Results)
	}
}

// TestIndexToolsNeedScopes: a token without search scopes can neither
// read the index state nor pause or wipe it (issue 15, item 14).
func TestIndexToolsNeedScopes(t *testing.T) {
	idx, srv := scopedIndexServer(t)
	c := connect(t, srv, "inprocess")
	for tool, scope := range map[string]string{"nc_index_status": "search:read", "nc_index_pause": "search:write", "nc_index_resume": "search:write", "nc_index_wipe": "search:write"} {
		wantError(t, callTool(t, c, tool, map[string]any{}), "insufficient_scope", scope)
		if _, listed := listedTools(t, c)[tool]; listed {
			t.Errorf("%s is listed to a token without %s", tool, scope)
		}
	}
	if len(idx.items) != 2 || idx.paused {
		t.Fatalf("a scope-less token changed the index: %d items, paused %v", len(idx.items), idx.paused)
	}
	idx, srv = scopedIndexServer(t, "search:write")
	c = connect(t, srv, "inprocess")
	if res := callTool(t, c, "nc_index_wipe", map[string]any{}); res.IsError || len(idx.items) != 0 {
		t.Fatalf("wipe with search:write: %s", resultText(res))
	}
}
