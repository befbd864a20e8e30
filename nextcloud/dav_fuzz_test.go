package nextcloud

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-vcard"
)

// The fuzz targets below run their seed corpus as ordinary tests; run
// them longer with e.g. go test ./nextcloud -run '^$' -fuzz FuzzEventInputToICS -fuzztime 30s.

func decodeICS(data []byte) (*ical.Calendar, error) {
	var cal *ical.Calendar
	err := safely(func() error {
		var err error
		cal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
		return err
	})
	return cal, err
}

func encodeICS(t *testing.T, cal *ical.Calendar) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		t.Fatalf("built calendar does not encode: %v", err)
	}
	return buf.Bytes()
}

// FuzzEventInputToICS: whatever a model passes as tool arguments either
// is refused with an error or becomes iCalendar that encodes, parses back
// and reads as the same event.
func FuzzEventInputToICS(f *testing.F) {
	f.Add("Planning", "2025-03-10T09:00:00", "2025-03-10T10:00:00", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=MO", "Room 1", "notes\nmore", "work", "bob@example.com", "Bob", 15)
	f.Add("Trip", "2025-07-01", "2025-07-04", "", "", "", "", "", "", "", 0)
	f.Add("x;y,z\\", "2025-03-10T09:00:00Z", "", "UTC", "FREQ=DAILY;COUNT=3", "a,b;c", "\r\n\x00", "a,b", "a@b.c", "O'Brien, \"Jr\"", -5)
	f.Add("Zone", "2025-10-26T02:30:00", "2025-10-26T03:30:00", "Europe/Paris", "FREQ=YEARLY", "", "", "", "", "", 1440)
	f.Add("Bad", "2025-02-30", "", "Mars/Base", "FREQ=SOMETIMES", "", "", "", "x", "", 0)
	f.Fuzz(func(t *testing.T, summary, start, end, tz, rr, location, desc, cat, email, name string, minutes int) {
		in := EventInput{Summary: &summary, Start: &start, Location: &location, Description: &desc, Categories: &[]string{cat},
			Reminders: &[]Reminder{{MinutesBefore: minutes}}}
		if end != "" {
			in.End = &end
		}
		if tz != "" {
			in.TimeZone = &tz
		}
		if rr != "" {
			in.RRule = &rr
		}
		if email != "" {
			in.Attendees = &[]Attendee{{Email: email, Name: name}}
			in.Organizer = &Attendee{Email: email, Name: name}
		}
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		cal, err := NewEventCalendar("uid-1", in, now)
		if err != nil {
			return
		}
		data := encodeICS(t, cal)
		back, err := decodeICS(data)
		if err != nil {
			t.Fatalf("built ICS does not parse back: %v\n%s", err, data)
		}
		master := masterComponent(back, ical.CompEvent)
		ev, err := eventFromComponent(master, newTZResolver(back), time.UTC, nil)
		if err != nil {
			t.Fatalf("built event does not read back: %v\n%s", err, data)
		}
		if ev.Summary != cleanLine(summary) {
			t.Fatalf("summary %q became %q", summary, ev.Summary)
		}
		if want := strings.TrimSpace(cleanText(desc)); ev.Description != want {
			t.Fatalf("description %q became %q", want, ev.Description)
		}
		if ev.EndTime().Before(ev.StartTime()) || (!ev.EndTime().After(ev.StartTime())) {
			t.Fatalf("end %s not after start %s", ev.End, ev.Start)
		}
		if in.Attendees != nil && (len(ev.Attendees) != 1 || !strings.EqualFold(ev.Attendees[0].Email, strings.TrimPrefix(strings.TrimSpace(email), "mailto:"))) {
			if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(email)), "mailto:") {
				t.Fatalf("attendee %q became %+v", email, ev.Attendees)
			}
		}
		// And listing it works too.
		if _, err := expandCalendar(back, ev.StartTime().Add(-time.Hour), ev.StartTime().AddDate(1, 0, 0), time.UTC, nil); err != nil {
			t.Fatalf("built event does not expand: %v\n%s", err, data)
		}
		// An update with the same fields keeps it valid.
		if err := UpdateEventCalendar(back, EventInput{Summary: &summary, Location: &location}, "", now); err != nil {
			t.Fatalf("update: %v", err)
		}
		encodeICS(t, back)
	})
}

// FuzzICSToEvents: whatever a server stores, reading it yields events or
// an error, never a panic or a hang.
func FuzzICSToEvents(f *testing.F) {
	seeds := []string{
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20250310T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20250311T090000,20250312T090000\r\nSUMMARY:S\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20250101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250313T090000\r\nDTSTART;TZID=Europe/Berlin:20250313T110000\r\nDTEND;TZID=Europe/Berlin:20250313T120000\r\nSUMMARY:moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20250310\r\nRRULE:FREQ=YEARLY;UNTIL=20300310\r\nRDATE;VALUE=DATE:20250401\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=Custom:20250310T090000\r\nDTEND;TZID=Custom:20250310T080000\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nUID:t\r\nDUE:20250310\r\nPRIORITY:12\r\nPERCENT-COMPLETE:x\r\nRELATED-TO:p\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART:20250310T090000Z\r\nRRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nX;A=\"b\"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := decodeICS(data)
		if err != nil || cal == nil || cal.Component == nil {
			return
		}
		from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		evs, err := expandCalendar(cal, from, from.AddDate(0, 1, 0), time.UTC, nil)
		if err == nil {
			for _, e := range evs {
				if e.Start == "" || e.EndTime().Before(e.StartTime()) {
					t.Fatalf("bad event %+v", e)
				}
			}
		}
		if o := (CalObject{Href: "/x.ics", Data: cal}); masterComponent(cal, ical.CompEvent) != nil {
			_, _ = eventOf(Calendar{ID: "c"}, o, nil)
		}
		if td := masterComponent(cal, ical.CompToDo); td != nil {
			if task, err := taskFromComponent(td, newTZResolver(cal), time.UTC, nil); err == nil {
				if task.Priority < 0 || task.Priority > 9 || task.PercentComplete < 0 || task.PercentComplete > 100 {
					t.Fatalf("task out of range %+v", task)
				}
			}
		}
		if masterComponent(cal, ical.CompEvent) != nil {
			_ = UpdateEventCalendar(cal, EventInput{Summary: ptr("s")}, "", from)
			_ = DeleteOccurrence(cal, "2025-03-10T09:00:00Z", from)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// FuzzContactInputToVCard: contact tool arguments become vCards that
// parse back to the same values, or are refused.
func FuzzContactInputToVCard(f *testing.F) {
	f.Add("Anna", "Berg", "anna@example.com", "+49 170 1", "Hauptstr. 1; Hof", "Berlin", "ACME; R&D", "1985-04-15", "Friends, Work", "note\nline", "3.0")
	f.Add("", "", "", "", "", "", "Only Org", "--07-04", "", "", "4.0")
	f.Add("A,B", "C\\D", "x@y", "call", "", "", "", "31.12.1999", "", "\r", "4.0")
	f.Fuzz(func(t *testing.T, given, family, email, phone, street, city, org, bday, cat, note, version string) {
		in := ContactInput{GivenName: &given, FamilyName: &family, Organization: &org, Note: &note, Categories: &[]string{cat}}
		if email != "" {
			in.Emails = &[]TypedValue{{Value: email, Types: []string{"work"}, Preferred: true}}
		}
		if phone != "" {
			in.Phones = &[]TypedValue{{Value: phone, Types: []string{"cell"}}}
		}
		if street != "" || city != "" {
			in.Addresses = &[]PostalAddress{{Street: street, City: city}}
		}
		if bday != "" {
			in.Birthday = &bday
		}
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		card := vcard.Card{}
		card.SetValue(vcard.FieldVersion, version)
		card.SetValue(vcard.FieldUID, "u")
		if err := ApplyContactInput(card, in, now); err != nil {
			return
		}
		data, err := encodeCard(card, nil)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		buf := bytes.NewBuffer(data)
		back, _, err := decodeCard(data)
		if err != nil {
			t.Fatalf("built vCard does not parse back: %v\n%s", err, buf.String())
		}
		c := ContactFromCard(back)
		if c.FullName == "" {
			t.Fatalf("no name:\n%s", buf.String())
		}
		if g := cleanValue(given); g != "" && c.GivenName != g {
			t.Fatalf("given name %q became %q\n%s", g, c.GivenName, buf.String())
		}
		if o := cleanValue(org); o != "" && c.Organization != o {
			t.Fatalf("organization %q became %q\n%s", o, c.Organization, buf.String())
		}
		if in.Emails != nil && (len(c.Emails) != 1 || c.Emails[0].Value != strings.TrimSpace(email)) {
			t.Fatalf("email %q became %+v\n%s", email, c.Emails, buf.String())
		}
		if in.Addresses != nil && len(c.Addresses) == 1 && c.Addresses[0].City != cleanValue(city) {
			t.Fatalf("city %q became %q\n%s", city, c.Addresses[0].City, buf.String())
		}
		if in.Birthday != nil && c.Birthday != strings.TrimSpace(bday) {
			t.Fatalf("birthday %q became %q", bday, c.Birthday)
		}
	})
}

// FuzzVCardToContact: any stored card reads without panicking.
func FuzzVCardToContact(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nN:B;A;;;\r\nEMAIL;TYPE=INTERNET,pref:a@b.c\r\nADR:;;s;c;r;p;x\r\nBDAY:19900101\r\nCATEGORIES:a,b\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nTEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1\r\nORG:;;\r\nBDAY:--0229\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\r\nEMAIL;TYPE=\"unterminated:x\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, _, err := decodeCard(data)
		if err != nil || len(card) == 0 {
			return
		}
		c, err := contactOf(AddressBook{ID: "b"}, CardObject{Href: "/x.vcf", Card: card})
		if err != nil {
			return
		}
		if !ContactMatches(c, c.FullName) && c.FullName != "" {
			t.Fatalf("a contact does not match its own name %q", c.FullName)
		}
		_ = ApplyContactInput(card, ContactInput{Title: ptr("t")}, time.Now())
	})
}

// FuzzCardEditKeepsOtherProperties: changing the title of any readable
// card leaves every other property's fields as they were, and the result
// reads back.
func FuzzCardEditKeepsOtherProperties(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tee\\; Kuchen\r\nitem1.EMAIL;TYPE=INTERNET:a@b.c\r\nADR;LABEL=\"a, b\":;;s;c;;;\r\nX-A;X-B=\"a:b;c\":v\r\nPHOTO;VALUE=uri:data:image/png;base64,AAA\r\n BBB\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\nVERSION:4.0\nN:a\\;b;c;;;\nGEO:geo:1,2\nEND:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, orig, err := decodeCard(data)
		if err != nil || card.Value(vcard.FieldVersion) == "" {
			return
		}
		if err := ApplyContactInput(card, ContactInput{Title: ptr("New; title, \"x\"")}, time.Now()); err != nil {
			return
		}
		out, err := encodeCard(card, orig)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, _, err := decodeCard(out)
		if err != nil {
			t.Fatalf("edited card does not read back: %v\n%s", err, out)
		}
		for k, fs := range orig.snap {
			if k == vcard.FieldTitle || k == vcard.FieldRevision || k == vcard.FieldFormattedName {
				continue
			}
			if !sameFields(fs, back[k]) {
				t.Fatalf("%s changed: %+v -> %+v\n%s", k, fs, back[k], out)
			}
		}
		if got := ContactFromCard(back).Title; got != "New; title, \"x\"" {
			t.Fatalf("title read back as %q\n%s", got, out)
		}
	})
}
