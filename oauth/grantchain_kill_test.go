package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// Forget on the chain also drops the offline grant's cached access token,
// so the next request refreshes (a revoked grant is noticed at once).
func TestGrantChainForgetReachesOfflineGrants(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{"rt-alice": "alice"}}
	o, _ := offlineWith(t, f, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt-alice"})
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

// refresh_expires_in of a refresh answer becomes the stored grant's new
// expiry; 0 (Keycloak's offline tokens) leaves it unset.
func TestOfflineRefreshStoresGrantExpiry(t *testing.T) {
	ctx := context.Background()
	for _, secs := range []int{3600, 0} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "refresh_expires_in": secs})
		}))
		t.Cleanup(srv.Close)
		db := storetest.TokenStore(t)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		o, err := NewOfflineGrants(OfflineConfig{Store: db, TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret", Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		saveToken(t, db, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt"})
		if _, err := o.AccessToken(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		tok, err := db.Token(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		want := time.Time{}
		if secs > 0 {
			want = now.Add(time.Duration(secs) * time.Second)
		}
		if !tok.ExpiresAt.Equal(want) {
			t.Fatalf("refresh_expires_in %d: stored expiry %v, want %v", secs, tok.ExpiresAt, want)
		}
	}
}

// A refresh answer's scope replaces the stored scopes; an empty scope
// keeps them (it says nothing about what was granted).
func TestOfflineRefreshScopeAnswer(t *testing.T) {
	ctx := context.Background()
	for answer, want := range map[string]string{"": "openid offline_access notes:read", "openid notes:read": "openid notes:read"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "scope": answer})
		}))
		t.Cleanup(srv.Close)
		db := storetest.TokenStore(t)
		o, err := NewOfflineGrants(OfflineConfig{Store: db, TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveToken(ctx, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt",
			Scopes: []string{"openid", "offline_access", "notes:read"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := o.AccessToken(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		tok, err := db.Token(ctx, "alice")
		if err != nil || strings.Join(tok.Scopes, " ") != want {
			t.Fatalf("scope answer %q: stored scopes %v (%v), want %q", answer, tok.Scopes, err, want)
		}
	}
}
