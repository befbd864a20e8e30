package mcp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func TestDeckCards(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "Work")
	todo := deckStack(t, c, b, "To do")
	doing := deckStack(t, c, b, "Doing")
	shareDeckBoard(t, nc, "admin", b, "bob", true)

	spec := deckCard(t, c, b, todo, "Write spec", map[string]any{"description": "The **spec**", "due_date": "2030-05-01T12:00:00+02:00"})
	if spec.StackTitle != "To do" || spec.Description != "The **spec**" || spec.DueDate == "" || spec.Owner != "admin" || spec.Order != 0 {
		t.Fatalf("created card %+v", spec)
	}
	review := deckCard(t, c, b, todo, "Review budget", map[string]any{"due_date": "2020-01-01"})
	if review.Order != 1 || !review.Overdue {
		t.Fatalf("second card: %+v", review)
	}
	ship := deckCard(t, c, b, doing, "Ship it", nil)

	// Labels and assignees.
	card := call[deckCardOut](t, c, "nc_deck_add_label", map[string]any{"board_id": b, "card_id": spec.ID, "label": "to review"})
	if len(card.Labels) != 1 || card.Labels[0] != "To review" {
		t.Fatalf("labels after add: %+v", card.Labels)
	}
	card = call[deckCardOut](t, c, "nc_deck_add_label", map[string]any{"board_id": b, "card_id": spec.ID, "label": "To review"})
	if len(card.Labels) != 1 {
		t.Fatalf("adding a label twice duplicated it: %+v", card.Labels)
	}
	wantError(t, callTool(t, c, "nc_deck_add_label", map[string]any{"board_id": b, "card_id": spec.ID, "label": "Urgent"}), `no label "Urgent"`, "Finished")
	card = call[deckCardOut](t, c, "nc_deck_assign_user", map[string]any{"board_id": b, "card_id": spec.ID, "user_id": "bob"})
	if len(card.Assigned) != 1 || card.Assigned[0].UserID != "bob" {
		t.Fatalf("assignees: %+v", card.Assigned)
	}
	call[deckCardOut](t, c, "nc_deck_assign_user", map[string]any{"board_id": b, "card_id": spec.ID, "user_id": "bob"}) // idempotent
	wantError(t, callTool(t, c, "nc_deck_assign_user", map[string]any{"board_id": b, "card_id": spec.ID, "user_id": "mallory"}), "not part of the board")
	call[deckCardOut](t, c, "nc_deck_assign_user", map[string]any{"board_id": b, "card_id": ship.ID, "user_id": "admin"})

	// Filters.
	list := func(args map[string]any) []string {
		args["board_id"] = b
		out := call[deckCardsOut](t, c, "nc_deck_list_cards", args)
		var titles []string
		for _, x := range out.Cards {
			titles = append(titles, x.Title)
		}
		return titles
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	check("all", list(map[string]any{}), "Write spec", "Review budget", "Ship it")
	check("stack", list(map[string]any{"stack_id": doing}), "Ship it")
	check("label", list(map[string]any{"label": "To review"}), "Write spec")
	check("assignee by id", list(map[string]any{"assignee": "bob"}), "Write spec")
	check("assignee by name", list(map[string]any{"assignee": "ADMIN"}), "Ship it")
	check("due before", list(map[string]any{"due_before": "2025-01-01"}), "Review budget")
	check("due before, later", list(map[string]any{"due_before": "2031-01-01T00:00:00Z"}), "Write spec", "Review budget")
	check("text in description", list(map[string]any{"text": "SPEC**"}), "Write spec")
	check("text in title", list(map[string]any{"text": "budget"}), "Review budget")
	limited := call[deckCardsOut](t, c, "nc_deck_list_cards", map[string]any{"board_id": b, "limit": 1})
	if limited.Total != 3 || len(limited.Cards) != 1 || !limited.Truncated {
		t.Fatalf("limit: %+v", limited)
	}

	// Get with labels, assignees, comment count.
	call[deckAddCommentOut](t, c, "nc_deck_add_comment", map[string]any{"card_id": spec.ID, "message": "first"})
	got := call[deckCardOut](t, c, "nc_deck_get_card", map[string]any{"board_id": b, "card_id": spec.ID})
	if got.CommentsCount != 1 || len(got.LabelsFull) != 1 || got.Assigned[0].UserID != "bob" || got.StackID != todo || !strings.Contains(got.URL, fmt.Sprintf("/card/%d", spec.ID)) {
		t.Fatalf("get card: %+v", got)
	}

	// Update: Deck's PUT needs the whole card; fields not given survive.
	up := call[deckCardOut](t, c, "nc_deck_update_card", map[string]any{"board_id": b, "card_id": spec.ID, "title": "Write the spec"})
	if up.Title != "Write the spec" || up.Description != "The **spec**" || up.DueDate != spec.DueDate || len(up.Labels) != 1 || up.StackID != todo {
		t.Fatalf("after title update: %+v", up)
	}
	up = call[deckCardOut](t, c, "nc_deck_update_card", map[string]any{"board_id": b, "card_id": spec.ID, "description": "new text", "clear_due_date": true})
	if up.Description != "new text" || up.DueDate != "" || up.Title != "Write the spec" {
		t.Fatalf("after description update: %+v", up)
	}
	up = call[deckCardOut](t, c, "nc_deck_update_card", map[string]any{"board_id": b, "card_id": spec.ID, "stack_id": doing, "due_date": "2031-02-03"})
	if up.StackID != todo || !strings.HasPrefix(up.DueDate, "2031-02-03T00:00:00") {
		t.Fatalf("a wrong stack_id must not move the card: %+v", up)
	}

	// Move within the board, to the top of "Doing".
	mv := call[deckMoveOut](t, c, "nc_deck_move_card", map[string]any{"board_id": b, "card_id": spec.ID, "to_stack_id": doing, "order": 0})
	if mv.Card.StackID != doing || mv.Card.Order != 0 || mv.Card.StackTitle != "Doing" {
		t.Fatalf("move: %+v", mv)
	}
	check("doing after move", list(map[string]any{"stack_id": doing}), "Write the spec", "Ship it")
	wantError(t, callTool(t, c, "nc_deck_move_card", map[string]any{"board_id": b, "card_id": spec.ID, "to_stack_id": 999999}), "no stack 999999", "Doing")

	// Move to another board: same-titled labels carry over, others drop.
	b2 := deckBoard(t, c, "Archive board")
	inbox := deckStack(t, c, b2, "Inbox")
	call[deckLabelOneOut](t, c, "nc_deck_create_label", map[string]any{"board_id": b, "title": "Team only", "color": "123456"})
	call[deckCardOut](t, c, "nc_deck_add_label", map[string]any{"board_id": b, "card_id": spec.ID, "label": "Team only"})
	mv = call[deckMoveOut](t, c, "nc_deck_move_card", map[string]any{"board_id": b, "card_id": spec.ID, "to_board_id": b2, "to_stack_id": inbox})
	if mv.Card.BoardID != b2 || mv.Card.StackID != inbox || strings.Join(mv.LabelsCarried, ",") != "To review" || strings.Join(mv.LabelsDropped, ",") != "Team only" {
		t.Fatalf("cross-board move: %+v", mv)
	}
	moved := call[deckCardOut](t, c, "nc_deck_get_card", map[string]any{"board_id": b2, "card_id": spec.ID})
	b2labels := call[deckLabelsOut](t, c, "nc_deck_list_labels", map[string]any{"board_id": b2})
	if len(moved.LabelsFull) != 1 || moved.LabelsFull[0].ID != b2labels.Labels[1].ID {
		t.Fatalf("moved card carries %+v, board 2 labels %+v", moved.LabelsFull, b2labels.Labels)
	}
	wantError(t, callTool(t, c, "nc_deck_get_card", map[string]any{"board_id": b, "card_id": spec.ID}), "not on board")

	// Archive / unarchive.
	arch := call[deckCardOut](t, c, "nc_deck_archive_card", map[string]any{"board_id": b, "card_id": review.ID})
	if !arch.Archived {
		t.Fatal("not archived")
	}
	check("active after archive", list(map[string]any{}), "Ship it")
	check("archived", list(map[string]any{"archived": true}), "Review budget")
	wantError(t, callTool(t, c, "nc_deck_update_card", map[string]any{"board_id": b, "card_id": review.ID, "title": "x"}), "archived", "nc_deck_unarchive_card")
	wantError(t, callTool(t, c, "nc_deck_move_card", map[string]any{"board_id": b, "card_id": review.ID, "to_stack_id": doing}), "archived")
	un := call[deckCardOut](t, c, "nc_deck_unarchive_card", map[string]any{"board_id": b, "card_id": review.ID})
	if un.Archived {
		t.Fatal("still archived")
	}

	// Unassign and remove label.
	card = call[deckCardOut](t, c, "nc_deck_unassign_user", map[string]any{"board_id": b, "card_id": ship.ID, "user_id": "admin"})
	if len(card.Assigned) != 0 {
		t.Fatalf("still assigned: %+v", card.Assigned)
	}
	wantError(t, callTool(t, c, "nc_deck_unassign_user", map[string]any{"board_id": b, "card_id": ship.ID, "user_id": "admin"}), "not assigned")
	call[deckCardOut](t, c, "nc_deck_add_label", map[string]any{"board_id": b, "card_id": ship.ID, "label": "Finished"})
	card = call[deckCardOut](t, c, "nc_deck_remove_label", map[string]any{"board_id": b, "card_id": ship.ID, "label": "finished"})
	if len(card.Labels) != 0 {
		t.Fatalf("label not removed: %+v", card.Labels)
	}

	// Delete.
	call[deckDoneOut](t, c, "nc_deck_delete_card", map[string]any{"board_id": b, "card_id": ship.ID})
	check("after delete", list(map[string]any{}), "Review budget")
	wantError(t, callTool(t, c, "nc_deck_get_card", map[string]any{"board_id": b, "card_id": ship.ID, "stack_id": doing}), "does not exist or you have no access")
}

func TestDeckCardUpdateKeepsDoneMark(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "Task", nil)
	// Mark done directly (as the web app would), then edit through the tool.
	d := nc.Client(t, "admin").Deck(nil)
	full, err := d.Card(context.Background(), b, s, card.ID)
	if err != nil {
		t.Fatal(err)
	}
	u := nextcloud.CardUpdateFrom(full)
	doneAt := "2024-01-02T03:04:05+00:00"
	u.Done = &doneAt
	if _, err := d.UpdateCard(context.Background(), b, s, card.ID, u); err != nil {
		t.Fatal(err)
	}
	up := call[deckCardOut](t, c, "nc_deck_update_card", map[string]any{"board_id": b, "card_id": card.ID, "title": "Task (renamed)"})
	if !up.Done {
		t.Fatal("renaming the card cleared its done mark")
	}
}
