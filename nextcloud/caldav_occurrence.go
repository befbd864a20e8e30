package nextcloud

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-ical"
)

// One occurrence of a recurring event: found, overridden or deleted.

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
