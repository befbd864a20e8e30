package mcp

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestDeckBadInput(t *testing.T) {
	_, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "C", nil).ID
	cases := []badCall{
		{"nc_deck_get_board", map[string]any{}, []string{"board_id"}},
		{"nc_deck_get_board", map[string]any{"board_id": "seven"}, []string{"board_id"}},
		{"nc_deck_get_board", map[string]any{"board_id": 999999}, []string{"board 999999", "does not exist or you have no access"}},
		{"nc_deck_get_board", map[string]any{"board_id": -3}, []string{"board_id must be a positive id"}},
		{"nc_deck_list_boards", map[string]any{"archived": "yes"}, []string{"archived"}},
		{"nc_deck_list_boards", map[string]any{"bogus": 1}, []string{"bogus"}},
		{"nc_deck_create_board", map[string]any{}, []string{"title"}},
		{"nc_deck_create_board", map[string]any{"title": "  "}, []string{"title must not be empty"}},
		{"nc_deck_create_board", map[string]any{"title": strings.Repeat("t", 101)}, []string{"at most 100"}},
		{"nc_deck_create_board", map[string]any{"title": "x", "color": "blue"}, []string{"hex color"}},
		{"nc_deck_update_board", map[string]any{"board_id": b}, []string{"nothing to change"}},
		{"nc_deck_update_board", map[string]any{"board_id": 999999, "title": "x"}, []string{"does not exist"}},
		{"nc_deck_delete_board", map[string]any{"board_id": 999999}, []string{"does not exist"}},
		{"nc_deck_list_stacks", map[string]any{"board_id": 999999}, []string{"does not exist"}},
		{"nc_deck_get_stack", map[string]any{"board_id": b}, []string{"stack_id"}},
		{"nc_deck_create_stack", map[string]any{"board_id": b}, []string{"title"}},
		{"nc_deck_create_stack", map[string]any{"board_id": 999999, "title": "x"}, []string{"does not exist"}},
		{"nc_deck_update_stack", map[string]any{"board_id": b, "stack_id": s}, []string{"nothing to change"}},
		{"nc_deck_update_stack", map[string]any{"board_id": b, "stack_id": 999999, "title": "x"}, []string{"invalid arguments: board", "no stack 999999"}},
		{"nc_deck_delete_stack", map[string]any{"board_id": b, "stack_id": 999999}, []string{"no stack 999999"}},
		{"nc_deck_reorder_stacks", map[string]any{"board_id": b, "stack_ids": []int64{}}, []string{"stack_ids"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "due_before": "next friday"}, []string{"due_before", "2025-03-31"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "label": "nope"}, []string{`no label "nope"`}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "stack_id": 999999}, []string{"no stack 999999"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "limit": 501}, []string{"limit"}},
		{"nc_deck_get_card", map[string]any{"board_id": b, "card_id": 999999}, []string{"invalid arguments: card 999999 is not on board"}},
		{"nc_deck_get_card", map[string]any{"board_id": b}, []string{"card_id"}},
		{"nc_deck_create_card", map[string]any{"board_id": b, "stack_id": s, "title": "x", "due_date": "tomorrow"}, []string{"due_date"}},
		{"nc_deck_create_card", map[string]any{"board_id": b, "stack_id": s, "title": strings.Repeat("t", 256)}, []string{"at most 255"}},
		{"nc_deck_create_card", map[string]any{"board_id": b, "stack_id": 999999, "title": "x"}, []string{"no stack 999999"}},
		{"nc_deck_update_card", map[string]any{"board_id": b, "card_id": card}, []string{"nothing to change"}},
		{"nc_deck_update_card", map[string]any{"board_id": b, "card_id": card, "due_date": "2025-01-01", "clear_due_date": true}, []string{"not both"}},
		{"nc_deck_move_card", map[string]any{"board_id": b, "card_id": card}, []string{"to_stack_id"}},
		{"nc_deck_move_card", map[string]any{"board_id": b, "card_id": card, "to_stack_id": s, "to_board_id": 999999}, []string{"does not exist"}},
		{"nc_deck_archive_card", map[string]any{"board_id": b, "card_id": 999999}, []string{"not on board"}},
		{"nc_deck_unarchive_card", map[string]any{"board_id": b, "card_id": 999999}, []string{"not on board"}},
		{"nc_deck_delete_card", map[string]any{"board_id": b, "card_id": 999999, "stack_id": s}, []string{"does not exist"}},
		{"nc_deck_assign_user", map[string]any{"board_id": b, "card_id": card, "user_id": ""}, []string{"user_id must not be empty"}},
		{"nc_deck_unassign_user", map[string]any{"board_id": b, "card_id": card}, []string{"user_id"}},
		{"nc_deck_add_label", map[string]any{"board_id": b, "card_id": card}, []string{"label"}},
		{"nc_deck_remove_label", map[string]any{"board_id": b, "card_id": card, "label": "nope"}, []string{"invalid arguments: board", `no label "nope"`}},
		{"nc_deck_list_comments", map[string]any{"card_id": card, "limit": 1000}, []string{"limit"}},
		{"nc_deck_add_comment", map[string]any{"card_id": card, "message": ""}, []string{"message must not be empty"}},
		{"nc_deck_add_comment", map[string]any{"card_id": 999999, "message": "x"}, []string{"does not exist"}},
		{"nc_deck_add_comment", map[string]any{"card_id": card, "message": "x", "reply_to": 999999}, []string{"Invalid parent id"}},
		{"nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": 1}, []string{"message"}},
		{"nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": 999999}, []string{"No comment found"}},
		{"nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": 999999}, []string{"not on board"}},
		{"nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/"}, []string{"path must name a file"}},
		{"nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card, "note_id": 0}, []string{"note_id"}},
		{"nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": 1, "type": "link"}, []string{"file or deck_file"}},
		{"nc_deck_list_labels", map[string]any{"board_id": 999999}, []string{"does not exist"}},
		{"nc_deck_get_label", map[string]any{"board_id": b, "label_id": 0}, []string{"label_id"}},
		{"nc_deck_create_label", map[string]any{"board_id": b, "title": "x"}, []string{"color"}},
		{"nc_deck_update_label", map[string]any{"board_id": b, "label_id": 1}, []string{"nothing to change"}},
		{"nc_deck_delete_label", map[string]any{"board_id": b, "label_id": 999999}, []string{"no label"}},
	}
	wantBadCalls(t, c, cases)
	wantEveryToolCovered(t, cases, deckToolNames)
}

func TestDeckNextcloudFailures(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "C", nil).ID
	lbl := call[deckLabelsOut](t, c, "nc_deck_list_labels", map[string]any{"board_id": b}).Labels[0].ID
	// A note with its file, so that nc_deck_attach_note reaches Deck.
	ac := nc.Client(t, "admin")
	note := nfNote(t, ac, "N", "", "n")
	nfWrite(t, ac, "Notes/N.txt", []byte("n"))
	var mu sync.Mutex
	failing := false
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if failing && (strings.Contains(r.URL.Path, "/apps/deck/") || strings.Contains(r.URL.Path, "/files_sharing/")) {
			http.Error(w, `{"status":500,"message":"Internal server error"}`, http.StatusInternalServerError)
			return true
		}
		return false
	})
	mu.Lock()
	failing = true
	mu.Unlock()
	calls := map[string]map[string]any{
		"nc_deck_list_boards":       {},
		"nc_deck_get_board":         {"board_id": b},
		"nc_deck_create_board":      {"title": "x"},
		"nc_deck_update_board":      {"board_id": b, "title": "x"},
		"nc_deck_delete_board":      {"board_id": b},
		"nc_deck_list_stacks":       {"board_id": b},
		"nc_deck_get_stack":         {"board_id": b, "stack_id": s},
		"nc_deck_create_stack":      {"board_id": b, "title": "x", "order": 3},
		"nc_deck_update_stack":      {"board_id": b, "stack_id": s, "title": "x"},
		"nc_deck_delete_stack":      {"board_id": b, "stack_id": s},
		"nc_deck_reorder_stacks":    {"board_id": b, "stack_ids": []int64{s}},
		"nc_deck_list_cards":        {"board_id": b},
		"nc_deck_get_card":          {"board_id": b, "card_id": card, "stack_id": s},
		"nc_deck_create_card":       {"board_id": b, "stack_id": s, "title": "x"},
		"nc_deck_update_card":       {"board_id": b, "card_id": card, "stack_id": s, "title": "x"},
		"nc_deck_move_card":         {"board_id": b, "card_id": card, "stack_id": s, "to_stack_id": s},
		"nc_deck_archive_card":      {"board_id": b, "card_id": card, "stack_id": s},
		"nc_deck_unarchive_card":    {"board_id": b, "card_id": card, "stack_id": s},
		"nc_deck_delete_card":       {"board_id": b, "card_id": card, "stack_id": s},
		"nc_deck_assign_user":       {"board_id": b, "card_id": card, "stack_id": s, "user_id": "admin"},
		"nc_deck_unassign_user":     {"board_id": b, "card_id": card, "stack_id": s, "user_id": "admin"},
		"nc_deck_add_label":         {"board_id": b, "card_id": card, "stack_id": s, "label": "Finished"},
		"nc_deck_remove_label":      {"board_id": b, "card_id": card, "stack_id": s, "label": "Finished"},
		"nc_deck_list_comments":     {"card_id": card},
		"nc_deck_add_comment":       {"card_id": card, "message": "x"},
		"nc_deck_update_comment":    {"card_id": card, "comment_id": 1, "message": "x"},
		"nc_deck_delete_comment":    {"card_id": card, "comment_id": 1},
		"nc_deck_list_attachments":  {"board_id": b, "card_id": card, "stack_id": s},
		"nc_deck_attach_file":       {"board_id": b, "card_id": card, "stack_id": s, "path": "/a.txt"},
		"nc_deck_attach_note":       {"board_id": b, "card_id": card, "stack_id": s, "note_id": note.ID},
		"nc_deck_delete_attachment": {"board_id": b, "card_id": card, "stack_id": s, "attachment_id": 1},
		"nc_deck_list_labels":       {"board_id": b},
		"nc_deck_get_label":         {"board_id": b, "label_id": lbl},
		"nc_deck_create_label":      {"board_id": b, "title": "x", "color": "000000"},
		"nc_deck_update_label":      {"board_id": b, "label_id": lbl, "title": "x"},
		"nc_deck_delete_label":      {"board_id": b, "label_id": lbl},
	}
	for _, name := range deckToolNames {
		args, ok := calls[name]
		if !ok {
			t.Errorf("no failure case for %s", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			wantError(t, callTool(t, c, name, args), "500", "Internal server error")
		})
	}
}

func TestDeckAppDisabled(t *testing.T) {
	_, c := newDeckTest(t, nctest.WithDisabledApp("deck"))
	wantAllFail(t, c, []toolCall{
		{"nc_deck_list_boards", map[string]any{}},
		{"nc_deck_create_board", map[string]any{"title": "x"}},
		{"nc_deck_list_comments", map[string]any{"card_id": 1}},
		{"nc_deck_get_label", map[string]any{"board_id": 1, "label_id": 1}},
	}, `"deck"`, "not installed or not enabled")
}

func TestDeckETagRevalidation(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "Cached")
	nc.RecordRequests()
	first := call[deckBoardsOut](t, c, "nc_deck_list_boards", nil)
	second := call[deckBoardsOut](t, c, "nc_deck_list_boards", nil)
	if first.Count != 1 || second.Count != 1 || second.Boards[0].ID != b {
		t.Fatalf("boards from cache: %+v / %+v", first, second)
	}
	deckBoard(t, c, "New")
	third := call[deckBoardsOut](t, c, "nc_deck_list_boards", nil)
	if third.Count != 2 {
		t.Fatalf("a changed list was served from the cache: %+v", third)
	}
	var conditional []string
	for _, r := range nc.Requests(func(r nctest.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/apps/deck/api/v1.0/boards")
	}) {
		conditional = append(conditional, r.Header.Get("If-None-Match"))
	}
	if len(conditional) != 3 || conditional[0] != "" || conditional[1] == "" || conditional[2] != conditional[1] {
		t.Fatalf("If-None-Match headers sent: %q", conditional)
	}
}
