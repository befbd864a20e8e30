package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Survivors of the seed-1 `make mutate` sample.

// A token whose kid is a prefix of a published key's kid is not checked
// against that key.
func TestJWKSKidMatchesExactly(t *testing.T) {
	key := newMKKey(t, "k1-rotated")
	s := newJWKSServer(t, key.public("sig", "RS256"))
	clock := mkNow
	ks := s.keySet(&clock)
	if err := verifyWith(t, ks, key.sign(t, "k1", mkClaims())); err == nil {
		t.Fatal("kid k1 verified with the key k1-rotated")
	}
	if err := verifyWith(t, ks, key.sign(t, "k1-rotated", mkClaims())); err != nil {
		t.Fatalf("exact kid refused: %v", err)
	}
}

// A refresh asked for keys older than the last fetch does not fetch again
// (concurrent callers that all saw the same unknown kid fetch once).
func TestJWKSRefreshOncePerGeneration(t *testing.T) {
	key := newMKKey(t, "k1")
	s := newJWKSServer(t, key.public("sig", "RS256"))
	clock := mkNow
	ks := s.keySet(&clock)
	seen := clock.Add(-time.Second)
	if err := ks.refresh(context.Background(), seen); err != nil {
		t.Fatal(err)
	}
	if err := ks.refresh(context.Background(), seen); err != nil {
		t.Fatal(err)
	}
	if n := s.hits.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches, want 1 (the second caller saw keys newer than it asked for)", n)
	}
	clock = clock.Add(time.Minute)
	if err := ks.refresh(context.Background(), clock); err != nil {
		t.Fatal(err)
	}
	if n := s.hits.Load(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2", n)
	}
}

// An introspection endpoint that cannot be reached, or whose answer
// breaks off, is the IdP's failure: a plain error, not a refused token.
func TestIntrospectionTransportFailures(t *testing.T) {
	clock := mkNow
	f := newFakeIdP(t)
	rs, ep := opaqueRS(t, f, OpaqueIntrospect, &clock)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	ep.introspection = closed + "/introspect"
	_, err = rs.validateOpaque(context.Background(), ep, "tok-down", "")
	var te *tokenError
	if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "introspection request to the identity provider failed") {
		t.Fatalf("unreachable endpoint: %v", err)
	}

	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"active":true,`))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(cut.Close)
	ep.introspection = cut.URL + "/introspect"
	id, err := rs.validateOpaque(context.Background(), ep, "tok-cut", "")
	if err == nil || id != nil || errors.As(err, &te) || !strings.Contains(err.Error(), "read introspection answer") {
		t.Fatalf("answer cut off: %+v, %v", id, err)
	}
}

// A discovery document without jwks_uri is refused with a message naming it.
func TestDiscoveryWithoutJWKS(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","authorization_endpoint":"` + srv.URL + `/auth","token_endpoint":"` + srv.URL + `/token"}`))
	}))
	t.Cleanup(srv.Close)
	idp := LazyIdP(srv.URL, srv.Client())
	ep, err := idp.fetchDiscovery(context.Background())
	if ep != nil {
		t.Fatalf("endpoints %+v from a document without jwks_uri", ep)
	}
	if err == nil || !strings.Contains(err.Error(), "names no jwks_uri") {
		t.Fatalf("err = %v, want one naming the missing jwks_uri", err)
	}
}
