package mcp

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestDeckBoards(t *testing.T) {
	nc, c := newDeckTest(t)
	created := call[deckBoardOneOut](t, c, "nc_deck_create_board", map[string]any{"title": "Roadmap", "color": "#FF0000"})
	if created.Board.Color != "ff0000" || created.Board.Title != "Roadmap" || created.Board.SharedWithMe || !created.Board.CanManage {
		t.Fatalf("created %+v", created.Board)
	}
	id := created.Board.ID
	other := deckBoard(t, c, "Zeta")

	// Updating the title alone keeps color and archived state (Deck's PUT
	// needs all three, so the tool reads first).
	up := call[deckBoardOneOut](t, c, "nc_deck_update_board", map[string]any{"board_id": id, "title": "Roadmap 2025"})
	if up.Board.Title != "Roadmap 2025" || up.Board.Color != "ff0000" || up.Board.Archived {
		t.Fatalf("after rename: %+v", up.Board)
	}
	up = call[deckBoardOneOut](t, c, "nc_deck_update_board", map[string]any{"board_id": other, "archived": true})
	if !up.Board.Archived || up.Board.Title != "Zeta" {
		t.Fatalf("after archive: %+v", up.Board)
	}
	active := call[deckBoardsOut](t, c, "nc_deck_list_boards", nil)
	if active.Count != 1 || active.Boards[0].ID != id {
		t.Fatalf("active boards: %+v", active)
	}
	archived := call[deckBoardsOut](t, c, "nc_deck_list_boards", map[string]any{"archived": true})
	if archived.Count != 1 || archived.Boards[0].ID != other {
		t.Fatalf("archived boards: %+v", archived)
	}

	// Shared with me: bob's board shared with admin.
	bob := nc.Client(t, "bob").Deck(nil)
	bb, err := bob.CreateBoard(context.Background(), "Bob's board", "00ff00")
	if err != nil {
		t.Fatal(err)
	}
	shareDeckBoard(t, nc, "bob", bb.ID, "admin", true)
	shared := call[deckBoardsOut](t, c, "nc_deck_list_boards", map[string]any{"shared_with_me": true})
	if shared.Count != 1 || shared.Boards[0].ID != bb.ID || shared.Boards[0].Owner != "bob" || !shared.Boards[0].SharedWithMe || shared.Boards[0].CanManage {
		t.Fatalf("shared with me: %+v", shared)
	}
	if !strings.Contains(resultText(callTool(t, c, "nc_deck_list_boards", map[string]any{"shared_with_me": true})), "shared by bob") {
		t.Fatal("summary does not say who shared the board")
	}

	done := call[deckDoneOut](t, c, "nc_deck_delete_board", map[string]any{"board_id": id})
	if !strings.Contains(done.Message, "Roadmap 2025") {
		t.Fatalf("delete message %q", done.Message)
	}
	for _, b := range call[deckBoardsOut](t, c, "nc_deck_list_boards", nil).Boards {
		if b.ID == id {
			t.Fatal("deleted board still listed")
		}
	}
}

func TestDeckBoardOverviewAndStacks(t *testing.T) {
	_, c := newDeckTest(t)
	b := deckBoard(t, c, "Sprint")
	todo := deckStack(t, c, b, "To do")
	doing := deckStack(t, c, b, "Doing")
	done := deckStack(t, c, b, "Done")
	deckCard(t, c, b, todo, "Write spec", map[string]any{"due_date": "2001-01-01"})
	deckCard(t, c, b, todo, "Review", nil)
	old := deckCard(t, c, b, doing, "Old task", nil)
	call[deckCardOut](t, c, "nc_deck_archive_card", map[string]any{"board_id": b, "card_id": old.ID})

	ov := call[deckBoardDetailOut](t, c, "nc_deck_get_board", map[string]any{"board_id": b})
	if len(ov.Stacks) != 3 || ov.Stacks[0].ID != todo || ov.Stacks[1].ID != doing || ov.Stacks[2].ID != done {
		t.Fatalf("stacks out of order: %+v", ov.Stacks)
	}
	if ov.CardCount != 2 || ov.ArchivedCardCount != 1 || ov.Stacks[0].CardCount != 2 || ov.Stacks[0].OverdueCount != 1 || ov.Stacks[1].ArchivedCardCount != 1 {
		t.Fatalf("counts: %+v", ov)
	}
	if len(ov.Labels) != 4 || len(ov.Members) != 1 || ov.Members[0].UserID != "admin" || !strings.Contains(ov.URL, fmt.Sprintf("/apps/deck/board/%d", b)) {
		t.Fatalf("labels/members/url: %+v", ov)
	}
	if !strings.Contains(resultText(callTool(t, c, "nc_deck_get_board", map[string]any{"board_id": b})), "1 overdue") {
		t.Fatal("summary lacks overdue count")
	}

	st := call[deckStacksOut](t, c, "nc_deck_list_stacks", map[string]any{"board_id": b})
	if len(st.Stacks) != 3 {
		t.Fatalf("list stacks: %+v", st)
	}
	arch := call[deckStacksOut](t, c, "nc_deck_list_stacks", map[string]any{"board_id": b, "archived": true})
	if len(arch.Stacks) != 1 || arch.Stacks[0].ID != doing || arch.Stacks[0].ArchivedCardCount != 1 {
		t.Fatalf("stacks with archived cards: %+v", arch)
	}
	one := call[deckStackOneOut](t, c, "nc_deck_get_stack", map[string]any{"board_id": b, "stack_id": todo})
	if one.Stack.Title != "To do" || len(one.Stack.Cards) != 2 || one.Stack.Cards[0].Title != "Write spec" {
		t.Fatalf("get stack: %+v", one)
	}

	// Rename keeps the order; order alone keeps the title.
	up := call[deckStackOneOut](t, c, "nc_deck_update_stack", map[string]any{"board_id": b, "stack_id": doing, "title": "In progress"})
	if up.Stack.Title != "In progress" || up.Stack.Order != 1 {
		t.Fatalf("update stack: %+v", up)
	}
	re := call[deckStacksOut](t, c, "nc_deck_reorder_stacks", map[string]any{"board_id": b, "stack_ids": []int64{done, todo}})
	if re.Stacks[0].ID != done || re.Stacks[1].ID != todo || re.Stacks[2].ID != doing {
		t.Fatalf("reorder: %+v", re)
	}
	ov = call[deckBoardDetailOut](t, c, "nc_deck_get_board", map[string]any{"board_id": b})
	if ov.Stacks[0].ID != done || ov.Stacks[2].Title != "In progress" {
		t.Fatalf("board after reorder: %+v", ov.Stacks)
	}
	wantError(t, callTool(t, c, "nc_deck_reorder_stacks", map[string]any{"board_id": b, "stack_ids": []int64{todo, 424242}}), "no stack 424242", "To do")
	wantError(t, callTool(t, c, "nc_deck_reorder_stacks", map[string]any{"board_id": b, "stack_ids": []int64{todo, todo}}), "twice")

	call[deckDoneOut](t, c, "nc_deck_delete_stack", map[string]any{"board_id": b, "stack_id": done})
	if n := len(call[deckStacksOut](t, c, "nc_deck_list_stacks", map[string]any{"board_id": b}).Stacks); n != 2 {
		t.Fatalf("%d stacks after delete", n)
	}
	wantError(t, callTool(t, c, "nc_deck_get_stack", map[string]any{"board_id": b, "stack_id": done}), fmt.Sprintf("no stack %d", done))
}

func TestDeckLabels(t *testing.T) {
	_, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	ls := call[deckLabelsOut](t, c, "nc_deck_list_labels", map[string]any{"board_id": b})
	if len(ls.Labels) != 4 || ls.Labels[0].Title != "Finished" {
		t.Fatalf("default labels %+v", ls)
	}
	nl := call[deckLabelOneOut](t, c, "nc_deck_create_label", map[string]any{"board_id": b, "title": "Bug", "color": "#E00"})
	if nl.Label.Color != "ee0000" || nl.Label.Title != "Bug" {
		t.Fatalf("created %+v", nl)
	}
	wantError(t, callTool(t, c, "nc_deck_create_label", map[string]any{"board_id": b, "title": "bug", "color": "000000"}), "already has a label")
	wantError(t, callTool(t, c, "nc_deck_create_label", map[string]any{"board_id": b, "title": "X", "color": "red"}), "hex color")
	got := call[deckLabelOneOut](t, c, "nc_deck_get_label", map[string]any{"board_id": b, "label_id": nl.Label.ID})
	if got.Label.ID != nl.Label.ID || got.Label.Title != "Bug" || got.Label.Color != "ee0000" || got.BoardID != b {
		t.Fatalf("get label %+v", got)
	}
	wantError(t, callTool(t, c, "nc_deck_get_label", map[string]any{"board_id": b, "label_id": 555555}), `no label "#555555"`, `"Bug"`)
	wantError(t, callTool(t, c, "nc_deck_get_label", map[string]any{"board_id": b}), "label_id")
	wantError(t, callTool(t, c, "nc_deck_get_label", map[string]any{"board_id": b, "label_id": -1}), "label_id")
	up := call[deckLabelOneOut](t, c, "nc_deck_update_label", map[string]any{"board_id": b, "label_id": nl.Label.ID, "title": "Defect"})
	if up.Label.Title != "Defect" || up.Label.Color != "ee0000" {
		t.Fatalf("updated %+v", up)
	}
	wantError(t, callTool(t, c, "nc_deck_update_label", map[string]any{"board_id": b, "label_id": 555555, "color": "000000"}), "no label", "Defect")
	call[deckDoneOut](t, c, "nc_deck_delete_label", map[string]any{"board_id": b, "label_id": nl.Label.ID})
	if n := len(call[deckLabelsOut](t, c, "nc_deck_list_labels", map[string]any{"board_id": b}).Labels); n != 4 {
		t.Fatalf("%d labels after delete", n)
	}
}
