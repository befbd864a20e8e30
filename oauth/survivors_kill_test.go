package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// The consent flow asks for openid, profile, offline_access and the
// configured scopes, each once, and starts with a locked-down cookie.
func TestConsentLoginRequest(t *testing.T) {
	srv := discoveryServer(t, []string{"authorization_code"}, nil, "")
	db := storetest.TokenStore(t)
	now := time.Now().Truncate(time.Second)
	c, err := NewConsent(context.Background(), ConsentConfig{Store: db, Issuer: srv.URL, ClientID: "mcp", Now: func() time.Time { return now },
		RedirectURL: "https://mcp.example/oauth/callback", Scopes: []string{"openid", "notes:read", "offline_access"}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c.ServeLogin(w, httptest.NewRequest(http.MethodGet, "/oauth/login", nil))
	if w.Code != http.StatusFound {
		t.Fatalf("login: %d %s", w.Code, w.Body.String())
	}
	u, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("scope") != "openid profile offline_access notes:read" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") != "https://mcp.example/oauth/callback" {
		t.Fatalf("authorization request %v", q)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	ck := cookies[0]
	if ck.Name != consentCookie || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode ||
		ck.Path != "/oauth/" || ck.MaxAge != 600 {
		t.Fatalf("cookie %+v", ck)
	}
	// The cookie is sealed and holds this sign-in's state, nonce and
	// verifier, valid for the state lifetime.
	if strings.Contains(ck.Value, q.Get("state")) || strings.Contains(ck.Value, q.Get("nonce")) {
		t.Fatal("the cookie shows the state or nonce in the clear")
	}
	raw, err := db.Unseal(consentKind, ck.Value)
	if err != nil {
		t.Fatal(err)
	}
	var p pendingConsent
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.State != q.Get("state") || p.Nonce != q.Get("nonce") || oauth2.S256ChallengeFromVerifier(p.Verifier) != q.Get("code_challenge") ||
		p.Expires != now.Add(10*time.Minute).Unix() || p.User != "" {
		t.Fatalf("sealed sign-in %+v for request %v", p, q)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatal("login redirect may be cached")
	}
}

// expires_in beyond ten years is not believed.
func TestExchangeExpiryBound(t *testing.T) {
	e := newTokenEndpoint(t)
	ex := NewExchanger(e.srv.URL, "c", "s", e.srv.Client())
	const tenYears = 10 * 365 * 24 * 3600
	for secs, want := range map[int]bool{tenYears - 1: true, tenYears: false} {
		e.body = fmt.Sprintf(`{"access_token":"a","expires_in":%d}`, secs)
		tok, err := ex.Exchange(context.Background(), ExchangeRequest{SubjectToken: "s"})
		if err != nil || tok.Expiry.IsZero() != !want {
			t.Errorf("expires_in %d: expiry %v, %v", secs, tok.Expiry, err)
		}
	}
}

// The exchange cache drops expired tokens once it holds 4096 entries.
func TestExchangeCachePrune(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	c := NewExchangeCache(nil, 0)
	c.now = func() time.Time { return now }
	fill := func(n int) {
		for i := 0; i < n; i++ {
			c.entries[fmt.Sprint("k", i)] = &oauth2.Token{Expiry: now.Add(-time.Second)}
		}
	}
	fill(4095)
	c.pruneLocked()
	if len(c.entries) != 4095 {
		t.Fatalf("pruned below the bound: %d", len(c.entries))
	}
	fill(4096)
	c.entries["live"] = &oauth2.Token{Expiry: now.Add(time.Hour)}
	// Within the renewal margin (30s) a token is as good as expired.
	c.entries["soon"] = &oauth2.Token{Expiry: now.Add(10 * time.Second)}
	c.pruneLocked()
	if len(c.entries) != 1 || c.entries["live"] == nil {
		t.Fatalf("after pruning %d entries", len(c.entries))
	}
}

// A grant revoked at the IdP is logged as deleted; other failures are not.
func TestOfflineRevocationIsLogged(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{}}
	o, db := offlineWith(t, f)
	var logs bytes.Buffer
	o.log = slog.New(slog.NewTextHandler(&logs, nil))
	saveToken(t, db, storage.Token{UserID: "alice", RefreshToken: "rt-x"})
	o.endpoint = fixedEndpoint("http://127.0.0.1:1/token")
	_, _ = o.AccessToken(ctx, "alice")
	if strings.Contains(logs.String(), "revoked") {
		t.Fatalf("an unreachable IdP logged as a revocation:\n%s", logs.String())
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	o.endpoint = fixedEndpoint(srv.URL)
	_, _ = o.AccessToken(ctx, "alice")
	if !strings.Contains(logs.String(), "offline grant revoked at the identity provider; deleted it") || strings.Contains(logs.String(), "rt-x") {
		t.Fatalf("revocation log:\n%s", logs.String())
	}
}

// A verified token is cached for the key generation it was checked with.
func TestValidateJWTCachesVerifiedTokens(t *testing.T) {
	key := newMKKey(t, "k1")
	s := newJWKSServer(t, key.public("sig", "RS256"))
	clock := mkNow
	rs := jwtRS(&clock)
	ks := s.keySet(&clock)
	tok := key.sign(t, "k1", mkClaims())
	// The first validation fetches the keys: a new generation, so its
	// result is not cached; the second one is.
	for range 2 {
		if _, err := rs.validateJWT(context.Background(), ks, tok); err != nil {
			t.Fatal(err)
		}
	}
	if id, ok := rs.verified.get(tok, clock, ks.generation()); !ok || id.UserID != "alice" {
		t.Fatal("verified token not cached")
	}
}

// A code the IdP does not accept, or an answer without ID token, ends the
// sign-in with 502 and nothing stored.
func TestConsentCodeRefused(t *testing.T) {
	for token, page := range map[string]string{"": "did not accept the sign-in", "at-without-id-token": "returned no ID token"} {
		srv := discoveryServer(t, []string{"authorization_code"}, nil, token) // "" answers 401
		db := storetest.TokenStore(t)
		ctx := context.Background()
		c, err := NewConsent(ctx, ConsentConfig{Store: db, Issuer: srv.URL, ClientID: "mcp", ClientSecret: "s",
			RedirectURL: "https://mcp.example/oauth/callback", HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		cookie := sealState(t, db, pendingConsent{State: "st", Verifier: "v", Nonce: "n", Expires: time.Now().Add(time.Minute).Unix()})
		r := httptest.NewRequest(http.MethodGet, "/oauth/callback?state=st&code=bad", nil)
		r.AddCookie(&http.Cookie{Name: consentCookie, Value: cookie})
		w := httptest.NewRecorder()
		c.ServeCallback(w, r)
		if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), page) {
			t.Fatalf("token %q: status %d:\n%s", token, w.Code, w.Body.String())
		}
		if list, _ := db.ListTokens(ctx); len(list) != 0 {
			t.Fatalf("stored %v", list)
		}
	}
}

// The scopes stored with a grant are the ones the IdP granted, not the
// ones asked for.
func TestConsentStoresGrantedScopes(t *testing.T) {
	for granted, want := range map[string]string{
		"openid offline_access": "openid offline_access",
		"":                      "openid profile offline_access notes:read", // none named: the ones asked for
	} {
		consentWithGrantedScope(t, granted, want)
	}
}

func consentWithGrantedScope(t *testing.T, granted, want string) {
	e := newOfflineEnv(t, nil)
	rewriteTokenAnswer(e, func(body map[string]any) { body["scope"] = granted })
	if status, page := e.browse(t, "alice"); status != http.StatusOK {
		t.Fatalf("consent: %d\n%s", status, page)
	}
	tok, err := e.db.Token(context.Background(), "alice")
	if err != nil || strings.Join(tok.Scopes, " ") != want {
		t.Fatalf("granted %q: stored scopes %v, %v; want %q", granted, tok.Scopes, err, want)
	}
}

// An ID token whose nonce is not the sign-in's is refused.
func TestConsentNonceMismatch(t *testing.T) {
	e := newOfflineEnv(t, nil)
	ctx := context.Background()
	hc := e.p.Browser("alice")
	hc.Jar, _ = cookiejar.New(nil)
	hc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path != "/oauth/callback" {
			return nil
		}
		// The sign-in state now expects another nonce than the IdP put
		// into the ID token: reseal the cookie with the server's key.
		var ck *http.Cookie
		for _, c := range hc.Jar.Cookies(req.URL) {
			if c.Name == consentCookie {
				ck = c
			}
		}
		if ck == nil {
			return errors.New("no state cookie in the browser")
		}
		raw, err := e.db.Unseal(consentKind, ck.Value)
		if err != nil {
			return err
		}
		var p pendingConsent
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		p.Nonce = "another-nonce"
		b, _ := json.Marshal(p)
		sealed, err := e.db.Seal(consentKind, b)
		if err != nil {
			return err
		}
		hc.Jar.SetCookies(req.URL, []*http.Cookie{{Name: consentCookie, Value: sealed, Path: "/oauth/"}})
		return nil
	}
	status, page := get(t, hc, e.srv.URL+"/oauth/login")
	if status != http.StatusBadRequest || !strings.Contains(page, "nonce mismatch") {
		t.Fatalf("status %d:\n%s", status, page)
	}
	if list, _ := e.db.ListTokens(ctx); len(list) != 0 {
		t.Fatalf("stored %v", list)
	}
}

// The metadata handler serves the root document at the well-known path
// and below the server's base path, and nothing outside it.
func TestMetadataUnderABasePath(t *testing.T) {
	rs := &ResourceServer{cfg: Config{ServerURL: "https://h.example/prefix", MCPPath: "/mcp", Issuer: mkIssuer}}
	h := rs.MetadataHandler()
	for path, want := range map[string]int{
		WellKnownPath:                 200,
		WellKnownPath + "/prefix":     200,
		WellKnownPath + "/prefix/mcp": 200,
		WellKnownPath + "/mcp":        200,
		WellKnownPath + "/other":      404,
		"/somewhere" + WellKnownPath:  404,
		"/not-metadata":               404,
		"/prefix":                     404,
		"/mcp":                        404,
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
}
