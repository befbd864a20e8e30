package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// openTestDB opens a new encrypted token database, closed when the test ends.
func openTestDB(t *testing.T) *storage.DB {
	t.Helper()
	key, _ := storage.GenerateKey()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestBackgroundUsersByGrant(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if err := db.SaveToken(ctx, storage.Token{UserID: "alice", Issuer: "https://idp", Subject: "a", RefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSecret(ctx, "bob", oauth.SecretAppPassword, []byte(`{}`), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSeen(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSeen(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                        string
		appPasswords, impersonation bool
		want                        []string
	}{
		{"refresh tokens only", false, false, []string{"alice"}},
		{"with app passwords", true, false, []string{"alice", "bob"}},
		{"with impersonation", false, true, []string{"alice", "carol"}},
		{"all", true, true, []string{"alice", "bob", "carol"}},
	}
	for _, tc := range tests {
		got, err := backgroundUsers(ctx, db, tc.appPasswords, tc.impersonation)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if err := db.ForgetUser(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if got, _ := backgroundUsers(ctx, db, false, true); slices.Contains(got, "carol") {
		t.Error("a forgotten user still gets jobs")
	}
	if got, _ := db.KnownUsers(ctx, time.Now().Add(time.Hour)); len(got) != 0 {
		t.Errorf("users seen before the window: %v", got)
	}
}
