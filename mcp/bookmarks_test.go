package mcp

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type bookmarksFixture struct {
	nc                 *nctest.Server
	c                  *client.Client // connected in-process as admin
	work, sub, home    int64
	goDoc, ncDoc, cake int64
	plain, bobMark     int64
	bobFolder          int64
}

func bookmarksSeed(t *testing.T) bookmarksFixture {
	t.Helper()
	nc := commsNC(t)
	f := bookmarksFixture{nc: nc, c: connect(t, newTestServer(t, nc), "inprocess")}
	f.work = nc.AddBookmarkFolder("admin", "Work", -1)
	f.sub = nc.AddBookmarkFolder("admin", "Docs", f.work)
	f.home = nc.AddBookmarkFolder("admin", "Home", -1)
	f.goDoc = nc.AddBookmark("admin", "https://go.dev/doc/", "Go documentation", "language reference", []string{"go", "dev"}, f.sub)
	f.ncDoc = nc.AddBookmark("admin", "https://docs.nextcloud.com/", "Nextcloud manual", "admin docs", []string{"dev", "nextcloud"}, f.work)
	f.cake = nc.AddBookmark("admin", "https://recipes.example/cake", "Chocolate cake", "", []string{"food"}, f.home, f.work)
	f.plain = nc.AddBookmark("admin", "https://example.com/", "Example", "", nil)
	f.bobFolder = nc.AddBookmarkFolder("bob", "Bob's", -1)
	f.bobMark = nc.AddBookmark("bob", "https://bob.example/", "Bob's page", "", []string{"dev"}, f.bobFolder)
	return f
}

func TestBookmarksToolsetListing(t *testing.T) {
	kinds := map[string]Kind{
		"nc_bookmarks_list": Read, "nc_bookmarks_list_folders": Read, "nc_bookmarks_list_tags": Read,
		"nc_bookmarks_create": Create, "nc_bookmarks_update": Write, "nc_bookmarks_delete": Destroy,
		"nc_bookmarks_create_folder": Create, "nc_bookmarks_delete_folder": Destroy,
		"nc_bookmarks_rename_tag": Write, "nc_bookmarks_delete_tag": Destroy,
	}
	commsCheckToolset(t, commsNC(t), "bookmarks", kinds, toolScopes("bookmarks", kinds))
}

func bookmarkIDs(bs []bookmarkOut) []int64 {
	var ids []int64
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

func TestBookmarksListAndSearch(t *testing.T) {
	f := bookmarksSeed(t)
	list := func(args map[string]any) bookmarksListOut {
		t.Helper()
		out := call[bookmarksListOut](t, f.c, "nc_bookmarks_list", args)
		return out
	}
	all := list(map[string]any{})
	if got := bookmarkIDs(all.Bookmarks); !slices.Equal(got, []int64{f.plain, f.cake, f.ncDoc, f.goDoc}) {
		t.Fatalf("all, newest first: %v", got)
	}
	if all.NextPage != 0 {
		t.Fatalf("a short page has a next page: %+v", all)
	}
	g := all.Bookmarks[3]
	if g.URL != "https://go.dev/doc/" || g.Title != "Go documentation" || !slices.Equal(g.Tags, []string{"go", "dev"}) || !slices.Equal(g.FolderIDs, []int64{f.sub}) {
		t.Fatalf("go bookmark %+v", g)
	}
	if root := all.Bookmarks[0]; !slices.Equal(root.FolderIDs, []int64{-1}) {
		t.Fatalf("root bookmark folders %+v", root)
	}
	cases := []struct {
		name string
		args map[string]any
		want []int64
	}{
		{"any tag", map[string]any{"tags": []string{"go", "food"}}, []int64{f.cake, f.goDoc}},
		{"all tags", map[string]any{"tags": []string{"dev", "nextcloud"}, "all_tags": true}, []int64{f.ncDoc}},
		{"words in description", map[string]any{"query": "ADMIN docs"}, []int64{f.ncDoc}},
		{"words everywhere", map[string]any{"query": "go reference"}, []int64{f.goDoc}},
		{"folder", map[string]any{"folder_id": f.work}, []int64{f.cake, f.ncDoc}},
		{"root folder", map[string]any{"folder_id": -1}, []int64{f.plain}},
		{"untagged", map[string]any{"untagged": true}, []int64{f.plain}},
		{"by title", map[string]any{"sort_by": "title"}, []int64{f.cake, f.plain, f.goDoc, f.ncDoc}},
	}
	for _, tc := range cases {
		if got := bookmarkIDs(list(tc.args).Bookmarks); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	p0 := list(map[string]any{"limit": 3})
	p1 := list(map[string]any{"limit": 3, "page": p0.NextPage})
	if len(p0.Bookmarks) != 3 || p0.NextPage != 1 || !slices.Equal(bookmarkIDs(p1.Bookmarks), []int64{f.goDoc}) || p1.NextPage != 0 {
		t.Fatalf("paging: %+v then %+v", p0, p1)
	}

	res := callTool(t, f.c, "nc_bookmarks_list_folders", map[string]any{})
	folders := fresh(t, res, bookmarkFoldersOut{})
	want := []bookmarkFolderOut{{f.work, "Work", -1, "Work"}, {f.sub, "Docs", f.work, "Work/Docs"}, {f.home, "Home", -1, "Home"}}
	if !reflect.DeepEqual(folders.Folders, want) {
		t.Fatalf("folders %+v", folders.Folders)
	}
	if !strings.Contains(resultText(res), "Work/Docs") {
		t.Fatalf("summary %s", resultText(res))
	}
	tags := call[bookmarkTagsOut](t, f.c, "nc_bookmarks_list_tags", map[string]any{})
	if !slices.Equal(tags.Tags, []string{"dev", "food", "go", "nextcloud"}) {
		t.Fatalf("tags %v", tags.Tags)
	}
}

func TestBookmarksWrites(t *testing.T) {
	f := bookmarksSeed(t)

	before := f.nc.Bookmarks()
	created := call[bookmarkResult](t, f.c, "nc_bookmarks_create", map[string]any{"url": "https://pkg.go.dev/", "title": "Packages",
		"description": "Go packages", "tags": []string{"go"}, "folder_ids": []int64{f.sub}})
	b := created.Bookmark
	if b.ID == 0 || b.URL != "https://pkg.go.dev/" || b.Title != "Packages" || !slices.Equal(b.FolderIDs, []int64{f.sub}) {
		t.Fatalf("created %+v", b)
	}
	after := f.nc.Bookmarks()
	othersUnchanged(t, before, after, b.ID)
	if s := after[b.ID]; s.User != "admin" || s.Description != "Go packages" || !slices.Equal(s.Tags, []string{"go"}) {
		t.Fatalf("stored %+v", s)
	}

	before = after
	updated := call[bookmarkResult](t, f.c, "nc_bookmarks_update", map[string]any{"bookmark_id": f.cake, "title": "Best cake",
		"tags": []string{}, "folder_ids": []int64{f.home}})
	if u := updated.Bookmark; u.Title != "Best cake" || len(u.Tags) != 0 || !slices.Equal(u.FolderIDs, []int64{f.home}) || u.URL != "https://recipes.example/cake" {
		t.Fatalf("updated %+v", u)
	}
	after = f.nc.Bookmarks()
	othersUnchanged(t, before, after, f.cake)

	before = after
	del := call[bookmarkDeletedOut](t, f.c, "nc_bookmarks_delete", map[string]any{"bookmark_id": f.plain})
	if del.Deleted.ID != f.plain || del.Deleted.URL != "https://example.com/" {
		t.Fatalf("deleted %+v", del)
	}
	after = f.nc.Bookmarks()
	if _, ok := after[f.plain]; ok {
		t.Fatal("bookmark still there")
	}
	othersUnchanged(t, before, after, f.plain)

	// Tags: rename merges, delete strips; bob's "dev" stays.
	before = after
	decodeStructured(t, callTool(t, f.c, "nc_bookmarks_rename_tag", map[string]any{"tag": "dev", "new_name": "go"}), &bookmarkTagChangeOut{})
	after = f.nc.Bookmarks()
	if !slices.Equal(after[f.goDoc].Tags, []string{"go"}) || !slices.Equal(after[f.ncDoc].Tags, []string{"nextcloud", "go"}) {
		t.Fatalf("after rename %+v / %+v", after[f.goDoc], after[f.ncDoc])
	}
	othersUnchanged(t, before, after, f.goDoc, f.ncDoc)
	before = after
	decodeStructured(t, callTool(t, f.c, "nc_bookmarks_delete_tag", map[string]any{"tag": "nextcloud"}), &bookmarkTagChangeOut{})
	after = f.nc.Bookmarks()
	if !slices.Equal(after[f.ncDoc].Tags, []string{"go"}) {
		t.Fatalf("after delete tag %+v", after[f.ncDoc])
	}
	othersUnchanged(t, before, after, f.ncDoc)
	if !slices.Equal(after[f.bobMark].Tags, []string{"dev"}) {
		t.Fatal("bob's tags changed")
	}

	// Folders: create inside Work, then delete Work with what is only in it.
	foldersBefore := f.nc.BookmarkFolders()
	nf := call[bookmarkFolderResult](t, f.c, "nc_bookmarks_create_folder", map[string]any{"title": "Reading", "parent_id": f.work})
	if nf.Folder.ID == 0 || nf.Folder.ParentID != f.work || nf.Folder.Path != "Work/Reading" {
		t.Fatalf("new folder %+v", nf)
	}
	foldersAfter := f.nc.BookmarkFolders()
	othersUnchanged(t, foldersBefore, foldersAfter, nf.Folder.ID)

	before = f.nc.Bookmarks()
	df := call[bookmarkFolderDeletedOut](t, f.c, "nc_bookmarks_delete_folder", map[string]any{"folder_id": f.work})
	if df.Deleted.Path != "Work" {
		t.Fatalf("deleted folder %+v", df)
	}
	left := slices.Sorted(maps.Keys(f.nc.BookmarkFolders()))
	if !slices.Equal(left, []int64{f.home, f.bobFolder}) {
		t.Fatalf("folders left %v", left)
	}
	after = f.nc.Bookmarks()
	othersUnchanged(t, before, after, f.goDoc, f.ncDoc, b.ID)
	if _, ok := after[f.ncDoc]; ok {
		t.Fatal("bookmark only in the deleted folder survived")
	}
}

func TestBookmarksBadInput(t *testing.T) {
	f := bookmarksSeed(t)
	before, foldersBefore := f.nc.Bookmarks(), f.nc.BookmarkFolders()
	cases := []struct {
		tool  string
		args  map[string]any
		wants []string
	}{
		{"nc_bookmarks_list", map[string]any{"limit": 500}, []string{"limit"}},
		{"nc_bookmarks_list", map[string]any{"page": -1}, []string{"page"}},
		{"nc_bookmarks_list", map[string]any{"sort_by": "clicks"}, []string{"sort_by"}},
		{"nc_bookmarks_list", map[string]any{"tags": "go"}, []string{"tags"}},
		{"nc_bookmarks_list", map[string]any{"tags": []string{"go"}, "untagged": true}, []string{"not both"}},
		{"nc_bookmarks_list", map[string]any{"folder_id": f.bobFolder}, []string{"Insufficient permissions", "nc_bookmarks_list_folders"}},
		{"nc_bookmarks_create", map[string]any{}, []string{"url"}},
		{"nc_bookmarks_create", map[string]any{"url": "example.com"}, []string{"url must be an absolute URL"}},
		{"nc_bookmarks_create", map[string]any{"url": "https://go.dev/doc/"}, []string{"already bookmarked as #", "nc_bookmarks_update"}},
		{"nc_bookmarks_create", map[string]any{"url": "https://x.example/", "folder_ids": []int64{0}}, []string{"folder_ids"}},
		{"nc_bookmarks_create", map[string]any{"url": "https://x.example/", "folder_ids": []int64{f.bobFolder}}, []string{"Insufficient permissions"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": f.cake}, []string{"say what to change"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": 0, "title": "x"}, []string{"bookmark_id"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": f.cake, "folder_ids": []int64{}}, []string{"folder_ids may not be empty"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": f.cake, "url": "nope"}, []string{"url must be an absolute URL"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": f.bobMark, "title": "mine"}, []string{"bookmark " + itoa64(f.bobMark) + " not found", "nc_bookmarks_list"}},
		{"nc_bookmarks_delete", map[string]any{"bookmark_id": 99999}, []string{"bookmark 99999 not found"}},
		{"nc_bookmarks_delete", map[string]any{"bookmark_id": "one"}, []string{"bookmark_id"}},
		{"nc_bookmarks_create_folder", map[string]any{"title": " "}, []string{"title must not be empty"}},
		{"nc_bookmarks_create_folder", map[string]any{"title": "x", "parent_id": f.bobFolder}, []string{"parent_id", "no bookmark folder"}},
		{"nc_bookmarks_delete_folder", map[string]any{"folder_id": -1}, []string{"folder_id", "root"}},
		{"nc_bookmarks_delete_folder", map[string]any{"folder_id": f.bobFolder}, []string{"no bookmark folder " + itoa64(f.bobFolder)}},
		{"nc_bookmarks_rename_tag", map[string]any{"tag": "nope", "new_name": "x"}, []string{`no bookmark carries the tag "nope"`}},
		{"nc_bookmarks_rename_tag", map[string]any{"tag": "go", "new_name": "go"}, []string{"same"}},
		{"nc_bookmarks_rename_tag", map[string]any{"tag": "go"}, []string{"new_name"}},
		{"nc_bookmarks_delete_tag", map[string]any{"tag": "../x"}, []string{"tag"}},
		{"nc_bookmarks_delete_tag", map[string]any{"tag": ""}, []string{"tag must not be empty"}},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) { wantError(t, callTool(t, f.c, tc.tool, tc.args), tc.wants...) })
	}
	othersUnchanged(t, before, f.nc.Bookmarks())
	othersUnchanged(t, foldersBefore, f.nc.BookmarkFolders())
}

func TestBookmarksAppMissing(t *testing.T) {
	f := bookmarksSeed(t)
	calls := []toolCall{
		{"nc_bookmarks_list", map[string]any{}},
		{"nc_bookmarks_create", map[string]any{"url": "https://a.example/"}},
		{"nc_bookmarks_update", map[string]any{"bookmark_id": f.cake, "title": "x"}},
		{"nc_bookmarks_delete", map[string]any{"bookmark_id": f.cake}},
		{"nc_bookmarks_list_folders", map[string]any{}},
		{"nc_bookmarks_create_folder", map[string]any{"title": "x"}},
		{"nc_bookmarks_delete_folder", map[string]any{"folder_id": f.work}},
		{"nc_bookmarks_list_tags", map[string]any{}},
		{"nc_bookmarks_rename_tag", map[string]any{"tag": "go", "new_name": "x"}},
		{"nc_bookmarks_delete_tag", map[string]any{"tag": "go"}},
	}
	appMissingChecks(t, f.nc, "bookmarks", "Bookmarks", "/index.php/apps/bookmarks/", calls,
		func() any { return []any{f.nc.Bookmarks(), f.nc.BookmarkFolders()} })
}
