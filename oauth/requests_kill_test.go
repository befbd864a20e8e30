package oauth

import (
	"context"
	"net/http"
	"strings"
	"testing"
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
