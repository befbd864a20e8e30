package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Each user gets access tokens of their own grant, cached apart: a
// forgotten or failing user does not touch another's token.
func TestOfflineGrantsPerUser(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{"rt-alice": "alice", "rt-bob": "bob"}}
	o, db := offlineWith(t, f)
	for _, u := range []string{"alice", "bob"} {
		saveToken(t, db, storage.Token{UserID: u, Issuer: "i", Subject: "s-" + u, RefreshToken: "rt-" + u})
	}
	get := func(u string) string {
		t.Helper()
		tok, err := o.AccessToken(ctx, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		return tok.AccessToken
	}
	a, b := get("alice"), get("bob")
	if !strings.HasPrefix(a, "at-alice-") || !strings.HasPrefix(b, "at-bob-") {
		t.Fatalf("tokens %q %q", a, b)
	}
	o.Forget("alice")
	if get("bob") != b || f.n != 2 {
		t.Fatalf("bob's cached token not reused after alice was forgotten (%d refreshes)", f.n)
	}
	if a2 := get("alice"); a2 == a || !strings.HasPrefix(a2, "at-alice-") || f.n != 3 {
		t.Fatalf("alice after Forget: %q (%d refreshes)", a2, f.n)
	}
	if !o.Has(ctx, "alice") || o.Has(ctx, "carol") {
		t.Fatal("Has")
	}
	// bob's grant refused at the IdP goes; alice's stays.
	f.mu.Lock()
	delete(f.valid, "rt-bob")
	f.mu.Unlock()
	o.Forget("bob")
	if _, err := o.AccessToken(ctx, "bob"); !errors.Is(err, storage.ErrRevoked) {
		t.Fatalf("bob's refused grant: %v", err)
	}
	if get("alice") == "" || !o.Has(ctx, "alice") {
		t.Fatal("alice lost her grant with bob's")
	}
	if _, err := o.AccessToken(ctx, "carol"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no grant: %v", err)
	}
}

func TestOfflineRefreshFailureKeepsGrant(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{"rt-alice": "alice"}}
	o, _ := offlineWith(t, f, storage.Token{UserID: "alice", RefreshToken: "rt-alice"})
	o.endpoint = &stubIdP{err: errors.New("IdP not discovered")}
	if _, err := o.AccessToken(ctx, "alice"); err == nil || errors.Is(err, storage.ErrRevoked) || !strings.Contains(err.Error(), "IdP not discovered") {
		t.Fatalf("endpoint failure: %v", err)
	}
	o.endpoint = fixedEndpoint("http://127.0.0.1:1/token")
	if _, err := o.AccessToken(ctx, "alice"); err == nil || errors.Is(err, storage.ErrRevoked) || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("unreachable IdP: %v", err)
	}
	if !o.Has(ctx, "alice") {
		t.Fatal("grant deleted after a failure that is not invalid_grant")
	}
}

func TestOfflineConfigAndHelpers(t *testing.T) {
	db := &storage.DB{}
	for name, c := range map[string]OfflineConfig{
		"no store":    {TokenURL: "u", ClientID: "c"},
		"no endpoint": {Store: db, ClientID: "c"},
		"no client":   {Store: db, TokenURL: "u"},
	} {
		if _, err := NewOfflineGrants(c); err == nil || !strings.Contains(err.Error(), "offline access needs") {
			t.Errorf("%s: %v", name, err)
		}
	}
	now := time.Unix(1_760_000_000, 0)
	for _, tc := range []struct {
		tok *oauth2.Token
		ok  bool
	}{
		{nil, false},
		{&oauth2.Token{}, false},
		{&oauth2.Token{AccessToken: "a"}, true},
		{&oauth2.Token{AccessToken: "a", Expiry: now.Add(31 * time.Second)}, true},
		{&oauth2.Token{AccessToken: "a", Expiry: now.Add(30 * time.Second)}, false},
	} {
		if got := usable(tc.tok, now); got != tc.ok {
			t.Errorf("usable(%+v) = %v", tc.tok, got)
		}
	}
	tok := (&oauth2.Token{}).WithExtra(map[string]any{"f": float64(60), "i": int64(7), "s": "90", "bad": "x", "b": true})
	for key, want := range map[string]int64{"f": 60, "i": 7, "s": 90, "bad": 0, "b": 0, "missing": 0} {
		if got := extraSeconds(tok, key); got != want {
			t.Errorf("extraSeconds(%s) = %d, want %d", key, got, want)
		}
	}
}
