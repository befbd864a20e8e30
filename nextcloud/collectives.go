package nextcloud

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Collectives app, OCS API v1.0 (openapi.json and src/client/sdk.gen.ts of
// nextcloud/collectives) below /ocs/v2.php/apps/collectives/api/v1.0/.
// A page's markdown is a file in the user's Collectives folder, read and
// written over WebDAV.

// CollectivesClient is the Collectives app's API.
type CollectivesClient struct{ app App }

// Collectives returns the Collectives API of the user.
func (c *Client) Collectives() *CollectivesClient {
	return &CollectivesClient{app: c.AppOf(CollectivesApp, nil)}
}

const collectivesBase = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"

// Collective is one collective (a wiki shared by a team).
type Collective struct {
	ID                   int64  `json:"id"`
	Slug                 string `json:"slug"`
	CircleID             string `json:"circleId"`
	Emoji                string `json:"emoji"`
	TrashTimestamp       *int64 `json:"trashTimestamp"`
	PageMode             int    `json:"pageMode"`
	Name                 string `json:"name"`
	Level                int    `json:"level"`
	EditPermissionLevel  int    `json:"editPermissionLevel"`
	SharePermissionLevel int    `json:"sharePermissionLevel"`
	CanEdit              bool   `json:"canEdit"`
	CanShare             bool   `json:"canShare"`
	CanLeave             bool   `json:"canLeave"`
}

// Trashed reports whether the collective is in the trash.
func (c *Collective) Trashed() bool { return c.TrashTimestamp != nil && *c.TrashTimestamp > 0 }

// CollectivePage is the PageInfo of a page.
type CollectivePage struct {
	ID                  int64   `json:"id"`
	Slug                string  `json:"slug"`
	LastUserID          string  `json:"lastUserId"`
	LastUserDisplayName string  `json:"lastUserDisplayName"`
	Emoji               string  `json:"emoji"`
	SubpageOrder        []int64 `json:"subpageOrder"`
	IsFullWidth         bool    `json:"isFullWidth"`
	Tags                []int64 `json:"tags"`
	TrashTimestamp      *int64  `json:"trashTimestamp"`
	Title               string  `json:"title"`
	Timestamp           int64   `json:"timestamp"`
	Size                int64   `json:"size"`
	FileName            string  `json:"fileName"`
	FilePath            string  `json:"filePath"`
	CollectivePath      string  `json:"collectivePath"`
	ParentID            int64   `json:"parentId"`
}

// Trashed reports whether the page is in the collective's trash.
func (p *CollectivePage) Trashed() bool { return p.TrashTimestamp != nil && *p.TrashTimestamp > 0 }

// CollectiveTag is a page tag of a collective.
type CollectiveTag struct {
	ID           int64  `json:"id"`
	CollectiveID int64  `json:"collectiveId"`
	Name         string `json:"name"`
	Color        string `json:"color"`
}

func collectivePath(id int64, parts ...string) string {
	p := collectivesBase + "/" + strconv.FormatInt(id, 10)
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

func pageIDPath(cid, id int64, parts ...string) string {
	return collectivePath(cid, append([]string{"pages", strconv.FormatInt(id, 10)}, parts...)...)
}

// Collectives lists the user's collectives (not the trashed ones).
func (c *CollectivesClient) List(ctx context.Context) ([]Collective, error) {
	var out struct {
		Collectives []Collective `json:"collectives"`
	}
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: collectivesBase, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list collectives: %w", err)
	}
	return out.Collectives, nil
}

// TrashedCollectives lists the collectives in the user's trash.
func (c *CollectivesClient) Trashed(ctx context.Context) ([]Collective, error) {
	var out struct {
		Collectives []Collective `json:"collectives"`
	}
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: collectivesBase + "/trash", OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list trashed collectives: %w", err)
	}
	return out.Collectives, nil
}

// Find looks a collective up by id among the active (or, with trashed,
// the trashed) ones; ok is false when the user has no such collective.
func (c *CollectivesClient) Find(ctx context.Context, id int64, trashed bool) (col *Collective, ok bool, err error) {
	list := c.List
	if trashed {
		list = c.Trashed
	}
	cs, err := list(ctx)
	if err != nil {
		return nil, false, err
	}
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i], true, nil
		}
	}
	return nil, false, nil
}

type collectiveReply struct {
	Collective Collective `json:"collective"`
	Info       string     `json:"info"`
}

// collective runs a request that answers with one collective.
func (c *CollectivesClient) collective(ctx context.Context, req Request, what string) (*Collective, error) {
	out, err := fetchOne[collectiveReply](ctx, c.app, req, what)
	if err != nil {
		return nil, err
	}
	return &out.Collective, nil
}

// CreateCollective creates a collective (and its team); info is the app's
// note, e.g. that an existing team was reused.
func (c *CollectivesClient) Create(ctx context.Context, name, emoji string) (col *Collective, info string, err error) {
	body := map[string]any{"name": name}
	if emoji != "" {
		body["emoji"] = emoji
	}
	var out collectiveReply
	if _, err := c.app.Call(ctx, Request{Method: http.MethodPost, Path: collectivesBase, Body: body, OCS: true}, &out); err != nil {
		return nil, "", fmt.Errorf("create collective %q: %w", name, err)
	}
	return &out.Collective, out.Info, nil
}

// SetCollectiveEmoji sets (or with "" removes) a collective's emoji.
func (c *CollectivesClient) SetEmoji(ctx context.Context, id int64, emoji string) (*Collective, error) {
	var body map[string]any
	if emoji == "" {
		body = map[string]any{"emoji": nil}
	} else {
		body = map[string]any{"emoji": emoji}
	}
	return c.collective(ctx, Request{Method: http.MethodPut, Path: collectivePath(id), Body: body, OCS: true}, fmt.Sprintf("set emoji of collective %d", id))
}

// TrashCollective moves a collective into the trash.
func (c *CollectivesClient) Trash(ctx context.Context, id int64) (*Collective, error) {
	return c.collective(ctx, Request{Method: http.MethodDelete, Path: collectivePath(id), OCS: true}, fmt.Sprintf("trash collective %d", id))
}

// RestoreCollective takes a collective out of the trash.
func (c *CollectivesClient) Restore(ctx context.Context, id int64) (*Collective, error) {
	p := collectivesBase + "/trash/" + strconv.FormatInt(id, 10)
	return c.collective(ctx, Request{Method: http.MethodPatch, Path: p, OCS: true}, fmt.Sprintf("restore collective %d", id))
}

// DeleteCollective deletes a trashed collective for good; deleteTeam also
// deletes its team (circle).
func (c *CollectivesClient) Delete(ctx context.Context, id int64, deleteTeam bool) (*Collective, error) {
	var q url.Values
	if deleteTeam {
		q = url.Values{"circle": {"1"}}
	}
	p := collectivesBase + "/trash/" + strconv.FormatInt(id, 10)
	return c.collective(ctx, Request{Method: http.MethodDelete, Path: p, Query: q, OCS: true}, fmt.Sprintf("delete collective %d", id))
}

type pagesReply struct {
	Pages []CollectivePage `json:"pages"`
}

type pageReply struct {
	Page CollectivePage `json:"page"`
}

// pages runs a request that answers with a list of pages.
func (c *CollectivesClient) pages(ctx context.Context, req Request, what string) ([]CollectivePage, error) {
	out, err := fetchOne[pagesReply](ctx, c.app, req, what)
	if err != nil {
		return nil, err
	}
	return out.Pages, nil
}

// page runs a request that answers with one page.
func (c *CollectivesClient) page(ctx context.Context, req Request, what string) (*CollectivePage, error) {
	out, err := fetchOne[pageReply](ctx, c.app, req, what)
	if err != nil {
		return nil, err
	}
	return &out.Page, nil
}

// CollectivePages lists a collective's pages (not the trashed ones).
func (c *CollectivesClient) Pages(ctx context.Context, collectiveID int64) ([]CollectivePage, error) {
	return c.pages(ctx, Request{Method: http.MethodGet, Path: collectivePath(collectiveID, "pages"), OCS: true}, fmt.Sprintf("list pages of collective %d", collectiveID))
}

// TrashedCollectivePages lists the pages in a collective's trash.
func (c *CollectivesClient) TrashedPages(ctx context.Context, collectiveID int64) ([]CollectivePage, error) {
	return c.pages(ctx, Request{Method: http.MethodGet, Path: collectivePath(collectiveID, "pages", "trash"), OCS: true}, fmt.Sprintf("list trashed pages of collective %d", collectiveID))
}

// CollectivePage fetches one page's info.
func (c *CollectivesClient) Page(ctx context.Context, collectiveID, pageID int64) (*CollectivePage, error) {
	return c.page(ctx, Request{Method: http.MethodGet, Path: pageIDPath(collectiveID, pageID), OCS: true}, fmt.Sprintf("get page %d of collective %d", pageID, collectiveID))
}

// SearchCollectivePages searches the pages' content of a collective.
func (c *CollectivesClient) SearchPages(ctx context.Context, collectiveID int64, query string) ([]CollectivePage, error) {
	q := url.Values{"searchString": {query}}
	return c.pages(ctx, Request{Method: http.MethodGet, Path: collectivePath(collectiveID, "search"), Query: q, OCS: true}, fmt.Sprintf("search pages of collective %d", collectiveID))
}

// CreateCollectivePage creates a page below parentID.
func (c *CollectivesClient) CreatePage(ctx context.Context, collectiveID, parentID int64, title string) (*CollectivePage, error) {
	p := collectivePath(collectiveID, "pages", strconv.FormatInt(parentID, 10))
	return c.page(ctx, Request{Method: http.MethodPost, Path: p, Body: map[string]any{"title": title}, OCS: true}, fmt.Sprintf("create page %q in collective %d", title, collectiveID))
}

// PageMove moves and/or renames a page inside its collective. A nil
// parentID keeps the parent, an empty title keeps the title.
type PageMove struct {
	ParentID *int64
	Title    string
	Index    int
}

// MoveCollectivePage moves or renames a page.
func (c *CollectivesClient) MovePage(ctx context.Context, collectiveID, pageID int64, m PageMove) (*CollectivePage, error) {
	body := map[string]any{"index": m.Index}
	if m.ParentID != nil {
		body["parentId"] = *m.ParentID
	}
	if m.Title != "" {
		body["title"] = m.Title
	}
	return c.page(ctx, Request{Method: http.MethodPut, Path: pageIDPath(collectiveID, pageID), Body: body, OCS: true}, fmt.Sprintf("move page %d of collective %d", pageID, collectiveID))
}

// SetCollectivePageEmoji sets (or with "" removes) a page's emoji.
func (c *CollectivesClient) SetPageEmoji(ctx context.Context, collectiveID, pageID int64, emoji string) (*CollectivePage, error) {
	var body map[string]any
	if emoji == "" {
		body = map[string]any{"emoji": nil}
	} else {
		body = map[string]any{"emoji": emoji}
	}
	return c.page(ctx, Request{Method: http.MethodPut, Path: pageIDPath(collectiveID, pageID, "emoji"), Body: body, OCS: true}, fmt.Sprintf("set emoji of page %d", pageID))
}

// TrashCollectivePage moves a page (with its subpages) into the trash.
func (c *CollectivesClient) TrashPage(ctx context.Context, collectiveID, pageID int64) (*CollectivePage, error) {
	return c.page(ctx, Request{Method: http.MethodDelete, Path: pageIDPath(collectiveID, pageID), OCS: true}, fmt.Sprintf("trash page %d of collective %d", pageID, collectiveID))
}

// RestoreCollectivePage takes a page out of the trash.
func (c *CollectivesClient) RestorePage(ctx context.Context, collectiveID, pageID int64) (*CollectivePage, error) {
	p := collectivePath(collectiveID, "pages", "trash", strconv.FormatInt(pageID, 10))
	return c.page(ctx, Request{Method: http.MethodPatch, Path: p, OCS: true}, fmt.Sprintf("restore page %d of collective %d", pageID, collectiveID))
}

// CollectiveTags lists a collective's tags.
func (c *CollectivesClient) Tags(ctx context.Context, collectiveID int64) ([]CollectiveTag, error) {
	var out struct {
		Tags []CollectiveTag `json:"tags"`
	}
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: collectivePath(collectiveID, "tags"), OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list tags of collective %d: %w", collectiveID, err)
	}
	return out.Tags, nil
}

// CreateCollectiveTag adds a tag; color is a hex RGB code like "0082c9".
func (c *CollectivesClient) CreateTag(ctx context.Context, collectiveID int64, name, color string) (*CollectiveTag, error) {
	var out struct {
		Tag CollectiveTag `json:"tag"`
	}
	body := map[string]string{"name": name, "color": color}
	if _, err := c.app.Call(ctx, Request{Method: http.MethodPost, Path: collectivePath(collectiveID, "tags"), Body: body, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("create tag %q in collective %d: %w", name, collectiveID, err)
	}
	return &out.Tag, nil
}

// TagCollectivePage adds (or with remove, takes away) a tag of a page.
func (c *CollectivesClient) TagPage(ctx context.Context, collectiveID, pageID, tagID int64, remove bool) (*CollectivePage, error) {
	method := http.MethodPut
	if remove {
		method = http.MethodDelete
	}
	return c.page(ctx, Request{Method: method, Path: pageIDPath(collectiveID, pageID, "tags", strconv.FormatInt(tagID, 10)), OCS: true}, fmt.Sprintf("change tag %d of page %d", tagID, pageID))
}

// CollectivePageFile is the path of a page's markdown below the user's
// files: collectivePath/filePath/fileName. collectiveName is used when the
// server leaves collectivePath out (it then is the default
// "Collectives/<name>"). The parts come from the app, but a request URL is
// built from them, so each must be a plain name: ".." or an encoded form
// of it is refused instead of being resolved to another folder.
func CollectivePageFile(p *CollectivePage, collectiveName string) (string, error) {
	base := strings.Trim(p.CollectivePath, "/")
	if base == "" {
		name, err := Segment("collective name", collectiveName)
		if err != nil {
			return "", err
		}
		base = "Collectives/" + name
	}
	if _, err := JoinInside("collective path", "/", base); err != nil {
		return "", err
	}
	rel := p.FileName
	if dir := strings.Trim(p.FilePath, "/"); dir != "" {
		rel = dir + "/" + p.FileName
	}
	return JoinInside("page file", base+"/", rel)
}

// pageDAVURL is the request path of a page's file.
func (c *CollectivesClient) pageDAVURL(p *CollectivePage, collectiveName string) (file, davPath string, err error) {
	if file, err = CollectivePageFile(p, collectiveName); err != nil {
		return "", "", err
	}
	_, davPath, err = c.app.c.davTarget(CleanFilePath, file)
	return file, davPath, err
}

// CollectivePageMarkdown reads a page's markdown over WebDAV, at most
// limit bytes (truncated reports a longer file).
func (c *CollectivesClient) PageMarkdown(ctx context.Context, p *CollectivePage, collectiveName string, limit int64) (text string, truncated bool, err error) {
	file, dp, err := c.pageDAVURL(p, collectiveName)
	if err != nil {
		return "", false, err
	}
	req, err := c.app.c.NewRequest(ctx, http.MethodGet, dp, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := c.app.c.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("read markdown of page %d (%s): %w", p.ID, file, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return "", false, fmt.Errorf("read markdown of page %d: %w", p.ID, err)
	}
	if int64(len(b)) > limit {
		return string(b[:limit]), true, nil
	}
	return string(b), false, nil
}

// WriteCollectivePageMarkdown replaces a page's markdown over WebDAV.
func (c *CollectivesClient) WritePageMarkdown(ctx context.Context, p *CollectivePage, collectiveName, markdown string) error {
	file, dp, err := c.pageDAVURL(p, collectiveName)
	if err != nil {
		return err
	}
	req, err := c.app.c.NewRequest(ctx, http.MethodPut, dp, []byte(markdown))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/markdown; charset=utf-8")
	resp, err := c.app.c.Do(req)
	if err != nil {
		return fmt.Errorf("write markdown of page %d (%s): %w", p.ID, file, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}
