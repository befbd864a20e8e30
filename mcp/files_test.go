package mcp

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// A 1x1 PNG.
var nfPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func nfWrite(t testing.TB, c *nextcloud.Client, p string, data []byte) {
	t.Helper()
	if i := strings.LastIndex(p, "/"); i > 0 {
		if _, err := c.Files().MakeFolderAll(context.Background(), p[:i]); err != nil {
			t.Fatalf("mkdir for %s: %v", p, err)
		}
	}
	if _, err := c.Files().Write(context.Background(), p, data, nextcloud.WriteOptions{}); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
}

func nfEmbedded(t testing.TB, res *mcpgo.CallToolResult) mcpgo.BlobResourceContents {
	t.Helper()
	for _, c := range res.Content {
		if er, ok := c.(mcpgo.EmbeddedResource); ok {
			if blob, ok := er.Resource.(mcpgo.BlobResourceContents); ok {
				return blob
			}
		}
	}
	t.Fatalf("result has no embedded blob resource: %+v", res.Content)
	return mcpgo.BlobResourceContents{}
}

func TestFilesToolsOverTransports(t *testing.T) {
	for _, kind := range []string{"stdio", "sse", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			c := connect(t, newTestServer(t, nc), kind)
			direct := nc.Client(t, "admin")
			nfFilesFlow(t, c, direct)
		})
	}
}

func nfFilesFlow(t *testing.T, c *client.Client, direct *nextcloud.Client) {
	ctx := context.Background()
	var mk filesMkdirOut
	nfCall(t, c, "nc_files_mkdir", map[string]any{"path": "Documents/Projects"}, &mk)
	if len(mk.Created) != 2 || mk.Folder.Type != "folder" || mk.Folder.Path != "Documents/Projects" {
		t.Fatalf("mkdir = %+v", mk)
	}
	nfCall(t, c, "nc_files_mkdir", map[string]any{"path": "Documents"}, &mk)
	if len(mk.Created) != 0 {
		t.Fatalf("mkdir of an existing folder = %+v", mk)
	}

	var w filesWriteOut
	nfCall(t, c, "nc_files_write", map[string]any{"path": "Documents/Projects/plan.md", "content": "# Plan\n\n- step one\n"}, &w)
	if !w.Created || w.File.Size != 19 || w.File.MimeType != "text/markdown" || w.File.ETag == "" || w.File.FileID == 0 {
		t.Fatalf("write = %+v", w)
	}
	var w2 filesWriteOut
	nfCall(t, c, "nc_files_write", map[string]any{"path": "Pictures/2025/dot.png", "content_base64": base64.StdEncoding.EncodeToString(nfPNG)}, &w2)
	if !w2.Created || w2.File.MimeType != "image/png" || len(w2.Folders) != 2 {
		t.Fatalf("binary write into new folders = %+v", w2)
	}

	var list filesListOut
	nfCall(t, c, "nc_files_list", map[string]any{}, &list)
	if list.Total != 2 || list.Items[0].Name != "Documents" || list.Items[1].Name != "Pictures" || list.Items[0].Type != "folder" {
		t.Fatalf("root list = %+v", list)
	}
	nfCall(t, c, "nc_files_list", map[string]any{"path": "Documents/Projects"}, &list)
	if list.Total != 1 || list.Items[0].Path != "Documents/Projects/plan.md" || list.Items[0].ETag != w.File.ETag {
		t.Fatalf("folder list = %+v", list)
	}

	var st filesEntry
	nfCall(t, c, "nc_files_stat", map[string]any{"path": "/Documents/Projects/plan.md"}, &st)
	if st.FileID != w.File.FileID || st.Size != 19 || st.Modified == "" {
		t.Fatalf("stat = %+v", st)
	}

	var rd filesReadOut
	res := nfCall(t, c, "nc_files_read", map[string]any{"path": "Documents/Projects/plan.md"}, &rd)
	if rd.Encoding != "text" || rd.Text != "# Plan\n\n- step one\n" || rd.ETag != w.File.ETag || rd.MimeType != "text/markdown" {
		t.Fatalf("text read = %+v", rd)
	}
	if !strings.Contains(resultText(res), "- step one") {
		t.Fatalf("text summary lacks the content: %q", resultText(res))
	}
	var rb filesReadOut
	res = nfCall(t, c, "nc_files_read", map[string]any{"path": "Pictures/2025/dot.png"}, &rb)
	blob := nfEmbedded(t, res)
	got, _ := base64.StdEncoding.DecodeString(blob.Blob)
	if rb.Encoding != "binary" || rb.Text != "" || blob.MIMEType != "image/png" || !bytes.Equal(got, nfPNG) || blob.URI != "nextcloud://files/Pictures%2F2025%2Fdot.png" {
		t.Fatalf("binary read = %+v, resource %s %s", rb, blob.URI, blob.MIMEType)
	}

	var cp filesMoveOut
	nfCall(t, c, "nc_files_copy", map[string]any{"source": "Documents/Projects/plan.md", "destination": "Archive/"}, &cp)
	if cp.Destination.Path != "Archive/plan.md" || cp.Overwrote || cp.Action != "copied" || cp.Destination.FileID == w.File.FileID {
		t.Fatalf("copy = %+v", cp)
	}
	var mv filesMoveOut
	nfCall(t, c, "nc_files_move", map[string]any{"source": "Archive/plan.md", "destination": "Archive/old-plan.md"}, &mv)
	if mv.Destination.Path != "Archive/old-plan.md" || mv.Destination.FileID != cp.Destination.FileID {
		t.Fatalf("move = %+v", mv)
	}

	var found filesFoundOut
	nfCall(t, c, "nc_files_search", map[string]any{"name": "plan", "files_only": true}, &found)
	if found.Count != 2 || found.More {
		t.Fatalf("search by name = %+v", found)
	}
	nfCall(t, c, "nc_files_search", map[string]any{"mime_type": "image/*"}, &found)
	if found.Count != 1 || found.Items[0].Path != "Pictures/2025/dot.png" {
		t.Fatalf("search by type = %+v", found)
	}
	nfCall(t, c, "nc_files_search", map[string]any{"modified_after": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "path": "Archive"}, &found)
	if found.Count != 1 || found.Items[0].Path != "Archive/old-plan.md" {
		t.Fatalf("search by date in a folder = %+v", found)
	}

	if err := direct.Files().SetFavorite(ctx, "Documents/Projects/plan.md", true); err != nil {
		t.Fatal(err)
	}
	var favs filesFoundOut
	nfCall(t, c, "nc_files_favorites", map[string]any{}, &favs)
	if favs.Count != 1 || favs.Items[0].Path != "Documents/Projects/plan.md" || !favs.Items[0].Favorite {
		t.Fatalf("favorites = %+v", favs)
	}

	var del filesDeleteOut
	nfCall(t, c, "nc_files_delete", map[string]any{"path": "Documents/Projects/plan.md"}, &del)
	if del.Path != "Documents/Projects/plan.md" || del.Type != "file" {
		t.Fatalf("delete = %+v", del)
	}
	wantError(t, callTool(t, c, "nc_files_stat", map[string]any{"path": "Documents/Projects/plan.md"}), "404")

	var trash filesTrashListOut
	nfCall(t, c, "nc_files_trash_list", map[string]any{}, &trash)
	if trash.Count != 1 || trash.Items[0].Name != "plan.md" || trash.Items[0].OriginalLocation != "Documents/Projects/plan.md" || trash.Items[0].DeletedAt == "" {
		t.Fatalf("trash = %+v", trash)
	}
	var rs filesTrashRestoreOut
	nfCall(t, c, "nc_files_trash_restore", map[string]any{"trash_name": trash.Items[0].TrashName}, &rs)
	if rs.RestoredTo != "Documents/Projects/plan.md" {
		t.Fatalf("restore = %+v", rs)
	}
	nfCall(t, c, "nc_files_stat", map[string]any{"path": "Documents/Projects/plan.md"}, &st)
	if st.FileID != w.File.FileID || !st.Favorite {
		t.Fatalf("restored file = %+v, want the same file id and favorite", st)
	}
}

func TestFilesWriteConditions(t *testing.T) {
	ctx := context.Background()
	_, c, direct := nfServer(t)
	nfWrite(t, direct, "todo.txt", []byte("v1"))

	var st filesEntry
	nfCall(t, c, "nc_files_stat", map[string]any{"path": "todo.txt"}, &st)
	// Someone else changes the file after the model read it.
	nfWrite(t, direct, "todo.txt", []byte("v2 by someone else"))
	wantError(t, callTool(t, c, "nc_files_write", map[string]any{"path": "todo.txt", "content": "v1 + mine", "if_match": st.ETag}),
		"changed since it was read", "nothing was written")
	fc, _ := direct.Files().Read(ctx, "todo.txt", 1000)
	if string(fc.Data) != "v2 by someone else" {
		t.Fatalf("stale if_match overwrote the file: %q", fc.Data)
	}

	var now filesEntry
	nfCall(t, c, "nc_files_stat", map[string]any{"path": "todo.txt"}, &now)
	var w filesWriteOut
	nfCall(t, c, "nc_files_write", map[string]any{"path": "todo.txt", "content": "v3", "if_match": now.ETag}, &w)
	if w.Created || w.File.Size != 2 || w.File.ETag == now.ETag {
		t.Fatalf("write with the current etag = %+v", w)
	}

	wantError(t, callTool(t, c, "nc_files_write", map[string]any{"path": "todo.txt", "content": "x", "create_only": true}), "exists", "create_only")
	nfCall(t, c, "nc_files_write", map[string]any{"path": "new.txt", "content": "", "create_only": true}, &w)
	if !w.Created || w.File.Size != 0 {
		t.Fatalf("create_only of a new empty file = %+v", w)
	}
	wantError(t, callTool(t, c, "nc_files_write", map[string]any{"path": "gone.txt", "content": "x", "if_match": `"abc"`}), "412")
	if _, err := direct.Files().Stat(ctx, "gone.txt"); err == nil {
		t.Fatal("if_match on a missing file created it")
	}

	// Move onto an existing file needs overwrite.
	nfWrite(t, direct, "a.txt", []byte("a"))
	nfWrite(t, direct, "b.txt", []byte("bb"))
	wantError(t, callTool(t, c, "nc_files_move", map[string]any{"source": "a.txt", "destination": "b.txt"}), "exists", "overwrite")
	var mv filesMoveOut
	nfCall(t, c, "nc_files_move", map[string]any{"source": "a.txt", "destination": "b.txt", "overwrite": true}, &mv)
	if !mv.Overwrote || mv.Destination.Size != 1 {
		t.Fatalf("move with overwrite = %+v", mv)
	}
	wantError(t, callTool(t, c, "nc_files_copy", map[string]any{"source": "b.txt", "destination": "new.txt"}), "exists")
}

func TestFilesReadLimitAndBinary(t *testing.T) {
	nc := nctest.New(t)
	srv := newTestServer(t, nc, func(o *Options) { o.Toolsets = DefaultToolsets(&Env{MaxReadBytes: 100}) })
	c := connect(t, srv, "inprocess")
	direct := nc.Client(t, "admin")
	nfWrite(t, direct, "big.txt", bytes.Repeat([]byte("x"), 150))
	nfWrite(t, direct, "small.txt", bytes.Repeat([]byte("y"), 100))
	nfWrite(t, direct, "latin1.txt", []byte("caf\xe9"))
	nfWrite(t, direct, "data.bin", []byte{0x00, 0x01, 'a'})
	nfWrite(t, direct, "plain", []byte("no extension but text"))

	res := callTool(t, c, "nc_files_read", map[string]any{"path": "big.txt"})
	wantError(t, res, "150 bytes", "more than the 100 bytes", "not downloaded")
	if n := nc.RequestCount("GET /remote.php/dav/files/admin/big.txt"); n != 0 {
		t.Fatalf("the over-limit file was downloaded %d times", n)
	}
	var rd filesReadOut
	nfCall(t, c, "nc_files_read", map[string]any{"path": "small.txt"}, &rd)
	if rd.Encoding != "text" || len(rd.Text) != 100 {
		t.Fatalf("read at the limit = %+v", rd)
	}
	var latin filesReadOut
	res = nfCall(t, c, "nc_files_read", map[string]any{"path": "latin1.txt"}, &latin)
	if latin.Encoding != "binary" || latin.Text != "" || nfEmbedded(t, res).MIMEType != "text/plain" {
		t.Fatalf("invalid UTF-8 text should come back as a resource: %+v", latin)
	}
	var bin filesReadOut
	res = nfCall(t, c, "nc_files_read", map[string]any{"path": "data.bin"}, &bin)
	if blob := nfEmbedded(t, res); bin.Encoding != "binary" || bin.Text != "" || blob.MIMEType != "application/octet-stream" {
		t.Fatalf("binary read = %+v %s", bin, blob.MIMEType)
	}
	if !strings.Contains(resultText(res), "embedded resource") {
		t.Fatalf("binary summary %q does not point at the resource", resultText(res))
	}
	var plain filesReadOut
	nfCall(t, c, "nc_files_read", map[string]any{"path": "plain"}, &plain)
	if plain.Encoding != "text" || plain.Text != "no extension but text" {
		t.Fatalf("untyped text = %+v", plain)
	}
}

func TestFilesBadInputs(t *testing.T) {
	nc, c, direct := nfServer(t)
	nfWrite(t, direct, "Docs/a.txt", []byte("a"))

	// Bad paths are refused before any request reaches Nextcloud.
	nc.RecordRequests()
	escapes := []struct {
		path  string
		wants string
	}{
		{"../etc/passwd", `".."`},
		{"Docs/../../x", `".."`},
		{"Docs//a.txt", "empty"},
		{"Docs/a\x00.txt", "control character"},
		{"Docs/a\r\n.txt", "control character"},
		{`Docs\a.txt`, "backslash"},
	}
	for _, e := range escapes {
		wantAllFail(t, c, []toolCall{
			{"nc_files_list", map[string]any{"path": e.path}},
			{"nc_files_stat", map[string]any{"path": e.path}},
			{"nc_files_read", map[string]any{"path": e.path}},
			{"nc_files_write", map[string]any{"path": e.path, "content": "x"}},
			{"nc_files_mkdir", map[string]any{"path": e.path}},
			{"nc_files_move", map[string]any{"source": "Docs/a.txt", "destination": e.path}},
			{"nc_files_copy", map[string]any{"source": e.path, "destination": "x.txt"}},
			{"nc_files_delete", map[string]any{"path": e.path}},
			{"nc_files_search", map[string]any{"path": e.path, "name": "a"}},
			{"nc_files_favorites", map[string]any{"path": e.path}},
		}, "invalid arguments", e.wants)
	}
	if davRequests := len(nc.Requests(func(r nctest.Request) bool { return strings.HasPrefix(r.Path, "/remote.php/dav") })); davRequests != 0 {
		t.Fatalf("%d WebDAV requests were sent for bad paths", davRequests)
	}

	cases := []badCall{
		{"nc_files_stat", map[string]any{}, []string{"path"}},
		{"nc_files_stat", map[string]any{"path": 42}, []string{"path"}},
		{"nc_files_stat", map[string]any{"path": "Docs/none.txt"}, []string{"404", "could not be located"}},
		{"nc_files_list", map[string]any{"path": "Docs/a.txt"}, []string{"is a file"}},
		{"nc_files_list", map[string]any{"path": "Nope"}, []string{"404"}},
		{"nc_files_list", map[string]any{"limit": 5000}, []string{"limit"}},
		{"nc_files_read", map[string]any{"path": "Docs"}, []string{"is a folder", "nc_files_list"}},
		{"nc_files_read", map[string]any{"path": "Docs/none.txt"}, []string{"404"}},
		{"nc_files_read", map[string]any{"path": "/"}, []string{"root folder"}},
		{"nc_files_write", map[string]any{"path": "x.txt"}, []string{"content"}},
		{"nc_files_write", map[string]any{"path": "x.txt", "content": "a", "content_base64": "YQ=="}, []string{"exactly one"}},
		{"nc_files_write", map[string]any{"path": "x.txt", "content_base64": "%%%"}, []string{"base64"}},
		{"nc_files_write", map[string]any{"path": "x.txt", "content": "a", "if_match": `"e"`, "create_only": true}, []string{"contradict"}},
		{"nc_files_write", map[string]any{"path": "Docs/a.txt/sub.txt", "content": "a"}, []string{"a file of that name exists"}},
		{"nc_files_mkdir", map[string]any{"path": "Docs/a.txt"}, []string{"exists"}},
		{"nc_files_move", map[string]any{"source": "Docs/none.txt", "destination": "b.txt"}, []string{"404"}},
		{"nc_files_move", map[string]any{"source": "Docs", "destination": "Docs/inside"}, []string{"inside the source"}},
		{"nc_files_move", map[string]any{"source": "Docs/a.txt"}, []string{"destination"}},
		{"nc_files_copy", map[string]any{"source": "Docs/a.txt", "destination": "Docs/a.txt"}, []string{"same"}},
		{"nc_files_delete", map[string]any{"path": "/"}, []string{"root folder"}},
		{"nc_files_delete", map[string]any{"path": "Docs/none.txt"}, []string{"404"}},
		{"nc_files_search", map[string]any{}, []string{"at least one"}},
		{"nc_files_search", map[string]any{"modified_after": "last week"}, []string{"modified_after", "2025-01-31"}},
		{"nc_files_search", map[string]any{"mime_type": "pdf"}, []string{"mime_type"}},
		{"nc_files_search", map[string]any{"modified_after": "2025-02-01", "modified_before": "2025-01-01"}, []string{"earlier"}},
		{"nc_files_search", map[string]any{"name": "a", "path": "Nope"}, []string{"400"}},
		{"nc_files_favorites", map[string]any{"path": "Nope"}, []string{"404"}},
		{"nc_files_trash_restore", map[string]any{}, []string{"trash_name"}},
		{"nc_files_trash_restore", map[string]any{"trash_name": "nothing.d1"}, []string{"no item", "nc_files_trash_list"}},
		{"nc_files_trash_restore", map[string]any{"trash_name": "a/b"}, []string{"trash_name"}},
		{"nc_files_trash_list", map[string]any{"all": true}, []string{"all"}},
	}
	wantBadCalls(t, c, cases)
}

func TestFilesNextcloudFailures(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "sse")
	nfWrite(t, nc.Client(t, "admin"), "a.txt", []byte("a"))

	nc.SetFault(nf500)
	wantAllFail(t, c, []toolCall{
		{"nc_files_list", map[string]any{}},
		{"nc_files_stat", map[string]any{"path": "a.txt"}},
		{"nc_files_read", map[string]any{"path": "a.txt"}},
		{"nc_files_write", map[string]any{"path": "b.txt", "content": "b"}},
		{"nc_files_mkdir", map[string]any{"path": "D"}},
		{"nc_files_move", map[string]any{"source": "a.txt", "destination": "c.txt"}},
		{"nc_files_copy", map[string]any{"source": "a.txt", "destination": "c.txt"}},
		{"nc_files_delete", map[string]any{"path": "a.txt"}},
		{"nc_files_search", map[string]any{"name": "a"}},
		{"nc_files_favorites", map[string]any{}},
		{"nc_files_trash_list", map[string]any{}},
		{"nc_files_trash_restore", map[string]any{"trash_name": "a.txt.d1"}},
	}, "500", "Nextcloud failed internally")
	nc.SetFault(nil)

	nc.SetDisabled("files_trashbin", true)
	wantError(t, callTool(t, c, "nc_files_trash_list", map[string]any{}), "files_trashbin", "not enabled")
	nc.SetDisabled("files_trashbin", false)

	nc.SetFault(nfHang)
	slow := connect(t, newTestServer(t, nc, nfShortTimeoutClient(t, nc)), "inprocess")
	for _, call := range []toolCall{
		{"nc_files_read", map[string]any{"path": "a.txt"}},
		{"nc_files_search", map[string]any{"name": "a"}},
	} {
		res := callTool(t, slow, call.tool, call.args)
		wantError(t, res)
		if !strings.Contains(strings.ToLower(resultText(res)), "time") {
			t.Fatalf("%s timeout error %q does not say it timed out", call.tool, resultText(res))
		}
	}
}

// nfFilesTools are the tools of FilesToolset; other toolsets may add
// more tools under the "files" app.
var nfFilesTools = map[string]bool{ // name → read-only
	"nc_files_list": true, "nc_files_stat": true, "nc_files_read": true, "nc_files_search": true,
	"nc_files_favorites": true, "nc_files_trash_list": true, "nc_files_write": false, "nc_files_mkdir": false,
	"nc_files_move": false, "nc_files_copy": false, "nc_files_delete": false, "nc_files_trash_restore": false,
	"nc_files_trash_delete": false, "nc_files_trash_empty": false,
}

func TestFilesReadOnlyAndApps(t *testing.T) {
	nc := nctest.New(t)
	ro := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true; o.Apps = []string{"files"} }), "inprocess"))
	for name, readOnly := range nfFilesTools {
		if _, ok := ro[name]; ok != readOnly {
			t.Fatalf("read-only server: %s listed = %v, want %v", name, ok, readOnly)
		}
	}
	all := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"files"} }), "inprocess"))
	for name := range nfFilesTools {
		td, ok := all[name]
		if !ok {
			t.Fatalf("--apps files lacks %s", name)
		}
		if td.Annotations.Title == "" || td.Description == "" {
			t.Fatalf("tool %s lacks a title or description", name)
		}
		if ro := td.Annotations.ReadOnlyHint; ro == nil || *ro != nfFilesTools[name] {
			t.Fatalf("%s readOnlyHint = %v, want %v", name, ro, nfFilesTools[name])
		}
		for pname, p := range td.InputSchema.Properties {
			if m, ok := p.(map[string]any); !ok || m["description"] == nil || m["description"] == "" {
				t.Fatalf("%s argument %s has no description", name, pname)
			}
		}
	}
	for name := range all {
		if !strings.HasPrefix(name, "nc_files_") {
			t.Fatalf("--apps files offers %s", name)
		}
	}
	for _, name := range []string{"nc_files_delete", "nc_files_move", "nc_files_write", "nc_files_trash_delete", "nc_files_trash_empty"} {
		if d := all[name].Annotations.DestructiveHint; d == nil || !*d {
			t.Fatalf("%s is not marked destructive", name)
		}
	}
	other := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{"notes"} }), "inprocess"))
	if _, ok := other["nc_files_list"]; ok {
		t.Fatal("--apps notes still offers files tools")
	}
}

func TestFilesResourceTemplate(t *testing.T) {
	_, c, direct := nfServer(t)
	nfWrite(t, direct, "Documents/read me.md", []byte("# Hello"))
	nfWrite(t, direct, "dot.png", nfPNG)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	read := func(uri string) (*mcpgo.ReadResourceResult, error) {
		req := mcpgo.ReadResourceRequest{}
		req.Params.URI = uri
		return c.ReadResource(ctx, req)
	}
	res, err := read("nextcloud://files/Documents%2Fread%20me.md")
	if err != nil {
		t.Fatal(err)
	}
	if tc, ok := res.Contents[0].(mcpgo.TextResourceContents); !ok || tc.Text != "# Hello" || tc.MIMEType != "text/markdown" {
		t.Fatalf("text resource = %#v", res.Contents[0])
	}
	res, err = read("nextcloud://files/dot.png")
	if err != nil {
		t.Fatal(err)
	}
	blob, ok := res.Contents[0].(mcpgo.BlobResourceContents)
	got, _ := base64.StdEncoding.DecodeString(blob.Blob)
	if !ok || blob.MIMEType != "image/png" || !bytes.Equal(got, nfPNG) {
		t.Fatalf("binary resource = %#v", res.Contents[0])
	}
	if _, err := read("nextcloud://files/missing.txt"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing file resource: %v", err)
	}
	if _, err := read("nextcloud://files/..%2Fsecret"); err == nil || !strings.Contains(err.Error(), "..") {
		t.Fatalf("escaping resource path: %v", err)
	}
}

func TestFilesUseTheClientsUserID(t *testing.T) {
	// On LDAP installations the login name differs from the user id that
	// DAV paths need; the tools must use the client's user id.
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithLDAPUser("jane.doe@example.com", "pw", "f3a9-uid"))
	direct := nc.Client(t, "jane.doe@example.com")
	srv := newTestServer(t, nc, func(o *Options) {
		o.Client = func(context.Context) (*nextcloud.Client, error) { return direct, nil }
	})
	c := connect(t, srv, "inprocess")
	var w filesWriteOut
	nfCall(t, c, "nc_files_write", map[string]any{"path": "x.txt", "content": "hi"}, &w)
	if nc.RequestCount("PUT /remote.php/dav/files/f3a9-uid/x.txt") != 1 {
		t.Fatal("the write did not go to the user id's DAV tree")
	}
	var list filesListOut
	nfCall(t, c, "nc_files_list", map[string]any{}, &list)
	if list.Total != 1 || list.Items[0].Path != "x.txt" {
		t.Fatalf("list = %+v", list)
	}
}
