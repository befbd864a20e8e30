package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// nfCall calls a tool, checks that a successful result matches the tool's
// declared output schema, and decodes it into out (when out is not nil).
func nfCall(t testing.TB, c *client.Client, name string, args map[string]any, out any) *mcpgo.CallToolResult {
	t.Helper()
	res := callTool(t, c, name, args)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, resultText(res))
	}
	nfCheckOutputSchema(t, c, name, res)
	if out != nil {
		decodeStructured(t, res, out)
	}
	return res
}

func nfCheckOutputSchema(t testing.TB, c *client.Client, name string, res *mcpgo.CallToolResult) {
	t.Helper()
	if _, ok := listedTools(t, c)[name]; !ok {
		t.Fatalf("tool %s is not listed", name)
	}
	raw := toolNamed(t, name).OutputSchema()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s output schema: %v", name, err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("out.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("out.json")
	if err != nil {
		t.Fatalf("%s output schema does not compile: %v", name, err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s structured output %s does not match its schema: %v", name, b, err)
	}
}

// nfShortTimeoutClient gives a client that waits at most 300ms per request
// and does not retry, for timeout tests.
func nfShortTimeoutClient(t testing.TB, nc *nctest.Server) func(*Options) {
	c, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, Timeout: 300 * time.Millisecond, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithUser("admin", nextcloud.BasicAuth{Username: "admin", Password: "admin-pass"})
	return func(o *Options) {
		o.Client = func(context.Context) (*nextcloud.Client, error) { return c, nil }
	}
}

// nfHang is a Fault that holds requests until the client gives up. It
// reads the body first: only then does net/http notice the client leaving.
func nfHang(w http.ResponseWriter, r *http.Request) bool {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
	return true
}

func nf500(w http.ResponseWriter, r *http.Request) bool {
	http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	return true
}

func TestNotesToolsOverTransports(t *testing.T) {
	for _, kind := range []string{"stdio", "sse", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			c := connect(t, newTestServer(t, nc), kind)

			var a, b noteOut
			nfCall(t, c, "nc_notes_create", map[string]any{"title": "Trip plan", "content": "Pack the tent", "category": "Travel"}, &a)
			if a.ID == 0 || a.Title != "Trip plan" || a.Category != "Travel" || a.ETag == "" || a.Action != "created" {
				t.Fatalf("create = %+v", a)
			}
			nfCall(t, c, "nc_notes_create", map[string]any{"title": "Ideas", "favorite": true}, &b)
			if !b.Favorite {
				t.Fatalf("favorite not set: %+v", b)
			}

			var list notesListOut
			nfCall(t, c, "nc_notes_list", map[string]any{}, &list)
			if len(list.Notes) != 2 || list.NextCursor != "" {
				t.Fatalf("list = %+v, want both notes on one page", list)
			}
			for _, n := range list.Notes {
				if n.Content != "" {
					t.Fatalf("list returned content without include_content: %+v", n)
				}
			}
			nfCall(t, c, "nc_notes_list", map[string]any{"category": "Travel", "include_content": true}, &list)
			if len(list.Notes) != 1 || list.Notes[0].ID != a.ID || list.Notes[0].Content != "Pack the tent" {
				t.Fatalf("category list = %+v", list)
			}

			var got noteOut
			res := nfCall(t, c, "nc_notes_get", map[string]any{"id": a.ID}, &got)
			if got.Content != "Pack the tent" || got.ETag != a.ETag {
				t.Fatalf("get = %+v", got)
			}
			if !strings.Contains(resultText(res), "Pack the tent") {
				t.Fatalf("text summary lacks the content: %q", resultText(res))
			}

			var upd noteOut
			nfCall(t, c, "nc_notes_update", map[string]any{"id": a.ID, "content": "Pack the tent\nand the stove", "etag": got.ETag}, &upd)
			if upd.Content != "Pack the tent\nand the stove" || upd.ETag == got.ETag {
				t.Fatalf("update = %+v, want new content and etag", upd)
			}

			var app noteOut
			nfCall(t, c, "nc_notes_append", map[string]any{"id": a.ID, "text": "- matches"}, &app)
			if app.Content != "Pack the tent\nand the stove\n- matches" {
				t.Fatalf("append content = %q", app.Content)
			}

			var found notesSearchOut
			nfCall(t, c, "nc_notes_search", map[string]any{"query": "stove"}, &found)
			if found.TotalMatches != 1 || found.Results[0].ID != a.ID || len(found.Results[0].Snippets) == 0 {
				t.Fatalf("search = %+v", found)
			}

			var cats notesCategoriesOut
			nfCall(t, c, "nc_notes_categories", map[string]any{}, &cats)
			if cats.TotalNotes != 2 || len(cats.Categories) != 2 || cats.Categories[0] != (noteCategory{Name: "", Count: 1}) || cats.Categories[1] != (noteCategory{Name: "Travel", Count: 1}) {
				t.Fatalf("categories = %+v", cats)
			}

			var del noteDeletedOut
			nfCall(t, c, "nc_notes_delete", map[string]any{"id": b.ID}, &del)
			if !del.Deleted || del.ID != b.ID {
				t.Fatalf("delete = %+v", del)
			}
			wantError(t, callTool(t, c, "nc_notes_get", map[string]any{"id": b.ID}), "404", "does not exist")
		})
	}
}

func TestNotesListPagesWithCursor(t *testing.T) {
	_, c, direct := nfServer(t)
	for _, title := range []string{"one", "two", "three", "four", "five"} {
		nfNote(t, direct, title, "", "x")
	}
	seen := map[int64]bool{}
	args := map[string]any{"limit": 2}
	for page := 0; ; page++ {
		var out notesListOut
		nfCall(t, c, "nc_notes_list", args, &out)
		for _, n := range out.Notes {
			if seen[n.ID] {
				t.Fatalf("note %d on two pages", n.ID)
			}
			seen[n.ID] = true
		}
		if out.NextCursor == "" {
			break
		}
		if len(out.Notes) != 2 || out.Pending == 0 || page > 4 {
			t.Fatalf("page %d = %+v", page, out)
		}
		args = map[string]any{"limit": 2, "cursor": out.NextCursor}
	}
	if len(seen) != 5 {
		t.Fatalf("pages held %d notes, want 5", len(seen))
	}
}

func nfNote(t testing.TB, c *nextcloud.Client, title, category, content string) *nextcloud.Note {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Category: &category, Content: &content})
	if err != nil {
		t.Fatalf("create note: %v", err)
	}
	return n
}

func nfStr(s string) *string { return &s }

func nfItoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

func TestNotesSearchRanking(t *testing.T) {
	_, c, direct := nfServer(t)
	content := nfNote(t, direct, "Weekly meeting", "Work", "Agenda: budget review.\n\nWe talked about the budget of the grocery store and the grocery delivery.")
	title := nfNote(t, direct, "Grocery list", "", "milk, eggs")
	partial := nfNote(t, direct, "Misc", "", "groceryman visited")
	nfNote(t, direct, "Unrelated", "", "nothing to see")

	var out notesSearchOut
	nfCall(t, c, "nc_notes_search", map[string]any{"query": "Grocery"}, &out)
	if out.TotalMatches != 3 || len(out.Results) != 3 {
		t.Fatalf("search = %+v, want 3 matches", out)
	}
	order := []int64{out.Results[0].ID, out.Results[1].ID, out.Results[2].ID}
	if order[0] != title.ID || order[1] != content.ID || order[2] != partial.ID {
		t.Fatalf("ranking %v, want title hit %d, whole-word content hit %d, partial word %d", order, title.ID, content.ID, partial.ID)
	}
	if out.Results[0].MatchedIn[0] != "title" || out.Results[1].MatchedIn[0] != "content" {
		t.Fatalf("matched_in = %v / %v", out.Results[0].MatchedIn, out.Results[1].MatchedIn)
	}
	snip := out.Results[1].Snippets
	if len(snip) == 0 || !strings.Contains(strings.ToLower(snip[0]), "grocery") || strings.Contains(snip[0], "\n") {
		t.Fatalf("snippets %q should show the hit on one line", snip)
	}

	// Several words: the note holding all of them ranks first; limit cuts.
	nfCall(t, c, "nc_notes_search", map[string]any{"query": "budget grocery", "limit": 1}, &out)
	if out.TotalMatches != 3 || len(out.Results) != 1 {
		t.Fatalf("limited search = %+v", out)
	}
	if out.Results[0].ID != title.ID {
		t.Fatalf("title hit should still rank first, got %d", out.Results[0].ID)
	}
	nfCall(t, c, "nc_notes_search", map[string]any{"query": "budget grocery", "category": "Work"}, &out)
	if out.TotalMatches != 1 || out.Results[0].ID != content.ID {
		t.Fatalf("category search = %+v", out)
	}
	// A weak title hit (part of a word, one of two words) still outranks
	// content that holds both words many times.
	weakTitle := nfNote(t, direct, "Budgeting tips", "Ideas", "save money")
	strong := nfNote(t, direct, "Monthly", "Ideas", "budget savings: the budget of savings, budget savings plan, budget, savings")
	nfCall(t, c, "nc_notes_search", map[string]any{"query": "budget savings", "category": "Ideas"}, &out)
	if out.TotalMatches != 2 || out.Results[0].ID != weakTitle.ID || out.Results[1].ID != strong.ID {
		t.Fatalf("weak title hit vs strong content hit: %+v", out.Results)
	}

	nfCall(t, c, "nc_notes_search", map[string]any{"query": "zebra"}, &out)
	if out.TotalMatches != 0 || out.Results == nil {
		t.Fatalf("no-hit search = %+v, want an empty list", out)
	}
}

func TestNotesBadInputs(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	n := nfNote(t, nc.Client(t, "admin"), "n", "", "")
	cases := []badCall{
		{"nc_notes_get", map[string]any{}, []string{"id"}},
		{"nc_notes_get", map[string]any{"id": "seven"}, []string{"id"}},
		{"nc_notes_get", map[string]any{"id": 0}, []string{"id must be a positive id, from nc_notes_list"}},
		{"nc_notes_get", map[string]any{"id": 424242}, []string{"404", "does not exist"}},
		{"nc_notes_get", map[string]any{"id": n.ID, "bogus": true}, []string{"bogus"}},
		{"nc_notes_list", map[string]any{"cursor": "abc"}, []string{"cursor"}},
		{"nc_notes_list", map[string]any{"limit": 1000}, []string{"limit"}},
		{"nc_notes_list", map[string]any{"category": 5}, []string{"category"}},
		{"nc_notes_search", map[string]any{}, []string{"query"}},
		{"nc_notes_search", map[string]any{"query": "  ?! "}, []string{"at least one word"}},
		{"nc_notes_create", map[string]any{"content": "no title"}, []string{"title"}},
		{"nc_notes_create", map[string]any{"title": "   "}, []string{"title must not be empty"}},
		{"nc_notes_update", map[string]any{"id": n.ID}, []string{"nothing to change"}},
		{"nc_notes_update", map[string]any{"id": 424242, "content": "x"}, []string{"404"}},
		{"nc_notes_update", map[string]any{"id": n.ID, "favorite": "yes"}, []string{"favorite"}},
		{"nc_notes_append", map[string]any{"id": n.ID}, []string{"text"}},
		{"nc_notes_append", map[string]any{"id": 424242, "text": "x"}, []string{"404"}},
		{"nc_notes_delete", map[string]any{"id": 424242}, []string{"404", "does not exist"}},
		{"nc_notes_delete", map[string]any{"id": -3}, []string{"id must be a positive id, from nc_notes_list"}},
	}
	wantBadCalls(t, c, cases)
}

func TestNotesNextcloudFailures(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "http")
	n := nfNote(t, nc.Client(t, "admin"), "n", "", "")

	nc.SetFault(nf500)
	wantAllFail(t, c, []toolCall{
		{"nc_notes_list", map[string]any{}},
		{"nc_notes_get", map[string]any{"id": n.ID}},
		{"nc_notes_search", map[string]any{"query": "x"}},
		{"nc_notes_create", map[string]any{"title": "x"}},
		{"nc_notes_update", map[string]any{"id": n.ID, "content": "x", "etag": n.ETag}},
		{"nc_notes_append", map[string]any{"id": n.ID, "text": "x"}},
		{"nc_notes_delete", map[string]any{"id": n.ID}},
		{"nc_notes_categories", map[string]any{}},
	}, "500", "Nextcloud failed internally")
	nc.SetFault(nil)

	nc.SetDisabled("notes", true)
	wantError(t, callTool(t, c, "nc_notes_list", map[string]any{}), `app "notes" (Notes)`, "not installed or not enabled")
	nc.SetDisabled("notes", false)

	nc.SetFault(nfHang)
	slow := connect(t, newTestServer(t, nc, nfShortTimeoutClient(t, nc)), "inprocess")
	start := time.Now()
	res := callTool(t, slow, "nc_notes_get", map[string]any{"id": n.ID})
	wantError(t, res)
	if !strings.Contains(strings.ToLower(resultText(res)), "time") {
		t.Fatalf("timeout error %q does not say it timed out", resultText(res))
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("the tool did not give up at the client timeout")
	}
}

func TestNotesReadOnlyAndApps(t *testing.T) {
	nc := nctest.New(t)
	checkReadOnlyListing(t, nc, []string{"nc_notes_list", "nc_notes_get", "nc_notes_search", "nc_notes_categories", "nc_notes_get_attachment"},
		[]string{"nc_notes_create", "nc_notes_update", "nc_notes_append", "nc_notes_delete"})

	all := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"notes"} }), "inprocess"))
	for name, td := range all {
		if !strings.HasPrefix(name, "nc_notes_") {
			t.Fatalf("--apps notes offers %s", name)
		}
		if td.Annotations.Title == "" || td.Description == "" {
			t.Fatalf("%s lacks a title or description", name)
		}
	}
	for _, name := range []string{"nc_notes_list", "nc_notes_get", "nc_notes_search", "nc_notes_create", "nc_notes_update", "nc_notes_append", "nc_notes_delete", "nc_notes_categories"} {
		if _, ok := all[name]; !ok {
			t.Fatalf("--apps notes lacks %s", name)
		}
	}
	if d := all["nc_notes_delete"].Annotations; d.DestructiveHint == nil || !*d.DestructiveHint {
		t.Fatal("nc_notes_delete is not marked destructive")
	}
	if d := all["nc_notes_list"].Annotations; d.ReadOnlyHint == nil || !*d.ReadOnlyHint {
		t.Fatal("nc_notes_list is not marked read-only")
	}
	other := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"core"} }), "inprocess"))
	if _, ok := other["nc_notes_list"]; ok {
		t.Fatal("--apps core still offers notes tools")
	}
}

func TestNotesResourceTemplate(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	n := nfNote(t, nc.Client(t, "admin"), "Recipe", "", "# Pancakes\n\nflour, milk")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tpls, err := c.ListResourceTemplates(ctx, mcpgo.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tp := range tpls.ResourceTemplates {
		if tp.URITemplate != nil && tp.URITemplate.Raw() == "nextcloud://notes/{id}" && tp.MIMEType == "text/markdown" {
			found = true
		}
	}
	if !found {
		t.Fatal("no nextcloud://notes/{id} template")
	}
	req := mcpgo.ReadResourceRequest{}
	req.Params.URI = "nextcloud://notes/" + nfItoa(n.ID)
	res, err := c.ReadResource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := res.Contents[0].(mcpgo.TextResourceContents)
	if !ok || tc.Text != "# Pancakes\n\nflour, milk" || tc.MIMEType != "text/markdown" {
		t.Fatalf("resource = %#v", res.Contents[0])
	}
	req.Params.URI = "nextcloud://notes/999999"
	if _, err := c.ReadResource(ctx, req); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown note resource: %v", err)
	}
}
