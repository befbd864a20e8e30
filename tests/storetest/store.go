// Package storetest opens token stores for tests of the packages above
// storage (testutil cannot: storage's own tests import it through pgtest).
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// TokenStore opens a new encrypted token store (SQLite in a temporary
// directory) with a fresh key; it is closed when the test ends.
func TokenStore(t testing.TB) *storage.DB {
	t.Helper()
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "tokens.db"), storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Index opens the full-text index of db (a TokenStore); a failure ends
// the test.
func Index(t testing.TB, db *storage.DB) *storage.Index {
	t.Helper()
	idx, err := db.OpenIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return idx
}
