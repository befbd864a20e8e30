package storage

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"
)

// Tests for mutants that survived fresh samples of `make mutate`
// (seeds 5 and later), one planted bug each.

// prepared writes a database file with the given statements, as an older
// or damaged server might have left it.
func prepared(t *testing.T, stmts ...string) string {
	t.Helper()
	path := dbPath(t)
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

// tablesOf lists the tables of the file at path.
func tablesOf(t *testing.T, path string) string {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, " ")
}

// A migration that cannot run stops Open with an error naming the step,
// and leaves the file as it was: no half-applied schema, no version
// recorded that the tables do not have.
func TestOpenMigrationFailures(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	for name, tc := range map[string]struct {
		stmts      []string
		want, keep string
	}{
		"schema_version name taken by an index": {
			[]string{`CREATE TABLE other (schema_version INTEGER)`, `CREATE INDEX schema_version ON other(schema_version)`},
			"create schema_version table", "other",
		},
		"schema_version cannot take its first row": {
			[]string{`CREATE TABLE schema_version (version INTEGER NOT NULL, note TEXT NOT NULL)`},
			"initialise schema_version", "schema_version",
		},
		"a table of migration 1 is already there": {
			[]string{`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version VALUES (0)`,
				`CREATE TABLE secrets (mine TEXT)`, `INSERT INTO secrets VALUES ('keep me')`},
			"apply schema migration 1", "schema_version secrets",
		},
		"a table of migration 4 is already there": {
			append(append([]string{}, migrations[:3]...), `CREATE TABLE schema_version (version INTEGER NOT NULL)`,
				`INSERT INTO schema_version VALUES (3)`, `CREATE TABLE known_users (mine TEXT)`),
			"apply schema migration 4", "index_apps index_items index_sync index_tables index_users known_users refresh_tokens schema_version secrets",
		},
		"the new version cannot be recorded": {
			[]string{`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
				`CREATE TRIGGER no_update BEFORE UPDATE ON schema_version BEGIN SELECT RAISE(ABORT, 'read-only version'); END`},
			"record schema version", "schema_version",
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := prepared(t, tc.stmts...)
			d, err := Open(ctx, path, Options{Keys: key})
			if err == nil || d != nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				if d != nil {
					d.Close()
				}
				t.Fatalf("Open = %v, want an error naming %q and the file", err, tc.want)
			}
			if got := tablesOf(t, path); got != tc.keep {
				t.Fatalf("tables after the failed migration: %q, want %q as before", got, tc.keep)
			}
		})
	}
}

// A file that is not an SQLite database is refused at the first statement.
func TestOpenNotADatabase(t *testing.T) {
	path := dbPath(t)
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), path, Options{Keys: newKey(t)})
	if err == nil || d != nil || !strings.Contains(err.Error(), "start schema migration") {
		t.Fatalf("Open = %v, want an error naming the schema migration", err)
	}
}

// A commit that fails (here a deferred foreign key of a table the server
// does not know, broken by migration 3 clearing index_items) fails Open.
func TestOpenMigrationCommitFails(t *testing.T) {
	stmts := append(append([]string{}, migrations[:2]...),
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version VALUES (2)`,
		`INSERT INTO index_items (id, user_id, app, item_id, owner) VALUES (1, 'alice', 'notes', '1', 'alice')`,
		`CREATE TABLE pinned (item INTEGER REFERENCES index_items(id) DEFERRABLE INITIALLY DEFERRED)`,
		`INSERT INTO pinned VALUES (1)`)
	path := prepared(t, stmts...)
	d, err := Open(context.Background(), path, Options{Keys: newKey(t)})
	if err == nil || d != nil || !strings.Contains(err.Error(), "commit schema migration") {
		if d != nil {
			d.Close()
		}
		t.Fatalf("Open = %v, want an error naming the commit of the migration", err)
	}
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v, items int
	if err := raw.QueryRow(`SELECT (SELECT version FROM schema_version), (SELECT COUNT(*) FROM index_items)`).Scan(&v, &items); err != nil || v != 2 || items != 1 {
		t.Fatalf("after the failed commit: version %d, %d items (%v); want 2 and 1 as before", v, items, err)
	}
}

// Opening a database that is up to date writes nothing to it, not even
// the version it already has.
func TestOpenUpToDateWritesNoVersion(t *testing.T) {
	ctx := context.Background()
	path, key := dbPath(t), newKey(t)
	openDB(t, path, key).Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TRIGGER no_update BEFORE UPDATE ON schema_version BEGIN SELECT RAISE(ABORT, 'version rewritten'); END`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	d, err := Open(ctx, path, Options{Keys: key})
	if err != nil {
		t.Fatalf("open of an up-to-date database: %v", err)
	}
	d.Close()
}

// brokenRows replaces table by a view of its rows that fails to compute
// (malformed JSON) at the rows matching cond. SQLite then fails while the
// rows are walked, after the first ones came back, and only rows.Err()
// tells. The view keeps the columns plain, so queries still walk the
// table's indexes in their order (sorted by user_id: alice, then bob).
func brokenRows(table, cond string) string {
	return `ALTER TABLE ` + table + ` RENAME TO ` + table + `_real; CREATE VIEW ` + table +
		` AS SELECT rowid AS rowid, * FROM ` + table + `_real WHERE CASE WHEN ` + cond + ` THEN json('not json') ELSE 1 END;`
}

// A failure half-way through reading rows is an error naming what was
// read, never a short list reported as complete: a short user list would
// skip users' jobs, a short re-encryption would leave rows under a key the
// operator then removes.
func TestIterationFailuresAreReported(t *testing.T) {
	const bob = "user_id = 'bob'"
	// alice's rows of one app come in the order of their index: a, ab,
	// a/b (parent, then insertion); sync keys sorted; notes after files;
	// "zebra" ranks x2 (three times in a short title) before x1.
	ctx := context.Background()
	tests := []struct {
		name, sql, errHas string
		op                func(d *DB, x *Index) error
	}{
		{"ListTokens", brokenRows("refresh_tokens", bob), "list tokens",
			func(d *DB, _ *Index) error { _, err := d.ListTokens(ctx); return err }},
		{"SecretOwners", brokenRows("secrets", bob), "list app_password secrets",
			func(d *DB, _ *Index) error { _, err := d.SecretOwners(ctx, "app_password"); return err }},
		{"KnownUsers", brokenRows("known_users", bob), "list known users",
			func(d *DB, _ *Index) error { _, err := d.KnownUsers(ctx, time.Time{}); return err }},
		// With another key alice's rows do not open, so CheckKey reads on
		// to bob's.
		{"CheckKey", brokenRows("refresh_tokens", bob), "check TOKEN_ENCRYPTION_KEY",
			func(d *DB, _ *Index) error {
				c, err := NewCipher(newKey(t))
				if err != nil {
					return err
				}
				other := *d
				other.cipher = c
				return other.CheckKey(ctx)
			}},
		{"ReencryptAll tokens", brokenRows("refresh_tokens", bob), "re-encrypt tokens",
			func(d *DB, _ *Index) error { _, err := d.ReencryptAll(ctx); return err }},
		{"ReencryptAll secrets", brokenRows("secrets", bob), "re-encrypt secrets",
			func(d *DB, _ *Index) error { _, err := d.ReencryptAll(ctx); return err }},
		{"ETags", brokenRows("index_items", "item_id = 'a/b'"), "read index etags",
			func(_ *DB, x *Index) error { _, err := x.ETags(ctx, "alice", AppFiles, ""); return err }},
		{"SyncState", brokenRows("index_sync", "key = 'token'"), "read index sync state",
			func(_ *DB, x *Index) error { _, err := x.SyncState(ctx, "alice", AppFiles); return err }},
		{"Search", brokenRows("index_items", "item_id = 'x1'"), "search the index",
			func(_ *DB, x *Index) error { _, err := x.Search(ctx, "alice", IndexQuery{Text: "zebra"}); return err }},
		{"Status items", brokenRows("index_items", "item_id = 'x1'"), "count index items",
			func(_ *DB, x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"Status runs", brokenRows("index_apps", "app = 'notes'"), "read index runs",
			func(_ *DB, x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openDB(t, dbPath(t), newKey(t))
			twoUsers(t, d)
			x := indexOf(t, d)
			indexTwoUsers(t, x)
			if err := x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{
				{ID: "x1", Title: "zebra"}, {ID: "x2", Title: "zebra zebra zebra"},
			}}); err != nil {
				t.Fatal(err)
			}
			if err := x.RecordSync(ctx, "alice", AppNotes, time.Now(), nil); err != nil {
				t.Fatal(err)
			}
			if _, err := d.db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			err := tc.op(d, x)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), d.Path()) {
				t.Fatalf("err = %v, want an error naming %q and the database", err, tc.errHas)
			}
		})
	}
}
