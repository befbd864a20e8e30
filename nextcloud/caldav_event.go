package nextcloud

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// InputError is a problem with what the caller asked for (a malformed
// date, an unknown time zone, end before start), as opposed to a failure
// of Nextcloud.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// Attendee is an ATTENDEE or ORGANIZER of an event.
type Attendee struct {
	Email  string `json:"email" jsonschema:"e-mail address"`
	Name   string `json:"name,omitempty" jsonschema:"display name"`
	Status string `json:"status,omitempty" jsonschema:"participation status: NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE or DELEGATED"`
	Role   string `json:"role,omitempty" jsonschema:"REQ-PARTICIPANT (default), OPT-PARTICIPANT, CHAIR or NON-PARTICIPANT"`
	RSVP   bool   `json:"rsvp,omitempty" jsonschema:"whether a reply is requested"`
}

// Reminder is a VALARM.
type Reminder struct {
	// MinutesBefore is relative to the start (or end when Related is
	// "end"); negative values are after it. Unused when At is set.
	MinutesBefore int    `json:"minutes_before" jsonschema:"minutes before the start (negative: after); ignored when at is set"`
	Related       string `json:"related,omitempty" jsonschema:"start (default) or end: what minutes_before counts from"`
	At            string `json:"at,omitempty" jsonschema:"absolute time of the reminder (RFC 3339), instead of minutes_before"`
	Action        string `json:"action,omitempty" jsonschema:"DISPLAY (default, a notification) or EMAIL"`
}

// Event is a VEVENT, or one occurrence of a recurring one.
type Event struct {
	Calendar     string     `json:"calendar" jsonschema:"calendar id"`
	ID           string     `json:"id" jsonschema:"event id within the calendar (the object name), for get, update and delete"`
	UID          string     `json:"uid" jsonschema:"iCalendar UID"`
	ETag         string     `json:"etag,omitempty" jsonschema:"version tag; pass it to update or delete to refuse changes made meanwhile"`
	Summary      string     `json:"summary" jsonschema:"title"`
	Start        string     `json:"start" jsonschema:"start: a date (YYYY-MM-DD) for all-day events, else RFC 3339"`
	End          string     `json:"end" jsonschema:"end (exclusive): for all-day events the day after the last day"`
	AllDay       bool       `json:"all_day" jsonschema:"true for all-day events"`
	TimeZone     string     `json:"timezone,omitempty" jsonschema:"the event's own time zone (TZID), if any"`
	Location     string     `json:"location,omitempty"`
	Description  string     `json:"description,omitempty"`
	Categories   []string   `json:"categories,omitempty"`
	Status       string     `json:"status,omitempty" jsonschema:"TENTATIVE, CONFIRMED or CANCELLED"`
	URL          string     `json:"url,omitempty"`
	Organizer    *Attendee  `json:"organizer,omitempty"`
	Attendees    []Attendee `json:"attendees,omitempty"`
	RRule        string     `json:"rrule,omitempty" jsonschema:"recurrence rule (RFC 5545 RRULE) of the series"`
	ExDates      []string   `json:"exdates,omitempty" jsonschema:"start times of occurrences removed from the series"`
	Recurring    bool       `json:"recurring,omitempty" jsonschema:"true when this is (an occurrence of) a recurring series"`
	RecurrenceID string     `json:"recurrence_id,omitempty" jsonschema:"for an occurrence: its original start; pass it as occurrence to change or delete only this one"`
	Reminders    []Reminder `json:"reminders,omitempty"`
	Busy         bool       `json:"busy" jsonschema:"whether the event blocks time (TRANSP:OPAQUE) and is not cancelled"`

	start, end time.Time
	isDate     bool
}

// StartTime and EndTime are the event's instants (all-day events in the
// zone they were read in).
func (e Event) StartTime() time.Time { return e.start }
func (e Event) EndTime() time.Time   { return e.end }

// textOf reads a TEXT property leniently: a malformed escape keeps the
// raw value rather than losing the property.
func textOf(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	if t, err := p.Text(); err == nil {
		return t
	}
	return p.Value
}

func textsOf(props []ical.Prop) []string {
	var out []string
	for _, p := range props {
		l, err := p.TextList()
		if err != nil {
			l = strings.Split(p.Value, ",")
		}
		for _, v := range l {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func attendeeOf(p ical.Prop) Attendee {
	email := strings.TrimSpace(p.Value)
	if len(email) >= 7 && strings.EqualFold(email[:7], "mailto:") {
		email = email[7:]
	}
	a := Attendee{
		Email:  email,
		Name:   strings.Trim(p.Params.Get(ical.ParamCommonName), `"`),
		Status: strings.ToUpper(p.Params.Get(ical.ParamParticipationStatus)),
		Role:   strings.ToUpper(p.Params.Get(ical.ParamRole)),
		RSVP:   strings.EqualFold(p.Params.Get(ical.ParamRSVP), "TRUE"),
	}
	return a
}

// eventFromComponent reads a VEVENT. floating is the zone for all-day and
// floating times; out, when set, is the zone times are shown in.
func eventFromComponent(comp *ical.Component, tz *tzResolver, floating, out *time.Location) (Event, error) {
	ev := Event{
		UID:         textOf(comp.Props.Get(ical.PropUID)),
		Summary:     textOf(comp.Props.Get(ical.PropSummary)),
		Location:    textOf(comp.Props.Get(ical.PropLocation)),
		Description: textOf(comp.Props.Get(ical.PropDescription)),
		Categories:  textsOf(comp.Props.Values(ical.PropCategories)),
		Status:      strings.ToUpper(textOf(comp.Props.Get(ical.PropStatus))),
	}
	if p := comp.Props.Get(ical.PropURL); p != nil {
		ev.URL = strings.TrimSpace(p.Value)
	}
	if p := comp.Props.Get(ical.PropOrganizer); p != nil {
		o := attendeeOf(*p)
		o.Status, o.Role, o.RSVP = "", "", false
		ev.Organizer = &o
	}
	for _, p := range comp.Props.Values(ical.PropAttendee) {
		ev.Attendees = append(ev.Attendees, attendeeOf(p))
	}
	if p := comp.Props.Get(ical.PropRecurrenceRule); p != nil {
		ev.RRule = strings.TrimSpace(p.Value)
		ev.Recurring = true
	}
	if comp.Props.Get(ical.PropRecurrenceDates) != nil {
		ev.Recurring = true
	}
	start, err := parseICalTime(comp.Props.Get(ical.PropDateTimeStart), tz, floating)
	if err != nil {
		return Event{}, fmt.Errorf("event %q: bad or missing DTSTART: %w", ev.UID, err)
	}
	ev.start, ev.isDate, ev.TimeZone = start.T, start.IsDate, start.TZID
	ev.AllDay = start.IsDate
	switch {
	case comp.Props.Get(ical.PropDateTimeEnd) != nil:
		end, err := parseICalTime(comp.Props.Get(ical.PropDateTimeEnd), tz, floating)
		if err != nil {
			return Event{}, fmt.Errorf("event %q: bad DTEND: %w", ev.UID, err)
		}
		ev.end = end.T
	case comp.Props.Get(ical.PropDuration) != nil:
		d, err := comp.Props.Get(ical.PropDuration).Duration()
		if err != nil {
			return Event{}, fmt.Errorf("event %q: bad DURATION: %w", ev.UID, err)
		}
		ev.end = ev.start.Add(d)
	case ev.isDate:
		ev.end = ev.start.AddDate(0, 0, 1)
	default:
		ev.end = ev.start
	}
	if ev.end.Before(ev.start) {
		// Seen in the wild; treat as an instant rather than failing.
		ev.end = ev.start
	}
	for _, p := range comp.Props.Values(ical.PropExceptionDates) {
		ts, err := parseICalTimes(p, tz, floating)
		if err != nil {
			return Event{}, fmt.Errorf("event %q: bad EXDATE: %w", ev.UID, err)
		}
		for _, t := range ts {
			ev.ExDates = append(ev.ExDates, formatTime(t.T, t.IsDate, out))
		}
	}
	if p := comp.Props.Get(ical.PropRecurrenceID); p != nil {
		rid, err := parseICalTime(p, tz, floating)
		if err != nil {
			return Event{}, fmt.Errorf("event %q: bad RECURRENCE-ID: %w", ev.UID, err)
		}
		ev.RecurrenceID = formatTime(rid.T, rid.IsDate, out)
		ev.Recurring = true
	}
	transp := strings.ToUpper(textOf(comp.Props.Get(ical.PropTransparency)))
	ev.Busy = transp != "TRANSPARENT" && ev.Status != "CANCELLED"
	for _, a := range comp.Children {
		if a.Name == ical.CompAlarm {
			if r, ok := reminderOf(a, tz, floating, out); ok {
				ev.Reminders = append(ev.Reminders, r)
			}
		}
	}
	ev.setTimes(out)
	return ev, nil
}

func (e *Event) setTimes(out *time.Location) {
	e.Start = formatTime(e.start, e.isDate, out)
	e.End = formatTime(e.end, e.isDate, out)
}

func reminderOf(a *ical.Component, tz *tzResolver, floating, out *time.Location) (Reminder, bool) {
	r := Reminder{Action: strings.ToUpper(textOf(a.Props.Get(ical.PropAction)))}
	tr := a.Props.Get(ical.PropTrigger)
	if tr == nil {
		return Reminder{}, false
	}
	if strings.EqualFold(tr.Params.Get(ical.ParamValue), "DATE-TIME") {
		t, err := parseICalTime(tr, tz, floating)
		if err != nil {
			return Reminder{}, false
		}
		r.At = formatTime(t.T, false, out)
		return r, true
	}
	d, err := tr.Duration()
	if err != nil {
		return Reminder{}, false
	}
	r.MinutesBefore = int(-d / time.Minute)
	if strings.EqualFold(tr.Params.Get(ical.ParamRelated), "END") {
		r.Related = "end"
	}
	return r, true
}

// EventInput holds the fields of an event to set. Nil pointers leave a
// field as it is; pointers to empty values clear it.
type EventInput struct {
	Summary     *string
	Start       *string
	End         *string
	Duration    *string
	AllDay      *bool
	TimeZone    *string
	Location    *string
	Description *string
	Categories  *[]string
	Status      *string
	URL         *string
	Organizer   *Attendee
	Attendees   *[]Attendee
	RRule       *string
	Reminders   *[]Reminder
	// ReminderAddress is where EMAIL reminders go when the event has no
	// organizer (the user's own address; RFC 5545 requires an ATTENDEE).
	ReminderAddress string
}

// cleanText drops control characters iCalendar cannot carry (CR, NUL...),
// keeping newlines and tabs.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// cleanValue is cleanText for single-line property values: control
// characters become spaces; quotes and everything else are kept (the
// encoder escapes them).
func cleanValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// cleanLine is cleanValue for parameter values, which cannot carry a
// double quote.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// cleanInput is a user-given text value made storable: one line, or with
// multiline kept to its lines.
func cleanInput(v string, multiline bool) string {
	if multiline {
		return strings.TrimSpace(cleanText(v))
	}
	return cleanValue(v)
}

func setOrDelText(props ical.Props, name string, v *string, multiline bool) {
	if v == nil {
		return
	}
	s := cleanInput(*v, multiline)
	if s == "" {
		props.Del(name)
		return
	}
	props.SetText(name, s)
}

// NewUID returns a random UID in the form calendar apps use.
func NewUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewEventCalendar builds the iCalendar object for a new event.
func NewEventCalendar(uid string, in EventInput, now time.Time) (*ical.Calendar, error) {
	if in.Summary == nil || strings.TrimSpace(*in.Summary) == "" {
		return nil, errors.New("an event needs a summary (title)")
	}
	if in.Start == nil || strings.TrimSpace(*in.Start) == "" {
		return nil, errors.New("an event needs a start")
	}
	cal, ev := newCalendarWith(ical.CompEvent, uid, now)
	if err := applyEventInput(cal, ev, in, now, true); err != nil {
		return nil, err
	}
	return cal, nil
}

// newCalendarWith is a new calendar object holding one new component.
func newCalendarWith(comp, uid string, now time.Time) (*ical.Calendar, *ical.Component) {
	cal := newCalendar()
	c := ical.NewComponent(comp)
	c.Props.SetText(ical.PropUID, uid)
	c.Props.SetDateTime(ical.PropCreated, now.UTC())
	cal.Children = append(cal.Children, c)
	return cal, c
}

func newCalendar() *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Nextcloud MCP Server//EN")
	return cal
}

// masterComponent returns the component without RECURRENCE-ID (the series
// or the single item).
func masterComponent(cal *ical.Calendar, name string) *ical.Component {
	var first *ical.Component
	for _, c := range cal.Children {
		if c.Name != name {
			continue
		}
		if first == nil {
			first = c
		}
		if c.Props.Get(ical.PropRecurrenceID) == nil {
			return c
		}
	}
	return first
}

// UpdateEventCalendar applies in to the event of cal (its series master,
// or with occurrence set, one occurrence, which becomes an override).
func UpdateEventCalendar(cal *ical.Calendar, in EventInput, occurrence string, now time.Time) error {
	if cal == nil || cal.Component == nil {
		return errors.New("no event data")
	}
	master := masterComponent(cal, ical.CompEvent)
	if master == nil {
		return errors.New("the object holds no event (VEVENT)")
	}
	if occurrence == "" {
		return applyEventInput(cal, master, in, now, false)
	}
	if in.RRule != nil {
		return errors.New("a single occurrence cannot get its own recurrence rule; change the series instead (omit occurrence)")
	}
	comp, err := occurrenceComponent(cal, master, occurrence, true)
	if err != nil {
		return err
	}
	return applyEventInput(cal, comp, in, now, false)
}
