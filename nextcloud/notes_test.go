package nextcloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func strp(s string) *string { return &s }

func mustCreateNote(t *testing.T, c *nextcloud.Client, title, category, content string) *nextcloud.Note {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Category: &category, Content: &content})
	if err != nil {
		t.Fatalf("create note %q: %v", title, err)
	}
	return n
}

func TestNotesCreateGetAndETag(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")

	n := mustCreateNote(t, c, "Shopping: list?", "Home/Kitchen", "milk\neggs")
	if n.ID == 0 || n.ETag == "" {
		t.Fatalf("created note lacks id or etag: %+v", n)
	}
	if n.Title != "Shopping list" {
		t.Fatalf("title not sanitised like Nextcloud does: %q", n.Title)
	}
	dup := mustCreateNote(t, c, "Shopping list", "Home/Kitchen", "")
	if dup.Title != "Shopping list (2)" {
		t.Fatalf("duplicate title = %q, want numbered", dup.Title)
	}
	got, err := c.Notes().Get(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != "milk\neggs" || got.Category != "Home/Kitchen" || got.ETag != n.ETag {
		t.Fatalf("get = %+v, want content, category and etag of %+v", got, n)
	}
	if strings.Contains(got.ETag, `"`) {
		t.Fatalf("etag attribute should be unquoted: %q", got.ETag)
	}
}

func TestNotesUpdateIfMatch(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	n := mustCreateNote(t, c, "Plan", "", "v1")

	nc.RecordRequests()
	ifMatch := func() []string {
		var out []string
		for _, r := range nc.Requests(func(r nctest.Request) bool { return r.Method == http.MethodPut }) {
			out = append(out, r.Header.Get("If-Match"))
		}
		return out
	}

	// Unquoted etag (as the attribute comes) is sent quoted.
	u1, err := c.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Content: strp("v2")}, n.ETag)
	if err != nil {
		t.Fatalf("update with current etag: %v", err)
	}
	if u1.Content != "v2" || u1.ETag == n.ETag {
		t.Fatalf("update result %+v: want new content and a new etag", u1)
	}
	if ifMatch()[0] != `"`+n.ETag+`"` {
		t.Fatalf("If-Match sent as %q, want quoted etag", ifMatch()[0])
	}

	// The stale etag is refused with the current note; nothing changes.
	_, err = c.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Content: strp("lost update")}, n.ETag)
	var ce *nextcloud.NoteConflictError
	if !errors.As(err, &ce) || !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("stale update: got %v, want a NoteConflictError", err)
	}
	if ce.Current == nil || ce.Current.Content != "v2" || ce.Current.ETag != u1.ETag {
		t.Fatalf("conflict carries %+v, want the current note", ce.Current)
	}
	if !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("conflict message %q does not say the note changed", err)
	}
	got, _ := c.Notes().Get(ctx, n.ID)
	if got.Content != "v2" {
		t.Fatalf("stale update overwrote the note: %q", got.Content)
	}

	// Already quoted etags are sent as they are; favorite alone changes the etag.
	u2, err := c.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Favorite: new(bool)}, `"`+u1.ETag+`"`)
	if err != nil {
		t.Fatal(err)
	}
	tr := true
	u3, err := c.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Favorite: &tr}, u2.ETag)
	if err != nil || !u3.Favorite || u3.ETag == u2.ETag {
		t.Fatalf("favorite update = %+v, %v; want favorite and a new etag", u3, err)
	}
}

func TestNotesChunkedListing(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	for _, title := range []string{"a", "b", "c", "d", "e"} {
		cat := ""
		if title == "b" || title == "d" {
			cat = "Work"
		}
		mustCreateNote(t, c, title, cat, "content "+title)
	}

	seen := map[int64]int{}
	opts := nextcloud.NotesListOptions{ChunkSize: 2, Exclude: []string{"content"}}
	var pages []*nextcloud.NotesPage
	for {
		p, err := c.Notes().List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		for _, n := range p.Notes {
			seen[n.ID]++
			if n.Content != "" {
				t.Fatalf("exclude=content ignored: %+v", n)
			}
			if n.ETag == "" || n.Title == "" {
				t.Fatalf("listed note lacks etag or title: %+v", n)
			}
		}
		if p.Cursor == "" {
			break
		}
		if len(pages) > 5 {
			t.Fatal("cursor never ends")
		}
		opts.ChunkCursor = p.Cursor
	}
	if len(pages) != 3 || pages[0].Pending != 3 || pages[1].Pending != 1 {
		t.Fatalf("got %d pages, pending %d/%d; want 3 pages with 3 then 1 pending", len(pages), pages[0].Pending, pages[1].Pending)
	}
	if len(seen) != 5 {
		t.Fatalf("chunks delivered %v, want all 5 notes once", seen)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("note %d delivered %d times", id, k)
		}
	}
	// The last chunk names the earlier notes by id only (deletion detection).
	if len(pages[2].PrunedIDs) != 4 {
		t.Fatalf("last chunk pruned ids %v, want the 4 notes of earlier chunks", pages[2].PrunedIDs)
	}

	// Pages follows the cursor the same way, and stops when told to.
	var sizes []int
	for p, err := range c.Notes().Pages(ctx, nextcloud.NotesListOptions{ChunkSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Notes))
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Fatalf("Pages chunk sizes %v, want [2 2 1]", sizes)
	}
	n := 0
	for range c.Notes().Pages(ctx, nextcloud.NotesListOptions{ChunkSize: 2}) {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("Pages went on after break: %d", n)
	}

	all, err := c.Notes().All(ctx, nextcloud.NotesListOptions{ChunkSize: 2})
	if err != nil || len(all) != 5 {
		t.Fatalf("AllNotes = %d notes, %v", len(all), err)
	}
	work, err := c.Notes().All(ctx, nextcloud.NotesListOptions{Category: strp("Work")})
	if err != nil || len(work) != 2 {
		t.Fatalf("category Work = %d notes, %v; want 2", len(work), err)
	}
	uncategorized, err := c.Notes().All(ctx, nextcloud.NotesListOptions{Category: strp("")})
	if err != nil || len(uncategorized) != 3 {
		t.Fatalf("uncategorized = %d notes, %v; want 3", len(uncategorized), err)
	}
	pruned, err := c.Notes().List(ctx, nextcloud.NotesListOptions{PruneBefore: time.Now().Add(time.Hour).Unix()})
	if err != nil || len(pruned.Notes) != 0 || len(pruned.PrunedIDs) != 5 {
		t.Fatalf("pruneBefore in the future: %d full, %d pruned, %v; want 0 and 5", len(pruned.Notes), len(pruned.PrunedIDs), err)
	}
}

func TestNotesErrors(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	admin := nc.Client(t, "admin")
	bob := nc.Client(t, "bob")
	n := mustCreateNote(t, admin, "private", "", "secret")

	_, err := bob.Notes().Get(ctx, n.ID)
	if !errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("another user's note: got %v, want not found", err)
	}
	if !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("404 message %q does not say the note does not exist", err)
	}
	if err := admin.Notes().Delete(ctx, 999999); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("delete unknown note: %v", err)
	}

	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return true
	})
	if _, err := admin.Notes().Get(ctx, n.ID); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("500: got %v", err)
	}
	nc.SetFault(nil)

	nc.SetDisabled("notes", true)
	_, err = admin.Notes().List(ctx, nextcloud.NotesListOptions{})
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `app "notes" (Notes)`) {
		t.Fatalf("disabled app: got %v, want ErrAppNotEnabled naming the Notes app", err)
	}
	if _, err := admin.Notes().Get(ctx, n.ID); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("disabled app on get: %v", err)
	}
}

func TestNotesSettings(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	s, err := c.Notes().Settings(ctx)
	if err != nil || s.NotesPath != "Notes" || s.FileSuffix != ".txt" {
		t.Fatalf("default settings %+v, %v", s, err)
	}
	s, err = c.Notes().SetSettings(ctx, nextcloud.NotesSettings{FileSuffix: ".md", NotesPath: "../Docs/Notes"})
	if err != nil || s.FileSuffix != ".md" || s.NotesPath != "Docs/Notes" {
		t.Fatalf("set settings = %+v, %v; want .md and a sanitised path", s, err)
	}
	s, err = c.Notes().SetSettings(ctx, nextcloud.NotesSettings{FileSuffix: ".exe"})
	if err != nil || s.FileSuffix != ".txt" || s.NotesPath != "Docs/Notes" {
		t.Fatalf("invalid suffix = %+v, %v; want the default suffix and the path kept", s, err)
	}
}
