package oauth

import (
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
