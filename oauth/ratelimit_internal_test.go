package oauth

import (
	"testing"
	"time"
)

// The bucket refills one call per minute/limit, exactly at the boundary.
func TestMissLimiterRefill(t *testing.T) {
	l := newMissLimiter(2) // one call back every 30s
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 2 {
		if ok, _ := l.take("a", t0); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	ok, wait := l.take("a", t0)
	if ok || wait != 30*time.Second {
		t.Fatalf("third call: ok %v wait %v, want refused for 30s", ok, wait)
	}
	if ok, _ := l.take("b", t0); !ok {
		t.Fatal("another client was refused")
	}
	if ok, _ := l.take("a", t0.Add(30*time.Second-time.Second)); ok {
		t.Fatal("allowed one second before the refill")
	}
	if ok, _ := l.take("a", t0.Add(30*time.Second)); !ok {
		t.Fatal("refused at the refill")
	}
	l.refund("a")
	if ok, _ := l.take("a", t0.Add(30*time.Second)); !ok {
		t.Fatal("refunded call not available")
	}
	if ok, _ := l.take("a", t0.Add(30*time.Second)); ok {
		t.Fatal("more than refunded")
	}
}
