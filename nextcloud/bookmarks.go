package nextcloud

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Bookmarks app, REST API v2 (docs/bookmark.rst, folder.rst, tag.rst of
// nextcloud/bookmarks): plain JSON below
// /index.php/apps/bookmarks/public/rest/v2/, answers {"status":
// "success"|"error", "data"|"item": ...}. The root folder is -1.

// BookmarksClient is the Bookmarks app's REST API.
type BookmarksClient struct{ app App }

// Bookmarks returns the Bookmarks API of the user.
func (c *Client) Bookmarks() *BookmarksClient {
	return &BookmarksClient{app: c.AppOf(BookmarksApp, bookmarksRules{})}
}

const bookmarksBase = "/index.php/apps/bookmarks/public/rest/v2/"

// BookmarksRoot is the id of every user's root folder.
const BookmarksRoot = -1

// bookmarksRules reads the app's {"status":"error","data":...} where data
// is a string or a list of strings.
type bookmarksRules struct{}

func (bookmarksRules) Message(_ int, body []byte) string {
	var v struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return bookmarksData(v.Data)
}

// bookmarksData reads an error's data: a string or a list of strings.
func bookmarksData(data json.RawMessage) string {
	var s string
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(data, &list) == nil {
		return strings.Join(list, "; ")
	}
	return ""
}

// Bookmark is one bookmark.
type Bookmark struct {
	ID           DeckInt   `json:"id"`
	URL          string    `json:"url"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	Tags         []string  `json:"tags"`
	Folders      []DeckInt `json:"folders"`
	Added        int64     `json:"added"`
	LastModified int64     `json:"lastmodified"`
	ClickCount   int       `json:"clickcount"`
	Available    *bool     `json:"available"`
}

// BookmarkFolder is a folder with its subfolders.
type BookmarkFolder struct {
	ID       DeckInt          `json:"id"`
	Title    string           `json:"title"`
	Parent   DeckInt          `json:"parent_folder"`
	Children []BookmarkFolder `json:"children"`
}

// BookmarkQuery selects bookmarks (GET /bookmark).
type BookmarkQuery struct {
	Tags []string
	// AllTags requires every tag (conjunction=and); default one suffices.
	AllTags  bool
	Search   []string
	Folder   *int64
	Untagged bool
	SortBy   string
	// URL finds the one bookmark of that address (the app allows no
	// other filter with it).
	URL string
	// Page counts from 0; -1 returns everything.
	Page  int
	Limit int
}

type bookmarkAnswer struct {
	Status string          `json:"status"`
	Item   json.RawMessage `json:"item"`
	Data   json.RawMessage `json:"data"`
}

// do sends a request and checks the app's status field, which can say
// "error" even on a 2xx answer.
func (b *BookmarksClient) do(ctx context.Context, method, path string, query url.Values, body any, what string) (*bookmarkAnswer, error) {
	var out bookmarkAnswer
	if _, err := b.app.Call(ctx, Request{Method: method, Path: bookmarksBase + path, Query: query, Body: body}, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if out.Status != "success" {
		msg := cmp.Or(bookmarksData(out.Data), "the Bookmarks app answered status "+strconv.Quote(out.Status))
		return nil, fmt.Errorf("%s: %w", what, &Error{Method: method, Path: bookmarksBase + path, Status: http.StatusOK, Message: msg, App: b.app.ID})
	}
	return &out, nil
}

// List returns one page of bookmarks matching q.
func (b *BookmarksClient) List(ctx context.Context, q BookmarkQuery) ([]Bookmark, error) {
	v := url.Values{"page": {strconv.Itoa(q.Page)}}
	setQuery(v, "limit", q.Limit)
	for _, t := range q.Tags {
		v.Add("tags[]", t)
	}
	if q.AllTags {
		v.Set("conjunction", "and")
	} else {
		v.Set("conjunction", "or")
	}
	for _, s := range q.Search {
		v.Add("search[]", s)
	}
	if q.Folder != nil {
		v.Set("folder", strconv.FormatInt(*q.Folder, 10))
	}
	if q.Untagged {
		v.Set("untagged", "true")
	}
	setQuery(v, "sortby", q.SortBy)
	if q.URL != "" {
		v = url.Values{"url": {q.URL}, "page": {"-1"}}
	}
	return bookmarksList[Bookmark](ctx, b, "bookmark", v, "list bookmarks")
}

// bookmarksList fetches a list the app answers in its data member.
func bookmarksList[T any](ctx context.Context, b *BookmarksClient, path string, query url.Values, what string) ([]T, error) {
	out, err := b.do(ctx, http.MethodGet, path, query, nil, what)
	if err != nil {
		return nil, err
	}
	var list []T
	if err := json.Unmarshal(out.Data, &list); err != nil {
		return nil, fmt.Errorf("%s: unexpected answer: %w", what, err)
	}
	return list, nil
}

func (b *BookmarksClient) item(out *bookmarkAnswer, what string) (*Bookmark, error) {
	var bm Bookmark
	if err := json.Unmarshal(out.Item, &bm); err != nil {
		return nil, fmt.Errorf("%s: unexpected answer: %w", what, err)
	}
	return &bm, nil
}

// Get returns one bookmark.
func (b *BookmarksClient) Get(ctx context.Context, id int64) (*Bookmark, error) {
	what := fmt.Sprintf("get bookmark %d", id)
	out, err := b.do(ctx, http.MethodGet, "bookmark/"+strconv.FormatInt(id, 10), nil, nil, what)
	if err != nil {
		return nil, err
	}
	return b.item(out, what)
}

// BookmarkChange is the body of a create or update; nil fields stay as
// they are.
type BookmarkChange struct {
	URL         *string
	Title       *string
	Description *string
	Tags        []string
	// SetTags sends Tags even when empty (removing every tag).
	SetTags bool
	Folders []int64
}

func (c BookmarkChange) body() map[string]any {
	m := map[string]any{}
	SetGiven(m, "url", c.URL)
	SetGiven(m, "title", c.Title)
	SetGiven(m, "description", c.Description)
	if c.Tags != nil || c.SetTags {
		m["tags"] = append([]string{}, c.Tags...)
	}
	if c.Folders != nil {
		m["folders"] = c.Folders
	}
	return m
}

// Create adds a bookmark.
func (b *BookmarksClient) Create(ctx context.Context, c BookmarkChange) (*Bookmark, error) {
	out, err := b.do(ctx, http.MethodPost, "bookmark", nil, c.body(), "create bookmark")
	if err != nil {
		return nil, err
	}
	return b.item(out, "create bookmark")
}

// Update changes a bookmark. It reads the bookmark first: for a missing
// one the app answers "Insufficient permissions", not 404.
func (b *BookmarksClient) Update(ctx context.Context, id int64, c BookmarkChange) (*Bookmark, error) {
	if _, err := b.Get(ctx, id); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("update bookmark %d", id)
	out, err := b.do(ctx, http.MethodPut, "bookmark/"+strconv.FormatInt(id, 10), nil, c.body(), what)
	if err != nil {
		return nil, err
	}
	return b.item(out, what)
}

// Delete removes a bookmark and returns it as it was; it reads it first
// (as Update does).
func (b *BookmarksClient) Delete(ctx context.Context, id int64) (*Bookmark, error) {
	bm, err := b.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := b.do(ctx, http.MethodDelete, "bookmark/"+strconv.FormatInt(id, 10), nil, nil, fmt.Sprintf("delete bookmark %d", id)); err != nil {
		return nil, err
	}
	return bm, nil
}

// Folders returns the user's folder tree below the root.
func (b *BookmarksClient) Folders(ctx context.Context) ([]BookmarkFolder, error) {
	return bookmarksList[BookmarkFolder](ctx, b, "folder", url.Values{"root": {"-1"}}, "list bookmark folders")
}

// CreateFolder adds a folder below parent (BookmarksRoot for the top).
func (b *BookmarksClient) CreateFolder(ctx context.Context, title string, parent int64) (*BookmarkFolder, error) {
	out, err := b.do(ctx, http.MethodPost, "folder", nil, map[string]any{"title": title, "parent_folder": parent}, "create bookmark folder")
	if err != nil {
		return nil, err
	}
	var f BookmarkFolder
	if err := json.Unmarshal(out.Item, &f); err != nil {
		return nil, fmt.Errorf("create bookmark folder: unexpected answer: %w", err)
	}
	return &f, nil
}

// DeleteFolder removes a folder with everything in it.
func (b *BookmarksClient) DeleteFolder(ctx context.Context, id int64) error {
	_, err := b.do(ctx, http.MethodDelete, "folder/"+strconv.FormatInt(id, 10), nil, nil, fmt.Sprintf("delete bookmark folder %d", id))
	return err
}

// Tags lists the user's tags.
func (b *BookmarksClient) Tags(ctx context.Context) ([]string, error) {
	return fetch[[]string](ctx, b.app, Request{Method: http.MethodGet, Path: bookmarksBase + "tag"}, "list bookmark tags")
}

func tagPath(tag string) (string, error) {
	seg, err := EscapedSegment("tag", tag)
	if err != nil {
		return "", err
	}
	return "tag/" + seg, nil
}

// RenameTag renames a tag on every bookmark (merging into to if it exists).
func (b *BookmarksClient) RenameTag(ctx context.Context, from, to string) error {
	p, err := tagPath(from)
	if err != nil {
		return err
	}
	_, err = b.do(ctx, http.MethodPut, p, nil, map[string]string{"name": to}, fmt.Sprintf("rename bookmark tag %q", from))
	return err
}

// DeleteTag removes a tag from every bookmark.
func (b *BookmarksClient) DeleteTag(ctx context.Context, tag string) error {
	p, err := tagPath(tag)
	if err != nil {
		return err
	}
	_, err = b.do(ctx, http.MethodDelete, p, nil, nil, fmt.Sprintf("delete bookmark tag %q", tag))
	return err
}
