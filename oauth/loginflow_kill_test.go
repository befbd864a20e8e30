package oauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// A flow stored before a restart is resumed, not doubled; a stored flow
// that cannot be read is replaced by a new one; no user, no flow.
func TestLoginFlowResumeAndReplace(t *testing.T) {
	nc, m, db := newLoginFlowFixture(t)
	ctx := context.Background()
	if _, err := m.Provision(ctx, ""); err == nil || !strings.Contains(err.Error(), "no user id") {
		t.Fatalf("provision without user: %v", err)
	}
	if n := len(nc.PendingLoginFlows()); n != 0 {
		t.Fatalf("%d flows started for no user", n)
	}
	st, err := m.Provision(ctx, "alice")
	if err != nil || st.State != "pending" {
		t.Fatalf("provision: %+v, %v", st, err)
	}
	m.Close()

	// Restarted server: the stored flow is picked up again.
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m2 := NewLoginFlowManager(base, db, LoginFlowOptions{PollEvery: 10 * time.Millisecond, FlowTTL: 5 * time.Second})
	t.Cleanup(m2.Close)
	if s, err := m2.Status(ctx, "alice"); err != nil || s.State != "none" {
		t.Fatalf("status before resuming: %+v, %v", s, err)
	}
	again, err := m2.Provision(ctx, "alice")
	if err != nil || again.LoginURL != st.LoginURL || len(nc.PendingLoginFlows()) != 1 {
		t.Fatalf("resumed %+v, %v; %d flows pending, want the stored one", again, err, len(nc.PendingLoginFlows()))
	}
	if s, err := m2.Status(ctx, "alice"); err != nil || s.State != "pending" || s.LoginURL != st.LoginURL {
		t.Fatalf("status while pending: %+v, %v", s, err)
	}

	// An unreadable stored flow is not resumed.
	if err := db.PutSecret(ctx, "bob", SecretLoginFlow, []byte("{not json"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, err := m2.Provision(ctx, "bob")
	if err != nil || b.LoginURL == "" || !strings.HasPrefix(b.LoginURL, nc.URL) || len(nc.PendingLoginFlows()) != 2 {
		t.Fatalf("bob: %+v, %v; %d flows", b, err, len(nc.PendingLoginFlows()))
	}
	if !nc.ApproveLoginFlow(b.LoginURL, "bob") {
		t.Fatal("approve")
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m2.Wait(wctx, "bob"); err != nil {
		t.Fatalf("bob's flow: %v", err)
	}
	if s, err := m2.Status(ctx, "bob"); err != nil || s.State != "ready" || s.LoginName != "bob" {
		t.Fatalf("bob's status: %+v, %v", s, err)
	}
	if ok, err := m2.Revoke(ctx, "bob"); !ok || err != nil {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	if ok, err := m2.Revoke(ctx, "bob"); ok || err != nil {
		t.Fatalf("second revoke: %v %v", ok, err)
	}
	if s, _ := m2.Status(ctx, "bob"); s.State != "none" {
		t.Fatalf("after revoke: %+v", s)
	}
}
