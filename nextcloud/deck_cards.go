package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Card returns a card with labels, assignees and attachments of all types.
func (d *DeckClient) Card(ctx context.Context, boardID, stackID, cardID int64) (*DeckCard, error) {
	var c DeckCard
	if err := d.send(ctx, http.MethodGet, cardPath11(boardID, stackID, cardID), nil, &c); err != nil {
		return nil, deckFail(err, "get deck card %d", cardID)
	}
	return &c, nil
}

// DeckCardCreate is a new card; Duedate is ISO-8601 or nil.
type DeckCardCreate struct {
	Title       string  `json:"title"`
	Type        string  `json:"type"`
	Order       int     `json:"order"`
	Description string  `json:"description,omitempty"`
	Duedate     *string `json:"duedate,omitempty"`
}

// CreateCard adds a card to a stack.
func (d *DeckClient) CreateCard(ctx context.Context, boardID, stackID int64, card DeckCardCreate) (*DeckCard, error) {
	if card.Type == "" {
		card.Type = "plain"
	}
	var c DeckCard
	if err := d.send(ctx, http.MethodPost, stackPath(boardID, stackID)+"/cards", card, &c); err != nil {
		return nil, deckFail(err, "create card %q in stack %d", card.Title, stackID)
	}
	return &c, nil
}

// UpdateCard rewrites a whole card; start from CardUpdateFrom(current).
func (d *DeckClient) UpdateCard(ctx context.Context, boardID, stackID, cardID int64, u DeckCardUpdate) (*DeckCard, error) {
	var c DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID), u, &c); err != nil {
		return nil, deckFail(err, "update deck card %d", cardID)
	}
	return &c, nil
}

// ReorderCard moves a card to position order of stack toStackID, which may
// be on another board. It returns the cards of the target stack.
func (d *DeckClient) ReorderCard(ctx context.Context, boardID, stackID, cardID, toStackID int64, order int) ([]DeckCard, error) {
	var cards []DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/reorder", map[string]any{"stackId": toStackID, "order": order}, &cards); err != nil {
		return nil, deckFail(err, "move deck card %d to stack %d", cardID, toStackID)
	}
	return cards, nil
}

// ArchiveCard archives (archived=true) or unarchives a card.
func (d *DeckClient) ArchiveCard(ctx context.Context, boardID, stackID, cardID int64, archived bool) (*DeckCard, error) {
	verb := "archive"
	if !archived {
		verb = "unarchive"
	}
	var c DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/"+verb, nil, &c); err != nil {
		return nil, deckFail(err, "%s deck card %d", verb, cardID)
	}
	return &c, nil
}

// DeleteCard deletes a card.
func (d *DeckClient) DeleteCard(ctx context.Context, boardID, stackID, cardID int64) error {
	if err := d.send(ctx, http.MethodDelete, cardPath(boardID, stackID, cardID), nil, nil); err != nil {
		return deckFail(err, "delete deck card %d", cardID)
	}
	return nil
}

// AssignLabel puts a board label on a card.
func (d *DeckClient) AssignLabel(ctx context.Context, boardID, stackID, cardID, labelID int64) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/assignLabel", map[string]any{"labelId": labelID}, nil); err != nil {
		return deckFail(err, "add label %d to deck card %d", labelID, cardID)
	}
	return nil
}

// RemoveLabel takes a label off a card.
func (d *DeckClient) RemoveLabel(ctx context.Context, boardID, stackID, cardID, labelID int64) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/removeLabel", map[string]any{"labelId": labelID}, nil); err != nil {
		return deckFail(err, "remove label %d from deck card %d", labelID, cardID)
	}
	return nil
}

// AssignUser assigns a board member to a card.
func (d *DeckClient) AssignUser(ctx context.Context, boardID, stackID, cardID int64, userID string) (*DeckAssignment, error) {
	var a DeckAssignment
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/assignUser", map[string]any{"userId": userID}, &a); err != nil {
		return nil, deckFail(err, "assign %q to deck card %d", userID, cardID)
	}
	return &a, nil
}

// UnassignUser removes a user's assignment from a card.
func (d *DeckClient) UnassignUser(ctx context.Context, boardID, stackID, cardID int64, userID string) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/unassignUser", map[string]any{"userId": userID}, nil); err != nil {
		return deckFail(err, "unassign %q from deck card %d", userID, cardID)
	}
	return nil
}

// FindCard returns a card: from stackID when given, else found among the
// board's active and then its archived cards. A card that is on neither
// is an *InputError.
func (d *DeckClient) FindCard(ctx context.Context, boardID, cardID, stackID int64) (*DeckCard, error) {
	if stackID <= 0 {
		var err error
		if stackID, err = d.stackOf(ctx, boardID, cardID); err != nil {
			return nil, err
		}
	}
	return d.Card(ctx, boardID, stackID, cardID)
}

// stackOf finds the stack that holds cardID, active or archived.
func (d *DeckClient) stackOf(ctx context.Context, boardID, cardID int64) (int64, error) {
	for _, list := range []func(context.Context, int64) ([]DeckStack, error){d.Stacks, d.ArchivedStacks} {
		stacks, err := list(ctx, boardID)
		if err != nil {
			return 0, err
		}
		for _, s := range stacks {
			for _, c := range s.Cards {
				if c.ID == cardID {
					return s.ID, nil
				}
			}
		}
	}
	return 0, inputErr(fmt.Errorf("card %d is not on board %d (neither among its active nor its archived cards); find cards with nc_deck_list_cards", cardID, boardID))
}

// AddCard creates a card in a stack of the board, at order or (nil) at
// the bottom, and returns it as Card reads it.
func (d *DeckClient) AddCard(ctx context.Context, boardID, stackID int64, card DeckCardCreate, order *int) (*DeckCard, error) {
	s, _, err := d.FindStack(ctx, boardID, stackID)
	if err != nil {
		return nil, err
	}
	card.Order = afterLast(s.Cards, func(c *DeckCard) int { return c.Order })
	if order != nil {
		card.Order = *order
	}
	c, err := d.CreateCard(ctx, boardID, stackID, card)
	if err != nil {
		return nil, err
	}
	return d.Card(ctx, boardID, stackID, c.ID)
}

// EditCard applies edit to the whole card Deck's PUT needs (starting from
// the current card, so that fields not edited survive) and returns the
// card as Card reads it afterwards. Archived cards cannot be edited.
func (d *DeckClient) EditCard(ctx context.Context, boardID, cardID, stackID int64, edit func(*DeckCardUpdate)) (*DeckCard, error) {
	return d.changeCard(ctx, boardID, cardID, stackID, func(c *DeckCard) error {
		if c.Archived {
			return inputErr(fmt.Errorf("card %d is archived; unarchive it with nc_deck_unarchive_card before changing it", c.ID))
		}
		u := CardUpdateFrom(c)
		edit(&u)
		// The stack in the URL is where Deck puts the card: keep its own.
		_, err := d.UpdateCard(ctx, boardID, c.StackID, c.ID, u)
		return err
	})
}

// changeCard finds a card, applies change to it (which may refuse with an
// error) and returns the card as Card reads it afterwards.
func (d *DeckClient) changeCard(ctx context.Context, boardID, cardID, stackID int64, change func(c *DeckCard) error) (*DeckCard, error) {
	c, err := d.FindCard(ctx, boardID, cardID, stackID)
	if err != nil {
		return nil, err
	}
	if err := change(c); err != nil {
		return nil, err
	}
	return d.Card(ctx, boardID, c.StackID, c.ID)
}

// SetArchived archives or unarchives a card unless it already is, and
// returns it as Card reads it.
func (d *DeckClient) SetArchived(ctx context.Context, boardID, cardID, stackID int64, archived bool) (*DeckCard, error) {
	c, err := d.FindCard(ctx, boardID, cardID, stackID)
	if err != nil || c.Archived == archived {
		return c, err
	}
	if _, err := d.ArchiveCard(ctx, boardID, c.StackID, c.ID, archived); err != nil {
		return nil, err
	}
	return d.Card(ctx, boardID, c.StackID, c.ID)
}

// SetAssigned assigns (on) or unassigns a user, doing nothing when that is
// already so; unassigning someone who is not assigned is an *InputError
// naming who is. It returns the card as Card reads it.
func (d *DeckClient) SetAssigned(ctx context.Context, boardID, cardID, stackID int64, userID string, on bool) (*DeckCard, error) {
	return d.changeCard(ctx, boardID, cardID, stackID, func(c *DeckCard) error {
		assigned := make([]string, 0, len(c.AssignedUsers))
		for _, a := range c.AssignedUsers {
			assigned = append(assigned, a.Participant.UID)
		}
		already := false
		for _, id := range assigned {
			already = already || id == userID
		}
		switch {
		case on && !already:
			_, err := d.AssignUser(ctx, boardID, c.StackID, c.ID, userID)
			return err
		case !on && already:
			return d.UnassignUser(ctx, boardID, c.StackID, c.ID, userID)
		case !on && len(assigned) == 0:
			return inputErr(fmt.Errorf("%q is not assigned to card %d; nobody is", userID, c.ID))
		case !on:
			return inputErr(fmt.Errorf("%q is not assigned to card %d; assigned are: %s", userID, c.ID, strings.Join(assigned, ", ")))
		}
		return nil
	})
}

// SetLabel puts a board label (by title or id, see DeckBoard.Label) on a
// card (on) or takes it off, doing nothing when that is already so, and
// returns the card as Card reads it.
func (d *DeckClient) SetLabel(ctx context.Context, boardID, cardID, stackID int64, label string, on bool) (*DeckCard, error) {
	return d.changeCard(ctx, boardID, cardID, stackID, func(c *DeckCard) error {
		b, err := d.Board(ctx, boardID)
		if err != nil {
			return err
		}
		l, err := b.Label(label)
		if err != nil {
			return err
		}
		has := c.HasLabel(l.ID)
		if c.Archived && on != has {
			return inputErr(fmt.Errorf("card %d is archived; unarchive it with nc_deck_unarchive_card before changing its labels", c.ID))
		}
		switch {
		case on && !has:
			return d.AssignLabel(ctx, boardID, c.StackID, c.ID, l.ID)
		case !on && has:
			return d.RemoveLabel(ctx, boardID, c.StackID, c.ID, l.ID)
		}
		return nil
	})
}

// HasLabel reports whether the card carries label id.
func (c *DeckCard) HasLabel(id int64) bool {
	for _, l := range c.Labels {
		if l.ID == id {
			return true
		}
	}
	return false
}

// DeckMove says where MoveCard takes a card.
type DeckMove struct {
	BoardID, CardID int64
	// StackID is the card's stack if known; 0 looks it up.
	StackID int64
	// ToBoardID is the target board; 0 means the card's board.
	ToBoardID int64
	ToStackID int64
	// Order is the position in the target stack; nil is the bottom.
	Order *int
}

// DeckMoved is a card after MoveCard.
type DeckMoved struct {
	Card    *DeckCard
	BoardID int64
	Stack   *DeckStack
	// LabelsCarried are the card's labels that the target board also has
	// (same title) and that were re-applied; LabelsDropped it lacks.
	LabelsCarried, LabelsDropped []string
}

// MoveCard moves a card to another stack of its board or of another
// board. Labels belong to a board: on a move to another board the card
// keeps the labels whose title the target board also has.
func (d *DeckClient) MoveCard(ctx context.Context, m DeckMove) (*DeckMoved, error) {
	c, err := d.FindCard(ctx, m.BoardID, m.CardID, m.StackID)
	if err != nil {
		return nil, err
	}
	if c.Archived {
		return nil, inputErr(fmt.Errorf("card %d is archived; Deck cannot move archived cards, unarchive it first with nc_deck_unarchive_card", c.ID))
	}
	out := &DeckMoved{BoardID: m.BoardID}
	if m.ToBoardID > 0 {
		out.BoardID = m.ToBoardID
	}
	if out.Stack, _, err = d.FindStack(ctx, out.BoardID, m.ToStackID); err != nil {
		return nil, err
	}
	order := len(out.Stack.Cards) // the bottom
	if out.Stack.ID == c.StackID {
		order--
	}
	if m.Order != nil {
		order = *m.Order
	}
	crossBoard := out.BoardID != m.BoardID
	if crossBoard {
		// Deck's reorder would leave the old board's labels on the card.
		for _, l := range c.Labels {
			if err := d.RemoveLabel(ctx, m.BoardID, c.StackID, c.ID, l.ID); err != nil {
				return nil, err
			}
		}
	}
	if _, err := d.ReorderCard(ctx, m.BoardID, c.StackID, c.ID, out.Stack.ID, order); err != nil {
		return nil, err
	}
	if crossBoard && len(c.Labels) > 0 {
		if err := d.carryLabels(ctx, out, c); err != nil {
			return nil, err
		}
	}
	if out.Card, err = d.Card(ctx, out.BoardID, out.Stack.ID, c.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// carryLabels puts the target board's labels of the same titles as the
// moved card's old ones on it.
func (d *DeckClient) carryLabels(ctx context.Context, to *DeckMoved, old *DeckCard) error {
	tb, err := d.Board(ctx, to.BoardID)
	if err != nil {
		return err
	}
	for _, l := range old.Labels {
		i := indexLabel(tb.Labels, l.Title)
		if i < 0 {
			to.LabelsDropped = append(to.LabelsDropped, l.Title)
			continue
		}
		if err := d.AssignLabel(ctx, to.BoardID, to.Stack.ID, old.ID, tb.Labels[i].ID); err != nil {
			return err
		}
		to.LabelsCarried = append(to.LabelsCarried, l.Title)
	}
	return nil
}

// indexLabel finds a label by title, ignoring case; -1 if there is none.
func indexLabel(labels []DeckLabel, title string) int {
	for i, l := range labels {
		if strings.EqualFold(l.Title, title) {
			return i
		}
	}
	return -1
}
