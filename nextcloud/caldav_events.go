package nextcloud

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// EventQuery selects events for Events.
type EventQuery struct {
	Calendars []Calendar
	From, To  time.Time
	// Floating is the zone of all-day and floating times (default UTC);
	// Out the zone times are shown in (nil: each event's own).
	Floating, Out *time.Location
	// Text, when set, keeps events whose summary, description, location
	// or categories contain it (case-insensitive).
	Text string
}

// EventList is the result of Events.
type EventList struct {
	Events []Event
	Broken []BrokenObject
}

// Events lists the events (recurring ones expanded into occurrences)
// overlapping [From, To) in the given calendars, sorted by start.
func (d *CalDAV) Events(ctx context.Context, q EventQuery) (EventList, error) {
	if q.Floating == nil {
		q.Floating = time.UTC
	}
	if !q.To.After(q.From) {
		return EventList{}, errors.New("the end of the range must be after its start")
	}
	var out EventList
	needle := strings.ToLower(strings.TrimSpace(q.Text))
	for _, cal := range q.Calendars {
		if !cal.Supports(ical.CompEvent) {
			continue
		}
		// A day of margin: servers place all-day and floating events in
		// their own zone, the exact overlap is decided below.
		objs, broken, err := d.Query(ctx, cal, ical.CompEvent, q.From.Add(-24*time.Hour), q.To.Add(24*time.Hour))
		if err != nil {
			return EventList{}, err
		}
		out.Broken = append(out.Broken, broken...)
		for _, o := range objs {
			evs, err := expandCalendar(o.Data, q.From, q.To, q.Floating, q.Out)
			if err != nil {
				out.Broken = append(out.Broken, BrokenObject{Href: o.Href, Error: err.Error()})
				continue
			}
			for _, ev := range evs {
				if needle != "" && !eventContains(ev, needle) {
					continue
				}
				ev.Calendar, ev.ID, ev.ETag = cal.ID, lastSegment(o.Href), o.ETag
				out.Events = append(out.Events, ev)
			}
		}
	}
	sortEvents(out.Events)
	return out, nil
}

func eventContains(ev Event, needle string) bool {
	if strings.Contains(strings.ToLower(ev.Summary), needle) ||
		strings.Contains(strings.ToLower(ev.Description), needle) ||
		strings.Contains(strings.ToLower(ev.Location), needle) {
		return true
	}
	for _, c := range ev.Categories {
		if strings.Contains(strings.ToLower(c), needle) {
			return true
		}
	}
	return false
}

// EventDetail is an event with the overrides of its series.
type EventDetail struct {
	Event
	// Exceptions are occurrences of a series that were changed.
	Exceptions []Event `json:"exceptions,omitempty" jsonschema:"occurrences of the series that were changed individually"`
}

// eventOf reads the event (series master) of a stored object.
func eventOf(cal Calendar, o CalObject, out *time.Location) (EventDetail, error) {
	master := masterComponent(o.Data, ical.CompEvent)
	if master == nil {
		return EventDetail{}, fmt.Errorf("%s holds no event (VEVENT); it may be a task", o.Href)
	}
	tz := newTZResolver(o.Data)
	ev, err := eventFromComponent(master, tz, time.UTC, out)
	if err != nil {
		return EventDetail{}, fmt.Errorf("the event %s on the server is malformed: %w", o.Href, err)
	}
	ev.Calendar, ev.ID, ev.ETag = cal.ID, lastSegment(o.Href), o.ETag
	det := EventDetail{Event: ev}
	for _, c := range o.Data.Children {
		if c.Name == ical.CompEvent && c != master {
			x, err := eventFromComponent(c, tz, time.UTC, out)
			if err != nil {
				continue
			}
			x.Calendar, x.ID, x.ETag = cal.ID, ev.ID, o.ETag
			det.Exceptions = append(det.Exceptions, x)
		}
	}
	return det, nil
}

// GetEvent fetches an event by id (object name) or UID.
func (d *CalDAV) GetEvent(ctx context.Context, cal Calendar, id string, out *time.Location) (EventDetail, error) {
	o, err := d.Object(ctx, cal, ical.CompEvent, id)
	if err != nil {
		return EventDetail{}, err
	}
	return eventOf(cal, o, out)
}

// CreateEvent stores a new event in cal and returns it as stored.
func (d *CalDAV) CreateEvent(ctx context.Context, cal Calendar, in EventInput) (EventDetail, error) {
	if !cal.Supports(ical.CompEvent) {
		return EventDetail{}, fmt.Errorf("calendar %s holds only %s, not events; pick another calendar", cal.ID, strings.Join(cal.Components, ", "))
	}
	d.fillReminderAddress(ctx, &in)
	return createObject(ctx, d, cal.Href, cal.ID, ".ics", "event",
		func(uid string) (*ical.Calendar, error) { return NewEventCalendar(uid, in, time.Now()) },
		func(o CalObject) (EventDetail, error) { return eventOf(cal, o, nil) })
}

// UpdateEvent changes the fields given in in, of the series or (with
// occurrence) of one occurrence. etag, when given, must match the stored
// version; otherwise the version just read is required, so a concurrent
// change is reported rather than overwritten.
func (d *CalDAV) UpdateEvent(ctx context.Context, cal Calendar, id string, in EventInput, occurrence, etag string) (EventDetail, error) {
	o, err := d.Object(ctx, cal, ical.CompEvent, id)
	if err != nil {
		return EventDetail{}, err
	}
	if staleETag(etag, o.ETag) {
		return EventDetail{}, conflictError(o.Href, "event")
	}
	if o, err = d.editable(ctx, o); err != nil {
		return EventDetail{}, err
	}
	d.fillReminderAddress(ctx, &in)
	if err := UpdateEventCalendar(o.Data, in, occurrence, time.Now()); err != nil {
		return EventDetail{}, inputErr(err)
	}
	return saveObject(ctx, d.Get, o.Href, "event", func() error { return d.put(ctx, o, firstNonEmpty(etag, o.ETag)) },
		func(o CalObject) (EventDetail, error) { return eventOf(cal, o, nil) })
}

// DeleteEvent deletes an event, or one occurrence of a series.
func (d *CalDAV) DeleteEvent(ctx context.Context, cal Calendar, id, occurrence, etag string) error {
	o, err := d.Object(ctx, cal, ical.CompEvent, id)
	if err != nil {
		return err
	}
	if staleETag(etag, o.ETag) {
		method := http.MethodDelete
		if occurrence != "" {
			method = http.MethodPut
		}
		return conflictErrorOf(method, o.Href, "event")
	}
	if occurrence != "" {
		if o, err = d.editable(ctx, o); err != nil {
			return err
		}
		if err := DeleteOccurrence(o.Data, occurrence, time.Now()); err != nil {
			return inputErr(err)
		}
		if err := d.put(ctx, o, firstNonEmpty(etag, o.ETag)); err != nil {
			if errors.Is(err, ErrConflict) {
				return conflictError(o.Href, "event")
			}
			return fmt.Errorf("remove occurrence from %s: %w", o.Href, err)
		}
		return nil
	}
	return writeErr(d.Delete(ctx, o.Href, firstNonEmpty(etag, o.ETag)), http.MethodDelete, "delete", "event", o.Href)
}

func conflictError(href, what string) error {
	return conflictErrorOf(http.MethodPut, href, what)
}

// conflictErrorOf reports a failed If-Match of method (PUT or DELETE).
func conflictErrorOf(method, href, what string) error {
	return &Error{Method: method, Path: href, Status: http.StatusPreconditionFailed,
		Message: fmt.Sprintf("the %s was changed by someone else since it was read (ETag mismatch); nothing was overwritten", what),
		Hint:    "fetch it again and re-apply the change"}
}

// Interval is a span of time.
type Interval struct {
	Start time.Time
	End   time.Time
}

// ErrNoFreeBusyReport means the server does not answer free-busy-query.
var ErrNoFreeBusyReport = errors.New("the server offers no free-busy REPORT")

type xmlFreeBusyQuery struct {
	XMLName   xml.Name `xml:"urn:ietf:params:xml:ns:caldav free-busy-query"`
	TimeRange struct {
		Start string `xml:"start,attr"`
		End   string `xml:"end,attr"`
	} `xml:"urn:ietf:params:xml:ns:caldav time-range"`
}

// FreeBusy asks the server for the busy periods of a calendar (RFC 4791
// free-busy-query REPORT). It returns ErrNoFreeBusyReport when the server
// does not offer the report, so callers can compute busy times from events.
func (d *CalDAV) FreeBusy(ctx context.Context, cal Calendar, from, to time.Time) ([]Interval, error) {
	var q xmlFreeBusyQuery
	q.TimeRange.Start = from.UTC().Format("20060102T150405Z")
	q.TimeRange.End = to.UTC().Format("20060102T150405Z")
	body, err := xml.Marshal(q)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Depth", "1")
	h.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := d.c.davSend(ctx, "REPORT", cal.Href, h, append([]byte(xml.Header), body...))
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusNotImplemented || e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusForbidden || e.Status == http.StatusUnsupportedMediaType) {
			return nil, fmt.Errorf("%w (%d)", ErrNoFreeBusyReport, e.Status)
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	var vcal *ical.Calendar
	err = safely(func() error {
		var err error
		vcal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: free-busy answer is not iCalendar: %v", ErrNoFreeBusyReport, err)
	}
	return parseFreeBusy(vcal)
}

// parseFreeBusy reads the BUSY periods of VFREEBUSY components.
func parseFreeBusy(cal *ical.Calendar) ([]Interval, error) {
	var out []Interval
	for _, c := range cal.Children {
		if c.Name != ical.CompFreeBusy {
			continue
		}
		for _, p := range c.Props.Values(ical.PropFreeBusy) {
			fbtype := strings.ToUpper(p.Params.Get(ical.ParamFreeBusyType))
			if fbtype == "FREE" {
				continue
			}
			for _, period := range strings.Split(p.Value, ",") {
				startS, endS, ok := strings.Cut(strings.TrimSpace(period), "/")
				if !ok {
					return nil, fmt.Errorf("bad FREEBUSY period %q", period)
				}
				st, err := parseICalValue("FREEBUSY", startS, ical.Params{}, nil, time.UTC)
				if err != nil {
					return nil, err
				}
				var end time.Time
				if strings.HasPrefix(strings.ToUpper(endS), "P") {
					dur, err := ParseDurationInput(endS)
					if err != nil {
						return nil, err
					}
					end = st.T.Add(dur)
				} else {
					e, err := parseICalValue("FREEBUSY", endS, ical.Params{}, nil, time.UTC)
					if err != nil {
						return nil, err
					}
					end = e.T
				}
				if end.After(st.T) {
					out = append(out, Interval{Start: st.T, End: end})
				}
			}
		}
	}
	return out, nil
}

// MergeIntervals sorts and joins overlapping or touching intervals.
func MergeIntervals(in []Interval) []Interval {
	if len(in) == 0 {
		return nil
	}
	s := append([]Interval(nil), in...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	out := []Interval{s[0]}
	for _, iv := range s[1:] {
		last := &out[len(out)-1]
		if !iv.Start.After(last.End) {
			if iv.End.After(last.End) {
				last.End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// WorkingHours restrict free slots to a daily window on some weekdays.
type WorkingHours struct {
	Start, End time.Duration // since midnight
	Days       map[time.Weekday]bool
	Loc        *time.Location
}

// FreeSlots returns the free intervals of at least minLen within [from,
// to) and the working hours, given the busy intervals.
func FreeSlots(busy []Interval, from, to time.Time, wh WorkingHours, minLen time.Duration) []Interval {
	busy = MergeIntervals(busy)
	loc := wh.Loc
	if loc == nil {
		loc = time.UTC
	}
	var out []Interval
	f := from.In(loc)
	day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		if len(wh.Days) > 0 && !wh.Days[day.Weekday()] {
			continue
		}
		ws := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(wh.Start)
		we := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(wh.End)
		if wh.End <= wh.Start {
			continue
		}
		if ws.Before(from) {
			ws = from
		}
		if we.After(to) {
			we = to
		}
		cur := ws
		for _, b := range busy {
			if !b.End.After(cur) {
				continue
			}
			if !b.Start.Before(we) {
				break
			}
			if b.Start.Sub(cur) >= minLen {
				out = append(out, Interval{Start: cur, End: b.Start})
			}
			if b.End.After(cur) {
				cur = b.End
			}
		}
		if we.Sub(cur) >= minLen {
			out = append(out, Interval{Start: cur, End: we})
		}
		if len(out) > 1000 {
			break
		}
	}
	return out
}

// fillReminderAddress looks up the user's calendar address (RFC 6638
// calendar-user-address-set) when an EMAIL reminder may need it.
func (d *CalDAV) fillReminderAddress(ctx context.Context, in *EventInput) {
	if in.Reminders == nil || in.ReminderAddress != "" {
		return
	}
	for _, r := range *in.Reminders {
		if strings.EqualFold(strings.TrimSpace(r.Action), "EMAIL") {
			in.ReminderAddress = d.c.calendarUserAddress(ctx, d.principal)
			return
		}
	}
}
