package oauth

import (
	"strings"
	"testing"
	"time"
)

// Issue 15 item 9: iat beyond the leeway and lifetimes beyond the bound
// are refused, at the exact boundaries, with an injected clock.
func TestIssuedAtAndLifetimeBounds(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const leeway = 30 * time.Second
	const maxLife = 24 * time.Hour
	check := jwtCheck{issuer: "https://idp", audience: "mcp-server", leeway: leeway, maxLifetime: maxLife, now: now}
	base := func(iat, exp time.Time, withIAT bool) map[string]any {
		c := map[string]any{"iss": "https://idp", "sub": "u1", "aud": []any{"mcp-server"}, "exp": float64(exp.Unix())}
		if withIAT {
			c["iat"] = float64(iat.Unix())
		}
		return c
	}
	tests := []struct {
		name    string
		claims  map[string]any
		wantErr string
	}{
		{"iat now", base(now, now.Add(time.Hour), true), ""},
		{"iat exactly at the leeway", base(now.Add(leeway), now.Add(time.Hour), true), ""},
		{"iat one second past the leeway", base(now.Add(leeway+time.Second), now.Add(time.Hour), true), "issued in the future"},
		{"iat a year ahead, exp in 50 years", base(now.AddDate(1, 0, 0), now.AddDate(50, 0, 0), true), "issued in the future"},
		{"lifetime exactly the bound", base(now.Add(-time.Hour), now.Add(-time.Hour).Add(maxLife), true), ""},
		{"lifetime one second over", base(now.Add(-time.Hour), now.Add(-time.Hour).Add(maxLife+time.Second), true), "lifetime"},
		{"no iat, exp exactly the bound ahead", base(time.Time{}, now.Add(maxLife), false), ""},
		{"no iat, exp one second beyond", base(time.Time{}, now.Add(maxLife+time.Second), false), "lifetime"},
		{"iat not a number", func() map[string]any { c := base(now, now.Add(time.Hour), true); c["iat"] = "yesterday"; return c }(), "invalid iat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkClaims(tt.claims, check)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want it to mention %q", err, tt.wantErr)
			}
			if _, ok := err.(*tokenError); !ok {
				t.Errorf("err is %T, want a token error (401)", err)
			}
		})
	}
	// maxLifetime 0 means no bound (the exchanged-token check before it
	// was configured); iat in the future is refused regardless.
	free := check
	free.maxLifetime = 0
	if err := checkClaims(base(now, now.AddDate(1, 0, 0), true), free); err != nil {
		t.Errorf("unbounded check refused a long token: %v", err)
	}
}
