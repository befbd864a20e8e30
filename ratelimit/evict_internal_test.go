package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// A full table makes room for a new client by dropping idle (full)
// buckets; spent buckets stay, so a client cannot reset its own limit by
// making the table overflow with other addresses unless nothing is idle.
func TestPerClientTableBound(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fill := func(l *PerClient, spent func(i int) int) {
		for i := range maxClients {
			for range spent(i) {
				l.Take("c"+strconv.Itoa(i), t0)
			}
		}
		if len(l.buckets) != maxClients {
			t.Fatalf("%d buckets, want %d", len(l.buckets), maxClients)
		}
	}

	// Half the clients took one call (full again after 30s), half took
	// two (one call back after 30s): the first half goes, the rest stays.
	l := New(2, time.Minute)
	fill(l, func(i int) int { return 1 + i%2 })
	at := t0.Add(30 * time.Second)
	if ok, _ := l.Take("new", at); !ok {
		t.Fatal("new client refused")
	}
	if len(l.buckets) != maxClients/2+1 {
		t.Fatalf("%d buckets after making room, want %d (idle ones dropped, spent ones kept)", len(l.buckets), maxClients/2+1)
	}
	if _, ok := l.buckets["c0"]; ok {
		t.Fatal("an idle bucket was kept")
	}
	if ok, _ := l.Take("c1", at); !ok {
		t.Fatal("c1 refused its refilled call")
	}
	if ok, _ := l.Take("c1", at); ok {
		t.Fatal("c1's spent bucket was reset by the overflow")
	}

	// Below the bound nothing is dropped.
	l = New(2, time.Minute)
	for i := range maxClients - 1 {
		l.Take("c"+strconv.Itoa(i), t0)
	}
	l.Take("last", t0.Add(time.Hour))
	if len(l.buckets) != maxClients {
		t.Fatalf("%d buckets, want %d (nothing dropped below the bound)", len(l.buckets), maxClients)
	}

	// Nothing idle: the table is cleared rather than grown.
	l = New(2, time.Minute)
	fill(l, func(int) int { return 2 })
	if ok, _ := l.Take("new", t0); !ok {
		t.Fatal("new client refused")
	}
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets, want 1 (cleared, not grown past %d)", len(l.buckets), maxClients)
	}
}

// A clock that goes back gives nothing back and takes nothing away.
func TestPerClientClockBack(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l := New(2, time.Minute)
	l.Take("a", t0)
	if ok, _ := l.Take("a", t0.Add(-time.Hour)); !ok {
		t.Fatal("second call of the burst refused after the clock went back")
	}
	if ok, wait := l.Take("a", t0.Add(-time.Hour)); ok || wait != 30*time.Second {
		t.Fatalf("third call: %v %v, want refused for 30s", ok, wait)
	}
	if ok, _ := l.Take("a", t0.Add(30*time.Second)); !ok {
		t.Fatal("refill measured from the earlier clock reading")
	}
}

// Refund of a client the table does not know (dropped meanwhile) is a
// no-op, and a refund never exceeds the burst.
func TestRefundBounds(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l := New(2, time.Minute)
	l.Refund("unknown")
	if len(l.buckets) != 0 {
		t.Fatal("refund created a bucket")
	}
	l.Take("a", t0)
	l.Refund("a")
	l.Refund("a")
	for i := range 2 {
		if ok, _ := l.Take("a", t0); !ok {
			t.Fatalf("call %d refused", i)
		}
	}
	if ok, _ := l.Take("a", t0); ok {
		t.Fatal("refunds grew the bucket past the burst")
	}
}
