package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
)

// stubIdP stands in for the shared IdP: it answers url, or err.
type stubIdP struct {
	url   string
	err   error
	asked atomic.Int32
}

func (s *stubIdP) TokenEndpoint(context.Context) (string, error) {
	s.asked.Add(1)
	return s.url, s.err
}

func (s *stubIdP) Provider(context.Context) (*oidc.Provider, error) {
	s.asked.Add(1)
	return nil, s.err
}

// flakyDiscovery serves a discovery document; down makes it answer 503.
func flakyDiscovery(t *testing.T, down *atomic.Bool, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() || r.URL.Path != "/.well-known/openid-configuration" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","authorization_endpoint":"` + srv.URL + `/auth","token_endpoint":"` + srv.URL + `/token","jwks_uri":"` + srv.URL + `/jwks","revocation_endpoint":"` + srv.URL + `/revoke"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A lazy IdP discovers at first use, again after a failure, and never
// again once discovery worked; a background IdP answers "not ready"
// without asking while its discovery is pending.
func TestIdPDiscoversOnce(t *testing.T) {
	ctx := context.Background()
	var down atomic.Bool
	var hits atomic.Int32
	srv := flakyDiscovery(t, &down, &hits)

	lazy := LazyIdP(srv.URL+"/", srv.Client())
	if hits.Load() != 0 || lazy.Ready() {
		t.Fatal("a lazy IdP discovered before its first use")
	}
	down.Store(true)
	if _, err := lazy.TokenEndpoint(ctx); err == nil || !strings.Contains(err.Error(), lazy.DiscoveryURL()) {
		t.Fatalf("token endpoint of a down IdP: %v", err)
	}
	if lazy.Check(ctx) == nil {
		t.Fatal("a down IdP checks ready")
	}
	down.Store(false)
	for range 3 {
		if u, err := lazy.TokenEndpoint(ctx); err != nil || u != srv.URL+"/token" {
			t.Fatalf("token endpoint = %q %v", u, err)
		}
	}
	if p, err := lazy.Provider(ctx); err != nil || p.Endpoint().AuthURL != srv.URL+"/auth" {
		t.Fatalf("provider: %v", err)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("discovery requests = %d, want 2 (one failed, one that worked)", n)
	}
	if !lazy.Ready() || lazy.Check(ctx) != nil || lazy.Issuer() != srv.URL {
		t.Errorf("ready %v check %v issuer %q", lazy.Ready(), lazy.Check(ctx), lazy.Issuer())
	}

	down.Store(true)
	hits.Store(0)
	bg, err := NewIdP(ctx, IdPConfig{Issuer: srv.URL, HTTPClient: srv.Client(), DiscoveryRetry: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	defer bg.Close()
	if _, err := bg.TokenEndpoint(ctx); !errors.Is(err, errNotReady) {
		t.Fatalf("pending discovery: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("a pending IdP asked %d times, want only at start", n)
	}
	if _, err := NewIdP(ctx, IdPConfig{Issuer: "ftp://x"}); err == nil || !strings.Contains(err.Error(), "OIDC_ISSUER") {
		t.Errorf("bad issuer: %v", err)
	}
}

// Revocation posts the token to the discovered revocation_endpoint as
// the client, and reports an IdP that refuses.
func TestIdPRevokeRefreshToken(t *testing.T) {
	var got url.Values
	var user string
	status := http.StatusOK
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","token_endpoint":"` + srv.URL + `/token","jwks_uri":"` + srv.URL + `/jwks","revocation_endpoint":"` + srv.URL + `/revoke"}`))
		case "/revoke":
			_ = r.ParseForm()
			got = r.Form
			user, _, _ = r.BasicAuth()
			w.WriteHeader(status)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	idp := LazyIdP(srv.URL, srv.Client())
	ctx := context.Background()
	if err := idp.RevokeRefreshToken(ctx, "c", "s", "rt-1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("token") != "rt-1" || got.Get("token_type_hint") != "refresh_token" || user != "c" {
		t.Fatalf("revocation request: %v as %q", got, user)
	}
	status = http.StatusBadRequest
	if err := idp.RevokeRefreshToken(ctx, "c", "s", "rt-2"); err == nil || !strings.Contains(err.Error(), "400") || strings.Contains(err.Error(), "rt-2") {
		t.Fatalf("refused revocation: %v", err)
	}
}
