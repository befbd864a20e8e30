package nextcloud_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// wantInput checks that err is the caller's mistake (an *InputError) and
// says what went wrong.
func wantInput(t *testing.T, err error, parts ...string) {
	t.Helper()
	var ie *nextcloud.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("want an input error, got %T %v", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("%q does not say %q", err, p)
		}
	}
}

// deckFixture is a board with stacks "A" and "B" of admin's.
func deckFixture(t *testing.T) (*nctest.Server, *nextcloud.DeckClient, *nextcloud.DeckBoard, []*nextcloud.DeckStack) {
	t.Helper()
	nc := nctest.New(t)
	d := nc.Client(t, "admin").Deck(nil)
	ctx := context.Background()
	b, err := d.CreateBoard(ctx, "Logic", "000000")
	if err != nil {
		t.Fatal(err)
	}
	var stacks []*nextcloud.DeckStack
	for _, title := range []string{"A", "B"} {
		s, err := d.AddStack(ctx, b.ID, title, nil)
		if err != nil {
			t.Fatal(err)
		}
		stacks = append(stacks, s)
	}
	return nc, d, b, stacks
}

func TestDeckFindCard(t *testing.T) {
	_, d, b, st := deckFixture(t)
	ctx := context.Background()
	inB, err := d.AddCard(ctx, b.ID, st[1].ID, nextcloud.DeckCardCreate{Title: "in B"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := d.AddCard(ctx, b.ID, st[0].ID, nextcloud.DeckCardCreate{Title: "old"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetArchived(ctx, b.ID, old.ID, 0, true); err != nil {
		t.Fatal(err)
	}
	got, err := d.FindCard(ctx, b.ID, inB.ID, 0)
	if err != nil || got.StackID != st[1].ID || got.Title != "in B" {
		t.Fatalf("active card: %+v, %v", got, err)
	}
	got, err = d.FindCard(ctx, b.ID, old.ID, 0)
	if err != nil || got.StackID != st[0].ID || !got.Archived {
		t.Fatalf("archived card: %+v, %v", got, err)
	}
	other, err := d.CreateBoard(ctx, "Other", "000000")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.FindCard(ctx, other.ID, inB.ID, 0)
	wantInput(t, err, fmt.Sprintf("card %d is not on board %d", inB.ID, other.ID))
}

func TestDeckPositions(t *testing.T) {
	nc, d, b, st := deckFixture(t)
	ctx := context.Background()
	if st[0].Order != 0 || st[1].Order != 1 {
		t.Fatalf("stacks not appended: %d, %d", st[0].Order, st[1].Order)
	}
	five := 5
	c, err := d.AddStack(ctx, b.ID, "C", &five)
	if err != nil || c.Order != 5 {
		t.Fatalf("stack at 5: %+v, %v", c, err)
	}
	after, err := d.AddStack(ctx, b.ID, "D", nil)
	if err != nil || after.Order != 6 {
		t.Fatalf("stack after the last (5): %+v, %v", after, err)
	}
	var orders []int
	for _, title := range []string{"x", "y"} {
		card, err := d.AddCard(ctx, b.ID, st[0].ID, nextcloud.DeckCardCreate{Title: title}, nil)
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, card.Order)
	}
	if orders[0] != 0 || orders[1] != 1 {
		t.Fatalf("cards not added at the bottom: %v", orders)
	}
	_, err = d.AddCard(ctx, b.ID, 999999, nextcloud.DeckCardCreate{Title: "z"}, nil)
	wantInput(t, err, "no stack 999999", "#"+fmt.Sprint(st[0].ID)+" A")

	// Listed stacks first, the rest after them in their order.
	got, err := d.ReorderStacks(ctx, b.ID, []int64{after.ID, st[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, s := range got {
		names = append(names, s.Title)
		if s.Order != i {
			t.Fatalf("stack %s has order %d at place %d", s.Title, s.Order, i)
		}
	}
	if strings.Join(names, "") != "DBAC" {
		t.Fatalf("order %v", names)
	}
	stacks, err := d.Stacks(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stacks {
		if s.Title != names[i] {
			t.Fatalf("Deck has %s at place %d, want %s", s.Title, i, names[i])
		}
	}
	// Only stacks whose order changes are written.
	puts := func() (n int) {
		for _, s := range stacks {
			n += nc.RequestCount(fmt.Sprintf("PUT /index.php/apps/deck/api/v1.0/boards/%d/stacks/%d", b.ID, s.ID))
		}
		return n
	}
	before := puts()
	if _, err := d.ReorderStacks(ctx, b.ID, []int64{after.ID}); err != nil {
		t.Fatal(err)
	}
	if n := puts() - before; n != 0 {
		t.Fatalf("an unchanged order wrote %d stacks", n)
	}
	_, err = d.ReorderStacks(ctx, b.ID, []int64{after.ID, 424242})
	wantInput(t, err, "no stack 424242")
}

func TestDeckMoveCard(t *testing.T) {
	_, d, b, st := deckFixture(t)
	ctx := context.Background()
	team, err := d.AddLabel(ctx, b.ID, "Team only", "123456")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.AddLabel(ctx, b.ID, "team ONLY", "123456")
	wantInput(t, err, `already has a label "Team only"`)
	for _, title := range []string{"one", "two"} {
		if _, err := d.AddCard(ctx, b.ID, st[1].ID, nextcloud.DeckCardCreate{Title: title}, nil); err != nil {
			t.Fatal(err)
		}
	}
	card, err := d.AddCard(ctx, b.ID, st[0].ID, nextcloud.DeckCardCreate{Title: "mover"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Within the board the card goes to the bottom by default.
	m, err := d.MoveCard(ctx, nextcloud.DeckMove{BoardID: b.ID, CardID: card.ID, ToStackID: st[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if m.BoardID != b.ID || m.Stack.ID != st[1].ID || m.Card.StackID != st[1].ID || m.Card.Order != 2 {
		t.Fatalf("moved within the board: board %d stack %d card %+v", m.BoardID, m.Stack.ID, m.Card)
	}
	_, err = d.MoveCard(ctx, nextcloud.DeckMove{BoardID: b.ID, CardID: card.ID, ToStackID: 999999})
	wantInput(t, err, "no stack 999999")

	// To another board: labels of the same title (in any case) are
	// carried, others dropped.
	if _, err := d.AddLabel(ctx, b.ID, "Urgent", "ff0000"); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"to review", fmt.Sprint(team.ID), "urgent"} {
		if _, err := d.SetLabel(ctx, b.ID, card.ID, 0, l, true); err != nil {
			t.Fatal(err)
		}
	}
	b2, err := d.CreateBoard(ctx, "Target", "000000")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := d.AddStack(ctx, b2.ID, "Inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	urgent, err := d.AddLabel(ctx, b2.ID, "URGENT", "ff0000")
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	m, err = d.MoveCard(ctx, nextcloud.DeckMove{BoardID: b.ID, CardID: card.ID, ToBoardID: b2.ID, ToStackID: inbox.ID, Order: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if m.BoardID != b2.ID || m.Stack.ID != inbox.ID || strings.Join(sorted(m.LabelsCarried), ",") != "To review,Urgent" || strings.Join(m.LabelsDropped, ",") != "Team only" {
		t.Fatalf("cross-board move: %+v", m)
	}
	board2, err := d.Board(ctx, b2.ID)
	if err != nil {
		t.Fatal(err)
	}
	review, err := board2.Label("To review")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Card.Labels) != 2 || !m.Card.HasLabel(review.ID) || !m.Card.HasLabel(urgent.ID) {
		t.Fatalf("the moved card carries %+v, want board %d's labels %d and %d", m.Card.Labels, b2.ID, review.ID, urgent.ID)
	}
	if _, err := d.FindCard(ctx, b.ID, card.ID, 0); err == nil {
		t.Fatal("the card is still found on the old board")
	}

	// Archived cards do not move.
	if _, err := d.SetArchived(ctx, b2.ID, card.ID, 0, true); err != nil {
		t.Fatal(err)
	}
	_, err = d.MoveCard(ctx, nextcloud.DeckMove{BoardID: b2.ID, CardID: card.ID, ToStackID: inbox.ID})
	wantInput(t, err, "is archived")
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestDeckCardChanges(t *testing.T) {
	_, d, b, st := deckFixture(t)
	ctx := context.Background()
	due := "2030-01-02T03:04:05+00:00"
	card, err := d.AddCard(ctx, b.ID, st[0].ID, nextcloud.DeckCardCreate{Title: "T", Description: "D", Duedate: &due}, nil)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := d.EditCard(ctx, b.ID, card.ID, st[1].ID, func(u *nextcloud.DeckCardUpdate) { u.Title = "T2" })
	if err != nil {
		t.Fatal(err)
	}
	if edited.Title != "T2" || edited.Description != "D" || edited.Duedate == nil || *edited.Duedate != due || edited.StackID != st[0].ID {
		t.Fatalf("edit kept too little or moved the card: %+v", edited)
	}

	c, err := d.SetAssigned(ctx, b.ID, card.ID, 0, "admin", true)
	if err != nil || len(c.AssignedUsers) != 1 {
		t.Fatalf("assign: %+v, %v", c, err)
	}
	if c, err = d.SetAssigned(ctx, b.ID, card.ID, 0, "admin", true); err != nil || len(c.AssignedUsers) != 1 {
		t.Fatalf("assigning twice: %+v, %v", c, err)
	}
	_, err = d.SetAssigned(ctx, b.ID, card.ID, 0, "bob", false)
	wantInput(t, err, `"bob" is not assigned`, "assigned are: admin")
	if c, err = d.SetAssigned(ctx, b.ID, card.ID, 0, "admin", false); err != nil || len(c.AssignedUsers) != 0 {
		t.Fatalf("unassign: %+v, %v", c, err)
	}
	_, err = d.SetAssigned(ctx, b.ID, card.ID, 0, "admin", false)
	wantInput(t, err, "nobody is")

	if c, err = d.SetLabel(ctx, b.ID, card.ID, 0, "finished", true); err != nil || len(c.Labels) != 1 || c.Labels[0].Title != "Finished" {
		t.Fatalf("label: %+v, %v", c, err)
	}
	_, err = d.SetLabel(ctx, b.ID, card.ID, 0, "Urgent", true)
	wantInput(t, err, `no label "Urgent"`, `"Finished" (#`)
	if _, err := d.SetArchived(ctx, b.ID, card.ID, 0, true); err != nil {
		t.Fatal(err)
	}
	_, err = d.EditCard(ctx, b.ID, card.ID, 0, func(u *nextcloud.DeckCardUpdate) { u.Title = "x" })
	wantInput(t, err, "is archived")
	_, err = d.SetLabel(ctx, b.ID, card.ID, 0, "Later", true)
	wantInput(t, err, "is archived")
	// Asking for what already is so is no change, archived or not.
	if c, err = d.SetLabel(ctx, b.ID, card.ID, 0, "Finished", true); err != nil || len(c.Labels) != 1 {
		t.Fatalf("label already on an archived card: %+v, %v", c, err)
	}
	if c, err = d.SetArchived(ctx, b.ID, card.ID, 0, false); err != nil || c.Archived {
		t.Fatalf("unarchive: %+v, %v", c, err)
	}
}

func TestDeckBoardLabelLookup(t *testing.T) {
	b := &nextcloud.DeckBoard{ID: 3, Labels: []nextcloud.DeckLabel{{ID: 7, Title: "Bug"}, {ID: 9, Title: "#7"}}}
	for ref, want := range map[string]int64{"bug": 7, " Bug ": 7, "#7": 9, "9": 9, "#9": 9} {
		if l, err := b.Label(ref); err != nil || l.ID != want {
			t.Errorf("Label(%q) = %+v, %v; want #%d", ref, l, err, want)
		}
	}
	_, err := b.Label("Feature")
	wantInput(t, err, `board 3 has no label "Feature"`, `"Bug" (#7)`, `"#7" (#9)`)
	_, err = (&nextcloud.DeckBoard{ID: 4}).Label("x")
	wantInput(t, err, "board 4 has no labels")

	// FindLabel goes by id, not by a title that looks like one.
	_, d, board, _ := deckFixture(t)
	ctx := context.Background()
	bug, err := d.AddLabel(ctx, board.ID, "Bug", "ff0000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddLabel(ctx, board.ID, fmt.Sprintf("#%d", bug.ID), "00ff00"); err != nil {
		t.Fatal(err)
	}
	l, err := d.FindLabel(ctx, board.ID, bug.ID)
	if err != nil || l.ID != bug.ID || l.Title != "Bug" {
		t.Fatalf("FindLabel: %+v, %v", l, err)
	}
	_, err = d.FindLabel(ctx, board.ID, 555555)
	wantInput(t, err, `no label "#555555"`, `"Bug"`)
}

func TestDeckCardDue(t *testing.T) {
	s := func(v string) *string { return &v }
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		card    nextcloud.DeckCard
		due     bool
		overdue bool
	}{
		{nextcloud.DeckCard{}, false, false},
		{nextcloud.DeckCard{Duedate: s("")}, false, false},
		{nextcloud.DeckCard{Duedate: s("soon")}, false, false},
		{nextcloud.DeckCard{Duedate: s("2025-06-01T11:59:59+00:00")}, true, true},
		{nextcloud.DeckCard{Duedate: s("2025-06-01T14:00:01+02:00")}, true, false},
		{nextcloud.DeckCard{Duedate: s("2025-05-01T00:00:00+00:00"), Done: s("2025-05-02T00:00:00+00:00")}, true, false},
		{nextcloud.DeckCard{Duedate: s("2025-05-01T00:00:00+00:00"), Done: s("")}, true, true},
	}
	for i, tc := range cases {
		_, due := tc.card.Due()
		if due != tc.due || tc.card.OverdueAt(now) != tc.overdue {
			t.Errorf("case %d: due %v overdue %v, want %v %v", i, due, tc.card.OverdueAt(now), tc.due, tc.overdue)
		}
	}
}
