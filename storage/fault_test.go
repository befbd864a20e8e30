package storage

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storedState is everything a user has in the store, for before/after
// comparisons.
type storedState struct {
	token  Token
	secret string
}

func readState(t *testing.T, d *DB, user string) storedState {
	t.Helper()
	tok, err := d.Token(context.Background(), user)
	if err != nil {
		t.Fatalf("read token of %s: %v", user, err)
	}
	sec, err := d.GetSecret(context.Background(), user, "app_password")
	if err != nil {
		t.Fatalf("read secret of %s: %v", user, err)
	}
	return storedState{token: tok, secret: string(sec)}
}

// lockedBy is another connection to the database at path holding a
// transaction begun with BEGIN mode (IMMEDIATE, EXCLUSIVE); it is closed
// when the test ends.
func lockedBy(t *testing.T, path, key, mode string) *sql.Conn {
	t.Helper()
	conn, err := openDB(t, path, key).db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), "BEGIN "+mode); err != nil {
		t.Fatal(err)
	}
	return conn
}

// storeAlice stores a grant and an app password of alice and returns
// them as read back.
func storeAlice(t *testing.T, d *DB) storedState {
	t.Helper()
	saveToken(t, d, sample("alice", "rt-stored"))
	putSecret(t, d, "alice", "app_password", []byte("stored-pass"), time.Time{})
	return readState(t, d, "alice")
}

func sameState(a, b storedState) bool {
	return a.token.RefreshToken == b.token.RefreshToken && a.token.Subject == b.token.Subject &&
		strings.Join(a.token.Scopes, " ") == strings.Join(b.token.Scopes, " ") && a.token.LastUsedAt.Equal(b.token.LastUsedAt) &&
		a.secret == b.secret
}

// writeOps are every kind of write the server makes.
func writeOps(d *DB) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"save token": func(ctx context.Context) error { return d.SaveToken(ctx, sample("alice", "rt-new")) },
		"touch token": func(ctx context.Context) error {
			return d.TouchToken(ctx, "alice")
		},
		"delete token": func(ctx context.Context) error { _, err := d.DeleteToken(ctx, "alice"); return err },
		"put secret": func(ctx context.Context) error {
			return d.PutSecret(ctx, "alice", "app_password", []byte("new-pass"), time.Time{})
		},
		"take secret": func(ctx context.Context) error { _, err := d.TakeSecret(ctx, "alice", "app_password"); return err },
		"refresh": func(ctx context.Context) error {
			return d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
				return Rotation{RefreshToken: "rt-rotated"}, nil
			})
		},
	}
}

// TestLockedDatabaseKeepsReadsAndData: while another connection (another
// process, e.g. a CLI command) holds the write lock, every write fails
// within the busy timeout with ErrLocked and a message saying what to do,
// reads keep working (WAL), nothing stored changes, and once the lock is
// released the same handle writes again.
func TestLockedDatabaseKeepsReadsAndData(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	key := newKey(t)
	d := openDB(t, path, key, func(o *Options) { o.BusyTimeout = 20 * time.Millisecond })
	d.writeRetry = 100 * time.Millisecond
	before := storeAlice(t, d)

	conn := lockedBy(t, path, key, "IMMEDIATE")
	// The holder has a write of its own pending: readers must see the
	// committed state, not its uncommitted change.
	if _, err := conn.ExecContext(ctx, `UPDATE refresh_tokens SET scopes = 'uncommitted' WHERE user_id = 'alice'`); err != nil {
		t.Fatal(err)
	}
	refreshCalled := false
	for name, op := range writeOps(d) {
		t.Run(name, func(t *testing.T) {
			err := op(ctx)
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			if !strings.Contains(err.Error(), "locked by another process") || !strings.Contains(err.Error(), "try again") || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not say what is locked and what to do", err)
			}
			if name == "refresh" {
				refreshCalled = true
			}
			if got := readState(t, d, "alice"); !sameState(got, before) {
				t.Errorf("stored state changed under the lock: %+v, was %+v", got, before)
			}
		})
	}
	if !refreshCalled {
		t.Fatal("refresh case did not run")
	}
	if list, err := d.ListTokens(ctx); err != nil || len(list) != 1 || !list[0].Readable {
		t.Fatalf("listing under the lock: %v %+v", err, list)
	}

	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, d, "alice"); !sameState(got, before) {
		t.Fatalf("state after the holder rolled back: %+v, was %+v", got, before)
	}
	if err := d.PutSecret(ctx, "alice", "app_password", []byte("after"), time.Time{}); err != nil {
		t.Fatalf("write after the lock was released: %v", err)
	}
	if err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) { return Rotation{RefreshToken: "rt-after"}, nil }); err != nil {
		t.Fatalf("refresh after the lock was released: %v", err)
	}
	if got := readState(t, d, "alice"); got.secret != "after" || got.token.RefreshToken != "rt-after" {
		t.Fatalf("writes after the lock: %+v", got)
	}
}

// openReadOnly opens a second handle on path through a read-only SQLite
// connection, as the server would have if the file could not be written.
func openReadOnly(t *testing.T, path, key string) *DB {
	t.Helper()
	c, err := NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "50")
	sdb, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	return &DB{db: &sqlDB{DB: sdb}, path: path, cipher: c, log: slog.New(slog.DiscardHandler), now: time.Now}
}

// TestReadOnlyDatabase: with a read-only connection every write fails with
// an error naming the database and the cause, reads work, and nothing
// stored is lost; the writable handle still has everything.
func TestReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	key := newKey(t)
	rw := openDB(t, path, key)
	before := storeAlice(t, rw)
	ro := openReadOnly(t, path, key)
	if got := readState(t, ro, "alice"); !sameState(got, before) {
		t.Fatalf("read-only handle reads %+v, want %+v", got, before)
	}
	for name, op := range writeOps(ro) {
		t.Run(name, func(t *testing.T) {
			err := op(ctx)
			if err == nil {
				t.Fatal("write through a read-only connection succeeded")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "readonly") {
				t.Errorf("error %q does not name the database and that it is read-only", err)
			}
			if got := readState(t, rw, "alice"); !sameState(got, before) {
				t.Errorf("stored state changed: %+v, was %+v", got, before)
			}
		})
	}
}

// TestReadOnlyFileRefusedAtOpen: a database file the server may not write
// (mode 0400) is refused when opening, with the path and the reason, and
// the file is left as it was. Root may write any file, so this needs an
// ordinary user.
func TestReadOnlyFileRefusedAtOpen(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which may write a file of mode 0400; run as an ordinary user to check this")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tokens.db")
	key := newKey(t)
	d := openDB(t, path, key)
	saveToken(t, d, sample("alice", "rt-stored"))
	d.Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path, Options{Keys: key})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("open of a read-only file: %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := openDB(t, path, key).Token(ctx, "alice"); err != nil || tok.RefreshToken != "rt-stored" {
		t.Fatalf("token after the refused open: %v", err)
	}
}

// TestRefreshOutlastsABriefLock: the IdP has already rotated the refresh
// token when the store finds the database locked; Refresh keeps retrying,
// so once the lock goes the rotated token is stored, not lost.
func TestRefreshOutlastsABriefLock(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	key := newKey(t)
	d := openDB(t, path, key, func(o *Options) { o.BusyTimeout = 20 * time.Millisecond })
	saveToken(t, d, sample("alice", "rt-old"))
	conn := lockedBy(t, path, key, "IMMEDIATE")
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(300 * time.Millisecond)
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
	}()
	err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
		return Rotation{RefreshToken: "rt-rotated"}, nil
	})
	<-released
	if err != nil {
		t.Fatalf("refresh across a brief lock: %v", err)
	}
	tok, err := d.Token(ctx, "alice")
	if err != nil || tok.RefreshToken != "rt-rotated" {
		t.Fatalf("stored token after the lock: %v (err %v), want the rotated one", tok.RefreshToken, err)
	}
}
