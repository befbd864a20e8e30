package nextcloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestCleanPath(t *testing.T) {
	ok := map[string]string{
		"":                    "",
		"/":                   "",
		".":                   "",
		"Documents":           "Documents",
		"/Documents/a.txt":    "Documents/a.txt",
		"Documents/./a.txt":   "Documents/a.txt",
		"Photos/2024/":        "Photos/2024",
		"Ünïcode/名前 space.md": "Ünïcode/名前 space.md",
		"a..b/..c":            "a..b/..c",
	}
	for in, want := range ok {
		got, err := nextcloud.CleanPath(in)
		if err != nil || got != want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"../etc/passwd":    `".."`,
		"a/../../b":        `".."`,
		"a/..":             `".."`,
		"a//b":             "empty",
		"a/   /b":          "empty",
		"a\x00b":           "control character",
		"a\nb":             "control character",
		"a\x7fb":           "control character",
		`Documents\a.txt`:  "backslash",
		"bad\xffutf8":      "UTF-8",
		"\u0085next line":  "control character",
		"tab\there/x.txt":  "control character",
		"Documents/../../": `".."`,
		// Encoded forms a server may decode.
		"Documents/%2e%2e/x": "once decoded",
		"%2E%2e":             "once decoded",
		"a%2f..%2fb":         "once decoded",
		"a%5c..":             "once decoded",
	}
	for in, frag := range bad {
		_, err := nextcloud.CleanPath(in)
		var pe *nextcloud.PathError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), frag) {
			t.Errorf("CleanPath(%q) = %v; want a PathError mentioning %s", in, err, frag)
		}
	}
	// A raw control character or invalid UTF-8 is named as such, not as
	// something found after decoding.
	for in, want := range map[string]string{
		"a\x00b":      "contains the control character U+0000",
		"a/b\x1fc":    "contains the control character U+001F",
		"bad\xffutf8": "is not valid UTF-8",
	} {
		if _, err := nextcloud.CleanPath(in); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "once decoded") {
			t.Errorf("CleanPath(%q) = %v; want it to say %q", in, err, want)
		}
	}
	if _, err := nextcloud.CleanFilePath("/"); err == nil {
		t.Error("CleanFilePath accepts the root")
	}
}

// davRecorder records the method, path and headers of DAV requests.
type davRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (d *davRecorder) fault(w http.ResponseWriter, r *http.Request) bool {
	d.mu.Lock()
	d.reqs = append(d.reqs, r.Clone(context.Background()))
	d.mu.Unlock()
	return false
}

func (d *davRecorder) count() int { d.mu.Lock(); defer d.mu.Unlock(); return len(d.reqs) }

func TestBadPathsSendNoRequest(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	rec := &davRecorder{}
	nc.SetFault(rec.fault)
	calls := []func() error{
		func() error { _, err := c.Files().Stat(ctx, "../x"); return err },
		func() error { _, _, err := c.Files().List(ctx, "a//b"); return err },
		func() error { _, err := c.Files().Read(ctx, "x\x01", 10); return err },
		func() error { _, err := c.Files().Write(ctx, "/", []byte("x"), nextcloud.WriteOptions{}); return err },
		func() error { _, err := c.Files().Move(ctx, "a", "../b", false); return err },
		func() error { _, err := c.Files().Copy(ctx, "a", "a", false); return err },
		func() error { return c.Files().Delete(ctx, "") },
		func() error { return c.Files().MakeFolder(ctx, "x/../../y") },
		func() error {
			_, err := c.Files().Search(ctx, nextcloud.FileSearch{Folder: "..", Name: "x"})
			return err
		},
		func() error { return c.Files().RestoreFromTrash(ctx, "a/b") },
	}
	for i, call := range calls {
		if err := call(); err == nil {
			t.Errorf("call %d: bad path accepted", i)
		}
	}
	if n := rec.count(); n != 0 {
		t.Fatalf("%d requests sent for bad paths", n)
	}
}

func TestWebDAVFileLifecycle(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")

	created, err := c.Files().MakeFolderAll(ctx, "Documents/Projects/2025")
	if err != nil || len(created) != 3 {
		t.Fatalf("MakeFolderAll = %v, %v; want 3 folders", created, err)
	}
	again, err := c.Files().MakeFolderAll(ctx, "Documents/Projects")
	if err != nil || len(again) != 0 {
		t.Fatalf("MakeFolderAll on an existing folder = %v, %v", again, err)
	}
	if err := c.Files().MakeFolder(ctx, "Documents"); !errors.Is(err, nextcloud.ErrExists) {
		t.Fatalf("MKCOL on an existing folder: %v, want ErrExists", err)
	}

	w, err := c.Files().Write(ctx, "Documents/Projects/plan.md", []byte("# Plan\n"), nextcloud.WriteOptions{})
	if err != nil || !w.Created || w.ETag == "" {
		t.Fatalf("first write = %+v, %v", w, err)
	}
	st, err := c.Files().Stat(ctx, "/Documents/Projects/plan.md")
	if err != nil {
		t.Fatal(err)
	}
	if st.Path != "Documents/Projects/plan.md" || st.Name != "plan.md" || st.IsDir || st.Size != 7 ||
		st.ContentType != "text/markdown" || st.FileID == 0 || st.ETag != w.ETag || st.Modified.IsZero() {
		t.Fatalf("stat = %+v (write etag %s)", st, w.ETag)
	}

	// Overwrite with the right ETag: 204, a new ETag, the same file id.
	w2, err := c.Files().Write(ctx, "Documents/Projects/plan.md", []byte("# Plan v2\n"), nextcloud.WriteOptions{IfMatch: st.ETag})
	if err != nil || w2.Created || w2.ETag == st.ETag {
		t.Fatalf("conditional overwrite = %+v, %v", w2, err)
	}
	// A stale ETag is refused and nothing changes.
	_, err = c.Files().Write(ctx, "Documents/Projects/plan.md", []byte("lost"), nextcloud.WriteOptions{IfMatch: st.ETag})
	if !errors.Is(err, nextcloud.ErrConflict) || !strings.Contains(err.Error(), "412") {
		t.Fatalf("stale If-Match: %v, want a 412 conflict", err)
	}
	_, err = c.Files().Write(ctx, "Documents/Projects/plan.md", []byte("lost"), nextcloud.WriteOptions{CreateOnly: true})
	if !errors.Is(err, nextcloud.ErrExists) {
		t.Fatalf("create-only over an existing file: %v", err)
	}
	got, err := c.Files().Read(ctx, "Documents/Projects/plan.md", 1024)
	if err != nil || string(got.Data) != "# Plan v2\n" || got.ETag != w2.ETag || !strings.HasPrefix(got.ContentType, "text/markdown") {
		t.Fatalf("read = %+v, %v", got, err)
	}
	if _, err := c.Files().Read(ctx, "Documents/Projects/plan.md", 5); err == nil {
		t.Fatal("read past the limit succeeded")
	} else if tl := (*nextcloud.TooLargeError)(nil); !errors.As(err, &tl) || tl.Size != 10 {
		t.Fatalf("read past the limit: %v", err)
	}
	st2, _ := c.Files().Stat(ctx, "Documents/Projects/plan.md")
	if st2.FileID != st.FileID {
		t.Fatalf("file id changed on overwrite: %d → %d", st.FileID, st2.FileID)
	}

	// Writing into a missing folder is a 409 conflict.
	if _, err := c.Files().Write(ctx, "Nope/x.txt", []byte("x"), nextcloud.WriteOptions{}); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("write into a missing folder: %v", err)
	}

	// Folder listing, folder size and folder ETag.
	dirBefore, _ := c.Files().Stat(ctx, "Documents")
	if _, err := c.Files().Write(ctx, "Documents/b.bin", []byte{0, 1, 2}, nextcloud.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	self, children, err := c.Files().List(ctx, "Documents")
	if err != nil {
		t.Fatal(err)
	}
	if !self.IsDir || self.Size != 13 || self.ETag == "" || self.ETag == dirBefore.ETag {
		t.Fatalf("folder = %+v (before %+v): want size 13 and a changed etag", self, dirBefore)
	}
	names := []string{}
	for _, ch := range children {
		names = append(names, ch.Path)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "Documents/Projects,Documents/b.bin" {
		t.Fatalf("children = %v", names)
	}

	// Move keeps the file id; copy gets a new one; an existing destination needs overwrite.
	if isNew, err := c.Files().Move(ctx, "Documents/Projects/plan.md", "Documents/plan.md", false); err != nil || !isNew {
		t.Fatalf("move = %v, %v", isNew, err)
	}
	moved, _ := c.Files().Stat(ctx, "Documents/plan.md")
	if moved.FileID != st.FileID {
		t.Fatalf("move changed the file id %d → %d", st.FileID, moved.FileID)
	}
	if _, err := c.Files().Copy(ctx, "Documents/plan.md", "Documents/b.bin", false); !errors.Is(err, nextcloud.ErrExists) {
		t.Fatalf("copy onto an existing file without overwrite: %v", err)
	}
	if isNew, err := c.Files().Copy(ctx, "Documents/plan.md", "Documents/b.bin", true); err != nil || isNew {
		t.Fatalf("copy with overwrite = %v, %v", isNew, err)
	}
	cp, _ := c.Files().Stat(ctx, "Documents/b.bin")
	if cp.FileID == st.FileID || cp.Size != 10 {
		t.Fatalf("copy = %+v", cp)
	}
	if _, err := c.Files().Move(ctx, "Documents/plan.md", "Missing/plan.md", false); !errors.Is(err, nextcloud.ErrConflict) || !strings.Contains(err.Error(), "destination node is not found") {
		t.Fatalf("move into a missing folder: %v", err)
	}
	if _, err := c.Files().Stat(ctx, "Documents/none.txt"); !errors.Is(err, nextcloud.ErrNotFound) || !strings.Contains(err.Error(), "could not be located") {
		t.Fatalf("stat of a missing file: %v", err)
	}
}

func TestWebDAVModifiedTimeAndSearch(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	old := time.Date(2020, 5, 1, 12, 0, 0, 0, time.UTC)
	files := map[string]time.Time{
		"Photos/beach.jpg":          old,
		"Photos/2024/mountain.PNG":  time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
		"Documents/Report.pdf":      time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC),
		"Documents/report-draft.md": time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC),
		"notes.txt":                 time.Date(2022, 3, 3, 0, 0, 0, 0, time.UTC),
	}
	for p, mt := range files {
		if i := strings.LastIndex(p, "/"); i > 0 {
			if _, err := c.Files().MakeFolderAll(ctx, p[:i]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Files().Write(ctx, p, []byte("data of "+p), nextcloud.WriteOptions{Modified: mt}); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := c.Files().Stat(ctx, "Photos/beach.jpg")
	if !st.Modified.Equal(old) || !st.HasPreview {
		t.Fatalf("X-OC-MTime or has-preview not honoured: %+v", st)
	}

	paths := func(fis []nextcloud.FileInfo) string {
		var out []string
		for _, f := range fis {
			out = append(out, f.Path)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		q    nextcloud.FileSearch
		want string
	}{
		{nextcloud.FileSearch{Name: "report"}, "Documents/report-draft.md,Documents/Report.pdf"},
		{nextcloud.FileSearch{Name: "*.pdf"}, "Documents/Report.pdf"},
		{nextcloud.FileSearch{MimeType: "image/*"}, "Photos/2024/mountain.PNG,Photos/beach.jpg"},
		{nextcloud.FileSearch{MimeType: "application/pdf"}, "Documents/Report.pdf"},
		{nextcloud.FileSearch{ModifiedAfter: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), FilesOnly: true}, "Documents/report-draft.md,Photos/2024/mountain.PNG"},
		{nextcloud.FileSearch{ModifiedBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}, "Photos/beach.jpg"},
		{nextcloud.FileSearch{Folder: "Photos", ModifiedAfter: old.Add(-time.Hour), FilesOnly: true}, "Photos/2024/mountain.PNG,Photos/beach.jpg"},
		{nextcloud.FileSearch{Name: "o", FilesOnly: true, Limit: 2}, "Documents/report-draft.md,Photos/2024/mountain.PNG"},
		{nextcloud.FileSearch{Name: "Photos"}, "Photos"},
	}
	for _, tc := range cases {
		got, err := c.Files().Search(ctx, tc.q)
		if err != nil {
			t.Fatalf("search %+v: %v", tc.q, err)
		}
		if paths(got) != tc.want {
			t.Errorf("search %+v = %s; want %s", tc.q, paths(got), tc.want)
		}
	}
	if _, err := c.Files().Search(ctx, nextcloud.FileSearch{}); err == nil {
		t.Error("search without criteria accepted")
	}
	if _, err := c.Files().Search(ctx, nextcloud.FileSearch{Folder: "nope", Name: "x"}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("search in a missing folder: %v", err)
	}
}

func TestWebDAVFavorites(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	for _, p := range []string{"A/one.txt", "A/B/two.txt", "three.txt"} {
		if i := strings.LastIndex(p, "/"); i > 0 {
			_, _ = c.Files().MakeFolderAll(ctx, p[:i])
		}
		if _, err := c.Files().Write(ctx, p, []byte("x"), nextcloud.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"A/B/two.txt", "three.txt", "A/B"} {
		if err := c.Files().SetFavorite(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Files().SetFavorite(ctx, "three.txt", false); err != nil {
		t.Fatal(err)
	}
	favs, err := c.Files().Favorites(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range favs {
		if !f.Favorite || f.FileID == 0 {
			t.Fatalf("favorite entry %+v lacks its props", f)
		}
		got = append(got, f.Path)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "A/B,A/B/two.txt" {
		t.Fatalf("favorites = %v", got)
	}
	inA, _ := c.Files().Favorites(ctx, "A/B")
	if len(inA) != 1 || inA[0].Path != "A/B/two.txt" {
		t.Fatalf("favorites below A/B = %+v", inA)
	}
	st, _ := c.Files().Stat(ctx, "A/one.txt")
	if st.Favorite {
		t.Fatal("non-favorite reported as favorite")
	}
	// Computed properties cannot be overwritten.
	if err := propPatchFileID(ctx, c); err == nil {
		t.Fatal("PROPPATCH of oc:fileid accepted")
	}
}

// propPatchFileID tries to overwrite a computed property; the answer's
// propstat must refuse it with 403.
func propPatchFileID(ctx context.Context, c *nextcloud.Client) error {
	body := `<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop><oc:fileid>1</oc:fileid></d:prop></d:set></d:propertyupdate>`
	req, _ := c.NewRequest(ctx, "PROPPATCH", "/remote.php/dav/files/admin/three.txt", body)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), "403") {
		return errors.New("refused")
	}
	return nil
}

func TestWebDAVTrash(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	_, _ = c.Files().MakeFolderAll(ctx, "Docs/Sub")
	if _, err := c.Files().Write(ctx, "Docs/Sub/a.txt", []byte("hello"), nextcloud.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	orig, _ := c.Files().Stat(ctx, "Docs/Sub/a.txt")
	if err := c.Files().Delete(ctx, "Docs/Sub/a.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Files().Stat(ctx, "Docs/Sub/a.txt"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("deleted file still there: %v", err)
	}
	items, err := c.Files().Trash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("trash = %+v", items)
	}
	it := items[0]
	if it.Name != "a.txt" || it.OriginalLocation != "Docs/Sub/a.txt" || it.IsDir || it.Size != 5 || it.DeletedAt.IsZero() ||
		!strings.HasPrefix(it.TrashName, "a.txt.d") || it.FileID != orig.FileID || it.ContentType != "text/plain" {
		t.Fatalf("trash item = %+v", it)
	}
	if err := c.Files().RestoreFromTrash(ctx, it.TrashName); err != nil {
		t.Fatal(err)
	}
	back, err := c.Files().Stat(ctx, "Docs/Sub/a.txt")
	if err != nil || back.FileID != orig.FileID {
		t.Fatalf("restored file = %+v, %v", back, err)
	}
	if err := c.Files().RestoreFromTrash(ctx, it.TrashName); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("restoring twice: %v", err)
	}

	// A folder goes to the trash whole; restoring into a vanished parent
	// lands at the root.
	if err := c.Files().Delete(ctx, "Docs/Sub"); err != nil {
		t.Fatal(err)
	}
	if err := c.Files().Delete(ctx, "Docs"); err != nil {
		t.Fatal(err)
	}
	items, _ = c.Files().Trash(ctx)
	var sub nextcloud.TrashItem
	for _, i := range items {
		if i.Name == "Sub" {
			sub = i
		}
	}
	if !sub.IsDir || sub.OriginalLocation != "Docs/Sub" {
		t.Fatalf("trashed folder = %+v in %+v", sub, items)
	}
	if err := c.Files().RestoreFromTrash(ctx, sub.TrashName); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Files().Stat(ctx, "Sub/a.txt"); err != nil {
		t.Fatalf("folder not restored at the root: %v", err)
	}

	nc.SetDisabled("files_trashbin", true)
	if _, err := c.Files().Trash(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), "files_trashbin") {
		t.Fatalf("trash list without the app: %v", err)
	}
}

func TestWebDAVUserIsolation(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "a-pass"), nctest.WithUser("bob", "b-pass"))
	alice := nc.Client(t, "alice")
	bob := nc.Client(t, "bob")
	if _, err := alice.Files().Write(ctx, "secret.txt", []byte("alice only"), nextcloud.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Files().Stat(ctx, "secret.txt"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("bob sees alice's file: %v", err)
	}
	// Raw requests into another user's tree are refused.
	for _, m := range []string{"PROPFIND", "GET", "DELETE"} {
		req, _ := bob.NewRequest(ctx, m, "/remote.php/dav/files/alice/secret.txt", nil)
		if _, err := bob.Do(req); !errors.Is(err, nextcloud.ErrNotFound) {
			t.Fatalf("%s on alice's tree as bob: %v", m, err)
		}
	}
	// A MOVE whose destination is in another user's tree does not leave bob's.
	if _, err := bob.Files().Write(ctx, "mine.txt", []byte("b"), nextcloud.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	req, _ := bob.NewRequest(ctx, "MOVE", "/remote.php/dav/files/bob/mine.txt", nil)
	req.Header.Set("Destination", nc.URL+"/remote.php/dav/files/alice/stolen.txt")
	if _, err := bob.Do(req); err == nil {
		t.Fatal("MOVE into another user's tree succeeded")
	}
	if _, err := alice.Files().Stat(ctx, "stolen.txt"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("bob's file arrived in alice's tree: %v", err)
	}
	req, _ = bob.NewRequest(ctx, "MOVE", "/remote.php/dav/files/bob/mine.txt", nil)
	req.Header.Set("Destination", nc.URL+"/remote.php/dav/files/bob/../alice/stolen.txt")
	if resp, err := bob.Do(req); err == nil {
		resp.Body.Close()
		if _, err := alice.Files().Stat(ctx, "stolen.txt"); err == nil {
			t.Fatal("dot-dot destination reached alice's tree")
		}
	}
}
