package storage

// Several replicas on one store: each "replica" here is its own *DB (its
// own connection pool), as separate processes would have.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// onlyPostgres runs f against PostgreSQL, the store replicas share.
func onlyPostgres(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	t.Run("postgres", f)
}

// syncClock is a clock replicas share, safe for concurrent use.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// atOnce runs f on every replica concurrently and waits for all of them.
func atOnce(r []*DB, f func(i int, d *DB)) {
	var wg sync.WaitGroup
	for i, d := range r {
		wg.Go(func() { f(i, d) })
	}
	wg.Wait()
}

func replicas(t *testing.T, n int, keys string, now func() time.Time) []*DB {
	t.Helper()
	path := dbPath(t)
	var out []*DB
	for range n {
		out = append(out, openDB(t, path, keys, func(o *Options) { o.Now = now }))
	}
	return out
}

func TestLeases(t *testing.T) { backends(t, testLeases) }

func testLeases(t *testing.T) {
	ctx := context.Background()
	c := &syncClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	r := replicas(t, 2, newKey(t), c.now)
	a, b := r[0], r[1]
	take := func(d *DB, holder string, want bool) {
		t.Helper()
		got, err := d.TakeLease(ctx, "jobs:alice", holder, 30*time.Second)
		if err != nil || got != want {
			t.Fatalf("%s takes: %v %v, want %v", holder, got, err, want)
		}
	}
	take(a, "a", true)
	take(b, "b", false)
	if h, until, err := b.LeaseHolder(ctx, "jobs:alice"); err != nil || h != "a" || !until.Equal(c.now().Add(30*time.Second)) {
		t.Fatalf("holder = %q until %v, %v", h, until, err)
	}
	c.add(20 * time.Second)
	take(a, "a", true) // renewal moves the end
	c.add(20 * time.Second)
	take(b, "b", false) // 40s after the first take, 20s after the renewal
	// Another user's lease is apart.
	if ok, err := b.TakeLease(ctx, "jobs:bob", "b", 30*time.Second); err != nil || !ok {
		t.Fatalf("bob's lease: %v %v", ok, err)
	}
	c.add(10 * time.Second) // a's lease lapses exactly now: a died
	if h, _, _ := b.LeaseHolder(ctx, "jobs:alice"); h != "" {
		t.Fatalf("lapsed lease still held by %q", h)
	}
	take(b, "b", true)
	take(a, "a", false) // a came back: b has it now
	if err := a.ReleaseLease(ctx, "jobs:alice", "a"); err != nil {
		t.Fatal(err)
	}
	take(a, "a", false) // a's release did not free b's lease
	if err := b.ReleaseLease(ctx, "jobs:alice", "b"); err != nil {
		t.Fatal(err)
	}
	take(a, "a", true)
	if _, err := a.TakeLease(ctx, "", "a", time.Second); err == nil {
		t.Fatal("a lease without a name was taken")
	}
}

func TestLeaseHasOneWinner(t *testing.T) { backends(t, testLeaseHasOneWinner) }

func testLeaseHasOneWinner(t *testing.T) {
	ctx := context.Background()
	r := replicas(t, 4, newKey(t), time.Now)
	for round := range 20 {
		name := fmt.Sprintf("jobs:user%d", round)
		var won atomic.Int32
		atOnce(r, func(i int, d *DB) {
			ok, err := d.TakeLease(ctx, name, fmt.Sprint("replica", i), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
		if n := won.Load(); n != 1 {
			t.Fatalf("round %d: %d replicas took the lease", round, n)
		}
	}
}

func TestJobRuns(t *testing.T) { backends(t, testJobRuns) }

func testJobRuns(t *testing.T) {
	ctx := context.Background()
	r := replicas(t, 2, newKey(t), time.Now)
	if at, err := r[1].JobLastDone(ctx, "notes", "alice"); err != nil || !at.IsZero() {
		t.Fatalf("never run: %v %v", at, err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC)
	if err := r[0].JobDone(ctx, "notes", "alice", at); err != nil {
		t.Fatal(err)
	}
	if got, err := r[1].JobLastDone(ctx, "notes", "alice"); err != nil || !got.Equal(at) {
		t.Fatalf("other replica reads %v %v, want %v", got, err, at)
	}
	for _, k := range [][2]string{{"notes", "bob"}, {"index", "alice"}} {
		if got, _ := r[1].JobLastDone(ctx, k[0], k[1]); !got.IsZero() {
			t.Fatalf("%v inherited alice's notes run: %v", k, got)
		}
	}
}

// idp is an identity provider that rotates refresh tokens and refuses a
// used one (Keycloak with "revoke refresh token"), as a reused token
// would fork the grant.
type idp struct {
	mu      sync.Mutex
	current string
	n       int
}

func (p *idp) refresh(_ context.Context, t Token) (Rotation, error) {
	p.mu.Lock()
	cur := p.current
	p.mu.Unlock()
	// The network round trip: long enough for another replica to read
	// the same row if nothing keeps it out.
	time.Sleep(2 * time.Millisecond)
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.RefreshToken != cur || p.current != cur {
		return Rotation{}, fmt.Errorf("invalid_grant: refresh token already used: %w", ErrRevoked)
	}
	p.n++
	p.current = fmt.Sprintf("rt-%d", p.n)
	return Rotation{RefreshToken: p.current}, nil
}

// TestRefreshNeverForksAcrossReplicas: three replicas refresh the same
// grant at once, many times. Every refresh starts from the token the
// previous one stored, so the IdP never sees a used token, no refresh
// fails, and the stored token is the IdP's current one.
func TestRefreshNeverForksAcrossReplicas(t *testing.T) {
	onlyPostgres(t, func(t *testing.T) {
		ctx := context.Background()
		r := replicas(t, 3, newKey(t), time.Now)
		p := &idp{current: "rt-0"}
		if err := r[0].SaveToken(ctx, sample("alice", "rt-0")); err != nil {
			t.Fatal(err)
		}
		const each = 15
		var failed atomic.Int32
		atOnce(r, func(_ int, d *DB) {
			for range each {
				if err := d.Refresh(ctx, "alice", p.refresh); err != nil {
					failed.Add(1)
					t.Errorf("refresh: %v", err)
					return
				}
			}
		})
		if failed.Load() > 0 {
			t.FailNow()
		}
		got, err := r[2].Token(ctx, "alice")
		if err != nil || got.RefreshToken != p.current || p.n != 3*each {
			t.Fatalf("stored %q (%v), IdP has %q after %d rotations, want %d", got.RefreshToken, err, p.current, p.n, 3*each)
		}
	})
}

// TestRotateKeyWhileReplicasRefresh: `tokens rotate-key` runs while two
// replicas keep rotating a grant. No refresh fails, the stored token is
// the IdP's current one, and afterwards every row opens with the new
// key alone.
func TestRotateKeyWhileReplicasRefresh(t *testing.T) {
	onlyPostgres(t, func(t *testing.T) {
		ctx := context.Background()
		oldKey, newK := newKey(t), newKey(t)
		path := dbPath(t)
		before := openDB(t, path, oldKey)
		for _, u := range []string{"alice", "bob", "carol"} {
			if err := before.SaveToken(ctx, sample(u, "rt-0")); err != nil {
				t.Fatal(err)
			}
			if err := before.PutSecret(ctx, u, "app_password", []byte("pw-"+u), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		// The operator put the new key first on every replica.
		both := newK + "," + oldKey
		a, b, cli := openDB(t, path, both), openDB(t, path, both), openDB(t, path, both)
		p := &idp{current: "rt-0"}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var refreshes atomic.Int32
		for _, d := range []*DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := d.Refresh(ctx, "alice", p.refresh); err != nil {
						t.Errorf("refresh during rotate-key: %v", err)
						return
					}
					refreshes.Add(1)
				}
			}()
		}
		for refreshes.Load() < 3 && !t.Failed() {
			time.Sleep(time.Millisecond)
		}
		rep, err := cli.ReencryptAll(ctx)
		for refreshes.Load() < 10 && !t.Failed() {
			time.Sleep(time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if err != nil || rep.Tokens != 3 || rep.Secrets != 3 || len(rep.Unreadable) != 0 {
			t.Fatalf("rotate-key: %+v %v", rep, err)
		}
		only := openDB(t, path, newK)
		got, err := only.Token(ctx, "alice")
		if err != nil || got.RefreshToken != p.current {
			t.Fatalf("after rotate-key: %q %v, IdP has %q", got.RefreshToken, err, p.current)
		}
		for _, u := range []string{"bob", "carol"} {
			if v, err := only.GetSecret(ctx, u, "app_password"); err != nil || string(v) != "pw-"+u {
				t.Fatalf("secret of %s with the new key alone: %q %v", u, v, err)
			}
		}
	})
}

// TestTakeSecretOnceAcrossReplicas: a one-time value (OAuth state) taken
// by two replicas at once is handed to one of them only.
func TestTakeSecretOnceAcrossReplicas(t *testing.T) {
	onlyPostgres(t, func(t *testing.T) {
		ctx := context.Background()
		r := replicas(t, 2, newKey(t), time.Now)
		for round := range 20 {
			state := fmt.Sprint("state-", round)
			if err := r[0].PutSecret(ctx, state, "oauth_state", []byte("v"), time.Time{}); err != nil {
				t.Fatal(err)
			}
			var got atomic.Int32
			atOnce(r, func(_ int, d *DB) {
				v, err := d.TakeSecret(ctx, state, "oauth_state")
				switch {
				case err == nil && string(v) == "v":
					got.Add(1)
				case !errors.Is(err, ErrNotFound):
					t.Errorf("take: %q %v", v, err)
				}
			})
			if n := got.Load(); n != 1 {
				t.Fatalf("round %d: the value was taken %d times", round, n)
			}
		}
	})
}
