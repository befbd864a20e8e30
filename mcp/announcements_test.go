package mcp

import (
	"slices"
	"strings"
	"testing"
)

func TestAnnouncementsToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_announcements_list": Read, "nc_announcements_create": Create, "nc_announcements_delete": Destroy}
	commsCheckToolset(t, commsNC(t), "announcements", kinds, toolScopes("announcements", kinds))
}

func announcementIDs(out announcementsListOut) []int64 {
	return idsOf(out.Announcements, func(a announcementOut) int64 { return a.ID })
}

func TestAnnouncementsListPostDelete(t *testing.T) {
	nc := commsNC(t)
	nc.AddGroup("staff", "Staff", "bob")
	a1 := nc.AddAnnouncement("admin", "Maintenance", "Down **Sunday** 2-4")
	staffOnly := nc.AddAnnouncement("admin", "Staff party", "Friday", "staff")
	a3 := nc.AddAnnouncement("admin", "New logo", "")
	admin := connect(t, newTestServer(t, nc), "inprocess")
	bob := connectAs(t, nc, "bob")

	res := callTool(t, admin, "nc_announcements_list", map[string]any{})
	out := fresh(t, res, announcementsListOut{})
	if got := announcementIDs(out); !slices.Equal(got, []int64{a3, a1}) || out.NextBefore != 0 {
		t.Fatalf("admin sees %v next %d, want %v (not the staff-only one)", got, out.NextBefore, []int64{a3, a1})
	}
	if a := out.Announcements[1]; a.Subject != "Maintenance" || a.Message != "Down **Sunday** 2-4" || a.AuthorID != "admin" || a.Time == "" || !slices.Equal(a.Groups, []string{"everyone"}) {
		t.Fatalf("announcement %+v", a)
	}
	if !strings.Contains(resultText(res), "Maintenance") {
		t.Fatalf("summary %s", resultText(res))
	}
	out = call[announcementsListOut](t, bob, "nc_announcements_list", map[string]any{"limit": 2})
	if got := announcementIDs(out); !slices.Equal(got, []int64{a3, staffOnly}) || out.NextBefore != staffOnly {
		t.Fatalf("bob's first page %v next %d", got, out.NextBefore)
	}
	if len(out.Announcements[0].Groups) != 0 {
		t.Fatalf("groups shown to a non-admin: %+v", out.Announcements[0])
	}
	out = call[announcementsListOut](t, bob, "nc_announcements_list", map[string]any{"limit": 2, "before_id": staffOnly})
	if got := announcementIDs(out); !slices.Equal(got, []int64{a1}) || out.NextBefore != 0 {
		t.Fatalf("bob's second page %v next %d", got, out.NextBefore)
	}

	// Posting: administrators only.
	posted := call[announcementResult](t, admin, "nc_announcements_create", map[string]any{"subject": "  Welcome Bob ", "message": "Say hi", "groups": []string{"staff"}, "allow_comments": true})
	if p := posted.Announcement; p.Subject != "Welcome Bob" || p.Message != "Say hi" || !slices.Equal(p.Groups, []string{"staff"}) || p.ID <= a3 {
		t.Fatalf("posted %+v", p)
	}
	out = call[announcementsListOut](t, bob, "nc_announcements_list", map[string]any{"limit": 1})
	if got := announcementIDs(out); !slices.Equal(got, []int64{posted.Announcement.ID}) {
		t.Fatalf("bob does not see the staff announcement first: %v", got)
	}
	before := nc.AnnouncementIDs()
	wantError(t, callTool(t, bob, "nc_announcements_create", map[string]any{"subject": "Hi all"}), "only Nextcloud administrators may post announcements", "403")
	wantError(t, callTool(t, bob, "nc_announcements_delete", map[string]any{"announcement_id": a1}), "only Nextcloud administrators may delete announcements", "403")
	if got := nc.AnnouncementIDs(); !slices.Equal(got, before) {
		t.Fatalf("a non-admin changed announcements: %v -> %v", before, got)
	}

	// Deleting one leaves the others.
	del := call[announcementResult](t, admin, "nc_announcements_delete", map[string]any{"announcement_id": a1})
	if del.Announcement.ID != a1 || del.Announcement.Subject != "Maintenance" {
		t.Fatalf("deleted %+v", del)
	}
	if got := nc.AnnouncementIDs(); !slices.Equal(got, []int64{staffOnly, a3, posted.Announcement.ID}) {
		t.Fatalf("left %v", got)
	}
	wantError(t, callTool(t, admin, "nc_announcements_delete", map[string]any{"announcement_id": a1}), "announcement", "not found", "nc_announcements_list")
}

func TestAnnouncementsBadInputAndMissingApp(t *testing.T) {
	nc := commsNC(t)
	a1 := nc.AddAnnouncement("admin", "Maintenance", "")
	c := connect(t, newTestServer(t, nc), "inprocess")
	for _, tc := range []struct {
		call  toolCall
		wants []string
	}{
		{toolCall{"nc_announcements_create", map[string]any{}}, []string{"subject"}},
		{toolCall{"nc_announcements_create", map[string]any{"subject": "  "}}, []string{"subject must not be empty"}},
		{toolCall{"nc_announcements_create", map[string]any{"subject": strings.Repeat("x", 513)}}, []string{"subject is 513 characters long"}},
		{toolCall{"nc_announcements_create", map[string]any{"subject": "x", "groups": []string{""}}}, []string{"empty group id"}},
		{toolCall{"nc_announcements_create", map[string]any{"subject": "x", "groups": "staff"}}, []string{"groups"}},
		{toolCall{"nc_announcements_delete", map[string]any{"announcement_id": 0}}, []string{"announcement_id must be a positive id"}},
		{toolCall{"nc_announcements_delete", map[string]any{"announcement_id": 4711}}, []string{"announcement 4711 was not found"}},
		{toolCall{"nc_announcements_list", map[string]any{"limit": 51}}, []string{"limit must be between 1 and 50"}},
		{toolCall{"nc_announcements_list", map[string]any{"before_id": -1}}, []string{"before_id must be"}},
	} {
		wantError(t, callTool(t, c, tc.call.tool, tc.call.args), tc.wants...)
	}
	if got := nc.AnnouncementIDs(); !slices.Equal(got, []int64{a1}) {
		t.Fatalf("bad input changed announcements: %v", got)
	}
	checkAppAbsent(t, nc, "announcementcenter", "", "Announcement center", []toolCall{
		{"nc_announcements_list", map[string]any{}},
		{"nc_announcements_create", map[string]any{"subject": "x"}},
		{"nc_announcements_delete", map[string]any{"announcement_id": a1}},
	})
	if got := nc.AnnouncementIDs(); !slices.Equal(got, []int64{a1}) {
		t.Fatalf("calls without the app changed announcements: %v", got)
	}
}
