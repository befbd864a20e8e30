package oauth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// newLoginFlowFixture is a test Nextcloud with alice and bob and a
// login-flow manager against it.
func newLoginFlowFixture(t *testing.T) (*nctest.Server, *LoginFlowManager, *storage.DB) {
	t.Helper()
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("bob", "bob-pass"))
	m, db := loginFlowWith(t, nc, LoginFlowOptions{})
	return nc, m, db
}

// loginFlowWith is a login-flow manager against nc with a new store,
// closed when the test ends; PollEvery and FlowTTL default to 10ms and 5s.
func loginFlowWith(t *testing.T, nc *nctest.Server, opts LoginFlowOptions) (*LoginFlowManager, *storage.DB) {
	t.Helper()
	db := storetest.TokenStore(t)
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if opts.PollEvery == 0 {
		opts.PollEvery = 10 * time.Millisecond
	}
	if opts.FlowTTL == 0 {
		opts.FlowTTL = 5 * time.Second
	}
	m := NewLoginFlowManager(base, db, opts)
	t.Cleanup(m.Close)
	return m, db
}

// approveAndWait starts user's login flow, has approver approve it at
// Nextcloud and returns what Wait then says (waiting at most 5s).
func approveAndWait(t *testing.T, nc *nctest.Server, m *LoginFlowManager, user, approver string) error {
	t.Helper()
	ctx := context.Background()
	st, err := m.Provision(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	return approveThenWait(nc, m, st.LoginURL, user, approver)
}

// approveThenWait has approver approve the flow at loginURL and returns
// what Wait then says for user (waiting at most 5s).
func approveThenWait(nc *nctest.Server, m *LoginFlowManager, loginURL, user, approver string) error {
	nc.ApproveLoginFlow(loginURL, approver)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return m.Wait(ctx, user)
}

// wantApprovalByOtherRefused has approver approve user's login flow: the
// flow fails naming approver, user gets no access, and the app password
// Nextcloud made for approver is revoked there.
func wantApprovalByOtherRefused(t *testing.T, nc *nctest.Server, m *LoginFlowManager, user, approver string) {
	t.Helper()
	if err := approveAndWait(t, nc, m, user, approver); err == nil || !strings.Contains(err.Error(), `completed as "`+approver+`"`) {
		t.Fatalf("want the login as %s refused, got %v", approver, err)
	}
	if _, err := m.ClientFor(context.Background(), user); !errors.Is(err, ErrNeedsProvisioning) {
		t.Fatalf("%s got %s's access: %v", user, approver, err)
	}
	if nc.AppPasswordCount(approver) != 0 {
		t.Fatal("the stray app password was not revoked at Nextcloud")
	}
}

func TestLoginFlowProvisionEndToEnd(t *testing.T) {
	nc, m, db := newLoginFlowFixture(t)
	ctx := context.Background()
	if _, err := m.ClientFor(ctx, "alice"); !errors.Is(err, ErrNeedsProvisioning) {
		t.Fatalf("before provisioning: %v", err)
	}
	// Two concurrent provisionings share one flow.
	var wg sync.WaitGroup
	urls := make([]string, 2)
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := m.Provision(ctx, "alice")
			if err != nil {
				t.Error(err)
				return
			}
			urls[i] = st.LoginURL
		}()
	}
	wg.Wait()
	if urls[0] == "" || urls[0] != urls[1] {
		t.Fatalf("concurrent provisionings got different flows: %q", urls)
	}
	if pending := nc.PendingLoginFlows(); len(pending) != 1 {
		t.Fatalf("%d flows started at Nextcloud, want 1", len(pending))
	}
	st, _ := m.Status(ctx, "alice")
	if st.State != "pending" || st.LoginURL != urls[0] {
		t.Fatalf("status while pending: %+v", st)
	}
	// The poll token is stored encrypted, not in the clear.
	raw, err := db.GetSecret(ctx, "alice", SecretLoginFlow)
	if err != nil || !strings.Contains(string(raw), "poll_token") {
		t.Fatalf("pending flow not stored: %v", err)
	}
	if err := approveThenWait(nc, m, urls[0], "alice", "alice"); err != nil {
		t.Fatal(err)
	}
	c, err := m.ClientFor(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.CurrentUser(ctx); err != nil || me.ID != "alice" {
		t.Fatalf("app password client: %v %v", me, err)
	}
	if nc.AppPasswordCount("alice") != 1 {
		t.Fatalf("alice has %d app passwords, want 1", nc.AppPasswordCount("alice"))
	}
	if _, err := db.GetSecret(ctx, "alice", SecretLoginFlow); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("finished flow still stored: %v", err)
	}
	// Provisioning again changes nothing.
	if st, err := m.Provision(ctx, "alice"); err != nil || st.State != "ready" {
		t.Fatalf("second provision: %+v %v", st, err)
	}
	// Bob is not alice.
	if _, err := m.ClientFor(ctx, "bob"); !errors.Is(err, ErrNeedsProvisioning) {
		t.Fatalf("bob got access: %v", err)
	}
	// Revocation removes the password at Nextcloud and here.
	if ok, err := m.Revoke(ctx, "alice"); err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	if nc.AppPasswordCount("alice") != 0 {
		t.Fatal("app password still valid at Nextcloud")
	}
	if _, err := c.CurrentUser(ctx); !errors.Is(err, nextcloud.ErrUnauthorized) {
		t.Fatalf("revoked password still works: %v", err)
	}
	if _, err := m.ClientFor(ctx, "alice"); !errors.Is(err, ErrNeedsProvisioning) {
		t.Fatalf("after revoke: %v", err)
	}
}

func TestLoginFlowRejectsLoginAsSomeoneElse(t *testing.T) {
	nc, m, _ := newLoginFlowFixture(t)
	wantApprovalByOtherRefused(t, nc, m, "alice", "bob") // bob approves alice's link
}

func TestLoginFlowExpires(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"))
	m, db := loginFlowWith(t, nc, LoginFlowOptions{PollEvery: 5 * time.Millisecond, FlowTTL: 100 * time.Millisecond})
	ctx := context.Background()
	if _, err := m.Provision(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.Wait(wctx, "alice"); err == nil || !strings.Contains(err.Error(), "not completed in time") {
		t.Fatalf("want expiry error, got %v", err)
	}
	if _, err := db.GetSecret(ctx, "alice", SecretLoginFlow); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("expired flow left in the store: %v", err)
	}
	st, _ := m.Status(ctx, "alice")
	if st.State != "none" || !strings.Contains(st.LastError, "not completed in time") {
		t.Fatalf("status after expiry: %+v", st)
	}
}

func TestGrantChainUsesStoredAppPassword(t *testing.T) {
	nc, m, _ := newLoginFlowFixture(t)
	ctx := context.Background()
	if err := approveAndWait(t, nc, m, "alice", "alice"); err != nil {
		t.Fatal(err)
	}
	base, _ := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	chain := &GrantChain{AppPasswords: m}
	c, err := chain.Client(ctx, base, "alice")
	if err != nil {
		t.Fatalf("chain with an app password: %v", err)
	}
	if me, err := c.CurrentUser(ctx); err != nil || me.ID != "alice" {
		t.Fatalf("background client acts as %v (%v)", me, err)
	}
	if _, err := chain.Client(ctx, base, "bob"); err == nil {
		t.Fatal("bob got a background client without any grant")
	}
}
