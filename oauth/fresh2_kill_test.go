package oauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Tests for mutants that survived the fresh samples of seeds 31 and 32
// (written after those runs, so not counted in their scores).

// A login flow that ends without access is logged as a warning; one that
// succeeds is not.
func TestLoginFlowFailureIsLogged(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("bob", "bob-pass"))
	var logs bytes.Buffer
	m, _ := loginFlowWith(t, nc, LoginFlowOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for user, approver := range map[string]string{"alice": "alice", "bob": "alice"} {
		if err := approveAndWait(t, nc, m, user, approver); (err == nil) != (user == approver) {
			t.Fatalf("%s approved by %s: %v", user, approver, err)
		}
	}
	m.Close() // waits for the pollers, so their logs are written
	out := logs.String()
	if strings.Count(out, "ended without access") != 1 || !strings.Contains(out, "user=bob") {
		t.Fatalf("want one warning, about bob:\n%s", out)
	}
}

// A grant that cannot be stored shows "Not stored" (503), not success.
func TestConsentStoreFailure(t *testing.T) {
	e := newOfflineEnv(t, nil)
	// Closed after the sign-in started: the callback's SaveToken fails.
	inner := e.p.HTTPClient().Transport
	e.consent.cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/token") {
			e.db.Close()
		}
		return inner.RoundTrip(r)
	})}
	status, page := e.browse(t, "alice")
	if status != http.StatusServiceUnavailable || !strings.Contains(page, "could not be stored") || len(e.granted) != 0 {
		t.Fatalf("status %d, granted %v, page:\n%s", status, e.granted, page)
	}
}

// Acting by impersonation for a user without an offline grant logs why
// at debug level.
func TestGrantChainLogsWhyImpersonating(t *testing.T) {
	sa := mustSA(t)
	var logs bytes.Buffer
	g := &GrantChain{ServiceAccount: sa, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Impersonate: func(context.Context, string, string) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: "imp", Expiry: time.Now().Add(time.Hour)}, nil
		}}
	if _, grant, err := g.Token(context.Background(), "dave"); err != nil || grant != GrantImpersonation {
		t.Fatalf("%s %v", grant, err)
	}
	if !strings.Contains(logs.String(), "acting for user by impersonation") || !strings.Contains(logs.String(), "ENABLE_OFFLINE_ACCESS") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

type brokenResponse struct{ *httptest.ResponseRecorder }

func (brokenResponse) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

// A consent page that cannot be written is logged at debug level; one
// that was written is not.
func TestConsentPageWriteFailureIsLogged(t *testing.T) {
	var logs bytes.Buffer
	c := &Consent{cfg: ConsentConfig{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
	w := httptest.NewRecorder()
	c.page(w, http.StatusOK, consentPage{Title: "Background access granted", User: "alice"})
	if logs.Len() != 0 || !strings.Contains(w.Body.String(), "alice") {
		t.Fatalf("written page logged %q or missing:\n%s", logs.String(), w.Body.String())
	}
	c.page(brokenResponse{httptest.NewRecorder()}, http.StatusOK, consentPage{Title: "x"})
	if !strings.Contains(logs.String(), "write consent page") || !strings.Contains(logs.String(), "connection reset") {
		t.Fatalf("log: %q", logs.String())
	}
}

// An exchange whose endpoint cannot be found or is not a URL fails with
// an error saying so, without a request.
func TestExchangeEndpointFailures(t *testing.T) {
	ctx := context.Background()
	e := NewExchanger("http://[::1", "mcp", "s", nil)
	if _, err := e.Exchange(ctx, ExchangeRequest{SubjectToken: "t"}); err == nil || !strings.Contains(err.Error(), "[::1") {
		t.Fatalf("bad token URL: %v", err)
	}
	e.endpoint = &stubIdP{err: errors.New("discovery of the IdP failed")}
	if _, err := e.Exchange(ctx, ExchangeRequest{SubjectToken: "t"}); err == nil || !strings.Contains(err.Error(), "discovery of the IdP failed") {
		t.Fatalf("endpoint unknown: %v", err)
	}
}

// Scopes are de-duplicated by equality: "notes" is not dropped because
// "notes:write" came first.
func TestNormalizeScopesKeepsPrefixes(t *testing.T) {
	got := strings.Join(normalizeScopes([]string{"notes:write", "notes", "notes.write", "", "notes"}), " ")
	if got != "notes:write notes" {
		t.Fatalf("normalizeScopes = %q", got)
	}
}

// A retry interval of 0 (unset) gets the one-minute default.
func TestImpersonationGateDefaultRetry(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{0: time.Minute, -time.Second: time.Minute, time.Second: time.Second} {
		if g := NewImpersonationGate(nil, d, nil); g.retry != want {
			t.Errorf("retry %v: %v, want %v", d, g.retry, want)
		}
	}
}

// A stored app password that cannot be read stops Provision with the way
// out (revoke, then provision) instead of starting a second login flow
// beside it.
func TestProvisionWithUnreadableAppPassword(t *testing.T) {
	nc, m, db := newLoginFlowFixture(t)
	ctx := context.Background()
	if err := db.PutSecret(ctx, "alice", SecretAppPassword, []byte("not json"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	st, err := m.Provision(ctx, "alice")
	if err == nil || !strings.Contains(err.Error(), "nc_auth_revoke_access") || st.State != "" {
		t.Fatalf("Provision = %+v, %v", st, err)
	}
	if n := len(nc.PendingLoginFlows()); n != 0 {
		t.Fatalf("%d login flows started", n)
	}
}

// Only OIDC_IMPERSONATION=off skips the doctor's impersonation probe; a
// value that merely starts with "off" (the tokens CLI reads the variable
// unchecked) is probed like auto.
func TestDoctorImpersonationOffIsExact(t *testing.T) {
	sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: "http://127.0.0.1:1/token", ClientID: "mcp", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ex := NewExchanger("http://127.0.0.1:1/token", "mcp", "s", nil)
	for mode, want := range map[string]string{"off": "no (OIDC_IMPERSONATION=off)", "offline": "unknown"} {
		var checks []string
		got := DoctorConfig{Impersonation: mode}.checkImpersonation(context.Background(), sa, ex, func(name, status, format string, a ...any) {
			checks = append(checks, status)
		})
		if got != want || len(checks) != 1 {
			t.Errorf("OIDC_IMPERSONATION=%s: %q (checks %v), want %q", mode, got, checks, want)
		}
	}
}
