package ratelimit

import (
	"net/http"
	"testing"
	"time"
)

// The bucket refills one call per minute/limit, exactly at the boundary.
func TestPerClientRefill(t *testing.T) {
	l := New(2, time.Minute) // one call back every 30s
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 2 {
		if ok, _ := l.Take("a", t0); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	ok, wait := l.Take("a", t0)
	if ok || wait != 30*time.Second {
		t.Fatalf("third call: ok %v wait %v, want refused for 30s", ok, wait)
	}
	if ok, _ := l.Take("b", t0); !ok {
		t.Fatal("another client was refused")
	}
	if ok, _ := l.Take("a", t0.Add(30*time.Second-time.Second)); ok {
		t.Fatal("allowed one second before the refill")
	}
	if ok, _ := l.Take("a", t0.Add(30*time.Second)); !ok {
		t.Fatal("refused at the refill")
	}
	l.Refund("a")
	if ok, _ := l.Take("a", t0.Add(30*time.Second)); !ok {
		t.Fatal("refunded call not available")
	}
	if ok, _ := l.Take("a", t0.Add(30*time.Second)); ok {
		t.Fatal("more than refunded")
	}
}

func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5000":             "192.0.2.7",
		"[::ffff:192.0.2.7]:5000":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":      "2001:db8:1:3::/64",
		"not-an-address":             "not-an-address",
	} {
		if got := ClientAddress(&http.Request{RemoteAddr: remote}); got != want {
			t.Errorf("ClientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}
