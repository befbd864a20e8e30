package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMinMedian(t *testing.T) {
	lo, med := minMedian([]time.Duration{5, 1, 9, 3, 7})
	if lo != 1 || med != 5 {
		t.Fatalf("minMedian = %v, %v; want 1, 5", lo, med)
	}
}

// The table shows min / median per side, the ratio ours/peer of the
// medians, n/a for an operation the peer lacks and the peer's error text.
func TestTable(t *testing.T) {
	ms := time.Millisecond
	ours := &sample{startup: []time.Duration{100 * ms, 300 * ms, 200 * ms}, listBytes: 1000, tools: 2,
		rssStart: []int64{30 << 20}, rssEnd: []int64{40 << 20},
		ops:     map[string][]time.Duration{"notes get": {1 * ms, 2 * ms, 3 * ms}, "files list": {2 * ms}, "contacts search": {4 * ms}},
		opBytes: map[string]int{"notes get": 500}, opErr: map[string]string{},
		inFlightRate: []float64{900, 1100, 1000}, inFlightP99: []time.Duration{50 * ms, 70 * ms, 60 * ms}}
	py := &sample{startup: []time.Duration{1000 * ms, 2000 * ms, 4000 * ms}, listBytes: 4000, tools: 3,
		rssStart: []int64{120 << 20}, rssEnd: []int64{160 << 20},
		ops:     map[string][]time.Duration{"notes get": {4 * ms, 8 * ms, 9 * ms}},
		opBytes: map[string]int{"notes get": 1000}, opErr: map[string]string{"contacts search": "tool error: no | pipe"},
		inFlightRate: []float64{200, 250, 300}, inFlightP99: []time.Duration{400 * ms, 500 * ms, 600 * ms}}
	r := &results{peers: []peer{{name: "ours"}, {name: "python"}}, samples: map[string]*sample{"ours": ours, "python": py}, rounds: 3, calls: 1}
	var b bytes.Buffer
	r.print(&b, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	out := b.String()
	for _, want := range []string{
		"Measured 2026-12-07",
		"| start-up to first tools/list (ms) | 100 / 200 | 1000 / 2000 | 0.10x |",
		"| tools/list size | 1.0 KB (2 tools) | 4.0 KB (3 tools) | 0.25x |",
		"| RSS after start (median) | 30 MiB | 120 MiB | 0.25x |",
		"| notes get (ms) | 1.00 / 2.00 | 4.00 / 8.00 | 0.25x | 0.5 KB / 1.0 KB |",
		"| files list (ms) | 2.00 / 2.00 | n/a | n/a |",
		`| contacts search (ms) | 4.00 / 4.00 | error: tool error: no \| pipe | n/a |`,
		"| 100 notes gets in flight on one session: calls/s (median) | 1000 | 250 | 4.00x |",
		"| 100 notes gets in flight on one session: p99 (ms, min / median) | 50.0 / 60.0 | 400 / 500 | 0.12x |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// Every server sends the data twice (text and structured content); the
// answer check counts different items, so half the events sent twice fail.
func TestWantsCountDistinct(t *testing.T) {
	want := wants["calendar list 100 events"]
	var all, half strings.Builder
	for i := range nEvents {
		fmt.Fprintf(&all, `"Bench meeting %d",`, i)
		if i%2 == 0 {
			fmt.Fprintf(&half, `"Bench meeting %d","Bench meeting %d",`, i, i)
		}
	}
	if err := want(all.String()); err != nil {
		t.Errorf("all events: %v", err)
	}
	if want(half.String()) == nil {
		t.Error("half the events sent twice pass the check")
	}
}

// The file check wants the whole file, JSON-escaped as in any answer.
func TestWantsWholeFile(t *testing.T) {
	want := wants["files read 100 KB"]
	whole, _ := json.Marshal(map[string]any{"content": bigFileText})
	if err := want(string(whole)); err != nil {
		t.Errorf("whole file: %v", err)
	}
	cut, _ := json.Marshal(map[string]any{"content": bigFileText[:len(bigFileText)-1], "text": bigFileText[1:]})
	if want(string(cut)) == nil {
		t.Error("a file short of one byte passes the check")
	}
}
