package storetest

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

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
