package nextcloud_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// BenchmarkCalendarQuery lists 100 events of a calendar typed (Query:
// the REPORT, its multistatus and each object's iCalendar decoded) and
// fetches the same REPORT answer raw (the bytes only), alternating in one
// run, and reports typed/raw (issue 21's target: at most 1.3x).
func BenchmarkCalendarQuery(b *testing.B) {
	nc := nctest.New(b)
	nc.AddCalendar(b, "admin", "bench", "Bench", "#0082c9")
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 100 {
		s := day.Add(time.Duration(i) * time.Hour)
		nc.AddCalendarObject(b, "admin", "bench", fmt.Sprintf("ev-%d.ics", i), fmt.Sprintf(
			"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nBEGIN:VEVENT\nUID:ev-%d\nDTSTAMP:20260301T000000Z\nDTSTART:%s\nDTEND:%s\n"+
				"SUMMARY:Event %d with a title of some length\nLOCATION:Room %d\nDESCRIPTION:A description line for event %d\\, as calendars hold them.\nEND:VEVENT\nEND:VCALENDAR\n",
			i, s.Format("20060102T150405Z"), s.Add(30*time.Minute).Format("20060102T150405Z"), i, i%7, i))
	}
	c := nc.Client(b, "admin")
	ctx := context.Background()
	d := openDAV(b, c.CalDAV)
	cal, err := d.FindCalendar(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	start, end := day.Add(-time.Hour), day.Add(200*time.Hour)
	const f = "20060102T150405Z"
	body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">` +
		`<C:time-range start="` + start.Format(f) + `" end="` + end.Format(f) + `"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
	raw := func() int {
		req, err := c.NewRequest(ctx, "REPORT", cal.Href, body)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Depth", "1")
		req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		return int(n)
	}
	if objs, broken, err := d.Query(ctx, cal, "VEVENT", start, end); err != nil || len(objs) != 100 || len(broken) != 0 {
		b.Fatalf("query: %d objects, %d broken, %v", len(objs), len(broken), err)
	}
	var dRaw, dTyped time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		raw()
		t1 := time.Now()
		if _, _, err := d.Query(ctx, cal, "VEVENT", start, end); err != nil {
			b.Fatal(err)
		}
		dRaw += t1.Sub(t0)
		dTyped += time.Since(t1)
	}
	b.ReportMetric(float64(dTyped)/float64(dRaw), "typed/raw")
	b.ReportMetric(float64(dRaw.Microseconds())/float64(b.N), "raw-µs/op")
	b.ReportMetric(float64(dTyped.Microseconds())/float64(b.N), "typed-µs/op")
}
