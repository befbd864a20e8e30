package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// paging shared by the calendar, task and contact listings.
type pageOut struct {
	Total      int `json:"total" jsonschema:"how many items match in all"`
	Offset     int `json:"offset" jsonschema:"index of the first item of this page"`
	NextOffset int `json:"next_offset,omitempty" jsonschema:"pass as offset to get the next page; absent on the last page"`
}

// pageOf cuts the page at offset (limit items at most) out of items; the
// page is never nil, so the JSON says [] for an empty one.
func pageOf[T any](items []T, offset, limit int) ([]T, pageOut) {
	total := len(items)
	lo := min(offset, total)
	hi := min(lo+limit, total)
	p := pageOut{Total: total, Offset: lo}
	if hi < total {
		p.NextOffset = hi
	}
	if lo == hi {
		return []T{}, p
	}
	return items[lo:hi], p
}

// checkPage checks the limit and offset arguments of a listing.
func checkPage(limit, offset, maxLimit int) error {
	if err := limitArg("limit", limit, maxLimit); err != nil {
		return err
	}
	return offsetArg("offset", offset)
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

type deletedOut struct {
	Deleted string `json:"deleted" jsonschema:"what was deleted"`
	Message string `json:"message"`
}

func (o deletedOut) Summary() string { return o.Message }

type noIn struct{}

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

// calDAV opens the user's CalDAV for the calendar and task tools; the
// discovered homes are cached per toolset.
type calDAV struct{ cache *nextcloud.DAVCache }

func newCalDAV() calDAV { return calDAV{cache: nextcloud.NewDAVCache()} }

func (c calDAV) open(ctx context.Context, nc *nextcloud.Client) (*nextcloud.CalDAV, error) {
	return nc.CalDAV(ctx, c.cache)
}

// all opens CalDAV and lists all the user's calendars.
func (c calDAV) all(ctx context.Context, nc *nextcloud.Client) (*nextcloud.CalDAV, []nextcloud.Calendar, error) {
	d, err := c.open(ctx, nc)
	if err != nil {
		return nil, nil, err
	}
	cals, err := d.Calendars(ctx)
	return d, cals, err
}

// calendar opens CalDAV and finds the calendar ref names.
func (c calDAV) calendar(ctx context.Context, nc *nextcloud.Client, ref string) (*nextcloud.CalDAV, nextcloud.Calendar, error) {
	d, cals, err := c.all(ctx, nc)
	if err != nil {
		return nil, nextcloud.Calendar{}, err
	}
	cal, err := nextcloud.PickCalendar(cals, ref)
	return d, cal, err
}

// collections opens CalDAV and lists the calendars ref names (all when
// empty) that hold comp.
func (c calDAV) collections(ctx context.Context, nc *nextcloud.Client, ref, comp string) (*nextcloud.CalDAV, []nextcloud.Calendar, error) {
	d, err := c.open(ctx, nc)
	if err != nil {
		return nil, nil, err
	}
	cals, err := calendarsFor(ctx, d, ref, comp)
	return d, cals, err
}

// detailed opens CalDAV and lists the calendars holding comp with their
// extra properties.
func (c calDAV) detailed(ctx context.Context, nc *nextcloud.Client, comp string) ([]nextcloud.Calendar, error) {
	d, err := c.open(ctx, nc)
	if err != nil {
		return nil, err
	}
	cals, err := d.CalendarsDetailed(ctx)
	if err != nil || comp == "" {
		return cals, err
	}
	out := []nextcloud.Calendar{}
	for _, cal := range cals {
		if cal.Supports(comp) {
			out = append(out, cal)
		}
	}
	return out, nil
}

// collectionsText lists calendars, task lists or address books: what
// they hold (with comps), who shared them, whether they are read-only.
func collectionsText(noun string, cals []nextcloud.Calendar, comps bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s:\n", len(cals), noun)
	for _, c := range cals {
		collectionLine(&b, c, comps)
	}
	return b.String()
}

func collectionLine(b *strings.Builder, c nextcloud.Calendar, comps bool) {
	fmt.Fprintf(b, "- %s %q", c.ID, c.Name)
	if comps {
		fmt.Fprintf(b, " [%s]", strings.Join(c.Components, ", "))
		if c.Color != "" {
			fmt.Fprintf(b, " %s", c.Color)
		}
	}
	if c.Shared {
		fmt.Fprintf(b, " shared by %s", c.Owner)
	}
	if c.ReadOnly {
		b.WriteString(" (read-only)")
	}
	b.WriteString("\n")
}

// checkWhen checks an optional zone and the optional dates or times of an
// item's fields before anything is sent.
func checkWhen(tz *string, times map[string]*string) error {
	if tz != nil && *tz != "" {
		if _, err := nextcloud.LoadZone(*tz); err != nil {
			return err
		}
	}
	for name, v := range times {
		if v != nil && *v != "" {
			if _, _, err := nextcloud.ParseTimeInput(*v, time.UTC); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return nil
}

// pageText is the text of one page of a listing: how many in all, which
// page, a line per item, and what had to be skipped.
func pageText[T any](noun string, p pageOut, items []T, line func(T) string, skipped []nextcloud.BrokenObject) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Total, noun)
	if p.NextOffset > 0 {
		fmt.Fprintf(&b, " (showing %d from %d; next page: offset %d)", len(items), p.Offset, p.NextOffset)
	}
	return itemsText(&b, items, line, skipped)
}

// itemsText ends a listing's text after its heading.
func itemsText[T any](b *strings.Builder, items []T, line func(T) string, skipped []nextcloud.BrokenObject) string {
	b.WriteString(":\n")
	for _, it := range items {
		b.WriteString(line(it))
	}
	b.WriteString(skippedNote(skipped))
	return b.String()
}

// itemText starts the text of one item: what was done to it (kind is
// "Event", "Task" ...), then its listing line.
func itemText(kind, action, line string) *strings.Builder {
	var b strings.Builder
	if action != "" {
		fmt.Fprintf(&b, "%s %s.\n", kind, action)
	}
	b.WriteString(strings.TrimPrefix(line, "- "))
	return &b
}
