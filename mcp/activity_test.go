package mcp

import (
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestActivityToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_activity_list": Read, "nc_activity_list_filters": Read}
	commsCheckToolset(t, commsNC(t), "activity", kinds, toolScopes("activity", kinds))
}

func activityIDs(out activityListOut) []int64 {
	return idsOf(out.Activities, func(a activityOut) int64 { return a.ID })
}

func activitySeed(nc *nctest.Server) (ids []int64) {
	ids = append(ids,
		nc.AddActivity("admin", "admin", "files", "file_created", "You created report.md", "files", 41, "/report.md"),
		nc.AddActivity("admin", "bob", "files", "file_changed", "bob changed report.md", "files", 41, "/report.md"),
		nc.AddActivity("bob", "bob", "files", "file_created", "You created secret.txt", "files", 99, "/secret.txt"),
		nc.AddActivity("admin", "bob", "calendar", "calendar_event", "bob added Standup to Work", "calendar", 7, "Work"),
		nc.AddActivity("admin", "admin", "files", "file_created", "You created notes.txt", "files", 42, "/notes.txt"),
		nc.AddActivity("admin", "bob", "files_sharing", "shared", "bob shared Photos with you", "files", 50, "/Photos"),
	)
	return ids
}

func TestActivityStreamPagingAndFilters(t *testing.T) {
	nc := commsNC(t)
	ids := activitySeed(nc)
	c := connect(t, newTestServer(t, nc), "inprocess")
	res := callTool(t, c, "nc_activity_list", map[string]any{})
	all := fresh(t, res, activityListOut{})
	if got, want := activityIDs(all), []int64{ids[5], ids[4], ids[3], ids[1], ids[0]}; !slices.Equal(got, want) || all.NextSince != 0 {
		t.Fatalf("all %v next %d, want %v and no next page (bob's own activity left out)", got, all.NextSince, want)
	}
	if a := all.Activities[3]; a.App != "files" || a.Type != "file_changed" || a.By != "bob" || a.ObjectType != "files" || a.ObjectID != "41" || a.ObjectName != "/report.md" || a.Time == "" {
		t.Fatalf("activity %+v", a)
	}
	if !strings.Contains(resultText(res), "bob shared Photos with you") {
		t.Fatalf("summary %s", resultText(res))
	}

	// Pages of two, following next_since to the end.
	var pages [][]int64
	since := int64(0)
	for range 5 {
		var page activityListOut
		args := map[string]any{"limit": 2}
		if since > 0 {
			args["since"] = since
		}
		res := callTool(t, c, "nc_activity_list", args)
		decodeStructured(t, res, &page)
		pages = append(pages, activityIDs(page))
		if page.NextSince == 0 {
			break
		}
		if !strings.Contains(resultText(res), "since=") {
			t.Fatalf("summary does not say how to go on: %s", resultText(res))
		}
		since = page.NextSince
	}
	want := [][]int64{{ids[5], ids[4]}, {ids[3], ids[1]}, {ids[0]}}
	if len(pages) != len(want) {
		t.Fatalf("pages %v, want %v", pages, want)
	}
	for i := range want {
		if !slices.Equal(pages[i], want[i]) {
			t.Fatalf("pages %v, want %v", pages, want)
		}
	}
	// Past the last page: the API's 304, an empty page.
	end := call[activityListOut](t, c, "nc_activity_list", map[string]any{"since": ids[0]})
	if len(end.Activities) != 0 || end.NextSince != 0 {
		t.Fatalf("after the end %+v", end)
	}

	// Type filters and one object.
	f := call[activityListOut](t, c, "nc_activity_list", map[string]any{"filter": "self"})
	if got := activityIDs(f); !slices.Equal(got, []int64{ids[4], ids[0]}) {
		t.Fatalf("self %v", got)
	}
	f = call[activityListOut](t, c, "nc_activity_list", map[string]any{"filter": "calendar"})
	if got := activityIDs(f); !slices.Equal(got, []int64{ids[3]}) {
		t.Fatalf("calendar %v", got)
	}
	f = call[activityListOut](t, c, "nc_activity_list", map[string]any{"object_type": "files", "object_id": "41"})
	if got := activityIDs(f); !slices.Equal(got, []int64{ids[1], ids[0]}) {
		t.Fatalf("object files/41 %v", got)
	}
	filters := call[activityFiltersOut](t, c, "nc_activity_list_filters", map[string]any{})
	if len(filters.Filters) < 4 || filters.Filters[0].ID != "all" || filters.Filters[1].Name != "By you" {
		t.Fatalf("filters %+v", filters)
	}
}

func TestActivityBadInputAndMissingApp(t *testing.T) {
	nc := commsNC(t)
	ids := activitySeed(nc)
	c := connect(t, newTestServer(t, nc), "inprocess")
	for _, tc := range []struct {
		args  map[string]any
		wants []string
	}{
		{map[string]any{"filter": "nope"}, []string{`activity filter "nope" is unknown`, "nc_activity_list_filters"}},
		{map[string]any{"filter": "../x"}, []string{"filter", `contains "/"`}},
		{map[string]any{"object_type": "files"}, []string{"object_type and object_id go together"}},
		{map[string]any{"object_type": "files", "object_id": "41", "filter": "self"}, []string{`cannot be combined with filter "self"`}},
		{map[string]any{"since": ids[2]}, []string{"since", "not an activity of yours"}},
		{map[string]any{"since": -4}, []string{"since must be"}},
		{map[string]any{"limit": 201}, []string{"limit must be between 1 and 200"}},
		{map[string]any{"since": "latest"}, []string{"since", "integer"}},
	} {
		wantError(t, callTool(t, c, "nc_activity_list", tc.args), tc.wants...)
	}
	checkAppAbsent(t, nc, "activity", "activity", "Activity", []toolCall{
		{"nc_activity_list", map[string]any{}},
		{"nc_activity_list_filters", map[string]any{}},
	})
}
