package nextcloud

import (
	"errors"
	"fmt"
	"strings"
	"time"
	// Time zones must resolve in minimal containers without zoneinfo.
	_ "time/tzdata"

	"github.com/emersion/go-ical"
)

// windowsZones maps the Windows time zone names Outlook and Exchange
// write as TZID to IANA names (the common ones).
var windowsZones = map[string]string{
	"UTC":                            "UTC",
	"GMT Standard Time":              "Europe/London",
	"Greenwich Standard Time":        "Atlantic/Reykjavik",
	"W. Europe Standard Time":        "Europe/Berlin",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Central European Standard Time": "Europe/Warsaw",
	"Romance Standard Time":          "Europe/Paris",
	"E. Europe Standard Time":        "Europe/Chisinau",
	"FLE Standard Time":              "Europe/Kiev",
	"GTB Standard Time":              "Europe/Bucharest",
	"Russian Standard Time":          "Europe/Moscow",
	"Turkey Standard Time":           "Europe/Istanbul",
	"Israel Standard Time":           "Asia/Jerusalem",
	"Arabian Standard Time":          "Asia/Dubai",
	"India Standard Time":            "Asia/Kolkata",
	"China Standard Time":            "Asia/Shanghai",
	"Singapore Standard Time":        "Asia/Singapore",
	"Tokyo Standard Time":            "Asia/Tokyo",
	"Korea Standard Time":            "Asia/Seoul",
	"AUS Eastern Standard Time":      "Australia/Sydney",
	"New Zealand Standard Time":      "Pacific/Auckland",
	"Eastern Standard Time":          "America/New_York",
	"Central Standard Time":          "America/Chicago",
	"Mountain Standard Time":         "America/Denver",
	"US Mountain Standard Time":      "America/Phoenix",
	"Pacific Standard Time":          "America/Los_Angeles",
	"Alaskan Standard Time":          "America/Anchorage",
	"Hawaiian Standard Time":         "Pacific/Honolulu",
	"Atlantic Standard Time":         "America/Halifax",
	"E. South America Standard Time": "America/Sao_Paulo",
	"SA Pacific Standard Time":       "America/Bogota",
	"South Africa Standard Time":     "Africa/Johannesburg",
}

// LoadZone resolves a time zone name given by a user: an IANA name
// ("Europe/Berlin"), "UTC", or a Windows name. Empty means UTC.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "utc") || name == "Z" {
		return time.UTC, nil
	}
	if name == "Local" || strings.ContainsAny(name, "\x00\\") || strings.Contains(name, "..") {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name like Europe/Berlin or America/New_York", name)
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	if iana, ok := windowsZones[name]; ok {
		return time.LoadLocation(iana)
	}
	return nil, fmt.Errorf("unknown time zone %q; use an IANA name like Europe/Berlin or America/New_York", name)
}

// tzResolver resolves the TZIDs used in one calendar object, using the
// object's VTIMEZONE components when the name is not an IANA one.
type tzResolver struct {
	cal   *ical.Calendar
	cache map[string]*time.Location
}

func newTZResolver(cal *ical.Calendar) *tzResolver {
	return &tzResolver{cal: cal, cache: map[string]*time.Location{}}
}

func (r *tzResolver) location(tzid string) (*time.Location, error) {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if r == nil {
		return (&tzResolver{}).resolve(tzid)
	}
	if loc, ok := r.cache[tzid]; ok {
		return loc, nil
	}
	loc, err := r.resolve(tzid)
	if err != nil {
		return nil, err
	}
	r.cache[tzid] = loc
	return loc, nil
}

func (r *tzResolver) resolve(tzid string) (*time.Location, error) {
	if loc, err := LoadZone(tzid); err == nil {
		return loc, nil
	}
	// "/mozilla.org/20050126_1/Europe/Berlin" and similar prefixed names.
	parts := strings.Split(strings.Trim(tzid, "/"), "/")
	for i := 1; i < len(parts)-1; i++ {
		if loc, err := LoadZone(strings.Join(parts[i:], "/")); err == nil {
			return loc, nil
		}
	}
	if r.cal != nil && r.cal.Component != nil {
		for _, c := range r.cal.Children {
			if c.Name != ical.CompTimezone {
				continue
			}
			// TZID is TEXT (commas escaped), the parameter is not.
			if id := c.Props.Get(ical.PropTimezoneID); id == nil || (strings.Trim(id.Value, `"`) != tzid && unescapeText(id.Value) != tzid) {
				continue
			}
			if p := c.Props.Get("X-LIC-LOCATION"); p != nil {
				if loc, err := LoadZone(p.Value); err == nil {
					return loc, nil
				}
			}
			if loc, ok := rulesLocation(tzid, c); ok {
				return loc, nil
			}
			// Last resort: the standard offset, which ignores daylight
			// saving time but keeps times within an hour.
			for _, obs := range c.Children {
				if obs.Name != ical.CompTimezoneStandard {
					continue
				}
				if p := obs.Props.Get(ical.PropTimezoneOffsetTo); p != nil {
					if off, err := parseUTCOffset(p.Value); err == nil {
						return time.FixedZone(tzid, off), nil
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("unknown time zone %q", tzid)
}

func parseUTCOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 {
		return 0, errors.New("bad UTC offset")
	}
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return 0, errors.New("bad UTC offset")
	}
	var h, m, sec int
	if _, err := fmt.Sscanf(s[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, err
	}
	if len(s) == 7 {
		if _, err := fmt.Sscanf(s[5:], "%02d", &sec); err != nil {
			return 0, err
		}
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, errors.New("bad UTC offset")
	}
	return sign * (h*3600 + m*60 + sec), nil
}

// icalTime is a DATE or DATE-TIME value read from a property.
type icalTime struct {
	T      time.Time
	IsDate bool
	// TZID is the zone of a local time; empty for UTC, floating or dates.
	TZID     string
	Floating bool
}

// parseICalTime reads a DTSTART-like property. Dates and floating times
// are placed in floating (the zone the user looks from).
func parseICalTime(prop *ical.Prop, tz *tzResolver, floating *time.Location) (icalTime, error) {
	if prop == nil {
		return icalTime{}, errors.New("missing")
	}
	v := strings.TrimSpace(prop.Value)
	return parseICalValue(prop.Name, v, prop.Params, tz, floating)
}

func parseICalValue(name, v string, params ical.Params, tz *tzResolver, floating *time.Location) (icalTime, error) {
	if floating == nil {
		floating = time.UTC
	}
	isDate := strings.EqualFold(params.Get(ical.ParamValue), string(ical.ValueDate)) || (len(v) == 8 && !strings.Contains(v, "T"))
	// Let go-ical parse the value; the zone is resolved here because its
	// own lookup knows only IANA names.
	p := ical.NewProp(name)
	p.Value = v
	if isDate {
		p.SetValueType(ical.ValueDate)
		t, err := p.DateTime(floating)
		if err != nil {
			return icalTime{}, fmt.Errorf("%s %q is not a date", name, v)
		}
		return icalTime{T: t, IsDate: true}, nil
	}
	p.SetValueType(ical.ValueDateTime)
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		p.Value = strings.ToUpper(v)
		t, err := p.DateTime(time.UTC)
		if err != nil {
			return icalTime{}, fmt.Errorf("%s %q is not a date-time", name, v)
		}
		return icalTime{T: t}, nil
	}
	loc := floating
	tzid := strings.Trim(params.Get(ical.PropTimezoneID), `"`)
	out := icalTime{Floating: tzid == ""}
	if tzid != "" {
		l, err := tz.location(tzid)
		if err != nil {
			return icalTime{}, fmt.Errorf("%s: %w", name, err)
		}
		loc = l
		out.TZID = tzid
	}
	t, err := p.DateTime(loc)
	if err != nil {
		return icalTime{}, fmt.Errorf("%s %q is not a date-time", name, v)
	}
	out.T = t
	return out, nil
}

// parseICalTimes reads a property that may list several values (EXDATE,
// RDATE), skipping PERIOD values.
func parseICalTimes(prop ical.Prop, tz *tzResolver, floating *time.Location) ([]icalTime, error) {
	if strings.EqualFold(prop.Params.Get(ical.ParamValue), string(ical.ValuePeriod)) {
		return nil, nil
	}
	var out []icalTime
	for _, v := range strings.Split(prop.Value, ",") {
		v = strings.TrimSpace(v)
		if v == "" || strings.Contains(v, "/") {
			continue
		}
		t, err := parseICalValue(prop.Name, v, prop.Params, tz, floating)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ParseTimeInput reads a date or time given by a user or model:
// RFC 3339 ("2025-03-10T09:00:00+01:00", "...Z"), a local date-time
// ("2025-03-10T09:00", "2025-03-10 09:00[:00]") placed in loc, or a date
// ("2025-03-10"), for which dateOnly is true.
func ParseTimeInput(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	if s == "" {
		return time.Time{}, false, errors.New("empty date")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	if t, err := time.Parse("2006-01-02T15:04Z07:00", s); err == nil {
		return t, false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date or time; use 2025-03-10 for a date or 2025-03-10T09:00:00+01:00 (RFC 3339) for a time", s)
}

// ParseDurationInput reads an ISO 8601 duration ("PT1H30M", "P1D") or a Go
// one ("90m", "1h30m").
func ParseDurationInput(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.HasPrefix(strings.ToUpper(s), "P") || strings.HasPrefix(strings.ToUpper(s), "-P") || strings.HasPrefix(strings.ToUpper(s), "+P") {
		p := ical.NewProp(ical.PropDuration)
		p.SetValueType(ical.ValueDuration)
		p.Value = s
		d, err := p.Duration()
		if err == nil && strings.TrimLeft(strings.ToUpper(s), "+-") != "P" {
			return d, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not a duration; use ISO 8601 like PT1H30M or P1D, or 90m", s)
}

// formatTime renders t for output: a date for all-day values, else RFC 3339
// in out (or t's own zone when out is nil).
func formatTime(t time.Time, isDate bool, out *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if isDate {
		return t.Format("2006-01-02")
	}
	if out != nil {
		t = t.In(out)
	}
	return t.Format(time.RFC3339)
}

// setICalTime writes a DATE, UTC DATE-TIME or zoned DATE-TIME property.
func setICalTime(props ical.Props, name string, t time.Time, isDate bool) {
	p := ical.NewProp(name)
	switch {
	case isDate:
		p.SetDate(t)
	case t.Location() == time.UTC:
		p.SetDateTime(t.UTC())
	default:
		p.SetDateTime(t)
	}
	props.Set(p)
}

// vtimezoneFor builds a VTIMEZONE for loc covering the given year, from
// Go's zone data: one observance per offset change that year, or a
// single STANDARD observance when the zone has no daylight saving time.
// Receivers that know the IANA name (Nextcloud does) use the name.
func vtimezoneFor(loc *time.Location, year int) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	xl := ical.NewProp("X-LIC-LOCATION")
	xl.Value = loc.String()
	tz.Props.Set(xl)
	// Yearly rules as Nextcloud's and Thunderbird's clients write them, so
	// a reader following the VTIMEZONE places every later year right;
	// zones whose rules change within the horizon get each transition
	// listed instead.
	const horizon = 30
	var all [][]zoneTransition
	for y := year; y <= year+horizon; y++ {
		all = append(all, zoneTransitions(loc, y))
	}
	if rules, ok := yearlyRules(all); ok {
		for _, tr := range all[0] {
			obs := observance(tr.kind(), tr.wall, tr.name, tr.from, tr.to)
			rr := ical.NewProp(ical.PropRecurrenceRule)
			rr.Value = rules[tr.kind()]
			obs.Props.Set(rr)
			tz.Children = append(tz.Children, obs)
		}
	} else {
		for _, year := range all {
			for _, tr := range year {
				tz.Children = append(tz.Children, observance(tr.kind(), tr.wall, tr.name, tr.from, tr.to))
			}
		}
	}
	if len(tz.Children) == 0 {
		name, off := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
		tz.Children = append(tz.Children, observance(ical.CompTimezoneStandard, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), name, off, off))
	}
	return tz
}

// zoneTransition is one change of a zone's offset; wall is the local time
// (before the change) it happens at.
type zoneTransition struct {
	wall     time.Time
	name     string
	from, to int
	dst      bool
}

func (t zoneTransition) kind() string {
	if t.dst {
		return ical.CompTimezoneDaylight
	}
	return ical.CompTimezoneStandard
}

// rule is the yearly rule of a transition: BYMONTH and BYDAY with the
// week of the month (-1 for the last), at its wall time.
func (t zoneTransition) rule() string {
	nth := (t.wall.Day()-1)/7 + 1
	if t.wall.AddDate(0, 0, 7).Month() != t.wall.Month() {
		nth = -1
	}
	day := strings.ToUpper(t.wall.Weekday().String()[:2])
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(t.wall.Month()), nth, day)
}

func zoneTransitions(loc *time.Location, year int) []zoneTransition {
	var out []zoneTransition
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	_, prevOff := start.Zone()
	for t := start; t.Before(end); {
		next := t.Add(24 * time.Hour)
		if _, off := next.Zone(); off != prevOff {
			// Find the change to the minute.
			lo, hi := t, next
			for hi.Sub(lo) > time.Minute {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.Zone(); o == prevOff {
					lo = mid
				} else {
					hi = mid
				}
			}
			hi = hi.Truncate(time.Minute)
			name, newOff := hi.Zone()
			// An observance starts at the local time before the change.
			wall := hi.UTC().Add(time.Duration(prevOff) * time.Second)
			out = append(out, zoneTransition{wall: wall, name: name, from: prevOff, to: newOff, dst: hi.IsDST()})
			prevOff = newOff
		}
		t = next
	}
	return out
}

// yearlyRules reports the RRULE of each observance kind when every year
// has the same transitions by the same rules.
func yearlyRules(years [][]zoneTransition) (map[string]string, bool) {
	first := years[0]
	if len(first) == 0 || len(first) > 2 {
		return nil, false
	}
	rules := map[string]string{}
	for _, tr := range first {
		if _, dup := rules[tr.kind()]; dup {
			return nil, false
		}
		rules[tr.kind()] = tr.rule()
	}
	for _, y := range years[1:] {
		if len(y) != len(first) {
			return nil, false
		}
		for i, tr := range y {
			f := first[i]
			if tr.kind() != f.kind() || tr.rule() != f.rule() || tr.from != f.from || tr.to != f.to ||
				tr.wall.Hour() != f.wall.Hour() || tr.wall.Minute() != f.wall.Minute() {
				return nil, false
			}
		}
	}
	return rules, true
}

func observance(kind string, localStart time.Time, name string, from, to int) *ical.Component {
	c := ical.NewComponent(kind)
	ds := ical.NewProp(ical.PropDateTimeStart)
	ds.Value = localStart.Format("20060102T150405")
	c.Props.Set(ds)
	f := ical.NewProp(ical.PropTimezoneOffsetFrom)
	f.Value = formatUTCOffset(from)
	c.Props.Set(f)
	tp := ical.NewProp(ical.PropTimezoneOffsetTo)
	tp.Value = formatUTCOffset(to)
	c.Props.Set(tp)
	if name != "" && !strings.HasPrefix(name, "+") && !strings.HasPrefix(name, "-") {
		c.Props.SetText(ical.PropTimezoneName, name)
	}
	return c
}

func formatUTCOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign = "-"
		sec = -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, (sec%3600)/60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// ensureVTimezone adds a VTIMEZONE for loc unless the calendar has one.
func ensureVTimezone(cal *ical.Calendar, loc *time.Location, year int) {
	if loc == nil || loc == time.UTC {
		return
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			if p := c.Props.Get(ical.PropTimezoneID); p != nil && p.Value == loc.String() {
				return
			}
		}
	}
	// VTIMEZONEs go first, as other clients write them.
	cal.Children = append([]*ical.Component{vtimezoneFor(loc, year)}, cal.Children...)
}
