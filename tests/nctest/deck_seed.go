package nctest

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// AddDeckBoard creates, as user and through the Deck API (so the default
// labels, ETags and modification times are Deck's), a board holding one
// stack, and returns both.
func (s *Server) AddDeckBoard(t testing.TB, user, title, color, stack string) (*nextcloud.DeckBoard, *nextcloud.DeckStack) {
	t.Helper()
	ctx, d := context.Background(), s.Client(t, user).Deck(nil)
	b, err := d.CreateBoard(ctx, title, color)
	if err != nil {
		t.Fatalf("nctest: create Deck board %q: %v", title, err)
	}
	st, err := d.CreateStack(ctx, b.ID, stack, 0)
	if err != nil {
		t.Fatalf("nctest: create Deck stack %q: %v", stack, err)
	}
	return b, st
}

// AddDeckCard creates card, as user and through the Deck API, in the stack
// of the board.
func (s *Server) AddDeckCard(t testing.TB, user string, boardID, stackID int64, card nextcloud.DeckCardCreate) *nextcloud.DeckCard {
	t.Helper()
	c, err := s.Client(t, user).Deck(nil).CreateCard(context.Background(), boardID, stackID, card)
	if err != nil {
		t.Fatalf("nctest: create Deck card %q: %v", card.Title, err)
	}
	return c
}
