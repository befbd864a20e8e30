package nextcloud

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
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

func setOrDelText(props ical.Props, name string, v *string, multiline bool) {
	if v == nil {
		return
	}
	s := cleanValue(*v)
	if multiline {
		s = strings.TrimSpace(cleanText(*v))
	}
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
	cal := newCalendar()
	ev := ical.NewComponent(ical.CompEvent)
	ev.Props.SetText(ical.PropUID, uid)
	ev.Props.SetDateTime(ical.PropCreated, now.UTC())
	cal.Children = append(cal.Children, ev)
	if err := applyEventInput(cal, ev, in, now, true); err != nil {
		return nil, err
	}
	return cal, nil
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

// DeleteOccurrence removes one occurrence of a recurring event: an EXDATE
// on the series, and its override if it had one.
func DeleteOccurrence(cal *ical.Calendar, occurrence string, now time.Time) error {
	master := masterComponent(cal, ical.CompEvent)
	if master == nil {
		return errors.New("the object holds no event (VEVENT)")
	}
	tz := newTZResolver(cal)
	rid, inst, err := findOccurrence(cal, master, tz, occurrence)
	if err != nil {
		return err
	}
	kept := cal.Children[:0]
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c != master && sameRecurrence(c, tz, inst) {
			continue
		}
		kept = append(kept, c)
	}
	cal.Children = kept
	ex := ical.NewProp(ical.PropExceptionDates)
	ex.Value = rid.Value
	for k, v := range rid.Params {
		ex.Params[k] = v
	}
	master.Props.Add(ex)
	touch(master, now)
	return nil
}

// findOccurrence matches a user-given occurrence start against the series
// and returns it in the form of the series' DTSTART (for RECURRENCE-ID and
// EXDATE) and as an instant.
func findOccurrence(cal *ical.Calendar, master *ical.Component, tz *tzResolver, occurrence string) (*ical.Prop, time.Time, error) {
	ds := master.Props.Get(ical.PropDateTimeStart)
	if ds == nil {
		return nil, time.Time{}, errors.New("the event has no start")
	}
	start, err := parseICalTime(ds, tz, time.UTC)
	if err != nil {
		return nil, time.Time{}, err
	}
	if master.Props.Get(ical.PropRecurrenceRule) == nil && master.Props.Get(ical.PropRecurrenceDates) == nil {
		return nil, time.Time{}, errors.New("the event does not recur; omit occurrence to change the event itself")
	}
	loc := start.T.Location()
	want, dateOnly, err := ParseTimeInput(occurrence, loc)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("occurrence: %w", err)
	}
	if start.IsDate && !dateOnly {
		want = time.Date(want.In(loc).Year(), want.In(loc).Month(), want.In(loc).Day(), 0, 0, 0, 0, loc)
	}
	occs, err := seriesStarts(master, tz, time.UTC, want.Add(-time.Second), want.Add(time.Second))
	if err != nil {
		return nil, time.Time{}, err
	}
	found := false
	for _, o := range occs {
		if o.Equal(want) {
			found = true
		}
	}
	if !found {
		// An override may already carry it.
		for _, c := range cal.Children {
			if c.Name == ical.CompEvent && c != master && sameRecurrence(c, tz, want) {
				found = true
			}
		}
	}
	if !found {
		return nil, time.Time{}, fmt.Errorf("the series has no occurrence starting at %s; use recurrence_id from nc_calendar_list_events", occurrence)
	}
	rid := ical.NewProp(ical.PropRecurrenceID)
	switch {
	case start.IsDate:
		rid.SetDate(want)
	case start.TZID != "":
		rid.SetValueType(ical.ValueDateTime)
		rid.Value = want.In(loc).Format("20060102T150405")
		rid.Params.Set(ical.PropTimezoneID, start.TZID)
	case start.Floating:
		rid.SetValueType(ical.ValueDateTime)
		rid.Value = want.In(loc).Format("20060102T150405")
	default:
		rid.SetDateTime(want.UTC())
	}
	rid.Params.Del(ical.ParamValue)
	if start.IsDate {
		rid.Params.Set(ical.ParamValue, string(ical.ValueDate))
	}
	return rid, want, nil
}

func sameRecurrence(c *ical.Component, tz *tzResolver, inst time.Time) bool {
	p := c.Props.Get(ical.PropRecurrenceID)
	if p == nil {
		return false
	}
	t, err := parseICalTime(p, tz, time.UTC)
	return err == nil && t.T.Equal(inst)
}

// occurrenceComponent returns the override of one occurrence, creating it
// from the series when create is set.
func occurrenceComponent(cal *ical.Calendar, master *ical.Component, occurrence string, create bool) (*ical.Component, error) {
	tz := newTZResolver(cal)
	rid, inst, err := findOccurrence(cal, master, tz, occurrence)
	if err != nil {
		return nil, err
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c != master && sameRecurrence(c, tz, inst) {
			return c, nil
		}
	}
	if !create {
		return nil, errors.New("no such occurrence")
	}
	ov := ical.NewComponent(ical.CompEvent)
	for name, props := range master.Props {
		switch name {
		case ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDuration:
			continue
		}
		ov.Props[name] = slices.Clone(props)
	}
	for _, a := range master.Children {
		ov.Children = append(ov.Children, cloneComponent(a))
	}
	ov.Props.Set(rid)
	// The occurrence keeps the series' length.
	ms, err := parseICalTime(master.Props.Get(ical.PropDateTimeStart), tz, time.UTC)
	if err != nil {
		return nil, err
	}
	mev, err := eventFromComponent(master, tz, time.UTC, nil)
	if err != nil {
		return nil, err
	}
	dur := mev.end.Sub(mev.start)
	start := inst
	if !ms.IsDate && ms.TZID != "" {
		start = inst.In(ms.T.Location())
	}
	setICalTime(ov.Props, ical.PropDateTimeStart, start, ms.IsDate)
	if ms.TZID != "" {
		ov.Props.Get(ical.PropDateTimeStart).Params.Set(ical.PropTimezoneID, ms.TZID)
	}
	end := start.Add(dur)
	if ms.IsDate {
		end = start.AddDate(0, 0, int(dur/(24*time.Hour)))
	}
	setICalTime(ov.Props, ical.PropDateTimeEnd, end, ms.IsDate)
	if ms.TZID != "" {
		ov.Props.Get(ical.PropDateTimeEnd).Params.Set(ical.PropTimezoneID, ms.TZID)
	}
	cal.Children = append(cal.Children, ov)
	return ov, nil
}

func cloneComponent(c *ical.Component) *ical.Component {
	out := ical.NewComponent(c.Name)
	for name, props := range c.Props {
		out.Props[name] = slices.Clone(props)
	}
	for _, ch := range c.Children {
		out.Children = append(out.Children, cloneComponent(ch))
	}
	return out
}

func touch(comp *ical.Component, now time.Time) {
	comp.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	comp.Props.SetDateTime(ical.PropLastModified, now.UTC())
	seq := 0
	if p := comp.Props.Get(ical.PropSequence); p != nil {
		seq, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		seq++
	}
	sp := ical.NewProp(ical.PropSequence)
	sp.SetValueType(ical.ValueDefault)
	sp.Value = strconv.Itoa(max(seq, 0))
	comp.Props.Set(sp)
}

var (
	eventStatuses = []string{"TENTATIVE", "CONFIRMED", "CANCELLED"}
	partStats     = []string{"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"}
	roles         = []string{"REQ-PARTICIPANT", "OPT-PARTICIPANT", "CHAIR", "NON-PARTICIPANT"}
)

// applyEventInput writes in onto comp (a VEVENT of cal).
func applyEventInput(cal *ical.Calendar, comp *ical.Component, in EventInput, now time.Time, isNew bool) error {
	if in.Summary != nil && strings.TrimSpace(*in.Summary) == "" {
		return errors.New("summary cannot be empty")
	}
	setOrDelText(comp.Props, ical.PropSummary, in.Summary, false)
	setOrDelText(comp.Props, ical.PropLocation, in.Location, false)
	setOrDelText(comp.Props, ical.PropDescription, in.Description, true)
	if in.Status != nil {
		s := strings.ToUpper(strings.TrimSpace(*in.Status))
		switch {
		case s == "":
			comp.Props.Del(ical.PropStatus)
		case slices.Contains(eventStatuses, s):
			comp.Props.SetText(ical.PropStatus, s)
		default:
			return fmt.Errorf("status %q is not one of %s", *in.Status, strings.Join(eventStatuses, ", "))
		}
	}
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if u == "" {
			comp.Props.Del(ical.PropURL)
		} else {
			pu, err := url.Parse(u)
			if err != nil || pu.Scheme == "" || strings.ContainsAny(u, " \t\r\n") {
				return fmt.Errorf("url %q is not an absolute URL like https://example.com/meeting", u)
			}
			comp.Props.SetURI(ical.PropURL, pu)
		}
	}
	if in.Categories != nil {
		setCategories(comp.Props, *in.Categories)
	}
	if in.Organizer != nil {
		if strings.TrimSpace(in.Organizer.Email) == "" {
			comp.Props.Del(ical.PropOrganizer)
		} else {
			p, err := attendeeProp(ical.PropOrganizer, *in.Organizer)
			if err != nil {
				return fmt.Errorf("organizer: %w", err)
			}
			comp.Props.Set(p)
		}
	}
	if in.Attendees != nil {
		comp.Props.Del(ical.PropAttendee)
		seen := map[string]bool{}
		for i, a := range *in.Attendees {
			p, err := attendeeProp(ical.PropAttendee, a)
			if err != nil {
				return fmt.Errorf("attendee %d: %w", i+1, err)
			}
			if seen[strings.ToLower(p.Value)] {
				continue
			}
			seen[strings.ToLower(p.Value)] = true
			comp.Props.Add(p)
		}
	}
	if err := applyEventTimes(cal, comp, in, isNew); err != nil {
		return err
	}
	if in.RRule != nil {
		if err := setRRule(comp, *in.RRule); err != nil {
			return err
		}
	}
	if in.Reminders != nil {
		if err := setReminders(comp, *in.Reminders, in.ReminderAddress); err != nil {
			return err
		}
	}
	touch(comp, now)
	return nil
}

func setCategories(props ical.Props, cats []string) {
	var clean []string
	for _, c := range cats {
		if c = cleanValue(c); c != "" && !slices.Contains(clean, c) {
			clean = append(clean, c)
		}
	}
	props.Del(ical.PropCategories)
	if len(clean) > 0 {
		p := ical.NewProp(ical.PropCategories)
		p.SetTextList(clean)
		props.Set(p)
	}
}

func attendeeProp(name string, a Attendee) (*ical.Prop, error) {
	email := strings.TrimSpace(a.Email)
	if len(email) >= 7 && strings.EqualFold(email[:7], "mailto:") {
		email = email[7:]
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || strings.ContainsAny(email, " \t\r\n\",;:") {
		return nil, fmt.Errorf("%q is not an e-mail address", a.Email)
	}
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueCalendarAddress)
	p.Params.Del(ical.ParamValue)
	p.Value = "mailto:" + email
	if n := cleanLine(a.Name); n != "" {
		p.Params.Set(ical.ParamCommonName, n)
	}
	if name == ical.PropAttendee {
		st := strings.ToUpper(strings.TrimSpace(a.Status))
		if st == "" {
			st = "NEEDS-ACTION"
		}
		if !slices.Contains(partStats, st) {
			return nil, fmt.Errorf("status %q is not one of %s", a.Status, strings.Join(partStats, ", "))
		}
		p.Params.Set(ical.ParamParticipationStatus, st)
		role := strings.ToUpper(strings.TrimSpace(a.Role))
		if role == "" {
			role = "REQ-PARTICIPANT"
		}
		if !slices.Contains(roles, role) {
			return nil, fmt.Errorf("role %q is not one of %s", a.Role, strings.Join(roles, ", "))
		}
		p.Params.Set(ical.ParamRole, role)
		p.Params.Set(ical.ParamCalendarUserType, "INDIVIDUAL")
		if a.RSVP {
			p.Params.Set(ical.ParamRSVP, "TRUE")
		}
	}
	return p, nil
}

// ParseRRule checks a recurrence rule ("FREQ=WEEKLY;BYDAY=MO", with or
// without the RRULE: prefix) and returns it normalized.
func ParseRRule(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "RRULE:") {
		s = s[6:]
	}
	if s == "" {
		return "", nil
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("rrule must be one line")
	}
	opt, err := rrule.StrToROption(s)
	if err != nil {
		return "", fmt.Errorf("rrule %q is not a valid RFC 5545 recurrence rule (like FREQ=WEEKLY;BYDAY=MO,WE or FREQ=DAILY;COUNT=5): %v", s, err)
	}
	if opt.Freq == rrule.SECONDLY || opt.Freq == rrule.MINUTELY {
		return "", fmt.Errorf("rrule %q repeats more often than hourly; calendars do not support that", s)
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return "", fmt.Errorf("rrule %q: %v", s, err)
	}
	return opt.RRuleString(), nil
}

func setRRule(comp *ical.Component, s string) error {
	r, err := ParseRRule(s)
	if err != nil {
		return err
	}
	if r == "" {
		comp.Props.Del(ical.PropRecurrenceRule)
		comp.Props.Del(ical.PropExceptionDates)
		comp.Props.Del(ical.PropRecurrenceDates)
		return nil
	}
	if comp.Props.Get(ical.PropRecurrenceID) != nil {
		return errors.New("an occurrence cannot get its own recurrence rule")
	}
	// rrule-go writes UNTIL in DTSTART's form; keep UNTIL in UTC as
	// RFC 5545 requires for zoned starts.
	p := ical.NewProp(ical.PropRecurrenceRule)
	p.SetValueType(ical.ValueRecurrence)
	p.Params.Del(ical.ParamValue)
	p.Value = r
	comp.Props.Set(p)
	return nil
}

func setReminders(comp *ical.Component, rs []Reminder, address string) error {
	kept := comp.Children[:0]
	for _, c := range comp.Children {
		if c.Name != ical.CompAlarm {
			kept = append(kept, c)
		}
	}
	comp.Children = kept
	summary := textOf(comp.Props.Get(ical.PropSummary))
	if summary == "" {
		summary = "Reminder"
	}
	for i, r := range rs {
		a := ical.NewComponent(ical.CompAlarm)
		action := strings.ToUpper(strings.TrimSpace(r.Action))
		if action == "" {
			action = "DISPLAY"
		}
		if action != "DISPLAY" && action != "EMAIL" {
			return fmt.Errorf("reminder %d: action %q is not DISPLAY or EMAIL", i+1, r.Action)
		}
		a.Props.SetText(ical.PropAction, action)
		a.Props.SetText(ical.PropDescription, summary)
		if action == "EMAIL" {
			a.Props.SetText(ical.PropSummary, summary)
			// RFC 5545 3.6.6: an EMAIL alarm names its recipients.
			att := ical.NewProp(ical.PropAttendee)
			switch {
			case comp.Props.Get(ical.PropOrganizer) != nil:
				att.Value = comp.Props.Get(ical.PropOrganizer).Value
			case address != "":
				att.Value = "mailto:" + strings.TrimPrefix(address, "mailto:")
			default:
				return fmt.Errorf("reminder %d: an EMAIL reminder needs an address to send to, and neither the event's organizer nor the user's calendar address is known; set an organizer or use a DISPLAY reminder", i+1)
			}
			a.Props.Set(att)
		}
		tr := ical.NewProp(ical.PropTrigger)
		if strings.TrimSpace(r.At) != "" {
			t, dateOnly, err := ParseTimeInput(r.At, time.UTC)
			if err != nil || dateOnly {
				return fmt.Errorf("reminder %d: at %q must be a time like 2025-03-10T08:45:00Z", i+1, r.At)
			}
			tr.SetDateTime(t.UTC())
		} else {
			if r.MinutesBefore > 60*24*365 || r.MinutesBefore < -60*24*365 {
				return fmt.Errorf("reminder %d: minutes_before %d is more than a year", i+1, r.MinutesBefore)
			}
			tr.SetDuration(-time.Duration(r.MinutesBefore) * time.Minute)
			tr.Params.Del(ical.ParamValue)
			switch strings.ToLower(strings.TrimSpace(r.Related)) {
			case "", "start":
			case "end":
				tr.Params.Set(ical.ParamRelated, "END")
			default:
				return fmt.Errorf("reminder %d: related %q is not start or end", i+1, r.Related)
			}
		}
		a.Props.Set(tr)
		comp.Children = append(comp.Children, a)
	}
	return nil
}

// applyEventTimes sets DTSTART and DTEND from the input, keeping what is
// not given (an event moved keeps its length).
func applyEventTimes(cal *ical.Calendar, comp *ical.Component, in EventInput, isNew bool) error {
	if in.Start == nil && in.End == nil && in.Duration == nil && in.AllDay == nil && in.TimeZone == nil {
		return nil
	}
	tz := newTZResolver(cal)
	// What the event has now.
	var cur Event
	var curLoc *time.Location = time.UTC
	hasCur := false
	if !isNew {
		if ev, err := eventFromComponent(comp, tz, time.UTC, nil); err == nil {
			cur, hasCur = ev, true
			if ev.TimeZone != "" {
				curLoc = ev.start.Location()
			}
		}
	}
	loc := curLoc
	if in.TimeZone != nil && strings.TrimSpace(*in.TimeZone) != "" {
		l, err := LoadZone(*in.TimeZone)
		if err != nil {
			return err
		}
		loc = l
	}
	allDay := hasCur && cur.isDate
	var start, end time.Time
	var startIsDate, endIsDate bool
	if in.Start != nil {
		t, d, err := ParseTimeInput(*in.Start, loc)
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		start, startIsDate = t, d
		if in.AllDay == nil {
			allDay = d
		}
	} else if hasCur {
		start = cur.start
		if !cur.isDate && in.TimeZone != nil {
			// Same wall-clock time in the new zone? No: same instant.
			start = cur.start.In(loc)
		}
	} else {
		return errors.New("an event needs a start")
	}
	if in.AllDay != nil {
		allDay = *in.AllDay
	}
	if allDay && !startIsDate && in.Start != nil {
		start = start.In(loc)
	}
	if allDay {
		s := start
		if hasCur && in.Start == nil && !cur.isDate {
			s = cur.start.In(loc)
		}
		start = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	} else if startIsDate || (hasCur && cur.isDate && in.Start == nil) {
		return errors.New("a timed event needs a start time, not just a date (or set all_day)")
	}
	switch {
	case in.End != nil && strings.TrimSpace(*in.End) != "":
		if in.Duration != nil && strings.TrimSpace(*in.Duration) != "" {
			return errors.New("give end or duration, not both")
		}
		t, d, err := ParseTimeInput(*in.End, loc)
		if err != nil {
			return fmt.Errorf("end: %w", err)
		}
		end, endIsDate = t, d
		if allDay {
			e := end
			if !d {
				e = end.In(loc)
			}
			end = time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, time.UTC)
			if end.Equal(start) {
				end = end.AddDate(0, 0, 1) // "from the 10th to the 10th" is one day
			}
		} else if endIsDate {
			return errors.New("end of a timed event needs a time, not just a date")
		}
	case in.Duration != nil && strings.TrimSpace(*in.Duration) != "":
		d, err := ParseDurationInput(*in.Duration)
		if err != nil {
			return err
		}
		if d <= 0 {
			return errors.New("duration must be positive")
		}
		if allDay {
			days := int((d + 24*time.Hour - 1) / (24 * time.Hour))
			end = start.AddDate(0, 0, days)
		} else {
			end = start.Add(d)
		}
	case hasCur && cur.isDate == allDay:
		end = start.Add(cur.end.Sub(cur.start))
		if allDay {
			days := int(cur.end.Sub(cur.start).Round(24*time.Hour) / (24 * time.Hour))
			end = start.AddDate(0, 0, max(days, 1))
		}
	case allDay:
		end = start.AddDate(0, 0, 1)
	default:
		end = start.Add(time.Hour)
	}
	if !end.After(start) {
		return fmt.Errorf("end (%s) must be after start (%s)", formatTime(end, allDay, nil), formatTime(start, allDay, nil))
	}
	if end.Sub(start) > 5*366*24*time.Hour {
		return errors.New("an event may last at most five years")
	}
	if !allDay {
		start, end = start.In(loc), end.In(loc)
	}
	comp.Props.Del(ical.PropDuration)
	setICalTime(comp.Props, ical.PropDateTimeStart, start, allDay)
	setICalTime(comp.Props, ical.PropDateTimeEnd, end, allDay)
	if !allDay && loc != time.UTC {
		ensureVTimezone(cal, loc, start.Year())
	}
	return nil
}

// seriesStarts lists the occurrence starts of a recurring component
// between from and to (exclusive), without overrides.
func seriesStarts(master *ical.Component, tz *tzResolver, floating *time.Location, from, to time.Time) ([]time.Time, error) {
	st, err := parseICalTime(master.Props.Get(ical.PropDateTimeStart), tz, floating)
	if err != nil {
		return nil, err
	}
	set, err := recurrenceSet(master, st, tz, floating)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	err = iterateBounded(set, to, func(t time.Time) bool {
		if !t.Before(from) {
			out = append(out, t)
		}
		return len(out) < maxOccurrences
	})
	return out, err
}
