package mcp

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Bookmarks: bookmarks (list, search, create, update, delete), their
// folders and tags.

// BookmarksToolset offers the Bookmarks app.
func BookmarksToolset(env *Env) Toolset {
	return Toolset{
		Name:        "bookmarks",
		Description: "Nextcloud Bookmarks: bookmarks, folders and tags",
		App:         nextcloud.BookmarksApp,
		Tools: []Tool{
			bookmarksList(env),
			bookmarksCreate(env),
			bookmarksUpdate(env),
			bookmarksDelete(env),
			bookmarksListFolders(env),
			bookmarksCreateFolder(env),
			bookmarksDeleteFolder(env),
			bookmarksListTags(env),
			bookmarksRenameTag(env),
			bookmarksDeleteTag(env),
		},
	}
}

type bookmarkOut struct {
	ID          int64    `json:"id" jsonschema:"bookmark id for nc_bookmarks_update and nc_bookmarks_delete"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags"`
	FolderIDs   []int64  `json:"folder_ids" jsonschema:"the folders it is in; -1 is the root"`
	Added       string   `json:"added,omitempty"`
	Modified    string   `json:"modified,omitempty"`
}

func toBookmark(b *nextcloud.Bookmark) bookmarkOut {
	out := bookmarkOut{ID: int64(b.ID), URL: b.URL, Title: b.Title, Description: b.Description,
		Tags: append([]string{}, b.Tags...), FolderIDs: []int64{}, Added: fmtEpoch(b.Added), Modified: fmtEpoch(b.LastModified)}
	for _, f := range b.Folders {
		out.FolderIDs = append(out.FolderIDs, int64(f))
	}
	return out
}

func bookmarkLine(b bookmarkOut) string {
	s := fmt.Sprintf("- #%d %s <%s>", b.ID, b.Title, b.URL)
	if len(b.Tags) > 0 {
		s += " [" + strings.Join(b.Tags, ", ") + "]"
	}
	return s
}

// bookmarksNotFound explains a 404 from Bookmarks.
func bookmarksNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found (list bookmarks with nc_bookmarks_list)")
}

func checkBookmarkURL(arg, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%s must be an absolute URL such as https://example.com/page, not %q", arg, s)
	}
	return nil
}

func checkFolderIDs(ids []int64) error {
	for _, id := range ids {
		if id == 0 || id < -1 {
			return fmt.Errorf("folder_ids: %d is no folder id; use -1 for the root or an id from nc_bookmarks_list_folders", id)
		}
	}
	return nil
}

type bookmarksListIn struct {
	Query    string   `json:"query,omitempty" jsonschema:"words that must all appear in the URL, title or description"`
	Tags     []string `json:"tags,omitempty" jsonschema:"only bookmarks with these tags"`
	AllTags  bool     `json:"all_tags,omitempty" jsonschema:"require every tag in tags (default: any one suffices)"`
	FolderID int64    `json:"folder_id,omitempty" jsonschema:"only bookmarks directly in this folder (-1: the root; see nc_bookmarks_list_folders)"`
	Untagged bool     `json:"untagged,omitempty" jsonschema:"only bookmarks without tags"`
	SortBy   string   `json:"sort_by,omitempty" jsonschema:"modified (default, newest first), title or url"`
	Page     int      `json:"page,omitempty" jsonschema:"page number, from 0"`
	Limit    int      `json:"limit,omitempty" jsonschema:"bookmarks per page, 1-100 (default 20)"`
}

func (in *bookmarksListIn) Validate() error {
	if err := firstErr(choiceArg("sort_by", in.SortBy, "", "modified", "title", "url"),
		limitArg("limit", in.Limit, 100), offsetArg("page", in.Page)); err != nil {
		return err
	}
	if in.FolderID < -1 {
		return fmt.Errorf("folder_id %d is no folder id; use -1 for the root or an id from nc_bookmarks_list_folders", in.FolderID)
	}
	if in.Untagged && len(in.Tags) > 0 {
		return fmt.Errorf("give tags or untagged, not both")
	}
	return nil
}

type bookmarksListOut struct {
	Bookmarks []bookmarkOut `json:"bookmarks"`
	Page      int           `json:"page"`
	NextPage  int           `json:"next_page,omitempty" jsonschema:"pass as page for more; absent on the last page"`
}

func (o bookmarksListOut) Summary() string {
	return listSummary(o.Bookmarks, "No (more) bookmarks.", fmt.Sprintf("%d bookmarks (page %d):", len(o.Bookmarks), o.Page), bookmarkLine) +
		moreHint(o.NextPage, "More: page=%d")
}

func bookmarksList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_list", Title: "List or search bookmarks",
		Description: "List the user's bookmarks, newest first, or search them: by words in URL, title or description (query), by tags (any or all), by folder, or only untagged ones; a page at a time.",
		Scope:       "bookmarks:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarksListIn) (bookmarksListOut, error) {
		limit := orDefault(in.Limit, 20)
		q := nextcloud.BookmarkQuery{Tags: in.Tags, AllTags: in.AllTags, Search: strings.Fields(in.Query),
			Untagged: in.Untagged, Page: in.Page, Limit: limit}
		if in.SortBy != "" && in.SortBy != "modified" {
			q.SortBy = in.SortBy
		}
		if in.FolderID != 0 {
			q.Folder = &in.FolderID
		}
		list, err := nc.Bookmarks().List(ctx, q)
		if err != nil {
			if in.FolderID != 0 {
				err = fmt.Errorf("%w (is folder %d one of yours? see nc_bookmarks_list_folders)", err, in.FolderID)
			}
			return bookmarksListOut{}, err
		}
		out := bookmarksListOut{Bookmarks: mapAll(list, toBookmark), Page: in.Page}
		if len(list) == limit {
			out.NextPage = in.Page + 1
		}
		return out, nil
	})
}

type bookmarkResult struct {
	Bookmark bookmarkOut `json:"bookmark"`
}

func (o bookmarkResult) Summary() string { return bookmarkLine(o.Bookmark)[2:] }

type bookmarksCreateIn struct {
	URL         string   `json:"url" jsonschema:"the address to bookmark"`
	Title       string   `json:"title,omitempty" jsonschema:"default: the page's own title"`
	Description string   `json:"description,omitempty" jsonschema:"a longer note on the bookmark"`
	Tags        []string `json:"tags,omitempty" jsonschema:"tags to put on it (new ones are created)"`
	FolderIDs   []int64  `json:"folder_ids,omitempty" jsonschema:"folders to put it in (default: the root, -1)"`
}

func (in *bookmarksCreateIn) Validate() error {
	if err := checkBookmarkURL("url", in.URL); err != nil {
		return err
	}
	return checkFolderIDs(in.FolderIDs)
}

func bookmarksCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_create", Title: "Create bookmark",
		Description: "Bookmark a URL, with title, description, tags and folders. A URL that is already bookmarked is refused (change that one with nc_bookmarks_update).",
		Scope:       "bookmarks:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarksCreateIn) (bookmarkResult, error) {
		// The app would silently return (and merge into) the existing one.
		existing, err := nc.Bookmarks().List(ctx, nextcloud.BookmarkQuery{URL: in.URL, Page: -1})
		if err != nil {
			return bookmarkResult{}, err
		}
		if len(existing) > 0 {
			return bookmarkResult{}, Argf("url %s is already bookmarked as #%d; change it with nc_bookmarks_update", in.URL, int64(existing[0].ID))
		}
		c := nextcloud.BookmarkChange{URL: &in.URL, Tags: in.Tags, Folders: in.FolderIDs}
		if in.Title != "" {
			c.Title = &in.Title
		}
		if in.Description != "" {
			c.Description = &in.Description
		}
		b, err := nc.Bookmarks().Create(ctx, c)
		if err != nil {
			return bookmarkResult{}, err
		}
		return bookmarkResult{Bookmark: toBookmark(b)}, nil
	})
}

type bookmarksUpdateIn struct {
	ID          int64    `json:"bookmark_id" jsonschema:"the bookmark, from nc_bookmarks_list"`
	URL         *string  `json:"url,omitempty" jsonschema:"new address"`
	Title       *string  `json:"title,omitempty" jsonschema:"new title"`
	Description *string  `json:"description,omitempty" jsonschema:"new description (\"\" clears it)"`
	Tags        []string `json:"tags,omitempty" jsonschema:"replaces all its tags ([] removes them)"`
	FolderIDs   []int64  `json:"folder_ids,omitempty" jsonschema:"replaces the folders it is in (-1: the root)"`
}

func (in *bookmarksUpdateIn) Validate() error {
	if err := idArg("bookmark_id", in.ID, "nc_bookmarks_list"); err != nil {
		return err
	}
	if in.URL == nil && in.Title == nil && in.Description == nil && in.Tags == nil && in.FolderIDs == nil {
		return fmt.Errorf("say what to change: url, title, description, tags and/or folder_ids")
	}
	if in.URL != nil {
		if err := checkBookmarkURL("url", *in.URL); err != nil {
			return err
		}
	}
	if in.FolderIDs != nil && len(in.FolderIDs) == 0 {
		return fmt.Errorf("folder_ids may not be empty: a bookmark is in at least one folder (-1: the root); delete it with nc_bookmarks_delete")
	}
	return checkFolderIDs(in.FolderIDs)
}

func bookmarksUpdate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_update", Title: "Update bookmark",
		Description: "Change a bookmark's URL, title, description, tags (replacing them) or folders; what is not given stays as it is.",
		Scope:       "bookmarks:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarksUpdateIn) (bookmarkResult, error) {
		c := nextcloud.BookmarkChange{URL: in.URL, Title: in.Title, Description: in.Description,
			Tags: in.Tags, SetTags: in.Tags != nil, Folders: in.FolderIDs}
		b, err := nc.Bookmarks().Update(ctx, in.ID, c)
		if err != nil {
			return bookmarkResult{}, bookmarksNotFound(err, fmt.Sprintf("bookmark %d", in.ID))
		}
		return bookmarkResult{Bookmark: toBookmark(b)}, nil
	})
}

type bookmarkIDIn struct {
	ID int64 `json:"bookmark_id" jsonschema:"the bookmark, from nc_bookmarks_list"`
}

func (in *bookmarkIDIn) Validate() error {
	return idArg("bookmark_id", in.ID, "nc_bookmarks_list")
}

type bookmarkDeletedOut struct {
	Deleted bookmarkOut `json:"deleted"`
}

func (o bookmarkDeletedOut) Summary() string {
	return "Deleted bookmark " + bookmarkLine(o.Deleted)[2:]
}

func bookmarksDelete(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_delete", Title: "Delete bookmark",
		Description: "Delete a bookmark (from every folder it is in).",
		Scope:       "bookmarks:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarkIDIn) (bookmarkDeletedOut, error) {
		b, err := nc.Bookmarks().Delete(ctx, in.ID)
		if err != nil {
			return bookmarkDeletedOut{}, bookmarksNotFound(err, fmt.Sprintf("bookmark %d", in.ID))
		}
		return bookmarkDeletedOut{Deleted: toBookmark(b)}, nil
	})
}

type bookmarkFolderOut struct {
	ID       int64  `json:"id" jsonschema:"folder id for folder_id / folder_ids"`
	Title    string `json:"title"`
	ParentID int64  `json:"parent_id" jsonschema:"-1 for top-level folders"`
	Path     string `json:"path" jsonschema:"titles from the top, joined by /"`
}

type bookmarkFoldersOut struct {
	Folders []bookmarkFolderOut `json:"folders"`
}

func (o bookmarkFoldersOut) Summary() string {
	return listSummary(o.Folders, "No bookmark folders (everything is in the root, -1).", "Bookmark folders (root: -1):",
		func(f bookmarkFolderOut) string { return fmt.Sprintf("- #%d %s", f.ID, f.Path) })
}

func flattenBookmarkFolders(tree []nextcloud.BookmarkFolder, prefix string, out *[]bookmarkFolderOut) {
	for _, f := range tree {
		path := prefix + f.Title
		*out = append(*out, bookmarkFolderOut{ID: int64(f.ID), Title: f.Title, ParentID: int64(f.Parent), Path: path})
		flattenBookmarkFolders(f.Children, path+"/", out)
	}
}

func bookmarkFolders(ctx context.Context, nc *nextcloud.Client) ([]bookmarkFolderOut, error) {
	tree, err := nc.Bookmarks().Folders(ctx)
	if err != nil {
		return nil, err
	}
	out := []bookmarkFolderOut{}
	flattenBookmarkFolders(tree, "", &out)
	return out, nil
}

func bookmarksListFolders(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_list_folders", Title: "List bookmark folders",
		Description: "List the user's bookmark folders with their ids and paths; the root folder is -1.",
		Scope:       "bookmarks:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (bookmarkFoldersOut, error) {
		list, err := bookmarkFolders(ctx, nc)
		return bookmarkFoldersOut{Folders: list}, err
	})
}

type bookmarksCreateFolderIn struct {
	Title    string `json:"title" jsonschema:"the folder's name"`
	ParentID int64  `json:"parent_id,omitempty" jsonschema:"the folder to create it in (default: the root, -1)"`
}

func (in *bookmarksCreateFolderIn) Validate() error {
	if err := textArg("title", in.Title); err != nil {
		return err
	}
	if in.ParentID < -1 {
		return fmt.Errorf("parent_id %d is no folder id; use -1 for the root or an id from nc_bookmarks_list_folders", in.ParentID)
	}
	return nil
}

type bookmarkFolderResult struct {
	Folder bookmarkFolderOut `json:"folder"`
}

func (o bookmarkFolderResult) Summary() string {
	return fmt.Sprintf("Folder #%d %s", o.Folder.ID, o.Folder.Path)
}

// bookmarkFolderByID finds a folder of the user, or says where to look.
func bookmarkFolderByID(ctx context.Context, nc *nextcloud.Client, id int64, arg string) (bookmarkFolderOut, error) {
	folders, err := bookmarkFolders(ctx, nc)
	if err != nil {
		return bookmarkFolderOut{}, err
	}
	i := slices.IndexFunc(folders, func(f bookmarkFolderOut) bool { return f.ID == id })
	if i < 0 {
		return bookmarkFolderOut{}, Argf("%s: you have no bookmark folder %d; list them with nc_bookmarks_list_folders", arg, id)
	}
	return folders[i], nil
}

func bookmarksCreateFolder(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_create_folder", Title: "Create bookmark folder",
		Description: "Create a bookmark folder, at the top or inside another folder.",
		Scope:       "bookmarks:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarksCreateFolderIn) (bookmarkFolderResult, error) {
		parent := int64(nextcloud.BookmarksRoot)
		prefix := ""
		if in.ParentID > 0 {
			p, err := bookmarkFolderByID(ctx, nc, in.ParentID, "parent_id")
			if err != nil {
				return bookmarkFolderResult{}, err
			}
			parent, prefix = p.ID, p.Path+"/"
		}
		f, err := nc.Bookmarks().CreateFolder(ctx, in.Title, parent)
		if err != nil {
			return bookmarkFolderResult{}, err
		}
		return bookmarkFolderResult{Folder: bookmarkFolderOut{ID: int64(f.ID), Title: f.Title, ParentID: int64(f.Parent), Path: prefix + f.Title}}, nil
	})
}

type bookmarkFolderIDIn struct {
	ID int64 `json:"folder_id" jsonschema:"the folder, from nc_bookmarks_list_folders"`
}

func (in *bookmarkFolderIDIn) Validate() error {
	if in.ID <= 0 {
		return fmt.Errorf("folder_id must be a folder id from nc_bookmarks_list_folders (the root, -1, cannot be deleted)")
	}
	return nil
}

type bookmarkFolderDeletedOut struct {
	Deleted bookmarkFolderOut `json:"deleted"`
}

func (o bookmarkFolderDeletedOut) Summary() string {
	return fmt.Sprintf("Deleted folder #%d %s with its subfolders and the bookmarks that were only in it.", o.Deleted.ID, o.Deleted.Path)
}

func bookmarksDeleteFolder(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_delete_folder", Title: "Delete bookmark folder",
		Description: "Delete a bookmark folder with its subfolders; bookmarks that were in no other folder are deleted with it.",
		Scope:       "bookmarks:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarkFolderIDIn) (bookmarkFolderDeletedOut, error) {
		f, err := bookmarkFolderByID(ctx, nc, in.ID, "folder_id")
		if err != nil {
			return bookmarkFolderDeletedOut{}, err
		}
		if err := nc.Bookmarks().DeleteFolder(ctx, in.ID); err != nil {
			return bookmarkFolderDeletedOut{}, err
		}
		return bookmarkFolderDeletedOut{Deleted: f}, nil
	})
}

type bookmarkTagsOut struct {
	Tags []string `json:"tags"`
}

func (o bookmarkTagsOut) Summary() string {
	if len(o.Tags) == 0 {
		return "No bookmark tags."
	}
	return "Bookmark tags: " + strings.Join(o.Tags, ", ")
}

func bookmarksListTags(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_list_tags", Title: "List bookmark tags",
		Description: "List the tags used on the user's bookmarks.",
		Scope:       "bookmarks:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (bookmarkTagsOut, error) {
		tags, err := nc.Bookmarks().Tags(ctx)
		if tags == nil {
			tags = []string{}
		}
		return bookmarkTagsOut{Tags: tags}, err
	})
}

// existingBookmarkTag refuses a tag the user does not have: the app
// answers success for those and changes nothing.
func existingBookmarkTag(ctx context.Context, nc *nextcloud.Client, tag string) error {
	tags, err := nc.Bookmarks().Tags(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(tags, tag) {
		return Argf("tag: no bookmark carries the tag %q; list tags with nc_bookmarks_list_tags", tag)
	}
	return nil
}

type bookmarksRenameTagIn struct {
	Tag     string `json:"tag" jsonschema:"the tag to rename, from nc_bookmarks_list_tags"`
	NewName string `json:"new_name" jsonschema:"its new name (an existing tag of that name is merged)"`
}

func (in *bookmarksRenameTagIn) Validate() error {
	if err := firstErr(textArg("tag", in.Tag), textArg("new_name", in.NewName)); err != nil {
		return err
	}
	if in.Tag == in.NewName {
		return fmt.Errorf("new_name is the same as tag")
	}
	return nil
}

type bookmarkTagChangeOut struct {
	Tag     string `json:"tag"`
	NewName string `json:"new_name,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

func (o bookmarkTagChangeOut) Summary() string {
	if o.Deleted {
		return fmt.Sprintf("Removed the tag %q from every bookmark.", o.Tag)
	}
	return fmt.Sprintf("Renamed the tag %q to %q.", o.Tag, o.NewName)
}

func bookmarksRenameTag(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_rename_tag", Title: "Rename bookmark tag",
		Description: "Rename a bookmark tag on every bookmark that carries it.",
		Scope:       "bookmarks:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarksRenameTagIn) (bookmarkTagChangeOut, error) {
		if err := existingBookmarkTag(ctx, nc, in.Tag); err != nil {
			return bookmarkTagChangeOut{}, err
		}
		if err := nc.Bookmarks().RenameTag(ctx, in.Tag, in.NewName); err != nil {
			return bookmarkTagChangeOut{}, err
		}
		return bookmarkTagChangeOut{Tag: in.Tag, NewName: in.NewName}, nil
	})
}

type bookmarkTagIn struct {
	Tag string `json:"tag" jsonschema:"the tag, from nc_bookmarks_list_tags"`
}

func (in *bookmarkTagIn) Validate() error {
	return textArg("tag", in.Tag)
}

func bookmarksDeleteTag(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_bookmarks_delete_tag", Title: "Delete bookmark tag",
		Description: "Remove a tag from every bookmark; the bookmarks stay.",
		Scope:       "bookmarks:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in bookmarkTagIn) (bookmarkTagChangeOut, error) {
		if err := existingBookmarkTag(ctx, nc, in.Tag); err != nil {
			return bookmarkTagChangeOut{}, err
		}
		if err := nc.Bookmarks().DeleteTag(ctx, in.Tag); err != nil {
			return bookmarkTagChangeOut{}, err
		}
		return bookmarkTagChangeOut{Tag: in.Tag, Deleted: true}, nil
	})
}
