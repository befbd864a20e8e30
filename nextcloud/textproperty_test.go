package nextcloud_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Random text in notes, Deck cards and file names survives create → get
// → update-something-else → get (against the test Nextcloud; these are
// JSON and WebDAV APIs, no text format of their own to escape).
func TestAppTextRoundTripProperty(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	ctx := context.Background()
	r := rand.New(rand.NewPCG(16, 2027))
	deck := c.Deck(nil)
	board, err := deck.CreateBoard(ctx, "Property", "336699")
	if err != nil {
		t.Fatal(err)
	}
	stack, err := deck.CreateStack(ctx, board.ID, "Todo", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range propertyRounds {
		content := randomText(r)
		title := randomNonEmpty(r, oneLine)
		n, err := c.Notes().Create(ctx, nextcloud.NoteInput{Title: &title, Content: &content})
		if err != nil {
			t.Fatalf("round %d: create note: %v", i, err)
		}
		if n.Content != content {
			t.Fatalf("round %d: note content %q read as %q", i, content, n.Content)
		}
		fav := true
		up, err := c.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Favorite: &fav}, "")
		if err != nil {
			t.Fatalf("round %d: update note: %v", i, err)
		}
		if got, err := c.Notes().Get(ctx, n.ID); err != nil || got.Content != n.Content || got.Title != n.Title || up.Title != n.Title {
			t.Fatalf("round %d: favouring the note changed it: %+v -> %+v (%v)", i, n, got, err)
		}

		ctitle, cdesc := randomNonEmpty(r, oneLine), randomText(r)
		card, err := deck.CreateCard(ctx, board.ID, stack.ID, nextcloud.DeckCardCreate{Title: ctitle, Type: "plain", Description: cdesc})
		if err != nil {
			t.Fatalf("round %d: create card: %v", i, err)
		}
		got, err := deck.Card(ctx, board.ID, stack.ID, card.ID)
		if err != nil || got.Title != ctitle || got.Description != cdesc {
			t.Fatalf("round %d: card %q %q read as %+v (%v)", i, ctitle, cdesc, got, err)
		}
		due := "2030-01-01T10:00:00+00:00"
		if _, err := deck.UpdateCard(ctx, board.ID, stack.ID, card.ID, nextcloud.DeckCardUpdate{Title: got.Title, Description: got.Description, Type: "plain", Owner: "admin", Duedate: &due}); err != nil {
			t.Fatalf("round %d: update card: %v", i, err)
		}
		again, err := deck.Card(ctx, board.ID, stack.ID, card.ID)
		if err != nil || again.Title != ctitle || again.Description != cdesc {
			t.Fatalf("round %d: setting the due date changed the card: %+v (%v)", i, again, err)
		}

		// A file name: any text but / and \ (the client refuses it, as
		// Nextcloud does) and control characters.
		name := strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
				return '_'
			}
			return r
		}, oneLine(randomNonEmpty(r, oneLine)))
		if name == "." || name == ".." {
			continue
		}
		if _, err := c.Files().Write(ctx, name, []byte("one"), nextcloud.WriteOptions{}); err != nil {
			t.Fatalf("round %d: write %q: %v", i, name, err)
		}
		if _, err := c.Files().Write(ctx, name, []byte("two"), nextcloud.WriteOptions{}); err != nil {
			t.Fatalf("round %d: overwrite %q: %v", i, name, err)
		}
		fi, err := c.Files().Stat(ctx, name)
		if err != nil || fi.Name != name || fi.Path != name || fi.Size != 3 {
			t.Fatalf("round %d: file %q stat as %+v (%v)", i, name, fi, err)
		}
		_, list, err := c.Files().List(ctx, "")
		found := false
		for _, f := range list {
			found = found || f.Name == name
		}
		if err != nil || !found {
			t.Fatalf("round %d: %q not listed by that name (%v)", i, name, err)
		}
	}
}
