package nextcloud

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

func TestFoldLineAt75OctetsKeepsUTF8(t *testing.T) {
	l := "NOTE:" + strings.Repeat("ä", 100) // 2 octets each
	out := foldLine(l)
	var joined strings.Builder
	for i, phys := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(phys) > 75 {
			t.Fatalf("line %d has %d octets", i, len(phys))
		}
		if i > 0 {
			if !strings.HasPrefix(phys, " ") {
				t.Fatalf("continuation %d does not start with a space", i)
			}
			phys = phys[1:]
		}
		if !utf8.ValidString(phys) {
			t.Fatalf("line %d splits a UTF-8 sequence: %q", i, phys)
		}
		joined.WriteString(phys)
	}
	if joined.String() != l {
		t.Fatal("unfolding does not give the line back")
	}
}

func TestContentLineQuotedParameters(t *testing.T) {
	cl, err := parseContentLine(`item1.ADR;TYPE=HOME,pref;LABEL="Königstraße 12, 80331 München";X-NOTE="a:b;c":;;Königstraße 12;München;;80331;`)
	if err != nil {
		t.Fatal(err)
	}
	if cl.group != "item1" || cl.name != "ADR" || cl.value != ";;Königstraße 12;München;;80331;" {
		t.Fatalf("%+v", cl)
	}
	want := map[string][]string{"TYPE": {"HOME", "pref"}, "LABEL": {"Königstraße 12, 80331 München"}, "X-NOTE": {"a:b;c"}}
	for _, p := range cl.params {
		if strings.Join(p.values, "|") != strings.Join(want[p.name], "|") {
			t.Fatalf("param %s = %q", p.name, p.values)
		}
	}
	// Written back, values with , ; : are quoted again.
	l := formatContentLine("", "ADR", map[string][]string{"LABEL": {"a, b"}, "X-NOTE": {"a:b;c"}}, "x")
	if l != "ADR;LABEL=\"a, b\";X-NOTE=\"a:b;c\":x\r\n" {
		t.Fatalf("formatted %q", l)
	}
}

func TestVTimezoneHasYearlyRules(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tz := vtimezoneFor(berlin, 2025)
	rules := map[string]string{}
	for _, obs := range tz.Children {
		if p := obs.Props.Get(ical.PropRecurrenceRule); p != nil {
			rules[obs.Name] = p.Value
		}
	}
	if rules[ical.CompTimezoneDaylight] != "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" || rules[ical.CompTimezoneStandard] != "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" || len(tz.Children) != 2 {
		t.Fatalf("observances %+v", rules)
	}
	// A zone without daylight saving time: one fixed observance.
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	if tz := vtimezoneFor(kolkata, 2025); len(tz.Children) != 1 || tz.Children[0].Props.Get(ical.PropTimezoneOffsetTo).Value != "+0530" {
		t.Fatalf("Kolkata: %+v", tz.Children)
	}
}

// secondChildEvent decodes an iCalendar object whose second child (after
// its VTIMEZONE) is an event, and reads the event in UTC.
func secondChildEvent(t *testing.T, data string) Event {
	t.Helper()
	cal, _, err := decodeCal([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := eventFromComponent(cal.Children[1], newTZResolver(cal), time.UTC, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestTZIDWithEscapedCommasMatchesVTimezone(t *testing.T) {
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:(UTC+05:30) Chennai\\, Kolkata\\, Mumbai\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=\"(UTC+05:30) Chennai, Kolkata, Mumbai\":20250310T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ev := secondChildEvent(t, data)
	if ev.Start != "2025-03-10T04:30:00Z" {
		t.Fatalf("start %s", ev.Start)
	}
}

// An object another client wrote (its own property order, folding and
// quoting) keeps every line but the changed ones byte for byte.
func TestEncodeCalKeepsUntouchedLinesByteForByte(t *testing.T) {
	orig := "BEGIN:VCALENDAR\r\nPRODID:-//Other//EN\r\nVERSION:2.0\r\nX-WR-CALNAME:x\r\n" +
		"BEGIN:VEVENT\r\nUID:e1\r\nSUMMARY:Team\\, weekly\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250310T100000Z\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED;CN=\"Doe, Jane\":mailto:jane@example.com\r\nX-MOZ-GENERATION:3\r\n" +
		"DESCRIPTION:a long description that the other client folded somewhere \r\n before seventy-five octets\r\n" +
		"RELATED-TO;RELTYPE=SIBLING:s1\r\nRELATED-TO;RELTYPE=PARENT:p1\r\n" +
		"BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nACTION:DISPLAY\r\nDESCRIPTION:r\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, o, err := decodeCal([]byte(orig))
	if err != nil {
		t.Fatal(err)
	}
	if err := UpdateEventCalendar(cal, EventInput{Location: ptr(`Room "2"; a, b`)}, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	out, err := encodeCal(cal, o)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(orig, "\r\n") {
		if !strings.HasPrefix(l, "DTSTAMP") && !strings.HasPrefix(l, " ") {
			kept = append(kept, l)
		}
	}
	got := string(out)
	pos := 0
	for _, l := range kept {
		if strings.HasPrefix(l, "DESCRIPTION:a long") {
			l = "DESCRIPTION:a long description that the other client folded somewhere \r\n before seventy-five octets\r\n"
		}
		i := strings.Index(got[pos:], l)
		if i < 0 {
			t.Fatalf("line %q lost or moved:\n%s", l, got)
		}
		pos += i + len(l)
	}
	if !strings.Contains(got, "LOCATION:Room \"2\"\\; a\\, b\r\n") {
		t.Fatalf("location not written escaped:\n%s", got)
	}
	// A long new value is folded at 75 octets.
	if err := UpdateEventCalendar(cal, EventInput{Location: ptr(strings.Repeat("Längere Ortsangabe ", 10))}, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	out, err = encodeCal(cal, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
	}
}

// A non-IANA zone with daylight saving rules (as Outlook writes custom
// zones) follows them in every year, instead of a fixed offset.
func TestCustomZoneWithDaylightRules(t *testing.T) {
	for _, tc := range []struct{ tzid, std, dst, start, want string }{
		{"Customized Time Zone", "DTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100",
			"DTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200", "20300710T100000", "2030-07-10T08:00:00Z"},
		{"Customized Time Zone", "DTSTART:16010101T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100",
			"DTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200", "20300110T100000", "2030-01-10T09:00:00Z"},
		// Southern hemisphere, half-hour: daylight from the first Sunday
		// of October, standard from the first Sunday of April.
		{"My Adelaide", "DTSTART:20080406T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\nTZOFFSETFROM:+1030\r\nTZOFFSETTO:+0930\r\nTZNAME:ACST",
			"DTSTART:20081005T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\nTZOFFSETFROM:+0930\r\nTZOFFSETTO:+1030\r\nTZNAME:ACDT", "20270115T100000", "2027-01-14T23:30:00Z"},
		{"My Adelaide", "DTSTART:20080406T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\nTZOFFSETFROM:+1030\r\nTZOFFSETTO:+0930\r\nTZNAME:ACST",
			"DTSTART:20081005T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\nTZOFFSETFROM:+0930\r\nTZOFFSETTO:+1030\r\nTZNAME:ACDT", "20270715T100000", "2027-07-15T00:30:00Z"},
	} {
		data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:" + tc.tzid + "\r\nBEGIN:STANDARD\r\n" + tc.std + "\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n" + tc.dst +
			"\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=" + tc.tzid + ":" + tc.start + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		ev := secondChildEvent(t, data)
		if ev.Start != tc.want {
			t.Errorf("%s %s: start %s, want %s", tc.tzid, tc.start, ev.Start, tc.want)
		}
	}
}

// A line no parser can read does not make the whole card unreadable (as
// with go-vcard): it is skipped when reading and written back as it was.
func TestUnreadableCardLineKeptAsIs(t *testing.T) {
	data := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nthis line has no colon\r\nTITLE:Old\r\nEND:VCARD\r\n"
	card, o, err := decodeCard([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if ContactFromCard(card).FullName != "Ann" {
		t.Fatalf("read %+v", card)
	}
	if err := ApplyContactInput(card, ContactInput{Title: ptr("New")}, time.Now()); err != nil {
		t.Fatal(err)
	}
	out, err := encodeCard(card, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "FN:Ann\r\nthis line has no colon\r\nTITLE:New\r\n") {
		t.Fatalf("written:\n%s", out)
	}
}

// The VTIMEZONE written for an event is followed by readers that use it
// rather than the IANA name: summer years after the event's start keep
// their daylight saving time (a one-year VTIMEZONE put them an hour off).
func TestVTimezoneFollowedByReadersOfItsRules(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tz := vtimezoneFor(berlin, 2025)
	// The project's own reader of non-IANA zones.
	custom := cloneComponent(tz)
	custom.Props.SetText(ical.PropTimezoneID, "Berlin as sent")
	custom.Props.Del("X-LIC-LOCATION")
	cal := newCalendar()
	ev := ical.NewComponent(ical.CompEvent)
	ds := ical.NewProp(ical.PropDateTimeStart)
	ds.Value = "20300709T100000"
	ds.Params.Set(ical.PropTimezoneID, "Berlin as sent")
	ev.Props.Set(ds)
	cal.Children = []*ical.Component{custom, ev}
	st, err := parseICalTime(ev.Props.Get(ical.PropDateTimeStart), newTZResolver(cal), time.UTC)
	if err != nil || !st.T.Equal(time.Date(2030, 7, 9, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("July 2030 10:00 read as %v (%v), want 08:00Z", st.T.UTC(), err)
	}
	// python-dateutil's tzical (installed with radicale), which nobody
	// here wrote.
	py := "/usr/bin/python3"
	if _, err := exec.LookPath(py); err != nil {
		py = "python3"
	}
	if exec.Command(py, "-c", "import dateutil.tz").Run() != nil {
		testutil.Unavailable(t, "python3-dateutil missing (it comes with radicale): apt-get install radicale")
	}
	wrap := ical.NewCalendar()
	wrap.Props.SetText(ical.PropVersion, "2.0")
	wrap.Props.SetText(ical.PropProductID, "x")
	// (tzical refuses X- properties, so the copy without X-LIC-LOCATION.)
	wrap.Children = []*ical.Component{custom}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(wrap); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "tz.ics")
	if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", `import sys, datetime
from dateutil.tz import tzical
tz = tzical(sys.argv[1]).get()
for y in (2025, 2026, 2030, 2040):
    print(y, datetime.datetime(y, 7, 9, 10, 0, tzinfo=tz).utcoffset(), datetime.datetime(y, 1, 9, 10, 0, tzinfo=tz).utcoffset())`, f).CombinedOutput()
	if err != nil {
		t.Fatalf("dateutil: %v\n%s", err, out)
	}
	want := "2025 2:00:00 1:00:00\n2026 2:00:00 1:00:00\n2030 2:00:00 1:00:00\n2040 2:00:00 1:00:00\n"
	if string(out) != want {
		t.Fatalf("dateutil reads the VTIMEZONE as\n%swant\n%s", out, want)
	}
}

// A VTODO without UID cannot be addressed: it is reported as unreadable,
// not listed with an empty id.
func TestTaskWithoutUIDIsUnreadable(t *testing.T) {
	cal, _, err := decodeCal([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:No id\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := taskFromComponent(cal.Children[0], nil, time.UTC, nil); err == nil || !strings.Contains(err.Error(), "no UID") {
		t.Fatalf("task without UID: %v", err)
	}
	if _, err := taskOf(Calendar{ID: "l"}, CalObject{Href: "/x.ics", Data: cal}, nil); err == nil {
		t.Fatal("taskOf accepted a task without UID")
	}
}
