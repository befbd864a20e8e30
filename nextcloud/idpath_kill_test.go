package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func icsEvent(uid, summary string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:" + uid +
		"\nDTSTAMP:20250101T000000Z\nDTSTART:20250310T090000Z\nDTEND:20250310T100000Z\nSUMMARY:" + summary + "\nEND:VEVENT\nEND:VCALENDAR\n"
}

func summaryOf(o nextcloud.CalObject) string {
	if o.Data == nil {
		return ""
	}
	for _, c := range o.Data.Children {
		if c.Name == ical.CompEvent {
			if p := c.Props.Get(ical.PropSummary); p != nil {
				return p.Value
			}
		}
	}
	return ""
}

// CalDAV.Object takes an id from the model: it must find objects of the
// given calendar only, whatever form the id has.
func TestCalendarObjectIDStaysInItsCalendar(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendar(t, "admin", "work", "Work", "")
	nc.AddCalendar(t, "admin", "personal2", "Personal 2", "")
	nc.AddCalendarObject(t, "admin", "personal", "mine.ics", icsEvent("uid-mine", "Mine"))
	nc.AddCalendarObject(t, "admin", "personal", "renamed.ics", icsEvent("uid-renamed", "Renamed"))
	otherHref := nc.AddCalendarObject(t, "admin", "work", "secret.ics", icsEvent("uid-secret", "Secret"))
	near := nc.AddCalendarObject(t, "admin", "personal2", "near.ics", icsEvent("uid-near", "Near"))
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)

	found := map[string]string{
		"mine.ics":            "Mine",
		"  mine.ics ":         "Mine",
		cal.Href + "mine.ics": "Mine",
		"uid-renamed":         "Renamed", // by UID: no object of that name
		"uid-mine.ics":        "Mine",    // by UID with .ics
		"uid-mine":            "Mine",
	}
	for id, want := range found {
		o, err := d.Object(ctx, cal, ical.CompEvent, id)
		if err != nil || summaryOf(o) != want || !strings.HasPrefix(o.Href, cal.Href) {
			t.Errorf("Object(%q) = %s %q, %v; want %q", id, o.Href, summaryOf(o), err, want)
		}
	}
	refused := map[string]string{
		otherHref:             "is a path outside",
		near:                  "is a path outside",
		"":                    "empty id",
		"   ":                 "empty id",
		"../work/secret.ics":  "no event",
		"../work/uid-secret":  "no event",
		"/../work/secret.ics": "is a path outside",
		"work/secret.ics":     "no event",
		"uid-secret":          "no event",
		"secret.ics":          "no event",
	}
	for id, frag := range refused {
		o, err := d.Object(ctx, cal, ical.CompEvent, id)
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("Object(%q) = %s %q, %v; want an error saying %q", id, o.Href, summaryOf(o), err, frag)
		}
		if summaryOf(o) != "" {
			t.Errorf("Object(%q) returned %q from another calendar", id, summaryOf(o))
		}
	}
	if _, err := d.Object(ctx, cal, ical.CompEvent, "nope.ics"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Errorf("missing object: %v, want ErrNotFound", err)
	}
	if _, err := d.FindByUID(ctx, cal, ical.CompEvent, ""); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Errorf("empty uid: %v, want ErrNotFound", err)
	}
	// A task is looked up among tasks: the error names a task.
	if _, err := d.FindByUID(ctx, cal, ical.CompToDo, "uid-nothing"); err == nil || !strings.Contains(err.Error(), "no task") {
		t.Errorf("missing task: %v", err)
	}
	// UIDs with path characters are never turned into an object name.
	if _, err := d.FindByUID(ctx, cal, ical.CompEvent, "../work/uid-secret"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Errorf("uid with a path: %v", err)
	}
}

// mineCalendar is admin's personal calendar holding one event, mine.ics
// with UID uid-mine, for the tests of reading an object that fails.
func mineCalendar(t *testing.T) (*nctest.Server, *nextcloud.CalDAV, nextcloud.Calendar) {
	t.Helper()
	nc := nctest.New(t)
	nc.AddCalendarObject(t, "admin", "personal", "mine.ics", icsEvent("uid-mine", "Mine"))
	d, cal := personalCalendar(t, nc)
	return nc, d, cal
}

// A server error while fetching by name is reported, not hidden behind the
// search by UID.
func TestCalendarObjectServerErrorIsReported(t *testing.T) {
	nc, d, cal := mineCalendar(t)
	ctx := context.Background()
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, ".ics") {
			http.Error(w, "storage is gone", http.StatusForbidden)
			return true
		}
		return false
	})
	defer nc.SetFault(nil)
	for _, id := range []string{"mine.ics", "uid-mine"} {
		_, err := d.Object(ctx, cal, ical.CompEvent, id)
		var ne *nextcloud.Error
		if !errors.As(err, &ne) || ne.Status != http.StatusForbidden {
			t.Errorf("Object(%q) = %v, want the 403", id, err)
		}
	}
}

func TestPickCalendar(t *testing.T) {
	cals := []nextcloud.Calendar{
		{ID: "personal", Name: "Personal"},
		{ID: "team", Name: "Work"},
		{ID: "other", Name: "team"},
		{ID: "dup1", Name: "Same"},
		{ID: "dup2", Name: "same"},
	}
	for ref, want := range map[string]string{
		"personal":   "personal",
		" personal ": "personal",
		"Personal":   "personal",
		"PERSONAL":   "personal",
		"team":       "team", // exact id beats the other's name
		"work":       "team",
		"Other":      "other",
	} {
		c, err := nextcloud.PickCalendar(cals, ref)
		if err != nil || c.ID != want {
			t.Errorf("PickCalendar(%q) = %q, %v; want %q", ref, c.ID, err, want)
		}
	}
	for _, ref := range []string{"same", "pers", "personalx", "", "dup"} {
		c, err := nextcloud.PickCalendar(cals, ref)
		var nf *nextcloud.CalendarNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, nextcloud.ErrNotFound) || c.ID != "" {
			t.Errorf("PickCalendar(%q) = %q, %v; want CalendarNotFoundError", ref, c.ID, err)
			continue
		}
		if len(nf.Available) != len(cals) || !slices.Contains(nf.Available, `personal ("Personal")`) {
			t.Errorf("available = %v", nf.Available)
		}
	}
}

// Calendars listed from the server get their id from the href's last
// segment, a name (the id when none is set) and the components they hold.
func TestCalendarIDsFromHrefs(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendar(t, "admin", "tasks-only", "", "", ical.CompToDo)
	d := calDAV(t, nc, "admin")
	cals, err := d.Calendars(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]nextcloud.Calendar{}
	for _, c := range cals {
		if !strings.HasSuffix(c.Href, "/"+c.ID+"/") {
			t.Errorf("calendar %q has href %q", c.ID, c.Href)
		}
		byID[c.ID] = c
	}
	tc, ok := byID["tasks-only"]
	if !ok || tc.Name != "tasks-only" || !slices.Equal(tc.Components, []string{ical.CompToDo}) || tc.Supports(ical.CompEvent) || !tc.Supports(ical.CompToDo) {
		t.Fatalf("tasks-only = %+v (ok %v)", tc, ok)
	}
}

// FindByUID tries {uid}.ics first and takes it only when its UID is the
// one asked for; otherwise it searches the calendar.
func TestFindByUIDChecksTheNamedObject(t *testing.T) {
	nc := nctest.New(t)
	// x.ics holds UID y; the event with UID x is stored as z.ics.
	nc.AddCalendarObject(t, "admin", "personal", "x.ics", icsEvent("y", "Wrong"))
	nc.AddCalendarObject(t, "admin", "personal", "z.ics", icsEvent("x", "Right"))
	nc.AddCalendarObject(t, "admin", "personal", "direct.ics", icsEvent("direct", "Direct"))
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	report := "REPORT " + cal.Href
	before := nc.RequestCount(report)
	o, err := d.FindByUID(ctx, cal, ical.CompEvent, "x")
	if err != nil || summaryOf(o) != "Right" {
		t.Fatalf("FindByUID(x) = %q, %v; want the event whose UID is x", summaryOf(o), err)
	}
	if nc.RequestCount(report) == before {
		t.Fatalf("no calendar query counted as %q: the count below would prove nothing", report)
	}
	before = nc.RequestCount(report)
	o, err = d.FindByUID(ctx, cal, ical.CompEvent, "direct")
	if err != nil || summaryOf(o) != "Direct" {
		t.Fatalf("FindByUID(direct) = %q, %v", summaryOf(o), err)
	}
	if n := nc.RequestCount(report) - before; n != 0 {
		t.Fatalf("a UID stored under its own name cost %d calendar queries, want none", n)
	}
}

// UIDs match exactly: a UID that merely starts with the one asked for is
// another event.
func TestFindByUIDIsExact(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendarObject(t, "admin", "personal", "meet.ics", icsEvent("meet-2", "Named like the UID asked for"))
	nc.AddCalendarObject(t, "admin", "personal", "other.ics", icsEvent("meeting", "Longer UID"))
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	for _, uid := range []string{"meet", "meet-", "mee"} {
		o, err := d.FindByUID(ctx, cal, ical.CompEvent, uid)
		if !errors.Is(err, nextcloud.ErrNotFound) {
			t.Errorf("FindByUID(%q) = %q, %v; want ErrNotFound", uid, summaryOf(o), err)
		}
	}
	nc.AddCalendarObject(t, "admin", "personal", "exact.ics", icsEvent("meet", "Exact"))
	if o, err := d.FindByUID(ctx, cal, ical.CompEvent, "meet"); err != nil || summaryOf(o) != "Exact" {
		t.Errorf("FindByUID(meet) = %q, %v; want the exact UID", summaryOf(o), err)
	}
}

// A failing calendar search is reported, not taken for "no such UID".
func TestFindByUIDSearchFailure(t *testing.T) {
	nc := nctest.New(t)
	ctx := context.Background()
	d, cal := personalCalendar(t, nc)
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "REPORT" {
			http.Error(w, "broken", http.StatusForbidden)
			return true
		}
		return false
	})
	defer nc.SetFault(nil)
	_, err := d.FindByUID(ctx, cal, ical.CompEvent, "some-uid")
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.Status != http.StatusForbidden || errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("err = %v, want the 403", err)
	}
}

// When reading the object an id names fails for another reason than
// "not found", that failure is the answer: no search by UID (which would
// read {id}.ics, query the calendar and report "no event").
func TestCalendarObjectReadFailureIsReported(t *testing.T) {
	nc, d, cal := mineCalendar(t)
	ctx := context.Background()
	reports := 0
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "REPORT" {
			reports++
			return false
		}
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/locked") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return true
		}
		return false
	})
	t.Cleanup(func() { nc.SetFault(nil) })
	o, err := d.Object(ctx, cal, ical.CompEvent, "locked")
	if err == nil || errors.Is(err, nextcloud.ErrNotFound) || summaryOf(o) != "" {
		t.Fatalf("Object = %q, %v; want the read failure", summaryOf(o), err)
	}
	if reports != 0 {
		t.Fatalf("%d calendar queries after a failed read, want none", reports)
	}
}
