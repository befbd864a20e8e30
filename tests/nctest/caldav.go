package nctest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
)

type memCalendar struct {
	davColl[memObj]
	color string
	comps []string
}

func (*memCalendar) homePrefix() string { return calHomePrefix }
func (*memCalendar) kind() string       { return "calendar" }

func newCalendar(owner, id, name, desc, color string, comps []string) *memCalendar {
	return &memCalendar{davColl: newDAVColl[memObj](owner, id, name, desc), color: color, comps: comps}
}

type memObj struct {
	davObject
	cal *ical.Calendar
}

// calRef is a calendar as one user sees it: own or shared.
type calRef = collRef[*memCalendar]

func (st *davStore) ensureUser(user string) {
	if user == "" {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.seeded[user] {
		return
	}
	st.seeded[user] = true
	st.cals[user+"/personal"] = newCalendar(user, "personal", "Personal", "", "#0082c9", []string{ical.CompEvent, ical.CompToDo})
	st.books[user+"/contacts"] = newBook(user, "contacts", "Contacts", "")
}

// splitDAVPath splits {home}{user}/{seg}/{name} for a DAV home prefix.
func splitDAVPath(p, home string) (user, seg, name string) {
	rest := strings.TrimPrefix(path.Clean(p), strings.TrimSuffix(home, "/"))
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch len(parts) {
	case 3:
		return parts[0], parts[1], parts[2]
	case 2:
		return parts[0], parts[1], ""
	case 1:
		return parts[0], "", ""
	}
	return "", "", ""
}

func (st *davStore) calendarLocked(user, p string) (calRef, string, error) {
	return findLocked(user, p, st.cals)
}

type calBackend struct{ st *davStore }

func (b *calBackend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	return principalPath(userFromCtx(ctx)), nil
}

func (b *calBackend) CalendarHomeSetPath(ctx context.Context) (string, error) {
	return calHome(userFromCtx(ctx)), nil
}

func toCalendar(r calRef, user string) caldav.Calendar {
	return caldav.Calendar{Path: r.path(user), Name: r.c.name, Description: r.c.desc, SupportedComponentSet: slices.Clone(r.c.comps)}
}

func (b *calBackend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	return listColls(b.st, ctx, b.st.cals, toCalendar), nil
}

func (b *calBackend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	return getColl(b.st, ctx, p, b.st.cals, toCalendar, "not a calendar")
}

type mkcolExtraKey struct{}

type mkcolExtra struct {
	Name  string
	Color string
	Desc  string
	Comps []string
}

// decodeMkcolExtra reads what go-webdav's MKCOL handling ignores.
func decodeMkcolExtra(body []byte) mkcolExtra {
	var m struct {
		Prop struct {
			Name  string `xml:"DAV: displayname"`
			Color string `xml:"http://apple.com/ns/ical/ calendar-color"`
			Desc  string `xml:"urn:ietf:params:xml:ns:caldav calendar-description"`
			Comps struct {
				Comp []struct {
					Name string `xml:"name,attr"`
				} `xml:"urn:ietf:params:xml:ns:caldav comp"`
			} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
		} `xml:"DAV: set>prop"`
	}
	_ = xml.Unmarshal(body, &m)
	x := mkcolExtra{Name: m.Prop.Name, Color: m.Prop.Color, Desc: m.Prop.Desc}
	for _, c := range m.Prop.Comps.Comp {
		x.Comps = append(x.Comps, strings.ToUpper(c.Name))
	}
	return x
}

func (b *calBackend) CreateCalendar(ctx context.Context, cal *caldav.Calendar) error {
	x, _ := ctx.Value(mkcolExtraKey{}).(mkcolExtra)
	x.Name = firstNonEmptyStr(cal.Name, x.Name)
	x.Desc = firstNonEmptyStr(x.Desc, cal.Description)
	if code, err := b.st.createCalendar(userFromCtx(ctx), cal.Path, x); err != nil {
		return httpErr(code, "%v", err)
	}
	return nil
}

// createCalendar makes a calendar at p (extended MKCOL or MKCALENDAR) and
// on failure says which status to answer.
func (st *davStore) createCalendar(user, p string, x mkcolExtra) (int, error) {
	u, seg, name := splitDAVPath(p, calHomePrefix)
	if u != user || seg == "" || name != "" {
		return http.StatusForbidden, fmt.Errorf("calendars can only be created in the user's calendar home")
	}
	comps := x.Comps
	if len(comps) == 0 {
		comps = []string{ical.CompEvent, ical.CompToDo}
	}
	for _, c := range comps {
		if c != ical.CompEvent && c != ical.CompToDo && c != ical.CompJournal {
			return http.StatusBadRequest, fmt.Errorf("unsupported component %q", c)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, exists := st.cals[user+"/"+seg]; exists {
		return http.StatusMethodNotAllowed, fmt.Errorf("the resource you tried to create already exists")
	}
	st.cals[user+"/"+seg] = newCalendar(user, seg, firstNonEmptyStr(x.Name, seg), x.Desc, x.Color, comps)
	return 0, nil
}

func firstNonEmptyStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (o *memObj) toObject(p string) caldav.CalendarObject {
	return caldav.CalendarObject{Path: p, ModTime: o.mod, ContentLength: o.size, ETag: o.etag, Data: o.cal}
}

func (b *calBackend) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	return getLocked(b.st, ctx, p, b.st.cals, (*memObj).toObject, "Calendar object not found")
}

func (b *calBackend) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	return listLocked(b.st, ctx, p, b.st.cals, (*memObj).toObject)
}

// QueryCalendarObjects filters by component type and time range with
// RFC 4791 9.9 overlap rules (go-webdav's own matcher misses events that
// start exactly at the range start and never matches tasks). Objects that
// cannot be parsed are always returned, as their data must reach clients.
func (b *calBackend) QueryCalendarObjects(ctx context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	all, err := b.ListCalendarObjects(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	var out []caldav.CalendarObject
	for _, co := range all {
		if isBroken(co.Data) || matchCalQuery(q.CompFilter, co.Data) {
			out = append(out, co)
		}
	}
	return out, nil
}

func matchCalQuery(f caldav.CompFilter, cal *ical.Calendar) bool {
	if f.Name != "" && f.Name != ical.CompCalendar {
		return false
	}
	for _, cf := range f.Comps {
		found := false
		for _, c := range cal.Children {
			if c.Name != cf.Name {
				continue
			}
			if cf.Start.IsZero() && cf.End.IsZero() {
				found = true
				break
			}
			if compOverlaps(c, cf.Start, cf.End) {
				found = true
				break
			}
		}
		if found == cf.IsNotDefined {
			return false
		}
	}
	return true
}

// compOverlaps decides RFC 4791 9.9 for a VEVENT or VTODO, expanding a
// recurrence with go-ical.
func compOverlaps(c *ical.Component, start, end time.Time) bool {
	if end.IsZero() {
		end = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Name == ical.CompToDo {
		var times []time.Time
		for _, n := range []string{ical.PropDateTimeStart, ical.PropDue, ical.PropCompleted, ical.PropCreated} {
			if t, err := c.Props.DateTime(n, time.UTC); err == nil && !t.IsZero() {
				times = append(times, t)
			}
		}
		if len(times) == 0 {
			return true
		}
		for _, t := range times {
			if !t.Before(start) && t.Before(end) {
				return true
			}
		}
		return len(times) > 1 && times[0].Before(end) && times[len(times)-1].After(start)
	}
	ev := ical.Event{Component: c}
	s, err := ev.DateTimeStart(time.UTC)
	if err != nil {
		return true
	}
	e, err := ev.DateTimeEnd(time.UTC)
	if err != nil || e.Before(s) {
		e = s
	}
	dur := e.Sub(s)
	if rs, err := c.RecurrenceSet(time.UTC); err == nil && rs != nil {
		return len(rs.Between(start.Add(-dur-time.Second), end, true)) > 0
	}
	if dur == 0 {
		return !s.Before(start) && s.Before(end)
	}
	return s.Before(end) && e.After(start)
}

func (b *calBackend) PutCalendarObject(ctx context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	user, r, name, unlock, err := lockedColl(b.st, ctx, p, b.st.cals)
	defer unlock()
	if err != nil {
		return nil, httpErr(http.StatusConflict, "the calendar of %s does not exist", p)
	}
	if name == "" || strings.Contains(name, "/") {
		return nil, httpErr(http.StatusMethodNotAllowed, "cannot PUT a calendar collection")
	}
	if r.readOnly {
		return nil, httpErr(http.StatusForbidden, "Access denied: calendar %s is shared read-only", r.seg)
	}
	compType, uid, err := caldav.ValidateCalendarObject(cal)
	if err != nil {
		return nil, httpErr(http.StatusBadRequest, "Invalid calendar data: %v", err)
	}
	if uid == "" {
		return nil, httpErr(http.StatusBadRequest, "Calendar object has no UID")
	}
	if !slices.Contains(r.c.comps, compType) {
		return nil, caldav.NewPreconditionError(caldav.PreconditionSupportedCalendarComponent)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, httpErr(http.StatusBadRequest, "Invalid calendar data: %v", err)
	}
	if opts != nil {
		cur, exists := existing(r.c.objs, name)
		if err := checkPut(opts.IfNoneMatch, opts.IfMatch, exists, cur, "object"); err != nil {
			return nil, err
		}
	}
	for n, o := range r.c.objs {
		if n != name && !isBroken(o.cal) && objUID(o.cal) == uid {
			return nil, httpErr(http.StatusBadRequest, "Calendar object with uid already exists in this calendar collection.")
		}
	}
	o := &memObj{davObject: newDAVObject(buf.Bytes()), cal: cal}
	r.c.objs[name] = o
	r.c.log.record(name, false)
	co := o.toObject(r.path(user) + name)
	return &co, nil
}

func objUID(cal *ical.Calendar) string {
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			if p := c.Props.Get(ical.PropUID); p != nil {
				return p.Value
			}
		}
	}
	return ""
}

func (b *calBackend) DeleteCalendarObject(ctx context.Context, p string) error {
	user, r, name, unlock, err := lockedColl(b.st, ctx, p, b.st.cals)
	defer unlock()
	if err != nil {
		return err
	}
	if name == "" {
		if r.c.owner != user {
			// A sharee deleting a shared calendar leaves the share.
			delete(r.c.shares, user)
			return nil
		}
		delete(b.st.cals, r.c.owner+"/"+r.c.id)
		return nil
	}
	return deleteObjectLocked(r, r.c.objs, &r.c.log, name, "calendar", "Calendar object not found")
}

// etagAt returns the ETag of the calendar or address object at p.
func (st *davStore) etagAt(user, p string, isCal bool) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if isCal {
		if r, name, err := st.calendarLocked(user, p); err == nil && name != "" {
			return existing(r.c.objs, name)
		}
		return "", false
	}
	if r, name, err := st.bookLocked(user, p); err == nil && name != "" {
		return existing(r.c.objs, name)
	}
	return "", false
}

func (st *davStore) calendarInfos(user, p string, depth bool) ([]collectionInfo, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return infosLocked(user, p, st.cals, depth, func(r calRef) collectionInfo {
		return collectionInfo{href: r.path(user), color: r.c.color, owner: r.c.owner, readOnly: r.readOnly, calendar: true,
			name: r.c.name, desc: r.c.desc, comps: r.c.comps, syncToken: st.syncTokenLocked(&r.c.log)}
	})
}

// serveFreeBusy answers a free-busy-query REPORT (RFC 4791 7.10) with the
// busy times of the calendar's opaque, not cancelled events, expanded by
// go-ical.
func (h *davExtra) serveFreeBusy(w http.ResponseWriter, r *http.Request, body []byte) {
	h.st.mu.Lock()
	on := h.st.freeBusy
	h.st.mu.Unlock()
	if !on {
		http.Error(w, "caldav: expected calendar-query or calendar-multiget element in REPORT request", http.StatusBadRequest)
		return
	}
	var q struct {
		TimeRange struct {
			Start string `xml:"start,attr"`
			End   string `xml:"end,attr"`
		} `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	}
	if err := xml.Unmarshal(body, &q); err != nil {
		http.Error(w, "bad free-busy-query: "+err.Error(), http.StatusBadRequest)
		return
	}
	start, err1 := time.Parse("20060102T150405Z", q.TimeRange.Start)
	end, err2 := time.Parse("20060102T150405Z", q.TimeRange.End)
	if err1 != nil || err2 != nil || !end.After(start) {
		http.Error(w, "free-busy-query needs a time-range with start and end", http.StatusBadRequest)
		return
	}
	objs, err := (&calBackend{st: h.st}).ListCalendarObjects(r.Context(), r.URL.Path, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fb := ical.NewComponent(ical.CompFreeBusy)
	fb.Props.SetText(ical.PropUID, "freebusy")
	fb.Props.SetDateTime(ical.PropDateTimeStamp, time.Now().UTC())
	fb.Props.SetDateTime(ical.PropDateTimeStart, start)
	fb.Props.SetDateTime(ical.PropDateTimeEnd, end)
	for _, co := range objs {
		if isBroken(co.Data) {
			continue
		}
		for _, iv := range busyOf(co.Data, start, end) {
			p := ical.NewProp(ical.PropFreeBusy)
			p.Params.Set(ical.ParamFreeBusyType, "BUSY")
			p.Value = iv[0].UTC().Format("20060102T150405Z") + "/" + iv[1].UTC().Format("20060102T150405Z")
			fb.Props.Add(p)
		}
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//nctest//EN")
	cal.Children = append(cal.Children, fb)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// busyOf lists the busy intervals of an object's events in [start, end).
func busyOf(cal *ical.Calendar, start, end time.Time) [][2]time.Time {
	var out [][2]time.Time
	overridden := map[int64]bool{}
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c.Props.Get(ical.PropRecurrenceID) != nil {
			if t, err := c.Props.DateTime(ical.PropRecurrenceID, time.UTC); err == nil {
				overridden[t.Unix()] = true
			}
		}
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		if v, _ := c.Props.Text(ical.PropTransparency); strings.EqualFold(v, "TRANSPARENT") {
			continue
		}
		if v, _ := c.Props.Text(ical.PropStatus); strings.EqualFold(v, "CANCELLED") {
			continue
		}
		ev := ical.Event{Component: c}
		s, err := ev.DateTimeStart(time.UTC)
		if err != nil {
			continue
		}
		e, err := ev.DateTimeEnd(time.UTC)
		if err != nil || !e.After(s) {
			continue
		}
		dur := e.Sub(s)
		starts := []time.Time{s}
		if c.Props.Get(ical.PropRecurrenceID) == nil {
			if rs, err := c.RecurrenceSet(time.UTC); err == nil && rs != nil {
				starts = rs.Between(start.Add(-dur), end, true)
			}
		}
		for _, st := range starts {
			if c.Props.Get(ical.PropRecurrenceID) == nil && c.Props.Get(ical.PropRecurrenceRule) != nil && overridden[st.Unix()] {
				continue
			}
			if st.Before(end) && st.Add(dur).After(start) {
				out = append(out, [2]time.Time{st, st.Add(dur)})
			}
		}
	}
	return out
}

// brokenMarker is a property whose encoding starts a component that never
// ends: the stored object encodes fine but no iCalendar parser can read
// it back, like a corrupted object in a real Nextcloud.
const brokenMarker = "BEGIN"

func isBroken(cal *ical.Calendar) bool {
	if cal == nil || cal.Component == nil {
		return true
	}
	for _, c := range cal.Children {
		if c.Props.Get(brokenMarker) != nil {
			return true
		}
	}
	return false
}
