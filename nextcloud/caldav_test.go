package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func dstr(s string) *string { return &s }

func calDAV(t *testing.T, nc *nctest.Server, login string) *nextcloud.CalDAV {
	t.Helper()
	return openDAV(t, nc.Client(t, login).CalDAV)
}

func findCal(t *testing.T, d *nextcloud.CalDAV, ref string) nextcloud.Calendar {
	t.Helper()
	c, err := d.FindCalendar(context.Background(), ref)
	if err != nil {
		t.Fatalf("find calendar %s: %v", ref, err)
	}
	return c
}

// personalCalendar opens CalDAV as admin and finds the personal calendar.
func personalCalendar(t *testing.T, nc *nctest.Server) (*nextcloud.CalDAV, nextcloud.Calendar) {
	t.Helper()
	d := calDAV(t, nc, "admin")
	return d, findCal(t, d, "personal")
}

func TestDAVPrincipalDiscoveryUsesServerPrincipal(t *testing.T) {
	// The login name differs from the user id, as with LDAP.
	nc := nctest.New(t, nctest.WithLDAPUser("jane.doe", "pw", "5f2a-uid"))
	base := nc.Client(t, "jane.doe")
	// A client configured with the login name as user, like
	// NEXTCLOUD_USERNAME would give.
	c := base.WithUser("jane.doe", nextcloud.BasicAuth{Username: "jane.doe", Password: "pw"})
	cache := nextcloud.NewDAVCache()
	ctx := context.Background()
	d, err := c.CalDAV(ctx, cache)
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Principal(); p != "/remote.php/dav/principals/users/5f2a-uid/" {
		t.Fatalf("principal %q", p)
	}
	if home := d.Home(); home != "/remote.php/dav/calendars/5f2a-uid/" {
		t.Fatalf("calendar home %q", home)
	}
	ab, err := c.CardDAV(ctx, cache)
	if err != nil || ab.Home() != "/remote.php/dav/addressbooks/users/5f2a-uid/" {
		t.Fatalf("address book home %v, %v", ab, err)
	}
	// The principal is asked at the root, the home sets at the principal.
	discovery := func() int {
		return nc.RequestCount("PROPFIND /remote.php/dav") + nc.RequestCount("PROPFIND /remote.php/dav/") +
			nc.RequestCount("PROPFIND /remote.php/dav/principals/users/5f2a-uid") + nc.RequestCount("PROPFIND /remote.php/dav/principals/users/5f2a-uid/")
	}
	before := discovery()
	if _, err := c.CalDAV(ctx, cache); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CardDAV(ctx, cache); err != nil {
		t.Fatal(err)
	}
	if after := discovery(); after != before {
		t.Fatalf("discovery not cached: %d PROPFINDs before, %d after", before, after)
	}
	if fresh, err := c.CalDAV(ctx, nextcloud.NewDAVCache()); err != nil || discovery() == before {
		t.Fatalf("a new cache did not discover again (%v): the count misses the discovery requests", err)
	} else if fresh.Home() != d.Home() {
		t.Fatalf("rediscovered home %q, want %q", fresh.Home(), d.Home())
	}
	cals, err := d.Calendars(ctx)
	if err != nil || len(cals) != 1 || cals[0].ID != "personal" {
		t.Fatalf("calendars %+v, %v", cals, err)
	}
	// The login-named home does not exist: building paths from the login
	// would have failed.
	resp, err := c.Raw().Do(mustReq(t, c, "PROPFIND", "/remote.php/dav/calendars/jane.doe/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("login-named home answered %d", resp.StatusCode)
	}
}

func mustReq(t *testing.T, c *nextcloud.Client, method, path string) *http.Request {
	t.Helper()
	req, err := c.NewRequest(context.Background(), method, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestDAVDiscoveryBadCredentials(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin").WithUser("admin", nextcloud.BasicAuth{Username: "admin", Password: "wrong"})
	_, err := c.CalDAV(context.Background(), nil)
	if !errors.Is(err, nextcloud.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
}

func TestCalendarsListCreateDelete(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddCalendar(t, "bob", "team", "Team", "#ff0000", "VEVENT")
	nc.AddCalendar(t, "bob", "chores", "Chores", "#00ff00", "VTODO")
	nc.ShareCalendar(t, "bob", "team", "admin", true)
	nc.ShareCalendar(t, "bob", "chores", "admin", false)
	d := calDAV(t, nc, "admin")
	ctx := context.Background()
	cals, err := d.CalendarsDetailed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]nextcloud.Calendar{}
	for _, c := range cals {
		byID[c.ID] = c
	}
	p := byID["personal"]
	if p.Name != "Personal" || p.Color != "#0082c9" || p.ReadOnly || p.Shared || !p.Supports("VEVENT") || !p.Supports("VTODO") {
		t.Fatalf("personal: %+v", p)
	}
	team := byID["team_shared_by_bob"]
	if !team.Shared || !team.ReadOnly || team.Owner != "bob" || team.Color != "#ff0000" || team.Supports("VTODO") {
		t.Fatalf("team: %+v", team)
	}
	chores := byID["chores_shared_by_bob"]
	if !chores.Shared || chores.ReadOnly || chores.Supports("VEVENT") {
		t.Fatalf("chores: %+v", chores)
	}

	created, err := d.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: "Work Stuff", Color: "#123456", Components: []string{"VEVENT"}})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "work-stuff" || created.Name != "Work Stuff" || !created.Supports("VEVENT") || created.Supports("VTODO") {
		t.Fatalf("created %+v", created)
	}
	if n := nc.RequestCount("MKCALENDAR /remote.php/dav/calendars/admin/work-stuff/"); n != 1 {
		t.Fatalf("%d MKCALENDAR requests", n)
	}
	again, err := d.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: "Work Stuff"})
	if err != nil || again.ID != "work-stuff-2" {
		t.Fatalf("second calendar with the same name: %+v, %v", again, err)
	}
	cals, _ = d.CalendarsDetailed(ctx)
	found := false
	for _, c := range cals {
		if c.ID == "work-stuff" {
			found = c.Color == "#123456"
		}
	}
	if !found {
		t.Fatalf("created calendar missing or without colour: %+v", cals)
	}
	if err := d.DeleteCalendar(ctx, created); err != nil {
		t.Fatal(err)
	}
	if nc.HasCalendar("admin", "work-stuff") {
		t.Fatal("calendar still there")
	}
	if _, err := d.FindCalendar(ctx, "work-stuff"); !errors.Is(err, nextcloud.ErrNotFound) || !strings.Contains(err.Error(), "personal") {
		t.Fatalf("want not found listing the calendars, got %v", err)
	}
	// Display names work as references too.
	if c := findCal(t, d, "personal"); c.Name != "Personal" {
		t.Fatal(c)
	}
	if c := findCal(t, d, "PERSONAL"); c.ID != "personal" {
		t.Fatal(c)
	}
}

func TestEventCRUDWithETags(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	in := nextcloud.EventInput{
		Summary: dstr("Planning"), Start: dstr("2025-03-10T09:00:00"), End: dstr("2025-03-10T10:30:00"),
		TimeZone: dstr("Europe/Berlin"), Location: dstr("Room 1"), Description: dstr("line one\nline two"),
		Categories: &[]string{"Work", "Q1"}, Status: dstr("confirmed"), URL: dstr("https://example.com/m"),
		Organizer: &nextcloud.Attendee{Email: "admin@example.com", Name: "Admin"},
		Attendees: &[]nextcloud.Attendee{{Email: "bob@example.com", Name: "Bob", Status: "accepted"}, {Email: "carol@example.com"}},
		Reminders: &[]nextcloud.Reminder{{MinutesBefore: 15}, {At: "2025-03-09T18:00:00Z", Action: "EMAIL"}},
	}
	ev, err := d.CreateEvent(ctx, cal, in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Start != "2025-03-10T09:00:00+01:00" || ev.End != "2025-03-10T10:30:00+01:00" || ev.TimeZone != "Europe/Berlin" {
		t.Fatalf("times: %+v", ev.Event)
	}
	if ev.Description != "line one\nline two" || ev.Status != "CONFIRMED" || len(ev.Categories) != 2 || ev.URL != "https://example.com/m" {
		t.Fatalf("fields: %+v", ev.Event)
	}
	if len(ev.Attendees) != 2 || ev.Attendees[0].Status != "ACCEPTED" || ev.Attendees[1].Status != "NEEDS-ACTION" || ev.Organizer == nil || ev.Organizer.Email != "admin@example.com" {
		t.Fatalf("people: %+v %+v", ev.Attendees, ev.Organizer)
	}
	if len(ev.Reminders) != 2 || ev.Reminders[0].MinutesBefore != 15 || ev.Reminders[1].At != "2025-03-09T18:00:00Z" {
		t.Fatalf("reminders: %+v", ev.Reminders)
	}
	ics, ok := nc.CalendarICS("admin", "personal", ev.ID)
	if !ok || !strings.Contains(ics, "DTSTART;TZID=Europe/Berlin:20250310T090000") || !strings.Contains(ics, "BEGIN:VTIMEZONE") ||
		!strings.Contains(ics, "ACTION:EMAIL\r\nATTENDEE:mailto:admin@example.com\r\n") {
		t.Fatalf("stored ICS:\n%s", ics)
	}
	// Update only the summary: everything else stays.
	up, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Summary: dstr("Planning (moved)"), Start: dstr("2025-03-11T14:00:00")}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Summary != "Planning (moved)" || up.Location != "Room 1" || up.Start != "2025-03-11T14:00:00+01:00" || up.End != "2025-03-11T15:30:00+01:00" || len(up.Attendees) != 2 {
		t.Fatalf("after update: %+v", up.Event)
	}
	if up.ETag == ev.ETag {
		t.Fatal("etag did not change")
	}
	// A stale ETag is a conflict, and nothing is overwritten.
	_, err = d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Summary: dstr("stale")}, "", ev.ETag)
	if !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("want conflict, got %v", err)
	}
	got, err := d.GetEvent(ctx, cal, ev.ID, nil)
	if err != nil || got.Summary != "Planning (moved)" {
		t.Fatalf("after conflict: %+v, %v", got, err)
	}
	// By UID too.
	if g, err := d.GetEvent(ctx, cal, ev.UID, nil); err != nil || g.ID != ev.ID {
		t.Fatalf("by uid: %+v %v", g, err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, "", ev.ETag); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("delete with stale etag: %v", err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetEvent(ctx, cal, ev.ID, nil); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestEventValidation(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   nextcloud.EventInput
		want string
	}{
		{"no summary", nextcloud.EventInput{Start: dstr("2025-03-10")}, "summary"},
		{"bad start", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("tomorrow")}, "not a date"},
		{"end before start", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), End: dstr("2025-03-10T09:00:00Z")}, "must be after start"},
		{"end and duration", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), End: dstr("2025-03-10T11:00:00Z"), Duration: dstr("PT1H")}, "not both"},
		{"bad zone", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00"), TimeZone: dstr("Mars/Olympus")}, "unknown time zone"},
		{"bad rrule", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), RRule: dstr("FREQ=SOMETIMES")}, "rrule"},
		{"bad status", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Status: dstr("maybe")}, "status"},
		{"bad attendee", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Attendees: &[]nextcloud.Attendee{{Email: "not-an-address"}}}, "e-mail"},
		{"bad partstat", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Attendees: &[]nextcloud.Attendee{{Email: "a@b.c", Status: "PERHAPS"}}}, "status"},
		{"bad url", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), URL: dstr("not a url")}, "url"},
		{"bad duration", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Duration: dstr("an hour")}, "duration"},
		{"date for timed end", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), End: dstr("2025-03-11")}, "needs a time"},
		{"reminder action", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Reminders: &[]nextcloud.Reminder{{Action: "SMS"}}}, "DISPLAY or EMAIL"},
		{"email reminder without address", nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"), Reminders: &[]nextcloud.Reminder{{Action: "EMAIL"}}}, "needs an address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nextcloud.NewEventCalendar("uid", tc.in, now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error with %q, got %v", tc.want, err)
			}
		})
	}
}

const recurringICS = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:standup-1
DTSTAMP:20250101T000000Z
DTSTART;TZID=W. Europe Standard Time:20250324T091500
DTEND;TZID=W. Europe Standard Time:20250324T093000
RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10
EXDATE;TZID=W. Europe Standard Time:20250326T091500
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:standup-1
DTSTAMP:20250101T000000Z
RECURRENCE-ID;TZID=W. Europe Standard Time:20250327T091500
DTSTART;TZID=W. Europe Standard Time:20250327T110000
DTEND;TZID=W. Europe Standard Time:20250327T111500
SUMMARY:Standup (late)
END:VEVENT
END:VCALENDAR
`

func TestEventsExpandRecurrence(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendarObject(t, "admin", "personal", "standup.ics", recurringICS)
	nc.AddCalendarObject(t, "admin", "personal", "holiday.ics", `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:holiday
DTSTAMP:20250101T000000Z
DTSTART;VALUE=DATE:20250328
DTEND;VALUE=DATE:20250330
SUMMARY:Long weekend
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
`)
	nc.AddBrokenCalendarObject(t, "admin", "personal", "broken.ics")
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	from := time.Date(2025, 3, 24, 0, 0, 0, 0, berlin)
	to := time.Date(2025, 4, 1, 0, 0, 0, 0, berlin)
	res, err := d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{cal}, From: from, To: to, Floating: berlin, Out: berlin})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Broken) != 1 || !strings.HasSuffix(res.Broken[0].Href, "/broken.ics") {
		t.Fatalf("broken: %+v", res.Broken)
	}
	var got []string
	for _, e := range res.Events {
		got = append(got, e.Start+" "+e.Summary)
	}
	// Mon 24..Fri 28 without Wed 26 (EXDATE), Thu 27 moved to 11:00,
	// Mon 31 after the DST change still at 09:15 local time.
	want := []string{
		"2025-03-24T09:15:00+01:00 Standup",
		"2025-03-25T09:15:00+01:00 Standup",
		"2025-03-27T11:00:00+01:00 Standup (late)",
		"2025-03-28 Long weekend",
		"2025-03-28T09:15:00+01:00 Standup",
		"2025-03-31T09:15:00+02:00 Standup",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range res.Events {
		if e.Summary == "Long weekend" && (!e.AllDay || e.End != "2025-03-30" || e.Busy) {
			t.Fatalf("all-day: %+v", e)
		}
		if e.Summary == "Standup" && (e.RecurrenceID != e.Start || !e.Recurring || e.ID != "standup.ics") {
			t.Fatalf("occurrence: %+v", e)
		}
	}
	// Search narrows by text.
	res, err = d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{cal}, From: from, To: to, Text: "LATE"})
	if err != nil || len(res.Events) != 1 || res.Events[0].Summary != "Standup (late)" {
		t.Fatalf("search: %+v %v", res.Events, err)
	}
}

func TestOccurrenceEditAndDelete(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	ev, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: dstr("Gym"), Start: dstr("2025-06-02T18:00:00"), Duration: dstr("PT1H"),
		TimeZone: dstr("America/New_York"), RRule: dstr("FREQ=WEEKLY;BYDAY=MO;COUNT=4")})
	if err != nil {
		t.Fatal(err)
	}
	if ev.RRule != "FREQ=WEEKLY;COUNT=4;BYDAY=MO" || !ev.Recurring {
		t.Fatalf("rrule %q", ev.RRule)
	}
	if _, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Start: dstr("2025-06-09T19:00:00"), Summary: dstr("Gym (late)")}, "2025-06-09T18:00:00-04:00", ""); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, "2025-06-16T18:00:00-04:00", ""); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, "2025-06-17T18:00:00-04:00", ""); err == nil || !strings.Contains(err.Error(), "no occurrence") {
		t.Fatalf("deleting a non-occurrence: %v", err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	res, err := d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{cal}, From: time.Date(2025, 6, 1, 0, 0, 0, 0, ny), To: time.Date(2025, 7, 1, 0, 0, 0, 0, ny), Out: ny})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Events {
		got = append(got, e.Start+" "+e.Summary)
	}
	want := "2025-06-02T18:00:00-04:00 Gym\n2025-06-09T19:00:00-04:00 Gym (late)\n2025-06-23T18:00:00-04:00 Gym"
	if strings.Join(got, "\n") != want {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	det, err := d.GetEvent(ctx, cal, ev.ID, nil)
	if err != nil || len(det.Exceptions) != 1 || len(det.ExDates) != 1 {
		t.Fatalf("detail: %+v %v", det, err)
	}
}

func TestAllDayEventInput(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	ev, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: dstr("Trip"), Start: dstr("2025-07-01"), End: dstr("2025-07-04")})
	if err != nil {
		t.Fatal(err)
	}
	if !ev.AllDay || ev.Start != "2025-07-01" || ev.End != "2025-07-04" {
		t.Fatalf("%+v", ev.Event)
	}
	one, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: dstr("Day off"), Start: dstr("2025-07-07"), End: dstr("2025-07-07")})
	if err != nil || one.End != "2025-07-08" {
		t.Fatalf("one day: %+v %v", one.Event, err)
	}
	ics, _ := nc.CalendarICS("admin", "personal", ev.ID)
	if !strings.Contains(ics, "DTSTART;VALUE=DATE:20250701") || !strings.Contains(ics, "DTEND;VALUE=DATE:20250704") {
		t.Fatalf("ics:\n%s", ics)
	}
	// Turn it into a timed event.
	up, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Start: dstr("2025-07-01T08:00:00Z"), AllDay: new(bool)}, "", "")
	if err != nil || up.AllDay || up.Start != "2025-07-01T08:00:00Z" || up.End != "2025-07-01T09:00:00Z" {
		t.Fatalf("%+v %v", up.Event, err)
	}
}

func TestFreeBusyReportAndFallback(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	if _, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: dstr("Busy"), Start: dstr("2025-05-05T10:00:00Z"), End: dstr("2025-05-05T11:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC), time.Date(2025, 5, 6, 0, 0, 0, 0, time.UTC)
	busy, err := d.FreeBusy(ctx, cal, from, to)
	if err != nil || len(busy) != 1 || !busy[0].Start.Equal(time.Date(2025, 5, 5, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("busy %+v %v", busy, err)
	}
	nc.SetCalDAVFreeBusy(false)
	if _, err := d.FreeBusy(ctx, cal, from, to); !errors.Is(err, nextcloud.ErrNoFreeBusyReport) {
		t.Fatalf("want ErrNoFreeBusyReport, got %v", err)
	}
	wh := nextcloud.WorkingHours{Start: 9 * time.Hour, End: 17 * time.Hour, Loc: time.UTC}
	slots := nextcloud.FreeSlots(busy, from, to, wh, 30*time.Minute)
	if len(slots) != 2 || slots[0].End.Hour() != 10 || slots[1].Start.Hour() != 11 || slots[1].End.Hour() != 17 {
		t.Fatalf("slots %+v", slots)
	}
}

func TestTasks(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	parent, err := d.CreateTask(ctx, cal, nextcloud.TaskInput{Summary: dstr("Move house"), Due: dstr("2025-09-30"), Priority: ptrInt(1), Categories: &[]string{"Home"}})
	if err != nil {
		t.Fatal(err)
	}
	child, err := d.CreateTask(ctx, cal, nextcloud.TaskInput{Summary: dstr("Book van"), Due: dstr("2025-09-01T12:00:00"), TimeZone: dstr("Europe/Berlin"), Parent: dstr(parent.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if child.Parent != parent.UID || child.Due != "2025-09-01T12:00:00+02:00" || child.Status != "NEEDS-ACTION" {
		t.Fatalf("child %+v", child)
	}
	if _, err := d.CreateTask(ctx, cal, nextcloud.TaskInput{Summary: dstr("orphan"), Parent: dstr("nope")}); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("unknown parent: %v", err)
	}
	done, err := d.UpdateTask(ctx, cal, child.ID, nextcloud.TaskInput{Status: dstr("completed")}, "")
	if err != nil || !done.Completed || done.PercentComplete != 100 || done.CompletedAt == "" {
		t.Fatalf("completed %+v %v", done, err)
	}
	open, err := d.Tasks(ctx, []nextcloud.Calendar{cal}, nextcloud.TaskFilter{}, nil)
	if err != nil || len(open.Tasks) != 1 || open.Tasks[0].Summary != "Move house" {
		t.Fatalf("open %+v %v", open, err)
	}
	all, _ := d.Tasks(ctx, []nextcloud.Calendar{cal}, nextcloud.TaskFilter{Status: "all"}, nil)
	if len(all.Tasks) != 2 || all.Tasks[0].Summary != "Move house" {
		t.Fatalf("all %+v", all.Tasks)
	}
	due, _ := d.Tasks(ctx, []nextcloud.Calendar{cal}, nextcloud.TaskFilter{Status: "all", DueBefore: time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)}, nil)
	if len(due.Tasks) != 1 || due.Tasks[0].Summary != "Book van" {
		t.Fatalf("due before %+v", due.Tasks)
	}
	hi, _ := d.Tasks(ctx, []nextcloud.Calendar{cal}, nextcloud.TaskFilter{Status: "all", Priority: "high"}, nil)
	if len(hi.Tasks) != 1 || hi.Tasks[0].ID != parent.ID {
		t.Fatalf("high %+v", hi.Tasks)
	}
	reopened, err := d.UpdateTask(ctx, cal, child.ID, nextcloud.TaskInput{PercentComplete: ptrInt(40)}, "")
	if err != nil || reopened.Completed || reopened.Status != "IN-PROCESS" || reopened.CompletedAt != "" {
		t.Fatalf("reopened %+v %v", reopened, err)
	}
	if _, err := d.UpdateTask(ctx, cal, child.ID, nextcloud.TaskInput{Start: dstr("2025-10-01")}, ""); err == nil || !strings.Contains(err.Error(), "before start") {
		t.Fatalf("due before start: %v", err)
	}
	if err := d.DeleteTask(ctx, cal, child.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetTask(ctx, cal, child.ID); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func ptrInt(n int) *int { return &n }

// An event looked up by a task's UID is not found, though the task's
// file is named after that UID.
func TestFindByUIDKeepsToItsComponent(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	task, err := d.CreateTask(ctx, cal, nextcloud.TaskInput{Summary: dstr("Call the plumber")})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := d.FindByUID(ctx, cal, ical.CompToDo, task.UID); err != nil || !strings.HasSuffix(o.Href, ".ics") {
		t.Fatalf("the task by its UID: %+v %v", o, err)
	}
	if o, err := d.FindByUID(ctx, cal, ical.CompEvent, task.UID); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("an event with the task's UID: got %s, err %v; want not found", o.Href, err)
	}
}
