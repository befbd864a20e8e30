package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every storage call reports a failing statement as an error naming what
// failed, never as success or "not found", and a failed write changes no
// row. SQLite triggers make one kind of statement on one table fail; a
// renamed table makes reads fail; a view with NULLs makes scans fail.

func failOn(when, table string) string {
	return fmt.Sprintf(`CREATE TRIGGER fail_%s_%s BEFORE %s ON %s BEGIN SELECT RAISE(FAIL, 'injected failure'); END;`,
		strings.ToLower(when), table, when, table)
}

func gone(table string) string { return `ALTER TABLE ` + table + ` RENAME TO ` + table + `_gone;` }

// nullUsers replaces table by a view whose user_id is NULL.
func nullUsers(table, cols string) string {
	return `ALTER TABLE ` + table + ` RENAME TO ` + table + `_real; CREATE VIEW ` + table + ` AS SELECT NULL AS user_id, ` + cols + ` FROM ` + table + `_real;`
}

func TestStoreFailuresAreReported(t *testing.T) {
	const tokenCols = `issuer, subject, scopes, token_enc, created_at, last_used_at, last_refreshed_at, expires_at`
	const secretCols = `kind, value_enc, created_at, updated_at, expires_at`
	ctx := context.Background()
	refresh := func(d *DB) error {
		return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
			return Rotation{RefreshToken: "rt-alice-2"}, nil
		})
	}
	revoked := func(d *DB) error {
		return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
			return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
		})
	}
	reencrypt := func(d *DB) error { _, err := d.ReencryptAll(ctx); return err }
	purge := func(d *DB) error { _, err := d.PurgeExpired(ctx); return err }
	tests := []struct {
		name, sql, errHas string
		op                func(d *DB) error
	}{
		{"SaveToken insert", failOn("INSERT", "refresh_tokens"), "save token for carol",
			func(d *DB) error { return d.SaveToken(ctx, sample("carol", "rt-carol")) }},
		{"TouchToken update", failOn("UPDATE", "refresh_tokens"), "record use of token of alice",
			func(d *DB) error { return d.TouchToken(ctx, "alice") }},
		{"Refresh update", failOn("UPDATE", "refresh_tokens"), "store refreshed token of alice", refresh},
		{"ReencryptAll token update", failOn("UPDATE", "refresh_tokens"), "re-encrypt token of", reencrypt},
		{"DeleteToken delete", failOn("DELETE", "refresh_tokens"), "delete token of alice",
			func(d *DB) error {
				ok, err := d.DeleteToken(ctx, "alice")
				if ok {
					return errors.New("a failed delete reported a row deleted")
				}
				return err
			}},
		{"Refresh revoked delete", failOn("DELETE", "refresh_tokens"), "delete revoked token of alice", revoked},
		{"PurgeExpired token delete", failOn("DELETE", "refresh_tokens"), "purge expired tokens", purge},
		{"PutSecret insert", failOn("INSERT", "secrets"), "store app_password secret",
			func(d *DB) error { return d.PutSecret(ctx, "carol", "app_password", []byte("x"), time.Time{}) }},
		{"ReencryptAll secret update", failOn("UPDATE", "secrets"), "re-encrypt app_password secret", reencrypt},
		{"TakeSecret delete", failOn("DELETE", "secrets"), "delete login_flow secret",
			func(d *DB) error { _, err := d.TakeSecret(ctx, "alice", "login_flow"); return err }},
		{"DeleteSecret delete", failOn("DELETE", "secrets"), "delete login_flow secret",
			func(d *DB) error { _, err := d.DeleteSecret(ctx, "alice", "login_flow"); return err }},
		{"DeleteUserSecrets delete", failOn("DELETE", "secrets"), "delete secrets of alice",
			func(d *DB) error { _, err := d.DeleteUserSecrets(ctx, "alice"); return err }},
		{"PurgeExpired secret delete", failOn("DELETE", "secrets"), "purge expired secrets", purge},
		{"MarkSeen insert", failOn("INSERT", "known_users"), "record sign-in of carol",
			func(d *DB) error { return d.MarkSeen(ctx, "carol") }},
		{"ForgetUser delete", failOn("DELETE", "known_users"), "forget user alice",
			func(d *DB) error { return d.ForgetUser(ctx, "alice") }},

		{"Token read", gone("refresh_tokens"), "read token of alice",
			func(d *DB) error { _, err := d.Token(ctx, "alice"); return err }},
		{"ListTokens read", gone("refresh_tokens"), "list tokens",
			func(d *DB) error { _, err := d.ListTokens(ctx); return err }},
		{"Users read", gone("refresh_tokens"), "list tokens",
			func(d *DB) error { _, err := d.Users(ctx); return err }},
		{"Refresh read", gone("refresh_tokens"), "read token of alice", refresh},
		{"ReencryptAll token read", gone("refresh_tokens"), "re-encrypt tokens", reencrypt},
		{"PurgeExpired token read", gone("refresh_tokens"), "purge expired tokens", purge},
		{"GetSecret read", gone("secrets"), "read login_flow secret",
			func(d *DB) error { _, err := d.GetSecret(ctx, "alice", "login_flow"); return err }},
		{"TakeSecret read", gone("secrets"), "login_flow secret",
			func(d *DB) error { _, err := d.TakeSecret(ctx, "alice", "login_flow"); return err }},
		{"SecretOwners read", gone("secrets"), "list login_flow secrets",
			func(d *DB) error { _, err := d.SecretOwners(ctx, "login_flow"); return err }},
		{"ReencryptAll secret read", gone("secrets"), "re-encrypt secrets", reencrypt},
		{"KnownUsers read", gone("known_users"), "list known users",
			func(d *DB) error { _, err := d.KnownUsers(ctx, time.Time{}); return err }},

		{"ListTokens scan", nullUsers("refresh_tokens", tokenCols), "list tokens",
			func(d *DB) error { _, err := d.ListTokens(ctx); return err }},
		{"SecretOwners scan", nullUsers("secrets", secretCols), "list login_flow secrets",
			func(d *DB) error { _, err := d.SecretOwners(ctx, "login_flow"); return err }},
		{"ReencryptAll secret scan", nullUsers("secrets", secretCols), "re-encrypt secrets", reencrypt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			d := openDB(t, dbPath(t), newKey(t), func(o *Options) {
				o.Now = c.now
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			twoUsers(t, d)
			// Something for PurgeExpired to delete.
			if _, err := d.db.Exec(`UPDATE refresh_tokens SET expires_at = ? WHERE user_id = 'bob'`, c.t.Add(-time.Hour).Unix()); err != nil {
				t.Fatal(err)
			}
			putSecret(t, d, "bob", "expired", []byte("x"), c.t.Add(-time.Hour))
			before := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}
			if _, err := d.db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			c.t = c.t.Add(time.Minute)
			err := tc.op(d)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) || errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want an error naming %q (not ErrNotFound)", err, tc.errHas)
			}
			if strings.Contains(err.Error(), "rt-alice") || strings.Contains(logs.String(), "rt-alice") {
				t.Fatalf("a refresh token leaked: %v\n%s", err, logs.String())
			}
			// PurgeExpired's two deletes are independent: expired secrets
			// may go although the token purge fails.
			if strings.HasPrefix(tc.sql, "CREATE TRIGGER") && tc.name != "PurgeExpired token delete" {
				if after := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}; !reflect.DeepEqual(after, before) {
					t.Fatalf("a failed write changed rows:\n%v\n%v", before, after)
				}
			}
			// A rotated refresh token that could not be stored is logged:
			// the user may have to sign in again.
			if rotatedLost := tc.name == "Refresh update"; rotatedLost != strings.Contains(logs.String(), "could not store the rotated refresh token") {
				t.Fatalf("log about the lost rotated token: want %v, got:\n%s", rotatedLost, logs.String())
			}
		})
	}
}

// A stored row without a user id is skipped and reported, not fatal:
// one bad row must not stop every user's re-encryption or background jobs.
func TestRowsWithoutUserAreSkipped(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	d := openDB(t, dbPath(t), newKey(t), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	twoUsers(t, d)
	// known_users: alice and bob plus a row without user id.
	if _, err := d.db.Exec(`ALTER TABLE known_users RENAME TO known_users_real;
		CREATE VIEW known_users AS SELECT user_id, last_seen FROM known_users_real
		UNION ALL SELECT NULL, last_seen FROM known_users_real WHERE user_id = 'alice'
		UNION ALL SELECT '', last_seen FROM known_users_real WHERE user_id = 'bob';`); err != nil {
		t.Fatal(err)
	}
	users, err := d.KnownUsers(ctx, time.Time{})
	if err != nil || !reflect.DeepEqual(users, []string{"alice", "bob"}) {
		t.Fatalf("known users %v, %v; want alice and bob", users, err)
	}
	if n := strings.Count(logs.String(), "skipping stored row without a user id"); n != 2 {
		t.Fatalf("%d warnings about rows without user id, want 2:\n%s", n, logs.String())
	}
	// refresh_tokens: every row without user id; the secrets are still
	// re-encrypted and the token rows reported.
	if _, err := d.db.Exec(nullUsers("refresh_tokens", `issuer, subject, scopes, token_enc, created_at, last_used_at, last_refreshed_at, expires_at`)); err != nil {
		t.Fatal(err)
	}
	rep, err := d.ReencryptAll(ctx)
	if err != nil || rep.Tokens != 0 || rep.Secrets != 4 ||
		!reflect.DeepEqual(rep.Unreadable, []string{"token:(no user id)", "token:(no user id)"}) {
		t.Fatalf("re-encrypt: %+v, %v", rep, err)
	}
	if strings.Contains(logs.String(), "rt-alice") || strings.Contains(logs.String(), "rt-bob") {
		t.Fatalf("a refresh token leaked into the log:\n%s", logs.String())
	}
}

// Rows without an owner are refused before anything is written.
func TestRequiredFields(t *testing.T) {
	ctx := context.Background()
	d, _ := clockDB(t, newKey(t))
	for name, err := range map[string]error{
		"token without user":    d.SaveToken(ctx, sample("", "rt")),
		"token without refresh": d.SaveToken(ctx, sample("alice", "")),
		"secret without user":   d.PutSecret(ctx, "", "kind", []byte("v"), time.Time{}),
		"secret without kind":   d.PutSecret(ctx, "alice", "", []byte("v"), time.Time{}),
	} {
		if err == nil || !strings.Contains(err.Error(), "required") {
			t.Errorf("%s: %v, want an error naming what is required", name, err)
		}
	}
	var n int
	if err := d.db.QueryRow(`SELECT (SELECT COUNT(*) FROM refresh_tokens) + (SELECT COUNT(*) FROM secrets)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows written, %v", n, err)
	}
}

func TestOpenRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := newKey(t)
	file := dir + "/plain"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ path, keys, want string }{
		"no path":           {"", key, "TOKEN_STORAGE_DB is empty"},
		"bad key":           {dir + "/a.db", "short", "TOKEN_ENCRYPTION_KEY"},
		"dir under a file":  {file + "/sub/t.db", key, "create directory for token database"},
		"path is directory": {dir, key, "create token database"},
	} {
		d, err := Open(ctx, tc.path, Options{Keys: tc.keys})
		if err == nil || !strings.Contains(err.Error(), tc.want) || d != nil {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
		}
		if strings.Contains(fmt.Sprint(err), key) {
			t.Errorf("%s: the key is in the error", name)
		}
	}
}

func TestOpenIndexOnAClosedDatabase(t *testing.T) {
	d, _ := clockDB(t, newKey(t))
	d.Close()
	if _, err := d.OpenIndex(context.Background()); err == nil || !strings.Contains(err.Error(), "check for FTS5") {
		t.Fatalf("err = %v", err)
	}
}

// A schema version that cannot be read stops Open with an error naming it.
func TestOpenUnreadableSchemaVersion(t *testing.T) {
	ctx := context.Background()
	path, key := dbPath(t), newKey(t)
	d := openDB(t, path, key)
	if _, err := d.db.Exec(`UPDATE schema_version SET version = 'x'`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d2, err := Open(ctx, path, Options{Keys: key})
	if err == nil || !strings.Contains(err.Error(), "read schema version") {
		if d2 != nil {
			d2.Close()
		}
		t.Fatalf("Open = %v, want an error naming the schema version", err)
	}
}
