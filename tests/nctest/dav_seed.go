package nctest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-vcard"
)

// Seed and inspect methods of the CalDAV and CardDAV stand-ins.

func (st *davStore) storeCalObj(user, calID, name string, cal *ical.Calendar) (string, error) {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return "", err
	}
	return seedObject(st, st.cals, user, calID, name, &memObj{davObject: newDAVObject(buf.Bytes()), cal: cal})
}

// AddCalendarObject stores iCalendar text as object name of the user's
// calendar calID without any validation (imported or legacy data), and
// returns its href. The text must be parseable iCalendar.
func (s *Server) AddCalendarObject(t testing.TB, user, calID, name, ics string) string {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(strings.ReplaceAll(ics, "\n", "\r\n"))).Decode()
	if err != nil {
		t.Fatalf("nctest: ICS for %s does not parse: %v", name, err)
	}
	href, err := s.apps.dav.storeCalObj(user, calID, name, cal)
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

// AddBrokenCalendarObject stores an event object whose iCalendar data no
// parser can read (as after a corrupted import), and returns its href.
func (s *Server) AddBrokenCalendarObject(t testing.TB, user, calID, name string) string {
	t.Helper()
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//broken//EN")
	ev := ical.NewComponent(ical.CompEvent)
	ev.Props.SetText(ical.PropUID, "broken-"+name)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, time.Now().UTC())
	ev.Props.SetDateTime(ical.PropDateTimeStart, time.Now().UTC())
	ev.Props.SetText(ical.PropSummary, "broken")
	ev.Props.Set(&ical.Prop{Name: brokenMarker, Params: ical.Params{}, Value: "X-CORRUPT"})
	cal.Children = append(cal.Children, ev)
	href, err := s.apps.dav.storeCalObj(user, calID, name, cal)
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

// CalendarICS returns the stored iCalendar text of an object.
func (s *Server) CalendarICS(user, calID, name string) (string, bool) {
	o, ok := seededObject[memObj](s.apps.dav, s.apps.dav.cals, user, calID, name)
	if !ok {
		return "", false
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(o.cal); err != nil {
		return "", false
	}
	return buf.String(), true
}

// CalendarObjectNames lists the object names of a calendar.
func (s *Server) CalendarObjectNames(user, calID string) []string {
	return seededNames[memObj](s.apps.dav, s.apps.dav.cals, user, calID)
}

// HasCalendar reports whether the user owns calendar calID.
func (s *Server) HasCalendar(user, calID string) bool {
	st := s.apps.dav
	st.ensureUser(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.cals[user+"/"+calID]
	return ok
}

// AddCalendar creates a calendar for user holding the given components
// (VEVENT, VTODO; default both).
func (s *Server) AddCalendar(t testing.TB, user, calID, name, color string, comps ...string) {
	t.Helper()
	if len(comps) == 0 {
		comps = []string{ical.CompEvent, ical.CompToDo}
	}
	seedCollection(t, s.apps.dav, s.apps.dav.cals, user, calID, newCalendar(user, calID, name, "", color, comps))
}

// ShareCalendar shares owner's calendar with sharee, who sees it as
// {calID}_shared_by_{owner} like in Nextcloud.
func (s *Server) ShareCalendar(t testing.TB, owner, calID, sharee string, readOnly bool) {
	t.Helper()
	seedShare[memObj](t, s.apps.dav, s.apps.dav.cals, owner, calID, sharee, readOnly)
}

func (st *davStore) storeCard(user, bookID, name string, card vcard.Card, raw []byte) (string, error) {
	if raw == nil {
		var buf bytes.Buffer
		if err := vcard.NewEncoder(&buf).Encode(card); err != nil {
			return "", err
		}
		raw = buf.Bytes()
	}
	return seedObject(st, st.books, user, bookID, name, &memCard{davObject: newDAVObject(raw), raw: raw, card: card})
}

// AddVCard stores vCard text (3.0 or 4.0) as object name of the user's
// address book without validation and returns its href.
func (s *Server) AddVCard(t testing.TB, user, bookID, name, vcf string) string {
	t.Helper()
	if !strings.Contains(vcf, "\r\n") {
		vcf = strings.ReplaceAll(vcf, "\n", "\r\n")
	}
	card, err := vcard.NewDecoder(strings.NewReader(vcf)).Decode()
	if err != nil {
		t.Fatalf("nctest: vCard for %s does not parse: %v", name, err)
	}
	href, err := s.apps.dav.storeCard(user, bookID, name, card, []byte(vcf))
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

// AddBrokenVCard stores a card no vCard parser can read back (its END
// line is wrong) and returns its href.
func (s *Server) AddBrokenVCard(t testing.TB, user, bookID, name string) string {
	t.Helper()
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldFormattedName, "Broken Card")
	card.SetValue(vcard.FieldUID, "broken-"+name)
	// Sorted before FN, this writes "END:X-CORRUPT" inside the card.
	card.SetValue(brokenMarkerCard, "X-CORRUPT")
	href, err := s.apps.dav.storeCard(user, bookID, name, card, nil)
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

const brokenMarkerCard = "END"

// VCardText returns the stored vCard text of a card.
func (s *Server) VCardText(user, bookID, name string) (string, bool) {
	o, ok := seededObject[memCard](s.apps.dav, s.apps.dav.books, user, bookID, name)
	if !ok {
		return "", false
	}
	return string(o.raw), true
}

// VCardNames lists the object names of an address book.
func (s *Server) VCardNames(user, bookID string) []string {
	return seededNames[memCard](s.apps.dav, s.apps.dav.books, user, bookID)
}

// AddAddressBook creates an address book for user.
func (s *Server) AddAddressBook(t testing.TB, user, bookID, name string) {
	t.Helper()
	seedCollection(t, s.apps.dav, s.apps.dav.books, user, bookID, newBook(user, bookID, name, ""))
}

// ShareAddressBook shares owner's address book with sharee.
func (s *Server) ShareAddressBook(t testing.TB, owner, bookID, sharee string, readOnly bool) {
	t.Helper()
	seedShare[memCard](t, s.apps.dav, s.apps.dav.books, owner, bookID, sharee, readOnly)
}

// SetDAVSync turns collection synchronisation on (the default, as in
// Nextcloud) or off: off, calendars and address books publish no
// DAV:sync-token and the sync-collection REPORT is refused like by
// servers without RFC 6578 (go-webdav answers 400).
func (s *Server) SetDAVSync(on bool) {
	s.apps.dav.locked(func(st *davStore) { st.syncOff = !on })
}

// SetDAVSyncReport turns only the sync-collection REPORT on or off; the
// collections keep publishing their tokens.
func (s *Server) SetDAVSyncReport(on bool) {
	s.apps.dav.locked(func(st *davStore) { st.syncReportOff = !on })
}

// SetDAVSyncPageSize makes incremental sync answers list at most n
// members, truncated as RFC 6578 3.6 describes (a 507 response for the
// collection, and the token of the part sent); 0 means no limit.
func (s *Server) SetDAVSyncPageSize(n int) {
	s.apps.dav.locked(func(st *davStore) { st.syncPage = n })
}

// ExpireDAVSyncTokens prunes the change log of every calendar and address
// book, so only current tokens stay valid.
func (s *Server) ExpireDAVSyncTokens() {
	s.apps.dav.locked(func(st *davStore) {
		for _, c := range st.cals {
			c.log.prune()
		}
		for _, b := range st.books {
			b.log.prune()
		}
	})
}

// SetCalDAVFreeBusy turns the free-busy-query REPORT on (the default, as
// in Nextcloud) or off (like servers without it).
func (s *Server) SetCalDAVFreeBusy(on bool) {
	s.apps.dav.locked(func(st *davStore) { st.freeBusy = on })
}

// locked runs f with the store locked.
func (st *davStore) locked(f func(st *davStore)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st)
}
