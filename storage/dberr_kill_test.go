package storage

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Database errors at the points no other test reaches: each must come
// back as an error naming what failed, and a failed write changes nothing.

// A PostgreSQL URL that does not parse (pgx parses it on connecting), or a
// server that does not answer,
// stops Open with an error naming the URL without its password.
func TestOpenPostgresUnreachable(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	for name, tc := range map[string]struct{ url, want string }{
		"bad port":    {"postgres://mcp:s3cretpw@127.0.0.1:notaport/tokens", "connect to the token database postgres://mcp:xxxxx@127.0.0.1:notaport/tokens: cannot parse"},
		"no answer":   {"postgres://mcp:s3cretpw@127.0.0.1:1/tokens?connect_timeout=5", "connect to the token database postgres://mcp:xxxxx@127.0.0.1:1/tokens"},
		"no answer 2": {"postgresql://mcp:s3cretpw@127.0.0.1:1/tokens?connect_timeout=5", "check TOKEN_STORAGE_URL and that PostgreSQL is reachable"},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := Open(ctx, tc.url, Options{Keys: key})
			if err == nil || d != nil || !strings.Contains(err.Error(), tc.want) {
				if d != nil {
					d.Close()
				}
				t.Fatalf("Open = %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cretpw") || strings.Contains(err.Error(), key) {
				t.Fatalf("a password or key is in the error: %v", err)
			}
		})
	}
}

// scrub replaces the URL in a driver message by its redacted form and
// leaves other errors as they are (still matchable with errors.Is).
func TestScrub(t *testing.T) {
	const url = "postgres://mcp:s3cretpw@db:5432/tokens"
	got := scrub(errors.New("dial "+url+": refused"), url)
	if want := "dial postgres://mcp:xxxxx@db:5432/tokens: refused"; got.Error() != want {
		t.Fatalf("scrub = %q, want %q", got, want)
	}
	other := errors.New("dial tcp: refused")
	if got := scrub(other, url); got != other {
		t.Fatalf("scrub changed an error without the URL: %v", got)
	}
}

// A migration that fails on PostgreSQL fails Open (the connection is not
// handed out with a half-known schema).
func TestOpenPostgresMigrationFails(t *testing.T) {
	onlyPostgres(t, func(t *testing.T) {
		url := storePath(t)
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`CREATE TABLE schema_version (version TEXT NOT NULL); INSERT INTO schema_version VALUES ('x')`); err != nil {
			t.Fatal(err)
		}
		d, err := Open(context.Background(), url, Options{Keys: newKey(t)})
		if err == nil || d != nil || !strings.Contains(err.Error(), "read schema version") {
			if d != nil {
				d.Close()
			}
			t.Fatalf("Open = %v, want an error naming the schema version", err)
		}
	})
}

// PostgreSQL's lock and serialization failures are "locked" (the caller
// retries); any other error is reported as it is.
func TestPgBusy(t *testing.T) {
	d := &DB{path: "postgres://db/tokens"}
	for code, busy := range map[string]bool{"55P03": true, "40001": true, "40P01": true, "23505": false, "40000": false, "": false} {
		err := d.wrap("store", &pgconn.PgError{Code: code})
		if pgBusy(&pgconn.PgError{Code: code}) != busy || errors.Is(err, ErrLocked) != busy {
			t.Errorf("code %q: busy %v, wrapped %v; want busy %v", code, pgBusy(&pgconn.PgError{Code: code}), err, busy)
		}
	}
	if pgBusy(errors.New("55P03")) || pgBusy(nil) {
		t.Error("an error that is not PostgreSQL's counts as busy")
	}
}

// Every call on a closed store reports the failure, not an empty answer.
func TestClosedStoreReportsErrors(t *testing.T) {
	ctx := context.Background()
	d := openClosed(t)
	x := &Index{d: d}
	for name, op := range map[string]func() error{
		"ReleaseLease": func() error { return d.ReleaseLease(ctx, "sync", "replica-1") },
		"LeaseHolder": func() error {
			h, until, err := d.LeaseHolder(ctx, "sync")
			if h != "" || !until.IsZero() {
				return errors.New("a holder came back with the error")
			}
			return err
		},
		"JobDone":      func() error { return d.JobDone(ctx, "index", "alice", time.Now()) },
		"ReencryptAll": func() error { _, err := d.ReencryptAll(ctx); return err },
		"TakeSecret":   func() error { _, err := d.TakeSecret(ctx, "alice", "login_flow"); return err },
		"KnownUsers":   func() error { _, err := d.KnownUsers(ctx, time.Time{}); return err },
		"Apply":        func() error { return x.Apply(ctx, "alice", IndexChange{App: AppFiles, Delete: []string{"a"}}) },
		"Wipe":         func() error { _, err := x.Wipe(ctx, "alice"); return err },
	} {
		if err := op(); err == nil || !strings.Contains(err.Error(), "database is closed") {
			t.Errorf("%s on a closed store: %v, want the closed database's error", name, err)
		}
	}
}

// A lease nobody ever took has no holder; that is not an error.
func TestLeaseHolderOfAnUntakenLease(t *testing.T) {
	backends(t, func(t *testing.T) {
		d, _ := clockDB(t, newKey(t))
		h, until, err := d.LeaseHolder(context.Background(), "never-taken")
		if err != nil || h != "" || !until.IsZero() {
			t.Fatalf("LeaseHolder = %q, %v, %v; want no holder and no error", h, until, err)
		}
	})
}

// A lease's time to live must be positive: zero would take a lease that
// has already lapsed.
func TestTakeLeaseRefusesMissingParts(t *testing.T) {
	d, _ := clockDB(t, newKey(t))
	ctx := context.Background()
	for name, tc := range map[string]struct {
		name, holder string
		ttl          time.Duration
	}{
		"no name":   {"", "r1", time.Minute},
		"no holder": {"sync", "", time.Minute},
		"zero ttl":  {"sync", "r1", 0},
		"negative":  {"sync", "r1", -time.Second},
	} {
		ok, err := d.TakeLease(ctx, tc.name, tc.holder, tc.ttl)
		if ok || err == nil || !strings.Contains(err.Error(), "positive time to live are required") {
			t.Errorf("%s: TakeLease = %v, %v; want a refusal", name, ok, err)
		}
	}
	if h, _, err := d.LeaseHolder(ctx, "sync"); err != nil || h != "" {
		t.Fatalf("a refused lease was taken: %q, %v", h, err)
	}
	ok, err := d.TakeLease(ctx, "sync", "r1", time.Millisecond)
	if !ok || err != nil {
		t.Fatalf("TakeLease with a 1ms time to live = %v, %v; want the lease", ok, err)
	}
}

// A one-time secret whose delete cannot be committed is not handed out:
// it stays stored and the error says what failed.
func TestTakeSecretFailedCommit(t *testing.T) {
	ctx := context.Background()
	d, _ := clockDB(t, newKey(t))
	twoUsers(t, d)
	// A deferred foreign key fails the commit of the delete.
	if _, err := d.db.Exec(`CREATE TABLE pinned (u TEXT, k TEXT, FOREIGN KEY (u, k) REFERENCES secrets (user_id, kind) DEFERRABLE INITIALLY DEFERRED);
		INSERT INTO pinned VALUES ('alice', 'login_flow')`); err != nil {
		t.Fatal(err)
	}
	before := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}
	v, err := d.TakeSecret(ctx, "alice", "login_flow")
	if err == nil || v != nil || !strings.Contains(err.Error(), "take login_flow secret") {
		t.Fatalf("TakeSecret = %q, %v; want no value and an error naming the secret", v, err)
	}
	if after := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}; !reflect.DeepEqual(after, before) {
		t.Fatalf("a failed take changed rows:\n%v\n%v", before, after)
	}
}

// What Seal makes opens only with Unseal for the same purpose, unchanged,
// with a key still configured; the server keeps no row for it.
func TestSealAndUnseal(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	oldKey, newK := newKey(t), newKey(t)
	d := openDB(t, path, oldKey)
	s, err := d.Seal("state", []byte("value-1"))
	if err != nil || s == "" || strings.Contains(s, "value-1") {
		t.Fatalf("Seal = %q, %v", s, err)
	}
	if v, err := d.Unseal("state", s); err != nil || string(v) != "value-1" {
		t.Fatalf("Unseal = %q, %v", v, err)
	}
	for name, tc := range map[string]struct{ bind, sealed string }{
		"other purpose": {"stat", s},
		"longer name":   {"state2", s},
		"changed":       {"state", s[:len(s)-2] + "AA"},
		"empty":         {"state", ""},
	} {
		if v, err := d.Unseal(tc.bind, tc.sealed); !errors.Is(err, ErrUndecryptable) || v != nil {
			t.Errorf("%s: Unseal = %q, %v; want ErrUndecryptable", name, v, err)
		}
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM secrets`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows stored by Seal (%v)", n, err)
	}
	d.Close()
	// After a rotation an old value still opens while its key is listed,
	// and not once it is removed.
	d = openDB(t, path, newK+","+oldKey)
	if v, err := d.Unseal("state", s); err != nil || string(v) != "value-1" {
		t.Fatalf("Unseal with the old key second = %q, %v", v, err)
	}
	d.Close()
	d = openDB(t, path, newK)
	if _, err := d.Unseal("state", s); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("Unseal without the old key = %v, want ErrUndecryptable", err)
	}
}

// An index update or wipe whose commit fails (a deferred foreign key onto
// alice's items) returns the error and leaves both users' index as it was.
func TestIndexFailedCommitChangesNothing(t *testing.T) {
	ctx := context.Background()
	for name, op := range map[string]func(x *Index) error{
		"Apply": func(x *Index) error {
			return x.Apply(ctx, "alice", IndexChange{App: AppFiles, Delete: []string{"a", "ab"}, State: map[string]string{"token": "u"}})
		},
		"Wipe": func(x *Index) error { _, err := x.Wipe(ctx, "alice"); return err },
	} {
		t.Run(name, func(t *testing.T) {
			x := openIndex(t)
			indexTwoUsers(t, x)
			if _, err := x.d.db.Exec(`CREATE TABLE pinned (item INTEGER REFERENCES index_items (id) DEFERRABLE INITIALLY DEFERRED);
				INSERT INTO pinned SELECT id FROM index_items WHERE user_id = 'alice' AND item_id = 'a'`); err != nil {
				t.Fatal(err)
			}
			before := [2][]string{indexRowsOf(t, x, "alice"), indexRowsOf(t, x, "bob")}
			err := op(x)
			if err == nil || !strings.Contains(err.Error(), "commit index") {
				t.Fatalf("err = %v, want the failed commit's error", err)
			}
			if after := [2][]string{indexRowsOf(t, x, "alice"), indexRowsOf(t, x, "bob")}; !reflect.DeepEqual(after, before) {
				t.Fatalf("a failed commit changed the index:\n%v\n%v", before, after)
			}
		})
	}
}

// A user's full-text table that cannot be made stops the first update
// before anything is registered: the next update tries again.
func TestIndexTableThatCannotBeMade(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	tbl := ftsTableName("carol")
	if _, err := x.d.db.Exec(`CREATE TABLE "` + tbl + `" (x)`); err != nil {
		t.Fatal(err)
	}
	err := x.Apply(ctx, "carol", IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "n", Title: "new"}}})
	if err == nil || !strings.Contains(err.Error(), "create the user's full-text table") {
		t.Fatalf("Apply = %v, want an error naming the full-text table", err)
	}
	if rows := indexRowsOf(t, x, "carol"); len(rows) != 1 || rows[0] != "[]" {
		t.Fatalf("carol's index after the failure: %v, want nothing", rows)
	}
	if _, err := x.d.db.Exec(`DROP TABLE "` + tbl + `"`); err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(ctx, "carol", IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "n", Title: "new"}}}); err != nil {
		t.Fatalf("Apply after the table was freed: %v", err)
	}
	if hits, err := x.Search(ctx, "carol", IndexQuery{Text: "new"}); err != nil || len(hits) != 1 {
		t.Fatalf("Search = %v, %v", hits, err)
	}
}

// On PostgreSQL, a failing insert or prepare of index rows and a failing
// search come back as errors, and a failed update changes nothing.
func TestIndexFailuresOnPostgres(t *testing.T) {
	ctx := context.Background()
	upsert := func(x *Index) error {
		return x.Apply(ctx, "alice", IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "n", Title: "new"}, {ID: "a", Title: "changed"}}})
	}
	tests := []struct{ name, sql, errHas string }{
		{"insert", `CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
			CREATE TRIGGER fail_insert BEFORE INSERT ON index_items FOR EACH ROW EXECUTE FUNCTION fail()`, "index item"},
		{"prepare", `ALTER TABLE index_items RENAME TO index_items_gone`, "prepare index update"},
	}
	onlyPostgres(t, func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				x := openIndex(t)
				indexTwoUsers(t, x)
				before := [2][]string{indexRowsOf(t, x, "alice"), indexRowsOf(t, x, "bob")}
				if _, err := x.d.db.Exec(tc.sql); err != nil {
					t.Fatal(err)
				}
				if err := upsert(x); err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("Apply = %v, want an error naming %q", err, tc.errHas)
				}
				if _, err := x.Search(ctx, "alice", IndexQuery{Text: "shared"}); tc.name == "prepare" && (err == nil || !strings.Contains(err.Error(), "search the index")) {
					t.Fatalf("Search without the items table = %v, want an error", err)
				}
				if _, err := x.d.db.Exec(`DROP TRIGGER IF EXISTS fail_insert ON index_items; ALTER TABLE IF EXISTS index_items_gone RENAME TO index_items`); err != nil {
					t.Fatal(err)
				}
				if after := [2][]string{indexRowsOf(t, x, "alice"), indexRowsOf(t, x, "bob")}; !reflect.DeepEqual(after, before) {
					t.Fatalf("a failed update changed the index:\n%v\n%v", before, after)
				}
			})
		}
	})
}

// A stored grant without issuer or subject (here a view in place of the
// table; the columns are NOT NULL) is malformed, not a grant of nobody.
func TestTokenWithoutIssuerOrSubject(t *testing.T) {
	ctx := context.Background()
	for _, col := range []string{"issuer", "subject"} {
		t.Run(col, func(t *testing.T) {
			d := openDB(t, dbPath(t), newKey(t))
			twoUsers(t, d)
			cols := map[string]string{"issuer": "issuer", "subject": "subject"}
			cols[col] = `CASE WHEN user_id = 'bob' THEN NULL ELSE ` + col + ` END AS ` + col
			if _, err := d.db.Exec(`ALTER TABLE refresh_tokens RENAME TO refresh_tokens_real;
				CREATE VIEW refresh_tokens AS SELECT user_id, ` + cols["issuer"] + `, ` + cols["subject"] + `,
					scopes, token_enc, created_at, last_used_at, last_refreshed_at, expires_at FROM refresh_tokens_real`); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Token(ctx, "bob"); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), col) {
				t.Fatalf("Token(bob) = %v, want ErrMalformed naming %s", err, col)
			}
			if tok, err := d.Token(ctx, "alice"); err != nil || tok.RefreshToken != "rt-alice" {
				t.Fatalf("Token(alice) = %+v, %v", tok, err)
			}
		})
	}
}

// A stored row CheckKey cannot read (a secret without user id, here a
// view) is an error, not a passed check.
func TestCheckKeyReportsUnreadableRows(t *testing.T) {
	d, _ := clockDB(t, newKey(t))
	if err := d.PutSecret(context.Background(), "alice", "app_password", []byte("pw"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(nullUsers("secrets", `kind, value_enc, created_at, updated_at, expires_at`)); err != nil {
		t.Fatal(err)
	}
	if err := d.CheckKey(context.Background()); err == nil || !strings.Contains(err.Error(), "check TOKEN_ENCRYPTION_KEY against stored rows") {
		t.Fatalf("CheckKey = %v, want an error naming the check", err)
	}
}
