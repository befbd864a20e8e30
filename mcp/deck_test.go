package mcp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func newDeckTest(t *testing.T, opts ...nctest.Option) (*nctest.Server, *client.Client) {
	t.Helper()
	opts = append([]nctest.Option{nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass")}, opts...)
	nc := nctest.New(t, opts...)
	return nc, connect(t, newTestServer(t, nc), "inprocess")
}

// call runs a tool that must succeed and decodes its structured result.
func call[T any](t *testing.T, c *client.Client, name string, args map[string]any) T {
	t.Helper()
	var out T
	decodeStructured(t, callTool(t, c, name, args), &out)
	return out
}

func deckBoard(t *testing.T, c *client.Client, title string) int64 {
	t.Helper()
	return call[deckBoardOneOut](t, c, "nc_deck_create_board", map[string]any{"title": title}).Board.ID
}

func deckStack(t *testing.T, c *client.Client, board int64, title string) int64 {
	t.Helper()
	return call[deckStackOneOut](t, c, "nc_deck_create_stack", map[string]any{"board_id": board, "title": title}).Stack.ID
}

func deckCard(t *testing.T, c *client.Client, board, stack int64, title string, extra map[string]any) deckCardOut {
	t.Helper()
	args := map[string]any{"board_id": board, "stack_id": stack, "title": title}
	for k, v := range extra {
		args[k] = v
	}
	return call[deckCardOut](t, c, "nc_deck_create_card", args)
}

// shareDeckBoard shares a board of owner with user through Deck's ACL API.
func shareDeckBoard(t *testing.T, nc *nctest.Server, owner string, board int64, user string, edit bool) {
	t.Helper()
	_, err := nc.Client(t, owner).JSON(context.Background(), http.MethodPost, fmt.Sprintf("/index.php/apps/deck/api/v1.0/boards/%d/acl", board), nil, nil,
		map[string]any{"type": 0, "participant": user, "permissionEdit": edit, "permissionShare": false, "permissionManage": false}, nil)
	if err != nil {
		t.Fatalf("share board %d with %s: %v", board, user, err)
	}
}

var deckToolNames = []string{
	"nc_deck_list_boards", "nc_deck_get_board", "nc_deck_create_board", "nc_deck_update_board", "nc_deck_delete_board",
	"nc_deck_list_stacks", "nc_deck_get_stack", "nc_deck_create_stack", "nc_deck_update_stack", "nc_deck_delete_stack", "nc_deck_reorder_stacks",
	"nc_deck_list_cards", "nc_deck_get_card", "nc_deck_create_card", "nc_deck_update_card", "nc_deck_move_card",
	"nc_deck_archive_card", "nc_deck_unarchive_card", "nc_deck_delete_card", "nc_deck_assign_user", "nc_deck_unassign_user",
	"nc_deck_add_label", "nc_deck_remove_label",
	"nc_deck_list_comments", "nc_deck_add_comment", "nc_deck_update_comment", "nc_deck_delete_comment",
	"nc_deck_list_attachments", "nc_deck_attach_file", "nc_deck_delete_attachment",
	"nc_deck_list_labels", "nc_deck_create_label", "nc_deck_update_label", "nc_deck_delete_label",
}

func TestDeckToolsListedWithAnnotationsAndScopes(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	tools := listedTools(t, connect(t, srv, "inprocess"))
	for _, name := range deckToolNames {
		tool, ok := tools[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		if tool.Annotations.Title == "" || tool.Annotations.ReadOnlyHint == nil || tool.Description == "" {
			t.Errorf("%s lacks title, description or annotations", name)
		}
		if tool.InputSchema.Type != "object" || tool.OutputSchema.Type != "object" || len(tool.OutputSchema.Properties) == 0 {
			t.Errorf("%s lacks an input or output schema", name)
		}
		st, _ := srv.Tool(name)
		read := strings.Contains(name, "_list_") || strings.Contains(name, "_get_")
		if read != *tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: readOnlyHint %v", name, *tool.Annotations.ReadOnlyHint)
		}
		want := "deck:write"
		if read {
			want = "deck:read"
		}
		if st.Scope != want {
			t.Errorf("%s: scope %q, want %q", name, st.Scope, want)
		}
	}
	var n int
	for name := range tools {
		if strings.HasPrefix(name, "nc_deck_") {
			n++
		}
	}
	if n != len(deckToolNames) {
		t.Errorf("%d deck tools listed, test knows %d", n, len(deckToolNames))
	}
	// The destructive ones say so.
	for _, name := range []string{"nc_deck_delete_board", "nc_deck_delete_card", "nc_deck_delete_attachment"} {
		if h := tools[name].Annotations.DestructiveHint; h == nil || !*h {
			t.Errorf("%s is not marked destructive", name)
		}
	}
}

func TestDeckReadOnlyAndAppsOptions(t *testing.T) {
	nc := nctest.New(t)
	ro := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true }), "inprocess"))
	for _, name := range deckToolNames {
		_, listed := ro[name]
		read := strings.Contains(name, "_list_") || strings.Contains(name, "_get_")
		if listed != read {
			t.Errorf("read-only server: %s listed=%v", name, listed)
		}
	}
	only := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"core"} }), "inprocess"))
	for name := range only {
		if strings.HasPrefix(name, "nc_deck_") {
			t.Fatalf("--apps core still lists %s", name)
		}
	}
	deckOnly := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"deck"} }), "inprocess"))
	if _, ok := deckOnly["nc_deck_list_boards"]; !ok {
		t.Fatal("--apps deck does not list nc_deck_list_boards")
	}
	if _, ok := deckOnly["nc_capabilities"]; ok {
		t.Fatal("--apps deck lists core tools")
	}
}

func TestDeckScopesEnforced(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) {
		o.Scopes = func(context.Context) ([]string, bool) { return []string{"deck:read"}, true }
	})
	c := connect(t, srv, "inprocess")
	tools := listedTools(t, c)
	if _, ok := tools["nc_deck_list_boards"]; !ok {
		t.Fatal("deck:read token cannot see nc_deck_list_boards")
	}
	if _, ok := tools["nc_deck_create_board"]; ok {
		t.Fatal("deck:read token sees nc_deck_create_board")
	}
	wantError(t, callTool(t, c, "nc_deck_create_board", map[string]any{"title": "x"}), "insufficient_scope", "deck:write")
}

func TestDeckOverEveryTransport(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c := connect(t, srv, kind)
			id := deckBoard(t, c, "Board over "+kind)
			out := call[deckBoardsOut](t, c, "nc_deck_list_boards", nil)
			found := false
			for _, b := range out.Boards {
				found = found || b.ID == id
			}
			if !found {
				t.Fatalf("board %d not listed: %+v", id, out)
			}
		})
	}
}

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

func TestDeckComments(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "Discuss", nil).ID

	first := call[deckAddCommentOut](t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": "Looks good"})
	if first.Parts != 1 || first.Comments[0].Message != "Looks good" || first.Comments[0].Author != "admin" {
		t.Fatalf("short comment: %+v", first)
	}
	reply := call[deckAddCommentOut](t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": "Thanks", "reply_to": first.Comments[0].ID})
	if reply.Comments[0].ReplyTo != first.Comments[0].ID {
		t.Fatalf("reply: %+v", reply)
	}

	// A long message becomes numbered parts within Deck's limit.
	var sb strings.Builder
	for i := 0; sb.Len() < 2600; i++ {
		fmt.Fprintf(&sb, "Sentence number %d says something about the plan. ", i)
	}
	long := strings.TrimSpace(sb.String())
	res := callTool(t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": long})
	var parts deckAddCommentOut
	decodeStructured(t, res, &parts)
	if parts.Parts != 3 || !strings.Contains(resultText(res), "3 numbered comments") {
		t.Fatalf("long comment split into %d parts: %s", parts.Parts, resultText(res))
	}
	var joined []string
	for i, p := range parts.Comments {
		prefix := fmt.Sprintf("(%d/3) ", i+1)
		if !strings.HasPrefix(p.Message, prefix) || utf8.RuneCountInString(p.Message) > 1000 {
			t.Fatalf("part %d: %d chars, starts %q", i+1, utf8.RuneCountInString(p.Message), p.Message[:10])
		}
		joined = append(joined, strings.TrimPrefix(p.Message, prefix))
	}
	if strings.Join(joined, " ") != long {
		t.Fatal("the parts do not add up to the message")
	}

	list := call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card})
	if len(list.Comments) != 5 || list.Comments[0].ID != parts.Comments[2].ID {
		t.Fatalf("list: %d comments, first %+v", len(list.Comments), list.Comments[0])
	}
	page := call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card, "limit": 2, "offset": 3})
	if len(page.Comments) != 2 || page.Comments[1].ID != first.Comments[0].ID {
		t.Fatalf("page: %+v", page)
	}

	ed := call[deckCommentOneOut](t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID, "message": "Looks great"})
	if ed.Comment.Message != "Looks great" {
		t.Fatalf("edit: %+v", ed)
	}
	wantError(t, callTool(t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID, "message": strings.Repeat("x", 1001)}), "1001 characters", "at most 1000")
	wantError(t, callTool(t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": 987654, "message": "x"}), "No comment found")

	// Only authors may change a comment.
	shareDeckBoard(t, nc, "admin", b, "bob", true)
	bobComment, err := nc.Client(t, "bob").Deck(nil).CreateComment(context.Background(), card, "bob was here", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, callTool(t, c, "nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": int64(bobComment.ID)}), "Only authors")

	call[deckDoneOut](t, c, "nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID})
	if n := len(call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card, "limit": 50}).Comments); n != 5 {
		t.Fatalf("%d comments after delete", n)
	}
	wantError(t, callTool(t, c, "nc_deck_list_comments", map[string]any{"card_id": 999999}), "does not exist or you have no access")
}

func TestDeckAttachments(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "With files", nil).ID

	// The file must exist in admin's files (the WebDAV stand-in answers
	// the share provider's check).
	ac := nc.Client(t, "admin")
	for _, step := range []struct{ method, path, body string }{
		{"MKCOL", "/remote.php/dav/files/admin/Documents", ""},
		{"PUT", "/remote.php/dav/files/admin/Documents/plan.pdf", "%PDF-1.4 plan"},
	} {
		req, err := ac.NewRequest(context.Background(), step.method, step.path, step.body)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ac.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", step.method, step.path, err)
		}
		resp.Body.Close()
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/Documents/missing.pdf"}), "Wrong path, file/folder does not exist")

	empty := call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card})
	if len(empty.Attachments) != 0 {
		t.Fatalf("new card has attachments: %+v", empty)
	}
	att := call[deckAttachmentOneOut](t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "Documents/plan.pdf"})
	if att.Attachment.Type != "file" || att.Attachment.Name != "plan.pdf" || att.Attachment.Path != "/Documents/plan.pdf" || att.Attachment.Mimetype != "application/pdf" {
		t.Fatalf("attached %+v", att)
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/Documents/plan.pdf"}), "already shared")
	list := call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card})
	if len(list.Attachments) != 1 || list.Attachments[0].ID != att.Attachment.ID {
		t.Fatalf("list %+v", list)
	}
	got := call[deckCardOut](t, c, "nc_deck_get_card", map[string]any{"board_id": b, "card_id": card})
	if got.AttachmentCount != 1 || got.Attachments[0].Name != "plan.pdf" {
		t.Fatalf("card attachments %+v", got.Attachments)
	}
	wantError(t, callTool(t, c, "nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": 777777}), "no attachment 777777", "plan.pdf")
	del := call[deckDoneOut](t, c, "nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": att.Attachment.ID})
	if !strings.Contains(del.Message, "still in") {
		t.Fatalf("delete message %q", del.Message)
	}
	if n := len(call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card}).Attachments); n != 0 {
		t.Fatalf("%d attachments after delete", n)
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "../etc/passwd"}), "..")
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

func TestDeckBadInput(t *testing.T) {
	_, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "C", nil).ID
	cases := []struct {
		tool string
		args map[string]any
		want []string
	}{
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
		{"nc_deck_update_stack", map[string]any{"board_id": b, "stack_id": 999999, "title": "x"}, []string{"no stack 999999"}},
		{"nc_deck_delete_stack", map[string]any{"board_id": b, "stack_id": 999999}, []string{"no stack 999999"}},
		{"nc_deck_reorder_stacks", map[string]any{"board_id": b, "stack_ids": []int64{}}, []string{"stack_ids"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "due_before": "next friday"}, []string{"due_before", "2025-03-31"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "label": "nope"}, []string{`no label "nope"`}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "stack_id": 999999}, []string{"no stack 999999"}},
		{"nc_deck_list_cards", map[string]any{"board_id": b, "limit": 501}, []string{"limit"}},
		{"nc_deck_get_card", map[string]any{"board_id": b, "card_id": 999999}, []string{"card 999999 is not on board"}},
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
		{"nc_deck_remove_label", map[string]any{"board_id": b, "card_id": card, "label": "nope"}, []string{`no label "nope"`}},
		{"nc_deck_list_comments", map[string]any{"card_id": card, "limit": 1000}, []string{"limit"}},
		{"nc_deck_add_comment", map[string]any{"card_id": card, "message": ""}, []string{"message must not be empty"}},
		{"nc_deck_add_comment", map[string]any{"card_id": 999999, "message": "x"}, []string{"does not exist"}},
		{"nc_deck_add_comment", map[string]any{"card_id": card, "message": "x", "reply_to": 999999}, []string{"Invalid parent id"}},
		{"nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": 1}, []string{"message"}},
		{"nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": 999999}, []string{"No comment found"}},
		{"nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": 999999}, []string{"not on board"}},
		{"nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/"}, []string{"path must name a file"}},
		{"nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": 1, "type": "link"}, []string{"file or deck_file"}},
		{"nc_deck_list_labels", map[string]any{"board_id": 999999}, []string{"does not exist"}},
		{"nc_deck_create_label", map[string]any{"board_id": b, "title": "x"}, []string{"color"}},
		{"nc_deck_update_label", map[string]any{"board_id": b, "label_id": 1}, []string{"nothing to change"}},
		{"nc_deck_delete_label", map[string]any{"board_id": b, "label_id": 999999}, []string{"no label"}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.tool] = true
		t.Run(tc.tool, func(t *testing.T) {
			wantError(t, callTool(t, c, tc.tool, tc.args), tc.want...)
		})
	}
	for _, name := range deckToolNames {
		if !covered[name] {
			t.Errorf("no bad-input case for %s", name)
		}
	}
}

func TestDeckNextcloudFailures(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "C", nil).ID
	lbl := call[deckLabelsOut](t, c, "nc_deck_list_labels", map[string]any{"board_id": b}).Labels[0].ID
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
		"nc_deck_delete_attachment": {"board_id": b, "card_id": card, "stack_id": s, "attachment_id": 1},
		"nc_deck_list_labels":       {"board_id": b},
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
	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"nc_deck_list_boards", map[string]any{}},
		{"nc_deck_create_board", map[string]any{"title": "x"}},
		{"nc_deck_list_comments", map[string]any{"card_id": 1}},
	} {
		wantError(t, callTool(t, c, tc.tool, tc.args), `"deck"`, "not installed or not enabled")
	}
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

func TestDeckResources(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc)
	c := connect(t, srv, "inprocess")
	b := deckBoard(t, c, "Res")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "Card as resource", map[string]any{"description": "body"})
	ctx := context.Background()
	tmpls, err := c.ListResourceTemplates(ctx, mcpgo.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, tm := range tmpls.ResourceTemplates {
		uris = append(uris, tm.URITemplate.Raw())
	}
	all := strings.Join(uris, " ")
	if !strings.Contains(all, "nextcloud://deck/boards/{id}") || !strings.Contains(all, "nextcloud://deck/boards/{boardId}/cards/{cardId}") {
		t.Fatalf("templates: %v", uris)
	}
	read := func(uri string) string {
		req := mcpgo.ReadResourceRequest{}
		req.Params.URI = uri
		res, err := c.ReadResource(ctx, req)
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		return res.Contents[0].(mcpgo.TextResourceContents).Text
	}
	if txt := read(fmt.Sprintf("nextcloud://deck/boards/%d", b)); !strings.Contains(txt, `"title": "Res"`) || !strings.Contains(txt, `"stacks"`) {
		t.Fatalf("board resource: %s", txt)
	}
	if txt := read(fmt.Sprintf("nextcloud://deck/boards/%d/cards/%d", b, card.ID)); !strings.Contains(txt, "Card as resource") || !strings.Contains(txt, `"description": "body"`) {
		t.Fatalf("card resource: %s", txt)
	}
	req := mcpgo.ReadResourceRequest{}
	req.Params.URI = "nextcloud://deck/boards/999999"
	if _, err := c.ReadResource(ctx, req); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown board resource: %v", err)
	}
}
