package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeIdP answers introspection and userinfo with what the test sets.
type fakeIdP struct {
	mu     sync.Mutex
	status int
	answer map[string]any
	hits   atomic.Int64
	auth   string // Authorization of the last request
	srv    *httptest.Server
}

func newFakeIdP(t *testing.T) *fakeIdP {
	f := &fakeIdP{status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.auth = r.Header.Get("Authorization")
		w.WriteHeader(f.status)
		_ = json.NewEncoder(w).Encode(f.answer)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIdP) set(status int, answer map[string]any) {
	f.mu.Lock()
	f.status, f.answer = status, answer
	f.mu.Unlock()
}

func opaqueRS(t *testing.T, f *fakeIdP, mode OpaqueMode, clock *time.Time) (*ResourceServer, *endpoints) {
	t.Helper()
	cfg := Config{Issuer: mkIssuer, ServerURL: "https://mcp.example", ClientID: mkAud, ClientSecret: "secret",
		Opaque: mode, UserinfoScopes: []string{"notes:read"}, HTTPClient: f.srv.Client()}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	rs := &ResourceServer{cfg: cfg, log: cfg.Logger, now: func() time.Time { return *clock }, opaque: newOpaqueCache()}
	return rs, &endpoints{introspection: f.srv.URL + "/introspect", userinfo: f.srv.URL + "/userinfo"}
}

func activeAnswer() map[string]any {
	return map[string]any{"active": true, "iss": mkIssuer, "sub": "u-1", "aud": []any{mkAud}, "client_id": "mcp-client",
		"username": "alice", "scope": "openid notes:read", "exp": float64(mkNow.Add(time.Hour).Unix())}
}

func TestIntrospectionChecks(t *testing.T) {
	leeway := 30 * time.Second
	tests := []struct {
		name   string
		change func(a map[string]any)
		ok     bool
		errHas string
		lax    bool // AcceptAZPAudience
	}{
		{"active", func(map[string]any) {}, true, "", false},
		{"inactive", func(a map[string]any) { a["active"] = false }, false, "not active", false},
		{"active missing", func(a map[string]any) { delete(a, "active") }, false, "not active", false},
		{"active as a string", func(a map[string]any) { a["active"] = "true" }, false, "not active", false},
		{"issuer with a suffix", func(a map[string]any) { a["iss"] = mkIssuer + "-evil" }, false, "issuer", false},
		{"no issuer", func(a map[string]any) { delete(a, "iss") }, true, "", false},
		{"audience with a suffix", func(a map[string]any) { a["aud"] = "mcp-server-x"; a["client_id"] = "x" }, false, "audience", false},
		{"client is the audience", func(a map[string]any) { a["aud"] = "other"; a["client_id"] = mkAud }, false, "audience", false},
		{"client is the audience, azp accepted", func(a map[string]any) { a["aud"] = "other"; a["client_id"] = mkAud }, true, "", true},
		{"client with a suffix, azp accepted", func(a map[string]any) { a["aud"] = "other"; a["client_id"] = mkAud + "-x" }, false, "audience", true},
		{"expired exactly the leeway ago", func(a map[string]any) { a["exp"] = float64(mkNow.Add(-leeway).Unix()) }, true, "", false},
		{"expired past the leeway", func(a map[string]any) { a["exp"] = float64(mkNow.Add(-leeway - time.Second).Unix()) }, false, "expired", false},
		{"nbf exactly the leeway ahead", func(a map[string]any) { a["nbf"] = float64(mkNow.Add(leeway).Unix()) }, true, "", false},
		{"nbf past the leeway", func(a map[string]any) { a["nbf"] = float64(mkNow.Add(leeway + time.Second).Unix()) }, false, "not valid before", false},
		{"no subject", func(a map[string]any) { delete(a, "sub") }, false, "no subject", false},
		{"no user", func(a map[string]any) { delete(a, "username") }, false, "preferred_username", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeIdP(t)
			a := activeAnswer()
			tc.change(a)
			f.set(http.StatusOK, a)
			clock := mkNow
			rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
			rs.cfg.AcceptAZPAudience = tc.lax
			id, err := rs.validateOpaque(context.Background(), ep, "opaque-token", "")
			if tc.ok {
				if err != nil || id.UserID != "alice" || !id.Opaque || id.Subject != "u-1" {
					t.Fatalf("refused: %+v, %v", id, err)
				}
				if !strings.HasPrefix(f.auth, "Basic ") {
					t.Fatalf("introspection sent without client authentication: %q", f.auth)
				}
				return
			}
			wantTokenError(t, err, tc.errHas)
			if id != nil {
				t.Fatalf("refused token gave identity %+v", id)
			}
		})
	}
}

// Failures of the IdP are not the token's: they are plain errors (503 at
// the middleware) and are not cached.
func TestIntrospectionFailures(t *testing.T) {
	for _, tc := range []struct {
		status int
		errHas string
	}{
		{http.StatusUnauthorized, "client credentials"},
		{http.StatusInternalServerError, "HTTP 500"},
		{http.StatusForbidden, "HTTP 403"},
	} {
		f := newFakeIdP(t)
		f.set(tc.status, activeAnswer())
		clock := mkNow
		rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
		_, err := rs.validateOpaque(context.Background(), ep, "tok", "")
		var te *tokenError
		if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("HTTP %d: err = %v, want a non-token error with %q", tc.status, err, tc.errHas)
		}
		f.set(http.StatusOK, activeAnswer())
		if id, err := rs.validateOpaque(context.Background(), ep, "tok", ""); err != nil || id.UserID != "alice" {
			t.Errorf("HTTP %d was cached: %v", tc.status, err)
		}
	}
	f := newFakeIdP(t)
	clock := mkNow
	rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
	if _, err := rs.validateOpaque(context.Background(), &endpoints{}, "tok", ""); err == nil || !strings.Contains(err.Error(), "introspection_endpoint") {
		t.Errorf("no endpoint: %v", err)
	}
	rs.cfg.ClientSecret = ""
	if _, err := rs.validateOpaque(context.Background(), ep, "tok", ""); err == nil || !strings.Contains(err.Error(), "OIDC_CLIENT_SECRET") {
		t.Errorf("no secret: %v", err)
	}
	rs.cfg.Opaque = OpaqueReject
	var te *tokenError
	if _, err := rs.validateOpaque(context.Background(), ep, "tok", ""); !errors.As(err, &te) {
		t.Errorf("reject mode: %v", err)
	}
	if n := f.hits.Load(); n != 0 {
		t.Errorf("%d requests to the IdP, want none", n)
	}
}

// An accepted token is reused until the TTL or its expiry, whichever is
// first; a refused one for negativeTTL; another token is asked anew.
func TestIntrospectionCache(t *testing.T) {
	f := newFakeIdP(t)
	a := activeAnswer()
	a["exp"] = float64(mkNow.Add(2 * time.Minute).Unix())
	f.set(http.StatusOK, a)
	clock := mkNow
	rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
	ctx := context.Background()
	ask := func(tok string) error { _, err := rs.validateOpaque(ctx, ep, tok, ""); return err }
	if err := ask("t1"); err != nil {
		t.Fatal(err)
	}
	clock = mkNow.Add(rs.cfg.IntrospectionTTL) // exactly the TTL: still cached
	if err := ask("t1"); err != nil || f.hits.Load() != 1 {
		t.Fatalf("within the TTL: %v, %d requests", err, f.hits.Load())
	}
	if err := ask("t2"); err != nil || f.hits.Load() != 2 {
		t.Fatalf("another token: %v, %d requests", err, f.hits.Load())
	}
	clock = mkNow.Add(rs.cfg.IntrospectionTTL + time.Second)
	if err := ask("t1"); err != nil || f.hits.Load() != 3 {
		t.Fatalf("after the TTL: %v, %d requests", err, f.hits.Load())
	}

	// The token expires before the TTL: the entry ends with it.
	a = activeAnswer()
	a["exp"] = float64(mkNow.Add(10 * time.Second).Unix())
	f.set(http.StatusOK, a)
	clock = mkNow
	rs, ep = opaqueRS(t, f, OpaqueIntrospect, &clock)
	f.hits.Store(0)
	if err := ask("t3"); err != nil {
		t.Fatal(err)
	}
	clock = mkNow.Add(11 * time.Second)
	f.set(http.StatusOK, map[string]any{"active": false})
	var te *tokenError
	if err := ask("t3"); !errors.As(err, &te) || f.hits.Load() != 2 {
		t.Fatalf("after the token's expiry: %v, %d requests; want it asked again and refused", err, f.hits.Load())
	}
	// The refusal is remembered for negativeTTL.
	f.set(http.StatusOK, activeAnswer())
	clock = clock.Add(negativeTTL)
	if err := ask("t3"); !errors.As(err, &te) || f.hits.Load() != 2 {
		t.Fatalf("within negativeTTL: %v, %d requests", err, f.hits.Load())
	}
	clock = clock.Add(time.Second)
	if err := ask("t3"); err != nil || f.hits.Load() != 3 {
		t.Fatalf("after negativeTTL: %v, %d requests", err, f.hits.Load())
	}
}

func TestOpaqueCacheBound(t *testing.T) {
	fill := func(c *opaqueCache, now time.Time, shortLived bool) {
		for i := 0; i < opaqueCacheMax; i++ {
			var k [32]byte
			k[0], k[1], k[2] = byte(i), byte(i>>8), byte(i>>16)
			until := now.Add(time.Hour)
			if shortLived && i%2 == 0 {
				until = now.Add(time.Second)
			}
			c.put(k, opaqueEntry{until: until}, now)
		}
		if len(c.entries) != opaqueCacheMax {
			t.Fatalf("%d entries after filling, want %d", len(c.entries), opaqueCacheMax)
		}
	}
	var fresh [32]byte
	fresh[31] = 1
	// Full, half of it expired by now: the expired half goes.
	c := newOpaqueCache()
	fill(c, mkNow, true)
	later := mkNow.Add(2 * time.Second)
	c.put(fresh, opaqueEntry{until: later.Add(time.Hour)}, later)
	if n := len(c.entries); n != opaqueCacheMax/2+1 {
		t.Fatalf("%d entries after pruning, want the %d live ones and the new one", n, opaqueCacheMax/2)
	}
	if _, ok := c.get(fresh, later.Add(time.Hour)); !ok {
		t.Fatal("entry gone at its expiry second")
	}
	if _, ok := c.get(fresh, later.Add(time.Hour+time.Nanosecond)); ok {
		t.Fatal("entry served after its expiry")
	}
	// Full of live entries: everything goes but the new one.
	c = newOpaqueCache()
	fill(c, mkNow, false)
	c.put(fresh, opaqueEntry{until: later.Add(time.Hour)}, later)
	if n := len(c.entries); n != 1 {
		t.Fatalf("%d entries after a full cache was cleared, want 1", n)
	}
}

func TestUserinfoMode(t *testing.T) {
	f := newFakeIdP(t)
	f.set(http.StatusOK, map[string]any{"sub": "u-1", "preferred_username": "alice", "scope": "everything"})
	clock := mkNow
	rs, ep := opaqueRS(t, f, OpaqueUserinfo, &clock)
	id, err := rs.validateOpaque(context.Background(), ep, "tok", "")
	if err != nil || id.UserID != "alice" || len(id.Scopes) != 1 || id.Scopes[0] != "notes:read" {
		t.Fatalf("userinfo: %+v, %v (scopes must be the configured ones)", id, err)
	}
	if f.auth != "Bearer tok" {
		t.Fatalf("userinfo sent %q", f.auth)
	}
	var te *tokenError
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		f.set(status, nil)
		if _, err := rs.validateOpaque(context.Background(), ep, "tok-"+http.StatusText(status), ""); !errors.As(err, &te) ||
			!strings.Contains(err.Error(), fmt.Sprintf("does not accept the token (userinfo answered %d)", status)) {
			t.Errorf("userinfo %d: %v, want a token error", status, err)
		}
	}
	f.set(http.StatusBadGateway, nil)
	if _, err := rs.validateOpaque(context.Background(), ep, "tok-502", ""); err == nil || errors.As(err, &te) {
		t.Errorf("userinfo 502: %v, want an outage error", err)
	}
	f.set(http.StatusOK, map[string]any{"preferred_username": "alice"})
	if _, err := rs.validateOpaque(context.Background(), ep, "tok-nosub", ""); !errors.As(err, &te) {
		t.Errorf("userinfo without sub: %v", err)
	}
	if _, err := rs.validateOpaque(context.Background(), &endpoints{}, "tok-noep", ""); err == nil || !strings.Contains(err.Error(), "userinfo_endpoint") {
		t.Errorf("no userinfo endpoint: %v", err)
	}
}

func TestBearerTokenParsing(t *testing.T) {
	for _, tc := range []struct {
		header, tok string
		code        string
	}{
		{"Bearer abc", "abc", ""},
		{"bearer abc", "abc", ""},
		{"BEARER  abc ", "abc", ""},
		{"", "", "none"},
		{"Basic abc", "", "invalid_request"},
		{"Bearerabc", "", "invalid_request"},
		{"Bearer ", "", "invalid_token"},
		{"Bearer a b", "", "invalid_token"},
		{"Bearer a\tb", "", "invalid_token"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		tok, err := bearerToken(r)
		var ae *AuthError
		switch {
		case tc.code == "" && (err != nil || tok != tc.tok):
			t.Errorf("%q: %q, %v; want %q", tc.header, tok, err, tc.tok)
		case tc.code == "none" && !errors.Is(err, ErrNoToken):
			t.Errorf("%q: %v, want ErrNoToken", tc.header, err)
		case tc.code != "" && tc.code != "none" && (!errors.As(err, &ae) || ae.Code != tc.code || ae.Status != http.StatusUnauthorized):
			t.Errorf("%q: %v, want %s", tc.header, err, tc.code)
		}
	}
}

// An IdP answer that is not a JSON object is the IdP's failure.
func TestIdPAnswerNotJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }))
	defer srv.Close()
	clock := mkNow
	for _, mode := range []OpaqueMode{OpaqueIntrospect, OpaqueUserinfo} {
		f := &fakeIdP{srv: srv}
		rs, ep := opaqueRS(t, f, mode, &clock)
		_, err := rs.validateOpaque(context.Background(), ep, "tok-"+string(mode), "")
		var te *tokenError
		if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "answer is not a JSON object") {
			t.Errorf("%s: %v", mode, err)
		}
	}
}

// quoteSafe keeps printable ASCII (space to ~) and replaces the rest, and
// the quote and backslash, so a header parameter stays inside its quotes.
func TestQuoteSafe(t *testing.T) {
	for in, want := range map[string]string{
		" ~":        " ~",
		"a\x1fb":    "a'b",
		"a\x7fb":    "a'b",
		`say "hi"`:  "say 'hi'",
		`back\path`: "back'path",
		"tab\there": "tab'here",
		"é":         "'",
	} {
		if got := quoteSafe(in); got != want {
			t.Errorf("quoteSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// Only real CORS preflights (OPTIONS with Access-Control-Request-Method)
// pass without a token; a method that merely starts like OPTIONS does not.
func TestPreflightIsExactlyOptions(t *testing.T) {
	rs := &ResourceServer{cfg: Config{ServerURL: "https://mcp.example", MCPPath: "/mcp"}, log: slog.New(slog.DiscardHandler)}
	reached := 0
	h := rs.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ }))
	for _, tc := range []struct {
		method string
		acrm   bool
		pass   bool
	}{
		{http.MethodOptions, true, true},
		{http.MethodOptions, false, false},
		{"OPTIONSX", true, false},
		{http.MethodPost, true, false},
	} {
		reached = 0
		r := httptest.NewRequest(tc.method, "/mcp", nil)
		if tc.acrm {
			r.Header.Set("Access-Control-Request-Method", "POST")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if (reached == 1) != tc.pass || (!tc.pass && w.Code != http.StatusUnauthorized) {
			t.Errorf("%s (preflight header %v): reached=%d status %d", tc.method, tc.acrm, reached, w.Code)
		}
	}
}
