package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// Tests for mutants that survived fresh samples of `make mutate`
// (seeds 5 and later), one planted bug each.

// rotatingIdP answers refresh_token grants with next(old) as the refresh
// token ("" leaves it out) and records the refresh tokens it was sent.
type rotatingIdP struct {
	mu   sync.Mutex
	next func(old string) string
	sent []string
}

func (f *rotatingIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := r.FormValue("refresh_token")
	f.sent = append(f.sent, old)
	resp := map[string]any{"access_token": "at-" + old, "token_type": "Bearer", "expires_in": 300}
	if n := f.next(old); n != "" {
		resp["refresh_token"] = n
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// offlineWith is OfflineGrants at the token endpoint h over a new store
// holding grants.
func offlineWith(t *testing.T, h http.Handler, grants ...storage.Token) (*OfflineGrants, *storage.DB) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	db := storetest.TokenStore(t)
	o, err := NewOfflineGrants(OfflineConfig{Store: db, TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		saveToken(t, db, g)
	}
	return o, db
}

// saAt is the service account of client mcp at the token endpoint h.
func saAt(t *testing.T, h http.Handler) *ServiceAccount {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: srv.URL, ClientID: "mcp", ClientSecret: "mcp-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return sa
}

// saveToken stores a grant the test starts from.
func saveToken(t *testing.T, db *storage.DB, tok storage.Token) {
	t.Helper()
	if err := db.SaveToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
}

// A rotated refresh token that merely starts with the old one is still a
// new token: it must be stored, and the next refresh must send it.
func TestOfflineRotationToLongerToken(t *testing.T) {
	ctx := context.Background()
	f := &rotatingIdP{next: func(old string) string { return old + "-2" }}
	o, db := offlineWith(t, f, storage.Token{UserID: "alice", RefreshToken: "rt"})
	if _, err := o.AccessToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Token(ctx, "alice")
	if err != nil || stored.RefreshToken != "rt-2" {
		t.Fatalf("stored refresh token %q (%v), want the rotated rt-2", stored.RefreshToken, err)
	}
	o.Forget("alice")
	if _, err := o.AccessToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.sent, " ") != "rt rt-2" {
		t.Fatalf("refresh tokens sent: %v", f.sent)
	}
}

// An IdP that hands back the same refresh token (or none) did not rotate:
// the stored grant keeps its token and its expiry.
func TestOfflineSameRefreshTokenKeepsExpiry(t *testing.T) {
	ctx := context.Background()
	for name, next := range map[string]func(string) string{
		"same": func(old string) string { return old },
		"none": func(string) string { return "" },
	} {
		t.Run(name, func(t *testing.T) {
			o, db := offlineWith(t, &rotatingIdP{next: next})
			exp := time.Now().Add(48 * time.Hour).Truncate(time.Second)
			saveToken(t, db, storage.Token{UserID: "alice", RefreshToken: "rt", ExpiresAt: exp})
			if _, err := o.AccessToken(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			stored, err := db.Token(ctx, "alice")
			if err != nil || stored.RefreshToken != "rt" || !stored.ExpiresAt.Equal(exp) {
				t.Fatalf("stored %q expiring %v (%v), want rt expiring %v", stored.RefreshToken, stored.ExpiresAt, err, exp)
			}
		})
	}
}

// The page after consent calls the grant offline only when the IdP
// granted offline_access itself, not a scope that merely starts with it.
func TestConsentPageNamesOfflineOnlyForOfflineAccess(t *testing.T) {
	const offlineWords = "<em>offline</em> grant"
	for granted, offline := range map[string]bool{
		"openid offline_access":         true,
		"openid offline_access_limited": false,
		"openid":                        false,
	} {
		e := newOfflineEnv(t, nil)
		rewriteTokenAnswer(e, func(body map[string]any) { body["scope"] = granted })
		status, page := e.browse(t, "alice")
		if status != http.StatusOK {
			t.Fatalf("%q: consent %d\n%s", granted, status, page)
		}
		if strings.Contains(page, offlineWords) != offline {
			t.Errorf("granted %q: page says offline grant = %v, want %v\n%s", granted, !offline, offline, page)
		}
	}
}

// A service-account login that fails before any HTTP answer (the token
// endpoint unknown, the IdP unreachable) is no verdict on impersonation.
func TestProbeWithoutAnswerIsUnknown(t *testing.T) {
	ctx := context.Background()
	for name, ep := range map[string]*stubIdP{
		"not discovered": {err: errors.New("discovery failed")},
		"unreachable":    {url: "http://127.0.0.1:1/token"},
	} {
		sa, err := NewServiceAccount(ServiceAccountConfig{IdP: ep, ClientID: "mcp", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		got := ProbeImpersonation(ctx, sa, NewExchanger("http://127.0.0.1:1/token", "mcp", "s", nil), []string{"nextcloud"})
		if got.State != ProbeUnknown || !strings.Contains(got.Detail, "could not ask the identity provider") {
			t.Errorf("%s: %v (%s)", name, got.State, got.Detail)
		}
	}
}

// A login flow approved by an account whose id merely starts with the
// user's (alice-evil for alice) is someone else's login: refused, nothing
// kept here or at Nextcloud.
func TestLoginFlowRefusesNearMissAccount(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("alice-evil", "evil-pass"))
	m, _ := loginFlowWith(t, nc, LoginFlowOptions{})
	wantApprovalByOtherRefused(t, nc, m, "alice", "alice-evil")
}

// A token whose expiry plus leeway falls after the cache's own limit is
// cached only until that limit, not until its expiry.
func TestJWTCacheLimitWhenExpiryIsJustBeyond(t *testing.T) {
	now := time.Now()
	c := newJWTCache()
	// Expiry one second before the limit, leeway two: expiry+leeway is
	// one second after it.
	c.put("tok", &Identity{UserID: "alice", Expiry: now.Add(jwtCacheTTL - time.Second)}, 2*time.Second, now, now)
	if _, ok := c.get("tok", now.Add(jwtCacheTTL-time.Millisecond), now); !ok {
		t.Fatal("not cached within the limit")
	}
	if _, ok := c.get("tok", now.Add(jwtCacheTTL), now); ok {
		t.Fatal("cached past jwtCacheTTL")
	}
}

// RequireScope used without Middleware in front refuses every request as
// unauthenticated instead of serving it.
func TestRequireScopeWithoutIdentity(t *testing.T) {
	rs := &ResourceServer{cfg: Config{Issuer: "https://idp.example", Audience: "mcp"}, log: slog.New(slog.DiscardHandler), now: time.Now}
	served := false
	h := rs.RequireScope("notes:read", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served = true }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/mcp", nil))
	if served || w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer ") {
		t.Fatalf("served %v, status %d, challenge %q", served, w.Code, w.Header().Get("WWW-Authenticate"))
	}
	// With an identity that has the scope it is served.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/mcp", nil).WithContext(
		WithIdentity(context.Background(), &Identity{UserID: "alice", Scopes: []string{"notes:read"}})))
	if !served {
		t.Fatal("a caller with the scope was refused")
	}
}

// A flow lifetime of 0 (unset) gets the 20-minute default, not an
// already-expired flow.
func TestLoginFlowDefaultLifetime(t *testing.T) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		m := NewLoginFlowManager(nil, nil, LoginFlowOptions{FlowTTL: ttl, PollEvery: -1})
		m.Close()
		if m.flowTTL != 20*time.Minute || m.pollEvery != 2*time.Second {
			t.Errorf("FlowTTL %v: flow lifetime %v, poll every %v; want 20m and 2s", ttl, m.flowTTL, m.pollEvery)
		}
	}
	m := NewLoginFlowManager(nil, nil, LoginFlowOptions{FlowTTL: time.Minute, PollEvery: time.Second})
	m.Close()
	if m.flowTTL != time.Minute || m.pollEvery != time.Second {
		t.Errorf("set values not kept: %v %v", m.flowTTL, m.pollEvery)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// `tokens list --json` that cannot write its output fails, so a script
// does not take an empty output for "no grants".
func TestTokensListJSONWriteFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	key, _ := storage.GenerateKey()
	db, err := storage.Open(context.Background(), path, storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveToken(context.Background(), storage.Token{UserID: "alice", RefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var errb bytes.Buffer
	code := TokensCommand(context.Background(), []string{"list", "--json"}, TokensCLI{DBPath: path, Keys: key}, failingWriter{}, &errb)
	if code == 0 || !strings.Contains(errb.String(), "disk full") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

// Times a grant never had (never used, never refreshed, no expiry) show as
// "-", not as year 1.
func TestTokenTableUnsetTimes(t *testing.T) {
	var b bytes.Buffer
	created := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	writeTokenTable(&b, []storage.TokenInfo{{UserID: "alice", Subject: "s", CreatedAt: created, Readable: true}})
	out := b.String()
	if strings.Contains(out, "0001-01-01") || !strings.Contains(out, "2026-03-01 12:30") || strings.Count(out, " - ") < 2 {
		t.Fatalf("table:\n%s", out)
	}
}
