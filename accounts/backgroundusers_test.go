package accounts

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

func TestBackgroundUsersByGrant(t *testing.T) {
	ctx := context.Background()
	db := storetest.TokenStore(t)
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
		got, err := BackgroundUsers(ctx, db, tc.appPasswords, tc.impersonation)
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
	if got, _ := BackgroundUsers(ctx, db, false, true); slices.Contains(got, "carol") {
		t.Error("a forgotten user still gets jobs")
	}
	if got, _ := db.KnownUsers(ctx, time.Now().Add(time.Hour)); len(got) != 0 {
		t.Errorf("users seen before the window: %v", got)
	}
}

// MarkSeen records a caller once per window, so background jobs by
// impersonation know them; calls without a caller record nothing.
func TestMarkSeen(t *testing.T) {
	ctx := context.Background()
	db := storetest.TokenStore(t)
	o := &Offline{Store: db}
	calls := 0
	next := o.MarkSeen(func(context.Context) (*nextcloud.Client, error) { calls++; return nil, nil })
	if _, err := next(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.KnownUsers(ctx, time.Now().Add(-time.Hour)); len(got) != 0 {
		t.Fatalf("a call without a caller was recorded: %v", got)
	}
	as := oauth.WithIdentity(ctx, &oauth.Identity{UserID: "dora"})
	if _, err := next(as); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.KnownUsers(ctx, time.Now().Add(-time.Hour)); !slices.Equal(got, []string{"dora"}) {
		t.Fatalf("known users = %v, want dora", got)
	}
	if calls != 2 {
		t.Errorf("next called %d times, want 2", calls)
	}
	now := o.seen["dora"]
	if o.due("dora", now) || o.due("dora", now.Add(seenEvery)) || !o.due("dora", now.Add(seenEvery+time.Second)) {
		t.Error("a sign-in is recorded more than once per window, or never again")
	}
}
