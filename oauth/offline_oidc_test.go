package oauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// offlineEnv is the provider, the token store and the consent handlers
// of this server, as the binary wires them.
type offlineEnv struct {
	p       *oidctest.Provider
	db      *storage.DB
	consent *Consent
	offline *OfflineGrants
	srv     *httptest.Server
	key     string
	granted []string
}

func newOfflineEnv(t *testing.T, identify func(*http.Request) (string, bool)) *offlineEnv {
	t.Helper()
	ctx := context.Background()
	e := &offlineEnv{p: oidctest.New(t)}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.p.AddClient(oidctest.Client{ID: "mcp", Secret: "mcp-secret", RequirePKCE: true, ServiceAccount: true, Audience: []string{"mcp", "nextcloud"},
		RedirectURIs: []string{e.srv.URL + "/oauth/callback"}})
	e.p.AddUser(oidctest.User{Username: "alice"})
	e.p.AddUser(oidctest.User{Username: "bob"})
	e.p.AddUser(oidctest.User{Username: "dora", DenyConsent: true})
	key, _ := storage.GenerateKey()
	e.key = key
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "tokens.db"), storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.offline, err = NewOfflineGrants(OfflineConfig{Store: db, TokenURL: e.p.TokenURL(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: e.p.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	e.consent, err = NewConsent(ctx, ConsentConfig{
		Issuer: e.p.Issuer(), ClientID: "mcp", ClientSecret: "mcp-secret",
		RedirectURL: e.srv.URL + "/oauth/callback", Scopes: []string{"notes:read"},
		Store: db, HTTPClient: e.p.HTTPClient(), Identify: identify,
		OnGranted: func(u string) { e.granted = append(e.granted, u); e.offline.Forget(u) },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.consent.Register(mux)
	return e
}

// browse runs /oauth/login in user's browser, following every redirect
// through the provider back to the callback; it returns the final page.
func (e *offlineEnv) browse(t *testing.T, user string) (int, string) {
	t.Helper()
	hc := e.p.Browser(user)
	hc.Jar, _ = cookiejar.New(nil)
	return get(t, hc, e.srv.URL+"/oauth/login")
}

func get(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return send(t, hc, req)
}

// send returns the status and body of hc's answer to req; the test fails
// when there is none.
func send(t *testing.T, hc *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConsentFlowEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := newOfflineEnv(t, nil)
	status, page := e.browse(t, "alice")
	if status != http.StatusOK || !strings.Contains(page, "Background access granted") || !strings.Contains(page, "alice") || !strings.Contains(page, "offline_access") {
		t.Fatalf("consent page %d:\n%s", status, page)
	}
	tok, err := e.db.Token(ctx, "alice")
	if err != nil {
		t.Fatalf("no grant stored: %v", err)
	}
	u, _ := e.p.User("alice")
	if tok.Subject != u.Subject || tok.Issuer != e.p.Issuer() || !slices.Contains(tok.Scopes, "offline_access") {
		t.Fatalf("stored grant = %v (expires %v)", tok, tok.ExpiresAt)
	}
	if strings.Contains(page, tok.RefreshToken) {
		t.Fatal("the page shows the refresh token")
	}
	if slices.Compare(e.granted, []string{"alice"}) != 0 {
		t.Fatalf("OnGranted calls = %v", e.granted)
	}
	if e.p.Count(oidctest.CountGrantCode) != 1 {
		t.Fatalf("code exchanges = %d", e.p.Count(oidctest.CountGrantCode))
	}

	// The offline grant survives the user's logout and rotates on refresh.
	e.p.EndSession("alice")
	at, err := e.offline.AccessToken(ctx, "alice")
	if err != nil {
		t.Fatalf("refresh after logout: %v", err)
	}
	if jwtClaim(at.AccessToken, "preferred_username") != "alice" {
		t.Fatalf("access token is not alice's")
	}
	after, _ := e.db.Token(ctx, "alice")
	if after.RefreshToken == tok.RefreshToken || after.LastRefreshedAt.IsZero() {
		t.Fatal("rotated refresh token was not stored")
	}
	// The spent token is dead at the provider; the stored one works.
	if _, err := e.p.Refresh(ctx, "mcp", tok.RefreshToken); err == nil {
		t.Fatal("the provider accepted a spent refresh token: rotation not in effect")
	}
	e.offline.Forget("alice")
	if _, err := e.offline.AccessToken(ctx, "alice"); err != nil {
		t.Fatalf("second refresh with the stored rotated token: %v", err)
	}
	if n := e.p.Count(oidctest.CountGrantRefresh); n != 3 {
		t.Fatalf("refreshes = %d, want 3", n)
	}

	// Revoked at the provider: invalid_grant deletes the row and says so.
	e.p.RevokeUser("alice")
	e.offline.Forget("alice")
	_, err = e.offline.AccessToken(ctx, "alice")
	if !errors.Is(err, storage.ErrRevoked) || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "sign in again") {
		t.Fatalf("revoked grant: err = %v", err)
	}
	if _, err := e.db.Token(ctx, "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("revoked grant kept: %v", err)
	}
	chain := &GrantChain{Offline: e.offline}
	if _, _, err := chain.Token(ctx, "alice"); !errors.Is(err, ErrNoGrant) || !strings.Contains(err.Error(), "/oauth/login") {
		t.Fatalf("chain after revocation: %v", err)
	}
}

func TestConsentFlowRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("user refuses", func(t *testing.T) {
		e := newOfflineEnv(t, nil)
		status, page := e.browse(t, "dora")
		if status != http.StatusBadRequest || !strings.Contains(page, "access_denied") || !strings.Contains(page, "Nothing was stored") {
			t.Fatalf("%d: %s", status, page)
		}
		if infos, _ := e.db.ListTokens(ctx); len(infos) != 0 {
			t.Fatalf("stored: %+v", infos)
		}
	})
	t.Run("request bound to another user", func(t *testing.T) {
		e := newOfflineEnv(t, func(*http.Request) (string, bool) { return "bob", true })
		status, page := e.browse(t, "alice")
		if status != http.StatusForbidden || !strings.Contains(page, "started for bob") {
			t.Fatalf("%d: %s", status, page)
		}
		for _, u := range []string{"alice", "bob"} {
			if _, err := e.db.Token(ctx, u); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("grant of %s stored: %v", u, err)
			}
		}
	})
	t.Run("request bound to a user whose id extends the signed-in one", func(t *testing.T) {
		e := newOfflineEnv(t, func(*http.Request) (string, bool) { return "alice2", true })
		status, page := e.browse(t, "alice")
		if status != http.StatusForbidden || !strings.Contains(page, "started for alice2") {
			t.Fatalf("%d: %s", status, page)
		}
		if _, err := e.db.Token(ctx, "alice"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("grant of alice stored: %v", err)
		}
	})
	t.Run("callback replayed or from another browser", func(t *testing.T) {
		e := newOfflineEnv(t, nil)
		hc := e.p.Browser("alice")
		hc.Jar, _ = cookiejar.New(nil)
		var callback string
		hc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
			if req.URL.Path == "/oauth/callback" {
				callback = req.URL.String()
				return http.ErrUseLastResponse
			}
			return nil
		}
		resp, err := hc.Get(e.srv.URL + "/oauth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if callback == "" {
			t.Fatal("the flow never reached the callback")
		}
		// Another browser (no state cookie) cannot complete it.
		other := &http.Client{}
		if status, page := get(t, other, callback); status != http.StatusBadRequest || !strings.Contains(page, "not started in this browser") {
			t.Fatalf("foreign browser: %d %s", status, page)
		}
		cbURL, _ := http.NewRequest(http.MethodGet, callback, nil)
		var sealed string
		for _, ck := range hc.Jar.Cookies(cbURL.URL) {
			if ck.Name == consentCookie {
				sealed = ck.Value
			}
		}
		if sealed == "" {
			t.Fatal("no sign-in cookie in the browser")
		}
		// The cookie holds the state sealed, not in the clear.
		if strings.Contains(sealed, stateOf(t, callback)) {
			t.Fatal("the cookie shows the state in the clear")
		}
		hc.CheckRedirect = nil
		if status, page := get(t, hc, callback); status != http.StatusOK {
			t.Fatalf("own browser: %d %s", status, page)
		}
		// The cookie is cleared; a replay with a copy of it fails at the
		// IdP, as the code is single-use, and stores nothing new.
		if cks := hc.Jar.Cookies(cbURL.URL); len(cks) != 0 {
			t.Fatalf("cookie not cleared: %v", cks)
		}
		before, _ := e.db.Token(ctx, "alice")
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(cbURL.URL, []*http.Cookie{{Name: consentCookie, Value: sealed, Path: "/oauth/"}})
		replay := &http.Client{Jar: jar}
		if status, page := get(t, replay, callback); status != http.StatusBadGateway || !strings.Contains(page, "did not accept the sign-in") {
			t.Fatalf("replay: %d %s", status, page)
		}
		if after, _ := e.db.Token(ctx, "alice"); after.RefreshToken != before.RefreshToken {
			t.Fatal("a replayed callback replaced the stored grant")
		}
	})
	t.Run("unknown state", func(t *testing.T) {
		e := newOfflineEnv(t, nil)
		if status, _ := get(t, &http.Client{}, e.srv.URL+"/oauth/callback?state=x&code=y"); status != http.StatusBadRequest {
			t.Fatalf("status %d", status)
		}
	})
}

func stateOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u.URL.Query().Get("state")
}

func TestServiceAccountAgainstProvider(t *testing.T) {
	ctx := context.Background()
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp", Secret: "mcp-secret", ServiceAccount: true})
	p.AddClient(oidctest.Client{ID: "plain", Secret: "plain-secret"})
	sa, _ := NewServiceAccount(ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: p.HTTPClient()})
	tok, err := sa.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := jwtClaim(tok.AccessToken, "preferred_username"); got != oidctest.ServiceAccountName("mcp") {
		t.Fatalf("service account token names %q", got)
	}
	if _, err := sa.Token(ctx); err != nil || p.Count(oidctest.CountGrantClientCredentials) != 1 {
		t.Fatalf("token not cached: %d calls, %v", p.Count(oidctest.CountGrantClientCredentials), err)
	}
	bad, _ := NewServiceAccount(ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: "plain", ClientSecret: "plain-secret", HTTPClient: p.HTTPClient()})
	if _, err := bad.Token(ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("client without service account: err = %v", err)
	}
	wrong, _ := NewServiceAccount(ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: "mcp", ClientSecret: "nope", HTTPClient: p.HTTPClient()})
	if _, err := wrong.Token(ctx); err == nil || strings.Contains(err.Error(), "nope") {
		t.Fatalf("wrong secret: err = %v", err)
	}
}

func TestDoctorAgainstProvider(t *testing.T) {
	ctx := context.Background()
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp", Secret: "mcp-secret", ServiceAccount: true})
	checks := RunDoctor(ctx, DoctorConfig{Issuer: p.Issuer(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: p.HTTPClient()})
	var b strings.Builder
	ok := WriteDoctor(&b, checks)
	out := b.String()
	if !ok {
		t.Fatalf("doctor failed:\n%s", out)
	}
	for _, want := range []string{"OK   discovery", "client credentials", "refresh tokens", "service-account-mcp"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "mcp-secret") {
		t.Fatal("doctor prints the secret")
	}
	checks = RunDoctor(ctx, DoctorConfig{Issuer: p.Issuer(), ClientID: "mcp", ClientSecret: "wrong", HTTPClient: p.HTTPClient()})
	b.Reset()
	if WriteDoctor(&b, checks) || !strings.Contains(b.String(), "FAIL service account") {
		t.Fatalf("wrong secret not reported:\n%s", b.String())
	}
	p.Down(true)
	checks = RunDoctor(ctx, DoctorConfig{Issuer: p.Issuer(), ClientID: "mcp", HTTPClient: p.HTTPClient()})
	if len(checks) != 1 || checks[0].Status != "fail" || checks[0].Name != "discovery" {
		t.Fatalf("provider down: %+v", checks)
	}
}
