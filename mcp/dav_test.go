package mcp

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// The text parts the calendar, task and contact results share.
func TestDAVResultTexts(t *testing.T) {
	cals := []nextcloud.Calendar{
		{ID: "personal", Name: "Personal", Components: []string{"VEVENT", "VTODO"}, Color: "#0082c9"},
		{ID: "team_shared_by_bob", Name: "Team", Components: []string{"VEVENT"}, Shared: true, Owner: "bob", ReadOnly: true},
	}
	for _, c := range []struct {
		name, got, want string
	}{{
		"calendars", collectionsText("calendars", cals, true),
		"2 calendars:\n- personal \"Personal\" [VEVENT, VTODO] #0082c9\n- team_shared_by_bob \"Team\" [VEVENT] shared by bob (read-only)\n",
	}, {
		"task lists", collectionsText("task lists", cals[1:], false),
		"1 task lists:\n- team_shared_by_bob \"Team\" shared by bob (read-only)\n",
	}, {
		"last page", pageText("tasks", pageOut{Total: 2, Offset: 1}, []string{"b"}, func(s string) string { return "- " + s + "\n" }, nil),
		"2 tasks:\n- b\n",
	}, {
		"middle page with skipped", pageText("contacts", pageOut{Total: 3, Offset: 1, NextOffset: 2}, []string{"b"}, func(s string) string { return "- " + s + "\n" },
			[]nextcloud.BrokenObject{{Href: "/x.vcf", Error: "bad"}}),
		"3 contacts (showing 1 from 1; next page: offset 2):\n- b\n\nSkipped 1 unreadable object(s) stored on the server:\n- /x.vcf: bad\n",
	}, {
		"item with action", itemText("Task", "created in list tasks", "- [ ] Buy milk\n").String(),
		"Task created in list tasks.\n[ ] Buy milk\n",
	}, {
		"item without action", itemText("Event", "", "- 2026-03-10: Dentist\n").String(),
		"2026-03-10: Dentist\n",
	}} {
		if c.got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
		}
	}
}

func TestDAVCheckWhen(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		tz    *string
		times map[string]*string
		err   string
	}{
		{nil, nil, ""},
		{s(""), map[string]*string{"due": s(""), "start": nil}, ""},
		{s("Europe/Berlin"), map[string]*string{"due": s("2026-03-10T09:00")}, ""},
		{s("Mars/Olympus"), nil, "Mars/Olympus"},
		{nil, map[string]*string{"due": s("next week")}, "due:"},
	} {
		err := checkWhen(c.tz, c.times)
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("checkWhen(%v, %v) = %v, want an error with %q", c.tz, c.times, err, c.err)
		}
	}
}

// pageOf cuts one page and never answers nil (the JSON says [] then).
func TestPageOf(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	for _, c := range []struct {
		offset, limit int
		want          string
		page          pageOut
	}{
		{0, 2, "a b", pageOut{Total: 5, Offset: 0, NextOffset: 2}},
		{2, 2, "c d", pageOut{Total: 5, Offset: 2, NextOffset: 4}},
		{4, 2, "e", pageOut{Total: 5, Offset: 4}},
		{9, 2, "", pageOut{Total: 5, Offset: 5}},
	} {
		got, p := pageOf(items, c.offset, c.limit)
		if strings.Join(got, " ") != c.want || p != c.page || got == nil {
			t.Errorf("pageOf(offset %d, limit %d) = %q, %+v; want %q, %+v", c.offset, c.limit, got, p, c.want, c.page)
		}
	}
	if got, p := pageOf([]nextcloud.Event(nil), 0, 10); got == nil || len(got) != 0 || p != (pageOut{}) {
		t.Errorf("no events gave %#v, %+v", got, p)
	}
}
