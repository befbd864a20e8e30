package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// fakeTokenEndpoint is a token endpoint with refresh rotation and
// client_credentials, for the unit tests of the grant code.
type fakeTokenEndpoint struct {
	mu        sync.Mutex
	valid     map[string]string // refresh token -> user
	n         int
	ccCalls   int
	expiresIn int
	rotate    bool
	ccError   string
}

func (f *fakeTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, secret, ok := r.BasicAuth(); !ok || id != "mcp" || secret != "mcp-secret" {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fail := func(code, desc string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	f.n++
	switch r.FormValue("grant_type") {
	case "client_credentials":
		f.ccCalls++
		if f.ccError != "" {
			fail(f.ccError, "Client not enabled to retrieve service account")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("sa-%d", f.n), "token_type": "Bearer", "expires_in": f.expiresIn})
	case "refresh_token":
		rt := r.FormValue("refresh_token")
		user, ok := f.valid[rt]
		if !ok {
			fail("invalid_grant", "Token is not active")
			return
		}
		resp := map[string]any{"access_token": fmt.Sprintf("at-%s-%d", user, f.n), "token_type": "Bearer", "expires_in": f.expiresIn, "refresh_expires_in": 0, "scope": "openid offline_access"}
		if f.rotate {
			delete(f.valid, rt)
			nrt := fmt.Sprintf("rt-%s-%d", user, f.n)
			f.valid[nrt] = user
			resp["refresh_token"] = nrt
		}
		_ = json.NewEncoder(w).Encode(resp)
	default:
		fail("unsupported_grant_type", "")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestServiceAccountCachesAndRenews(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300}
	srv := httptest.NewServer(f)
	defer srv.Close()
	clock := &fakeClock{t: time.Now()}
	sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret", Now: clock.Now, RenewBefore: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// oauth2 computes Expiry from the real clock; keep the fake one close.
	clock.t = time.Now()
	t1, err := sa.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := sa.Token(ctx)
	if t1.AccessToken != t2.AccessToken || f.ccCalls != 1 {
		t.Fatalf("token not cached: %s %s, %d calls", t1.AccessToken, t2.AccessToken, f.ccCalls)
	}
	clock.Advance(241 * time.Second) // within a minute of expiry
	t3, err := sa.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if t3.AccessToken == t1.AccessToken || f.ccCalls != 2 {
		t.Fatalf("token not renewed before expiry: %d calls", f.ccCalls)
	}
	// Renewal failing while the current token is valid keeps the current one.
	f.ccError = "unauthorized_client"
	clock.Advance(30 * time.Second) // t3 (issued on the real clock) is near expiry, still valid
	t4, err := sa.Token(ctx)
	if err != nil || t4.AccessToken != t3.AccessToken {
		t.Fatalf("failed renewal with a valid token: %v", err)
	}
	sa.Invalidate()
	_, err = sa.Token(ctx)
	if err == nil || !strings.Contains(err.Error(), "unauthorized_client") || !strings.Contains(err.Error(), "Service accounts") {
		t.Fatalf("refused client_credentials: err = %v", err)
	}
	if strings.Contains(err.Error(), "mcp-secret") {
		t.Fatal("error shows the client secret")
	}
}

func TestOfflineRefreshRotation(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, rotate: true, valid: map[string]string{"rt-alice-0": "alice"}}
	o, db := offlineWith(t, f, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt-alice-0"})
	tok, err := o.AccessToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := db.Token(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if stored.RefreshToken == "rt-alice-0" || f.valid[stored.RefreshToken] != "alice" {
		t.Fatalf("rotated refresh token not stored: %q", stored.RefreshToken)
	}
	if stored.LastRefreshedAt.IsZero() || strings.Join(stored.Scopes, " ") != "openid offline_access" {
		t.Fatalf("stored = %+v", stored)
	}
	again, _ := o.AccessToken(ctx, "alice")
	if again.AccessToken != tok.AccessToken {
		t.Fatal("valid access token not reused")
	}
	// A new process (no cache) refreshes with the stored, rotated token.
	o.Forget("alice")
	if _, err := o.AccessToken(ctx, "alice"); err != nil {
		t.Fatalf("refresh with the rotated token: %v", err)
	}
}

func TestOfflineConcurrentRefreshUsesTokenOnce(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, rotate: true, valid: map[string]string{"rt-bob-0": "bob"}}
	o, _ := offlineWith(t, f, storage.Token{UserID: "bob", Issuer: "i", Subject: "s", RefreshToken: "rt-bob-0"})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.AccessToken(ctx, "bob"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent refresh: %v", err)
	}
	if f.n != 1 {
		t.Fatalf("%d refreshes at the IdP, want 1", f.n)
	}
}

func TestOfflineRevokedGrantDeleted(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{}}
	o, db := offlineWith(t, f, storage.Token{UserID: "carol", Issuer: "i", Subject: "s", RefreshToken: "rt-gone"})
	_, err := o.AccessToken(ctx, "carol")
	if !errors.Is(err, storage.ErrRevoked) || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "rt-gone") {
		t.Fatal("error shows the refresh token")
	}
	if _, err := db.Token(ctx, "carol"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("revoked row kept: %v", err)
	}
}

func TestGrantChain(t *testing.T) {
	ctx := context.Background()
	f := &fakeTokenEndpoint{expiresIn: 300, valid: map[string]string{"rt-alice": "alice"}}
	o, _ := offlineWith(t, f, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt-alice"})
	sa := saAt(t, f)
	var impersonated []string
	allow := true
	imp := func(_ context.Context, saTok, user string) (*oauth2.Token, error) {
		if !strings.HasPrefix(saTok, "sa-") {
			return nil, fmt.Errorf("not a service-account token")
		}
		if !allow {
			return nil, errors.New("the identity provider refused the exchange: access_denied (Keycloak's Standard Token Exchange V2 refuses impersonation)")
		}
		impersonated = append(impersonated, user)
		return &oauth2.Token{AccessToken: "imp-" + user, Expiry: time.Now().Add(time.Hour)}, nil
	}
	tests := []struct {
		name      string
		chain     *GrantChain
		user      string
		allow     bool
		wantGrant string
		wantErr   []string
	}{
		{"offline first", &GrantChain{Offline: o, ServiceAccount: sa, Impersonate: imp}, "alice", true, GrantOffline, nil},
		{"impersonation when no offline grant", &GrantChain{Offline: o, ServiceAccount: sa, Impersonate: imp}, "bob", true, GrantImpersonation, nil},
		{"both fail", &GrantChain{Offline: o, ServiceAccount: sa, Impersonate: imp}, "bob", false, "", []string{"has not granted it", "refuses impersonation"}},
		{"nothing configured", &GrantChain{}, "bob", true, "", []string{"offline access: disabled", "no service account"}},
		{"no exchange client", &GrantChain{ServiceAccount: sa}, "bob", true, "", []string{"no token exchange client"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allow = tt.allow
			tok, grant, err := tt.chain.Token(ctx, tt.user)
			if tt.wantErr != nil {
				wantNoGrant(t, err, tt.wantErr...)
				return
			}
			if err != nil || grant != tt.wantGrant || tok.AccessToken == "" {
				t.Fatalf("grant = %s, err = %v", grant, err)
			}
		})
	}
	// The impersonated token is cached.
	n := len(impersonated)
	c := &GrantChain{ServiceAccount: sa, Impersonate: imp}
	allow = true
	_, _, _ = c.Token(ctx, "dave")
	_, _, _ = c.Token(ctx, "dave")
	if len(impersonated) != n+1 {
		t.Fatalf("impersonated %d times, want once", len(impersonated)-n)
	}
}

// wantNoGrant checks that err is ErrNoGrant and names every reason in wants.
func wantNoGrant(t *testing.T, err error, wants ...string) {
	t.Helper()
	if !errors.Is(err, ErrNoGrant) {
		t.Fatalf("err = %v, want ErrNoGrant", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}
