package jobs

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// counter counts runs per user.
type counter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *counter) job(interval time.Duration) Job {
	return Job{Name: "count", Interval: interval, Run: func(_ context.Context, nc *nextcloud.Client) error {
		c.mu.Lock()
		c.runs[nc.User()]++
		c.mu.Unlock()
		return nil
	}}
}

func (c *counter) get(u string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[u]
}

// TestJobsRunOnceAcrossReplicas: two replicas' runners on one store (an
// SQLite file, and PostgreSQL) run every user's job once per interval
// between them, and a replica that died holding a user's lease is taken
// over once the lease lapses.
func TestJobsRunOnceAcrossReplicas(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "tokens.db")
			if backend == "postgres" {
				path = pgtest.Database(t)
			}
			key, err := storage.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			users := []string{"alice", "bob", "carol"}
			cnt := &counter{runs: map[string]int{}}
			var stores []*storage.DB
			var runners []*Runner
			for _, holder := range []string{"a", "b"} {
				db, err := storage.Open(ctx, path, storage.Options{Keys: key, Now: clk.Now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				r, err := New(Options{Accounts: testAccounts{client: clientFor(t, "http://127.0.0.1:1"), users: func(context.Context) ([]string, error) { return users, nil }},
					Now: clk.Now, Cluster: db, Holder: holder, LeaseTTL: 30 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Register(cnt.job(time.Hour)); err != nil {
					t.Fatal(err)
				}
				stores, runners = append(stores, db), append(runners, r)
			}
			both := func() {
				var wg sync.WaitGroup
				for _, r := range runners {
					wg.Add(1)
					go func() { defer wg.Done(); r.RunDue(ctx) }()
				}
				wg.Wait()
			}
			want := func(n int) {
				t.Helper()
				for _, u := range users {
					if got := cnt.get(u); got != n {
						t.Fatalf("%s's job ran %d times, want %d", u, got, n)
					}
				}
			}
			both()
			want(1)
			clk.Advance(30 * time.Minute)
			both()
			want(1) // within the interval, whichever replica ran it
			clk.Advance(31 * time.Minute)
			both()
			want(2)

			// Replica "dead" took alice's lease and died without releasing it.
			clk.Advance(61 * time.Minute)
			if ok, err := stores[0].TakeLease(ctx, leaseName("alice"), "dead", 30*time.Second); err != nil || !ok {
				t.Fatalf("take: %v %v", ok, err)
			}
			both()
			if got := cnt.get("alice"); got != 2 {
				t.Fatalf("alice's job ran while a live lease was held elsewhere: %d runs", got)
			}
			if got := cnt.get("bob"); got != 3 {
				t.Fatalf("bob's job ran %d times, want 3", got)
			}
			clk.Advance(31 * time.Second) // the dead replica's lease lapsed
			both()
			if got := cnt.get("alice"); got != 3 {
				t.Fatalf("alice's job was not taken over after the lease lapsed: %d runs", got)
			}
		})
	}
}
