package jobs

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestJobsThroughGrantChain runs the notes index for users whose clients
// come from the grant chain: alice by her stored offline grant, bob by
// impersonation, carol by neither. Nextcloud accepts the bearer tokens
// only after asking the provider (introspection).
func TestJobsThroughGrantChain(t *testing.T) {
	ctx := context.Background()
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp", Secret: "mcp-secret", ServiceAccount: true, Impersonation: true, Audience: []string{"mcp", "nextcloud"}})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddUser(oidctest.User{Username: "alice"})
	p.AddUser(oidctest.User{Username: "bob"})

	ncs := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	ncs.SetBearerAuth(func(tok string) (string, bool) {
		info, err := p.Introspect(context.Background(), "nextcloud", tok)
		if err != nil || info["active"] != true {
			return "", false
		}
		u, _ := info["username"].(string)
		return u, u != ""
	})
	str := func(s string) *string { return &s }
	for _, u := range []string{"alice", "bob"} {
		if _, err := ncs.Client(t, u).Notes().Create(ctx, nextcloud.NoteInput{Title: str(u + "'s note"), Content: str("x")}); err != nil {
			t.Fatal(err)
		}
	}

	key, _ := storage.GenerateKey()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "t.db"), storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp", User: "alice", Scopes: []string{"openid", "offline_access"}})
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("alice's login: %v", err)
	}
	if err := db.SaveToken(ctx, storage.Token{UserID: "alice", Issuer: p.Issuer(), Subject: "s", RefreshToken: tok.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	hc := p.HTTPClient()
	offline, _ := oauth.NewOfflineGrants(oauth.OfflineConfig{Store: db, TokenURL: p.TokenURL(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: hc})
	sa, _ := oauth.NewServiceAccount(oauth.ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: "mcp", ClientSecret: "mcp-secret", HTTPClient: hc})
	chain := &oauth.GrantChain{Offline: offline, ServiceAccount: sa,
		Impersonate: oauth.NewExchanger(p.TokenURL(), "mcp", "mcp-secret", hc).Impersonate([]string{"nextcloud"})}
	base, _ := nextcloud.New(nextcloud.Options{BaseURL: ncs.URL, MaxRetries: -1})

	cache := NewNotesCache()
	r, _ := New(Options{
		Accounts: testAccounts{
			client: func(ctx context.Context, user string) (*nextcloud.Client, error) {
				return chain.Client(ctx, base, user)
			},
			users: func(context.Context) ([]string, error) { return []string{"alice", "bob", "carol"}, nil },
		},
	})
	_ = r.Register(cache.Job(notesTestInterval))
	r.RunDue(ctx)

	for _, u := range []string{"alice", "bob"} {
		notes, _, ok := cache.Get(u)
		if !ok || len(notes) != 1 || notes[0].Title != u+"'s note" {
			t.Errorf("%s's index = %+v (status %+v)", u, notes, r.Status(u))
		}
	}
	st := r.Status("carol")
	if len(st) != 1 || st[0].LastOutcome != OutcomeNoGrant || !strings.Contains(st[0].LastError, "has not granted") || !strings.Contains(st[0].LastError, "impersonation") {
		t.Fatalf("carol's status = %+v", st)
	}
	if p.Count(oidctest.CountGrantRefresh) != 1 || p.Count(oidctest.CountGrantExchange) < 1 {
		t.Fatalf("refreshes %d, exchanges %d", p.Count(oidctest.CountGrantRefresh), p.Count(oidctest.CountGrantExchange))
	}
	// alice's refresh rotated her stored token.
	if got, _ := db.Token(ctx, "alice"); got.RefreshToken == tok.RefreshToken {
		t.Fatal("rotated refresh token not stored")
	}
}

const notesTestInterval = 10 * time.Minute
