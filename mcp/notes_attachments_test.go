package mcp

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestNotesAttachments(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	n := nfNote(t, nc.Client(t, "admin"), "Trip", "", "# Trip\n\n![](.attachments.1/map.png)\n[plan](.attachments.1/plan.txt)")
	other := nfNote(t, nc.Client(t, "admin"), "Other", "", "nothing")
	png := []byte("\x89PNG\r\n\x1a\nbinary\x00")
	img := ".attachments." + nfItoa(n.ID) + "/map.png"
	txt := ".attachments." + nfItoa(n.ID) + "/plan.txt"
	nc.AddNoteAttachment("admin", n.ID, img, "image/png", png)
	nc.AddNoteAttachment("admin", n.ID, txt, "text/plain; charset=utf-8", []byte("day 1: walk"))

	var out mailAttachmentDataOut
	decodeStructured(t, callTool(t, c, "nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": txt}), &out)
	if out.Text != "day 1: walk" || out.Name != "plan.txt" || out.Base64 != "" {
		t.Fatalf("text attachment %+v", out)
	}
	out = mailAttachmentDataOut{}
	decodeStructured(t, callTool(t, c, "nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": img}), &out)
	if raw, err := base64.StdEncoding.DecodeString(out.Base64); err != nil || string(raw) != string(png) || out.Mime != "image/png" || out.Size != int64(len(png)) {
		t.Fatalf("image attachment %+v", out)
	}
	// An attachment belongs to its note.
	wantError(t, callTool(t, c, "nc_notes_get_attachment", map[string]any{"note_id": other.ID, "path": img}), "404", "content links its attachments")
	wantError(t, callTool(t, c, "nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": ".attachments.1/none.png"}), "404")
	wantBadCalls(t, c, []badCall{
		{"nc_notes_get_attachment", map[string]any{"note_id": n.ID}, []string{"path"}},
		{"nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": "../secret.txt"}, []string{".."}},
		{"nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": "/etc/passwd"}, []string{"relative"}},
		{"nc_notes_get_attachment", map[string]any{"path": img}, []string{"note_id"}},
		{"nc_notes_get_attachment", map[string]any{"note_id": -1, "path": img}, []string{"note_id"}},
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	read := func(p string) (*mcpgo.ReadResourceResult, error) {
		req := mcpgo.ReadResourceRequest{}
		req.Params.URI = "nextcloud://notes/" + nfItoa(n.ID) + "/attachments/" + url.PathEscape(p)
		return c.ReadResource(ctx, req)
	}
	res, err := read(img)
	if err != nil {
		t.Fatal(err)
	}
	blob, ok := res.Contents[0].(mcpgo.BlobResourceContents)
	if raw, _ := base64.StdEncoding.DecodeString(blob.Blob); !ok || string(raw) != string(png) || blob.MIMEType != "image/png" {
		t.Fatalf("image resource %#v", res.Contents[0])
	}
	res, err = read(txt)
	if err != nil {
		t.Fatal(err)
	}
	if tc, ok := res.Contents[0].(mcpgo.TextResourceContents); !ok || tc.Text != "day 1: walk" {
		t.Fatalf("text resource %#v", res.Contents[0])
	}
	if _, err := read("../x"); err == nil || !strings.Contains(err.Error(), "..") {
		t.Fatalf("traversal resource: %v", err)
	}
	if _, err := read("missing.png"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing resource: %v", err)
	}
	// The note itself is still its own resource.
	req := mcpgo.ReadResourceRequest{}
	req.Params.URI = "nextcloud://notes/" + nfItoa(n.ID)
	if res, err := c.ReadResource(ctx, req); err != nil || !strings.Contains(res.Contents[0].(mcpgo.TextResourceContents).Text, "# Trip") {
		t.Fatalf("note resource: %v", err)
	}

	nc.SetDisabled("notes", true)
	wantError(t, callTool(t, c, "nc_notes_get_attachment", map[string]any{"note_id": n.ID, "path": img}), `"notes"`, "not installed or not enabled")
}
