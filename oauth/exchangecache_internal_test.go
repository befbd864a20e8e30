package oauth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// waitFor polls cond until it holds; the deadline only guards against a
// hang, no assertion depends on timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (c *ExchangeCache) waitersFor(user string, r ExchangeRequest) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.flights[cacheKey(user, r)]; ok {
		return f.waiters
	}
	return -1
}

func TestExchangeCacheSharesOneExchange(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "srv", Secret: "s", TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "app", Audience: []string{"srv"}})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "n"})
	p.AddUser(oidctest.User{Username: "alice"})
	p.AddUser(oidctest.User{Username: "bob"})
	alice := p.UserToken(t, "alice", "app", "notes:read")
	bob := p.UserToken(t, "bob", "app", "notes:read")

	// Hold every exchange at the IdP until released.
	release := make(chan struct{})
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.FormValue("grant_type") == GrantTypeTokenExchange {
			<-release
		}
		return false
	})
	cache := NewExchangeCache(NewExchanger(p.TokenURL(), "srv", "s", nil), 0)
	req := ExchangeRequest{SubjectToken: alice, Audience: []string{"nextcloud"}}

	const n = 8
	var wg sync.WaitGroup
	results := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Token(context.Background(), "alice", req)
			errs[i] = err
			if err == nil {
				results[i] = tok.AccessToken
			}
		}()
	}
	// One caller that gives up must not spoil the exchange for the others.
	quitter, quit := context.WithCancel(context.Background())
	quitErr := make(chan error, 1)
	go func() {
		_, err := cache.Token(quitter, "alice", req)
		quitErr <- err
	}()
	waitFor(t, "all callers to join the exchange", func() bool { return cache.waitersFor("alice", req) == n })
	quit()
	if err := <-quitErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v", err)
	}
	waitFor(t, "the exchange to reach the IdP", func() bool { return p.Count(oidctest.CountGrantExchange) >= 1 })
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || results[i] == "" || results[i] != results[0] {
			t.Fatalf("caller %d: %v (token shared: %v)", i, errs[i], results[i] == results[0])
		}
	}
	p.SetFault(nil)

	// Cached until shortly before expiry.
	tok, err := cache.Token(context.Background(), "alice", req)
	if err != nil || tok.AccessToken != results[0] {
		t.Fatalf("cached token not reused: %v", err)
	}
	if got := p.Count(oidctest.CountGrantExchange); got != 1 {
		t.Errorf("%d exchanges reached the IdP for %d concurrent callers and a cached one, want 1", got, n+2)
	}
	// Another user, or another audience, is another exchange.
	if tok, err := cache.Token(context.Background(), "bob", ExchangeRequest{SubjectToken: bob, Audience: []string{"nextcloud"}}); err != nil || tok.AccessToken == results[0] {
		t.Fatalf("bob got alice's token or failed: %v", err)
	}
	if _, err := cache.Token(context.Background(), "alice", ExchangeRequest{SubjectToken: alice}); err != nil {
		t.Fatal(err)
	}
	if got := p.Count(oidctest.CountGrantExchange); got != 3 {
		t.Errorf("exchanges = %d, want 3", got)
	}
	// Near expiry the token is renewed.
	cache.now = func() time.Time { return tok.Expiry.Add(-10 * time.Second) }
	renewed, err := cache.Token(context.Background(), "alice", req)
	if err != nil || renewed.AccessToken == results[0] {
		t.Fatalf("token near expiry not renewed: %v", err)
	}
	cache.now = time.Now
	cache.Forget("alice")
	if _, err := cache.Token(context.Background(), "alice", req); err != nil {
		t.Fatal(err)
	}
	if got := p.Count(oidctest.CountGrantExchange); got != 5 {
		t.Errorf("exchanges after renew and Forget = %d, want 5", got)
	}
}

func TestScopeNormalization(t *testing.T) {
	tests := []struct{ in, want string }{
		{"notes.read", "notes:read"},
		{"notes:read", "notes:read"},
		{"files.write", "files:write"},
		{"openid", "openid"},
		{"offline_access", "offline_access"},
		{"api://x.read", "api://x.read"},
		{".read", ".read"},
	}
	for _, tt := range tests {
		if got := NormalizeScope(tt.in); got != tt.want {
			t.Errorf("NormalizeScope(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	id := &Identity{Scopes: normalizeScopes([]string{"notes.write", "files:read"})}
	for _, c := range []struct {
		scope string
		want  bool
	}{{"notes:read", true}, {"notes.write", true}, {"files:read", true}, {"files:write", false}, {"deck:read", false}} {
		if got := id.HasScope(c.scope); got != c.want {
			t.Errorf("HasScope(%s) = %v", c.scope, got)
		}
	}
}
