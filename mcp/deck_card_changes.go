package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckMoveOut struct {
	Card          deckCardBrief `json:"card" jsonschema:"the card after the move"`
	LabelsCarried []string      `json:"labels_carried,omitempty" jsonschema:"labels re-applied on the target board (same title)"`
	LabelsDropped []string      `json:"labels_dropped,omitempty" jsonschema:"labels the target board lacks, so the card lost them"`
}

func (o deckMoveOut) Summary() string {
	s := fmt.Sprintf("Moved card #%d %s to stack #%d %s on board #%d at position %d.", o.Card.ID, o.Card.Title, o.Card.StackID, o.Card.StackTitle, o.Card.BoardID, o.Card.Order)
	if len(o.LabelsDropped) > 0 {
		s += " Labels dropped (not on the target board): " + strings.Join(o.LabelsDropped, ", ") + "."
	}
	return s
}

type deckMoveCardIn struct {
	BoardID   int64 `json:"board_id" jsonschema:"board the card is on now"`
	CardID    int64 `json:"card_id" jsonschema:"card id"`
	StackID   int64 `json:"stack_id,omitempty" jsonschema:"the card's current stack id if known"`
	ToStackID int64 `json:"to_stack_id" jsonschema:"stack to move the card to"`
	ToBoardID int64 `json:"to_board_id,omitempty" jsonschema:"board of to_stack_id when moving to another board"`
	Order     *int  `json:"order,omitempty" jsonschema:"position in the target stack (0 is the top; default the bottom)"`
}

func (in deckMoveCardIn) Validate() error {
	if err := cmp.Or(deckID("board_id", in.BoardID), deckID("card_id", in.CardID), deckID("to_stack_id", in.ToStackID)); err != nil {
		return err
	}
	if in.Order != nil && *in.Order < 0 {
		return Argf("order must not be negative")
	}
	return nil
}

func deckMoveCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_move_card", Title: "Move Deck card", Scope: deckWrite, Kind: Write,
		Description: "Move a card to another stack, on the same board or (with to_board_id) on another board, at a given position. On another board, labels with the same title are kept; others are dropped."},
		func(ctx context.Context, nc *nextcloud.Client, in deckMoveCardIn) (deckMoveOut, error) {
			m, err := nc.Deck(cache).MoveCard(ctx, nextcloud.DeckMove{BoardID: in.BoardID, CardID: in.CardID, StackID: in.StackID,
				ToBoardID: in.ToBoardID, ToStackID: in.ToStackID, Order: in.Order})
			if err != nil {
				return deckMoveOut{}, err
			}
			return deckMoveOut{Card: deckBriefFrom(m.Card, m.BoardID, m.Stack.Title), LabelsCarried: m.LabelsCarried, LabelsDropped: m.LabelsDropped}, nil
		})
}

func deckArchiveCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_archive_card", Title: "Archive Deck card", Scope: deckWrite, Kind: Write,
		Description: "Archive a card: it leaves the board view but can be found with nc_deck_list_cards archived=true and unarchived."},
		deckArchiving(cache, true))
}

func deckUnarchiveCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_unarchive_card", Title: "Unarchive Deck card", Scope: deckWrite, Kind: Write,
		Description: "Bring an archived card back to its stack."},
		deckArchiving(cache, false))
}

// deckArchiving is the handler of nc_deck_archive_card (archived) and
// nc_deck_unarchive_card.
func deckArchiving(cache *nextcloud.DeckCache, archived bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
		d := nc.Deck(cache)
		c, err := d.SetArchived(ctx, in.BoardID, in.CardID, in.StackID, archived)
		return deckCardResult(ctx, nc, d, in.BoardID, c, err)
	}
}

type deckCardUserIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	UserID  string `json:"user_id" jsonschema:"Nextcloud user id of a board member"`
}

func (in deckCardUserIn) Validate() error {
	if err := cmp.Or(deckID("board_id", in.BoardID), deckID("card_id", in.CardID)); err != nil {
		return err
	}
	if strings.TrimSpace(in.UserID) == "" {
		return Argf("user_id must not be empty")
	}
	return nil
}

func deckAssignUser(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_assign_user", Title: "Assign user to Deck card", Scope: deckWrite, Kind: Write,
		Description: "Assign a board member to a card (resolve names to user ids first, e.g. from nc_deck_get_board members)."},
		deckAssigning(cache, true))
}

func deckUnassignUser(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_unassign_user", Title: "Unassign user from Deck card", Scope: deckWrite, Kind: Write,
		Description: "Remove a user's assignment from a card."},
		deckAssigning(cache, false))
}

// deckAssigning is the handler of nc_deck_assign_user (on) and
// nc_deck_unassign_user.
func deckAssigning(cache *nextcloud.DeckCache, on bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardUserIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardUserIn) (deckCardOut, error) {
		d := nc.Deck(cache)
		c, err := d.SetAssigned(ctx, in.BoardID, in.CardID, in.StackID, strings.TrimSpace(in.UserID), on)
		return deckCardResult(ctx, nc, d, in.BoardID, c, err)
	}
}

type deckCardLabelIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	Label   string `json:"label" jsonschema:"label title (as on the board) or label id"`
}

func (in deckCardLabelIn) Validate() error {
	if err := cmp.Or(deckID("board_id", in.BoardID), deckID("card_id", in.CardID)); err != nil {
		return err
	}
	if strings.TrimSpace(in.Label) == "" {
		return Argf("label must not be empty")
	}
	return nil
}

func deckAddLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_add_label", Title: "Add label to Deck card", Scope: deckWrite, Kind: Write,
		Description: "Put one of the board's labels on a card, by label title or id."},
		deckLabeling(cache, true))
}

func deckRemoveLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_remove_label", Title: "Remove label from Deck card", Scope: deckWrite, Kind: Write,
		Description: "Take a label off a card, by label title or id."},
		deckLabeling(cache, false))
}

// deckLabeling is the handler of nc_deck_add_label (on) and
// nc_deck_remove_label.
func deckLabeling(cache *nextcloud.DeckCache, on bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardLabelIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardLabelIn) (deckCardOut, error) {
		d := nc.Deck(cache)
		c, err := d.SetLabel(ctx, in.BoardID, in.CardID, in.StackID, in.Label, on)
		return deckCardResult(ctx, nc, d, in.BoardID, c, err)
	}
}
