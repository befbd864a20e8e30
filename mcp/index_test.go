package mcp

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// fakeIndex is an IndexBackend with fixed content; the real one (storage)
// is tested in storage, jobs and cmd.
type fakeIndex struct {
	mu      sync.Mutex
	paused  bool
	synced  time.Time
	items   []IndexHit
	queries []IndexQuery
}

func (f *fakeIndex) Status(context.Context) (IndexStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := IndexStatus{User: "admin", Paused: f.paused, Items: len(f.items), Syncing: true}
	for _, app := range IndexApps {
		s.Apps = append(s.Apps, IndexAppStatus{App: app, LastRun: f.synced, LastSuccess: f.synced})
	}
	return s, nil
}

func (f *fakeIndex) SetPaused(_ context.Context, p bool) error {
	f.mu.Lock()
	f.paused = p
	f.mu.Unlock()
	return nil
}

func (f *fakeIndex) Wipe(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.items)
	f.items, f.synced = nil, time.Time{}
	return int64(n), nil
}

func (f *fakeIndex) Search(_ context.Context, q IndexQuery) ([]IndexHit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	var out []IndexHit
	for _, h := range f.items {
		if len(q.Apps) > 0 && !slices.Contains(q.Apps, h.App) {
			continue
		}
		if strings.Contains(strings.ToLower(h.Title), strings.ToLower(q.Text)) {
			out = append(out, h)
		}
	}
	return out, nil
}

func TestIndexToolsAndSearchMode(t *testing.T) {
	nc := nctest.New(t)
	nc.AddSearchProvider(nctest.SearchProvider{ID: "notes", AppID: "notes", Name: "Notes", Search: func(_, term string) []nctest.SearchHit {
		return []nctest.SearchHit{{Title: "live " + term}}
	}})
	idx := &fakeIndex{synced: time.Now().Add(-time.Minute), items: []IndexHit{{App: "notes", ID: "7", Title: "Budget 2026", Snippet: "the **budget**", URL: "http://nc/apps/notes/note/7"}}}
	srv := newTestServer(t, nc, func(o *Options) { o.Toolsets = DefaultToolsets(&Env{Index: idx}) })
	c := connect(t, srv, "inprocess")

	var st IndexStatus
	decodeStructured(t, callTool(t, c, "nc_index_status", map[string]any{}), &st)
	if st.Items != 1 || len(st.Apps) != len(IndexApps) || !st.Apps[0].Fresh {
		t.Fatalf("status = %+v", st)
	}

	var out searchOut
	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget"}), &out)
	if out.Source != "index" || len(out.Results) != 1 || out.Results[0].Subline != "the **budget**" || !strings.Contains(out.IndexFreshness, "ago") {
		t.Fatalf("auto with a fresh index = %+v", out)
	}
	res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "live"})
	decodeStructured(t, res, &out)
	if out.Source != "live" || len(out.Results) != 1 || out.Results[0].Title != "live budget" {
		t.Fatalf("live = %+v", out)
	}
	// Talk is not in the index: auto goes live.
	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "providers": []string{"notes", "talk-message"}}), &out)
	if out.Source != "live" {
		t.Fatalf("auto with a provider outside the index = %+v", out)
	}
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "index", "providers": []string{"talk-message"}}), "covers only")
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "fast"}), "mode must be auto, index or live")
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "live", "from": "2026-01-01"}), "local index")

	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget", "mode": "index", "providers": []string{"notes"}, "from": "2026-01-01", "to": "2026-01-31"}), &out)
	last := idx.queries[len(idx.queries)-1]
	if out.Source != "index" || len(last.Apps) != 1 || last.From.Format(time.DateOnly) != "2026-01-01" || last.To.Format(time.RFC3339) != "2026-01-31T23:59:59Z" {
		t.Fatalf("index with filters: out %+v query %+v", out, last)
	}

	// Paused: auto answers live and says why.
	if res := callTool(t, c, "nc_index_pause", map[string]any{}); res.IsError || !idx.paused {
		t.Fatalf("pause: %s", resultText(res))
	}
	res = callTool(t, c, "nc_search", map[string]any{"query": "budget"})
	decodeStructured(t, res, &out)
	if out.Source != "live" || !strings.Contains(out.IndexFreshness, "paused") || !strings.Contains(resultText(res), "Live from Nextcloud") {
		t.Fatalf("auto while paused = %+v / %s", out, resultText(res))
	}
	if res := callTool(t, c, "nc_index_resume", map[string]any{}); res.IsError || idx.paused {
		t.Fatalf("resume: %s", resultText(res))
	}

	// Stale: auto answers live.
	idx.mu.Lock()
	idx.synced = time.Now().Add(-2 * IndexFreshFor)
	idx.mu.Unlock()
	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget"}), &out)
	if out.Source != "live" || !strings.Contains(out.IndexFreshness, "stale") {
		t.Fatalf("auto with a stale index = %+v", out)
	}

	res = callTool(t, c, "nc_index_wipe", map[string]any{})
	if res.IsError || !strings.Contains(resultText(res), "Removed 1 items") || len(idx.items) != 0 {
		t.Fatalf("wipe: %s", resultText(res))
	}
	decodeStructured(t, callTool(t, c, "nc_search", map[string]any{"query": "budget"}), &out)
	if out.Source != "live" {
		t.Fatalf("auto after wipe = %+v", out)
	}
}

func TestSearchWithoutIndex(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "x", "mode": "index"}), "no local search index")
	if tools := srvToolNames(t, c); strings.Contains(tools, "nc_index_status") {
		t.Fatalf("index tools offered without an index: %s", tools)
	}
}

func srvToolNames(t *testing.T, c *client.Client) string {
	t.Helper()
	res, err := c.ListTools(context.Background(), mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return strings.Join(names, ",")
}

func TestParseSearchDate(t *testing.T) {
	day := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"", false, time.Time{}},
		{"2026-03-05", false, day},
		{"2026-03-05", true, day.Add(24*time.Hour - time.Second)},
		{"2026-03-05T10:00:00+01:00", true, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)},
		{"2026-03-05 10:30", true, time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC)},
	} {
		got, err := parseSearchDate(tc.in, tc.end)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSearchDate(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
	if _, err := parseSearchDate("5.3.2026", false); err == nil || !strings.Contains(err.Error(), "neither YYYY-MM-DD nor RFC 3339") {
		t.Fatalf("bad date: %v", err)
	}
}
