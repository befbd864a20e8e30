package jobs

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// BenchmarkIndexSyncUnchanged runs every index sync for a user whose data
// did not change (500 notes, 20 folders of files, a calendar, an address
// book, a Deck board) and reports the requests each app's sync made.
func BenchmarkIndexSyncUnchanged(b *testing.B) {
	ctx := context.Background()
	nc := nctest.New(b, nctest.WithUser("alice", "pw-a"))
	var mu sync.Mutex
	reqs := 0
	nc.Fault = func(http.ResponseWriter, *http.Request) bool { mu.Lock(); reqs++; mu.Unlock(); return false }
	count := func() int { mu.Lock(); defer mu.Unlock(); return reqs }
	c := nc.Client(b, "alice")
	str := func(s string) *string { return &s }
	for i := range 500 {
		if _, err := c.CreateNote(ctx, nextcloud.NoteInput{Title: str(fmt.Sprintf("n%d", i)), Content: str("text")}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 20 {
		if _, err := c.MakeFolderAll(ctx, fmt.Sprintf("d%d/sub", i)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.WriteFile(ctx, fmt.Sprintf("d%d/sub/f.md", i), []byte("hello"), nextcloud.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	dk := c.Deck(nil)
	board, err := dk.CreateBoard(ctx, "B", "ff0000")
	if err != nil {
		b.Fatal(err)
	}
	st, err := dk.CreateStack(ctx, board.ID, "S", 0)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if _, err := dk.CreateCard(ctx, board.ID, st.ID, nextcloud.DeckCardCreate{Title: fmt.Sprint("card ", i), Type: "plain"}); err != nil {
			b.Fatal(err)
		}
	}
	// Notes changed in the second of a listing are listed again.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	x := NewIndexer(newTestIndex(b))
	syncs := []struct {
		name string
		run  func(context.Context, *nextcloud.Client) error
	}{{"notes", x.SyncNotes}, {"files", x.SyncFiles}, {"calendar", x.SyncCalendars}, {"contacts", x.SyncContacts}, {"deck", x.SyncDeck}}
	for _, s := range syncs {
		if err := s.run(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	per := make([]int, len(syncs))
	for b.Loop() {
		for i, s := range syncs {
			before := count()
			if err := s.run(ctx, c); err != nil {
				b.Fatal(err)
			}
			per[i] += count() - before
		}
	}
	for i, s := range syncs {
		b.ReportMetric(float64(per[i])/float64(b.N), s.name+"-requests/op")
	}
}
