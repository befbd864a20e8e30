package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestStaleKeysVerifyWhileIdPDown: once the cached JWKS is older than its
// maximum age the key set tries to refresh it; with the IdP down the stale
// keys keep verifying the tokens they signed, while a token of an unknown
// key is an outage error (503 upstream), not "unknown key" (401). When the
// IdP is back the refresh succeeds and the new key verifies.
func TestStaleKeysVerifyWhileIdPDown(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "app", Audience: []string{"srv"}})
	p.AddUser(oidctest.User{Username: "alice"})
	ks := newKeySet(p.JWKSURL(), p.HTTPClient())
	clock := time.Now()
	ks.now = func() time.Time { return clock }
	ctx := context.Background()
	parse := func(raw string) *jose.JSONWebSignature {
		t.Helper()
		jws, err := jose.ParseSignedCompact(raw, allowedAlgs)
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	tok := p.UserToken(t, "alice", "app")
	if _, err := ks.verify(ctx, parse(tok)); err != nil {
		t.Fatalf("with the IdP up: %v", err)
	}

	p.Down(true)
	p.ResetCounts()
	clock = clock.Add(ks.maxAge + time.Minute)
	if _, err := ks.verify(ctx, parse(tok)); err != nil {
		t.Fatalf("stale cached key while the IdP is down: %v", err)
	}
	// The refresh runs in the background: wait for its one attempt.
	for i := 0; i < 200 && (p.Count(oidctest.CountJWKS) < 1 || ks.refreshing.Load()); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.Count(oidctest.CountJWKS); n != 1 {
		t.Errorf("stale cache caused %d JWKS requests, want 1 refresh attempt", n)
	}
	// After a failed refresh the next requests do not ask the IdP again.
	for range 5 {
		if _, err := ks.verify(ctx, parse(tok)); err != nil {
			t.Fatalf("stale cached key while the IdP is down: %v", err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := p.Count(oidctest.CountJWKS); n != 1 {
		t.Errorf("a down IdP was asked %d times, want 1 (backoff after a failed refresh)", n)
	}

	p.RotateKey(true)
	rotated := parse(p.SignJWT(jwtClaims(t, tok)))
	_, err := ks.verify(ctx, rotated)
	if err == nil || errors.Is(err, errUnknownKey) || !strings.Contains(err.Error(), p.JWKSURL()) {
		t.Fatalf("unknown key while the IdP is down: %v, want a fetch error naming %s", err, p.JWKSURL())
	}

	p.Down(false)
	if _, err := ks.verify(ctx, rotated); err != nil {
		t.Fatalf("rotated key after the IdP is back: %v", err)
	}
	if _, err := ks.verify(ctx, parse(tok)); err != nil {
		t.Fatalf("old key (still published) after the refresh: %v", err)
	}
}
