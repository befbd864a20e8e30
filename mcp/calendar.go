package mcp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// davArgErr turns a caller mistake found by the DAV client (bad date,
// unknown zone, end before start) into an argument error.
func davArgErr(err error) error {
	var ie *nextcloud.InputError
	if errors.As(err, &ie) {
		return &ArgError{Msg: ie.Error()}
	}
	return err
}

// paging shared by the calendar, task and contact listings.
type pageOut struct {
	Total      int `json:"total" jsonschema:"how many items match in all"`
	Offset     int `json:"offset" jsonschema:"index of the first item of this page"`
	NextOffset int `json:"next_offset,omitempty" jsonschema:"pass as offset to get the next page; absent on the last page"`
}

func pageOf(total, offset, limit int) (lo, hi int, p pageOut) {
	lo = min(offset, total)
	hi = min(lo+limit, total)
	p = pageOut{Total: total, Offset: lo}
	if hi < total {
		p.NextOffset = hi
	}
	return lo, hi, p
}

func checkPage(limit, offset, maxLimit int) error {
	if limit < 0 || limit > maxLimit {
		return fmt.Errorf("limit must be between 1 and %d, not %d", maxLimit, limit)
	}
	if offset < 0 {
		return fmt.Errorf("offset must not be negative, not %d", offset)
	}
	return nil
}

// requireBoth checks the two ids that name a DAV object (collection and item).
func requireBoth(aName, a, bName, b string) error {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return fmt.Errorf("%s and %s must not be empty", aName, bName)
	}
	return nil
}

func orDefault(n, d int) int {
	if n == 0 {
		return d
	}
	return n
}

// skippedNote is the text part about objects a listing had to skip.
func skippedNote(skipped []nextcloud.BrokenObject) string {
	if len(skipped) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nSkipped %d unreadable object(s) stored on the server:\n", len(skipped))
	for _, s := range skipped {
		fmt.Fprintf(&b, "- %s: %s\n", s.Href, s.Error)
	}
	return b.String()
}

// --- inputs shared by the event tools ---

type reminderIn struct {
	MinutesBefore int    `json:"minutes_before,omitempty" jsonschema:"minutes before the start (negative: after it); 0 means at the start"`
	Related       string `json:"related,omitempty" jsonschema:"start (default) or end: what minutes_before counts from"`
	At            string `json:"at,omitempty" jsonschema:"an absolute time for the reminder (RFC 3339) instead of minutes_before"`
	Action        string `json:"action,omitempty" jsonschema:"DISPLAY (default: a notification) or EMAIL"`
}

type attendeeIn struct {
	Email  string `json:"email" jsonschema:"e-mail address"`
	Name   string `json:"name,omitempty" jsonschema:"display name"`
	Status string `json:"status,omitempty" jsonschema:"participation status: NEEDS-ACTION (default), ACCEPTED, DECLINED, TENTATIVE or DELEGATED"`
	Role   string `json:"role,omitempty" jsonschema:"REQ-PARTICIPANT (default), OPT-PARTICIPANT, CHAIR or NON-PARTICIPANT"`
	RSVP   bool   `json:"rsvp,omitempty" jsonschema:"ask the attendee to reply"`
}

type organizerIn struct {
	Email string `json:"email" jsonschema:"e-mail address; empty removes the organizer"`
	Name  string `json:"name,omitempty" jsonschema:"display name"`
}

// eventFields are the settable fields of an event; nil leaves a field as
// it is on update, an empty string or list clears it.
type eventFields struct {
	Summary     *string       `json:"summary,omitempty" jsonschema:"title"`
	Start       *string       `json:"start,omitempty" jsonschema:"start: 2025-03-10 for an all-day event, 2025-03-10T09:00:00 (in timezone) or RFC 3339 2025-03-10T09:00:00+01:00"`
	End         *string       `json:"end,omitempty" jsonschema:"end (exclusive), in the form of start; for all-day events the day after the last day (or the same day for a one-day event); default: one hour, or one day when all-day"`
	Duration    *string       `json:"duration,omitempty" jsonschema:"instead of end: ISO 8601 like PT30M, PT1H30M, P2D, or 90m"`
	AllDay      *bool         `json:"all_day,omitempty" jsonschema:"make the event all-day (true) or timed (false); implied by a date-only start"`
	TimeZone    *string       `json:"timezone,omitempty" jsonschema:"IANA time zone of the event, e.g. Europe/Berlin; times without offset are read in it (default: the event's zone, else UTC); set it for recurring events so they follow daylight saving time"`
	Location    *string       `json:"location,omitempty" jsonschema:"where it takes place; empty clears it"`
	Description *string       `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Categories  *[]string     `json:"categories,omitempty" jsonschema:"tags; replaces the list"`
	Status      *string       `json:"status,omitempty" jsonschema:"TENTATIVE, CONFIRMED or CANCELLED"`
	URL         *string       `json:"url,omitempty" jsonschema:"a link, e.g. to the video call"`
	Organizer   *organizerIn  `json:"organizer,omitempty" jsonschema:"the organizer; Nextcloud e-mails invitations to attendees when the organizer is the user"`
	Attendees   *[]attendeeIn `json:"attendees,omitempty" jsonschema:"replaces the attendee list (include existing attendees to keep them); Nextcloud may e-mail them invitations"`
	RRule       *string       `json:"rrule,omitempty" jsonschema:"recurrence rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO,WE or FREQ=MONTHLY;COUNT=6; empty string stops the recurrence"`
	Reminders   *[]reminderIn `json:"reminders,omitempty" jsonschema:"replaces the reminders (VALARM); [] removes them"`
}

func (f eventFields) input() nextcloud.EventInput {
	in := nextcloud.EventInput{Summary: f.Summary, Start: f.Start, End: f.End, Duration: f.Duration, AllDay: f.AllDay,
		TimeZone: f.TimeZone, Location: f.Location, Description: f.Description, Categories: f.Categories, Status: f.Status, URL: f.URL, RRule: f.RRule}
	if f.Organizer != nil {
		in.Organizer = &nextcloud.Attendee{Email: f.Organizer.Email, Name: f.Organizer.Name}
	}
	if f.Attendees != nil {
		as := make([]nextcloud.Attendee, 0, len(*f.Attendees))
		for _, a := range *f.Attendees {
			as = append(as, nextcloud.Attendee{Email: a.Email, Name: a.Name, Status: a.Status, Role: a.Role, RSVP: a.RSVP})
		}
		in.Attendees = &as
	}
	if f.Reminders != nil {
		rs := make([]nextcloud.Reminder, 0, len(*f.Reminders))
		for _, r := range *f.Reminders {
			rs = append(rs, nextcloud.Reminder{MinutesBefore: r.MinutesBefore, Related: r.Related, At: r.At, Action: r.Action})
		}
		in.Reminders = &rs
	}
	return in
}

func (f eventFields) empty() bool {
	return f.Summary == nil && f.Start == nil && f.End == nil && f.Duration == nil && f.AllDay == nil && f.TimeZone == nil &&
		f.Location == nil && f.Description == nil && f.Categories == nil && f.Status == nil && f.URL == nil &&
		f.Organizer == nil && f.Attendees == nil && f.RRule == nil && f.Reminders == nil
}

// check finds argument mistakes before anything is sent.
func (f eventFields) check() error {
	if f.TimeZone != nil && *f.TimeZone != "" {
		if _, err := nextcloud.LoadZone(*f.TimeZone); err != nil {
			return err
		}
	}
	for name, v := range map[string]*string{"start": f.Start, "end": f.End} {
		if v != nil && *v != "" {
			if _, _, err := nextcloud.ParseTimeInput(*v, time.UTC); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if f.Duration != nil && *f.Duration != "" {
		if _, err := nextcloud.ParseDurationInput(*f.Duration); err != nil {
			return err
		}
	}
	if f.RRule != nil {
		if _, err := nextcloud.ParseRRule(*f.RRule); err != nil {
			return err
		}
	}
	return nil
}

// --- outputs ---

type calendarsOut struct {
	Calendars []nextcloud.Calendar `json:"calendars"`
}

func (o calendarsOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d calendars:\n", len(o.Calendars))
	for _, c := range o.Calendars {
		fmt.Fprintf(&b, "- %s %q [%s]", c.ID, c.Name, strings.Join(c.Components, ", "))
		if c.Color != "" {
			fmt.Fprintf(&b, " %s", c.Color)
		}
		if c.Shared {
			fmt.Fprintf(&b, " shared by %s", c.Owner)
		}
		if c.ReadOnly {
			b.WriteString(" (read-only)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

type calendarOut struct {
	Calendar nextcloud.Calendar `json:"calendar"`
	Action   string             `json:"action" jsonschema:"what was done"`
}

func (o calendarOut) Summary() string {
	return fmt.Sprintf("Calendar %s %q %s (holds %s).", o.Calendar.ID, o.Calendar.Name, o.Action, strings.Join(o.Calendar.Components, ", "))
}

type deletedOut struct {
	Deleted string `json:"deleted" jsonschema:"what was deleted"`
	Message string `json:"message"`
}

func (o deletedOut) Summary() string { return o.Message }

type eventsOut struct {
	Events []nextcloud.Event `json:"events" jsonschema:"events of this page sorted by start; recurring events appear once per occurrence"`
	pageOut
	RangeStart string                   `json:"range_start" jsonschema:"start of the range searched"`
	RangeEnd   string                   `json:"range_end" jsonschema:"end of the range searched"`
	Skipped    []nextcloud.BrokenObject `json:"skipped,omitempty" jsonschema:"objects on the server that could not be read and were left out"`
}

func eventLine(e nextcloud.Event) string {
	when := e.Start
	if e.AllDay {
		when += " (all day"
		if end, err := time.Parse("2006-01-02", e.End); err == nil {
			if last := end.AddDate(0, 0, -1).Format("2006-01-02"); last != e.Start {
				when += " to " + last
			}
		}
		when += ")"
	} else {
		when += " – " + e.End
	}
	s := fmt.Sprintf("- %s: %s [calendar %s, id %s", when, e.Summary, e.Calendar, e.ID)
	if e.RecurrenceID != "" {
		s += ", occurrence " + e.RecurrenceID
	}
	s += "]"
	if e.Location != "" {
		s += " at " + e.Location
	}
	if e.Status == "CANCELLED" {
		s += " (cancelled)"
	}
	return s + "\n"
}

func (o eventsOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d events between %s and %s", o.Total, o.RangeStart, o.RangeEnd)
	if o.Total > len(o.Events) {
		fmt.Fprintf(&b, " (showing %d from %d", len(o.Events), o.Offset)
		if o.NextOffset > 0 {
			fmt.Fprintf(&b, "; next page: offset %d", o.NextOffset)
		}
		b.WriteString(")")
	}
	b.WriteString(":\n")
	for _, e := range o.Events {
		b.WriteString(eventLine(e))
	}
	b.WriteString(skippedNote(o.Skipped))
	return b.String()
}

type eventOut struct {
	nextcloud.EventDetail
	Action string `json:"action,omitempty" jsonschema:"what was done"`
}

func (o eventOut) Summary() string {
	var b strings.Builder
	if o.Action != "" {
		fmt.Fprintf(&b, "Event %s.\n", o.Action)
	}
	b.WriteString(strings.TrimPrefix(eventLine(o.Event), "- "))
	if o.RRule != "" {
		fmt.Fprintf(&b, "Repeats: %s\n", o.RRule)
	}
	if o.Description != "" {
		fmt.Fprintf(&b, "%s\n", o.Description)
	}
	for _, a := range o.Attendees {
		fmt.Fprintf(&b, "Attendee: %s %s (%s)\n", a.Name, a.Email, a.Status)
	}
	fmt.Fprintf(&b, "etag %s", o.ETag)
	return b.String()
}

// --- helpers ---

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$`)

func calendarsFor(ctx context.Context, d *nextcloud.CalDAV, ref, comp string) ([]nextcloud.Calendar, error) {
	cals, err := d.Calendars(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(ref) != "" {
		c, err := nextcloud.PickCalendar(cals, ref)
		if err != nil {
			return nil, err
		}
		if !c.Supports(comp) {
			return nil, &ArgError{Msg: fmt.Sprintf("calendar %s holds %s, not %s", c.ID, strings.Join(c.Components, ", "), compWord(comp))}
		}
		return []nextcloud.Calendar{c}, nil
	}
	var out []nextcloud.Calendar
	for _, c := range cals {
		if c.Supports(comp) {
			out = append(out, c)
		}
	}
	return out, nil
}

func compWord(comp string) string {
	if comp == "VTODO" {
		return "tasks (VTODO)"
	}
	return "events (VEVENT)"
}

// defaultCalendar picks where a new item goes when no calendar is named:
// the preferred ids first, then the user's own calendars.
func defaultCalendar(cals []nextcloud.Calendar, comp string, prefer ...string) (nextcloud.Calendar, error) {
	for _, id := range prefer {
		for _, c := range cals {
			if c.ID == id && c.Supports(comp) {
				return c, nil
			}
		}
	}
	for _, c := range cals {
		if c.Supports(comp) && !strings.Contains(c.ID, "_shared_by_") && c.ID != "contact_birthdays" {
			return c, nil
		}
	}
	return nextcloud.Calendar{}, &ArgError{Msg: fmt.Sprintf("the user has no calendar for %s; create one with nc_calendar_create_calendar", compWord(comp))}
}

// timeRange reads the start and end of a listing. Bare dates and times
// without offset are read in loc; defaults are from today for days.
func timeRange(start, end string, loc *time.Location, before, days, maxDays int) (time.Time, time.Time, error) {
	now := time.Now().In(loc)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -before)
	if start != "" {
		t, _, err := nextcloud.ParseTimeInput(start, loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("start: %w", err)
		}
		from = t
	}
	to := from.AddDate(0, 0, days+before)
	if end != "" {
		t, dateOnly, err := nextcloud.ParseTimeInput(end, loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("end: %w", err)
		}
		if dateOnly {
			t = t.AddDate(0, 0, 1) // a date as end includes that day
		}
		to = t
	}
	if !to.After(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("end (%s) must be after start (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if to.Sub(from) > time.Duration(maxDays)*24*time.Hour {
		return time.Time{}, time.Time{}, fmt.Errorf("the range may span at most %d days; narrow start and end", maxDays)
	}
	return from, to, nil
}

func zoneArg(tz string) (*time.Location, error) {
	if strings.TrimSpace(tz) == "" {
		return nil, nil
	}
	loc, err := nextcloud.LoadZone(tz)
	if err != nil {
		return nil, &ArgError{Msg: err.Error()}
	}
	return loc, nil
}

func locOr(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// --- tool inputs ---

type noIn struct{}

type createCalendarIn struct {
	Name        string   `json:"name" jsonschema:"display name of the new calendar"`
	Color       string   `json:"color,omitempty" jsonschema:"colour as #RRGGBB"`
	Description string   `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Components  []string `json:"components,omitempty" jsonschema:"what it holds: VEVENT (events) and/or VTODO (tasks); default both"`
}

func (in *createCalendarIn) Validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return errors.New("name must not be empty")
	}
	if in.Color != "" && !colorRE.MatchString(in.Color) {
		return fmt.Errorf("color %q is not #RRGGBB", in.Color)
	}
	for i, c := range in.Components {
		in.Components[i] = strings.ToUpper(strings.TrimSpace(c))
		if in.Components[i] != "VEVENT" && in.Components[i] != "VTODO" {
			return fmt.Errorf("components may hold VEVENT and VTODO, not %q", c)
		}
	}
	return nil
}

type calendarRefIn struct {
	Calendar string `json:"calendar" jsonschema:"calendar id from nc_calendar_list_calendars (or its exact display name)"`
}

func (in *calendarRefIn) Validate() error {
	if strings.TrimSpace(in.Calendar) == "" {
		return errors.New("calendar must not be empty")
	}
	return nil
}

type listEventsIn struct {
	Calendar string `json:"calendar,omitempty" jsonschema:"calendar id; default: all calendars holding events"`
	Start    string `json:"start,omitempty" jsonschema:"range start: 2025-03-10 or RFC 3339 (default: today 00:00)"`
	End      string `json:"end,omitempty" jsonschema:"range end (exclusive; a date includes that day), default: 7 days after start; at most 366 days"`
	TimeZone string `json:"timezone,omitempty" jsonschema:"IANA zone to read dates in and show times in, e.g. Europe/Berlin (default UTC for dates, each event's own zone for times)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"events per page, 1 to 500 (default 100)"`
	Offset   int    `json:"offset,omitempty" jsonschema:"index of the first event to return, from next_offset"`
}

func (in *listEventsIn) Validate() error { return checkPage(in.Limit, in.Offset, 500) }

type searchEventsIn struct {
	Query    string `json:"query" jsonschema:"text to find in summary, description, location or categories (case-insensitive)"`
	Calendar string `json:"calendar,omitempty" jsonschema:"calendar id; default: all calendars holding events"`
	Start    string `json:"start,omitempty" jsonschema:"range start (default: 30 days ago)"`
	End      string `json:"end,omitempty" jsonschema:"range end (default: a year after today); at most 5 years"`
	TimeZone string `json:"timezone,omitempty" jsonschema:"IANA zone to read dates in and show times in"`
	Limit    int    `json:"limit,omitempty" jsonschema:"events per page, 1 to 500 (default 50)"`
	Offset   int    `json:"offset,omitempty" jsonschema:"index of the first event to return, from next_offset"`
}

func (in *searchEventsIn) Validate() error {
	if strings.TrimSpace(in.Query) == "" {
		return errors.New("query must not be empty")
	}
	return checkPage(in.Limit, in.Offset, 500)
}

type eventRefIn struct {
	Calendar string `json:"calendar" jsonschema:"calendar id from nc_calendar_list_calendars"`
	EventID  string `json:"event_id" jsonschema:"the event's id (or UID) from nc_calendar_list_events"`
	TimeZone string `json:"timezone,omitempty" jsonschema:"IANA zone to show times in (default: the event's own)"`
}

func (in *eventRefIn) Validate() error {
	return requireBoth("calendar", in.Calendar, "event_id", in.EventID)
}

type createEventIn struct {
	Calendar string `json:"calendar,omitempty" jsonschema:"calendar id; default: the personal calendar"`
	Summary  string `json:"summary" jsonschema:"title"`
	Start    string `json:"start" jsonschema:"start: 2025-03-10 for an all-day event, 2025-03-10T09:00:00 (in timezone) or RFC 3339 2025-03-10T09:00:00+01:00"`
	eventFieldsNoSummaryStart
}

// eventFieldsNoSummaryStart is eventFields without the two fields create
// requires.
type eventFieldsNoSummaryStart struct {
	End         *string       `json:"end,omitempty" jsonschema:"end (exclusive), in the form of start; for all-day events the day after the last day (or the same day for one day); default: one hour, or one day when all-day"`
	Duration    *string       `json:"duration,omitempty" jsonschema:"instead of end: ISO 8601 like PT30M, PT1H30M, P2D, or 90m"`
	AllDay      *bool         `json:"all_day,omitempty" jsonschema:"all-day event; implied by a date-only start"`
	TimeZone    *string       `json:"timezone,omitempty" jsonschema:"IANA time zone, e.g. Europe/Berlin; times without offset are read in it (default UTC); set it for recurring events so they follow daylight saving time"`
	Location    *string       `json:"location,omitempty" jsonschema:"where it takes place; empty clears it"`
	Description *string       `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Categories  *[]string     `json:"categories,omitempty" jsonschema:"tags"`
	Status      *string       `json:"status,omitempty" jsonschema:"TENTATIVE, CONFIRMED or CANCELLED"`
	URL         *string       `json:"url,omitempty" jsonschema:"a link, e.g. to the video call"`
	Organizer   *organizerIn  `json:"organizer,omitempty" jsonschema:"the organizer; Nextcloud e-mails invitations to attendees when the organizer is the user"`
	Attendees   *[]attendeeIn `json:"attendees,omitempty" jsonschema:"people invited; Nextcloud may e-mail them invitations"`
	RRule       *string       `json:"rrule,omitempty" jsonschema:"recurrence rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO,WE or FREQ=DAILY;COUNT=5"`
	Reminders   *[]reminderIn `json:"reminders,omitempty" jsonschema:"reminders (VALARM), e.g. [{minutes_before: 15}]"`
}

func (in *createEventIn) fields() eventFields {
	return eventFields{Summary: &in.Summary, Start: &in.Start, End: in.End, Duration: in.Duration, AllDay: in.AllDay, TimeZone: in.TimeZone,
		Location: in.Location, Description: in.Description, Categories: in.Categories, Status: in.Status, URL: in.URL,
		Organizer: in.Organizer, Attendees: in.Attendees, RRule: in.RRule, Reminders: in.Reminders}
}

func (in *createEventIn) Validate() error {
	if strings.TrimSpace(in.Summary) == "" {
		return errors.New("summary must not be empty")
	}
	if strings.TrimSpace(in.Start) == "" {
		return errors.New("start must not be empty")
	}
	return in.fields().check()
}

type updateEventIn struct {
	Calendar   string `json:"calendar" jsonschema:"calendar id"`
	EventID    string `json:"event_id" jsonschema:"the event's id (or UID)"`
	Occurrence string `json:"occurrence,omitempty" jsonschema:"to change only one occurrence of a recurring event: its recurrence_id from nc_calendar_list_events"`
	ETag       string `json:"etag,omitempty" jsonschema:"the etag read before; if the event changed since, nothing is written and a conflict is reported"`
	eventFields
}

func (in *updateEventIn) Validate() error {
	if err := requireBoth("calendar", in.Calendar, "event_id", in.EventID); err != nil {
		return err
	}
	if in.eventFields.empty() {
		return errors.New("give at least one field to change (summary, start, end, location, ...)")
	}
	return in.eventFields.check()
}

type deleteEventIn struct {
	Calendar   string `json:"calendar" jsonschema:"calendar id"`
	EventID    string `json:"event_id" jsonschema:"the event's id (or UID)"`
	Occurrence string `json:"occurrence,omitempty" jsonschema:"to delete only one occurrence of a recurring event: its recurrence_id; leave out to delete the whole series"`
	ETag       string `json:"etag,omitempty" jsonschema:"the etag read before; if the event changed since, nothing is deleted"`
}

func (in *deleteEventIn) Validate() error {
	return requireBoth("calendar", in.Calendar, "event_id", in.EventID)
}

type freeSlotsIn struct {
	Start           string   `json:"start" jsonschema:"range start: a date or RFC 3339 time"`
	End             string   `json:"end" jsonschema:"range end (a date includes that day); at most 62 days after start"`
	DurationMinutes int      `json:"duration_minutes" jsonschema:"minimum length of a free slot, in minutes"`
	Calendars       []string `json:"calendars,omitempty" jsonschema:"calendar ids whose events count as busy; default: the user's own event calendars (not shared ones, not birthdays)"`
	TimeZone        string   `json:"timezone,omitempty" jsonschema:"IANA zone of the working hours and of dates (default UTC)"`
	WorkStart       string   `json:"work_start,omitempty" jsonschema:"start of working hours, HH:MM (default 09:00)"`
	WorkEnd         string   `json:"work_end,omitempty" jsonschema:"end of working hours, HH:MM (default 17:00)"`
	WorkDays        []string `json:"work_days,omitempty" jsonschema:"working days: mon, tue, wed, thu, fri, sat, sun (default mon-fri)"`
	IgnoreAllDay    bool     `json:"ignore_all_day,omitempty" jsonschema:"do not count all-day events (holidays, birthdays) as busy"`
	Limit           int      `json:"limit,omitempty" jsonschema:"most slots to return, 1 to 200 (default 50)"`
}

// dayKey turns "Monday", "mon" or "MO" into "mon"-style keys.
func dayKey(d string) string {
	r := []rune(strings.ToLower(strings.TrimSpace(d)))
	if len(r) == 2 {
		for k := range weekdays {
			if strings.HasPrefix(k, string(r)) {
				return k
			}
		}
	}
	return string(r[:min(3, len(r))])
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

func clockArg(name, v, def string) (time.Duration, error) {
	if v == "" {
		v = def
	}
	t, err := time.Parse("15:04", v)
	if err != nil {
		if v == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("%s %q is not a time of day like 09:00", name, v)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (in *freeSlotsIn) Validate() error {
	if in.DurationMinutes <= 0 || in.DurationMinutes > 24*60 {
		return fmt.Errorf("duration_minutes must be between 1 and 1440, not %d", in.DurationMinutes)
	}
	if strings.TrimSpace(in.Start) == "" || strings.TrimSpace(in.End) == "" {
		return errors.New("start and end are required")
	}
	ws, err := clockArg("work_start", in.WorkStart, "09:00")
	if err != nil {
		return err
	}
	we, err := clockArg("work_end", in.WorkEnd, "17:00")
	if err != nil {
		return err
	}
	if we <= ws {
		return fmt.Errorf("work_end must be after work_start")
	}
	for _, d := range in.WorkDays {
		if _, ok := weekdays[dayKey(d)]; !ok {
			return fmt.Errorf("work_days: %q is not a weekday (mon ... sun)", d)
		}
	}
	return checkPage(in.Limit, 0, 200)
}

type slotOut struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Minutes int    `json:"minutes"`
}

type freeSlotsOut struct {
	Slots     []slotOut                `json:"slots" jsonschema:"free intervals within working hours, at least duration_minutes long"`
	Method    string                   `json:"method" jsonschema:"how busy times were found: free-busy report (server) or events (computed)"`
	Busy      int                      `json:"busy" jsonschema:"number of busy periods considered"`
	Calendars []string                 `json:"calendars" jsonschema:"calendars consulted"`
	Truncated bool                     `json:"truncated,omitempty" jsonschema:"true when more slots exist than limit"`
	Skipped   []nextcloud.BrokenObject `json:"skipped,omitempty" jsonschema:"objects that could not be read"`
}

func (o freeSlotsOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d free slots (busy times from %s of %s):\n", len(o.Slots), o.Method, strings.Join(o.Calendars, ", "))
	for _, s := range o.Slots {
		fmt.Fprintf(&b, "- %s – %s (%d min)\n", s.Start, s.End, s.Minutes)
	}
	if o.Truncated {
		b.WriteString("(more slots exist; narrow the range or raise limit)\n")
	}
	b.WriteString(skippedNote(o.Skipped))
	return b.String()
}

// CalendarToolset offers the user's calendars and events over CalDAV.
func CalendarToolset(env *Env) Toolset {
	cache := nextcloud.NewDAVCache()
	dav := func(ctx context.Context, nc *nextcloud.Client) (*nextcloud.CalDAV, error) {
		return nc.CalDAV(ctx, cache)
	}
	// davCal opens CalDAV and finds the calendar ref names.
	davCal := func(ctx context.Context, nc *nextcloud.Client, ref string) (*nextcloud.CalDAV, nextcloud.Calendar, error) {
		d, err := dav(ctx, nc)
		if err != nil {
			return nil, nextcloud.Calendar{}, err
		}
		cals, err := d.Calendars(ctx)
		if err != nil {
			return nil, nextcloud.Calendar{}, err
		}
		c, err := nextcloud.PickCalendar(cals, ref)
		return d, c, err
	}
	return Toolset{
		Name:        "calendar",
		Description: "Nextcloud Calendar (CalDAV): calendars, events, free time",
		Tools: []Tool{
			NewTool(Spec{Name: "nc_calendar_list_calendars", Title: "List calendars",
				Description: "List the user's calendars, own and shared, with id, name, colour, what they hold (VEVENT events, VTODO tasks) and whether they are read-only. Use the id in the other calendar tools.",
				Scope:       "calendar:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, _ noIn) (calendarsOut, error) {
					d, err := dav(ctx, nc)
					if err != nil {
						return calendarsOut{}, err
					}
					cals, err := d.CalendarsDetailed(ctx)
					if err != nil {
						return calendarsOut{}, err
					}
					return calendarsOut{Calendars: cals}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_create_calendar", Title: "Create calendar",
				Description: "Create a calendar. It holds events and tasks unless components says otherwise.",
				Scope:       "calendar:write", Kind: Create},
				func(ctx context.Context, nc *nextcloud.Client, in createCalendarIn) (calendarOut, error) {
					d, err := dav(ctx, nc)
					if err != nil {
						return calendarOut{}, err
					}
					c, err := d.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: in.Name, Color: in.Color, Description: in.Description, Components: in.Components})
					if err != nil {
						return calendarOut{}, err
					}
					action := "created"
					var dropped []string
					if want := strings.TrimSpace(in.Color); want != "" && !strings.EqualFold(c.Color, want[:min(len(want), 7)]) {
						dropped = append(dropped, "colour")
					}
					if strings.TrimSpace(in.Description) != "" && c.Description != in.Description {
						dropped = append(dropped, "description")
					}
					if len(dropped) > 0 {
						action += "; the server did not keep the " + strings.Join(dropped, " and ") + " asked for"
					}
					return calendarOut{Calendar: c, Action: action}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_delete_calendar", Title: "Delete calendar",
				Description: "Delete a calendar with all its events and tasks (Nextcloud keeps it in the trash bin for a while). For a calendar shared with the user, this removes the share.",
				Scope:       "calendar:write", Kind: Destroy},
				func(ctx context.Context, nc *nextcloud.Client, in calendarRefIn) (deletedOut, error) {
					d, c, err := davCal(ctx, nc, in.Calendar)
					if err != nil {
						return deletedOut{}, err
					}
					if err := d.DeleteCalendar(ctx, c); err != nil {
						return deletedOut{}, err
					}
					return deletedOut{Deleted: c.ID, Message: fmt.Sprintf("Calendar %s %q deleted.", c.ID, c.Name)}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_list_events", Title: "List events",
				Description: "List events in a time range across one or all calendars, sorted by start. Recurring events are expanded into their occurrences in the range (with exceptions and moved occurrences applied); all-day events have dates, others RFC 3339 times. Paged with limit/offset.",
				Scope:       "calendar:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in listEventsIn) (eventsOut, error) {
					return listEvents(ctx, nc, dav, in.Calendar, in.Start, in.End, in.TimeZone, "", orDefault(in.Limit, 100), in.Offset, 0, 7, 366)
				}),
			NewTool(Spec{Name: "nc_calendar_search_events", Title: "Search events",
				Description: "Find events whose summary, description, location or categories contain a text, in a time range (default: from 30 days ago to a year ahead), recurring events expanded.",
				Scope:       "calendar:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in searchEventsIn) (eventsOut, error) {
					return listEvents(ctx, nc, dav, in.Calendar, in.Start, in.End, in.TimeZone, in.Query, orDefault(in.Limit, 50), in.Offset, 30, 365, 5*366)
				}),
			NewTool(Spec{Name: "nc_calendar_get_event", Title: "Get event",
				Description: "Get one event with all its details: times and time zone, location, description, attendees with their replies, organizer, recurrence rule and exceptions, reminders, status, URL, and the etag for safe updates.",
				Scope:       "calendar:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in eventRefIn) (eventOut, error) {
					out, err := zoneArg(in.TimeZone)
					if err != nil {
						return eventOut{}, err
					}
					d, c, err := davCal(ctx, nc, in.Calendar)
					if err != nil {
						return eventOut{}, err
					}
					ev, err := d.GetEvent(ctx, c, in.EventID, out)
					if err != nil {
						return eventOut{}, err
					}
					return eventOut{EventDetail: ev}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_create_event", Title: "Create event",
				Description: "Create an event: timed (start with a time) or all-day (start as a date), optionally recurring (rrule), with location, description, attendees, reminders and more. Times without an offset are read in timezone (default UTC).",
				Scope:       "calendar:write", Kind: Create},
				func(ctx context.Context, nc *nextcloud.Client, in createEventIn) (eventOut, error) {
					d, err := dav(ctx, nc)
					if err != nil {
						return eventOut{}, err
					}
					cals, err := d.Calendars(ctx)
					if err != nil {
						return eventOut{}, err
					}
					var c nextcloud.Calendar
					if strings.TrimSpace(in.Calendar) == "" {
						c, err = defaultCalendar(cals, "VEVENT", "personal")
					} else {
						c, err = nextcloud.PickCalendar(cals, in.Calendar)
					}
					if err != nil {
						return eventOut{}, err
					}
					if !c.Supports("VEVENT") {
						return eventOut{}, &ArgError{Msg: fmt.Sprintf("calendar %s holds only %s, not events; pick another calendar", c.ID, strings.Join(c.Components, ", "))}
					}
					ev, err := d.CreateEvent(ctx, c, in.fields().input())
					if err != nil {
						return eventOut{}, davArgErr(err)
					}
					return eventOut{EventDetail: ev, Action: "created in calendar " + c.ID}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_update_event", Title: "Update event",
				Description: "Change an event: only the fields given change, the rest stays as stored. Moving the start keeps the length unless end or duration is given. With occurrence, only that occurrence of a recurring event changes. The change is refused with a conflict if the event was changed meanwhile (ETag).",
				Scope:       "calendar:write", Kind: Write},
				func(ctx context.Context, nc *nextcloud.Client, in updateEventIn) (eventOut, error) {
					d, c, err := davCal(ctx, nc, in.Calendar)
					if err != nil {
						return eventOut{}, err
					}
					ev, err := d.UpdateEvent(ctx, c, in.EventID, in.eventFields.input(), in.Occurrence, in.ETag)
					if err != nil {
						return eventOut{}, davArgErr(err)
					}
					action := "updated"
					if in.Occurrence != "" {
						action = "occurrence " + in.Occurrence + " updated"
					}
					return eventOut{EventDetail: ev, Action: action}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_delete_event", Title: "Delete event",
				Description: "Delete an event (a recurring one with all occurrences), or with occurrence only that one occurrence.",
				Scope:       "calendar:write", Kind: Destroy},
				func(ctx context.Context, nc *nextcloud.Client, in deleteEventIn) (deletedOut, error) {
					d, c, err := davCal(ctx, nc, in.Calendar)
					if err != nil {
						return deletedOut{}, err
					}
					if err := d.DeleteEvent(ctx, c, in.EventID, in.Occurrence, in.ETag); err != nil {
						return deletedOut{}, davArgErr(err)
					}
					msg := fmt.Sprintf("Event %s deleted from calendar %s.", in.EventID, c.ID)
					if in.Occurrence != "" {
						msg = fmt.Sprintf("Occurrence %s of event %s deleted; the rest of the series stays.", in.Occurrence, in.EventID)
					}
					return deletedOut{Deleted: in.EventID, Message: msg}, nil
				}),
			NewTool(Spec{Name: "nc_calendar_find_free_slots", Title: "Find free time",
				Description: "Find free time slots of at least a given length within working hours in a range, from the busy times of the user's calendars (the server's free-busy report where offered, else computed from the events).",
				Scope:       "calendar:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in freeSlotsIn) (freeSlotsOut, error) {
					return findFreeSlots(ctx, nc, dav, in)
				}),
		},
	}
}

func listEvents(ctx context.Context, nc *nextcloud.Client, dav func(context.Context, *nextcloud.Client) (*nextcloud.CalDAV, error),
	calRef, start, end, tz, query string, limit, offset, before, days, maxDays int) (eventsOut, error) {
	out, err := zoneArg(tz)
	if err != nil {
		return eventsOut{}, err
	}
	loc := locOr(out)
	from, to, err := timeRange(start, end, loc, before, days, maxDays)
	if err != nil {
		return eventsOut{}, &ArgError{Msg: err.Error()}
	}
	d, err := dav(ctx, nc)
	if err != nil {
		return eventsOut{}, err
	}
	cals, err := calendarsFor(ctx, d, calRef, "VEVENT")
	if err != nil {
		return eventsOut{}, err
	}
	res, err := d.Events(ctx, nextcloud.EventQuery{Calendars: cals, From: from, To: to, Floating: loc, Out: out, Text: query})
	if err != nil {
		return eventsOut{}, err
	}
	lo, hi, page := pageOf(len(res.Events), offset, limit)
	o := eventsOut{Events: res.Events[lo:hi], pageOut: page, RangeStart: from.Format(time.RFC3339), RangeEnd: to.Format(time.RFC3339), Skipped: res.Broken}
	if o.Events == nil {
		o.Events = []nextcloud.Event{}
	}
	return o, nil
}

func findFreeSlots(ctx context.Context, nc *nextcloud.Client, dav func(context.Context, *nextcloud.Client) (*nextcloud.CalDAV, error), in freeSlotsIn) (freeSlotsOut, error) {
	loc, err := zoneArg(in.TimeZone)
	if err != nil {
		return freeSlotsOut{}, err
	}
	loc = locOr(loc)
	from, to, err := timeRange(in.Start, in.End, loc, 0, 7, 62)
	if err != nil {
		return freeSlotsOut{}, &ArgError{Msg: err.Error()}
	}
	ws, _ := clockArg("work_start", in.WorkStart, "09:00")
	we, _ := clockArg("work_end", in.WorkEnd, "17:00")
	wh := nextcloud.WorkingHours{Start: ws, End: we, Loc: loc, Days: map[time.Weekday]bool{}}
	days := in.WorkDays
	if len(days) == 0 {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	for _, d := range days {
		wh.Days[weekdays[dayKey(d)]] = true
	}
	d, err := dav(ctx, nc)
	if err != nil {
		return freeSlotsOut{}, err
	}
	all, err := d.Calendars(ctx)
	if err != nil {
		return freeSlotsOut{}, err
	}
	var cals []nextcloud.Calendar
	if len(in.Calendars) > 0 {
		for _, ref := range in.Calendars {
			c, err := nextcloud.PickCalendar(all, ref)
			if err != nil {
				return freeSlotsOut{}, err
			}
			cals = append(cals, c)
		}
	} else {
		// The user's own time: not calendars others shared, not birthdays.
		for _, c := range all {
			if c.Supports("VEVENT") && c.ID != "contact_birthdays" && !strings.Contains(c.ID, "_shared_by_") {
				cals = append(cals, c)
			}
		}
	}
	out := freeSlotsOut{Slots: []slotOut{}}
	var busy []nextcloud.Interval
	var methods []string
	for _, c := range cals {
		out.Calendars = append(out.Calendars, c.ID)
		if !in.IgnoreAllDay {
			fb, err := d.FreeBusy(ctx, c, from, to)
			if err == nil {
				busy = append(busy, fb...)
				methods = appendOnce(methods, "free-busy report")
				continue
			}
			if !errors.Is(err, nextcloud.ErrNoFreeBusyReport) {
				return freeSlotsOut{}, err
			}
		}
		res, err := d.Events(ctx, nextcloud.EventQuery{Calendars: []nextcloud.Calendar{c}, From: from, To: to, Floating: loc})
		if err != nil {
			return freeSlotsOut{}, err
		}
		out.Skipped = append(out.Skipped, res.Broken...)
		for _, e := range res.Events {
			if !e.Busy || (in.IgnoreAllDay && e.AllDay) {
				continue
			}
			busy = append(busy, nextcloud.Interval{Start: e.StartTime(), End: e.EndTime()})
		}
		methods = appendOnce(methods, "events")
	}
	out.Method = strings.Join(methods, " and ")
	if out.Method == "" {
		out.Method = "no calendars"
	}
	merged := nextcloud.MergeIntervals(busy)
	out.Busy = len(merged)
	limit := orDefault(in.Limit, 50)
	for _, s := range nextcloud.FreeSlots(merged, from, to, wh, time.Duration(in.DurationMinutes)*time.Minute) {
		if len(out.Slots) >= limit {
			out.Truncated = true
			break
		}
		out.Slots = append(out.Slots, slotOut{Start: s.Start.In(loc).Format(time.RFC3339), End: s.End.In(loc).Format(time.RFC3339), Minutes: int(s.End.Sub(s.Start) / time.Minute)})
	}
	return out, nil
}

func appendOnce(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}
