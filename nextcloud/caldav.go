package nextcloud

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// CalDAV works with the calendars of one user: events (VEVENT) and tasks
// (VTODO). It is built on go-webdav's caldav client; what that client
// lacks (conditional PUT, MKCALENDAR, Nextcloud's extra properties) and
// the object REPORTs (calendar-query, calendar-multiget: go-webdav decodes
// their answers twice, see Query) are sent by hand.
type CalDAV struct {
	davHandle
	cl *caldav.Client
}

// CalDAV discovers the user's calendar home (cached in cache) and returns
// a handle for calendar operations.
func (c *Client) CalDAV(ctx context.Context, cache *DAVCache) (*CalDAV, error) {
	h, cl, err := openDAV(ctx, c, cache, c.calendarHome, caldav.NewClient, "caldav")
	if err != nil {
		return nil, err
	}
	return &CalDAV{davHandle: h, cl: cl}, nil
}

// Calendar is one calendar collection.
type Calendar struct {
	ID          string   `json:"id" jsonschema:"calendar id (the last part of its URL), used by the other calendar tools"`
	Name        string   `json:"name" jsonschema:"display name"`
	Description string   `json:"description,omitempty" jsonschema:"calendar description"`
	Color       string   `json:"color,omitempty" jsonschema:"colour as #RRGGBB"`
	Components  []string `json:"components" jsonschema:"component types the calendar holds: VEVENT (events), VTODO (tasks)"`
	ReadOnly    bool     `json:"read_only" jsonschema:"true when the user may not change the calendar's content"`
	Shared      bool     `json:"shared" jsonschema:"true when another user shared this calendar with the user"`
	Owner       string   `json:"owner,omitempty" jsonschema:"owner of a shared calendar"`
	Href        string   `json:"href" jsonschema:"the calendar's DAV path"`
}

// Supports reports whether the calendar holds the component type (VEVENT,
// VTODO).
func (cal Calendar) Supports(comp string) bool {
	if len(cal.Components) == 0 {
		return comp == ical.CompEvent
	}
	return slices.Contains(cal.Components, comp)
}

// Calendars lists the user's calendars (own and shared), without the
// extra properties; see CalendarsDetailed.
func (d *CalDAV) Calendars(ctx context.Context) ([]Calendar, error) {
	return listCollections(d.davHandle, "calendars", func() ([]caldav.Calendar, error) { return d.cl.FindCalendars(ctx, d.home) },
		func(c caldav.Calendar) string { return c.Path },
		func(href string, c caldav.Calendar) Calendar {
			return calendarOf(href, c.Name, c.Description, c.SupportedComponentSet)
		})
}

// calendarOf describes a calendar collection from its listed properties.
func calendarOf(href, name, desc string, supported []string) Calendar {
	comps := make([]string, 0, len(supported))
	for _, n := range supported {
		comps = append(comps, strings.ToUpper(n))
	}
	if len(comps) == 0 {
		// RFC 4791: no restriction means all types.
		comps = []string{ical.CompEvent, ical.CompToDo}
	}
	if name == "" {
		name = lastSegment(href)
	}
	return Calendar{ID: lastSegment(href), Name: name, Description: desc, Components: comps, Href: href}
}

// CalendarsDetailed lists the calendars with colour, owner and whether
// the user may write them. A failure to read the extra properties is not
// fatal: the calendars are listed without them.
func (d *CalDAV) CalendarsDetailed(ctx context.Context) ([]Calendar, error) {
	cals, err := d.Calendars(ctx)
	if err != nil {
		return nil, err
	}
	return withExtras(ctx, d.davHandle, cals, "calendar", func(c *Calendar, x davPropsResponse) {
		c.Color = normalizeColor(x.Color)
		c.ReadOnly = x.readOnly()
		c.Owner, c.Shared = x.sharedBy(d.principal)
	}, propCalendarColor, propCalendarOrder, propPrivilegeSet, propOwnerPrincipl, propOwnerDisplay, propOCReadOnly)
}

func normalizeColor(c string) string {
	c = strings.TrimSpace(c)
	// Nextcloud stores #RRGGBBAA at times; the alpha is noise for users.
	if len(c) == 9 && strings.HasPrefix(c, "#") {
		return c[:7]
	}
	return c
}

// FindCalendar finds a calendar by id or, failing that, by display name
// (case-insensitive).
func (d *CalDAV) FindCalendar(ctx context.Context, ref string) (Calendar, error) {
	cals, err := d.Calendars(ctx)
	if err != nil {
		return Calendar{}, err
	}
	return PickCalendar(cals, ref)
}

// PickCalendar finds a calendar in cals by id, else by display name or id
// ignoring case when that is unambiguous.
func PickCalendar(cals []Calendar, ref string) (Calendar, error) {
	ref = strings.TrimSpace(ref)
	return pickCollection(cals, ref, "calendar", "nc_calendar_list_calendars", func(id, name string) bool {
		return strings.EqualFold(name, ref) || strings.EqualFold(id, ref)
	})
}

// CalendarOptions describe a new calendar.
type CalendarOptions struct {
	Name        string
	Description string
	Color       string
	// Components defaults to VEVENT and VTODO like Nextcloud's own.
	Components []string
}

type xmlMkcalendar struct {
	XMLName xml.Name `xml:"urn:ietf:params:xml:ns:caldav mkcalendar"`
	Set     struct {
		Prop struct {
			DisplayName string `xml:"DAV: displayname"`
			Description string `xml:"urn:ietf:params:xml:ns:caldav calendar-description,omitempty"`
			Color       string `xml:"http://apple.com/ns/ical/ calendar-color,omitempty"`
			Comps       struct {
				Comp []struct {
					Name string `xml:"name,attr"`
				} `xml:"urn:ietf:params:xml:ns:caldav comp"`
			} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: set"`
}

// CreateCalendar makes a calendar with MKCALENDAR (RFC 4791) and returns
// it.
func (d *CalDAV) CreateCalendar(ctx context.Context, opts CalendarOptions) (Calendar, error) {
	name := strings.TrimSpace(opts.Name)
	if name == "" {
		return Calendar{}, errors.New("a calendar needs a name")
	}
	comps := opts.Components
	if len(comps) == 0 {
		comps = []string{ical.CompEvent, ical.CompToDo}
	}
	href, err := newCollectionHref(ctx, d.Calendars, d.home, name)
	if err != nil {
		return Calendar{}, err
	}
	var m xmlMkcalendar
	m.Set.Prop.DisplayName = name
	m.Set.Prop.Description = opts.Description
	m.Set.Prop.Color = opts.Color
	for _, c := range comps {
		m.Set.Prop.Comps.Comp = append(m.Set.Prop.Comps.Comp, struct {
			Name string `xml:"name,attr"`
		}{Name: strings.ToUpper(c)})
	}
	body, err := xml.Marshal(m)
	if err != nil {
		return Calendar{}, fmt.Errorf("encode MKCALENDAR: %w", err)
	}
	return createCollection(ctx, d.c, d.CalendarsDetailed, "MKCALENDAR", href, "calendar", name, append([]byte(xml.Header), body...),
		Calendar{ID: lastSegment(href), Name: name, Components: comps, Href: href})
}

// DeleteCalendar deletes a calendar with everything in it (Nextcloud keeps
// it in its trash bin for a while).
func (d *CalDAV) DeleteCalendar(ctx context.Context, cal Calendar) error {
	return d.c.deleteCollection(ctx, cal.Href, "calendar", cal.ID)
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "calendar"
	}
	if len(out) > 60 {
		out = strings.Trim(out[:60], "-")
	}
	return out
}

// CalObject is one calendar object resource as stored on the server.
type CalObject struct {
	Href string
	ETag string
	Data *ical.Calendar
	orig *origCal // set when read by Get: lets a write keep untouched lines
}

// BrokenObject is a stored object that could not be read; listings skip it
// and report it.
type BrokenObject struct {
	Href  string `json:"href" jsonschema:"the object's DAV path"`
	Error string `json:"error" jsonschema:"what is wrong with it"`
}

// Query returns the objects of a calendar holding components of type comp
// (VEVENT, VTODO; every object when comp is empty), limited to a time
// range when start and end are set.
// Objects the server sends but that cannot be parsed are returned as
// broken; the query itself is retried object by object when one bad
// object makes the whole answer unreadable. Callers filter the range
// again themselves: the fallback cannot.
func (d *CalDAV) Query(ctx context.Context, cal Calendar, comp string, start, end time.Time) ([]CalObject, []BrokenObject, error) {
	// Sent and decoded here (reportObjects, as for CardDAV), not with
	// go-webdav's QueryCalendar: its multistatus keeps each property as
	// raw XML tokens (RawXMLValue) and decodes them a second time, about
	// half the server's CPU when listing events.
	var q strings.Builder
	q.WriteString(`<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR">`)
	if comp != "" {
		q.WriteString(`<C:comp-filter name="` + xmlText(comp) + `">`)
		if !start.IsZero() && !end.IsZero() {
			const f = "20060102T150405Z"
			q.WriteString(`<C:time-range start="` + start.UTC().Format(f) + `" end="` + end.UTC().Format(f) + `"/>`)
		}
		q.WriteString(`</C:comp-filter>`)
	}
	q.WriteString(`</C:comp-filter></C:filter></C:calendar-query>`)
	raw, err := d.c.reportObjects(ctx, cal.Href, q.String())
	if err == nil {
		objs, broken := decodeCalObjects(raw)
		return objs, broken, nil
	}
	if isHTTPError(err) {
		return nil, nil, fmt.Errorf("query calendar %s: %w", cal.ID, err)
	}
	// One unreadable object spoils the whole REPORT answer for go-webdav:
	// list the hrefs and fetch them in halves until the bad ones are found.
	d.c.log.Debug("calendar query unreadable, fetching objects one by one", "calendar", cal.Href, "err", err)
	hrefs, err := d.objectHrefs(ctx, cal.Href)
	if err != nil {
		return nil, nil, err
	}
	got, broken, err := d.multiGet(ctx, cal.Href, hrefs)
	if err != nil {
		return nil, nil, err
	}
	kept := got[:0]
	for _, o := range got {
		if comp == "" || holds(o.Data, comp) {
			kept = append(kept, o)
		}
	}
	return kept, broken, nil
}

// decodeCalObjects parses the iCalendar data of a REPORT answer once per
// object; unreadable objects come back as broken.
func decodeCalObjects(objs []rawObject) ([]CalObject, []BrokenObject) {
	out := make([]CalObject, 0, len(objs))
	var broken []BrokenObject
	// One buffer for every object: go-ical's NewDecoder takes a
	// *bufio.Reader as it is, and a new one per object was a third of the
	// allocations of a listing.
	br := bufio.NewReader(nil)
	for _, o := range objs {
		br.Reset(strings.NewReader(o.Data))
		var cal *ical.Calendar
		err := safely(func() error {
			var err error
			cal, err = ical.NewDecoder(br).Decode()
			return err
		})
		if err != nil {
			broken = append(broken, BrokenObject{Href: o.Href, Error: "unreadable iCalendar data: " + err.Error()})
			continue
		}
		out = append(out, CalObject{Href: o.Href, ETag: o.ETag, Data: cal})
	}
	return out, broken
}

// objectHrefs lists the member hrefs of a collection (PROPFIND Depth 1).
func (d *CalDAV) objectHrefs(ctx context.Context, coll string) ([]string, error) {
	return listMembers(ctx, d.cl.ReadDir, coll)
}

func listMembers(ctx context.Context, readDir func(context.Context, string, bool) ([]webdav.FileInfo, error), coll string) ([]string, error) {
	var infos []webdav.FileInfo
	err := safely(func() error {
		var err error
		infos, err = readDir(ctx, coll, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the objects of %s: %w", coll, err)
	}
	var out []string
	for _, fi := range infos {
		if fi.IsDir || ensureSlash(fi.Path) == ensureSlash(coll) {
			continue
		}
		out = append(out, fi.Path)
	}
	return out, nil
}

const multiGetBatch = 100

// multiGet fetches objects by href in batches (calendar-multiget, sent
// and decoded by reportObjects, as Query).
func (d *CalDAV) multiGet(ctx context.Context, coll string, hrefs []string) ([]CalObject, []BrokenObject, error) {
	raw, broken, err := multiGetBatched(hrefs, "calendar objects of "+coll, "iCalendar", func(hrefs []string) ([]rawObject, error) {
		var b strings.Builder
		b.WriteString(`<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>`)
		for _, h := range hrefs {
			b.WriteString("<D:href>" + xmlText((&url.URL{Path: h}).EscapedPath()) + "</D:href>")
		}
		b.WriteString(`</C:calendar-multiget>`)
		return d.c.reportObjects(ctx, coll, b.String())
	})
	if err != nil {
		return nil, nil, err
	}
	objs, bad := decodeCalObjects(raw)
	return objs, append(broken, bad...), nil
}

// multiGetBatched fetches hrefs in batches with fetch, splitting a batch
// that cannot be read until each bad object stands alone (go-webdav fails
// a whole multiget on one unparsable object). what names the objects in
// errors, format their data.
func multiGetBatched[T any](hrefs []string, what, format string, fetch func([]string) ([]T, error)) ([]T, []BrokenObject, error) {
	var objs []T
	var broken []BrokenObject
	for len(hrefs) > 0 {
		n := min(multiGetBatch, len(hrefs))
		o, b, err := multiGetSplit(hrefs[:n], what, format, fetch)
		if err != nil {
			return nil, nil, err
		}
		objs = append(objs, o...)
		broken = append(broken, b...)
		hrefs = hrefs[n:]
	}
	return objs, broken, nil
}

func multiGetSplit[T any](hrefs []string, what, format string, fetch func([]string) ([]T, error)) ([]T, []BrokenObject, error) {
	if len(hrefs) == 0 {
		return nil, nil, nil
	}
	objs, err := fetch(hrefs)
	if err == nil {
		return objs, nil, nil
	}
	if isHTTPError(err) {
		return nil, nil, fmt.Errorf("fetch %s: %w", what, err)
	}
	if len(hrefs) == 1 {
		if strings.Contains(err.Error(), "404") {
			return nil, nil, nil // deleted meanwhile
		}
		return nil, []BrokenObject{{Href: hrefs[0], Error: "unreadable " + format + " data: " + err.Error()}}, nil
	}
	mid := len(hrefs) / 2
	o1, b1, err := multiGetSplit(hrefs[:mid], what, format, fetch)
	if err != nil {
		return nil, nil, err
	}
	o2, b2, err := multiGetSplit(hrefs[mid:], what, format, fetch)
	if err != nil {
		return nil, nil, err
	}
	return append(o1, o2...), append(b1, b2...), nil
}

// Get fetches one calendar object by href.
func (d *CalDAV) Get(ctx context.Context, href string) (CalObject, error) {
	return getObject(ctx, d.c, href, "calendar object", "iCalendar", "a calendar app", func(data []byte, etag string) (CalObject, error) {
		cal, orig, err := decodeCal(data)
		return CalObject{Href: href, ETag: etag, Data: cal, orig: orig}, err
	})
}

// All returns every object of type comp in the calendar (every object
// when comp is empty).
func (d *CalDAV) All(ctx context.Context, cal Calendar, comp string) ([]CalObject, []BrokenObject, error) {
	return d.Query(ctx, cal, comp, time.Time{}, time.Time{})
}

// MultiGet fetches objects of a calendar by href (calendar-multiget, in
// batches). Objects deleted meanwhile are left out; unreadable ones are
// returned as broken.
func (d *CalDAV) MultiGet(ctx context.Context, cal Calendar, hrefs []string) ([]CalObject, []BrokenObject, error) {
	return d.multiGet(ctx, cal.Href, hrefs)
}

// FindByUID finds the object holding a component with this UID, trying
// {uid}.ics first and then every object of the calendar (the object name
// need not follow the UID).
func (d *CalDAV) FindByUID(ctx context.Context, cal Calendar, comp, uid string) (CalObject, error) {
	return d.findByUID(ctx, cal, comp, uid, uid)
}

func (d *CalDAV) findByUID(ctx context.Context, cal Calendar, comp, uid, asked string) (CalObject, error) {
	if uid == "" {
		return CalObject{}, fmt.Errorf("empty uid: %w", ErrNotFound)
	}
	if _, err := Segment("uid", uid); err == nil && !strings.ContainsAny(uid, "?#") {
		if o, err := d.Get(ctx, cal.Href+uid+".ics"); err == nil && objectUID(o.Data) == uid && holds(o.Data, comp) {
			return o, nil
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return CalObject{}, err
		}
	}
	objs, _, err := d.All(ctx, cal, comp)
	if err != nil {
		return CalObject{}, err
	}
	for _, o := range objs {
		if objectUID(o.Data) == uid {
			return o, nil
		}
	}
	what := "event"
	if comp == ical.CompToDo {
		what = "task"
	}
	return CalObject{}, &Error{Method: "GET", Path: cal.Href, Status: http.StatusNotFound,
		Message: fmt.Sprintf("no %s with id or UID %q in calendar %s", what, asked, cal.ID), Hint: "check the id: list the items to find the right one"}
}

// Object fetches an object of a calendar by its id (the last part of its
// href, as listed) or, when no object has that name, by UID.
func (d *CalDAV) Object(ctx context.Context, cal Calendar, comp, id string) (CalObject, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return CalObject{}, errors.New("empty id")
	}
	return objectByID(ctx, d.Get, cal.Href, "event or task id", id, func() (CalObject, error) {
		return d.findByUID(ctx, cal, comp, strings.TrimSuffix(id, ".ics"), id)
	})
}

func objectUID(cal *ical.Calendar) string {
	if cal == nil || cal.Component == nil {
		return ""
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			continue
		}
		if p := c.Props.Get(ical.PropUID); p != nil {
			return p.Value
		}
	}
	return ""
}

// holds reports whether cal has a component of kind comp (an event lookup
// must not return a task that happens to share the UID's file name).
func holds(cal *ical.Calendar, comp string) bool {
	if cal == nil || cal.Component == nil {
		return false
	}
	for _, c := range cal.Children {
		if c.Name == comp {
			return true
		}
	}
	return false
}

// Put stores an object. With create it refuses to overwrite (If-None-Match),
// otherwise etag (when set) must still match (If-Match), so concurrent edits
// are reported as ErrConflict rather than lost. It returns the new ETag
// when the server tells it.
func (d *CalDAV) Put(ctx context.Context, href string, cal *ical.Calendar, etag string, create bool) (string, error) {
	data, err := encodeCal(cal, nil)
	if err != nil {
		return "", fmt.Errorf("encode iCalendar: %w", err)
	}
	return d.c.davPutObject(ctx, href, "text/calendar; charset=utf-8", data, etag, create)
}

// davPutObject PUTs a DAV object conditionally (see CalDAV.Put) and
// returns its new ETag.
func (c *Client) davPutObject(ctx context.Context, href, contentType string, body []byte, etag string, create bool) (string, error) {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	if create {
		h.Set("If-None-Match", "*")
	} else if etag != "" {
		h.Set("If-Match", quoteETag(etag))
	}
	resp, err := c.davSend(ctx, http.MethodPut, href, h, body)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return unquoteETag(resp.Header.Get("ETag")), nil
}

// davDeleteObject deletes a DAV object; with etag only if unchanged.
func (c *Client) davDeleteObject(ctx context.Context, href, etag string) error {
	h := http.Header{}
	if etag != "" {
		h.Set("If-Match", quoteETag(etag))
	}
	resp, err := c.davSend(ctx, http.MethodDelete, href, h, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func quoteETag(e string) string {
	if strings.HasPrefix(e, `"`) || strings.HasPrefix(e, `W/"`) {
		return e
	}
	return `"` + e + `"`
}

func unquoteETag(e string) string {
	e = strings.TrimPrefix(e, "W/")
	return strings.Trim(e, `"`)
}
