package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

func TestNewConsentRefusalsAndDefaults(t *testing.T) {
	db := storetest.TokenStore(t)
	for name, c := range map[string]ConsentConfig{
		"no store":    {Issuer: "i", ClientID: "c", RedirectURL: "r"},
		"no issuer":   {Store: db, ClientID: "c", RedirectURL: "r"},
		"no client":   {Store: db, Issuer: "i", RedirectURL: "r"},
		"no redirect": {Store: db, Issuer: "i", ClientID: "c"},
	} {
		if _, err := NewConsent(context.Background(), c); err == nil || !strings.Contains(err.Error(), "consent flow needs") {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, err := NewConsent(context.Background(), ConsentConfig{Store: db, Issuer: "i", ClientID: "c", RedirectURL: "https://mcp/oauth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.secure || c.cfg.StateTTL != 10*time.Minute || c.cfg.UserIDClaim != "preferred_username" || c.cfg.Now == nil || c.cfg.HTTPClient == nil {
		t.Fatalf("defaults: secure=%v %+v", c.secure, c.cfg)
	}
	c, _ = NewConsent(context.Background(), ConsentConfig{Store: db, Issuer: "i", ClientID: "c", RedirectURL: "http://localhost/oauth/callback",
		StateTTL: time.Minute, UserIDClaim: "uid"})
	if c.secure || c.cfg.StateTTL != time.Minute || c.cfg.UserIDClaim != "uid" {
		t.Fatalf("set values: secure=%v %+v", c.secure, c.cfg)
	}
}

// sealState seals a pending sign-in as /oauth/login would put it into
// the state cookie.
func sealState(t *testing.T, db *storage.DB, p pendingConsent) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := db.Seal(consentKind, b)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// The callback refuses what does not belong to a sign-in this browser
// started, before asking the IdP anything.
func TestConsentCallbackRefusals(t *testing.T) {
	db := storetest.TokenStore(t)
	ctx := context.Background()
	down := &stubIdP{err: errors.New("IdP down")}
	c, err := NewConsent(ctx, ConsentConfig{Store: db, Issuer: "https://idp.invalid", ClientID: "c", RedirectURL: "https://mcp/oauth/callback",
		IdP: down})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute).Unix()
	good := sealState(t, db, pendingConsent{State: "s-good", Verifier: "v", Nonce: "n", Expires: later})
	expired := sealState(t, db, pendingConsent{State: "s-old", Verifier: "v", Nonce: "n", Expires: time.Now().Add(-time.Second).Unix()})
	corrupt, err := db.Seal(consentKind, []byte("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query, cookie string
		status              int
		page                string
		clears              bool // the state cookie is deleted
	}{
		{"IdP error", "error=access_denied&error_description=no+thanks", good, 400, "did not grant access: access_denied (no thanks)", true},
		{"IdP error without description", "error=access_denied", good, 400, "did not grant access: access_denied. Nothing", true},
		{"no code", "state=s-good", good, 400, "lacks state or code", false},
		{"no state", "code=x", good, 400, "lacks state or code", false},
		{"no cookie", "state=s-good&code=x", "", 400, "not started in this browser", false},
		{"cookie of another state", "state=s-goo&code=x", good, 400, "not started in this browser", false},
		{"state in the clear as cookie", "state=s-good&code=x", "s-good", 400, "not started in this browser", false},
		{"corrupt state", "state=s-good&code=x", corrupt, 400, "not started in this browser", false},
		{"expired state", "state=s-old&code=x", expired, 400, "has expired", true},
		{"IdP unreachable", "state=s-good&code=x", good, 503, "cannot be reached", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/oauth/callback?"+tc.query, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: consentCookie, Value: tc.cookie})
			}
			w := httptest.NewRecorder()
			c.ServeCallback(w, r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.page) {
				t.Fatalf("status %d, page:\n%s\nwant %d with %q", w.Code, w.Body.String(), tc.status, tc.page)
			}
			if w.Header().Get("Cache-Control") != "no-store" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'none'") {
				t.Fatalf("headers %v", w.Header())
			}
			cleared := false
			for _, ck := range w.Result().Cookies() {
				if ck.Name == consentCookie && ck.MaxAge < 0 && ck.Value == "" && ck.Path == "/oauth/" && ck.HttpOnly && ck.Secure {
					cleared = true
				}
			}
			if cleared != tc.clears {
				t.Fatalf("state cookie cleared: %v, want %v (%v)", cleared, tc.clears, w.Result().Cookies())
			}
		})
	}
	if asked := down.asked.Load(); asked != 1 {
		t.Fatalf("the IdP was asked %d times, want once (only for the good state)", asked)
	}
	// ServeLogin with the IdP down: 503, nothing stored, no cookie.
	w := httptest.NewRecorder()
	c.ServeLogin(w, httptest.NewRequest(http.MethodGet, "/oauth/login", nil))
	if w.Code != http.StatusServiceUnavailable || len(w.Result().Cookies()) != 0 {
		t.Fatalf("login with the IdP down: %d %v", w.Code, w.Result().Cookies())
	}
	if owners, err := db.SecretOwners(ctx, consentKind); err != nil || len(owners) != 0 {
		t.Fatalf("login with the IdP down stored %v (%v)", owners, err)
	}
}

// Abandoned sign-in states are purged at most once per state lifetime.
func TestConsentPurgeIsRateLimited(t *testing.T) {
	db := storetest.TokenStore(t)
	ctx := context.Background()
	now := time.Now()
	c, err := NewConsent(ctx, ConsentConfig{Store: db, Issuer: "i", ClientID: "c", RedirectURL: "r", StateTTL: time.Minute,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	expired := func(name string) {
		if err := db.PutSecret(ctx, name, consentKind, []byte("x"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	expired("a")
	c.purgeAbandoned(ctx) // first call purges
	if _, err := db.GetSecret(ctx, "a", consentKind); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal(err)
	}
	expired("b")
	now = now.Add(time.Minute - time.Second)
	c.purgeAbandoned(ctx)
	if n := countRows(t, db); n != 1 {
		t.Fatalf("purged again within the state lifetime (%d rows left, want 1)", n)
	}
	now = now.Add(time.Second)
	c.purgeAbandoned(ctx)
	if n := countRows(t, db); n != 0 {
		t.Fatalf("not purged after the state lifetime (%d rows left)", n)
	}
}

// countRows counts the secret rows, expired ones included (ReencryptAll
// rewrites every row and counts them).
func countRows(t *testing.T, db *storage.DB) int {
	t.Helper()
	rep, err := db.ReencryptAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep.Secrets
}

// A sign-in whose ID token and userinfo name no Nextcloud user stores
// nothing.
func TestConsentWithoutUserClaimStoresNothing(t *testing.T) {
	e := newOfflineEnv(t, nil)
	e.consent.cfg.UserIDClaim = "nextcloud_uid"
	status, page := e.browse(t, "alice")
	if status != http.StatusBadGateway || !strings.Contains(page, "no &#34;nextcloud_uid&#34; claim") {
		t.Fatalf("status %d page:\n%s", status, page)
	}
	if list, err := e.db.ListTokens(context.Background()); err != nil || len(list) != 0 || len(e.granted) != 0 {
		t.Fatalf("stored %v (%v), granted %v", list, err, e.granted)
	}
}

// refresh_expires_in of the code exchange becomes the stored grant's
// expiry; 0 (Keycloak's offline tokens) means none.
func TestConsentStoresGrantExpiry(t *testing.T) {
	for _, secs := range []int{3600, 0} {
		e := newOfflineEnv(t, nil)
		rewriteTokenAnswer(e, func(body map[string]any) { body["refresh_expires_in"] = secs })
		before := time.Now()
		if status, page := e.browse(t, "alice"); status != http.StatusOK {
			t.Fatalf("consent: %d\n%s", status, page)
		}
		tok, err := e.db.Token(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if secs == 0 {
			if !tok.ExpiresAt.IsZero() {
				t.Fatalf("refresh_expires_in 0 stored expiry %v", tok.ExpiresAt)
			}
			continue
		}
		want := before.Add(time.Duration(secs) * time.Second)
		if tok.ExpiresAt.Before(want.Add(-2*time.Second)) || tok.ExpiresAt.After(want.Add(time.Minute)) {
			t.Fatalf("stored expiry %v, want about %v", tok.ExpiresAt, want)
		}
	}
}

// rewriteTokenAnswer lets edit change the IdP's token-endpoint answers as
// the consent flow's HTTP client receives them.
func rewriteTokenAnswer(e *offlineEnv, edit func(body map[string]any)) {
	rewriteAnswers(e, "/oauth/token", func(_ *http.Response, body map[string]any) { edit(body) })
}

// rewriteAnswers lets edit change the status and JSON body of the IdP's
// answers to paths ending in suffix, as the consent flow's HTTP client
// receives them.
func rewriteAnswers(e *offlineEnv, suffix string, edit func(resp *http.Response, body map[string]any)) {
	inner := e.consent.cfg.HTTPClient.Transport
	e.consent.cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := inner.RoundTrip(r)
		if err != nil || !strings.HasSuffix(r.URL.Path, suffix) {
			return resp, err
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return nil, err
		}
		resp.Body.Close()
		edit(resp, body)
		b, _ := json.Marshal(body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Del("Content-Length")
		return resp, nil
	})}
}

// When the ID token names no Nextcloud user, userinfo may; but only when
// it answers for the same subject (OIDC Core 5.3.2), and a failed request
// is logged and stores nothing.
func TestConsentUserFromUserinfo(t *testing.T) {
	for name, tc := range map[string]struct {
		edit     func(resp *http.Response, body map[string]any)
		status   int
		stored   bool
		logWants string
	}{
		"same subject": {func(_ *http.Response, body map[string]any) { body["nextcloud_uid"] = "alice" }, http.StatusOK, true, ""},
		"other subject": {func(_ *http.Response, body map[string]any) {
			body["nextcloud_uid"] = "alice"
			body["sub"] = "someone-else"
		}, http.StatusBadGateway, false, ""},
		"subject with a suffix": {func(_ *http.Response, body map[string]any) {
			body["nextcloud_uid"] = "alice"
			body["sub"] = body["sub"].(string) + "x"
		}, http.StatusBadGateway, false, ""},
		"failed request": {func(resp *http.Response, body map[string]any) {
			body["nextcloud_uid"] = "alice"
			resp.StatusCode, resp.Status = http.StatusInternalServerError, "500 Internal Server Error"
		}, http.StatusBadGateway, false, "userinfo request failed"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newOfflineEnv(t, nil)
			var logs bytes.Buffer
			e.consent.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			e.consent.cfg.UserIDClaim = "nextcloud_uid"
			rewriteAnswers(e, "/userinfo", tc.edit)
			status, page := e.browse(t, "alice")
			if status != tc.status {
				t.Fatalf("status %d, want %d; page:\n%s", status, tc.status, page)
			}
			_, err := e.db.Token(context.Background(), "alice")
			if stored := err == nil; stored != tc.stored || len(e.granted) != map[bool]int{true: 1, false: 0}[tc.stored] {
				t.Fatalf("grant stored: %v (%v), granted %v; want %v", stored, err, e.granted, tc.stored)
			}
			if tc.logWants != "" && !strings.Contains(logs.String(), tc.logWants) {
				t.Fatalf("log lacks %q:\n%s", tc.logWants, logs.String())
			}
		})
	}
}

// A code exchange whose ID token does not verify, or that brings no
// refresh token, stores nothing and says why.
func TestConsentRefusesBadTokenAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(body map[string]any)
		page string
	}{
		"tampered ID token": {func(body map[string]any) {
			id, _ := body["id_token"].(string)
			body["id_token"] = id[:len(id)-4] + "AAAA"
		}, "could not be verified"},
		"no refresh token": {func(body map[string]any) { delete(body, "refresh_token") }, "returned no refresh token"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newOfflineEnv(t, nil)
			rewriteTokenAnswer(e, tc.edit)
			status, page := e.browse(t, "alice")
			if status != http.StatusBadGateway || !strings.Contains(page, tc.page) {
				t.Fatalf("status %d, want 502 with %q; page:\n%s", status, tc.page, page)
			}
			if list, err := e.db.ListTokens(context.Background()); err != nil || len(list) != 0 || len(e.granted) != 0 {
				t.Fatalf("stored %v (%v), granted %v", list, err, e.granted)
			}
		})
	}
}
