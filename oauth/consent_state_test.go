package oauth

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// startLogin GETs /oauth/login without following the redirect and returns
// the sealed cookie and the state sent to the IdP.
func startLogin(t *testing.T, e *offlineEnv) (cookie, state string) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(e.srv.URL + "/oauth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == consentCookie {
			cookie = ck.Value
		}
	}
	return cookie, loc.Query().Get("state")
}

func callbackWith(t *testing.T, e *offlineEnv, cookie, state string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/oauth/callback?code=made-up&state="+url.QueryEscape(state), nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: consentCookie, Value: cookie})
	}
	return send(t, http.DefaultClient, req)
}

// Issue 15 item 6: unauthenticated GETs of /oauth/login store nothing; the
// pending sign-in lives in a sealed cookie that cannot be forged, swapped
// between sign-ins or used after it expires.
func TestConsentStateIsASealedCookie(t *testing.T) {
	ctx := context.Background()
	e := newOfflineEnv(t, nil)
	// The store's clock is the real one; the flow's is injected, near it.
	now := time.Now().Truncate(time.Second)
	e.consent.cfg.Now = func() time.Time { return now }

	for range 50 {
		if ck, st := startLogin(t, e); ck == "" || st == "" {
			t.Fatalf("login gave cookie %q state %q", ck, st)
		}
	}
	if owners, err := e.db.SecretOwners(ctx, consentKind); err != nil || len(owners) != 0 {
		t.Fatalf("50 sign-in starts left %d rows (%v)", len(owners), err)
	}

	aCookie, aState := startLogin(t, e)
	bCookie, bState := startLogin(t, e)
	if aState == bState || aCookie == bCookie {
		t.Fatal("two sign-ins share state")
	}
	refused := func(name, cookie, state, want string) {
		t.Helper()
		status, page := callbackWith(t, e, cookie, state)
		if status != http.StatusBadRequest || !strings.Contains(page, want) {
			t.Errorf("%s: %d %s", name, status, page)
		}
	}
	refused("no cookie", "", aState, "not started in this browser")
	refused("cookie of another sign-in", bCookie, aState, "not started in this browser")
	refused("state in the clear as cookie", aState, aState, "not started in this browser")
	flipped := []byte(aCookie)
	flipped[len(flipped)/2] ^= 1
	refused("tampered cookie", string(flipped), aState, "not started in this browser")

	// Sealed with a key the server no longer has.
	otherKey, _ := storage.GenerateKey()
	other, err := storage.Open(ctx, filepath.Join(t.TempDir(), "other.db"), storage.Options{Keys: otherKey})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	foreign, err := other.Seal(consentKind, []byte(`{"s":"`+aState+`","v":"v","n":"n","e":`+strconv.FormatInt(now.Add(time.Hour).Unix(), 10)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	refused("cookie sealed with another key", foreign, aState, "not started in this browser")
	// Sealed with the right key for another purpose.
	wrongKind, _ := e.db.Seal("other", []byte(`{"s":"`+aState+`","v":"v","n":"n","e":`+strconv.FormatInt(now.Add(time.Hour).Unix(), 10)+`}`))
	refused("cookie sealed for another purpose", wrongKind, aState, "not started in this browser")

	// Expiry at the boundary: one second before it the cookie is
	// accepted (the made-up code then fails at the IdP), at it refused.
	now = now.Add(e.consent.cfg.StateTTL - time.Second)
	if status, page := callbackWith(t, e, aCookie, aState); status != http.StatusBadGateway || !strings.Contains(page, "did not accept") {
		t.Fatalf("one second before expiry: %d %s", status, page)
	}
	now = now.Add(time.Second)
	refused("expired", bCookie, bState, "expired")
}

// Issue 15 item 10, where an operator sees it: a malformed row shows in
// `tokens list` and the doctor, the other users' grants stay listed.
func TestMalformedGrantVisibleInListAndDoctor(t *testing.T) {
	ctx := context.Background()
	e := newOfflineEnv(t, nil)
	for _, u := range []string{"alice", "bob"} {
		if status, page := e.browse(t, u); status != http.StatusOK {
			t.Fatalf("consent of %s: %d %s", u, status, page)
		}
	}
	raw, err := sql.Open("sqlite3", e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE refresh_tokens SET created_at='yesterday' WHERE user_id='bob'`); err != nil {
		t.Fatal(err)
	}
	cli := TokensCLI{DBPath: e.db.Path(), Keys: e.key}
	code, out, errs := runTokens(t, cli, "list")
	if code != 0 || !strings.Contains(out, "alice") || !regexp.MustCompile(`bob .*MALFORMED \(created_at.*tokens revoke bob\)`).MatchString(out) {
		t.Fatalf("list: %d\n%s%s", code, out, errs)
	}
	checks := RunDoctor(ctx, DoctorConfig{Issuer: e.p.Issuer(), ClientID: "mcp", HTTPClient: e.p.HTTPClient(), Store: e.db})
	var storageCheck *Check
	for i := range checks {
		if checks[i].Name == "token storage" {
			storageCheck = &checks[i]
		}
	}
	if storageCheck == nil || storageCheck.Status != "warn" || !strings.Contains(storageCheck.Detail, "1 malformed") || !strings.Contains(storageCheck.Detail, "bob") {
		t.Fatalf("doctor: %+v", storageCheck)
	}
	if users, err := e.db.Users(ctx); err != nil || len(users) != 1 || users[0] != "alice" {
		t.Fatalf("users for background jobs: %v %v", users, err)
	}
}
