package storage

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// When the old shared full-text table cannot be dropped (here a row of
// another table still refers to it, with foreign keys enforced), opening
// the index fails with an error naming the step, instead of going on
// with the old table in place.
func TestOpenIndexFailsWhenOldTableCannotBeDropped(t *testing.T) {
	ctx := context.Background()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, filepath.Join(t.TempDir(), "tokens.db"), Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []string{
		`CREATE TABLE index_fts (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE pinned (fts_id INTEGER REFERENCES index_fts(id))`,
		`INSERT INTO index_fts (id) VALUES (1)`,
		`INSERT INTO pinned (fts_id) VALUES (1)`,
	} {
		if _, err := d.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := d.OpenIndex(ctx); err == nil || !strings.Contains(err.Error(), "remove the old full-text table") {
		t.Fatalf("OpenIndex with an undroppable old table: %v; want an error naming the removal", err)
	}
	var left int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'index_fts'`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("old table rows: %d (%v); the failed drop should leave it", left, err)
	}
}
