package oauth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestOfflineEnabled(t *testing.T) {
	for _, tc := range []struct {
		on             bool
		grants, scopes []string
		want           string
	}{
		{false, []string{"refresh_token"}, nil, "ENABLE_OFFLINE_ACCESS is not true"},
		{true, []string{"authorization_code"}, nil, "does not offer refresh tokens"},
		{true, []string{"refresh_token"}, []string{"openid", "offline_access_x"}, "does not offer the offline_access scope"},
		{true, []string{"refresh_token"}, []string{"openid", "offline_access"}, "yes"},
		{true, []string{"refresh_token"}, nil, "yes"}, // scopes_supported is optional
	} {
		if got := offlineEnabled(tc.on, tc.grants, tc.scopes); !strings.Contains(got, tc.want) || strings.HasPrefix(got, "yes") != (tc.want == "yes") {
			t.Errorf("offlineEnabled(%v, %v, %v) = %q, want %q", tc.on, tc.grants, tc.scopes, got, tc.want)
		}
	}
}

// jwtClaim shows a claim of a token for display, and nothing for what is
// not a JWT with a JSON payload.
func TestJWTClaim(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for tok, want := range map[string]string{
		"h." + b64(`{"aud":"nextcloud","n":1}`) + ".s": "nextcloud",
		"h." + b64(`{"aud":["a","b"]}`) + ".s":         "",
		"h." + b64(`{"n":1}`) + ".s":                   "",
		"h." + b64(`not json`) + ".s":                  "",
		"h.!!!.s":                                      "",
		"opaque-token":                                 "",
		"a.b":                                          "",
		"a.b.c.d":                                      "",
	} {
		if got := jwtClaim(tok, "aud"); got != want {
			t.Errorf("jwtClaim(%q) = %q, want %q", tok, got, want)
		}
	}
}
