package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// A discovery document without the endpoints a feature needs makes that
// feature fail naming what is missing; revocation at an endpoint that
// cannot be asked fails naming the request.
func TestIdPDocumentGaps(t *testing.T) {
	ctx := context.Background()
	var extra atomic.Value
	extra.Store("")
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","jwks_uri":"` + srv.URL + `/jwks"` + extra.Load().(string) + `}`))
	}))
	t.Cleanup(srv.Close)
	idp := LazyIdP(srv.URL, srv.Client())
	if _, err := idp.TokenEndpoint(ctx); err == nil || !strings.Contains(err.Error(), "names no token_endpoint") {
		t.Errorf("token endpoint: %v", err)
	}
	if err := idp.RevokeRefreshToken(ctx, "c", "s", "rt-1"); err == nil || !strings.Contains(err.Error(), "publishes no revocation_endpoint") {
		t.Errorf("revocation without endpoint: %v", err)
	}
	for rev, want := range map[string]string{
		"https://idp.example/\x7f":  "build revocation request",
		"http://127.0.0.1:1/revoke": "revocation request",
	} {
		extra.Store(`,"revocation_endpoint":"` + strings.ReplaceAll(rev, "\x7f", `\u007f`) + `"`)
		idp := LazyIdP(srv.URL, srv.Client())
		if err := idp.RevokeRefreshToken(ctx, "c", "s", "rt-secret"); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "rt-secret") {
			t.Errorf("revocation at %q: %v, want %q", rev, err, want)
		}
	}
	down := LazyIdP("http://127.0.0.1:1", nil)
	if err := down.RevokeRefreshToken(ctx, "c", "s", "rt-1"); err == nil || !strings.Contains(err.Error(), "discover http://127.0.0.1:1") {
		t.Errorf("revocation at an unreachable IdP: %v", err)
	}
}

// A background IdP keeps retrying a failed discovery, logging each
// failure, until the IdP answers; WaitReady given up early returns the
// discovery error, not just "context canceled".
func TestIdPBackgroundRetry(t *testing.T) {
	var down atomic.Bool
	var hits atomic.Int32
	down.Store(true)
	srv := flakyDiscovery(t, &down, &hits)
	var logs testutil.SyncBuffer
	idp, err := NewIdP(context.Background(), IdPConfig{Issuer: srv.URL, HTTPClient: srv.Client(), DiscoveryRetry: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := idp.WaitReady(gone); err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("WaitReady while down = %v, want the discovery error", err)
	}
	for hits.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	down.Store(false)
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := idp.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady after the IdP came back: %v", err)
	}
	if idp.Check(ctx) != nil || idp.DiscoveryError() != nil {
		t.Fatalf("ready IdP: check %v, error %v", idp.Check(ctx), idp.DiscoveryError())
	}
	if !strings.Contains(logs.String(), "OIDC discovery still failing") {
		t.Fatalf("retries not logged:\n%s", logs.String())
	}
}

// Zero settings get their defaults: a discovery retry of 0 would ask a
// down IdP in a busy loop.
func TestIdPConfigDefaults(t *testing.T) {
	for _, retry := range []time.Duration{0, -time.Second} {
		c := IdPConfig{Issuer: "https://idp.example/", DiscoveryRetry: retry}
		if err := c.defaults(); err != nil {
			t.Fatal(err)
		}
		if c.DiscoveryRetry != 2*time.Second || c.HTTPClient == nil || c.Logger == nil || c.Issuer != "https://idp.example" {
			t.Errorf("retry %v: defaults %+v", retry, c)
		}
	}
	c := IdPConfig{Issuer: "https://idp.example", DiscoveryRetry: time.Millisecond}
	if err := c.defaults(); err != nil || c.DiscoveryRetry != time.Millisecond {
		t.Errorf("a set retry was changed: %v, %v", c.DiscoveryRetry, err)
	}
}

// WaitReady on an IdP that has not tried discovery yet (lazy) returns the
// context's error when the caller gives up.
func TestIdPWaitReadyGivesUp(t *testing.T) {
	lazy := LazyIdP("https://idp.example", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lazy.WaitReady(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitReady = %v, want context.Canceled", err)
	}
}
