package oauth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// TestOfflineRefreshOutlivesItsCaller: a caller that gives up while the
// IdP is rotating the grant (a job stopped at shutdown, a lost lease) does
// not cut the refresh off: the rotated refresh token is stored, so the
// grant still refreshes afterwards at an IdP that spends each token on use.
func TestOfflineRefreshOutlivesItsCaller(t *testing.T) {
	ctx := context.Background()
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret"})
	p.AddUser(oidctest.User{Username: "alice"})
	tok, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp-server", User: "alice", Scopes: []string{"openid", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.TokenStore(t)
	saveToken(t, db, storage.Token{UserID: "alice", RefreshToken: tok.RefreshToken})
	o, err := NewOfflineGrants(OfflineConfig{Store: db, TokenURL: p.TokenURL(), ClientID: "mcp-server", ClientSecret: "srv-secret",
		HTTPClient: &http.Client{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// The IdP holds the refresh until the caller has given up, then
	// rotates the token as if the answer were on its way.
	callerGone := make(chan struct{})
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.PostForm.Get("grant_type") == "refresh_token" {
			<-callerGone
		}
		return false
	})
	cctx, cancel := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() {
		_, err := o.AccessToken(cctx, "alice")
		got <- err
	}()
	for p.Count(oidctest.CountGrantRefresh) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	close(callerGone)
	if err := <-got; err != nil {
		t.Fatalf("a refresh whose caller gave up: %v", err)
	}
	p.SetFault(nil)
	stored, err := db.Token(ctx, "alice")
	if err != nil {
		t.Fatalf("grant after the caller gave up: %v", err)
	}
	if _, err := p.Refresh(ctx, "mcp-server", stored.RefreshToken); err != nil {
		t.Fatalf("the stored grant no longer refreshes (the rotation was cut off): %v", err)
	}
}
