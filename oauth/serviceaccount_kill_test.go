package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestServiceAccountConfigRefusals(t *testing.T) {
	for name, c := range map[string]ServiceAccountConfig{
		"no endpoint": {ClientID: "c", ClientSecret: "s"},
		"no client":   {TokenURL: "http://x", ClientSecret: "s"},
		"no secret":   {TokenURL: "http://x", ClientID: "c"},
	} {
		if _, err := NewServiceAccount(c); err == nil || !strings.Contains(err.Error(), "service account needs") {
			t.Errorf("%s: %v", name, err)
		}
	}
	sa, err := NewServiceAccount(ServiceAccountConfig{IdP: &stubIdP{err: errors.New("not discovered")},
		ClientID: "c", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if sa.ClientID() != "c" || sa.renew != time.Minute {
		t.Errorf("client %q renew %v", sa.ClientID(), sa.renew)
	}
	if _, err := sa.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "not discovered") {
		t.Errorf("endpoint error: %v", err)
	}
}

// The cached token is renewed RenewBefore ahead of its expiry, but never
// earlier than half its lifetime; one without expiry is kept.
func TestServiceAccountFreshness(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	sa := &ServiceAccount{renew: time.Minute, now: func() time.Time { return now }}
	if sa.fresh() {
		t.Error("no token is fresh")
	}
	sa.tok = &oauth2.Token{}
	if sa.fresh() {
		t.Error("an empty token is fresh")
	}
	sa.tok = &oauth2.Token{AccessToken: "a"}
	if !sa.fresh() {
		t.Error("a token without expiry is not fresh")
	}
	sa.issued = now.Add(-4 * time.Minute)
	sa.tok.Expiry = now.Add(time.Minute + time.Second) // 5m01s lifetime: renew a minute ahead
	if !sa.fresh() {
		t.Error("renewed more than RenewBefore ahead")
	}
	sa.tok.Expiry = now.Add(time.Minute)
	if sa.fresh() {
		t.Error("not renewed exactly RenewBefore ahead")
	}
	// A 60s token: renewal at half its life (30s), not a minute ahead.
	sa.issued = now.Add(-29 * time.Second)
	sa.tok.Expiry = sa.issued.Add(time.Minute)
	if !sa.fresh() {
		t.Error("short-lived token renewed before half its life")
	}
	sa.issued = now.Add(-30 * time.Second)
	sa.tok.Expiry = sa.issued.Add(time.Minute)
	if sa.fresh() {
		t.Error("short-lived token not renewed at half its life")
	}
}

func TestServiceAccountExpiredTokenIsNotServed(t *testing.T) {
	f := &fakeTokenEndpoint{expiresIn: 300}
	srv := httptest.NewServer(f)
	defer srv.Close()
	clock := &fakeClock{t: time.Now()}
	sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.ccError = "unauthorized_client"
	clock.Advance(301 * time.Second)
	if tok, err := sa.Token(context.Background()); err == nil {
		t.Fatalf("expired token served after a failed renewal: %v", tok.AccessToken)
	}
}

func TestDescribeGrantError(t *testing.T) {
	re := func(code, desc string, status int) error {
		return &oauth2.RetrieveError{ErrorCode: code, ErrorDescription: desc, Response: &http.Response{StatusCode: status}}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{re("invalid_grant", "Token is not active", 400), "the identity provider refused: invalid_grant: Token is not active (HINT)"},
		{re("invalid_client", "", 401), "the identity provider refused: invalid_client (HINT)"},
		{re("unauthorized_client", "", 400), "(HINT)"},
		{re("unsupported_grant_type", "", 400), "(HINT)"},
		{re("invalid_scope", "bad", 400), "the identity provider refused: invalid_scope: bad"},
		{re("", "", 503), "the identity provider refused: HTTP 503"},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), "the identity provider did not answer in time"},
		{errors.New("dial tcp: refused"), "cannot reach the identity provider: dial tcp: refused"},
	} {
		got := describeGrantError(tc.err, "HINT")
		if !strings.Contains(got, tc.want) || (!strings.Contains(tc.want, "HINT") && strings.Contains(got, "HINT")) {
			t.Errorf("describeGrantError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := describeGrantError(re("invalid_grant", "", 400), ""); got != "the identity provider refused: invalid_grant" {
		t.Errorf("without hint: %q", got)
	}
	if !isInvalidGrant(fmt.Errorf("x: %w", re("invalid_grant", "", 400))) || isInvalidGrant(re("invalid_client", "", 401)) || isInvalidGrant(errors.New("invalid_grant")) {
		t.Error("isInvalidGrant")
	}
}
