package mcp

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func complete(t *testing.T, c *client.Client, ref any, arg, value string, known ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcpgo.CompleteRequest{}
	req.Params.Ref = ref
	req.Params.Argument.Name = arg
	req.Params.Argument.Value = value
	if len(known) == 2 {
		req.Params.Context.Arguments = map[string]string{known[0]: known[1]}
	}
	res, err := c.Complete(ctx, req)
	if err != nil {
		t.Fatalf("completion/complete %s=%q: %v", arg, value, err)
	}
	return res.Completion.Values
}

// TestCompletionsThroughClient checks over stdio, streamable HTTP and SSE that
// prompt and resource-template arguments complete to note ids by title,
// Deck boards by title and file paths by listing the folder typed so far,
// ranked prefix matches first, and that the caller's scopes decide what
// completes.
func TestCompletionsThroughClient(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	ids := map[string]string{}
	for _, title := range []string{"Standup notes", "Retro", "Budget standup"} {
		n := createNote(t, seed, title, "x")
		ids[title] = strconv.FormatInt(n.ID, 10)
	}
	board, card := addBoardCard(t, seed, "Roadmap", "00ff00", "To do", "Ship release")
	for _, f := range []string{"Docs/Report.md", "Docs/Readme.txt", "Docs/other.txt"} {
		nfWrite(t, seed, f, []byte("x"))
	}
	noteRef := mcpgo.ResourceReference{Type: "ref/resource", URI: "nextcloud://notes/{id}"}
	filesRef := mcpgo.ResourceReference{Type: "ref/resource", URI: "nextcloud://files/{path}"}
	promptRef := mcpgo.PromptReference{Type: "ref/prompt", Name: "meeting_notes_to_tasks"}
	overFreshServers(t, []string{"stdio", "http", "sse"}, func(t *testing.T) *Server { return newTestServer(t, nc) }, func(t *testing.T, kind string, c *client.Client) {
		if c.GetServerCapabilities().Completions == nil {
			t.Fatal("server does not declare completions")
		}
		want := ids["Standup notes"] + "," + ids["Budget standup"] // title prefix before substring
		if got := strings.Join(complete(t, c, promptRef, "note", "stand"), ","); got != want {
			t.Fatalf("prompt note completions = %s, want %s", got, want)
		}
		if got := strings.Join(complete(t, c, noteRef, "id", "STAND"), ","); got != want {
			t.Fatalf("note id completions = %s, want %s", got, want)
		}
		if got := complete(t, c, promptRef, "board", "road"); len(got) != 1 || got[0] != strconv.FormatInt(board.ID, 10) {
			t.Fatalf("board completions = %v, want the Roadmap id %d", got, board.ID)
		}
		cardRef := mcpgo.ResourceReference{Type: "ref/resource", URI: "nextcloud://deck/boards/{boardId}/cards/{cardId}"}
		boardID := strconv.FormatInt(board.ID, 10)
		if got := complete(t, c, cardRef, "cardId", "ship", "boardId", boardID); len(got) != 1 || got[0] != strconv.FormatInt(card.ID, 10) {
			t.Fatalf("card completions = %v, want card %d", got, card.ID)
		}
		if got := complete(t, c, cardRef, "cardId", "ship"); len(got) != 0 {
			t.Fatalf("cards complete without a board: %v", got)
		}
		if got := strings.Join(complete(t, c, filesRef, "path", "Docs/Re"), ","); got != "Docs/Readme.txt,Docs/Report.md" {
			t.Fatalf("path completions = %s", got)
		}
		if got := complete(t, c, filesRef, "path", "Do"); len(got) != 1 || got[0] != "Docs/" {
			t.Fatalf("root completions for Do = %v, want the folder Docs/", got)
		}
		if got := complete(t, c, filesRef, "path", "Nowhere/x"); len(got) != 0 {
			t.Fatalf("a missing folder completes to %v", got)
		}
	})
	t.Run("scopes", func(t *testing.T) {
		full := newTestServer(t, nc)
		deck, _ := full.Tool("nc_deck_list_boards")
		srv := newTestServer(t, nc, func(o *Options) {
			o.Scopes = func(context.Context) ([]string, bool) { return []string{deck.Scope}, true }
		})
		c := connect(t, srv, "http")
		if got := complete(t, c, noteRef, "id", ""); len(got) != 0 {
			t.Fatalf("without the notes scope note ids complete: %v", got)
		}
		if got := complete(t, c, promptRef, "board", ""); len(got) != 1 {
			t.Fatalf("with the deck scope boards = %v, want Roadmap", got)
		}
	})
}

// TestRankCapsAndOrders checks the cap of 100 values with Total and
// HasMore, and the order: label prefix, value prefix, label substring.
func TestRankCapsAndOrders(t *testing.T) {
	var cands []candidate
	for i := range 150 {
		cands = append(cands, candidate{strconv.Itoa(i), fmt.Sprintf("note %03d", i)})
	}
	res := rank("note", cands)
	if len(res.Values) != maxCompletions || res.Total != 150 || !res.HasMore || res.Values[0] != "0" || res.Values[99] != "99" {
		t.Fatalf("capped = %d values, total %d, more %v, first %s", len(res.Values), res.Total, res.HasMore, res.Values[0])
	}
	res = rank("b", []candidate{{"1", "xb"}, {"b7", "zz"}, {"3", "Bz"}, {"4", "Ba"}, {"5", "none"}})
	if got := strings.Join(res.Values, ","); got != "4,3,b7,1" || res.HasMore || res.Total != 4 {
		t.Fatalf("ranked = %s (total %d)", got, res.Total)
	}
}
