package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckStackOut struct {
	ID                int64           `json:"id" jsonschema:"stack id"`
	Title             string          `json:"title" jsonschema:"stack title"`
	Order             int             `json:"order" jsonschema:"position from left to right"`
	CardCount         int             `json:"card_count" jsonschema:"active cards in the stack"`
	ArchivedCardCount int             `json:"archived_card_count" jsonschema:"archived cards in the stack"`
	OverdueCount      int             `json:"overdue_count" jsonschema:"active cards past their due date"`
	Cards             []deckCardBrief `json:"cards,omitempty" jsonschema:"the stack's cards, when asked for"`
}

type deckStacksOut struct {
	BoardID int64          `json:"board_id" jsonschema:"board id"`
	Stacks  []deckStackOut `json:"stacks" jsonschema:"stacks in order"`
}

func (o deckStacksOut) Summary() string {
	return listSummary(o.Stacks, fmt.Sprintf("Board #%d has no such stacks.", o.BoardID),
		fmt.Sprintf("%d stack(s) on board #%d:", len(o.Stacks), o.BoardID),
		func(s deckStackOut) string {
			return fmt.Sprintf("- #%d %s (%d card(s), %d archived)", s.ID, s.Title, s.CardCount, s.ArchivedCardCount)
		})
}

type deckListStacksIn struct {
	BoardID  int64 `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
	Archived bool  `json:"archived,omitempty" jsonschema:"true lists the stacks that hold archived cards, counting those"`
}

func (in deckListStacksIn) Validate() error { return idArg("board_id", in.BoardID, "") }

func deckListStacks(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_list_stacks", Title: "List Deck stacks", Scope: deckRead, Kind: Read,
		Description: "List a board's stacks (columns) in order with their card counts. With archived, list the stacks that hold archived cards."},
		func(ctx context.Context, nc *nextcloud.Client, in deckListStacksIn) (deckStacksOut, error) {
			d := nc.Deck(cache)
			active, err := d.Stacks(ctx, in.BoardID)
			if err != nil {
				return deckStacksOut{}, err
			}
			archived, err := d.ArchivedStacks(ctx, in.BoardID)
			if err != nil {
				return deckStacksOut{}, err
			}
			archivedCount := map[int64]int{}
			for _, s := range archived {
				archivedCount[s.ID] = len(s.Cards)
			}
			out := deckStacksOut{BoardID: in.BoardID, Stacks: []deckStackOut{}}
			for _, s := range active {
				if in.Archived && archivedCount[s.ID] == 0 {
					continue
				}
				out.Stacks = append(out.Stacks, deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), ArchivedCardCount: archivedCount[s.ID]})
			}
			return out, nil
		})
}

type deckStackOneOut struct {
	BoardID int64        `json:"board_id" jsonschema:"board id"`
	Stack   deckStackOut `json:"stack" jsonschema:"the stack"`
}

func (o deckStackOneOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stack #%d %s on board #%d (order %d), %d card(s)", o.Stack.ID, o.Stack.Title, o.BoardID, o.Stack.Order, o.Stack.CardCount)
	for _, c := range o.Stack.Cards {
		fmt.Fprintf(&b, "\n- #%d %s", c.ID, c.Title)
	}
	return b.String()
}

type deckStackIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	StackID int64 `json:"stack_id" jsonschema:"stack id, from nc_deck_get_board or nc_deck_list_stacks"`
}

func (in deckStackIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("stack_id", in.StackID, ""))
}

func deckGetStack(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_get_stack", Title: "Get Deck stack", Scope: deckRead, Kind: Read,
		Description: "Show one stack of a board with its active cards."},
		func(ctx context.Context, nc *nextcloud.Client, in deckStackIn) (deckStackOneOut, error) {
			s, _, err := nc.Deck(cache).FindStack(ctx, in.BoardID, in.StackID)
			if err != nil {
				return deckStackOneOut{}, err
			}
			so := deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), Cards: []deckCardBrief{}}
			for i := range s.Cards {
				so.Cards = append(so.Cards, deckBriefFrom(&s.Cards[i], in.BoardID, s.Title))
			}
			return deckStackOneOut{BoardID: in.BoardID, Stack: so}, nil
		})
}

type deckCreateStackIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	Title   string `json:"title" jsonschema:"stack title, at most 100 characters"`
	Order   *int   `json:"order,omitempty" jsonschema:"position from the left; default after the last stack"`
}

func (in deckCreateStackIn) Validate() error {
	if err := idArg("board_id", in.BoardID, ""); err != nil {
		return err
	}
	return deckTitleArg(in.Title, 100)
}

func deckCreateStack(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_create_stack", Title: "Create Deck stack", Scope: deckWrite, Kind: Create,
		Description: "Add a stack (column) to a board, by default after the last one."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCreateStackIn) (deckStackOneOut, error) {
			s, err := nc.Deck(cache).AddStack(ctx, in.BoardID, strings.TrimSpace(in.Title), in.Order)
			if err != nil {
				return deckStackOneOut{}, err
			}
			return deckStackOneOut{BoardID: in.BoardID, Stack: deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order}}, nil
		})
}

type deckUpdateStackIn struct {
	BoardID int64   `json:"board_id" jsonschema:"board id"`
	StackID int64   `json:"stack_id" jsonschema:"stack id"`
	Title   *string `json:"title,omitempty" jsonschema:"new title"`
	Order   *int    `json:"order,omitempty" jsonschema:"new order value (lower is further left)"`
}

func (in deckUpdateStackIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("stack_id", in.StackID, "")); err != nil {
		return err
	}
	if in.Title == nil && in.Order == nil {
		return Argf("nothing to change: give title or order")
	}
	return newTextArg("title", in.Title)
}

func deckUpdateStack(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_update_stack", Title: "Update Deck stack", Scope: deckWrite, Kind: Write,
		Description: "Rename a stack or change its order value."},
		func(ctx context.Context, nc *nextcloud.Client, in deckUpdateStackIn) (deckStackOneOut, error) {
			d := nc.Deck(cache)
			s, _, err := d.FindStack(ctx, in.BoardID, in.StackID)
			if err != nil {
				return deckStackOneOut{}, err
			}
			ns, err := d.UpdateStack(ctx, in.BoardID, in.StackID, newText(s.Title, in.Title), newValue(s.Order, in.Order))
			if err != nil {
				return deckStackOneOut{}, err
			}
			return deckStackOneOut{BoardID: in.BoardID, Stack: deckStackOut{ID: ns.ID, Title: ns.Title, Order: ns.Order, CardCount: len(s.Cards)}}, nil
		})
}

func deckDeleteStack(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_delete_stack", Title: "Delete Deck stack", Scope: deckWrite, Kind: Destroy,
		Description: "Delete a stack and all cards in it."},
		func(ctx context.Context, nc *nextcloud.Client, in deckStackIn) (deckDoneOut, error) {
			d := nc.Deck(cache)
			s, _, err := d.FindStack(ctx, in.BoardID, in.StackID)
			if err != nil {
				return deckDoneOut{}, err
			}
			if err := d.DeleteStack(ctx, in.BoardID, in.StackID); err != nil {
				return deckDoneOut{}, err
			}
			return deckDoneOut{Message: fmt.Sprintf("Deleted stack #%d %s with its %d active card(s).", s.ID, s.Title, len(s.Cards))}, nil
		})
}

type deckReorderStacksIn struct {
	BoardID  int64   `json:"board_id" jsonschema:"board id"`
	StackIDs []int64 `json:"stack_ids" jsonschema:"stack ids in the wanted order from left to right; stacks not listed keep their relative order after these"`
}

func (in deckReorderStacksIn) Validate() error {
	if err := idArg("board_id", in.BoardID, ""); err != nil {
		return err
	}
	if len(in.StackIDs) == 0 {
		return Argf("stack_ids must list at least one stack id")
	}
	seen := map[int64]bool{}
	for _, id := range in.StackIDs {
		if seen[id] {
			return Argf("stack_ids lists stack %d twice", id)
		}
		seen[id] = true
	}
	return nil
}

func deckReorderStacks(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_reorder_stacks", Title: "Reorder Deck stacks", Scope: deckWrite, Kind: Write,
		Description: "Put a board's stacks in a new left-to-right order: list the stack ids in the wanted order (stacks not listed follow, keeping their order)."},
		func(ctx context.Context, nc *nextcloud.Client, in deckReorderStacksIn) (deckStacksOut, error) {
			stacks, err := nc.Deck(cache).ReorderStacksProgress(ctx, in.BoardID, in.StackIDs, func(done, total int) {
				reportProgress(ctx, done, total, fmt.Sprintf("moved %d of %d stacks", done, total))
			})
			if err != nil {
				return deckStacksOut{}, err
			}
			out := deckStacksOut{BoardID: in.BoardID, Stacks: []deckStackOut{}}
			for _, s := range stacks {
				out.Stacks = append(out.Stacks, deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards)})
			}
			return out, nil
		})
}
