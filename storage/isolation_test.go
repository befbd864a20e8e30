package storage

import (
	"context"
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
	var out []string
	q := func(query string) {
		rows, err := d.db.Query(query, user)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%q", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT * FROM refresh_tokens WHERE user_id = ?`)
	q(`SELECT * FROM secrets WHERE user_id = ? ORDER BY kind`)
	q(`SELECT * FROM known_users WHERE user_id = ?`)
	return out
}

// twoUsers stores a grant, two secrets and a sign-in for alice and bob.
func twoUsers(t *testing.T, d *DB) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		tok := sample(u, "rt-"+u)
		tok.ExpiresAt = d.now().Add(24 * time.Hour)
		if err := d.SaveToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"app_password", "login_flow"} {
			if err := d.PutSecret(ctx, u, kind, []byte(kind+"-"+u), d.now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
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
	ctx := context.Background()
	rotated := func(d *DB) error {
		return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
			return Rotation{RefreshToken: "rt-alice-2", Scopes: []string{"openid"}}, nil
		})
	}
	ops := []struct {
		name string
		op   func(d *DB) error
		// check says the operation did act on alice.
		check func(t *testing.T, d *DB)
	}{
		{"SaveToken", func(d *DB) error { return d.SaveToken(ctx, sample("alice", "rt-alice-new")) },
			func(t *testing.T, d *DB) { wantToken(t, d, "alice", "rt-alice-new") }},
		{"TouchToken", func(d *DB) error { return d.TouchToken(ctx, "alice") },
			func(t *testing.T, d *DB) {
				tok, err := d.Token(ctx, "alice")
				if err != nil || !tok.LastUsedAt.Equal(d.now()) {
					t.Fatalf("alice's last use = %v, %v; want %v", tok.LastUsedAt, err, d.now())
				}
			}},
		{"DeleteToken", func(d *DB) error { return mustReport(d.DeleteToken(ctx, "alice")) },
			func(t *testing.T, d *DB) { wantNoToken(t, d, "alice") }},
		{"Refresh rotates", rotated, func(t *testing.T, d *DB) { wantToken(t, d, "alice", "rt-alice-2") }},
		{"Refresh keeps", func(d *DB) error {
			return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{}, nil })
		}, func(t *testing.T, d *DB) {
			tok, err := d.Token(ctx, "alice")
			if err != nil || tok.RefreshToken != "rt-alice" || !tok.LastRefreshedAt.Equal(d.now()) {
				t.Fatalf("alice after refresh = %+v, %v", tok, err)
			}
		}},
		{"Refresh revoked", func(d *DB) error {
			err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
				return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
			})
			if !errors.Is(err, ErrRevoked) {
				return fmt.Errorf("err = %v, want ErrRevoked", err)
			}
			return nil
		}, func(t *testing.T, d *DB) { wantNoToken(t, d, "alice") }},
		{"PutSecret", func(d *DB) error { return d.PutSecret(ctx, "alice", "app_password", []byte("new"), time.Time{}) },
			func(t *testing.T, d *DB) { wantSecret(t, d, "alice", "app_password", "new") }},
		{"TakeSecret", func(d *DB) error {
			v, err := d.TakeSecret(ctx, "alice", "login_flow")
			if err != nil || string(v) != "login_flow-alice" {
				return fmt.Errorf("take = %q, %v", v, err)
			}
			return nil
		}, func(t *testing.T, d *DB) {
			wantNoSecret(t, d, "alice", "login_flow")
			wantSecret(t, d, "alice", "app_password", "app_password-alice")
		}},
		{"DeleteSecret", func(d *DB) error { return mustReport(d.DeleteSecret(ctx, "alice", "login_flow")) },
			func(t *testing.T, d *DB) {
				wantNoSecret(t, d, "alice", "login_flow")
				wantSecret(t, d, "alice", "app_password", "app_password-alice")
			}},
		{"DeleteUserSecrets", func(d *DB) error {
			n, err := d.DeleteUserSecrets(ctx, "alice")
			if err != nil || n != 2 {
				return fmt.Errorf("deleted %d, %v; want 2", n, err)
			}
			return nil
		}, func(t *testing.T, d *DB) {
			wantNoSecret(t, d, "alice", "login_flow")
			wantNoSecret(t, d, "alice", "app_password")
		}},
		{"MarkSeen", func(d *DB) error { return d.MarkSeen(ctx, "alice") }, func(t *testing.T, d *DB) {
			var last int64
			if err := d.db.QueryRow(`SELECT last_seen FROM known_users WHERE user_id = 'alice'`).Scan(&last); err != nil || last != d.now().Unix() {
				t.Fatalf("alice last seen %d, %v; want %d", last, err, d.now().Unix())
			}
		}},
		{"ForgetUser", func(d *DB) error { return d.ForgetUser(ctx, "alice") }, func(t *testing.T, d *DB) {
			users, err := d.KnownUsers(ctx, time.Time{})
			if err != nil || !slices.Equal(users, []string{"bob"}) {
				t.Fatalf("known users = %v, %v; want [bob]", users, err)
			}
		}},
	}
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			d, c := clockDB(t, newKey(t))
			twoUsers(t, d)
			bob := rowsOf(t, d, "bob")
			if len(bob) != 4 {
				t.Fatalf("bob has %d rows, want 4: %v", len(bob), bob)
			}
			c.t = c.t.Add(time.Minute) // so a stray update to bob shows
			if err := tc.op(d); err != nil {
				t.Fatal(err)
			}
			tc.check(t, d)
			if after := rowsOf(t, d, "bob"); !reflect.DeepEqual(after, bob) {
				t.Fatalf("%s on alice changed bob's rows:\nbefore %v\nafter  %v", tc.name, bob, after)
			}
			wantToken(t, d, "bob", "rt-bob")
			wantSecret(t, d, "bob", "login_flow", "login_flow-bob")
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
func TestDeleteReportsMissingRows(t *testing.T) {
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
	ctx := context.Background()
	path := dbPath(t)
	lost, oldKey, newK := newKey(t), newKey(t), newKey(t)
	d := openDB(t, path, lost)
	if err := d.SaveToken(ctx, sample("carol", "rt-carol")); err != nil {
		t.Fatal(err)
	}
	if err := d.PutSecret(ctx, "carol", "app_password", []byte("x"), time.Time{}); err != nil {
		t.Fatal(err)
	}
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
func TestSecretExpiryBoundaries(t *testing.T) {
	ctx := context.Background()
	d, c := clockDB(t, newKey(t))
	exp := c.t.Add(time.Hour)
	for _, u := range []string{"alice", "bob"} {
		if err := d.PutSecret(ctx, u, "login_flow", []byte("v-"+u), exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.PutSecret(ctx, "carol", "login_flow", []byte("v-carol"), exp.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := d.PutSecret(ctx, "alice", "app_password", []byte("pw"), exp); err != nil {
		t.Fatal(err)
	}
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
func TestPurgeExpiredTokens(t *testing.T) {
	ctx := context.Background()
	d, c := clockDB(t, newKey(t))
	for u, exp := range map[string]time.Time{"alice": c.t.Add(time.Hour), "bob": c.t.Add(time.Hour + time.Second), "carol": {}} {
		tok := sample(u, "rt-"+u)
		tok.ExpiresAt = exp
		if err := d.SaveToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
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
func TestKnownUsersSince(t *testing.T) {
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
func TestUsersListsReadableGrants(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	lost, key := newKey(t), newKey(t)
	d := openDB(t, path, lost)
	if err := d.SaveToken(ctx, sample("carol", "rt-carol")); err != nil {
		t.Fatal(err)
	}
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
