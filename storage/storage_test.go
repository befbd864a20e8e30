package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func newKey(t *testing.T) string {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openDB(t *testing.T, path, keys string, opts ...func(*Options)) *DB {
	t.Helper()
	o := Options{Keys: keys}
	for _, f := range opts {
		f(&o)
	}
	d, err := Open(context.Background(), path, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// saveToken and putSecret store what a test starts from.
func saveToken(t *testing.T, d *DB, tok Token) {
	t.Helper()
	if err := d.SaveToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
}

func putSecret(t *testing.T, d *DB, user, kind string, value []byte, expires time.Time) {
	t.Helper()
	if err := d.PutSecret(t.Context(), user, kind, value, expires); err != nil {
		t.Fatal(err)
	}
}

func sample(user, refresh string) Token {
	return Token{UserID: user, Issuer: "https://idp.example", Subject: "sub-" + user, Scopes: []string{"openid", "offline_access", "notes:read"}, RefreshToken: refresh}
}

func TestKeyFormats(t *testing.T) {
	good := newKey(t)
	// A key as Python's Fernet.generate_key() prints it (URL-safe, with - and _).
	const python = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	doubled := base64.URLEncoding.EncodeToString([]byte(python))
	tests := []struct {
		name, keys string
		ok         bool
		count      int
	}{
		{"generated", good, true, 1},
		{"python form", python, true, 1},
		{"two keys with spaces", good + " , " + python, true, 2},
		{"empty", "", false, 0},
		{"only commas", ",,", false, 0},
		{"encoded twice", doubled, false, 0},
		{"too short", "abc", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCipher(tt.keys)
			if tt.ok != (err == nil) {
				t.Fatalf("NewCipher ok=%v, err=%v", tt.ok, err)
			}
			if err != nil {
				if tt.keys != "" && strings.Contains(err.Error(), tt.keys) {
					t.Fatalf("error reveals the key: %v", err)
				}
				return
			}
			if c.KeyCount() != tt.count {
				t.Fatalf("keys = %d, want %d", c.KeyCount(), tt.count)
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) { backends(t, testTokenRoundTrip) }

func testTokenRoundTrip(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	exp := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second).UTC()
	in := sample("alice", "rt-alice-1")
	in.ExpiresAt = exp
	saveToken(t, d, in)
	got, err := d.Token(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != "rt-alice-1" || got.Subject != "sub-alice" || got.Issuer != in.Issuer || !got.ExpiresAt.Equal(exp) || strings.Join(got.Scopes, " ") != "openid offline_access notes:read" || got.CreatedAt.IsZero() {
		t.Fatalf("round trip mismatch: %+v", got)
	}
	if _, err := d.Token(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: err = %v, want ErrNotFound", err)
	}
	if err := d.TouchToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	list, err := d.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Readable || list[0].OldKey || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list = %+v", list)
	}
	b, _ := json.Marshal(list)
	if strings.Contains(string(b), "rt-alice-1") {
		t.Fatal("listing shows the refresh token")
	}
	for _, s := range []string{fmt.Sprint(got), fmt.Sprintf("%+v", got), fmt.Sprintf("%#v", got)} {
		if strings.Contains(s, "rt-alice-1") {
			t.Fatalf("formatting a Token shows the secret: %s", s)
		}
	}
	ok, err := d.DeleteToken(ctx, "alice")
	if err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if ok, _ := d.DeleteToken(ctx, "alice"); ok {
		t.Fatal("second delete reported a row")
	}
	if _, err := d.Token(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestFileModeAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	d := openDB(t, path, key)
	saveToken(t, d, sample("alice", "x"))
	for _, f := range []string{path, path + "-wal"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(f), st.Mode().Perm())
		}
	}
	var v int
	if err := d.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("schema version = %d (%v), want %d", v, err, SchemaVersion())
	}
	d.Close()
	// Reopening keeps the data and does not migrate again.
	d2 := openDB(t, path, key)
	if _, err := d2.Token(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	d2.Close()
	if _, err := Open(ctx, path, Options{Keys: key}); err == nil || !strings.Contains(err.Error(), "newer than this server") {
		t.Fatalf("future schema: err = %v", err)
	}
}

func TestKeyRotation(t *testing.T) { backends(t, testKeyRotation) }

func testKeyRotation(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	oldKey, newK := newKey(t), newKey(t)
	d := openDB(t, path, oldKey)
	saveToken(t, d, sample("alice", "rt-a"))
	putSecret(t, d, "alice", "app_password", []byte("pw-a"), time.Time{})
	d.Close()

	d = openDB(t, path, newK+","+oldKey)
	if got, err := d.Token(ctx, "alice"); err != nil || got.RefreshToken != "rt-a" {
		t.Fatalf("decrypt with second key: %v %v", got.RefreshToken, err)
	}
	list, _ := d.ListTokens(ctx)
	if len(list) != 1 || !list[0].OldKey {
		t.Fatalf("list should flag the old key: %+v", list)
	}
	rep, err := d.ReencryptAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tokens != 1 || rep.Secrets != 1 || len(rep.Unreadable) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	d.Close()

	d = openDB(t, path, newK)
	if got, err := d.Token(ctx, "alice"); err != nil || got.RefreshToken != "rt-a" {
		t.Fatalf("after rotation with new key only: %v", err)
	}
	if v, err := d.GetSecret(ctx, "alice", "app_password"); err != nil || string(v) != "pw-a" {
		t.Fatalf("secret after rotation: %q %v", v, err)
	}
	d.Close()

	d = openDB(t, path, oldKey)
	if _, err := d.Token(ctx, "alice"); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("old key after rotation: err = %v, want ErrUndecryptable", err)
	}
}

func TestWrongKey(t *testing.T) { backends(t, testWrongKey) }

func testWrongKey(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	d := openDB(t, path, newKey(t))
	saveToken(t, d, sample("alice", "rt-a"))
	d.Close()
	d = openDB(t, path, newKey(t))
	if _, err := d.Token(ctx, "alice"); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("err = %v, want ErrUndecryptable", err)
	}
	list, err := d.ListTokens(ctx)
	if err != nil || len(list) != 1 || list[0].Readable {
		t.Fatalf("list = %+v, %v", list, err)
	}
	users, err := d.Users(ctx)
	if err != nil || len(users) != 0 {
		t.Fatalf("users = %v, %v; an unreadable grant must be skipped", users, err)
	}
	rep, err := d.ReencryptAll(ctx)
	if err != nil || len(rep.Unreadable) != 1 || rep.Tokens != 0 {
		t.Fatalf("reencrypt = %+v, %v", rep, err)
	}
}

func TestTamperedRows(t *testing.T) { backends(t, testTamperedRows) }

func testTamperedRows(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, d *DB)
	}{
		{"flipped byte", func(t *testing.T, d *DB) {
			var enc []byte
			if err := d.db.QueryRow(`SELECT token_enc FROM refresh_tokens WHERE user_id='alice'`).Scan(&enc); err != nil {
				t.Fatal(err)
			}
			enc[len(enc)/2] ^= 0x01
			if _, err := d.db.Exec(`UPDATE refresh_tokens SET token_enc=? WHERE user_id='alice'`, enc); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, d *DB) {
			if _, err := d.db.Exec(`UPDATE refresh_tokens SET token_enc=substr(token_enc, 1, 20) WHERE user_id='alice'`); err != nil {
				t.Fatal(err)
			}
		}},
		{"copied from another user", func(t *testing.T, d *DB) {
			if _, err := d.db.Exec(`UPDATE refresh_tokens SET token_enc=(SELECT token_enc FROM refresh_tokens WHERE user_id='bob') WHERE user_id='alice'`); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openDB(t, dbPath(t), newKey(t))
			for _, u := range []string{"alice", "bob"} {
				saveToken(t, d, sample(u, "rt-"+u))
			}
			tt.tamper(t, d)
			got, err := d.Token(ctx, "alice")
			if !errors.Is(err, ErrUndecryptable) || got.RefreshToken != "" {
				t.Fatalf("tampered row: token %q, err %v", got.RefreshToken, err)
			}
			if !strings.Contains(err.Error(), "sign in again") {
				t.Errorf("error does not say what to do: %v", err)
			}
			users, _ := d.Users(ctx)
			if strings.Join(users, ",") != "bob" {
				t.Fatalf("users = %v, want only bob", users)
			}
			called := false
			err = d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { called = true; return Rotation{}, nil })
			if !errors.Is(err, ErrUndecryptable) || called {
				t.Fatalf("refresh of tampered row: called=%v err=%v", called, err)
			}
		})
	}
	t.Run("secret", func(t *testing.T) {
		d := openDB(t, dbPath(t), newKey(t))
		putSecret(t, d, "alice", "app_password", []byte("pw"), time.Time{})
		if _, err := d.db.Exec(`UPDATE secrets SET kind='other'`); err != nil {
			t.Fatal(err)
		}
		if v, err := d.GetSecret(ctx, "alice", "other"); !errors.Is(err, ErrUndecryptable) || v != nil {
			t.Fatalf("moved secret: %q %v", v, err)
		}
	})
}

func TestSecrets(t *testing.T) { backends(t, testSecrets) }

func testSecrets(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := &now
	d := openDB(t, dbPath(t), newKey(t), func(o *Options) { o.Now = func() time.Time { return *clock } })
	putSecret(t, d, "alice", "app_password", []byte("pw-1"), time.Time{})
	putSecret(t, d, "alice", "app_password", []byte("pw-2"), time.Time{})
	putSecret(t, d, "alice", "login_flow", []byte(`{"poll":"x"}`), now.Add(20*time.Minute))
	if v, err := d.GetSecret(ctx, "alice", "app_password"); err != nil || string(v) != "pw-2" {
		t.Fatalf("get = %q, %v", v, err)
	}
	if owners, _ := d.SecretOwners(ctx, "login_flow"); len(owners) != 1 {
		t.Fatalf("owners = %v", owners)
	}
	later := now.Add(21 * time.Minute)
	clock = &later
	if _, err := d.GetSecret(ctx, "alice", "login_flow"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	if owners, _ := d.SecretOwners(ctx, "login_flow"); len(owners) != 0 {
		t.Fatalf("expired owner listed: %v", owners)
	}
	if n, err := d.PurgeExpired(ctx); err != nil || n != 1 {
		t.Fatalf("purge = %d, %v", n, err)
	}
	putSecret(t, d, "state-hash", "oauth_login", []byte("once"), later.Add(time.Minute))
	if v, err := d.TakeSecret(ctx, "state-hash", "oauth_login"); err != nil || string(v) != "once" {
		t.Fatalf("take = %q, %v", v, err)
	}
	if _, err := d.TakeSecret(ctx, "state-hash", "oauth_login"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second take: %v", err)
	}
	if ok, err := d.DeleteSecret(ctx, "alice", "app_password"); !ok || err != nil {
		t.Fatalf("delete = %v %v", ok, err)
	}
	if _, err := d.GetSecret(ctx, "alice", "app_password"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestRefresh(t *testing.T) { backends(t, testRefresh) }

func testRefresh(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	save := func() {
		saveToken(t, d, sample("alice", "rt-1"))
	}
	t.Run("rotation stored", func(t *testing.T) {
		save()
		exp := time.Now().Add(time.Hour).Truncate(time.Second)
		err := d.Refresh(ctx, "alice", func(_ context.Context, tok Token) (Rotation, error) {
			if tok.RefreshToken != "rt-1" {
				t.Errorf("fn got %q", tok.RefreshToken)
			}
			return Rotation{RefreshToken: "rt-2", ExpiresAt: exp, Scopes: []string{"openid"}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Token(ctx, "alice")
		if err != nil || got.RefreshToken != "rt-2" || got.LastRefreshedAt.IsZero() || !got.ExpiresAt.Equal(exp) || strings.Join(got.Scopes, " ") != "openid" {
			t.Fatalf("after rotation: %+v %v", got, err)
		}
	})
	t.Run("no rotation keeps token", func(t *testing.T) {
		save()
		if err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{}, nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.Token(ctx, "alice"); got.RefreshToken != "rt-1" || len(got.Scopes) != 3 {
			t.Fatalf("token = %+v", got)
		}
	})
	t.Run("failure leaves row", func(t *testing.T) {
		save()
		boom := errors.New("idp down")
		if err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{}, boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if got, err := d.Token(ctx, "alice"); err != nil || got.RefreshToken != "rt-1" {
			t.Fatalf("token = %+v %v", got, err)
		}
	})
	t.Run("revoked deletes", func(t *testing.T) {
		save()
		err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
			return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
		})
		if !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), "deleted") {
			t.Fatalf("err = %v", err)
		}
		if _, err := d.Token(ctx, "alice"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("row not deleted: %v", err)
		}
	})
	t.Run("newer consent kept", func(t *testing.T) {
		save()
		// On PostgreSQL the refresh holds the row: the consent waits for
		// it and lands after (SQLite lets it land during the IdP call).
		consent := make(chan error, 1)
		err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
			if onPostgres(t) {
				go func() { consent <- d.SaveToken(ctx, sample("alice", "rt-consent")) }()
			} else {
				consent <- d.SaveToken(ctx, sample("alice", "rt-consent"))
			}
			return Rotation{}, fmt.Errorf("invalid_grant: %w", ErrRevoked)
		})
		if !errors.Is(err, ErrRevoked) {
			t.Fatalf("err = %v", err)
		}
		if err := <-consent; err != nil {
			t.Fatal(err)
		}
		if got, err := d.Token(ctx, "alice"); err != nil || got.RefreshToken != "rt-consent" {
			t.Fatalf("newer consent lost: %+v %v", got, err)
		}
	})
}

func TestConcurrentWriters(t *testing.T) { backends(t, testConcurrentWriters) }

func testConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	key := newKey(t)
	// Two handles act like two processes sharing the file.
	handles := []*DB{openDB(t, path, key), openDB(t, path, key)}
	const writers, writes = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*writes)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := handles[w%2]
			user := fmt.Sprintf("user%d", w%4)
			for i := range writes {
				if err := d.SaveToken(ctx, sample(user, fmt.Sprintf("rt-%d-%d", w, i))); err != nil {
					errs <- err
					return
				}
				if err := d.PutSecret(ctx, user, "app_password", []byte(fmt.Sprint(i)), time.Time{}); err != nil {
					errs <- err
					return
				}
				if _, err := d.Token(ctx, user); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	list, err := handles[0].ListTokens(ctx)
	if err != nil || len(list) != 4 {
		t.Fatalf("list = %d rows, %v", len(list), err)
	}
	for _, in := range list {
		if !in.Readable {
			t.Errorf("row of %s unreadable after concurrent writes", in.UserID)
		}
	}
}

func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	key := newKey(t)
	d := openDB(t, path, key, func(o *Options) { o.BusyTimeout = 50 * time.Millisecond })
	conn := lockedBy(t, path, key, "EXCLUSIVE")
	err := d.SaveToken(ctx, sample("alice", "rt"))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("err = %v, want a clear ErrLocked", err)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveToken(ctx, sample("alice", "rt")); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

// TestCrashHelper is the child process of TestCrashSafety: it starts a
// write and blocks before the commit until it is killed.
func TestCrashHelper(t *testing.T) {
	path, op := os.Getenv("STORAGE_CRASH_DB"), os.Getenv("STORAGE_CRASH_OP")
	if path == "" {
		t.Skip("only runs as the child of TestCrashSafety")
	}
	d, err := Open(context.Background(), path, Options{Keys: os.Getenv("STORAGE_CRASH_KEY")})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	d.beforeCommit = func(string) {
		fmt.Println("READY")
		select {}
	}
	ctx := context.Background()
	switch op {
	case "save":
		err = d.SaveToken(ctx, sample("alice", "rt-new"))
	case "refresh":
		err = d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{RefreshToken: "rt-new"}, nil })
	case "reencrypt":
		_, err = d.ReencryptAll(ctx)
	}
	fmt.Println("ERR", err)
	os.Exit(2)
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, op := range []string{"save", "refresh", "reencrypt"} {
		t.Run(op, func(t *testing.T) {
			ctx := context.Background()
			path := dbPath(t)
			key := newKey(t)
			keys := key
			if op == "reencrypt" {
				keys = newKey(t) + "," + key
			}
			d := openDB(t, path, key)
			saveToken(t, d, sample("alice", "rt-old"))
			d.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "STORAGE_CRASH_DB="+path, "STORAGE_CRASH_OP="+op, "STORAGE_CRASH_KEY="+keys)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			if strings.TrimSpace(line) != "READY" {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("child did not reach the commit: %q", line)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			d = openDB(t, path, key, func(o *Options) { o.BusyTimeout = time.Second })
			got, err := d.Token(ctx, "alice")
			if err != nil || got.RefreshToken != "rt-old" {
				t.Fatalf("after crash: token %q, err %v; want the previous token", got.RefreshToken, err)
			}
			if err := d.SaveToken(ctx, sample("alice", "rt-after")); err != nil {
				t.Fatalf("write after crash: %v", err)
			}
		})
	}
}

func TestAbortedTransactionKeepsToken(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	saveToken(t, d, sample("alice", "rt-old"))
	cctx, cancel := context.WithCancel(ctx)
	d.beforeCommit = func(string) { cancel() }
	if err := d.SaveToken(cctx, sample("alice", "rt-new")); err == nil {
		t.Fatal("save with a context cancelled before commit succeeded")
	}
	d.beforeCommit = nil
	if got, err := d.Token(ctx, "alice"); err != nil || got.RefreshToken != "rt-old" {
		t.Fatalf("token = %q, %v", got.RefreshToken, err)
	}
}

func TestSecretsNeverLogged(t *testing.T) { backends(t, testSecretsNeverLogged) }

func testSecretsNeverLogged(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	path := dbPath(t)
	key1, key2 := newKey(t), newKey(t)
	secrets := []string{key1, key2, "rt-very-secret-1", "rt-very-secret-2", "app-pass-secret"}
	if onPostgres(t) {
		// The test server trusts the user; a password in the URL must
		// still never be shown.
		path = strings.Replace(path, "://mcptest@", "://mcptest:db-password-secret@", 1)
		secrets = append(secrets, "db-password-secret")
	}
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	d := openDB(t, path, key1, func(o *Options) { o.Logger = logger })
	tok := sample("alice", "rt-very-secret-1")
	logger.Info("token", "t", tok)
	note(d.SaveToken(ctx, tok))
	note(d.PutSecret(ctx, "alice", "app_password", []byte("app-pass-secret"), time.Time{}))
	note(d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
		return Rotation{RefreshToken: "rt-very-secret-2"}, nil
	}))
	if _, err := d.db.Exec(`UPDATE secrets SET value_enc = substr(value_enc, 2)`); err != nil {
		t.Fatal(err)
	}
	_, err := d.GetSecret(ctx, "alice", "app_password")
	note(err)
	d.Close()
	d = openDB(t, path, key2, func(o *Options) { o.Logger = logger })
	_, err = d.Token(ctx, "alice")
	note(err)
	_, err = d.ListTokens(ctx)
	note(err)
	_, err = d.ReencryptAll(ctx)
	note(err)
	_, err = NewCipher(key1[:30])
	note(err)
	if len(errs) < 3 || logs.Len() == 0 {
		t.Fatalf("the test did not exercise failures: %d errors, %d bytes of logs", len(errs), logs.Len())
	}
	all := logs.String() + "\n" + strings.Join(errs, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %.6s… appears in logs or errors", s)
		}
	}
	if onPostgres(t) {
		for _, q := range []string{`SELECT token_enc FROM refresh_tokens`, `SELECT value_enc FROM secrets`} {
			rows, err := d.db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var enc []byte
				if err := rows.Scan(&enc); err != nil {
					t.Fatal(err)
				}
				for _, s := range secrets {
					if bytes.Contains(enc, []byte(s)) {
						t.Errorf("secret %.6s… stored in plain text", s)
					}
				}
			}
			rows.Close()
		}
		if strings.Contains(d.Path(), "db-password-secret") {
			t.Errorf("Path() shows the database password")
		}
		return
	}
	d.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) || bytes.Contains(wal, []byte(s)) {
			t.Errorf("secret %.6s… stored in plain text", s)
		}
	}
}
