package mcp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// progressSink collects the notifications/progress a client gets.
type progressSink struct{ sink[map[string]any] }

func (p *progressSink) attach(c *client.Client) {
	p.listen(c, string(mcpgo.MethodNotificationProgress), func(params map[string]any) map[string]any { return params })
}

// until returns (and forgets) what arrived once one note has progress final.
func (p *progressSink) until(t *testing.T, final float64) []map[string]any {
	t.Helper()
	return p.await(t, fmt.Sprintf("notifications/progress reaching %v", final), func(notes []map[string]any) bool {
		return slices.ContainsFunc(notes, func(n map[string]any) bool { v, _ := n["progress"].(float64); return v == final })
	})
}

func callWithToken(t *testing.T, c *client.Client, name string, args any, token any) *mcpgo.CallToolResult {
	t.Helper()
	var meta *mcpgo.Meta
	if token != nil {
		meta = &mcpgo.Meta{ProgressToken: token}
	}
	res := callToolMeta(t, c, name, args, meta)
	if res.IsError {
		t.Fatalf("call %s: %s", name, resultText(res))
	}
	return res
}

// checkProgress: every note carries token, progress grows, and the total
// (when want > 0) is want.
func checkProgress(t *testing.T, notes []map[string]any, token string, want float64) {
	t.Helper()
	last := 0.0
	for _, n := range notes {
		if n["progressToken"] != token {
			t.Fatalf("progress %v does not carry the token %q", n, token)
		}
		v, _ := n["progress"].(float64)
		if v <= last {
			t.Fatalf("progress did not grow: %v after %v (%v)", v, last, notes)
		}
		last = v
		if total, _ := n["total"].(float64); want > 0 && total != want {
			t.Fatalf("total %v, want %v (%v)", total, want, n)
		}
	}
}

// TestProgressThroughClient: over stdio, streamable HTTP and SSE, a call
// with _meta.progressToken gets notifications/progress with that token —
// bytes of an upload and a download (total known), messages of a bulk
// mail change — and the same calls without a token get none.
func TestProgressThroughClient(t *testing.T) {
	for _, kind := range []string{"stdio", "http", "sse"} {
		t.Run(kind, func(t *testing.T) {
			f := mailSeed(t)
			srv := newTestServer(t, f.nc)
			c := connect(t, srv, kind)
			var got progressSink
			got.attach(c)
			const size = 900 << 10
			content := strings.Repeat("0123456789abcdef", size/16)

			// Without a token first: anything it sent would arrive before
			// the notes of the calls with a token, and be caught there.
			callWithToken(t, c, "nc_files_write", map[string]any{"path": "big.txt", "content": content}, nil)
			callWithToken(t, c, "nc_files_read", map[string]any{"path": "big.txt"}, nil)
			callWithToken(t, c, "nc_mail_set_flags", map[string]any{"message_ids": []int64{f.html, f.news}, "seen": true}, nil)

			callWithToken(t, c, "nc_files_write", map[string]any{"path": "big2.txt", "content": content}, "up")
			up := got.until(t, size)
			if len(up) < 3 {
				t.Fatalf("a %d-byte upload gave %d progress notes, want several: %v", size, len(up), up)
			}
			checkProgress(t, up, "up", size)

			callWithToken(t, c, "nc_files_read", map[string]any{"path": "big2.txt"}, "down")
			down := got.until(t, size)
			if len(down) < 3 {
				t.Fatalf("a %d-byte download gave %d progress notes: %v", size, len(down), down)
			}
			checkProgress(t, down, "down", size)

			rctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := c.ReadResource(rctx, mcpgo.ReadResourceRequest{Params: mcpgo.ReadResourceParams{URI: "nextcloud://files/big2.txt", Meta: &mcpgo.Meta{ProgressToken: "res"}}}); err != nil {
				t.Fatal(err)
			}
			res := got.until(t, size)
			if len(res) < 3 {
				t.Fatalf("a %d-byte resource read gave %d progress notes: %v", size, len(res), res)
			}
			checkProgress(t, res, "res", size)

			callWithToken(t, c, "nc_mail_set_flags", map[string]any{"message_ids": []int64{f.html, f.news}, "flagged": true}, "bulk")
			bulk := got.until(t, 2)
			checkProgress(t, bulk, "bulk", 2)
			if len(bulk) != 2 || bulk[1]["message"] != "marked 2 of 2 messages" {
				t.Fatalf("bulk progress %v", bulk)
			}
		})
	}
}

// TestBulkProgressThroughClient checks, over stdio and streamable HTTP,
// that the tools doing one Nextcloud request per item report each item
// done with the item count as total (poll options, form questions, parts
// of a long Deck comment), and that a call without a token gets none.
func TestBulkProgressThroughClient(t *testing.T) {
	nc := commsNC(t)
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			srv := newTestServer(t, nc)
			c := connect(t, srv, kind)
			var got progressSink
			got.attach(c)
			poll := map[string]any{"title": "Lunch", "type": "text", "options": []map[string]any{{"text": "a"}, {"text": "b"}, {"text": "c"}}}
			// Without a token first: anything it sent would be caught below.
			callWithToken(t, c, "nc_polls_create", poll, nil)
			callWithToken(t, c, "nc_polls_create", poll, "poll")
			notes := got.until(t, 3)
			checkProgress(t, notes, "poll", 3)
			if len(notes) != 3 || notes[0]["message"] != "added 1 of 3 options" {
				t.Fatalf("poll progress %v, want one note per option", notes)
			}

			callWithToken(t, c, "nc_forms_create", map[string]any{"title": "Order", "questions": []map[string]any{
				{"type": "short", "text": "Dish"}, {"type": "long", "text": "Notes"}}}, "form")
			notes = got.until(t, 2)
			checkProgress(t, notes, "form", 2)
			if len(notes) != 2 || notes[1]["message"] != "added 2 of 2 questions" {
				t.Fatalf("form progress %v", notes)
			}

			board := call[deckBoardOneOut](t, c, "nc_deck_create_board", map[string]any{"title": "B"}).Board.ID
			stack := call[deckStackOneOut](t, c, "nc_deck_create_stack", map[string]any{"board_id": board, "title": "S"}).Stack.ID
			card := call[deckCardOut](t, c, "nc_deck_create_card", map[string]any{"board_id": board, "stack_id": stack, "title": "C"}).ID
			long := strings.TrimSpace(strings.Repeat("A sentence about the plan for the week. ", 60))
			callWithToken(t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": long}, "comment")
			notes = got.until(t, 3)
			checkProgress(t, notes, "comment", 3)
			if len(notes) != 3 {
				t.Fatalf("comment progress %v, want one note per part", notes)
			}

			// Reversing three stacks writes two of them (the middle one
			// keeps its place, whatever the orders Deck gave them).
			s2 := call[deckStackOneOut](t, c, "nc_deck_create_stack", map[string]any{"board_id": board, "title": "S2"}).Stack.ID
			s3 := call[deckStackOneOut](t, c, "nc_deck_create_stack", map[string]any{"board_id": board, "title": "S3"}).Stack.ID
			callWithToken(t, c, "nc_deck_reorder_stacks", map[string]any{"board_id": board, "stack_ids": []int64{s3, s2, stack}}, "stacks")
			notes = got.until(t, 2)
			checkProgress(t, notes, "stacks", 2)
			if len(notes) != 2 || notes[0]["message"] != "moved 1 of 2 stacks" {
				t.Fatalf("reorder progress %v", notes)
			}
		})
	}
}

func TestAddEachStopsAtTheFirstFailure(t *testing.T) {
	boom := errors.New("boom")
	var tried []int
	add := func(n int) (string, error) {
		tried = append(tried, n)
		if n == 3 {
			return "", boom
		}
		return strconv.Itoa(n * 10), nil
	}
	got, err := addEach(context.Background(), []int{1, 2, 3, 4}, "numbers", add)
	if !errors.Is(err, boom) || !slices.Equal(got, []string{"10", "20"}) || !slices.Equal(tried, []int{1, 2, 3}) {
		t.Fatalf("got %v, err %v, tried %v", got, err, tried)
	}
	got, err = addEach(context.Background(), []int{1, 2}, "numbers", add)
	if err != nil || !slices.Equal(got, []string{"10", "20"}) {
		t.Fatalf("got %v, err %v", got, err)
	}
	if got, err := addEach(context.Background(), nil, "numbers", add); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no items: %#v, %v", got, err)
	}
}
