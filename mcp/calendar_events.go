package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type reminderIn struct {
	MinutesBefore int    `json:"minutes_before,omitempty" jsonschema:"minutes before the start (negative: after it); 0 means at the start"`
	Related       string `json:"related,omitempty" jsonschema:"start (default) or end: what minutes_before counts from"`
	At            string `json:"at,omitempty" jsonschema:"an absolute time for the reminder (RFC 3339) instead of minutes_before"`
	Action        string `json:"action,omitempty" jsonschema:"DISPLAY (default: a notification) or EMAIL"`
}

type attendeeIn struct {
	Email  string `json:"email" jsonschema:"e-mail address"`
	Name   string `json:"name,omitempty" jsonschema:"display name"`
	Status string `json:"status,omitempty" jsonschema:"NEEDS-ACTION (default), ACCEPTED, DECLINED, TENTATIVE or DELEGATED"`
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
	Start       *string       `json:"start,omitempty" jsonschema:"2025-03-10 (all-day), 2025-03-10T09:00:00 (in timezone) or RFC 3339"`
	End         *string       `json:"end,omitempty" jsonschema:"end (exclusive), in the form of start (all-day: the day after the last day); default: one hour, or one day when all-day"`
	Duration    *string       `json:"duration,omitempty" jsonschema:"instead of end: ISO 8601 like PT30M, PT1H30M, P2D, or 90m"`
	AllDay      *bool         `json:"all_day,omitempty" jsonschema:"make the event all-day (true) or timed (false); implied by a date-only start"`
	TimeZone    *string       `json:"timezone,omitempty" jsonschema:"IANA zone, e.g. Europe/Berlin, for times without offset (default: the event's zone, else UTC); set it for recurring events"`
	Location    *string       `json:"location,omitempty" jsonschema:"where it takes place; empty clears it"`
	Description *string       `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Categories  *[]string     `json:"categories,omitempty" jsonschema:"tags; replaces the list"`
	Status      *string       `json:"status,omitempty" jsonschema:"TENTATIVE, CONFIRMED or CANCELLED"`
	URL         *string       `json:"url,omitempty" jsonschema:"a link, e.g. to the video call"`
	Organizer   *organizerIn  `json:"organizer,omitempty" jsonschema:"the organizer; Nextcloud e-mails attendees when it is the user"`
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

// check finds argument mistakes before anything is sent.
func (f eventFields) check() error {
	if err := checkWhen(f.TimeZone, map[string]*string{"start": f.Start, "end": f.End}); err != nil {
		return err
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
	return itemsText(&b, o.Events, eventLine, o.Skipped)
}

type eventOut struct {
	nextcloud.EventDetail
	Action string `json:"action,omitempty" jsonschema:"what was done"`
}

func (o eventOut) Summary() string {
	b := itemText("Event", o.Action, eventLine(o.Event))
	if o.RRule != "" {
		fmt.Fprintf(b, "Repeats: %s\n", o.RRule)
	}
	if o.Description != "" {
		fmt.Fprintf(b, "%s\n", o.Description)
	}
	for _, a := range o.Attendees {
		fmt.Fprintf(b, "Attendee: %s %s (%s)\n", a.Name, a.Email, a.Status)
	}
	fmt.Fprintf(b, "etag %s", o.ETag)
	return b.String()
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

func calendarListEvents(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_list_events", Title: "List events",
		Description: "List events in a time range across one or all calendars, sorted by start. Recurring events are expanded into their occurrences in the range (with exceptions and moved occurrences applied); all-day events have dates, others RFC 3339 times.",
		Scope:       "calendar:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in listEventsIn) (eventsOut, error) {
			return listEvents(ctx, nc, dav, in.Calendar, in.Start, in.End, in.TimeZone, "", orDefault(in.Limit, 100), in.Offset, 0, 7, 366)
		})
}

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
	if err := textArg("query", in.Query); err != nil {
		return err
	}
	return checkPage(in.Limit, in.Offset, 500)
}

func calendarSearchEvents(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_search_events", Title: "Search events",
		Description: "Find events whose summary, description, location or categories contain a text, in a time range (default: from 30 days ago to a year ahead), recurring events expanded.",
		Scope:       "calendar:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in searchEventsIn) (eventsOut, error) {
			return listEvents(ctx, nc, dav, in.Calendar, in.Start, in.End, in.TimeZone, in.Query, orDefault(in.Limit, 50), in.Offset, 30, 365, 5*366)
		})
}

type eventRefIn struct {
	Calendar string `json:"calendar" jsonschema:"calendar id from nc_calendar_list_calendars"`
	EventID  string `json:"event_id" jsonschema:"the event's id (or UID) from nc_calendar_list_events"`
	TimeZone string `json:"timezone,omitempty" jsonschema:"IANA zone to show times in (default: the event's own)"`
}

func (in *eventRefIn) Validate() error {
	return requireBoth("calendar", in.Calendar, "event_id", in.EventID)
}

func calendarGetEvent(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_get_event", Title: "Get event",
		Description: "Get one event with all its details: times and time zone, location, description, attendees with their replies, organizer, recurrence rule and exceptions, reminders, status, URL, and the etag for safe updates.",
		Scope:       "calendar:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in eventRefIn) (eventOut, error) {
			out, err := zoneArg(in.TimeZone)
			if err != nil {
				return eventOut{}, err
			}
			d, c, err := dav.calendar(ctx, nc, in.Calendar)
			if err != nil {
				return eventOut{}, err
			}
			ev, err := d.GetEvent(ctx, c, in.EventID, out)
			if err != nil {
				return eventOut{}, err
			}
			return eventOut{EventDetail: ev}, nil
		})
}

type createEventIn struct {
	Calendar string `json:"calendar,omitempty" jsonschema:"calendar id; default: the personal calendar"`
	Summary  string `json:"summary" jsonschema:"title"`
	Start    string `json:"start" jsonschema:"2025-03-10 (all-day), 2025-03-10T09:00:00 (in timezone) or RFC 3339"`
	eventFieldsNoSummaryStart
}

// eventFieldsNoSummaryStart is eventFields without the two fields create
// requires.
type eventFieldsNoSummaryStart struct {
	End         *string       `json:"end,omitempty" jsonschema:"end (exclusive), in the form of start (all-day: the day after the last day); default: one hour, or one day when all-day"`
	Duration    *string       `json:"duration,omitempty" jsonschema:"instead of end: ISO 8601 like PT30M, PT1H30M, P2D, or 90m"`
	AllDay      *bool         `json:"all_day,omitempty" jsonschema:"all-day event; implied by a date-only start"`
	TimeZone    *string       `json:"timezone,omitempty" jsonschema:"IANA zone, e.g. Europe/Berlin, for times without offset (default UTC); set it for recurring events"`
	Location    *string       `json:"location,omitempty" jsonschema:"where it takes place; empty clears it"`
	Description *string       `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Categories  *[]string     `json:"categories,omitempty" jsonschema:"tags"`
	Status      *string       `json:"status,omitempty" jsonschema:"TENTATIVE, CONFIRMED or CANCELLED"`
	URL         *string       `json:"url,omitempty" jsonschema:"a link, e.g. to the video call"`
	Organizer   *organizerIn  `json:"organizer,omitempty" jsonschema:"the organizer; Nextcloud e-mails attendees when it is the user"`
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
	if err := textArg("summary", in.Summary); err != nil {
		return err
	}
	if err := textArg("start", in.Start); err != nil {
		return err
	}
	return in.fields().check()
}

func calendarCreateEvent(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_create_event", Title: "Create event",
		Description: "Create an event: timed (start with a time) or all-day (start as a date), optionally recurring (rrule), with location, description, attendees, reminders and more. Times without an offset are read in timezone (default UTC).",
		Scope:       "calendar:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createEventIn) (eventOut, error) {
			d, cals, err := dav.all(ctx, nc)
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
				return eventOut{}, err
			}
			return eventOut{EventDetail: ev, Action: "created in calendar " + c.ID}, nil
		})
}

type updateEventIn struct {
	Calendar   string `json:"calendar" jsonschema:"calendar id"`
	EventID    string `json:"event_id" jsonschema:"the event's id (or UID)"`
	Occurrence string `json:"occurrence,omitempty" jsonschema:"to change only one occurrence of a recurring event: its recurrence_id from nc_calendar_list_events"`
	ETag       string `json:"etag,omitempty" jsonschema:"the etag read before; refused if the event changed since"`
	eventFields
}

func (in *updateEventIn) Validate() error {
	return changeArgs(requireBoth("calendar", in.Calendar, "event_id", in.EventID), noFieldGiven(in.eventFields),
		"give at least one field to change (summary, start, end, location, ...)", in.eventFields.check)
}

func calendarUpdateEvent(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_update_event", Title: "Update event",
		Description: "Change an event: only the fields given change, the rest stays as stored. Moving the start keeps the length unless end or duration is given. With occurrence, only that occurrence of a recurring event changes. The change is refused with a conflict if the event was changed meanwhile (ETag).",
		Scope:       "calendar:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in updateEventIn) (eventOut, error) {
			d, c, err := dav.calendar(ctx, nc, in.Calendar)
			if err != nil {
				return eventOut{}, err
			}
			ev, err := d.UpdateEvent(ctx, c, in.EventID, in.eventFields.input(), in.Occurrence, in.ETag)
			if err != nil {
				return eventOut{}, err
			}
			action := "updated"
			if in.Occurrence != "" {
				action = "occurrence " + in.Occurrence + " updated"
			}
			return eventOut{EventDetail: ev, Action: action}, nil
		})
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

func calendarDeleteEvent(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_delete_event", Title: "Delete event",
		Description: "Delete an event (a recurring one with all occurrences), or with occurrence only that one occurrence.",
		Scope:       "calendar:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in deleteEventIn) (deletedOut, error) {
			d, c, err := dav.calendar(ctx, nc, in.Calendar)
			if err != nil {
				return deletedOut{}, err
			}
			if err := d.DeleteEvent(ctx, c, in.EventID, in.Occurrence, in.ETag); err != nil {
				return deletedOut{}, err
			}
			msg := fmt.Sprintf("Event %s deleted from calendar %s.", in.EventID, c.ID)
			if in.Occurrence != "" {
				msg = fmt.Sprintf("Occurrence %s of event %s deleted; the rest of the series stays.", in.Occurrence, in.EventID)
			}
			return deletedOut{Deleted: in.EventID, Message: msg}, nil
		})
}

// listEvents is nc_calendar_list_events and nc_calendar_search_events: the
// events of a range, matching query when given, one page of them.
func listEvents(ctx context.Context, nc *nextcloud.Client, dav calDAV,
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
	d, cals, err := dav.collections(ctx, nc, calRef, "VEVENT")
	if err != nil {
		return eventsOut{}, err
	}
	res, err := d.Events(ctx, nextcloud.EventQuery{Calendars: cals, From: from, To: to, Floating: loc, Out: out, Text: query})
	if err != nil {
		return eventsOut{}, err
	}
	evs, page := pageOf(res.Events, offset, limit)
	return eventsOut{Events: evs, pageOut: page, RangeStart: from.Format(time.RFC3339), RangeEnd: to.Format(time.RFC3339), Skipped: res.Broken}, nil
}
