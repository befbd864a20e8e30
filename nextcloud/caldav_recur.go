package nextcloud

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Limits that keep one pathological series from stalling a listing.
const (
	maxOccurrences     = 5000
	maxRRuleIterations = 200000
	rruleTimeBudget    = time.Second
)

var errTooComplex = errors.New("the recurrence rule is too costly to expand")

// recurrenceSet builds the series of a component from RRULE, RDATE and
// EXDATE. (go-ical's RecurrenceSet reads RDATE from EXDATE and knows only
// IANA zones, hence this one.)
func recurrenceSet(comp *ical.Component, start icalTime, tz *tzResolver, floating *time.Location) (*rrule.Set, error) {
	set := &rrule.Set{}
	set.DTStart(start.T)
	// DTSTART is always the first occurrence (RFC 5545 3.8.5.3).
	set.RDate(start.T)
	if p := comp.Props.Get(ical.PropRecurrenceRule); p != nil {
		opt, err := rrule.StrToROptionInLocation(strings.TrimSpace(p.Value), start.T.Location())
		if err != nil {
			return nil, fmt.Errorf("bad RRULE %q: %v", p.Value, err)
		}
		opt.Dtstart = start.T
		if !opt.Until.IsZero() && start.IsDate {
			// A DATE UNTIL includes that whole day.
			u := opt.Until
			opt.Until = time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, 0, start.T.Location())
		}
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("bad RRULE %q: %v", p.Value, err)
		}
		set.RRule(r)
	}
	// RDATE adds occurrences and EXDATE removes them; both read alike.
	for _, dates := range []struct {
		prop string
		add  func(time.Time)
	}{{ical.PropRecurrenceDates, set.RDate}, {ical.PropExceptionDates, set.ExDate}} {
		for _, p := range comp.Props.Values(dates.prop) {
			ts, err := parseICalTimes(p, tz, floating)
			if err != nil {
				return nil, fmt.Errorf("bad %s: %w", dates.prop, err)
			}
			for _, t := range ts {
				dates.add(alignDate(t, start))
			}
		}
	}
	return set, nil
}

// alignDate places a DATE exception on a DATE-TIME series at the series'
// time of day, which is what calendar apps mean by it.
func alignDate(t icalTime, start icalTime) time.Time {
	if t.IsDate && !start.IsDate {
		s := start.T
		return time.Date(t.T.Year(), t.T.Month(), t.T.Day(), s.Hour(), s.Minute(), s.Second(), 0, s.Location())
	}
	return t.T
}

// iterateBounded walks the series in order until an occurrence reaches
// `until`, fn returns false, or the limits are hit. The walk runs in its own
// goroutine because rrule-go may search a long time for a rule that (almost)
// never matches; past the time budget it is abandoned and reported.
func iterateBounded(set *rrule.Set, until time.Time, fn func(time.Time) bool) error {
	type res struct {
		ts  []time.Time
		err error
	}
	done := make(chan res, 1)
	go func() {
		var out res
		defer func() {
			if p := recover(); p != nil {
				out = res{err: fmt.Errorf("%w: %v", errMalformed, p)}
			}
			done <- out
		}()
		next := set.Iterator()
		for i := 0; ; i++ {
			if i >= maxRRuleIterations {
				out.err = errTooComplex
				return
			}
			t, ok := next()
			if !ok || !t.Before(until) {
				return
			}
			out.ts = append(out.ts, t)
			if len(out.ts) >= maxRRuleIterations {
				return
			}
		}
	}()
	t := time.NewTimer(rruleTimeBudget)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		for _, x := range r.ts {
			if !fn(x) {
				break
			}
		}
		return nil
	case <-t.C:
		return errTooComplex
	}
}

// ExpandResult is the occurrences of calendar objects in a range.
type ExpandResult struct {
	Events    []Event
	Truncated bool
}

// expandCalendar returns the events of one calendar object that overlap
// [from, to): single events, occurrences of recurring ones (RRULE, RDATE,
// EXDATE) with their RECURRENCE-ID overrides applied. floating is the zone
// of all-day and floating times, out the zone times are shown in (nil: each
// event's own).
func expandCalendar(cal *ical.Calendar, from, to time.Time, floating, out *time.Location) ([]Event, error) {
	if cal == nil || cal.Component == nil {
		return nil, errors.New("empty calendar object")
	}
	tz := newTZResolver(cal)
	type series struct {
		master    *ical.Component
		overrides []*ical.Component
	}
	byUID := map[string]*series{}
	var order []string
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		uid := textOf(c.Props.Get(ical.PropUID))
		s, ok := byUID[uid]
		if !ok {
			s = &series{}
			byUID[uid] = s
			order = append(order, uid)
		}
		if c.Props.Get(ical.PropRecurrenceID) != nil {
			s.overrides = append(s.overrides, c)
		} else if s.master == nil {
			s.master = c
		}
	}
	var events []Event
	for _, uid := range order {
		s := byUID[uid]
		overridden := map[int64]bool{}
		for _, o := range s.overrides {
			ev, err := eventFromComponent(o, tz, floating, out)
			if err != nil {
				return nil, err
			}
			if rid, err := parseICalTime(o.Props.Get(ical.PropRecurrenceID), tz, floating); err == nil {
				overridden[rid.T.Unix()] = true
			}
			if overlaps(ev, from, to) {
				events = append(events, ev)
			}
		}
		if s.master == nil {
			continue
		}
		ev, err := eventFromComponent(s.master, tz, floating, out)
		if err != nil {
			return nil, err
		}
		if !ev.Recurring {
			if overlaps(ev, from, to) {
				events = append(events, ev)
			}
			continue
		}
		st, err := parseICalTime(s.master.Props.Get(ical.PropDateTimeStart), tz, floating)
		if err != nil {
			return nil, err
		}
		set, err := recurrenceSet(s.master, st, tz, floating)
		if err != nil {
			return nil, fmt.Errorf("event %q: %w", ev.UID, err)
		}
		dur := ev.end.Sub(ev.start)
		days := 0
		if ev.isDate {
			days = int(dur.Round(24*time.Hour) / (24 * time.Hour))
		}
		n := 0
		err = iterateBounded(set, to, func(t time.Time) bool {
			if overridden[t.Unix()] {
				return true
			}
			occ := ev
			occ.start = t
			occ.end = t.Add(dur)
			if ev.isDate {
				occ.end = t.AddDate(0, 0, days)
			}
			if !overlaps(occ, from, to) {
				return true
			}
			occ.RecurrenceID = formatTime(t, ev.isDate, out)
			occ.setTimes(out)
			events = append(events, occ)
			n++
			return n < maxOccurrences
		})
		if err != nil {
			return nil, fmt.Errorf("event %q: %w", ev.UID, err)
		}
	}
	return events, nil
}

func overlaps(ev Event, from, to time.Time) bool {
	if ev.end.Equal(ev.start) {
		return !ev.start.Before(from) && ev.start.Before(to)
	}
	return ev.start.Before(to) && ev.end.After(from)
}

// sortEvents orders by start, then end, then summary.
func sortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		if !a.end.Equal(b.end) {
			return a.end.Before(b.end)
		}
		return a.Summary < b.Summary
	})
}
