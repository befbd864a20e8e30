package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Impersonated tokens are cached per user: one user's token is never
// served for another, and Forget drops only that user's.
func TestGrantChainImpersonationPerUser(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300}
	sa := saAt(t, f)
	calls := map[string]int{}
	now := time.Now()
	imp := func(_ context.Context, _ string, user string) (*oauth2.Token, error) {
		calls[user]++
		return &oauth2.Token{AccessToken: "imp-" + user, Expiry: now.Add(time.Hour)}, nil
	}
	g := &GrantChain{ServiceAccount: sa, Impersonate: imp, Now: func() time.Time { return now }}
	for _, u := range []string{"dave", "erin", "dave", "erin"} {
		tok, grant, err := g.Token(ctx, u)
		if err != nil || grant != GrantImpersonation || tok.AccessToken != "imp-"+u {
			t.Fatalf("%s: %v %s %v", u, tok, grant, err)
		}
	}
	if calls["dave"] != 1 || calls["erin"] != 1 {
		t.Fatalf("impersonations %v, want one each", calls)
	}
	g.Forget("dave")
	_, _, _ = g.Token(ctx, "dave")
	_, _, _ = g.Token(ctx, "erin")
	if calls["dave"] != 2 || calls["erin"] != 1 {
		t.Fatalf("after Forget(dave): %v", calls)
	}
	// Near expiry (30s) the token is renewed.
	now = now.Add(time.Hour - 30*time.Second)
	_, _, _ = g.Token(ctx, "erin")
	if calls["erin"] != 2 {
		t.Fatalf("token 30s before expiry reused: %v", calls)
	}
	if _, _, err := g.Token(ctx, ""); !errors.Is(err, ErrNoGrant) {
		t.Fatalf("no user: %v", err)
	}
	// A failing service account is the reason given.
	f.ccError = "unauthorized_client"
	sa.Invalidate()
	g.Forget("frank")
	if _, _, err := g.Token(ctx, "frank"); !errors.Is(err, ErrNoGrant) || !strings.Contains(err.Error(), "impersonation: service-account login") {
		t.Fatalf("service account failing: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f.ccError = ""
	failing := &GrantChain{ServiceAccount: sa, Impersonate: func(ctx context.Context, _ string, _ string) (*oauth2.Token, error) {
		return nil, ctx.Err()
	}}
	if _, _, err := failing.Token(cctx, "gina"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoGrant) {
		t.Fatalf("cancelled: %v", err)
	}
}

// An unusable offline grant is reported with its reason and the chain goes
// on to impersonation; a cancelled request stops it.
func TestGrantChainOfflineFailures(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{}}
	o, db := offlineWith(t, f, storage.Token{UserID: "hank", RefreshToken: "rt-revoked"})
	g := &GrantChain{Offline: o}
	_, _, err := g.Token(ctx, "hank")
	if !errors.Is(err, ErrNoGrant) || !strings.Contains(err.Error(), "offline access: the identity provider no longer accepts") {
		t.Fatalf("revoked offline grant: %v", err)
	}
	saveToken(t, db, storage.Token{UserID: "ivy", RefreshToken: "rt-x"})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := g.Token(cctx, "ivy"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Client fails early with the chain's reason, prefers a stored app
// password, and its requests carry the user's token.
func TestGrantChainClient(t *testing.T) {
	ctx := context.Background()
	nc, m, _ := newLoginFlowFixture(t)
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g := &GrantChain{AppPasswords: m}
	if _, err := g.Client(ctx, base, "alice"); !errors.Is(err, ErrNoGrant) {
		t.Fatalf("no grant: %v", err)
	}
	if err := approveAndWait(t, nc, m, "alice", "alice"); err != nil {
		t.Fatal(err)
	}
	c, err := g.Client(ctx, base, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.CurrentUser(ctx); err != nil || me.ID != "alice" {
		t.Fatalf("app password client: %+v, %v", me, err)
	}
	var asked []string
	tg := &GrantChain{ServiceAccount: mustSA(t), Impersonate: func(_ context.Context, _ string, user string) (*oauth2.Token, error) {
		asked = append(asked, user)
		return &oauth2.Token{AccessToken: "imp-" + user, Expiry: time.Now().Add(time.Hour)}, nil
	}}
	if _, err := tg.Client(ctx, base, "bob"); err != nil || len(asked) != 1 || asked[0] != "bob" {
		t.Fatalf("token client: %v, asked %v", err, asked)
	}
	// A grant that fails after the client was made fails its requests
	// with the chain's reason.
	failing := &GrantChain{ServiceAccount: mustSA(t)}
	n := 0
	failing.Impersonate = func(_ context.Context, _ string, user string) (*oauth2.Token, error) {
		if n++; n > 1 {
			return nil, errors.New("impersonation withdrawn")
		}
		return &oauth2.Token{AccessToken: "imp-" + user, Expiry: time.Now().Add(time.Hour)}, nil
	}
	c2, err := failing.Client(ctx, base, "bob")
	if err != nil {
		t.Fatal(err)
	}
	failing.Forget("bob")
	if _, err := c2.CurrentUser(ctx); err == nil || !strings.Contains(err.Error(), "impersonation withdrawn") {
		t.Fatalf("request with a failing grant: %v", err)
	}
}

func mustSA(t *testing.T) *ServiceAccount {
	t.Helper()
	return saAt(t, &fakeTokenEndpoint{expiresIn: 300})
}
