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

// An endpoint URL that cannot make a request (a control character, say
// from a bad discovery document) is an error naming the request, not a
// panic or a request to somewhere else.
func TestRequestsToMalformedURLs(t *testing.T) {
	ctx := context.Background()
	const bad = "https://idp.example/\x7f"
	if _, err := newKeySet(bad, http.DefaultClient).fetch(ctx); err == nil || !strings.Contains(err.Error(), "build JWKS request") {
		t.Errorf("JWKS: %v", err)
	}
	ex := NewExchanger(bad, "mcp", "secret", http.DefaultClient)
	if _, err := ex.Exchange(ctx, ExchangeRequest{SubjectToken: "tok"}); err == nil || !strings.Contains(err.Error(), "build token exchange request") {
		t.Errorf("exchange: %v", err)
	}
	f := newFakeIdP(t)
	clock := mkNow
	for mode, want := range map[OpaqueMode]string{OpaqueIntrospect: "build introspection request", OpaqueUserinfo: "build userinfo request"} {
		rs, _ := opaqueRS(t, f, mode, &clock)
		if _, err := rs.validateOpaque(ctx, &endpoints{introspection: bad, userinfo: bad}, "tok-"+string(mode), ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", mode, err, want)
		}
	}
	if f.hits.Load() != 0 {
		t.Errorf("%d requests reached the IdP", f.hits.Load())
	}
}

// The cache observer hears one miss per new opaque token and a hit for
// each repeat.
func TestOpaqueCacheObserver(t *testing.T) {
	f := newFakeIdP(t)
	clock := mkNow
	rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
	var seen []string
	rs.cfg.CacheObserver = func(cache, result string) { seen = append(seen, cache+":"+result) }
	f.set(http.StatusOK, activeAnswer())
	for range 2 {
		if _, err := rs.validateOpaque(context.Background(), ep, "tok", ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(seen, " "); got != "introspection:miss introspection:hit" {
		t.Fatalf("observed %q", got)
	}
}

// A token exchanged without expires_in is reused for untimedTTL (then
// exchanged again), and the observer hears each lookup's hit or miss.
func TestExchangeCacheUntimedToken(t *testing.T) {
	e := newTokenEndpoint(t)
	e.body = `{"access_token":"nc-token","token_type":"Bearer"}`
	c := NewExchangeCache(NewExchanger(e.srv.URL, "srv", "s", e.srv.Client()), 10*time.Second)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var seen []string
	c.Observe = func(cache, result string) { seen = append(seen, cache+":"+result) }
	var exchanges int
	get := func() {
		t.Helper()
		e.mu.Lock()
		e.form = nil
		e.mu.Unlock()
		tok, err := c.Token(context.Background(), "alice", ExchangeRequest{SubjectToken: "subj", Audience: []string{"nextcloud"}})
		if err != nil || tok.AccessToken != "nc-token" {
			t.Fatalf("Token = %v, %v", tok, err)
		}
		e.mu.Lock()
		if e.form != nil {
			exchanges++
		}
		e.mu.Unlock()
	}
	get()
	now = now.Add(untimedTTL - time.Second) // still within the minute, early margin included
	get()
	now = now.Add(2 * time.Second) // past the minute
	get()
	if exchanges != 2 {
		t.Fatalf("%d exchanges, want 2 (the second lookup reuses the first token)", exchanges)
	}
	if got := strings.Join(seen, " "); got != "exchange:miss exchange:hit exchange:miss" {
		t.Fatalf("observed %q", got)
	}
}

// A refusal without status is a 401; a 403 that names no scope names the
// scopes this server supports, so the client knows what to ask for.
func TestRefuseFillsStatusAndScope(t *testing.T) {
	cfg := Config{Issuer: "https://idp.example", ServerURL: "https://mcp.example", ClientID: "mcp", ClientSecret: "s",
		ScopesSupported: func() []string { return []string{"notes:read", "files:read"} }}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	rs := &ResourceServer{cfg: cfg, log: cfg.Logger}
	r := httptest.NewRequest(http.MethodGet, "https://mcp.example/mcp", nil)

	w := httptest.NewRecorder()
	rs.refuse(w, r, &AuthError{Code: "invalid_token", Description: "expired"})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("no status: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}

	w = httptest.NewRecorder()
	rs.refuse(w, r, &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope"})
	if w.Code != http.StatusForbidden || !strings.Contains(w.Header().Get("WWW-Authenticate"), `scope="notes:read files:read"`) {
		t.Fatalf("403 without scope: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}

	w = httptest.NewRecorder()
	rs.refuse(w, r, &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope", Scope: "files:write"})
	if h := w.Header().Get("WWW-Authenticate"); !strings.Contains(h, `scope="files:write"`) || strings.Contains(h, "notes:read") {
		t.Fatalf("403 with scope: %q", h)
	}
}

// Only the exact invalid_grant code means the grant is gone (and is
// deleted); a code that merely starts with it does not.
func TestIsInvalidGrantIsExact(t *testing.T) {
	for code, want := range map[string]bool{"invalid_grant": true, "invalid_grant_type": false, "invalid_grants": false, "invalid_request": false, "": false} {
		if got := isInvalidGrant(&oauth2.RetrieveError{ErrorCode: code}); got != want {
			t.Errorf("isInvalidGrant(%q) = %v, want %v", code, got, want)
		}
	}
	if isInvalidGrant(errors.New("invalid_grant")) {
		t.Error("a plain error counts as invalid_grant")
	}
}

// The exchange cache prunes lapsed tokens once it holds 4096: the entry
// that makes it 4096 triggers the prune.
func TestExchangeCachePrunesAtItsBound(t *testing.T) {
	e := newTokenEndpoint(t)
	e.body = `{"access_token":"nc-token","token_type":"Bearer","expires_in":300}`
	c := NewExchangeCache(NewExchanger(e.srv.URL, "srv", "s", e.srv.Client()), time.Second)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	for i := range 4095 {
		c.entries[fmt.Sprintf("old-%d", i)] = &oauth2.Token{AccessToken: "old", Expiry: now.Add(-time.Minute)}
	}
	if _, err := c.Token(context.Background(), "alice", ExchangeRequest{SubjectToken: "subj"}); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d entries after the 4096th, want the lapsed ones pruned (1 left)", n)
	}
}
