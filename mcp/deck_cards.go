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
	if err := idArg("board_id", in.BoardID, ""); err != nil {
		return err
	}
	if in.StackID < 0 {
		return Argf("stack_id must be a positive id")
	}
	if err := limitArg("limit", in.Limit, 500); err != nil {
		return err
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

func (in deckCardIn) board() int64 { return in.BoardID }

func (in deckCardIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""))
}

func deckGetCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_get_card", Title: "Get Deck card", Scope: deckRead, Kind: Read,
		Description: "Show a card: description, due date, labels, assigned users, attachments and comment count."},
		deckCardAnswer(cache, deckFindCard))
}

func deckFindCard(ctx context.Context, d *nextcloud.DeckClient, in deckCardIn) (*nextcloud.DeckCard, error) {
	return d.FindCard(ctx, in.BoardID, in.CardID, in.StackID)
}

// deckCardResource is nextcloud://deck/boards/{boardId}/cards/{cardId}:
// what nc_deck_get_card shows.
func deckCardResource(cache *nextcloud.DeckCache) ResourceTemplate {
	get := deckCardAnswer(cache, deckFindCard)
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
				return nil, argErrorOf(err)
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

func (in deckCreateCardIn) board() int64 { return in.BoardID }

func (in deckCreateCardIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("stack_id", in.StackID, "")); err != nil {
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
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCreateCardIn) (*nextcloud.DeckCard, error) {
			card := nextcloud.DeckCardCreate{Title: strings.TrimSpace(in.Title), Description: in.Description}
			if in.DueDate != "" {
				due, _ := deckDueDate("due_date", in.DueDate) // checked in Validate
				card.Duedate = &due
			}
			return d.AddCard(ctx, in.BoardID, in.StackID, card, in.Order)
		}))
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

func (in deckUpdateCardIn) board() int64 { return in.BoardID }

func (in deckUpdateCardIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, "")); err != nil {
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
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckUpdateCardIn) (*nextcloud.DeckCard, error) {
			return d.EditCard(ctx, in.BoardID, in.CardID, in.StackID, func(u *nextcloud.DeckCardUpdate) {
				u.Title, u.Description = newText(u.Title, in.Title), newValue(u.Description, in.Description)
				if in.DueDate != nil {
					due, _ := deckDueDate("due_date", *in.DueDate) // checked in Validate
					u.Duedate = &due
				}
				if in.ClearDueDate {
					u.Duedate = nil
				}
				u.Order = newValue(u.Order, in.Order)
			})
		}))
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
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""), idArg("to_stack_id", in.ToStackID, "")); err != nil {
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
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardIn) (*nextcloud.DeckCard, error) {
			return d.SetArchived(ctx, in.BoardID, in.CardID, in.StackID, true)
		}))
}

func deckUnarchiveCard(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_unarchive_card", Title: "Unarchive Deck card", Scope: deckWrite, Kind: Write,
		Description: "Bring an archived card back to its stack."},
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardIn) (*nextcloud.DeckCard, error) {
			return d.SetArchived(ctx, in.BoardID, in.CardID, in.StackID, false)
		}))
}

type deckCardUserIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	UserID  string `json:"user_id" jsonschema:"Nextcloud user id of a board member"`
}

func (in deckCardUserIn) board() int64 { return in.BoardID }

func (in deckCardUserIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""), textArg("user_id", in.UserID))
}

func deckAssignUser(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_assign_user", Title: "Assign user to Deck card", Scope: deckWrite, Kind: Write,
		Description: "Assign a board member to a card (resolve names to user ids first, e.g. from nc_deck_get_board members)."},
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardUserIn) (*nextcloud.DeckCard, error) {
			return d.SetAssigned(ctx, in.BoardID, in.CardID, in.StackID, strings.TrimSpace(in.UserID), true)
		}))
}

func deckUnassignUser(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_unassign_user", Title: "Unassign user from Deck card", Scope: deckWrite, Kind: Write,
		Description: "Remove a user's assignment from a card."},
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardUserIn) (*nextcloud.DeckCard, error) {
			return d.SetAssigned(ctx, in.BoardID, in.CardID, in.StackID, strings.TrimSpace(in.UserID), false)
		}))
}

type deckCardLabelIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	Label   string `json:"label" jsonschema:"label title (as on the board) or label id"`
}

func (in deckCardLabelIn) board() int64 { return in.BoardID }

func (in deckCardLabelIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""), textArg("label", in.Label))
}

func deckAddLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_add_label", Title: "Add label to Deck card", Scope: deckWrite, Kind: Write,
		Description: "Put one of the board's labels on a card, by label title or id."},
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardLabelIn) (*nextcloud.DeckCard, error) {
			return d.SetLabel(ctx, in.BoardID, in.CardID, in.StackID, in.Label, true)
		}))
}

func deckRemoveLabel(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_remove_label", Title: "Remove label from Deck card", Scope: deckWrite, Kind: Write,
		Description: "Take a label off a card, by label title or id."},
		deckCardAnswer(cache, func(ctx context.Context, d *nextcloud.DeckClient, in deckCardLabelIn) (*nextcloud.DeckCard, error) {
			return d.SetLabel(ctx, in.BoardID, in.CardID, in.StackID, in.Label, false)
		}))
}
