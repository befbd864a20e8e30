package nextcloud_test

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// boardStack creates a board with one stack for a Deck test to put cards
// in, failing the test if Deck refuses either.
func boardStack(t *testing.T, d *nextcloud.DeckClient, board, color, stack string) (*nextcloud.DeckBoard, *nextcloud.DeckStack) {
	t.Helper()
	ctx := context.Background()
	b, err := d.CreateBoard(ctx, board, color)
	if err != nil {
		t.Fatalf("create board %q: %v", board, err)
	}
	s, err := d.CreateStack(ctx, b.ID, stack, 0)
	if err != nil {
		t.Fatalf("create stack %q: %v", stack, err)
	}
	return b, s
}
