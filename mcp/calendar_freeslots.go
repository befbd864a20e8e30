package mcp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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

func calendarFindFreeSlots(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_calendar_find_free_slots", Title: "Find free time",
		Description: "Find free time slots of at least a given length within working hours in a range, from the busy times of the user's calendars (the server's free-busy report where offered, else computed from the events).",
		Scope:       "calendar:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in freeSlotsIn) (freeSlotsOut, error) {
			return findFreeSlots(ctx, nc, dav, in)
		})
}

func findFreeSlots(ctx context.Context, nc *nextcloud.Client, dav calDAV, in freeSlotsIn) (freeSlotsOut, error) {
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
	d, all, err := dav.all(ctx, nc)
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
