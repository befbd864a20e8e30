package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Boards lists the boards the user owns or that are shared with them,
// including archived ones and recently deleted ones (DeletedAt > 0).
func (d *DeckClient) Boards(ctx context.Context) ([]DeckBoard, error) {
	var boards []DeckBoard
	if err := d.get(ctx, deckAPI+"/boards", &boards); err != nil {
		return nil, deckFail(err, "list deck boards")
	}
	return boards, nil
}

// Board returns one board with its labels, sharing rules and permissions.
func (d *DeckClient) Board(ctx context.Context, boardID int64) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.get(ctx, boardPath(boardID), &b); err != nil {
		return nil, deckFail(err, "get deck board %d", boardID)
	}
	return &b, nil
}

// CreateBoard creates a board; color is six hex digits without '#'.
func (d *DeckClient) CreateBoard(ctx context.Context, title, color string) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.send(ctx, http.MethodPost, deckAPI+"/boards", map[string]any{"title": title, "color": color}, &b); err != nil {
		return nil, deckFail(err, "create deck board %q", title)
	}
	return &b, nil
}

// UpdateBoard writes title, color and archived state (Deck needs all three).
func (d *DeckClient) UpdateBoard(ctx context.Context, boardID int64, title, color string, archived bool) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.send(ctx, http.MethodPut, boardPath(boardID), map[string]any{"title": title, "color": color, "archived": archived}, &b); err != nil {
		return nil, deckFail(err, "update deck board %d", boardID)
	}
	return &b, nil
}

// DeleteBoard deletes a board (Deck keeps it restorable for a while).
func (d *DeckClient) DeleteBoard(ctx context.Context, boardID int64) error {
	if err := d.send(ctx, http.MethodDelete, boardPath(boardID), nil, nil); err != nil {
		return deckFail(err, "delete deck board %d", boardID)
	}
	return nil
}

// Stacks lists a board's stacks with their active (not archived) cards.
func (d *DeckClient) Stacks(ctx context.Context, boardID int64) ([]DeckStack, error) {
	var s []DeckStack
	if err := d.get(ctx, boardPath(boardID)+"/stacks", &s); err != nil {
		return nil, deckFail(err, "list stacks of deck board %d", boardID)
	}
	return s, nil
}

// ArchivedStacks lists a board's stacks with their archived cards.
func (d *DeckClient) ArchivedStacks(ctx context.Context, boardID int64) ([]DeckStack, error) {
	var s []DeckStack
	if err := d.get(ctx, boardPath(boardID)+"/stacks/archived", &s); err != nil {
		return nil, deckFail(err, "list archived cards of deck board %d", boardID)
	}
	return s, nil
}

// Stack returns one stack with its active cards.
func (d *DeckClient) Stack(ctx context.Context, boardID, stackID int64) (*DeckStack, error) {
	var s DeckStack
	if err := d.get(ctx, stackPath(boardID, stackID), &s); err != nil {
		return nil, deckFail(err, "get stack %d of deck board %d", stackID, boardID)
	}
	return &s, nil
}

// CreateStack adds a stack; order sorts stacks from left to right.
func (d *DeckClient) CreateStack(ctx context.Context, boardID int64, title string, order int) (*DeckStack, error) {
	var s DeckStack
	if err := d.send(ctx, http.MethodPost, boardPath(boardID)+"/stacks", map[string]any{"title": title, "order": order}, &s); err != nil {
		return nil, deckFail(err, "create stack %q on deck board %d", title, boardID)
	}
	return &s, nil
}

// UpdateStack writes a stack's title and order (Deck needs both).
func (d *DeckClient) UpdateStack(ctx context.Context, boardID, stackID int64, title string, order int) (*DeckStack, error) {
	var s DeckStack
	if err := d.send(ctx, http.MethodPut, stackPath(boardID, stackID), map[string]any{"title": title, "order": order}, &s); err != nil {
		return nil, deckFail(err, "update stack %d of deck board %d", stackID, boardID)
	}
	return &s, nil
}

// DeleteStack deletes a stack and its cards.
func (d *DeckClient) DeleteStack(ctx context.Context, boardID, stackID int64) error {
	if err := d.send(ctx, http.MethodDelete, stackPath(boardID, stackID), nil, nil); err != nil {
		return deckFail(err, "delete stack %d of deck board %d", stackID, boardID)
	}
	return nil
}

// CreateLabel adds a label to a board.
func (d *DeckClient) CreateLabel(ctx context.Context, boardID int64, title, color string) (*DeckLabel, error) {
	var l DeckLabel
	if err := d.send(ctx, http.MethodPost, boardPath(boardID)+"/labels", map[string]any{"title": title, "color": color}, &l); err != nil {
		return nil, deckFail(err, "create label %q on deck board %d", title, boardID)
	}
	return &l, nil
}

// Label fetches one label of a board (GET boards/{id}/labels/{id}).
func (d *DeckClient) Label(ctx context.Context, boardID, labelID int64) (*DeckLabel, error) {
	var l DeckLabel
	if err := d.get(ctx, fmt.Sprintf("%s/labels/%d", boardPath(boardID), labelID), &l); err != nil {
		return nil, deckFail(err, "get label %d of deck board %d", labelID, boardID)
	}
	return &l, nil
}

// UpdateLabel writes a label's title and color (Deck needs both).
func (d *DeckClient) UpdateLabel(ctx context.Context, boardID, labelID int64, title, color string) (*DeckLabel, error) {
	var l DeckLabel
	if err := d.send(ctx, http.MethodPut, fmt.Sprintf("%s/labels/%d", boardPath(boardID), labelID), map[string]any{"title": title, "color": color}, &l); err != nil {
		return nil, deckFail(err, "update label %d of deck board %d", labelID, boardID)
	}
	return &l, nil
}

// DeleteLabel deletes a label from a board and all its cards.
func (d *DeckClient) DeleteLabel(ctx context.Context, boardID, labelID int64) error {
	if err := d.send(ctx, http.MethodDelete, fmt.Sprintf("%s/labels/%d", boardPath(boardID), labelID), nil, nil); err != nil {
		return deckFail(err, "delete label %d of deck board %d", labelID, boardID)
	}
	return nil
}

// FindStack returns stack stackID of a board together with all the
// board's stacks; a stack that is not there is an *InputError naming the
// ones that are.
func (d *DeckClient) FindStack(ctx context.Context, boardID, stackID int64) (*DeckStack, []DeckStack, error) {
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return nil, nil, err
	}
	for i := range stacks {
		if stacks[i].ID == stackID {
			return &stacks[i], stacks, nil
		}
	}
	return nil, stacks, noStack(boardID, stackID, stacks)
}

func noStack(boardID, stackID int64, stacks []DeckStack) error {
	if len(stacks) == 0 {
		return inputErr(fmt.Errorf("board %d has no stack %d, and no stacks at all; create one with nc_deck_create_stack", boardID, stackID))
	}
	names := make([]string, 0, len(stacks))
	for _, s := range stacks {
		names = append(names, fmt.Sprintf("#%d %s", s.ID, s.Title))
	}
	return inputErr(fmt.Errorf("board %d has no stack %d; its stacks are: %s", boardID, stackID, strings.Join(names, ", ")))
}

// afterLast is the order value that puts a new item after all of items.
func afterLast[T any](items []T, order func(*T) int) int {
	next := 0
	for i := range items {
		if o := order(&items[i]); o >= next {
			next = o + 1
		}
	}
	return next
}

// AddStack adds a stack at order, or after the last stack when order is nil.
func (d *DeckClient) AddStack(ctx context.Context, boardID int64, title string, order *int) (*DeckStack, error) {
	if order != nil {
		return d.CreateStack(ctx, boardID, title, *order)
	}
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return nil, err
	}
	return d.CreateStack(ctx, boardID, title, afterLast(stacks, func(s *DeckStack) int { return s.Order }))
}

// ReorderStacks puts the stacks ids first, in that order, and the board's
// other stacks after them in their current order; it writes only the
// stacks whose order value changes and returns all stacks in the new order.
func (d *DeckClient) ReorderStacks(ctx context.Context, boardID int64, ids []int64) ([]DeckStack, error) {
	return d.ReorderStacksProgress(ctx, boardID, ids, nil)
}

// ReorderStacksProgress is ReorderStacks calling moved (when not nil)
// after each stack written, with the stacks written so far and the number
// to write.
func (d *DeckClient) ReorderStacksProgress(ctx context.Context, boardID int64, ids []int64, moved func(done, total int)) ([]DeckStack, error) {
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]DeckStack{}
	for _, s := range stacks {
		byID[s.ID] = s
	}
	listed := map[int64]bool{}
	order := make([]DeckStack, 0, len(stacks))
	for _, id := range ids {
		s, ok := byID[id]
		if !ok {
			return nil, noStack(boardID, id, stacks)
		}
		if listed[id] {
			return nil, inputErr(fmt.Errorf("stack %d is listed twice", id))
		}
		listed[id] = true
		order = append(order, s)
	}
	for _, s := range stacks { // Deck lists them sorted
		if !listed[s.ID] {
			order = append(order, s)
		}
	}
	total := 0
	for i := range order {
		if order[i].Order != i {
			total++
		}
	}
	done := 0
	for i := range order {
		if order[i].Order != i {
			if _, err := d.UpdateStack(ctx, boardID, order[i].ID, order[i].Title, i); err != nil {
				return nil, err
			}
			order[i].Order = i
			if done++; moved != nil {
				moved(done, total)
			}
		}
	}
	return order, nil
}

// Label finds a label of the board by title (case-insensitive) or by id
// ("7" or "#7"); a label that is not there is an *InputError naming the
// ones that are.
func (b *DeckBoard) Label(ref string) (DeckLabel, error) {
	ref = strings.TrimSpace(ref)
	for _, l := range b.Labels {
		if strings.EqualFold(l.Title, ref) {
			return l, nil
		}
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil {
		for _, l := range b.Labels {
			if l.ID == id {
				return l, nil
			}
		}
	}
	return DeckLabel{}, b.noLabel(ref)
}

func (b *DeckBoard) noLabel(ref string) error {
	if len(b.Labels) == 0 {
		return inputErr(fmt.Errorf("board %d has no labels; create one with nc_deck_create_label", b.ID))
	}
	names := make([]string, 0, len(b.Labels))
	for _, l := range b.Labels {
		names = append(names, fmt.Sprintf("%q (#%d)", l.Title, l.ID))
	}
	return inputErr(fmt.Errorf("board %d has no label %q; its labels are %s (create one with nc_deck_create_label)", b.ID, ref, strings.Join(names, ", ")))
}

// FindLabel returns label labelID of a board.
func (d *DeckClient) FindLabel(ctx context.Context, boardID, labelID int64) (DeckLabel, error) {
	b, err := d.Board(ctx, boardID)
	if err != nil {
		return DeckLabel{}, err
	}
	for _, l := range b.Labels {
		if l.ID == labelID {
			return l, nil
		}
	}
	return DeckLabel{}, b.noLabel("#" + strconv.FormatInt(labelID, 10))
}

// AddLabel creates a label unless the board already has one of that title
// (Deck would refuse it with a less helpful message).
func (d *DeckClient) AddLabel(ctx context.Context, boardID int64, title, color string) (*DeckLabel, error) {
	b, err := d.Board(ctx, boardID)
	if err != nil {
		return nil, err
	}
	for _, l := range b.Labels {
		if strings.EqualFold(l.Title, title) {
			return nil, inputErr(fmt.Errorf("board %d already has a label %q (#%d)", boardID, l.Title, l.ID))
		}
	}
	return d.CreateLabel(ctx, boardID, title, color)
}
