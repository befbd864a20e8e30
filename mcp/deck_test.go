package mcp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

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
	_, err := nc.Client(t, owner).AppOf(nextcloud.DeckApp, nil).Call(context.Background(), nextcloud.Request{
		Method: http.MethodPost, Path: fmt.Sprintf("/index.php/apps/deck/api/v1.0/boards/%d/acl", board),
		Body: map[string]any{"type": 0, "participant": user, "permissionEdit": edit, "permissionShare": false, "permissionManage": false},
	}, nil)
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
	"nc_deck_list_attachments", "nc_deck_attach_file", "nc_deck_attach_note", "nc_deck_delete_attachment",
	"nc_deck_list_labels", "nc_deck_get_label", "nc_deck_create_label", "nc_deck_update_label", "nc_deck_delete_label",
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
		if tool.InputSchema.Type != "object" || len(toolNamed(t, name).OutputSchema()) == 0 {
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
	// The kind each tool must have is read from its name, not from its Spec.
	kinds := map[string]Kind{}
	for _, name := range deckToolNames {
		kinds[name] = Write
		if strings.Contains(name, "_list_") || strings.Contains(name, "_get_") {
			kinds[name] = Read
		}
	}
	checkReadOnlyKinds(t, nc, kinds)
	checkAppsSwitch(t, nc, "deck", kinds)
	only := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"core"} }), "inprocess"))
	for name := range only {
		if strings.HasPrefix(name, "nc_deck_") {
			t.Fatalf("--apps core still lists %s", name)
		}
	}
	deckOnly := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"deck"} }), "inprocess"))
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
	overTransports(t, srv, func(t *testing.T, c *client.Client, kind string) {
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
