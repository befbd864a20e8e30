package mcp

import (
	"context"
	"strconv"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// addNote creates a note as c for a test and returns it with its resource
// URI.
func addNote(t testing.TB, c *nextcloud.Client, title, content string) (*nextcloud.Note, string) {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		t.Fatal(err)
	}
	return n, "nextcloud://notes/" + strconv.FormatInt(n.ID, 10)
}

// editNote replaces a note's content as c, for a test.
func editNote(t testing.TB, c *nextcloud.Client, id int64, content string) {
	t.Helper()
	if _, err := c.Notes().Update(context.Background(), id, nextcloud.NoteInput{Content: &content}, ""); err != nil {
		t.Fatal(err)
	}
}

// addBoardCard creates, as c, a board with one stack holding one plain
// card, and returns the board and the card.
func addBoardCard(t testing.TB, c *nextcloud.Client, board, color, stack, card string) (*nextcloud.DeckBoard, *nextcloud.DeckCard) {
	t.Helper()
	ctx, d := context.Background(), c.Deck(nil)
	b, err := d.CreateBoard(ctx, board, color)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateStack(ctx, b.ID, stack, 0)
	if err != nil {
		t.Fatal(err)
	}
	k, err := d.CreateCard(ctx, b.ID, s.ID, nextcloud.DeckCardCreate{Title: card, Type: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	return b, k
}
