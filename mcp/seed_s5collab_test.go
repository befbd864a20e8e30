package mcp

import (
	"context"
	"strconv"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// addNote creates a note as c for a test and returns it with its resource
// URI.
func addNote(t testing.TB, c *nextcloud.Client, title, content string) (*nextcloud.Note, string) {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		t.Fatal(err)
	}
	return n, "nextcloud://notes/" + strconv.FormatInt(n.ID, 10)
}

// editNote replaces a note's content as c, for a test.
func editNote(t testing.TB, c *nextcloud.Client, id int64, content string) {
	t.Helper()
	if _, err := c.Notes().Update(context.Background(), id, nextcloud.NoteInput{Content: &content}, ""); err != nil {
		t.Fatal(err)
	}
}

// addBoardCard creates, as c, a board with one stack holding one plain
// card, and returns the board and the card.
func addBoardCard(t testing.TB, c *nextcloud.Client, board, color, stack, card string) (*nextcloud.DeckBoard, *nextcloud.DeckCard) {
	t.Helper()
	ctx, d := context.Background(), c.Deck(nil)
	b, err := d.CreateBoard(ctx, board, color)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateStack(ctx, b.ID, stack, 0)
	if err != nil {
		t.Fatal(err)
	}
	k, err := d.CreateCard(ctx, b.ID, s.ID, nextcloud.DeckCardCreate{Title: card, Type: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	return b, k
}

// checkListedTools asserts that each of names is listed with a title, a
// description, annotations and both schemas, and that read(name) decides
// both its readOnlyHint and its scope (readScope, else writeScope).
func checkListedTools(t *testing.T, srv *Server, tools map[string]mcpgo.Tool, names []string, read func(string) bool, readScope, writeScope string) {
	t.Helper()
	for _, name := range names {
		tool, ok := tools[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		if tool.Annotations.Title == "" || tool.Annotations.ReadOnlyHint == nil || tool.Description == "" || tool.InputSchema.Type != "object" || len(toolNamed(t, name).OutputSchema()) == 0 {
			t.Errorf("%s lacks title, description, annotations or schemas", name)
			continue
		}
		r := read(name)
		want := map[bool]string{true: readScope, false: writeScope}[r]
		if st, _ := srv.Tool(name); st.Scope != want || *tool.Annotations.ReadOnlyHint != r {
			t.Errorf("%s: scope %q readOnlyHint %v, want %q and %v", name, st.Scope, *tool.Annotations.ReadOnlyHint, want, r)
		}
	}
}

// overTransports runs f as a subtest per transport kind, with a client
// connected over it to the server serve gives for that subtest.
func overTransports(t *testing.T, kinds []string, serve func(t *testing.T) *Server, f func(t *testing.T, kind string, c *client.Client)) {
	t.Helper()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { f(t, kind, connect(t, serve(t), kind)) })
	}
}

// checkListing fails the test unless the listing has the tool in and lacks
// the tool out; when says in which case.
func checkListing(t *testing.T, listed map[string]mcpgo.Tool, in, out, when string) {
	t.Helper()
	if _, ok := listed[out]; ok {
		t.Fatalf("%s, %s is listed", when, out)
	}
	if _, ok := listed[in]; !ok {
		t.Fatalf("%s, %s is not listed", when, in)
	}
}
