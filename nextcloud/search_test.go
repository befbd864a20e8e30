package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestSearchDecodesEveryShape(t *testing.T) {
	var p nextcloud.SearchProvider
	if err := json.Unmarshal([]byte(`{"id":"files","filters":{"term":"string","since":{"type":"datetime","multiple":false}}}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Filters["term"] != "string" || p.Filters["since"] != "datetime" || strings.Join(p.Filters.Names(), ",") != "since,term" {
		t.Fatalf("filters %v", p.Filters)
	}
	if err := json.Unmarshal([]byte(`{"id":"x","filters":[]}`), &p); err != nil || p.Filters != nil {
		t.Fatalf("empty filters: %v %v", p.Filters, err)
	}
	for in, want := range map[string]string{`{"cursor":null}`: "", `{"cursor":20}`: "20", `{"cursor":"abc"}`: "abc"} {
		var r nextcloud.SearchResult
		if err := json.Unmarshal([]byte(in), &r); err != nil || string(r.Cursor) != want {
			t.Fatalf("%s: cursor %q, %v", in, r.Cursor, err)
		}
	}
	var e nextcloud.SearchEntry
	if err := json.Unmarshal([]byte(`{"title":"t","attributes":{"fileId":42,"path":"/a"}}`), &e); err != nil || e.Attributes["fileId"] != "42" || e.Attributes["path"] != "/a" {
		t.Fatalf("attributes %v %v", e.Attributes, err)
	}
	if err := json.Unmarshal([]byte(`{"title":"t","attributes":[]}`), &e); err != nil || e.Attributes != nil {
		t.Fatalf("empty attributes %v %v", e.Attributes, err)
	}
}

func TestSearchAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	hits := func(string, string) []nctest.SearchHit {
		var out []nctest.SearchHit
		for i := 0; i < 7; i++ {
			out = append(out, nctest.SearchHit{Title: "hit" + string(rune('0'+i))})
		}
		return out
	}
	nc.AddSearchProvider(nctest.SearchProvider{ID: "many", AppID: "many", Name: "Many", Search: hits})
	nc.AddSearchProvider(nctest.SearchProvider{ID: "slow", AppID: "slow", Name: "Slow", Search: hits})
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/slow/search") {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return true
		}
		return false
	})
	c := nc.Client(t, "admin")
	ctx := context.Background()

	ps, err := c.Search().Providers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		found = found || p.ID == "many"
	}
	if !found {
		t.Fatalf("providers %+v", ps)
	}

	r, err := c.Search().Query(ctx, "many", nextcloud.SearchQuery{Term: "x"})
	if err != nil || len(r.Entries) != 5 || !r.IsPaginated || r.Cursor != "5" {
		t.Fatalf("default page: %+v %v", r, err)
	}
	r, err = c.Search().Query(ctx, "many", nextcloud.SearchQuery{Term: "x", Limit: 5, Cursor: string(r.Cursor)})
	if err != nil || len(r.Entries) != 2 || r.Entries[0].Title != "hit5" {
		t.Fatalf("second page: %+v %v", r, err)
	}
	if _, err := c.Search().Query(ctx, "many", nextcloud.SearchQuery{}); err == nil {
		t.Fatal("empty term accepted")
	}

	out := c.Search().Many(ctx, []nextcloud.ProviderQuery{
		{ProviderID: "slow", SearchQuery: nextcloud.SearchQuery{Term: "x"}},
		{ProviderID: "many", SearchQuery: nextcloud.SearchQuery{Term: "x", Limit: 3}},
		{ProviderID: "gone", SearchQuery: nextcloud.SearchQuery{Term: "x"}},
	}, 500*time.Millisecond, 0)
	if !out[0].TimedOut || !errors.Is(out[0].Err, nextcloud.ErrProviderTimeout) {
		t.Fatalf("slow: %+v", out[0])
	}
	if out[1].Err != nil || len(out[1].Result.Entries) != 3 {
		t.Fatalf("many: %+v", out[1])
	}
	if out[2].Err == nil || out[2].TimedOut {
		t.Fatalf("unknown provider: %+v", out[2])
	}
}
