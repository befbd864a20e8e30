package mcp

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func listedPrompts(t *testing.T, c *client.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.ListPrompts(ctx, mcpgo.ListPromptsRequest{})
	if err != nil {
		t.Fatalf("prompts/list: %v", err)
	}
	var names []string
	for _, p := range res.Prompts {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

func getPrompt(c *client.Client, name string, args map[string]string) (*mcpgo.GetPromptResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcpgo.GetPromptRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.GetPrompt(ctx, req)
}

// TestPromptsThroughClient checks over stdio, streamable HTTP and SSE that the
// workflow prompts are listed, embed the note and board they name (read
// as the caller), refuse a bad id, and are neither listed nor given when a
// tool they need is not allowed by the caller's scopes or its app is off.
func TestPromptsThroughClient(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	content := "- Alice: ship the release by Friday"
	note, uri := addNote(t, seed, "Standup", content)
	all := []string{"meeting_notes_to_tasks", "plan_my_day", "schedule_meeting", "summarize_talk", "table_report", "weekly_review"}
	for _, kind := range []string{"stdio", "http", "sse"} {
		t.Run(kind, func(t *testing.T) {
			srv := newTestServer(t, nc)
			c := connect(t, srv, kind)
			if c.GetServerCapabilities().Prompts == nil {
				t.Fatal("server does not declare prompts")
			}
			if got := listedPrompts(t, c); strings.Join(got, ",") != strings.Join(all, ",") {
				t.Fatalf("prompts = %v, want %v", got, all)
			}
			res, err := getPrompt(c, "meeting_notes_to_tasks", map[string]string{"note": strconv.FormatInt(note.ID, 10)})
			if err != nil {
				t.Fatalf("get meeting_notes_to_tasks: %v", err)
			}
			if len(res.Messages) != 2 {
				t.Fatalf("messages = %d, want instructions and the embedded note", len(res.Messages))
			}
			emb, ok := res.Messages[1].Content.(mcpgo.EmbeddedResource)
			if !ok {
				t.Fatalf("second message is %T, want an embedded resource", res.Messages[1].Content)
			}
			txt, ok := emb.Resource.(mcpgo.TextResourceContents)
			if !ok || !strings.Contains(txt.Text, content) || txt.URI != uri {
				t.Fatalf("embedded resource = %+v, want the note", emb.Resource)
			}
			if _, err := getPrompt(c, "meeting_notes_to_tasks", map[string]string{"note": "abc"}); err == nil || !strings.Contains(err.Error(), `"abc" is not an id`) {
				t.Fatalf("bad note id: err = %v", err)
			}
			if _, err := getPrompt(c, "plan_my_day", map[string]string{"date": "tomorrow"}); err == nil || !strings.Contains(err.Error(), "2026-03-14") {
				t.Fatalf("bad date: err = %v", err)
			}
			res, err = getPrompt(c, "plan_my_day", map[string]string{"date": "2026-03-14"})
			if err != nil || len(res.Messages) != 1 || !strings.Contains(res.Messages[0].Content.(mcpgo.TextContent).Text, "2026-03-14") {
				t.Fatalf("plan_my_day = %+v, %v", res, err)
			}
		})
	}

	t.Run("scopes", func(t *testing.T) {
		full := newTestServer(t, nc)
		var scopes []string
		for _, tool := range []string{"nc_calendar_list_events", "nc_tasks_list", "nc_deck_list_cards", "nc_notes_get"} {
			tl, _ := full.Tool(tool)
			scopes = append(scopes, tl.Scope)
		}
		srv := newTestServer(t, nc, func(o *Options) {
			o.Scopes = func(context.Context) ([]string, bool) { return scopes, true }
		})
		c := connect(t, srv, "http")
		want := []string{"plan_my_day", "weekly_review"} // no write scopes: no meeting_notes_to_tasks
		if got := listedPrompts(t, c); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("read-only scopes list %v, want %v", got, want)
		}
		if _, err := getPrompt(c, "meeting_notes_to_tasks", map[string]string{"note": strconv.FormatInt(note.ID, 10)}); err == nil {
			t.Fatal("a prompt not listed for the caller was given")
		}
	})
	t.Run("apps", func(t *testing.T) {
		srv := newTestServer(t, nc, func(o *Options) { o.Apps = []string{"notes", "tasks", "calendar"} })
		if got := listedPrompts(t, connect(t, srv, "inprocess")); len(got) != 0 {
			t.Fatalf("without Deck the prompts %v are listed", got)
		}
	})
}
