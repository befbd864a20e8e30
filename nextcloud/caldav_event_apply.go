package nextcloud

import (
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

// Writing an event's fields onto its iCalendar component.

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
		st, err := oneOf("status", a.Status, "NEEDS-ACTION", partStats)
		if err != nil {
			return nil, err
		}
		p.Params.Set(ical.ParamParticipationStatus, st)
		role, err := oneOf("role", a.Role, "REQ-PARTICIPANT", roles)
		if err != nil {
			return nil, err
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

// oneOf reads a parameter value (any case, def when empty) that must be one
// of allowed.
func oneOf(what, v, def string, allowed []string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(v))
	if u == "" {
		u = def
	}
	if !slices.Contains(allowed, u) {
		return "", fmt.Errorf("%s %q is not one of %s", what, v, strings.Join(allowed, ", "))
	}
	return u, nil
}
