package mcp

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// searchNC is a test Nextcloud with Talk content and a static "files"
// search provider.
func searchNC(t *testing.T, opts ...nctest.Option) (*nctest.Server, string) {
	t.Helper()
	nc := commsNC(t, opts...)
	team := nc.AddTalkRoom("bob", 2, "Budget team", "admin")
	for _, m := range []string{"budget draft is ready", "lunch?", "final budget approved", "budget numbers for Q3"} {
		nc.AddTalkMessage(team, "bob", m)
	}
	nc.AddSearchProvider(nctest.SearchProvider{ID: "files", AppID: "files", Name: "Files", Order: 5,
		Search: func(user, term string) []nctest.SearchHit {
			if !strings.Contains("budget.ods", term) {
				return nil
			}
			return []nctest.SearchHit{{Title: "budget.ods", Subline: "/Documents/budget.ods",
				ResourceURL: "/index.php/f/42", Attributes: map[string]string{"fileId": "42", "path": "/Documents/budget.ods"}}}
		}})
	return nc, team
}

func TestSearchToolsetListing(t *testing.T) {
	nc := commsNC(t)
	commsCheckToolset(t, nc, "search",
		map[string]Kind{"nc_search": Read, "nc_search_providers": Read},
		map[string]string{"nc_search": "search:read", "nc_search_providers": "search:read"})
}

func TestSearchProviders(t *testing.T) {
	nc, _ := searchNC(t)
	c := connectNC(t, nc)
	out := call[searchProvidersOut](t, c, "nc_search_providers", map[string]any{})
	var ids []string
	for _, p := range out.Providers {
		ids = append(ids, p.ID)
	}
	for _, want := range []string{"files", "talk-message", "talk-conversations"} {
		if !slices.Contains(ids, want) {
			t.Fatalf("providers %v lack %s", ids, want)
		}
	}
	if out.Providers[0].ID != "files" || out.Providers[0].App != "files" || !slices.Contains(out.Providers[0].Filters, "term") {
		t.Fatalf("first provider %+v", out.Providers[0])
	}
	// A disabled app's providers disappear, as on a real Nextcloud.
	nc.SetDisabled("spreed", true)
	before := len(out.Providers)
	decodeStructured(t, callTool(t, c, "nc_search_providers", map[string]any{}), &out)
	ids = nil
	for _, p := range out.Providers {
		ids = append(ids, p.ID)
	}
	if len(out.Providers) != before-2 || slices.Contains(ids, "talk-message") || slices.Contains(ids, "talk-conversations") || !slices.Contains(ids, "files") {
		t.Fatalf("with Talk off: %v", ids)
	}
}

func TestSearchFanOutAndPaging(t *testing.T) {
	nc, team := searchNC(t)
	srv := newTestServer(t, nc)
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c := connect(t, srv, kind)
			out, res := callRes[searchOut](t, c, "nc_search", map[string]any{"query": "Budget", "providers": []string{"files", "talk-message", "talk-conversations"}, "limit": 2})
			byProv := map[string][]searchHit{}
			for _, h := range out.Results {
				byProv[h.Provider] = append(byProv[h.Provider], h)
			}
			if len(byProv["files"]) != 1 || byProv["files"][0].URL != nc.URL+"/index.php/f/42" || byProv["files"][0].Attributes["fileId"] != "42" {
				t.Fatalf("files hits %+v", byProv["files"])
			}
			if len(byProv["talk-conversations"]) != 1 || byProv["talk-conversations"][0].Title != "Budget team" {
				t.Fatalf("conversation hits %+v", byProv["talk-conversations"])
			}
			msgs := byProv["talk-message"]
			if len(msgs) != 2 || msgs[0].Subline != "budget numbers for Q3" || !strings.HasPrefix(msgs[0].URL, nc.URL+"/call/"+team) {
				t.Fatalf("message hits %+v", msgs)
			}
			if len(out.TimedOut) != 0 || len(out.Failed) != 0 {
				t.Fatalf("unexpected failures %+v", out)
			}
			var cursor string
			for _, p := range out.Providers {
				if p.Status != "ok" {
					t.Fatalf("provider %+v", p)
				}
				if p.ID == "talk-message" {
					cursor = p.NextCursor
				} else if p.NextCursor != "" {
					t.Fatalf("%s has a next page though it returned fewer hits than the limit", p.ID)
				}
			}
			if cursor == "" {
				t.Fatalf("talk-message offers no next page: %+v", out.Providers)
			}
			if !strings.Contains(resultText(res), "budget numbers for Q3") {
				t.Fatalf("summary: %s", resultText(res))
			}
			// The next page of just that provider.
			next := call[searchOut](t, c, "nc_search", map[string]any{"query": "Budget", "limit": 2, "cursors": map[string]string{"talk-message": cursor}})
			if len(next.Providers) != 1 || len(next.Results) != 1 || next.Results[0].Subline != "budget draft is ready" || next.Providers[0].NextCursor != "" {
				t.Fatalf("page 2: %+v", next)
			}
		})
	}
}

func TestSearchAllProvidersByDefault(t *testing.T) {
	nc, _ := searchNC(t)
	c := connectNC(t, nc)
	provs := call[searchProvidersOut](t, c, "nc_search_providers", map[string]any{})
	out := call[searchOut](t, c, "nc_search", map[string]any{"query": "budget"})
	if len(out.Providers) != len(provs.Providers) || len(out.Providers) < 3 {
		t.Fatalf("providers asked: %+v", out.Providers)
	}
	// One file, one conversation, three Talk messages; nothing elsewhere.
	if len(out.Results) != 1+1+3 {
		t.Fatalf("results %+v", out.Results)
	}
}

func TestSearchSlowAndFailingProviders(t *testing.T) {
	nc, _ := searchNC(t)
	// talk-conversations hangs until the client gives up; files fails.
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/talk-conversations/search"):
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			w.WriteHeader(http.StatusGatewayTimeout)
			return true
		case strings.HasSuffix(r.URL.Path, "/files/search"):
			commsFail500(w, r)
			return true
		}
		return false
	})
	c := connectNC(t, nc)
	var out searchOut
	res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "timeout_seconds": 1,
		"providers": []string{"talk-conversations", "files", "talk-message", "nosuch"}})
	decodeStructured(t, res, &out)
	if !slices.Equal(out.TimedOut, []string{"talk-conversations"}) {
		t.Fatalf("timed out %v", out.TimedOut)
	}
	if !slices.Equal(out.Failed, []string{"files", "nosuch"}) {
		t.Fatalf("failed %v", out.Failed)
	}
	if len(out.Results) != 3 {
		t.Fatalf("the healthy provider's results are missing: %+v", out.Results)
	}
	status := map[string]searchProviderStatus{}
	for _, p := range out.Providers {
		status[p.ID] = p
	}
	if s := status["files"]; s.Status != "error" || !strings.Contains(s.Error, "500") {
		t.Fatalf("files status %+v", s)
	}
	if s := status["nosuch"]; s.Status != "unknown" {
		t.Fatalf("nosuch status %+v", s)
	}
	if s := status["talk-conversations"]; s.Status != "timeout" || !strings.Contains(s.Error, "timeout_seconds") {
		t.Fatalf("slow status %+v", s)
	}
	text := resultText(res)
	for _, want := range []string{"talk-conversations timed out", "files failed"} {
		if !strings.Contains(text, want) {
			t.Fatalf("summary lacks %q: %s", want, text)
		}
	}
}

func TestSearchBadInput(t *testing.T) {
	nc, _ := searchNC(t)
	on := commsFault(nc, "/ocs/v2.php/search/providers", commsFail500)
	c := connectNC(t, nc)
	cases := []struct {
		args  map[string]any
		wants []string
	}{
		{map[string]any{}, []string{"query"}},
		{map[string]any{"query": "  "}, []string{"query must not be empty"}},
		{map[string]any{"query": 5}, []string{"query"}},
		{map[string]any{"query": "x", "limit": 26}, []string{"limit", "25"}},
		{map[string]any{"query": "x", "limit": "many"}, []string{"limit"}},
		{map[string]any{"query": "x", "timeout_seconds": 600}, []string{"timeout_seconds"}},
		{map[string]any{"query": "x", "providers": "files"}, []string{"providers"}},
		{map[string]any{"query": "x", "providers": []string{"nosuch"}}, []string{"unknown search provider", "nosuch", "talk-message"}},
		{map[string]any{"query": "x", "cursors": map[string]string{"files": ""}}, []string{"cursor"}},
		{map[string]any{"query": "x", "mode": "semantic"}, []string{"mode"}},
	}
	for _, tc := range cases {
		wantError(t, callTool(t, c, "nc_search", tc.args), tc.wants...)
	}
	on.Store(true)
	wantError(t, callTool(t, c, "nc_search", map[string]any{"query": "x"}), "500", "search providers")
	wantError(t, callTool(t, c, "nc_search_providers", map[string]any{}), "500")
}
