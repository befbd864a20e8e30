package accounts

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// The index backend answers only for the signed-in caller.
func TestIndexBackendPerCaller(t *testing.T) {
	ctx := context.Background()
	db := storetest.TokenStore(t)
	idx := storetest.Index(t, db)
	for _, u := range []string{"alice", "bob"} {
		if err := idx.Apply(ctx, u, storage.IndexChange{App: storage.AppNotes, Upsert: []storage.IndexItem{{ID: "1", Title: u + " shared word kiwi"}}}); err != nil {
			t.Fatal(err)
		}
	}
	o := &Offline{Store: db, Index: idx}
	b := o.IndexBackend()
	as := func(u string) context.Context { return oauth.WithIdentity(ctx, &oauth.Identity{UserID: u}) }

	if _, err := b.Search(ctx, mcp.IndexQuery{Text: "kiwi"}); err == nil {
		t.Fatal("search without a caller answered")
	}
	hits, err := b.Search(as("alice"), mcp.IndexQuery{Text: "kiwi"})
	if err != nil || len(hits) != 1 || hits[0].Title != "alice shared word kiwi" {
		t.Fatalf("alice's search = %+v %v", hits, err)
	}
	if n, err := b.Wipe(as("bob")); err != nil || n != 1 {
		t.Fatalf("bob's wipe = %d %v", n, err)
	}
	if err := b.SetPaused(as("bob"), true); err != nil {
		t.Fatal(err)
	}
	st, err := b.Status(as("alice"))
	if err != nil || st.Items != 1 || st.Paused || st.User != "alice" || st.Hint == "" {
		t.Fatalf("alice's status after bob's wipe and pause = %+v %v", st, err)
	}
	if s := o.IndexState(ctx, "alice"); s == "" || s == "empty" {
		t.Fatalf("IndexState = %q", s)
	}
	if _, err := o.Index.Wipe(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if s := o.IndexState(ctx, "alice"); s != "empty" {
		t.Fatalf("IndexState after wipe = %q", s)
	}
}
