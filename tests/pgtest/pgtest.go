// Package pgtest starts a real PostgreSQL for tests (scripts/postgres.sh,
// Debian's postgresql package; one cluster per test binary) and hands each
// test a fresh empty database in it.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) } // stops the cluster after the package's tests
//
//	func TestX(t *testing.T) {
//		url := pgtest.Database(t) // postgres://… of a new database; skips locally without
//		                          // PostgreSQL, fails under CI=true
//	}
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// Cluster is a running PostgreSQL.
type Cluster struct {
	// URL is the admin connection (database postgres, user mcptest, trust auth).
	URL string
	dir string
}

var (
	mu      sync.Mutex
	shared  *Cluster
	failure error
	dbSeq   atomic.Int64
)

func repoRoot() (string, error) { return testutil.RepoRoot(filepath.Join("scripts", "postgres.sh")) }

// installed reports whether Debian's PostgreSQL server binaries are there.
func installed() bool {
	if os.Getenv("PG_BINDIR") != "" {
		return true
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	return len(m) > 0
}

// Start returns the shared cluster, starting it on first use.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	if !installed() {
		testutil.Unavailable(tb, "PostgreSQL not installed: apt-get install postgresql")
	}
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && failure == nil {
		shared, failure = start()
	}
	if failure != nil {
		testutil.Unavailable(tb, "PostgreSQL did not start: %v", failure)
	}
	return shared
}

func start() (*Cluster, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "postgres.sh"), "start")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PG_WATCH_PID=%d", os.Getpid()))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("scripts/postgres.sh start: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, err
	}
	dir := strings.TrimSpace(string(out))
	env, err := os.ReadFile(filepath.Join(dir, "state.env"))
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	for _, line := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(line, "PG_URL="); ok {
			c.URL = v
		}
	}
	if c.URL == "" {
		c.stop()
		return nil, errors.New("scripts/postgres.sh wrote no PG_URL")
	}
	return c, nil
}

func (c *Cluster) stop() {
	if root, err := repoRoot(); err == nil {
		_ = exec.Command(filepath.Join(root, "scripts", "postgres.sh"), "stop", c.dir).Run()
	}
}

// NewDatabase makes an empty schema in the cluster's database and
// returns a URL whose search_path is that schema: to the store it is an
// empty database (CREATE DATABASE takes a second each, a schema nothing).
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	db, err := sql.Open("pgx", c.URL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `CREATE SCHEMA `+name); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	return c.URL + "&search_path=" + name
}

// Database starts the cluster if needed and returns a new database's URL.
func Database(tb testing.TB) string {
	tb.Helper()
	return Start(tb).NewDatabase(tb)
}

// Main runs the package's tests, stops the cluster they started and exits.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with its own clean-up.
func Run(m *testing.M) int { return testutil.RunThen(m, Shutdown) }

// Shutdown stops the cluster if this process started it.
func Shutdown() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
}
