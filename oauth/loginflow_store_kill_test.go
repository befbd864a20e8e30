package oauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// A token store that fails is reported by every login-flow step, and no
// app password is left at Nextcloud that nobody here knows.
func TestLoginFlowStoreFailures(t *testing.T) {
	ctx := context.Background()

	// Writes to the store fail while the flow is pending: the app
	// password the user approved cannot be kept, so it is deleted at
	// Nextcloud.
	nc, m, db := newLoginFlowFixture(t)
	st, err := m.Provision(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER fail_insert BEFORE INSERT ON secrets BEGIN SELECT RAISE(FAIL, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	if err := approveThenWait(nc, m, st.LoginURL, "alice", "alice"); err == nil || !strings.Contains(err.Error(), "store the new app password") {
		t.Fatalf("Wait = %v, want the failed store of the app password", err)
	}
	if n := nc.AppPasswordCount("alice"); n != 0 {
		t.Fatalf("%d app passwords left at Nextcloud", n)
	}
	// A new flow that cannot be remembered is not started here.
	if s, err := m.Provision(ctx, "bob"); err == nil || !strings.Contains(err.Error(), "remember the pending Nextcloud login") || s.State != "" {
		t.Fatalf("Provision = %+v, %v; want the store's error", s, err)
	}
	if err := m.Wait(ctx, "bob"); err != nil {
		t.Fatalf("Wait for a flow that never started = %v, want nil at once", err)
	}
	// Once reads fail too, every step reports it instead of "none".
	db.Close()
	if s, err := m.Status(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "database is closed") {
		t.Fatalf("Status = %+v, %v; want the store's error", s, err)
	}
	if ok, err := m.Revoke(ctx, "alice"); ok || err == nil || !strings.Contains(err.Error(), "database is closed") {
		t.Fatalf("Revoke = %v, %v; want the store's error", ok, err)
	}
	if _, err := m.PurgeExpired(ctx); err == nil {
		t.Fatal("PurgeExpired on a closed store reported success")
	}
}

// PurgeExpired removes expired pending flows and keeps live ones and app
// passwords.
func TestLoginFlowPurgeExpired(t *testing.T) {
	ctx := context.Background()
	_, m, db := newLoginFlowFixture(t)
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	for user, exp := range map[string]time.Time{"alice": past, "bob": future} {
		if err := db.PutSecret(ctx, user, SecretLoginFlow, []byte(`{}`), exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutSecret(ctx, "alice", SecretAppPassword, []byte(`{}`), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, err := m.PurgeExpired(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want 1", n, err)
	}
	if _, err := db.GetSecret(ctx, "bob", SecretLoginFlow); err != nil {
		t.Fatalf("bob's live flow: %v", err)
	}
	if _, err := db.GetSecret(ctx, "alice", SecretAppPassword); err != nil {
		t.Fatalf("alice's app password: %v", err)
	}
	if _, err := db.GetSecret(ctx, "alice", SecretLoginFlow); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("alice's expired flow: %v", err)
	}
}

// A Nextcloud that cannot start a login flow makes Provision fail; nothing
// is remembered, and a later Provision starts a flow once it can.
func TestLoginFlowStartFails(t *testing.T) {
	ctx := context.Background()
	nc, m, db := newLoginFlowFixture(t)
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/index.php/login/v2" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	if st, err := m.Provision(ctx, "alice"); err == nil || st.State != "" {
		t.Fatalf("Provision with Nextcloud down = %+v, %v; want an error", st, err)
	}
	if _, err := db.GetSecret(ctx, "alice", SecretLoginFlow); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a flow was remembered: %v", err)
	}
	if s, err := m.Status(ctx, "alice"); err != nil || s.State != "none" {
		t.Fatalf("Status = %+v, %v; want none", s, err)
	}
	nc.SetFault(nil)
	if st, err := m.Provision(ctx, "alice"); err != nil || st.State != "pending" {
		t.Fatalf("Provision after Nextcloud is back = %+v, %v", st, err)
	}
}

// Zero or negative options get the defaults (a zero poll interval would
// make the poller's ticker panic).
func TestLoginFlowOptionDefaults(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		m := NewLoginFlowManager(nil, nil, LoginFlowOptions{PollEvery: d, FlowTTL: d})
		if m.pollEvery != 2*time.Second || m.flowTTL != 20*time.Minute || m.log == nil {
			t.Errorf("options %v: poll every %v, flow TTL %v", d, m.pollEvery, m.flowTTL)
		}
		m.Close()
	}
	m := NewLoginFlowManager(nil, nil, LoginFlowOptions{PollEvery: time.Millisecond, FlowTTL: time.Minute})
	defer m.Close()
	if m.pollEvery != time.Millisecond || m.flowTTL != time.Minute {
		t.Errorf("set options changed: %v, %v", m.pollEvery, m.flowTTL)
	}
}

// A stored flow whose own expiry has passed is not resumed, even while
// its row is kept: Provision starts a new one.
func TestLoginFlowExpiredStoredFlowNotResumed(t *testing.T) {
	ctx := context.Background()
	nc, m, db := newLoginFlowFixture(t)
	old := storedFlow{LoginURL: "https://nc.example/old-login", PollToken: "pt", PollEndpoint: nc.URL + "/poll", Expires: time.Now().Add(-time.Minute)}
	raw, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSecret(ctx, "alice", SecretLoginFlow, raw, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, err := m.Provision(ctx, "alice")
	if err != nil || st.State != "pending" || st.LoginURL == old.LoginURL || len(nc.PendingLoginFlows()) != 1 {
		t.Fatalf("Provision = %+v, %v (%d flows at Nextcloud); want a new flow", st, err, len(nc.PendingLoginFlows()))
	}
}
