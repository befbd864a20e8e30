package nextcloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/radicaletest"
)

// davTarget is a CalDAV/CardDAV server the same scenarios run against:
// the in-process test Nextcloud, and Radicale, which nobody here wrote, so
// the fake cannot drift from a real implementation unnoticed.
type davTarget struct {
	client *nextcloud.Client
	book   string // an existing address book id
}

// openDAV opens CalDAV or CardDAV (open is Client.CalDAV or
// Client.CardDAV) with a fresh discovery cache, failing the test if it
// cannot.
func openDAV[D any](t testing.TB, open func(context.Context, *nextcloud.DAVCache) (D, error)) D {
	t.Helper()
	d, err := open(context.Background(), nextcloud.NewDAVCache())
	if err != nil {
		t.Fatalf("open DAV: %v", err)
	}
	return d
}

// addressBook opens CardDAV on the target and finds its address book.
func (tg davTarget) addressBook(t *testing.T) (*nextcloud.CardDAV, nextcloud.AddressBook) {
	t.Helper()
	d := openDAV(t, tg.client.CardDAV)
	ab, err := d.FindAddressBook(context.Background(), tg.book)
	if err != nil {
		t.Fatal(err)
	}
	return d, ab
}

// newCalendar opens CalDAV on the target and creates a calendar there.
func (tg davTarget) newCalendar(t *testing.T, opts nextcloud.CalendarOptions) (*nextcloud.CalDAV, nextcloud.Calendar) {
	t.Helper()
	d := openDAV(t, tg.client.CalDAV)
	cal, err := d.CreateCalendar(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, cal
}

func davTargets(t *testing.T) map[string]func(t *testing.T) davTarget {
	return map[string]func(t *testing.T) davTarget{
		"nctest": func(t *testing.T) davTarget {
			nc := nctest.New(t)
			return davTarget{client: nc.Client(t, "admin"), book: "contacts"}
		},
		"radicale": func(t *testing.T) davTarget {
			rs := radicaletest.Start(t)
			rs.AddAddressBook(t, "alice", "contacts", "Contacts")
			return davTarget{client: rs.Client(t, "alice"), book: "contacts"}
		},
	}
}

func TestDAVScenarios(t *testing.T) {
	for name, mk := range davTargets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			t.Run("events", func(t *testing.T) { eventScenario(t, tg) })
			t.Run("tasks", func(t *testing.T) { taskScenario(t, tg) })
			t.Run("contacts", func(t *testing.T) { contactScenario(t, tg) })
			t.Run("foreign card", func(t *testing.T) { foreignCardScenario(t, tg) })
			t.Run("foreign event", func(t *testing.T) { foreignEventScenario(t, tg) })
			t.Run("sync", func(t *testing.T) { syncScenario(t, tg) })
			t.Run("collections", func(t *testing.T) { collectionScenario(t, tg) })
		})
	}
}

// Text with everything escaping and quoting can get wrong.
const (
	nastySummary = `Meeting "A"; b, c: d \ e 😀 é`
	nastyText    = "line1\nline2; x, y \\ z \"q\" e\u0301"
)

func rawGet(t *testing.T, c *nextcloud.Client, href string) string {
	t.Helper()
	req, err := c.NewRequest(context.Background(), http.MethodGet, href, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Raw().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", href, resp.Status)
	}
	return string(b)
}

func rawPut(t *testing.T, c *nextcloud.Client, href, ctype, body string) {
	t.Helper()
	req, err := c.NewRequest(context.Background(), http.MethodPut, href, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := c.Raw().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s: %s", href, resp.Status)
	}
}

// linesExcept returns the unfolded-as-stored lines of an object, leaving
// out those of the named properties.
func linesExcept(s string, names ...string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n ", "\x00"), "\r\n") {
		name := l
		if i := strings.IndexAny(l, ";:"); i >= 0 {
			name = l[:i]
		}
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		skip := false
		for _, n := range names {
			if strings.EqualFold(name, n) {
				skip = true
			}
		}
		if !skip && l != "" {
			out = append(out, l)
		}
	}
	return out
}

func eventScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, cal := tg.newCalendar(t, nextcloud.CalendarOptions{Name: "Scenario events", Color: "#336699", Description: "Desc; with, specials"})
	if cal.Color != "#336699" || cal.Description != "Desc; with, specials" || cal.Name != "Scenario events" {
		t.Fatalf("created calendar %+v", cal)
	}
	loc := dstr("Building \"A\", Room 1; 2")
	ev, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{
		Summary: dstr(nastySummary), Location: loc, Description: dstr(nastyText),
		Start: dstr("2025-12-02T10:00:00"), TimeZone: dstr("Europe/Berlin"), Duration: dstr("1h"), RRule: dstr("FREQ=WEEKLY"),
		Categories: &[]string{"a, b", "c;d"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.GetEvent(ctx, cal, ev.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != nastySummary || got.Location != *loc || got.Description != nastyText || !reflect.DeepEqual(got.Categories, []string{"a, b", "c;d"}) {
		t.Fatalf("created event reads back changed: %q %q %q %q", got.Summary, got.Location, got.Description, got.Categories)
	}
	up, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Location: dstr("Elsewhere")}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Summary != nastySummary || up.Description != nastyText || up.Location != "Elsewhere" || !reflect.DeepEqual(up.Categories, got.Categories) {
		t.Fatalf("updating the location changed other fields: %+v", up.Event)
	}
	// The series keeps 10:00 Berlin time in summer: 08:00Z. The server
	// filters by the time range using the VTIMEZONE the client wrote.
	occ := time.Date(2026, 7, 7, 8, 0, 0, 0, time.UTC)
	list, err := d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{cal}, From: occ.Add(-30 * time.Minute), To: occ.Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Events) != 1 || !list.Events[0].StartTime().Equal(occ) {
		t.Fatalf("July occurrence: want one at %s, got %+v", occ, list.Events)
	}
	// One occurrence moved, another removed: the server's time-range
	// query and the client's expansion agree.
	moved := occ.AddDate(0, 0, 7)
	if _, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Start: dstr(moved.Add(2 * time.Hour).Format(time.RFC3339)), Summary: dstr("Moved once")}, moved.Format(time.RFC3339), ""); err != nil {
		t.Fatalf("move one occurrence: %v", err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, occ.AddDate(0, 0, 14).Format(time.RFC3339), ""); err != nil {
		t.Fatalf("delete one occurrence: %v", err)
	}
	week, err := d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{cal}, From: occ.Add(-time.Hour), To: occ.AddDate(0, 0, 22)})
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, e := range week.Events {
		starts = append(starts, e.StartTime().UTC().Format(time.RFC3339)+" "+e.Summary)
	}
	want := []string{occ.Format(time.RFC3339) + " " + nastySummary, moved.Add(2*time.Hour).Format(time.RFC3339) + " Moved once", occ.AddDate(0, 0, 21).Format(time.RFC3339) + " " + nastySummary}
	if !reflect.DeepEqual(starts, want) {
		t.Fatalf("occurrences after moving and deleting one:\n got %q\nwant %q", starts, want)
	}
	ev, err = d.GetEvent(ctx, cal, ev.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpdateEvent(ctx, cal, ev.ID, nextcloud.EventInput{Summary: dstr("stale")}, "", "0123-stale"); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	err = d.DeleteEvent(ctx, cal, ev.ID, "", "0123-stale")
	var ne *nextcloud.Error
	if !errors.Is(err, nextcloud.ErrConflict) || !errors.As(err, &ne) || ne.Method != http.MethodDelete {
		t.Fatalf("stale delete: %v", err)
	}
	if err := d.DeleteEvent(ctx, cal, ev.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetEvent(ctx, cal, ev.ID, nil); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("deleted event: %v", err)
	}
}

func taskScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, list := tg.newCalendar(t, nextcloud.CalendarOptions{Name: "Scenario tasks", Components: []string{"VTODO"}})
	parent, err := d.CreateTask(ctx, list, nextcloud.TaskInput{Summary: dstr("Parent")})
	if err != nil {
		t.Fatal(err)
	}
	child, err := d.CreateTask(ctx, list, nextcloud.TaskInput{Summary: dstr(nastySummary), Description: dstr(nastyText), Parent: dstr(parent.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if child.Summary != nastySummary || child.Description != nastyText || child.Parent != parent.UID {
		t.Fatalf("created task %+v", child)
	}
	done := 100
	up, err := d.UpdateTask(ctx, list, child.ID, nextcloud.TaskInput{PercentComplete: &done}, "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Summary != nastySummary || up.Description != nastyText || up.Parent != parent.UID {
		t.Fatalf("completing changed other fields: %+v", up)
	}
	err = d.DeleteTask(ctx, list, child.ID, child.ETag)
	var ne *nextcloud.Error
	if !errors.Is(err, nextcloud.ErrConflict) || !errors.As(err, &ne) || ne.Method != http.MethodDelete || strings.Contains(err.Error(), "PUT") {
		t.Fatalf("stale delete: %v", err)
	}
	// Re-parenting replaces only the parent relation; making a task the
	// child of its own subtask is refused.
	href := list.Href + "rel-1.ics"
	rawPut(t, tg.client, href, "text/calendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VTODO\r\nUID:rel-1\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Related\r\n"+
		"RELATED-TO;RELTYPE=SIBLING:sib-1\r\nRELATED-TO:"+parent.UID+"\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
	other, err := d.CreateTask(ctx, list, nextcloud.TaskInput{Summary: dstr("Other parent")})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := d.UpdateTask(ctx, list, "rel-1.ics", nextcloud.TaskInput{Parent: dstr(other.UID)}, "")
	if err != nil || moved.Parent != other.UID {
		t.Fatalf("re-parent: %+v %v", moved, err)
	}
	if raw := rawGet(t, tg.client, href); !strings.Contains(raw, "RELATED-TO;RELTYPE=SIBLING:sib-1") || strings.Contains(raw, parent.UID) {
		t.Fatalf("re-parenting changed the other relations:\n%s", raw)
	}
	if _, err := d.UpdateTask(ctx, list, other.ID, nextcloud.TaskInput{Parent: dstr("rel-1")}, ""); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("parent cycle accepted: %v", err)
	}
	if err := d.DeleteTask(ctx, list, child.ID, ""); err != nil {
		t.Fatal(err)
	}
}

func contactScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, ab := tg.addressBook(t)
	in := nextcloud.ContactInput{
		FullName: dstr(`Tee; Kuchen, "Bäcker" \ 😀`), Nickname: dstr(`Nick, "N"; x`), Title: dstr("CEO; R&D"), Note: dstr(nastyText),
		Organization: dstr("ACME; Inc, Ltd"),
		Addresses:    &[]nextcloud.PostalAddress{{Street: "Königstraße 12; Hof", City: `Mün"chen`, Types: []string{"home"}}},
		Categories:   &[]string{"A, B", "C"},
	}
	c, err := d.CreateContact(ctx, ab, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.FullName != *in.FullName || c.Nickname != *in.Nickname || c.Title != *in.Title || c.Note != nastyText || c.Organization != *in.Organization ||
		len(c.Addresses) != 1 || c.Addresses[0].Street != "Königstraße 12; Hof" || c.Addresses[0].City != `Mün"chen` || !reflect.DeepEqual(c.Categories, []string{"A, B", "C"}) {
		t.Fatalf("created contact reads back changed: %+v", c)
	}
	for i := 0; i < 2; i++ { // no growth on repeated writes
		up, err := d.UpdateContact(ctx, ab, c.ID, nextcloud.ContactInput{Phones: &[]nextcloud.TypedValue{{Value: "+49 1"}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		up.ETag, up.Phones, c.Phones = "", nil, nil
		c.ETag = ""
		if !reflect.DeepEqual(up, c) {
			t.Fatalf("update %d of the phone changed other fields:\n%+v\n%+v", i+1, up, c)
		}
	}
	only, err := d.CreateContact(ctx, ab, nextcloud.ContactInput{FullName: dstr("Only Fullname")})
	if err != nil {
		t.Fatal(err)
	}
	raw := rawGet(t, tg.client, ab.Href+only.ID)
	if !strings.Contains(raw, "\r\nN:") {
		t.Fatalf("a vCard 3.0 needs N:\n%s", raw)
	}
	for _, l := range strings.Split(rawGet(t, tg.client, ab.Href+c.ID), "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line of %d octets, not folded at 75: %q", len(l), l)
		}
	}
}

// A card as another client (Apple, DAVx⁵, Thunderbird) writes it.
const foreignCard = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:foreign-1\r\nFN:Tee\\; Kuchen\r\nN:Kuchen;Tee;;;\r\n" +
	"item1.EMAIL;TYPE=INTERNET:tee@example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n" +
	"ADR;TYPE=HOME;LABEL=\"Königstraße 12, 80331 München\":;;Königstraße 12;München;;80331;\r\n" +
	"X-CUSTOM;X-NOTE=\"a:b;c\":value\r\nURL:https://example.com/a,b?x=1;y=2\r\nGEO:geo:52.52,13.405\r\n" +
	"PHOTO;VALUE=uri:data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\nTITLE:Chef\\, Koch\r\nNICKNAME:T\\;K\r\n" +
	"NOTE:first line\\nsecond\\, with comma and a very long text that another client folded at seventy-five octets\r\n" +
	"CATEGORIES:Friends,Family\r\nEND:VCARD\r\n"

func foreignCardScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, ab := tg.addressBook(t)
	href := ab.Href + "foreign-1.vcf"
	rawPut(t, tg.client, href, "text/vcard", foreignCard)
	before := rawGet(t, tg.client, href)
	c, err := d.GetContact(ctx, ab, "foreign-1.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if c.FullName != "Tee; Kuchen" || c.Title != "Chef, Koch" || c.Nickname != "T;K" {
		t.Fatalf("foreign card read as %+v", c)
	}
	for i := 0; i < 2; i++ {
		if _, err := d.UpdateContact(ctx, ab, "foreign-1.vcf", nextcloud.ContactInput{Note: dstr("new note " + string(rune('a'+i)))}, ""); err != nil {
			t.Fatal(err)
		}
	}
	after := rawGet(t, tg.client, href)
	if b, a := linesExcept(before, "NOTE", "REV"), linesExcept(after, "NOTE", "REV"); !reflect.DeepEqual(b, a) {
		t.Fatalf("updating the note changed other lines:\nbefore:\n%s\nafter:\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	if !strings.Contains(after, "NOTE:new note b") {
		t.Fatalf("note not written:\n%s", after)
	}
}

// An event as other clients write it: a custom VTIMEZONE, X- properties,
// quoted parameters, alarms and relations.
const foreignEvent = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//Client//EN\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Custom Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
	"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nUID:foreign-ev-1\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Team\\, weekly\r\nDTSTART;TZID=Custom Zone:20250310T100000\r\nDTEND;TZID=Custom Zone:20250310T110000\r\n" +
	"ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED:mailto:jane@example.com\r\nX-MOZ-GENERATION:3\r\nGEO:52.52;13.405\r\n" +
	"RELATED-TO;RELTYPE=SIBLING:other-uid\r\nDESCRIPTION:Agenda: a\\, b\\; c\\nline two that is long enough to be folded by the other client at 75 octets\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func foreignEventScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, cal := tg.newCalendar(t, nextcloud.CalendarOptions{Name: "Scenario foreign"})
	href := cal.Href + "foreign-ev-1.ics"
	rawPut(t, tg.client, href, "text/calendar", foreignEvent)
	before := rawGet(t, tg.client, href)
	if _, err := d.UpdateEvent(ctx, cal, "foreign-ev-1.ics", nextcloud.EventInput{Location: dstr("Room 2")}, "", ""); err != nil {
		t.Fatal(err)
	}
	after := rawGet(t, tg.client, href)
	changed := []string{"LOCATION", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE"}
	if b, a := linesExcept(before, changed...), linesExcept(after, changed...); !reflect.DeepEqual(b, a) {
		t.Fatalf("updating the location changed other lines:\nbefore:\n%s\nafter:\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	ev, err := d.GetEvent(ctx, cal, "foreign-ev-1.ics", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// A non-IANA zone: 10:00 in March (standard time) is 09:00Z.
	if ev.Location != "Room 2" || ev.Summary != "Team, weekly" || ev.Start != "2025-03-10T09:00:00Z" {
		t.Fatalf("event %+v", ev.Event)
	}
}

// Some servers answer 404 for the DAV root without its trailing slash.
func TestDAVPrincipalLookedUpWithTrailingSlash(t *testing.T) {
	nc := nctest.New(t)
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "PROPFIND" && r.URL.Path == "/remote.php/dav" {
			http.NotFound(w, r)
			return true
		}
		return false
	})
	if _, err := nc.Client(t, "admin").CalDAV(context.Background(), nextcloud.NewDAVCache()); err != nil {
		t.Fatal(err)
	}
}

// Without an organizer, an EMAIL reminder goes to the user's calendar
// address from the principal (RFC 6638 calendar-user-address-set).
func TestEmailReminderAttendeeFromCalendarUserAddress(t *testing.T) {
	nc := nctest.New(t)
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != "PROPFIND" || !strings.HasPrefix(r.URL.Path, "/remote.php/dav/principals/") {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), "calendar-user-address-set") {
			r.Body = io.NopCloser(strings.NewReader(string(b)))
			return false
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = io.WriteString(w, `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:response><d:href>`+r.URL.Path+
			`</d:href><d:propstat><d:prop><cal:calendar-user-address-set><d:href>/remote.php/dav/principals/users/admin/</d:href><d:href>mailto:admin@example.org</d:href></cal:calendar-user-address-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`)
		return true
	})
	d := calDAV(t, nc, "admin")
	ev, err := d.CreateEvent(context.Background(), findCal(t, d, "personal"), nextcloud.EventInput{Summary: dstr("x"), Start: dstr("2025-03-10T10:00:00Z"),
		Reminders: &[]nextcloud.Reminder{{MinutesBefore: 30, Action: "EMAIL"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ics, _ := nc.CalendarICS("admin", "personal", ev.ID); !strings.Contains(ics, "ATTENDEE:mailto:admin@example.org\r\n") {
		t.Fatalf("stored:\n%s", ics)
	}
}

// The search index follows changes by sync-collection (RFC 6578): a
// changed card and a deleted one show up after the token.
func syncScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	d, ab := tg.addressBook(t)
	a, err := d.CreateContact(ctx, ab, nextcloud.ContactInput{FullName: dstr("Sync A")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.CreateContact(ctx, ab, nextcloud.ContactInput{FullName: dstr("Sync B")})
	if err != nil {
		t.Fatal(err)
	}
	_, tokens, err := d.AddressBooksWithSyncTokens(ctx)
	if err != nil || tokens[ab.Href] == "" {
		t.Fatalf("sync tokens %v %v", tokens, err)
	}
	if _, err := d.UpdateContact(ctx, ab, a.ID, nextcloud.ContactInput{Title: dstr("Changed")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteContact(ctx, ab, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	sc, err := d.SyncCollection(ctx, ab, tokens[ab.Href])
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, m := range sc.Changed {
		changed = append(changed, m.Href)
	}
	if !reflect.DeepEqual(changed, []string{ab.Href + a.ID}) || !reflect.DeepEqual(sc.Deleted, []string{ab.Href + b.ID}) || sc.Token == "" {
		t.Fatalf("sync since the token: changed %q, deleted %q, token %q", changed, sc.Deleted, sc.Token)
	}
	objs, broken, err := d.MultiGet(ctx, ab, changed)
	if err != nil || len(broken) != 0 || len(objs) != 1 || nextcloud.ContactFromCard(objs[0].Card).Title != "Changed" {
		t.Fatalf("multiget %+v %+v %v", objs, broken, err)
	}
}
