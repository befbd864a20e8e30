package nextcloud

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-ical"
)

// A VTIMEZONE whose TZID is no IANA name (Outlook's "Customized Time
// Zone", a custom zone from another client) and which has yearly daylight
// saving rules becomes a time.Location: its rules are written as a POSIX
// TZ string, the footer of a minimal TZif file, which the standard library
// reads (time.LoadLocationFromTZData) and applies to every year.

// rulesLocation builds the zone from the latest STANDARD and DAYLIGHT
// observances with yearly BYMONTH/BYDAY rules; ok is false when the
// VTIMEZONE has no such pair.
func rulesLocation(tzid string, vtz *ical.Component) (*time.Location, bool) {
	var std, dst *ical.Component
	for _, obs := range vtz.Children {
		rr := obs.Props.Get(ical.PropRecurrenceRule)
		if rr == nil || strings.Contains(strings.ToUpper(rr.Value), "UNTIL=") {
			continue
		}
		switch obs.Name {
		case ical.CompTimezoneStandard:
			if std == nil || later(obs, std) {
				std = obs
			}
		case ical.CompTimezoneDaylight:
			if dst == nil || later(obs, dst) {
				dst = obs
			}
		}
	}
	if std == nil || dst == nil {
		return nil, false
	}
	stdOff, err1 := offsetTo(std)
	dstOff, err2 := offsetTo(dst)
	toDST, err3 := posixRule(dst)
	toSTD, err4 := posixRule(std)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return nil, false
	}
	tz := posixName(std, stdOff, false) + posixOffset(stdOff) + posixName(dst, dstOff, true) + posixOffset(dstOff) + "," + toDST + "," + toSTD
	stdName := posixName(std, stdOff, false)
	loc, err := time.LoadLocationFromTZData(tzid, tzifWithFooter(strings.Trim(stdName, "<>"), stdOff, tz))
	if err != nil {
		return nil, false
	}
	return loc, true
}

func later(a, b *ical.Component) bool {
	da, db := a.Props.Get(ical.PropDateTimeStart), b.Props.Get(ical.PropDateTimeStart)
	return da != nil && db != nil && da.Value > db.Value
}

func offsetTo(obs *ical.Component) (int, error) {
	p := obs.Props.Get(ical.PropTimezoneOffsetTo)
	if p == nil {
		return 0, fmt.Errorf("no TZOFFSETTO")
	}
	return parseUTCOffset(p.Value)
}

// posixOffset writes seconds east of UTC the POSIX way (west positive).
func posixOffset(east int) string {
	west := -east
	sign := ""
	if west < 0 {
		sign, west = "-", -west
	}
	s := sign + strconv.Itoa(west/3600)
	if m, sec := (west%3600)/60, west%60; m != 0 || sec != 0 {
		s += fmt.Sprintf(":%02d", m)
		if sec != 0 {
			s += fmt.Sprintf(":%02d", sec)
		}
	}
	return s
}

// posixName is the observance's TZNAME when POSIX can carry it, else a
// quoted numeric name.
func posixName(obs *ical.Component, off int, isDST bool) string {
	if p := obs.Props.Get(ical.PropTimezoneName); p != nil && isDST == (obs.Name == ical.CompTimezoneDaylight) {
		n := strings.TrimSpace(p.Value)
		if len(n) >= 3 && strings.IndexFunc(n, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) < 0 {
			return n
		}
	}
	return "<" + formatUTCOffset(off) + ">"
}

// posixRule turns FREQ=YEARLY;BYMONTH=m;BYDAY=nWD and the observance's
// local DTSTART into Mm.w.d/time.
func posixRule(obs *ical.Component) (string, error) {
	rr := obs.Props.Get(ical.PropRecurrenceRule)
	ds := obs.Props.Get(ical.PropDateTimeStart)
	if rr == nil || ds == nil {
		return "", fmt.Errorf("no rule")
	}
	var month, nth int
	var wd time.Weekday = -1
	freq := ""
	for _, part := range strings.Split(strings.ToUpper(rr.Value), ";") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			freq = v
		case "BYMONTH":
			month, _ = strconv.Atoi(v)
		case "BYDAY":
			if len(v) < 3 || strings.Contains(v, ",") {
				return "", fmt.Errorf("BYDAY %q", v)
			}
			n, err := strconv.Atoi(v[:len(v)-2])
			if err != nil {
				return "", err
			}
			nth = n
			for d := time.Sunday; d <= time.Saturday; d++ {
				if strings.ToUpper(d.String()[:2]) == v[len(v)-2:] {
					wd = d
				}
			}
		case "INTERVAL":
			if v != "1" {
				return "", fmt.Errorf("INTERVAL %s", v)
			}
		}
	}
	if freq != "YEARLY" || month < 1 || month > 12 || wd < 0 || nth == 0 || nth < -1 || nth > 5 {
		return "", fmt.Errorf("rule %q not expressible", rr.Value)
	}
	if nth == -1 {
		nth = 5
	}
	t, err := time.Parse("20060102T150405", strings.TrimSpace(ds.Value))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("M%d.%d.%d/%d:%02d:%02d", month, nth, int(wd), t.Hour(), t.Minute(), t.Second()), nil
}

// tzifWithFooter is a TZif version 2 file with one zone type (abbr, off)
// in force from 1901 and footer tz for all later times.
func tzifWithFooter(abbr string, off int, tz string) []byte {
	chars := append([]byte(abbr), 0)
	block := func(timeSize int) []byte {
		var b []byte
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []uint32{0, 0, 0, 1, 1, uint32(len(chars))} { // isut, isstd, leap, time, type, char
			b = binary.BigEndian.AppendUint32(b, n)
		}
		if timeSize == 4 {
			b = binary.BigEndian.AppendUint32(b, uint32(0x80000000)) // -2^31
		} else {
			b = binary.BigEndian.AppendUint64(b, uint64(0xFFFFFFFF80000000))
		}
		b = append(b, 0)                                         // transition → type 0
		b = binary.BigEndian.AppendUint32(b, uint32(int32(off))) // utoff
		b = append(b, 0, 0)                                      // isdst, abbr index
		return append(b, chars...)
	}
	out := block(4)
	out = append(out, block(8)...)
	return append(out, "\n"+tz+"\n"...)
}
