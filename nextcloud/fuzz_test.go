package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The fuzz targets below run their seeds as ordinary tests; run them longer
// with go test ./nextcloud -run '^$' -fuzz FuzzNotesJSON -fuzztime 20s.

type fuzzRoundTrip func(*http.Request) (*http.Response, error)

func (f fuzzRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fuzzClient answers every request with status, header and body, without
// a network; it does not retry.
func fuzzClient(t *testing.T, status int, header http.Header, body []byte) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: "https://cloud.example.com", MaxRetries: -1,
		Transport: fuzzRoundTrip(func(r *http.Request) (*http.Response, error) {
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			return &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	return c.WithUser("alice", BasicAuth{Username: "alice", Password: "pw"})
}

// fuzzStatuses are the answers the Notes app gives; the fuzzer picks one.
var fuzzStatuses = []struct {
	code int
	ct   string
}{
	{200, "application/json; charset=utf-8"},
	{404, "application/json"},
	{404, "text/html"},
	{400, "application/json"},
	{403, "application/json"},
	{500, "text/plain"},
	{507, "application/json"},
}

// FuzzNotesJSON feeds arbitrary bodies to the Notes client as the app's
// answer: nothing panics, a success is only built from valid JSON of the
// right shape, every listed entry is either a note or a pruned id, and
// error statuses always give errors.
func FuzzNotesJSON(f *testing.F) {
	seeds := []string{
		`{"id":7,"etag":"abc","readonly":false,"modified":1700000000,"title":"T","category":"c","content":"# T","favorite":true}`,
		`[{"id":1,"title":"a","content":"x","etag":"e1","modified":1},{"id":2},{"id":3,"title":"c"}]`,
		`[]`, `{}`, `null`, `[null]`, `[1,2]`, `[{"id":"7"}]`, `{"id":1e30}`, `{"id":-1,"modified":-99999999999999}`,
		`{"errorType":"OCA\\Notes\\Service\\NoteDoesNotExistException"}`,
		`{"message":"Note not found"}`,
		`{"notesPath":"Notes","fileSuffix":".md","noteMode":"edit"}`,
		`<!DOCTYPE html><html><body>Page not found</body></html>`,
		` [ {"id": 1, "title": "\u0000\ud800"} ] `,
		`[{"id":1,"id":2}]`,
		`{"title":"x"}garbage`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i%len(fuzzStatuses)), `"etag-`+s[:1]+`"`, "")
		f.Add([]byte(s), uint8(0), "", "cursor")
	}
	f.Fuzz(func(t *testing.T, body []byte, st uint8, etag, cursor string) {
		s := fuzzStatuses[int(st)%len(fuzzStatuses)]
		h := http.Header{"Content-Type": {s.ct}}
		if etag != "" {
			h.Set("ETag", etag)
		}
		if cursor != "" {
			h.Set("X-Notes-Chunk-Cursor", cursor)
		}
		c := fuzzClient(t, s.code, h, body)
		ctx := context.Background()
		failing := s.code >= 300

		n, err := c.Notes().Get(ctx, 7)
		switch {
		case err == nil && failing:
			t.Fatalf("GetNote succeeded on HTTP %d", s.code)
		case err == nil && (n == nil || !json.Valid(body)):
			t.Fatalf("GetNote built a note from invalid JSON %q", body)
		case err == nil && n.ETag == "" && UnquoteETag(etag) != "":
			t.Fatalf("GetNote dropped the ETag header %q", etag)
		case err != nil && failing:
			var ne *Error
			if !errors.As(err, &ne) && !errors.Is(err, ErrAppNotEnabled) {
				t.Fatalf("HTTP %d gave neither an *Error nor ErrAppNotEnabled: %v", s.code, err)
			}
		}

		page, err := c.Notes().List(ctx, NotesListOptions{})
		if err == nil {
			if failing {
				t.Fatalf("ListNotes succeeded on HTTP %d", s.code)
			}
			var raw []json.RawMessage
			if json.Unmarshal(body, &raw) != nil {
				t.Fatalf("ListNotes accepted a body that is not a JSON array: %q", body)
			}
			if page.Notes == nil || len(page.Notes)+len(page.PrunedIDs) != len(raw) {
				t.Fatalf("ListNotes: %d notes + %d pruned ids from %d entries", len(page.Notes), len(page.PrunedIDs), len(raw))
			}
			if page.Cursor != cursor {
				t.Fatalf("cursor %q, header said %q", page.Cursor, cursor)
			}
		}

		// AllNotes follows cursors: with the same answer each time it
		// must stop (same cursor twice), never loop.
		if all, err := c.Notes().All(ctx, NotesListOptions{}); err == nil && cursor != "" {
			t.Fatalf("AllNotes accepted a repeated chunk cursor (%d notes)", len(all))
		}

		if set, err := c.Notes().Settings(ctx); err == nil && (set == nil || failing || !json.Valid(bytes.TrimSpace(body))) {
			t.Fatalf("GetNotesSettings succeeded on HTTP %d with %q", s.code, body)
		}
	})
}

const fuzzListing = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response><d:href>/remote.php/dav/files/alice/Documents/</d:href>
  <d:propstat><d:prop><d:getlastmodified>Mon, 10 Mar 2025 09:00:00 GMT</d:getlastmodified><d:resourcetype><d:collection/></d:resourcetype>
   <d:getetag>&quot;65a1&quot;</d:getetag><oc:fileid>12</oc:fileid><oc:permissions>RGDNVCK</oc:permissions><oc:size>163</oc:size><oc:favorite>0</oc:favorite></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getcontentlength/><d:getcontenttype/><nc:has-preview/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/remote.php/dav/files/alice/Documents/a.txt</d:href>
  <d:propstat><d:prop><d:getlastmodified>Mon, 10 Mar 2025 09:00:00 GMT</d:getlastmodified><d:getcontentlength>163</d:getcontentlength>
   <d:resourcetype/><d:getetag>&quot;65a2&quot;</d:getetag><d:getcontenttype>text/plain</d:getcontenttype><oc:fileid>13</oc:fileid>
   <oc:favorite>1</oc:favorite><nc:has-preview>true</nc:has-preview></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/remote.php/dav/files/alice/Documents/Sub%20Folder/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>`

const fuzzTrash = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response><d:href>/remote.php/dav/trashbin/alice/trash/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/trashbin/alice/trash/a.txt.d1700000000</d:href><d:propstat><d:prop>
  <nc:trashbin-filename>a.txt</nc:trashbin-filename><nc:trashbin-original-location>Documents/a.txt</nc:trashbin-original-location>
  <nc:trashbin-deletion-time>1700000000</nc:trashbin-deletion-time><d:getcontentlength>5</d:getcontentlength><oc:fileid>99</oc:fileid>
 </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>`

// FuzzWebDAVMultistatus feeds arbitrary bodies to the client as 207
// Multi-Status answers of PROPFIND (list, stat, trash), REPORT (favorites)
// and SEARCH: nothing panics, no entry is made up (at most one per
// response element), a listing or stat describes what was asked for, and
// entries are consistent (name is the last path segment, folders carry no
// content type).
func FuzzWebDAVMultistatus(f *testing.F) {
	seeds := []string{
		fuzzListing, fuzzTrash,
		strings.ReplaceAll(fuzzListing, "/remote.php/dav/files/alice/", "https://cloud.example.com/remote.php/dav/files/alice/"),
		strings.ReplaceAll(fuzzListing, "HTTP/1.1 200 OK", "HTTP/1.1 500"),
		strings.ReplaceAll(fuzzListing, "Documents/a.txt", "Documents/../../bob/a.txt"),
		strings.ReplaceAll(fuzzListing, "<oc:size>163</oc:size>", "<oc:size>-99999999999999999999</oc:size>"),
		`<d:multistatus xmlns:d="DAV:"><d:response><d:href>%zz</d:href></d:response></d:multistatus>`,
		`<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/files/alice</d:href><d:status>HTTP/1.1 200 OK</d:status></d:response></d:multistatus>`,
		`<multistatus><response><href>/remote.php/dav/files/alice/Documents/</href></response></multistatus>`,
		`<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]><d:multistatus xmlns:d="DAV:">&a;&a;</d:multistatus>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><d:multistatus xmlns:d="DAV:"/>`,
		"\xef\xbb\xbf<d:multistatus xmlns:d=\"DAV:\"/>",
		`<d:multistatus xmlns:d="DAV:"><d:response>`,
		``, `not xml`, `{"json":true}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, multi bool) {
		status := http.StatusMultiStatus
		if !multi {
			status = http.StatusOK
		}
		c := fuzzClient(t, status, http.Header{"Content-Type": {"application/xml; charset=utf-8"}}, body)
		ctx := context.Background()
		// No entry without a response element: "response" appears in
		// each one's tag (any namespace prefix) at least once.
		maxEntries := bytes.Count(body, []byte("response"))
		checkInfos := func(what string, infos []FileInfo) {
			t.Helper()
			if len(infos) > maxEntries {
				t.Fatalf("%s: %d entries from a body with %d response tags", what, len(infos), maxEntries)
			}
			for _, fi := range infos {
				if fi.Name != fi.Path[strings.LastIndex(fi.Path, "/")+1:] {
					t.Fatalf("%s: name %q is not the last segment of %q", what, fi.Name, fi.Path)
				}
				if fi.IsDir && fi.ContentType != "" {
					t.Fatalf("%s: folder %q has content type %q", what, fi.Path, fi.ContentType)
				}
			}
		}

		self, children, err := c.Files().List(ctx, "Documents")
		if err == nil {
			if !multi {
				t.Fatalf("ListFolder accepted HTTP 200 instead of 207")
			}
			if self == nil || self.Path != "Documents" {
				t.Fatalf("ListFolder described %+v instead of Documents", self)
			}
			for _, ch := range children {
				if ch.Path == "Documents" {
					t.Fatalf("the folder itself is listed among its children")
				}
			}
			checkInfos("list", append([]FileInfo{*self}, children...))
		}
		if fi, err := c.Files().Stat(ctx, "Documents/a.txt"); err == nil {
			if fi.Path != "Documents/a.txt" {
				t.Fatalf("Stat described %q", fi.Path)
			}
			checkInfos("stat", []FileInfo{*fi})
		}
		if favs, err := c.Files().Favorites(ctx, ""); err == nil {
			checkInfos("favorites", favs)
		}
		if found, err := c.Files().Search(ctx, FileSearch{Name: "a"}); err == nil {
			checkInfos("search", found)
		}
		if items, err := c.Files().Trash(ctx); err == nil {
			if len(items) > maxEntries {
				t.Fatalf("trash: %d items from %d response tags", len(items), maxEntries)
			}
			for _, it := range items {
				if it.TrashName == "" || it.Name == "" {
					t.Fatalf("trash item without a name: %+v", it)
				}
				if it.IsDir && it.ContentType != "" {
					t.Fatalf("trash folder with content type: %+v", it)
				}
			}
		}
	})
}
