package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckCardsOut struct {
	BoardID   int64           `json:"board_id" jsonschema:"board id"`
	Cards     []deckCardBrief `json:"cards" jsonschema:"matching cards"`
	Total     int             `json:"total" jsonschema:"number of matching cards"`
	Truncated bool            `json:"truncated" jsonschema:"more cards match than were returned; raise limit or narrow the filters"`
}

func (o deckCardsOut) Summary() string {
	if o.Total == 0 {
		return fmt.Sprintf("No cards on board #%d match.", o.BoardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d card(s) on board #%d", o.Total, o.BoardID)
	if o.Truncated {
		fmt.Fprintf(&b, " (showing %d)", len(o.Cards))
	}
	b.WriteString(":")
	for _, c := range o.Cards {
		fmt.Fprintf(&b, "\n- #%d %s [%s]", c.ID, c.Title, c.StackTitle)
		if c.DueDate != "" {
			fmt.Fprintf(&b, " due %s", c.DueDate)
		}
		if len(c.Labels) > 0 {
			fmt.Fprintf(&b, " labels: %s", strings.Join(c.Labels, ", "))
		}
		if len(c.Assignees) > 0 {
			fmt.Fprintf(&b, " assigned: %s", strings.Join(c.Assignees, ", "))
		}
	}
	return b.String()
}

type deckListCardsIn struct {
	BoardID   int64  `json:"board_id" jsonschema:"board id"`
	StackID   int64  `json:"stack_id,omitempty" jsonschema:"only cards in this stack"`
	Label     string `json:"label,omitempty" jsonschema:"only cards carrying this label (title or id)"`
	Assignee  string `json:"assignee,omitempty" jsonschema:"only cards assigned to this user (user id or display name)"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only cards due before this date (2025-03-31) or date-time (RFC 3339)"`
	Text      string `json:"text,omitempty" jsonschema:"only cards whose title or description contains this text (case-insensitive)"`
	Archived  bool   `json:"archived,omitempty" jsonschema:"true lists archived cards instead of active ones"`
	Limit     int    `json:"limit,omitempty" jsonschema:"at most this many cards (default 100, max 500)"`
}

func (in deckListCardsIn) Validate() error {
	if err := deckID("board_id", in.BoardID); err != nil {
		return err
	}
	if in.StackID < 0 {
		return Argf("stack_id must be a positive id")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return Argf("limit must be between 1 and 500")
	}
	if in.DueBefore != "" {
		if _, err := deckDueDate("due_before", in.DueBefore); err != nil {
			return err
		}
	}
	return nil
}

func deckListCards(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_list_cards", Title: "List Deck cards", Scope: deckRead, Kind: Read,
		Description: "List the cards of a board, or of one stack, with optional filters: label, assignee, due before a date, text in title or description. Archived cards are listed instead of active ones when archived is true."},
		func(ctx context.Context, nc *nextcloud.Client, in deckListCardsIn) (deckCardsOut, error) {
			d := nc.Deck(cache)
			list := d.Stacks
			if in.Archived {
				list = d.ArchivedStacks
			}
			stacks, err := list(ctx, in.BoardID)
			if err != nil {
				return deckCardsOut{}, err
			}
			if in.StackID > 0 {
				if _, _, err := d.FindStack(ctx, in.BoardID, in.StackID); err != nil {
					return deckCardsOut{}, err
				}
			}
			var labelFilter *nextcloud.DeckLabel
			if in.Label != "" {
				b, err := d.Board(ctx, in.BoardID)
				if err != nil {
					return deckCardsOut{}, err
				}
				l, err := b.Label(in.Label)
				if err != nil {
					return deckCardsOut{}, err
				}
				labelFilter = &l
			}
			var dueBefore time.Time
			if in.DueBefore != "" {
				dueBefore, _ = deckParseDue("due_before", in.DueBefore) // checked in Validate
			}
			text := strings.ToLower(in.Text)
			assignee := strings.ToLower(strings.TrimSpace(in.Assignee))
			limit := cmp.Or(in.Limit, 100)
			out := deckCardsOut{BoardID: in.BoardID, Cards: []deckCardBrief{}}
			for _, s := range stacks {
				if in.StackID > 0 && s.ID != in.StackID {
					continue
				}
				for i := range s.Cards {
					c := &s.Cards[i]
					if labelFilter != nil && !c.HasLabel(labelFilter.ID) {
						continue
					}
					if assignee != "" && !deckAssigned(c, assignee) {
						continue
					}
					if !dueBefore.IsZero() {
						due, ok := c.Due()
						if !ok || !due.Before(dueBefore) {
							continue
						}
					}
					if text != "" && !strings.Contains(strings.ToLower(c.Title), text) && !strings.Contains(strings.ToLower(c.Description), text) {
						continue
					}
					out.Total++
					if len(out.Cards) < limit {
						out.Cards = append(out.Cards, deckBriefFrom(c, in.BoardID, s.Title))
					}
				}
			}
			out.Truncated = out.Total > len(out.Cards)
			return out, nil
		})
}

func deckAssigned(c *nextcloud.DeckCard, who string) bool {
	for _, a := range c.AssignedUsers {
		if strings.ToLower(a.Participant.UID) == who || strings.ToLower(a.Participant.DisplayName) == who {
			return true
		}
	}
	return false
}

type deckCardIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	CardID  int64 `json:"card_id" jsonschema:"card id, from nc_deck_list_cards"`
	StackID int64 `json:"stack_id,omitempty" jsonschema:"the card's stack id if known; looked up otherwise"`
}

func (in deckCardIn) Validate() error {
	return cmp.Or(deckID("board_id", in.BoardID), deckID("card_id", in.CardID))
}

func deckGetCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_get_card", Title: "Get Deck card", Scope: deckRead, Kind: Read,
		Description: "Show a card: description, due date, labels, assigned users, attachments and comment count."},
		deckCardGetter(cache))
}

// deckCardGetter is the handler of nc_deck_get_card, also behind the card
// resource.
func deckCardGetter(cache *nextcloud.DeckCache) func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
		d := nc.Deck(cache)
		c, err := d.FindCard(ctx, in.BoardID, in.CardID, in.StackID)
		return deckCardResult(ctx, nc, d, in.BoardID, c, err)
	}
}

// deckCardResource is nextcloud://deck/boards/{boardId}/cards/{cardId}:
// what nc_deck_get_card shows.
func deckCardResource(cache *nextcloud.DeckCache) ResourceTemplate {
	get := deckCardGetter(cache)
	return ResourceTemplate{
		Template: mcpgo.NewResourceTemplate("nextcloud://deck/boards/{boardId}/cards/{cardId}", "Deck card",
			mcpgo.WithTemplateDescription("A Deck card with description, labels, assignees and attachments"),
			mcpgo.WithTemplateMIMEType("application/json")),
		Scope: deckRead,
		Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
			boardID, err := deckTemplateID(req, "boardId")
			if err != nil {
				return nil, err
			}
			cardID, err := deckTemplateID(req, "cardId")
			if err != nil {
				return nil, err
			}
			out, err := get(ctx, nc, deckCardIn{BoardID: boardID, CardID: cardID})
			if err != nil {
				return nil, davArgErr(err)
			}
			return deckResourceJSON(req.Params.URI, out)
		},
	}
}

type deckCreateCardIn struct {
	BoardID     int64  `json:"board_id" jsonschema:"board id"`
	StackID     int64  `json:"stack_id" jsonschema:"stack to put the card in"`
	Title       string `json:"title" jsonschema:"card title, at most 255 characters"`
	Description string `json:"description,omitempty" jsonschema:"Markdown description"`
	DueDate     string `json:"due_date,omitempty" jsonschema:"due date: 2025-03-31 (midnight UTC) or RFC 3339 date-time"`
	Order       *int   `json:"order,omitempty" jsonschema:"position in the stack (0 is the top; default the bottom)"`
}

func (in deckCreateCardIn) Validate() error {
	if err := cmp.Or(deckID("board_id", in.BoardID), deckID("stack_id", in.StackID)); err != nil {
		return err
	}
	if err := deckTitleArg(in.Title, 255); err != nil {
		return err
	}
	if in.DueDate != "" {
		if _, err := deckDueDate("due_date", in.DueDate); err != nil {
			return err
		}
	}
	return nil
}

func deckCreateCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_create_card", Title: "Create Deck card", Scope: deckWrite, Kind: Create,
		Description: "Create a card in a stack, with optional description (Markdown), due date and position."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCreateCardIn) (deckCardOut, error) {
			card := nextcloud.DeckCardCreate{Title: strings.TrimSpace(in.Title), Description: in.Description}
			if in.DueDate != "" {
				due, _ := deckDueDate("due_date", in.DueDate) // checked in Validate
				card.Duedate = &due
			}
			d := nc.Deck(cache)
			c, err := d.AddCard(ctx, in.BoardID, in.StackID, card, in.Order)
			return deckCardResult(ctx, nc, d, in.BoardID, c, err)
		})
}

type deckUpdateCardIn struct {
	BoardID      int64   `json:"board_id" jsonschema:"board id"`
	CardID       int64   `json:"card_id" jsonschema:"card id"`
	StackID      int64   `json:"stack_id,omitempty" jsonschema:"the card's current stack id if known (use nc_deck_move_card to move it)"`
	Title        *string `json:"title,omitempty" jsonschema:"new title"`
	Description  *string `json:"description,omitempty" jsonschema:"new Markdown description (replaces the old one)"`
	DueDate      *string `json:"due_date,omitempty" jsonschema:"new due date: 2025-03-31 or RFC 3339 date-time"`
	ClearDueDate bool    `json:"clear_due_date,omitempty" jsonschema:"true removes the due date"`
	Order        *int    `json:"order,omitempty" jsonschema:"new order value within the stack"`
}

func (in deckUpdateCardIn) Validate() error {
	if err := cmp.Or(deckID("board_id", in.BoardID), deckID("card_id", in.CardID)); err != nil {
		return err
	}
	if in.Title == nil && in.Description == nil && in.DueDate == nil && !in.ClearDueDate && in.Order == nil {
		return Argf("nothing to change: give title, description, due_date, clear_due_date or order")
	}
	if in.DueDate != nil && in.ClearDueDate {
		return Argf("give either due_date or clear_due_date, not both")
	}
	if in.Title != nil {
		if err := deckTitleArg(*in.Title, 255); err != nil {
			return err
		}
	}
	if in.DueDate != nil {
		if _, err := deckDueDate("due_date", *in.DueDate); err != nil {
			return err
		}
	}
	return nil
}

func deckUpdateCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_update_card", Title: "Update Deck card", Scope: deckWrite, Kind: Write,
		Description: "Change a card's title, description, due date or order. Fields not given stay as they are. To move a card use nc_deck_move_card."},
		func(ctx context.Context, nc *nextcloud.Client, in deckUpdateCardIn) (deckCardOut, error) {
			d := nc.Deck(cache)
			c, err := d.EditCard(ctx, in.BoardID, in.CardID, in.StackID, func(u *nextcloud.DeckCardUpdate) {
				if in.Title != nil {
					u.Title = strings.TrimSpace(*in.Title)
				}
				if in.Description != nil {
					u.Description = *in.Description
				}
				if in.DueDate != nil {
					due, _ := deckDueDate("due_date", *in.DueDate) // checked in Validate
					u.Duedate = &due
				}
				if in.ClearDueDate {
					u.Duedate = nil
				}
				if in.Order != nil {
					u.Order = *in.Order
				}
			})
			return deckCardResult(ctx, nc, d, in.BoardID, c, err)
		})
}

func deckDeleteCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_delete_card", Title: "Delete Deck card", Scope: deckWrite, Kind: Destroy,
		Description: "Delete a card."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckDoneOut, error) {
			d := nc.Deck(cache)
			c, err := d.FindCard(ctx, in.BoardID, in.CardID, in.StackID)
			if err != nil {
				return deckDoneOut{}, err
			}
			if err := d.DeleteCard(ctx, in.BoardID, c.StackID, c.ID); err != nil {
				return deckDoneOut{}, err
			}
			return deckDoneOut{Message: fmt.Sprintf("Deleted card #%d %s.", c.ID, c.Title)}, nil
		})
}
