package mcp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func TestNotesUpdateConflictIsReported(t *testing.T) {
	ctx := context.Background()
	nc, c, direct := nfServer(t)
	n := nfNote(t, direct, "Budget", "", "rent 1000")

	var read noteOut
	nfCall(t, c, "nc_notes_get", map[string]any{"id": n.ID}, &read)
	// Someone else edits the note after the model read it.
	if _, err := direct.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Content: nfStr("rent 1100")}, ""); err != nil {
		t.Fatal(err)
	}
	res := callTool(t, c, "nc_notes_update", map[string]any{"id": n.ID, "content": "rent 1000\nfood 300", "etag": read.ETag})
	wantError(t, res, "changed since it was read", "nothing was overwritten", "nc_notes_get")
	cur, err := direct.Notes().Get(ctx, n.ID)
	if err != nil || cur.Content != "rent 1100" {
		t.Fatalf("conflicting update overwrote the note: %q, %v", cur.Content, err)
	}

	// A stale etag given in quotes is refused the same way.
	wantError(t, callTool(t, c, "nc_notes_update", map[string]any{"id": n.ID, "title": "x", "etag": `"` + read.ETag + `"`}), "changed since it was read")

	// Without an etag the tool reads the current one and sends it.
	var upd noteOut
	nfCall(t, c, "nc_notes_update", map[string]any{"id": n.ID, "title": "Budget 2025"}, &upd)
	if upd.Title != "Budget 2025" || upd.Content != "rent 1100" {
		t.Fatalf("update without etag = %+v", upd)
	}
	if nc.RequestCount("GET /index.php/apps/notes/api/v1/notes/"+nfItoa(n.ID)) < 2 {
		t.Fatal("update without etag did not read the note first")
	}
}

func TestNotesAppendRetriesOnConcurrentEdit(t *testing.T) {
	ctx := context.Background()
	nc, c, direct := nfServer(t)
	n := nfNote(t, direct, "Log", "", "line 1")

	// Just before the tool's first PUT lands, another client appends too.
	nfOnFirst(nc, http.MethodPut, func(w http.ResponseWriter, r *http.Request) bool {
		if _, err := direct.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Content: nfStr("line 1\nother client")}, ""); err != nil {
			t.Errorf("interposed edit: %v", err)
		}
		return false
	})
	var out noteOut
	nfCall(t, c, "nc_notes_append", map[string]any{"id": n.ID, "text": "line 2"}, &out)
	if out.Content != "line 1\nother client\nline 2" {
		t.Fatalf("append over a concurrent edit = %q, want both edits", out.Content)
	}
	if got := nc.RequestCount("PUT /index.php/apps/notes/api/v1/notes/" + nfItoa(n.ID)); got != 3 {
		t.Fatalf("%d PUTs, want the interposed one, the refused one and the retry", got)
	}
}

func TestNotesAppendLandsOnceWhenAnswerIsLost(t *testing.T) {
	ctx := context.Background()
	nc, c, direct := nfServer(t)
	n := nfNote(t, direct, "Log", "", "line 1")

	// The first PUT is applied but its answer is lost (502), so the client
	// sends it again; the retry meets its own change (412).
	nfOnFirst(nc, http.MethodPut, func(w http.ResponseWriter, r *http.Request) bool {
		nc.ServeHTTP(httptest.NewRecorder(), r)
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return true
	})
	var out noteOut
	nfCall(t, c, "nc_notes_append", map[string]any{"id": n.ID, "text": "line 2"}, &out)
	cur, err := direct.Notes().Get(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Content != "line 1\nline 2" || out.Content != cur.Content {
		t.Fatalf("content = %q (tool said %q), want the text appended exactly once", cur.Content, out.Content)
	}
}

func TestNotesAppendWithStaleETagIsRefused(t *testing.T) {
	ctx := context.Background()
	_, c, direct := nfServer(t)
	n := nfNote(t, direct, "Log", "", "line 1")
	if _, err := direct.Notes().Update(ctx, n.ID, nextcloud.NoteInput{Content: nfStr("rewritten")}, ""); err != nil {
		t.Fatal(err)
	}
	wantError(t, callTool(t, c, "nc_notes_append", map[string]any{"id": n.ID, "text": "line 2", "etag": n.ETag}), "changed since it was read")
	if cur, _ := direct.Notes().Get(ctx, n.ID); cur.Content != "rewritten" {
		t.Fatalf("append with a stale etag changed the note: %q", cur.Content)
	}
}
