package oauth

import (
	"fmt"
	"testing"
	"time"
)

func TestJWTCacheHonoursExpiryTTLAndKeyRefresh(t *testing.T) {
	now := time.Now()
	gen := now.Add(-time.Hour)
	c := newJWTCache()
	c.put("tok", &Identity{UserID: "alice", Expiry: now.Add(10 * time.Second)}, 2*time.Second, now, gen)
	tests := []struct {
		name string
		at   time.Time
		keys time.Time
		tok  string
		hit  bool
	}{
		{"fresh", now.Add(5 * time.Second), gen, "tok", true},
		{"within leeway", now.Add(11 * time.Second), gen, "tok", true},
		{"expired", now.Add(13 * time.Second), gen, "tok", false},
		{"keys refreshed since", now.Add(time.Second), gen.Add(time.Minute), "tok", false},
		{"other token", now, gen, "tok2", false},
	}
	for _, tc := range tests {
		id, ok := c.get(tc.tok, tc.at, tc.keys)
		if ok != tc.hit || (ok && id.UserID != "alice") {
			t.Errorf("%s: hit=%v id=%v", tc.name, ok, id)
		}
	}
	// A long-lived token is still re-verified after jwtCacheTTL.
	c.put("long", &Identity{UserID: "bob", Expiry: now.Add(24 * time.Hour)}, 0, now, gen)
	if _, ok := c.get("long", now.Add(jwtCacheTTL+time.Second), gen); ok {
		t.Error("entry outlived jwtCacheTTL")
	}
}

// A full cache first drops its lapsed entries; when every entry is still
// live it starts over, so it never grows past jwtCacheMax.
func TestJWTCacheBound(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fill := func(c *jwtCache, n int, at time.Time, prefix string) {
		for i := range n {
			c.put(fmt.Sprintf("%s-%d", prefix, i), &Identity{UserID: "u"}, 0, at, now)
		}
	}
	// Half the entries lapsed: only those go.
	c := newJWTCache()
	fill(c, jwtCacheMax/2, now.Add(-2*jwtCacheTTL), "old")
	fill(c, jwtCacheMax-jwtCacheMax/2-1, now, "live")
	c.put("one-below", &Identity{UserID: "u"}, 0, now, now)
	if len(c.entries) != jwtCacheMax {
		t.Fatalf("%d entries before the cache is full, want %d", len(c.entries), jwtCacheMax)
	}
	c.put("new", &Identity{UserID: "new"}, 0, now, now)
	if want := jwtCacheMax - jwtCacheMax/2 + 1; len(c.entries) != want {
		t.Fatalf("%d entries after evicting the lapsed ones, want %d", len(c.entries), want)
	}
	for _, tok := range []string{"live-0", "one-below", "new"} {
		if _, ok := c.get(tok, now, now); !ok {
			t.Fatalf("live entry %s was evicted", tok)
		}
	}
	// Every entry live: the cache starts over with the new one.
	c = newJWTCache()
	fill(c, jwtCacheMax, now, "live")
	c.put("new", &Identity{UserID: "new"}, 0, now, now)
	if len(c.entries) != 1 {
		t.Fatalf("%d entries after a full cache of live entries, want 1", len(c.entries))
	}
	if id, ok := c.get("new", now, now); !ok || id.UserID != "new" {
		t.Fatal("the new entry is not cached")
	}
}
