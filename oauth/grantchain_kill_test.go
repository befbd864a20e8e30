package oauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Forget on the chain also drops the offline grant's cached access token,
// so the next request refreshes (a revoked grant is noticed at once).
func TestGrantChainForgetReachesOfflineGrants(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{"rt-alice": "alice"}}
	o, db := offlineWith(t, f)
	if err := db.SaveToken(ctx, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt-alice"}); err != nil {
		t.Fatal(err)
	}
	g := &GrantChain{Offline: o}
	first, _, err := g.Token(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := g.Token(ctx, "alice"); err != nil || again.AccessToken != first.AccessToken {
		t.Fatalf("second Token = %v, %v; want the cached %s", again, err, first.AccessToken)
	}
	g.Forget("alice")
	after, _, err := g.Token(ctx, "alice")
	if err != nil || after.AccessToken == first.AccessToken {
		t.Fatalf("Token after Forget = %v, %v; want a new token, not %s", after, err, first.AccessToken)
	}
}

// A stored app password that cannot be read (the store fails) is logged
// and the chain goes on to token grants instead of failing silently.
func TestGrantChainUnusableAppPasswordIsLogged(t *testing.T) {
	nc, m, db := newLoginFlowFixture(t)
	db.Close()
	var logs bytes.Buffer
	g := &GrantChain{AppPasswords: m, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := g.Client(context.Background(), base, "alice"); c != nil || !errors.Is(err, ErrNoGrant) {
		t.Fatalf("Client = %v, %v; want ErrNoGrant from the token grants", c, err)
	}
	if !strings.Contains(logs.String(), "stored app password unusable") || !strings.Contains(logs.String(), "user=alice") {
		t.Fatalf("log:\n%s", logs.String())
	}
	// Not provisioned at all is the normal case: nothing logged.
	logs.Reset()
	_, m2, _ := newLoginFlowFixture(t)
	g.AppPasswords = m2
	if _, err := g.Client(context.Background(), base, "alice"); !errors.Is(err, ErrNoGrant) {
		t.Fatalf("Client = %v", err)
	}
	if logs.Len() != 0 {
		t.Fatalf("a user without app password was logged:\n%s", logs.String())
	}
}
