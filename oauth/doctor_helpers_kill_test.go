package oauth

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
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

// The doctor's trial exchange asks for the configured Nextcloud audience
// (none when unset), and tells a refusal from an IdP that did not answer.
func TestDoctorTrialExchange(t *testing.T) {
	ctx := context.Background()
	e := newTokenEndpoint(t)
	ex := NewExchanger(e.srv.URL, "srv", "s", e.srv.Client())
	var got []string
	add := func(name, status, format string, a ...any) { got = append(got, status+": "+fmt.Sprintf(format, a...)) }

	e.body = `{"access_token":"nc","token_type":"Bearer","expires_in":300}`
	for aud, want := range map[string][]string{"nextcloud": {"nextcloud"}, "": nil} {
		got = nil
		if v := (DoctorConfig{NextcloudAudience: aud}).checkStandardExchange(ctx, ex, "sa-token", add); v != "yes" || len(got) != 1 || !strings.HasPrefix(got[0], "ok: ") {
			t.Fatalf("audience %q: %q, %v", aud, v, got)
		}
		e.mu.Lock()
		sent := e.form["audience"]
		e.mu.Unlock()
		if !slices.Equal(sent, want) {
			t.Fatalf("audience %q: the exchange sent audience %v, want %v", aud, sent, want)
		}
	}

	e.status, e.body = http.StatusBadRequest, `{"error":"invalid_request","error_description":"audience not allowed"}`
	got = nil
	if v := (DoctorConfig{NextcloudAudience: "nextcloud"}).checkStandardExchange(ctx, ex, "sa-token", add); v != "no (audience not allowed)" || !strings.HasPrefix(got[0], "warn: ") {
		t.Fatalf("refused: %q, %v", v, got)
	}
	down := NewExchanger("http://127.0.0.1:1/token", "srv", "s", nil)
	got = nil
	if v := (DoctorConfig{}).checkStandardExchange(ctx, down, "sa-token", add); !strings.HasPrefix(v, "unknown") || !strings.HasPrefix(got[0], "fail: could not try a token exchange") {
		t.Fatalf("unreachable: %q, %v", v, got)
	}
}
