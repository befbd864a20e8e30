package storage

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 15 item 10: one malformed row is reported and skipped; the other
// users' grants (and so their background jobs) stay usable.
func TestMalformedRowSkipped(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, sql, wantUser, wantProblem string
	}{
		{"created_at not a time", `UPDATE refresh_tokens SET created_at='yesterday' WHERE user_id='carol'`, "carol", "created_at"},
		{"expires_at not a time", `UPDATE refresh_tokens SET expires_at='soon' WHERE user_id='carol'`, "carol", "expires_at"},
		{"last_used_at a real", `UPDATE refresh_tokens SET last_used_at=1.5 WHERE user_id='carol'`, "carol", "last_used_at"},
		{"token_enc empty", `UPDATE refresh_tokens SET token_enc=x'' WHERE user_id='carol'`, "carol", "token_enc"},
		{"user_id missing", `UPDATE refresh_tokens SET user_id=NULL WHERE user_id='carol'`, "(row ", "user_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			d := openDB(t, dbPath(t), newKey(t), func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			for _, u := range []string{"alice", "bob", "carol"} {
				saveToken(t, d, sample(u, "rt-secret-"+u))
			}
			if _, err := d.db.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			users, err := d.Users(ctx)
			if err != nil {
				t.Fatalf("Users failed as a whole: %v", err)
			}
			if !slices.Equal(users, []string{"alice", "bob"}) {
				t.Fatalf("users = %v, want alice and bob", users)
			}
			infos, err := d.ListTokens(ctx)
			if err != nil || len(infos) != 3 {
				t.Fatalf("list = %+v, %v", infos, err)
			}
			var bad *TokenInfo
			for i := range infos {
				if infos[i].Problem != "" {
					if bad != nil {
						t.Fatalf("two rows reported: %+v", infos)
					}
					bad = &infos[i]
				}
			}
			if bad == nil || !strings.HasPrefix(bad.UserID, tt.wantUser) || bad.Readable ||
				!strings.Contains(bad.Problem, "malformed") || !strings.Contains(bad.Problem, tt.wantProblem) {
				t.Fatalf("bad row reported as %+v", bad)
			}
			for _, u := range []string{"alice", "bob"} {
				if tok, err := d.Token(ctx, u); err != nil || tok.RefreshToken != "rt-secret-"+u {
					t.Fatalf("%s: %v", u, err)
				}
			}
			if tt.wantUser == "carol" {
				_, err := d.Token(ctx, "carol")
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantProblem) || !strings.Contains(err.Error(), "tokens revoke carol") {
					t.Fatalf("Token(carol) = %v", err)
				}
				called := false
				if err := d.Refresh(ctx, "carol", func(context.Context, Token) (Rotation, error) { called = true; return Rotation{}, nil }); !errors.Is(err, ErrMalformed) || called {
					t.Fatalf("refresh of a malformed row: called=%v err=%v", called, err)
				}
				if ok, err := d.DeleteToken(ctx, "carol"); !ok || err != nil {
					t.Fatalf("malformed row cannot be deleted: %v %v", ok, err)
				}
			}
			if !strings.Contains(logs.String(), "malformed") {
				t.Errorf("the bad row was not logged:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "rt-secret") {
				t.Errorf("a secret reached the log:\n%s", logs.String())
			}
			if rep, err := d.ReencryptAll(ctx); err != nil || rep.Tokens < 2 {
				t.Fatalf("rotate-key with a malformed row: %+v %v", rep, err)
			}
		})
	}
}

// A known user without a user id (the column allows NULL) is skipped too:
// background jobs with impersonation list users there.
func TestUserListingsSkipRowsWithoutUser(t *testing.T) {
	ctx := context.Background()
	d := openDB(t, dbPath(t), newKey(t))
	for _, u := range []string{"alice", "bob"} {
		if err := d.MarkSeen(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.db.Exec(`INSERT INTO known_users (user_id, last_seen) VALUES (NULL, ?)`, time.Now().Unix()); err != nil {
		t.Fatal(err)
	}
	known, err := d.KnownUsers(ctx, time.Now().Add(-time.Hour))
	if err != nil || !slices.Equal(known, []string{"alice", "bob"}) {
		t.Fatalf("known users = %v, %v", known, err)
	}
}
