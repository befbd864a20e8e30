package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// Every store operation on one user must leave every other user's rows
// exactly as they were: a WHERE widened to all users, or a delete of the
// wrong owner, fails these tests.

// rowsOf dumps every stored row (all columns) of user.
func rowsOf(t *testing.T, d *DB, user string) []string {
	t.Helper()
	return dumpRows(t, d, user,
		`SELECT * FROM refresh_tokens WHERE user_id = ?`,
		`SELECT * FROM secrets WHERE user_id = ? ORDER BY kind`,
		`SELECT * FROM known_users WHERE user_id = ?`)
}

// dumpRows prints every row the queries return for user, all columns.
func dumpRows(t *testing.T, d *DB, user string, queries ...string) []string {
	t.Helper()
	var out []string
	for _, query := range queries {
		rows, err := d.db.Query(query, user)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%v", vals))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// twoUsers stores a grant, two secrets and a sign-in for alice and bob.
func twoUsers(t *testing.T, d *DB) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		tok := sample(u, "rt-"+u)
		tok.ExpiresAt = d.now().Add(24 * time.Hour)
		saveToken(t, d, tok)
		for _, kind := range []string{"app_password", "login_flow"} {
			putSecret(t, d, u, kind, []byte(kind+"-"+u), d.now().Add(time.Hour))
		}
		if err := d.MarkSeen(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func clockDB(t *testing.T, keys string) (*DB, *clock) {
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	return openDB(t, dbPath(t), keys, func(o *Options) { o.Now = c.now }), c
}

func TestOperationsOnOneUserLeaveTheOtherAlone(t *testing.T) {
	backends(t, testOperationsOnOneUserLeaveTheOtherAlone)
}

func testOperationsOnOneUserLeaveTheOtherAlone(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name string
		op   func(d *DB, u string) error
		// check says the operation did act on u.
		check func(t *testing.T, d *DB, u string)
	}{
		{"SaveToken", func(d *DB, u string) error { return d.SaveToken(ctx, sample(u, "rt-"+u+"-new")) },
			func(t *testing.T, d *DB, u string) { wantToken(t, d, u, "rt-"+u+"-new") }},
		{"Token", func(d *DB, u string) error {
			tok, err := d.Token(ctx, u)
			if err != nil || tok.RefreshToken != "rt-"+u || tok.Subject != "sub-"+u {
				return fmt.Errorf("token of %s = %+v, %v", u, tok, err)
			}
			return nil
		}, func(*testing.T, *DB, string) {}},
		{"TouchToken", func(d *DB, u string) error { return d.TouchToken(ctx, u) },
			func(t *testing.T, d *DB, u string) {
				tok, err := d.Token(ctx, u)
				if err != nil || !tok.LastUsedAt.Equal(d.now()) {
					t.Fatalf("last use of %s = %v, %v; want %v", u, tok.LastUsedAt, err, d.now())
				}
			}},
		{"DeleteToken", func(d *DB, u string) error { return mustReport(d.DeleteToken(ctx, u)) },
			func(t *testing.T, d *DB, u string) { wantNoToken(t, d, u) }},
		{"Refresh rotates", func(d *DB, u string) error {
			return d.Refresh(ctx, u, func(_ context.Context, tok Token) (Rotation, error) {
				if tok.UserID != u || tok.RefreshToken != "rt-"+u {
					return Rotation{}, fmt.Errorf("refresh of %s got the grant of %s", u, tok.UserID)
				}
				return Rotation{RefreshToken: "rt-" + u + "-2", Scopes: []string{"openid"}}, nil
			})
		}, func(t *testing.T, d *DB, u string) { wantToken(t, d, u, "rt-"+u+"-2") }},
		{"Refresh keeps", func(d *DB, u string) error {
			return d.Refresh(ctx, u, func(context.Context, Token) (Rotation, error) { return Rotation{}, nil })
		}, func(t *testing.T, d *DB, u string) {
			tok, err := d.Token(ctx, u)
			if err != nil || tok.RefreshToken != "rt-"+u || !tok.LastRefreshedAt.Equal(d.now()) {
				t.Fatalf("%s after refresh = %+v, %v", u, tok, err)
			}
		}},
		{"Refresh revoked", func(d *DB, u string) error {
			err := d.Refresh(ctx, u, func(context.Context, Token) (Rotation, error) {
				return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
			})
			if !errors.Is(err, ErrRevoked) {
				return fmt.Errorf("err = %v, want ErrRevoked", err)
			}
			return nil
		}, func(t *testing.T, d *DB, u string) { wantNoToken(t, d, u) }},
		{"PutSecret", func(d *DB, u string) error { return d.PutSecret(ctx, u, "app_password", []byte("new"), time.Time{}) },
			func(t *testing.T, d *DB, u string) { wantSecret(t, d, u, "app_password", "new") }},
		{"GetSecret", func(d *DB, u string) error {
			v, err := d.GetSecret(ctx, u, "login_flow")
			if err != nil || string(v) != "login_flow-"+u {
				return fmt.Errorf("get = %q, %v", v, err)
			}
			return nil
		}, func(*testing.T, *DB, string) {}},
		{"TakeSecret", func(d *DB, u string) error {
			v, err := d.TakeSecret(ctx, u, "login_flow")
			if err != nil || string(v) != "login_flow-"+u {
				return fmt.Errorf("take = %q, %v", v, err)
			}
			return nil
		}, func(t *testing.T, d *DB, u string) {
			wantNoSecret(t, d, u, "login_flow")
			wantSecret(t, d, u, "app_password", "app_password-"+u)
		}},
		{"DeleteSecret", func(d *DB, u string) error { return mustReport(d.DeleteSecret(ctx, u, "login_flow")) },
			func(t *testing.T, d *DB, u string) {
				wantNoSecret(t, d, u, "login_flow")
				wantSecret(t, d, u, "app_password", "app_password-"+u)
			}},
		{"DeleteUserSecrets", func(d *DB, u string) error {
			n, err := d.DeleteUserSecrets(ctx, u)
			if err != nil || n != 2 {
				return fmt.Errorf("deleted %d, %v; want 2", n, err)
			}
			return nil
		}, func(t *testing.T, d *DB, u string) {
			wantNoSecret(t, d, u, "login_flow")
			wantNoSecret(t, d, u, "app_password")
		}},
		{"MarkSeen", func(d *DB, u string) error { return d.MarkSeen(ctx, u) }, func(t *testing.T, d *DB, u string) {
			var last int64
			if err := d.db.QueryRow(`SELECT last_seen FROM known_users WHERE user_id = ?`, u).Scan(&last); err != nil || last != d.now().Unix() {
				t.Fatalf("%s last seen %d, %v; want %d", u, last, err, d.now().Unix())
			}
		}},
		{"ForgetUser", func(d *DB, u string) error { return d.ForgetUser(ctx, u) }, func(t *testing.T, d *DB, u string) {
			users, err := d.KnownUsers(ctx, time.Time{})
			if err != nil || len(users) != 1 || users[0] == u {
				t.Fatalf("known users after forgetting %s = %v, %v", u, users, err)
			}
		}},
	}
	// Both directions: a widened query that happens to find the first row
	// stored would pass for one of them only.
	for _, pair := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
		u, other := pair[0], pair[1]
		for _, tc := range ops {
			t.Run(tc.name+" on "+u, func(t *testing.T) {
				d, c := clockDB(t, newKey(t))
				twoUsers(t, d)
				before := rowsOf(t, d, other)
				if len(before) != 4 {
					t.Fatalf("%s has %d rows, want 4: %v", other, len(before), before)
				}
				c.t = c.t.Add(time.Minute) // so a stray update to the other user shows
				if err := tc.op(d, u); err != nil {
					t.Fatal(err)
				}
				tc.check(t, d, u)
				if after := rowsOf(t, d, other); !reflect.DeepEqual(after, before) {
					t.Fatalf("%s on %s changed %s's rows:\nbefore %v\nafter  %v", tc.name, u, other, before, after)
				}
				wantToken(t, d, other, "rt-"+other)
				wantSecret(t, d, other, "login_flow", "login_flow-"+other)
			})
		}
	}
}

// A write whose commit fails returns the error and changes nothing.
func TestFailedCommitChangesNothing(t *testing.T) { backends(t, testFailedCommitChangesNothing) }

func testFailedCommitChangesNothing(t *testing.T) {
	ops := map[string]func(ctx context.Context, d *DB) error{
		"SaveToken": func(ctx context.Context, d *DB) error { return d.SaveToken(ctx, sample("alice", "rt-new")) },
		"Refresh": func(ctx context.Context, d *DB) error {
			return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
				return Rotation{RefreshToken: "rt-2"}, nil
			})
		},
		"Refresh revoked": func(ctx context.Context, d *DB) error {
			return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
				return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
			})
		},
		"ReencryptAll": func(ctx context.Context, d *DB) error { _, err := d.ReencryptAll(ctx); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			d, _ := clockDB(t, newKey(t))
			twoUsers(t, d)
			before := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d.beforeCommit = func(string) { cancel() }
			err := op(ctx, d)
			// The cancelled context fails the commit; database/sql may
			// already have rolled the transaction back (ErrTxDone).
			if !errors.Is(err, context.Canceled) && !errors.Is(err, sql.ErrTxDone) {
				t.Fatalf("err = %v, want the failed commit's error", err)
			}
			d.beforeCommit = nil
			if after := [2][]string{rowsOf(t, d, "alice"), rowsOf(t, d, "bob")}; !reflect.DeepEqual(after, before) {
				t.Fatalf("a failed commit changed rows:\n%v\n%v", before, after)
			}
		})
	}
}

// mustReport turns a (found, err) answer into an error unless a row went.
func mustReport(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("reported no row deleted")
	}
	return nil
}

func wantToken(t *testing.T, d *DB, user, refresh string) {
	t.Helper()
	tok, err := d.Token(context.Background(), user)
	if err != nil || tok.RefreshToken != refresh || tok.UserID != user {
		t.Fatalf("token of %s = %q (user %q), %v; want %q", user, tok.RefreshToken, tok.UserID, err, refresh)
	}
}

func wantNoToken(t *testing.T, d *DB, user string) {
	t.Helper()
	if _, err := d.Token(context.Background(), user); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token of %s: err = %v, want ErrNotFound", user, err)
	}
}

func wantSecret(t *testing.T, d *DB, user, kind, value string) {
	t.Helper()
	v, err := d.GetSecret(context.Background(), user, kind)
	if err != nil || string(v) != value {
		t.Fatalf("%s secret of %s = %q, %v; want %q", kind, user, v, err, value)
	}
}

func wantNoSecret(t *testing.T, d *DB, user, kind string) {
	t.Helper()
	if _, err := d.GetSecret(context.Background(), user, kind); !errors.Is(err, ErrNotFound) {
		t.Fatalf("%s secret of %s: err = %v, want ErrNotFound", kind, user, err)
	}
}

// A second delete of the same row reports that nothing existed.
func TestDeleteReportsMissingRows(t *testing.T) { backends(t, testDeleteReportsMissingRows) }

func testDeleteReportsMissingRows(t *testing.T) {
	ctx := context.Background()
	d, _ := clockDB(t, newKey(t))
	twoUsers(t, d)
	if ok, err := d.DeleteSecret(ctx, "carol", "login_flow"); ok || err != nil {
		t.Fatalf("delete of a missing secret = %v, %v", ok, err)
	}
	if ok, err := d.DeleteToken(ctx, "carol"); ok || err != nil {
		t.Fatalf("delete of a missing token = %v, %v", ok, err)
	}
	if n, err := d.DeleteUserSecrets(ctx, "carol"); n != 0 || err != nil {
		t.Fatalf("delete of missing secrets = %d, %v", n, err)
	}
	if _, err := d.TakeSecret(ctx, "carol", "login_flow"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("take of a missing secret: %v", err)
	}
}

// ReencryptAll writes each row back under its own owner: an UPDATE without
// its WHERE would copy one user's ciphertext onto every row.
func TestReencryptAllKeepsEachRowItsOwn(t *testing.T) {
	backends(t, testReencryptAllKeepsEachRowItsOwn)
}

func testReencryptAllKeepsEachRowItsOwn(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	oldKey, newK := newKey(t), newKey(t)
	d := openDB(t, path, oldKey)
	twoUsers(t, d)
	d.Close()

	d = openDB(t, path, newK+","+oldKey)
	rep, err := d.ReencryptAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tokens != 2 || rep.Secrets != 4 || len(rep.Unreadable) != 0 {
		t.Fatalf("report = %+v, want 2 tokens and 4 secrets", rep)
	}
	d.Close()

	d = openDB(t, path, newK) // only the new key: every row was rewritten
	for _, u := range []string{"alice", "bob"} {
		wantToken(t, d, u, "rt-"+u)
		for _, kind := range []string{"app_password", "login_flow"} {
			wantSecret(t, d, u, kind, kind+"-"+u)
		}
	}
}

// A row no key opens is reported and left as it is; the others are still
// re-encrypted.
func TestReencryptAllReportsUnreadableRows(t *testing.T) {
	backends(t, testReencryptAllReportsUnreadableRows)
}

func testReencryptAllReportsUnreadableRows(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	lost, oldKey, newK := newKey(t), newKey(t), newKey(t)
	d := openDB(t, path, lost)
	saveToken(t, d, sample("carol", "rt-carol"))
	putSecret(t, d, "carol", "app_password", []byte("x"), time.Time{})
	d.Close()
	d = openDB(t, path, oldKey)
	twoUsers(t, d)
	d.Close()
	d = openDB(t, path, newK+","+oldKey)
	before := rowsOf(t, d, "carol")
	rep, err := d.ReencryptAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"token:carol", "secret:app_password:carol"}
	if rep.Tokens != 2 || rep.Secrets != 4 || !slices.Equal(rep.Unreadable, want) {
		t.Fatalf("report = %+v, want 2 tokens, 4 secrets, unreadable %v", rep, want)
	}
	if after := rowsOf(t, d, "carol"); !reflect.DeepEqual(after, before) {
		t.Fatalf("unreadable rows changed:\n%v\n%v", before, after)
	}
}

// Expiry is exact: a secret is gone at its expiry second, live one second
// before; the same for listing owners and purging.
func TestSecretExpiryBoundaries(t *testing.T) { backends(t, testSecretExpiryBoundaries) }

func testSecretExpiryBoundaries(t *testing.T) {
	ctx := context.Background()
	d, c := clockDB(t, newKey(t))
	exp := c.t.Add(time.Hour)
	for _, u := range []string{"alice", "bob"} {
		putSecret(t, d, u, "login_flow", []byte("v-"+u), exp)
	}
	putSecret(t, d, "carol", "login_flow", []byte("v-carol"), exp.Add(time.Second))
	putSecret(t, d, "alice", "app_password", []byte("pw"), exp)
	c.t = exp.Add(-time.Second)
	wantSecret(t, d, "alice", "login_flow", "v-alice")
	if owners, err := d.SecretOwners(ctx, "login_flow"); err != nil || !slices.Equal(owners, []string{"alice", "bob", "carol"}) {
		t.Fatalf("owners a second before expiry = %v, %v", owners, err)
	}
	if n, err := d.PurgeExpired(ctx); err != nil || n != 0 {
		t.Fatalf("purge before expiry = %d, %v", n, err)
	}
	c.t = exp
	wantNoSecret(t, d, "alice", "login_flow")
	if owners, err := d.SecretOwners(ctx, "login_flow"); err != nil || !slices.Equal(owners, []string{"carol"}) {
		t.Fatalf("owners at expiry = %v, %v; want [carol]", owners, err)
	}
	if n, err := d.PurgeExpired(ctx); err != nil || n != 3 {
		t.Fatalf("purge at expiry = %d, %v; want 3", n, err)
	}
	wantSecret(t, d, "carol", "login_flow", "v-carol")
}

// PurgeExpired removes grants known to have expired and keeps the others
// (no expiry, or later).
func TestPurgeExpiredTokens(t *testing.T) { backends(t, testPurgeExpiredTokens) }

func testPurgeExpiredTokens(t *testing.T) {
	ctx := context.Background()
	d, c := clockDB(t, newKey(t))
	for u, exp := range map[string]time.Time{"alice": c.t.Add(time.Hour), "bob": c.t.Add(time.Hour + time.Second), "carol": {}} {
		tok := sample(u, "rt-"+u)
		tok.ExpiresAt = exp
		saveToken(t, d, tok)
	}
	c.t = c.t.Add(time.Hour)
	if n, err := d.PurgeExpired(ctx); err != nil || n != 1 {
		t.Fatalf("purge = %d, %v; want 1", n, err)
	}
	wantNoToken(t, d, "alice")
	wantToken(t, d, "bob", "rt-bob")
	wantToken(t, d, "carol", "rt-carol")
}

// KnownUsers lists those seen at or after since.
func TestKnownUsersSince(t *testing.T) { backends(t, testKnownUsersSince) }

func testKnownUsersSince(t *testing.T) {
	ctx := context.Background()
	d, c := clockDB(t, newKey(t))
	start := c.t
	for _, u := range []string{"carol", "alice", "bob"} {
		if err := d.MarkSeen(ctx, u); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(time.Second)
	}
	for _, tc := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"alice", "bob", "carol"}},
		{start, []string{"alice", "bob", "carol"}},
		{start.Add(time.Second), []string{"alice", "bob"}},
		{start.Add(2 * time.Second), []string{"bob"}},
		{start.Add(3 * time.Second), nil},
	} {
		got, err := d.KnownUsers(ctx, tc.since)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("KnownUsers(%v) = %v, %v; want %v", tc.since.Sub(start), got, err, tc.want)
		}
	}
	// Seen again: the later time counts.
	if err := d.MarkSeen(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.KnownUsers(ctx, start.Add(3*time.Second)); !slices.Equal(got, []string{"carol"}) {
		t.Fatalf("after a second sign-in: %v", got)
	}
}

// Users and ListTokens list every stored grant; Users leaves out the ones
// no key opens.
func TestUsersListsReadableGrants(t *testing.T) { backends(t, testUsersListsReadableGrants) }

func testUsersListsReadableGrants(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	lost, key := newKey(t), newKey(t)
	d := openDB(t, path, lost)
	saveToken(t, d, sample("carol", "rt-carol"))
	d.Close()
	d = openDB(t, path, key)
	twoUsers(t, d)
	users, err := d.Users(ctx)
	if err != nil || !slices.Equal(users, []string{"alice", "bob"}) {
		t.Fatalf("users = %v, %v; want [alice bob]", users, err)
	}
	list, err := d.ListTokens(ctx)
	if err != nil || len(list) != 3 || list[2].UserID != "carol" || list[2].Readable || !list[0].Readable {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

// A consent stored while a refresh ran wins over the refresh's rotation.
func TestRefreshKeepsNewerConsent(t *testing.T) {
	ctx := context.Background()
	d, _ := clockDB(t, newKey(t))
	saveToken(t, d, sample("alice", "rt-1"))
	err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
		saveToken(t, d, sample("alice", "rt-consent"))
		return Rotation{RefreshToken: "rt-2", Scopes: []string{"openid"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantToken(t, d, "alice", "rt-consent")
}
