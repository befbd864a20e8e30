package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var calendarWriteTools = []string{"nc_calendar_create_calendar", "nc_calendar_update_calendar", "nc_calendar_delete_calendar", "nc_calendar_create_event", "nc_calendar_update_event", "nc_calendar_delete_event"}
var calendarReadTools = []string{"nc_calendar_list_calendars", "nc_calendar_list_events", "nc_calendar_search_events", "nc_calendar_get_event", "nc_calendar_find_free_slots"}

func TestCalendarToolsAnnotatedAndHiddenWhenReadOnly(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	for _, name := range append(slices.Clone(calendarReadTools), calendarWriteTools...) {
		tool, ok := srv.Tool(name)
		if !ok {
			t.Fatalf("tool %s missing", name)
		}
		if tool.Def.Annotations.Title == "" || tool.Def.Description == "" {
			t.Fatalf("%s lacks title or description", name)
		}
		wantScope := "calendar:read"
		if slices.Contains(calendarWriteTools, name) {
			wantScope = "calendar:write"
		}
		if tool.Scope != wantScope || tool.ReadOnly() == (wantScope == "calendar:write") {
			t.Fatalf("%s: scope %q, read-only %v", name, tool.Scope, tool.ReadOnly())
		}
	}
	if tool, _ := srv.Tool("nc_calendar_delete_event"); tool.Def.Annotations.DestructiveHint == nil || !*tool.Def.Annotations.DestructiveHint {
		t.Fatal("delete is not marked destructive")
	}
	listed := checkReadOnlyListing(t, nc, calendarReadTools, calendarWriteTools)
	// The input schema carries descriptions.
	if b, _ := json.Marshal(listed["nc_calendar_list_events"]); !strings.Contains(string(b), "range start") {
		t.Fatalf("schema without descriptions: %s", b)
	}
}

func TestCalendarCalendarsTools(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddCalendar(t, "bob", "team", "Team", "#aa0000", "VEVENT")
	nc.ShareCalendar(t, "bob", "team", "admin", true)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var list calendarsOut
	list = fresh(t, callTool(t, c, "nc_calendar_list_calendars", map[string]any{}), list)
	if len(list.Calendars) != 2 || list.Calendars[1].ID != "team_shared_by_bob" || !list.Calendars[1].ReadOnly || !list.Calendars[1].Shared {
		t.Fatalf("calendars %+v", list.Calendars)
	}
	res := callTool(t, c, "nc_calendar_list_calendars", map[string]any{})
	if txt := resultText(res); !strings.Contains(txt, "team_shared_by_bob") || !strings.Contains(txt, "read-only") {
		t.Fatalf("summary %q", txt)
	}

	var created calendarOut
	decodeStructured(t, callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": "Side Project", "color": "#336699", "components": []string{"vtodo"}}), &created)
	if created.Calendar.ID != "side-project" || !created.Calendar.Supports("VTODO") || created.Calendar.Supports("VEVENT") {
		t.Fatalf("created %+v", created)
	}
	if !nc.HasCalendar("admin", "side-project") {
		t.Fatal("not stored")
	}
	wantError(t, callTool(t, c, "nc_calendar_create_calendar", map[string]any{}), "name")
	wantError(t, callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": "x", "color": "red"}), "color")
	wantError(t, callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": "x", "components": []string{"VJOURNAL"}}), "components")
	wantError(t, callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": 42}), "name")

	var del deletedOut
	decodeStructured(t, callTool(t, c, "nc_calendar_delete_calendar", map[string]any{"calendar": "Side Project"}), &del)
	if del.Deleted != "side-project" || nc.HasCalendar("admin", "side-project") {
		t.Fatalf("delete %+v", del)
	}
	wantError(t, callTool(t, c, "nc_calendar_delete_calendar", map[string]any{"calendar": "nope"}), "no calendar", "personal")
	wantError(t, callTool(t, c, "nc_calendar_delete_calendar", map[string]any{}), "calendar")
}

func TestCalendarEventLifecycle(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var ev eventOut
	decodeStructured(t, callTool(t, c, "nc_calendar_create_event", map[string]any{
		"summary": "Design review", "start": "2025-10-24T15:00:00", "duration": "PT90M", "timezone": "Europe/Berlin",
		"location": "Room 4", "attendees": []map[string]any{{"email": "bob@example.com", "name": "Bob", "status": "TENTATIVE"}},
		"reminders": []map[string]any{{"minutes_before": 10}}, "categories": []string{"work"},
	}), &ev)
	if ev.Calendar != "personal" || ev.Start != "2025-10-24T15:00:00+02:00" || ev.End != "2025-10-24T16:30:00+02:00" || ev.TimeZone != "Europe/Berlin" {
		t.Fatalf("created %+v", ev.Event)
	}
	if len(ev.Attendees) != 1 || ev.Attendees[0].Status != "TENTATIVE" || len(ev.Reminders) != 1 || ev.Reminders[0].MinutesBefore != 10 {
		t.Fatalf("created details %+v", ev.Event)
	}
	// Across the end of daylight saving time (26 October).
	var list eventsOut
	list = fresh(t, callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-10-20", "end": "2025-10-31", "timezone": "America/New_York"}), list)
	if list.Total != 1 || list.Events[0].Start != "2025-10-24T09:00:00-04:00" {
		t.Fatalf("listed in New York time: %+v", list)
	}

	var up eventOut
	decodeStructured(t, callTool(t, c, "nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": ev.ID, "location": "Room 5"}), &up)
	if up.Location != "Room 5" || up.Event.Summary != "Design review" || up.Start != ev.Start || len(up.Attendees) != 1 || len(up.Reminders) != 1 {
		t.Fatalf("partial update changed other fields: %+v", up.Event)
	}
	// Stale etag: conflict, no overwrite.
	res := callTool(t, c, "nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": ev.ID, "summary": "Overwritten", "etag": ev.ETag})
	wantError(t, res, "changed", "fetch it again")
	var got eventOut
	got = fresh(t, callTool(t, c, "nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": ev.ID}), got)
	if got.Event.Summary != "Design review" || got.ETag != up.ETag {
		t.Fatalf("after conflict %+v", got.Event)
	}
	// By UID as well.
	got = fresh(t, callTool(t, c, "nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": ev.UID, "timezone": "UTC"}), got)
	if got.Start != "2025-10-24T13:00:00Z" {
		t.Fatalf("get in UTC: %+v", got.Event)
	}

	var del deletedOut
	decodeStructured(t, callTool(t, c, "nc_calendar_delete_event", map[string]any{"calendar": "personal", "event_id": ev.ID}), &del)
	if names := nc.CalendarObjectNames("admin", "personal"); len(names) != 0 {
		t.Fatalf("objects left: %v", names)
	}
	wantError(t, callTool(t, c, "nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": ev.ID}), "404", "no event", ev.ID)
	wantError(t, callTool(t, c, "nc_calendar_delete_event", map[string]any{"calendar": "personal", "event_id": "nope.ics"}), "404", "nope.ics")
}

// addEvent stores one event in admin's personal calendar as name: props
// are its iCalendar properties, one a line, put inside the calendar and
// event lines every such object has.
func addEvent(t *testing.T, nc *nctest.Server, name, props string) {
	t.Helper()
	nc.AddCalendarObject(t, "admin", "personal", name, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\n"+props+"END:VEVENT\nEND:VCALENDAR\n")
}

func TestCalendarRecurringAndAllDayThroughMCP(t *testing.T) {
	nc := nctest.New(t)
	addEvent(t, nc, "3f2e-import.ics", `UID:weekly-sync
DTSTAMP:20250101T000000Z
DTSTART;TZID=America/Los_Angeles:20250303T080000
DTEND;TZID=America/Los_Angeles:20250303T083000
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20250331T235959Z
EXDATE;TZID=America/Los_Angeles:20250317T080000
SUMMARY:Weekly sync
`)
	c := connect(t, newTestServer(t, nc), "inprocess")
	var allDay eventOut
	decodeStructured(t, callTool(t, c, "nc_calendar_create_event", map[string]any{"summary": "Conference", "start": "2025-03-12", "end": "2025-03-14"}), &allDay)
	if !allDay.AllDay || allDay.Start != "2025-03-12" || allDay.End != "2025-03-14" {
		t.Fatalf("all-day %+v", allDay.Event)
	}
	var list eventsOut
	list = fresh(t, callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-03-01", "end": "2025-03-31", "timezone": "America/Los_Angeles"}), list)
	var got []string
	for _, e := range list.Events {
		got = append(got, e.Start+" "+e.Summary)
	}
	// US daylight saving time starts 9 March: still 08:00 local.
	want := []string{
		"2025-03-03T08:00:00-08:00 Weekly sync",
		"2025-03-10T08:00:00-07:00 Weekly sync",
		"2025-03-12 Conference",
		"2025-03-24T08:00:00-07:00 Weekly sync",
		"2025-03-31T08:00:00-07:00 Weekly sync",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Paging.
	var page eventsOut
	decodeStructured(t, callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-03-01", "end": "2025-03-31", "limit": 2, "offset": 2}), &page)
	if page.Total != 5 || len(page.Events) != 2 || page.Offset != 2 || page.NextOffset != 4 || page.Events[0].Summary != "Conference" {
		t.Fatalf("page %+v", page)
	}
	// Move one occurrence, delete another.
	var moved eventOut
	decodeStructured(t, callTool(t, c, "nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": "3f2e-import.ics",
		"occurrence": "2025-03-10T08:00:00-07:00", "start": "2025-03-11T09:00:00-07:00"}), &moved)
	decodeStructured(t, callTool(t, c, "nc_calendar_delete_event", map[string]any{"calendar": "personal", "event_id": "weekly-sync", "occurrence": "2025-03-24T08:00:00-07:00"}), &deletedOut{})
	wantError(t, callTool(t, c, "nc_calendar_delete_event", map[string]any{"calendar": "personal", "event_id": "weekly-sync", "occurrence": "2025-03-25T08:00:00-07:00"}), "no occurrence")
	list = fresh(t, callTool(t, c, "nc_calendar_search_events", map[string]any{"query": "weekly", "start": "2025-03-01", "end": "2025-03-31", "timezone": "America/Los_Angeles"}), list)
	got = got[:0]
	for _, e := range list.Events {
		got = append(got, e.Start)
	}
	if strings.Join(got, ",") != "2025-03-03T08:00:00-08:00,2025-03-11T09:00:00-07:00,2025-03-31T08:00:00-07:00" {
		t.Fatalf("after edits: %v", got)
	}
}

func TestCalendarBadInput(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	cases := []badCall{
		{"nc_calendar_create_event", map[string]any{"start": "2025-03-10"}, []string{"summary"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x"}, []string{"start"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "10.03.2025"}, []string{"invalid arguments", "not a date"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10T10:00:00Z", "end": "2025-03-10T09:00:00Z"}, []string{"invalid arguments", "after start"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10T10:00:00Z", "timezone": "Nowhere/City"}, []string{"unknown time zone"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10T10:00:00Z", "rrule": "EVERY MONDAY"}, []string{"rrule"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10T10:00:00Z", "calendar": "nope"}, []string{"no calendar", "personal"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10T10:00:00Z", "attendees": []map[string]any{{"email": "bob"}}}, []string{"e-mail"}},
		{"nc_calendar_create_event", map[string]any{"summary": 7, "start": "2025-03-10"}, []string{"summary"}},
		{"nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10", "bogus": true}, []string{"bogus"}},
		{"nc_calendar_list_events", map[string]any{"start": "2025-03-10", "end": "2025-03-01"}, []string{"after start"}},
		{"nc_calendar_list_events", map[string]any{"start": "2020-01-01", "end": "2025-01-01"}, []string{"at most 366 days"}},
		{"nc_calendar_list_events", map[string]any{"start": "yesterday"}, []string{"start"}},
		{"nc_calendar_list_events", map[string]any{"limit": 10000}, []string{"limit"}},
		{"nc_calendar_list_events", map[string]any{"calendar": "missing"}, []string{"no calendar"}},
		{"nc_calendar_search_events", map[string]any{}, []string{"query"}},
		{"nc_calendar_get_event", map[string]any{"calendar": "personal"}, []string{"event_id"}},
		{"nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": "ghost"}, []string{"404", "no event", "ghost"}},
		{"nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": "x"}, []string{"at least one field"}},
		{"nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": "ghost", "summary": "y"}, []string{"404", "ghost"}},
		{"nc_calendar_find_free_slots", map[string]any{"start": "2025-03-10", "end": "2025-03-11"}, []string{"duration_minutes"}},
		{"nc_calendar_find_free_slots", map[string]any{"start": "2025-03-10", "end": "2025-03-11", "duration_minutes": 30, "work_start": "9am"}, []string{"work_start"}},
		{"nc_calendar_find_free_slots", map[string]any{"start": "2025-03-10", "end": "2025-03-11", "duration_minutes": 30, "work_days": []string{"someday"}}, []string{"work_days"}},
		{"nc_calendar_find_free_slots", map[string]any{"start": "2025-03-10", "end": "2025-03-11", "duration_minutes": "thirty"}, []string{"duration_minutes"}},
	}
	wantBadCalls(t, c, cases)
}

func TestCalendarBrokenObjectsAndServerErrors(t *testing.T) {
	nc := nctest.New(t)
	addEvent(t, nc, "ok.ics", `UID:ok
DTSTAMP:20250101T000000Z
DTSTART:20250310T100000Z
DTEND:20250310T110000Z
SUMMARY:Fine
`)
	// Parses as iCalendar, but its start is garbage.
	addEvent(t, nc, "bad-date.ics", `UID:bad-date
DTSTAMP:20250101T000000Z
DTSTART:2025-03-10 10:00
SUMMARY:Bad date
`)
	nc.AddBrokenCalendarObject(t, "admin", "personal", "corrupt.ics")
	c := connect(t, newTestServer(t, nc), "inprocess")
	var list eventsOut
	res := callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-03-01", "end": "2025-03-31"})
	list = fresh(t, res, list)
	if list.Total != 1 || list.Events[0].Summary != "Fine" || len(list.Skipped) != 2 {
		t.Fatalf("list %+v", list)
	}
	if txt := resultText(res); !strings.Contains(txt, "Skipped 2 unreadable") || !strings.Contains(txt, "corrupt.ics") || !strings.Contains(txt, "bad-date.ics") {
		t.Fatalf("summary does not name the skipped objects: %s", txt)
	}
	wantError(t, callTool(t, c, "nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": "corrupt.ics"}), "unreadable iCalendar")
	wantError(t, callTool(t, c, "nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": "bad-date.ics"}), "DTSTART")

	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "REPORT" {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return true
		}
		return false
	})
	wantError(t, callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-03-01", "end": "2025-03-31"}), "500")
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusInsufficientStorage)
			return true
		}
		return false
	})
	wantError(t, callTool(t, c, "nc_calendar_create_event", map[string]any{"summary": "x", "start": "2025-03-10"}), "507", "quota")
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "PROPFIND" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	// A fresh server: discovery itself fails.
	c2 := connect(t, newTestServer(t, nc), "inprocess")
	wantError(t, callTool(t, c2, "nc_calendar_list_calendars", map[string]any{}), "503", "try again later")
}

func TestCalendarReadOnlySharedCalendarRefusesWrites(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddCalendar(t, "bob", "team", "Team", "", "VEVENT")
	nc.ShareCalendar(t, "bob", "team", "admin", true)
	c := connect(t, newTestServer(t, nc), "inprocess")
	wantError(t, callTool(t, c, "nc_calendar_create_event", map[string]any{"calendar": "team_shared_by_bob", "summary": "x", "start": "2025-03-10"}), "403", "permission")
	wantError(t, callTool(t, c, "nc_calendar_create_event", map[string]any{"calendar": "Team", "summary": "x", "start": "2025-03-10", "rrule": "FREQ=DAILY"}), "403")
}

func TestCalendarFreeSlots(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	for _, ev := range []map[string]any{
		{"summary": "Morning", "start": "2025-05-05T09:00:00", "end": "2025-05-05T10:30:00", "timezone": "Europe/Paris"},
		{"summary": "Lunch", "start": "2025-05-05T12:00:00", "end": "2025-05-05T13:00:00", "timezone": "Europe/Paris"},
		{"summary": "Optional", "start": "2025-05-05T14:00:00", "end": "2025-05-05T15:00:00", "timezone": "Europe/Paris", "status": "CANCELLED"},
		{"summary": "Holiday", "start": "2025-05-06"},
	} {
		decodeStructured(t, callTool(t, c, "nc_calendar_create_event", ev), &eventOut{})
	}
	args := map[string]any{"start": "2025-05-05", "end": "2025-05-06", "duration_minutes": 60, "timezone": "Europe/Paris"}
	var out freeSlotsOut
	out = fresh(t, callTool(t, c, "nc_calendar_find_free_slots", args), out)
	want := "2025-05-05T10:30:00+02:00-2025-05-05T12:00:00+02:00,2025-05-05T13:00:00+02:00-2025-05-05T17:00:00+02:00"
	if slotsString(out) != want || out.Method != "free-busy report" {
		t.Fatalf("report: %s via %s", slotsString(out), out.Method)
	}
	nc.SetCalDAVFreeBusy(false)
	out = fresh(t, callTool(t, c, "nc_calendar_find_free_slots", args), out)
	if slotsString(out) != want || out.Method != "events" {
		t.Fatalf("computed: %s via %s", slotsString(out), out.Method)
	}
	// The all-day holiday blocks Tuesday unless ignored.
	args["end"] = "2025-05-06"
	args["start"] = "2025-05-06"
	out = fresh(t, callTool(t, c, "nc_calendar_find_free_slots", args), out)
	if len(out.Slots) != 0 {
		t.Fatalf("holiday not busy: %s", slotsString(out))
	}
	args["ignore_all_day"] = true
	out = fresh(t, callTool(t, c, "nc_calendar_find_free_slots", args), out)
	if slotsString(out) != "2025-05-06T09:00:00+02:00-2025-05-06T17:00:00+02:00" {
		t.Fatalf("ignoring all-day: %s", slotsString(out))
	}
}

// fresh decodes a result into a new value of v's type, so fields absent
// from the JSON cannot linger from an earlier call.
func fresh[T any](t testing.TB, res *mcpgo.CallToolResult, _ T) T {
	t.Helper()
	var v T
	decodeStructured(t, res, &v)
	return v
}

func slotsString(o freeSlotsOut) string {
	var s []string
	for _, x := range o.Slots {
		s = append(s, x.Start+"-"+x.End)
	}
	return strings.Join(s, ",")
}

func TestCalendarLDAPUserThroughMCP(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithLDAPUser("j.doe", "pw", "8d1c-ldap"))
	base := nc.Client(t, "j.doe")
	// The MCP server knows the user by login name only.
	c := base.WithUser("j.doe", nextcloud.BasicAuth{Username: "j.doe", Password: "pw"})
	srv := newTestServer(t, nc, func(o *Options) {
		o.Client = func(context.Context) (*nextcloud.Client, error) { return c, nil }
	})
	mc := connect(t, srv, "http")
	var ev eventOut
	decodeStructured(t, callTool(t, mc, "nc_calendar_create_event", map[string]any{"summary": "LDAP", "start": "2025-03-10"}), &ev)
	if names := nc.CalendarObjectNames("8d1c-ldap", "personal"); len(names) != 1 {
		t.Fatalf("event not in the LDAP user's calendar: %v", names)
	}
	var list calendarsOut
	list = fresh(t, callTool(t, mc, "nc_calendar_list_calendars", map[string]any{}), list)
	if len(list.Calendars) != 1 || list.Calendars[0].Href != "/remote.php/dav/calendars/8d1c-ldap/personal/" || list.Calendars[0].Shared {
		t.Fatalf("calendars %+v", list.Calendars)
	}
}

// A server that accepts MKCALENDAR but drops the colour: the tool reports
// what the server kept, not what it asked for.
func TestCalendarCreateReportsWhatTheServerKept(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	var kept calendarOut
	res := callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": "Kept", "color": "#336699", "description": "d"})
	decodeStructured(t, res, &kept)
	if kept.Calendar.Color != "#336699" || kept.Calendar.Description != "d" || strings.Contains(resultText(res), "did not keep") {
		t.Fatalf("kept %+v: %s", kept, resultText(res))
	}
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "MKCALENDAR" {
			b, _ := io.ReadAll(r.Body)
			b = regexp.MustCompile(`<calendar-color[^>]*>[^<]*</calendar-color>`).ReplaceAll(b, nil)
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		return false
	})
	var dropped calendarOut
	res = callTool(t, c, "nc_calendar_create_calendar", map[string]any{"name": "Dropped", "color": "#336699"})
	decodeStructured(t, res, &dropped)
	if dropped.Calendar.Color == "#336699" || !strings.Contains(resultText(res), "did not keep the colour") {
		t.Fatalf("dropped %+v: %s", dropped, resultText(res))
	}
}
