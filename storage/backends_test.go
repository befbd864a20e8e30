package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backends runs f once on SQLite and once on PostgreSQL (a real server
// from scripts/postgres.sh; skipped locally without it, failing under
// CI=true). Inside the postgres subtest dbPath and openIndex hand out
// PostgreSQL databases, so a test body runs unchanged on both.
func backends(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, f)
	}
}

// onPostgres reports whether t runs inside backends' postgres subtest.
func onPostgres(t testing.TB) bool { return strings.Contains(t.Name()+"/", "/postgres/") }

func dbPath(t *testing.T) string { return storePath(t) }

// storePath is a new empty store: an SQLite file, or a PostgreSQL database.
func storePath(t testing.TB) string {
	t.Helper()
	if onPostgres(t) {
		return pgtest.Database(t)
	}
	return filepath.Join(t.TempDir(), "tokens.db")
}

// indexOf opens d's search index.
func indexOf(t testing.TB, d *DB) *Index {
	t.Helper()
	x, err := d.OpenIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func openIndex(t testing.TB) *Index {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := storePath(t)
	if !onPostgres(t) {
		path = fmt.Sprintf("%s/idx.db", t.TempDir())
	}
	d, err := Open(context.Background(), path, Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return indexOf(t, d)
}
