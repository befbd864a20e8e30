package storage

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// On PostgreSQL a refresh holds the row (refreshLocked); when storing its
// answer fails, a rotated refresh token the IdP already spent is lost, and
// only then is that logged (seed 43 survivor tokens.go:404).
func TestRotatedTokenLossLoggedOnPostgres(t *testing.T) {
	ctx := context.Background()
	onlyPostgres(t, func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			rotated string
			logged  bool
		}{
			{"rotated token lost", "rt-alice-2", true},
			{"no rotated token", "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var logs bytes.Buffer
				d := openDB(t, dbPath(t), newKey(t), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
				twoUsers(t, d)
				if _, err := d.db.Exec(`CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
					CREATE TRIGGER fail_update BEFORE UPDATE ON refresh_tokens FOR EACH ROW EXECUTE FUNCTION fail()`); err != nil {
					t.Fatal(err)
				}
				err := d.Refresh(ctx, "alice", func(context.Context, Token) (Rotation, error) {
					return Rotation{RefreshToken: tc.rotated}, nil
				})
				if err == nil {
					t.Fatal("Refresh succeeded although its update failed")
				}
				if got := strings.Contains(logs.String(), "could not store the rotated refresh token"); got != tc.logged {
					t.Fatalf("logged the lost rotated token: %v, want %v:\n%s", got, tc.logged, logs.String())
				}
				if strings.Contains(logs.String(), "rt-alice") {
					t.Fatalf("a refresh token leaked into the log:\n%s", logs.String())
				}
			})
		}
	})
}

// CheckKey on a store whose database is gone reports the check, not a
// panic or success (seed 43 survivor rotate.go:128).
func TestCheckKeyOnClosedStore(t *testing.T) {
	backends(t, func(t *testing.T) {
		d := openClosed(t)
		if err := d.CheckKey(context.Background()); err == nil || !strings.Contains(err.Error(), "check TOKEN_ENCRYPTION_KEY against stored rows") {
			t.Fatalf("CheckKey = %v, want an error naming the check", err)
		}
	})
}
