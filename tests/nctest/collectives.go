package nctest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Collectives stand-in following the app's OCS API v1.0 (openapi.json and
// src/client/sdk.gen.ts of nextcloud/collectives): collectives, their
// trash, pages as a tree, page trash, content search, tags and emoji.
//
// Page markdown lives where the app keeps it, in the user's files under
// Collectives/<collective>/ (Readme.md for the landing page and for pages
// with subpages, <Title>.md otherwise), served by the WebDAV stand-in of
// webdav.go; this stand-in reaches it through the mux. Simplifications: a
// collective belongs to the user who created it (no team sharing), and
// trashed pages are kept in memory rather than in a trash folder.

const collectivesPrefix = "/ocs/v2.php/apps/collectives/"

type collectivesStandIn struct {
	s   *Server
	mux *http.ServeMux

	mu          sync.Mutex
	nextID      int64
	collectives map[int64]*colCollective
	pages       map[int64]*colPage
	tags        map[int64]*colTag
}

type colCollective struct {
	id      int64
	owner   string
	name    string
	emoji   string
	trashed int64
	landing int64
}

type colPage struct {
	id           int64
	collectiveID int64
	parentID     int64 // 0 for the landing page
	title        string
	emoji        string
	folder       bool // kept as <title>/Readme.md
	tags         []int64
	trashed      int64 // set on the page the user trashed
	trashedWith  int64 // set on the subpages that went along
	lastUser     string
	modified     int64
	saved        string // content while trashed
}

type colTag struct {
	id           int64
	collectiveID int64
	name, color  string
}

func (s *Server) registerCollectives() {
	c := &collectivesStandIn{s: s, mux: http.NewServeMux(), collectives: map[int64]*colCollective{}, pages: map[int64]*colPage{}, tags: map[int64]*colTag{}}
	s.apps.collectives = c
	b := "/ocs/v2.php/apps/collectives/api/v1.0/collectives"
	c.mux.HandleFunc("GET "+b, c.listCollectives)
	c.mux.HandleFunc("POST "+b, c.createCollective)
	c.mux.HandleFunc("PUT "+b+"/{id}", c.onOwnCollective(false, "Collective", c.updateCollective))
	c.mux.HandleFunc("DELETE "+b+"/{id}", c.onOwnCollective(false, "Collective", c.trashCollective))
	c.mux.HandleFunc("GET "+b+"/trash", c.listTrashedCollectives)
	c.mux.HandleFunc("PATCH "+b+"/trash/{id}", c.onOwnCollective(true, "Collective in trash", c.restoreCollective))
	c.mux.HandleFunc("DELETE "+b+"/trash/{id}", c.onOwnCollective(true, "Collective in trash", c.deleteCollective))
	c.mux.HandleFunc("GET "+b+"/{cid}/pages", c.onCollective(c.listPages))
	c.mux.HandleFunc("GET "+b+"/{cid}/pages/{id}", c.onPage(c.livePage, "Page", c.getPage))
	c.mux.HandleFunc("POST "+b+"/{cid}/pages/{id}", c.onPage(c.livePage, "Parent page", c.createPage))
	c.mux.HandleFunc("PUT "+b+"/{cid}/pages/{id}", c.onPage(c.livePage, "Page", c.movePage))
	c.mux.HandleFunc("DELETE "+b+"/{cid}/pages/{id}", c.onPage(c.livePage, "Page", c.trashPage))
	c.mux.HandleFunc("PUT "+b+"/{cid}/pages/{id}/emoji", c.onPage(c.livePage, "Page", c.pageEmoji))
	c.mux.HandleFunc("PUT "+b+"/{cid}/pages/{id}/tags/{tag}", c.onPage(c.livePage, "Page", c.pageTag))
	c.mux.HandleFunc("DELETE "+b+"/{cid}/pages/{id}/tags/{tag}", c.onPage(c.livePage, "Page", c.pageTag))
	c.mux.HandleFunc("GET "+b+"/{cid}/pages/trash", c.onCollective(c.listTrashedPages))
	c.mux.HandleFunc("PATCH "+b+"/{cid}/pages/trash/{id}", c.onPage(c.trashedPage, "Page in trash", c.restorePage))
	c.mux.HandleFunc("DELETE "+b+"/{cid}/pages/trash/{id}", c.onPage(c.trashedPage, "Page in trash", c.deletePage))
	c.mux.HandleFunc("GET "+b+"/{cid}/search", c.onCollective(c.search))
	c.mux.HandleFunc("GET "+b+"/{cid}/tags", c.onCollective(c.listTags))
	c.mux.HandleFunc("POST "+b+"/{cid}/tags", c.onCollective(c.createTag))
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOCSInvalid(w, r)
	})
	s.mux.Handle(collectivesPrefix, c)
	s.AddSearchProvider(SearchProvider{ID: "collectives-pages", AppID: "collectives", Name: "Collectives - Pages", Order: 41, Search: c.searchProvider})
}

func (c *collectivesStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// ---- files through the WebDAV stand-in ----

// dav sends a WebDAV request for user's files through the mux; status 0
// means no files stand-in is mounted.
func (c *collectivesStandIn) dav(user, method, rel string, hdr http.Header, body []byte) (int, []byte) {
	target := (&url.URL{Path: "/remote.php/dav/files/" + user + "/" + strings.TrimLeft(rel, "/")}).EscapedPath()
	req := httptest.NewRequest(method, target, bytes.NewReader(body)).WithContext(withUser(context.Background(), user))
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if _, pattern := c.s.mux.Handler(req); pattern == "" {
		return 0, nil
	}
	rec := httptest.NewRecorder()
	c.s.mux.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, b
}

func (c *collectivesStandIn) mkdirAll(user, dir string) {
	cur := ""
	for _, seg := range strings.Split(strings.Trim(dir, "/"), "/") {
		if seg == "" {
			continue
		}
		cur = path.Join(cur, seg)
		c.dav(user, "MKCOL", cur, nil, nil)
	}
}

func (c *collectivesStandIn) read(user, rel string) (string, bool) {
	code, b := c.dav(user, http.MethodGet, rel, nil, nil)
	return string(b), code == http.StatusOK
}

func (c *collectivesStandIn) write(user, rel, content string) bool {
	c.mkdirAll(user, path.Dir(rel))
	code, _ := c.dav(user, http.MethodPut, rel, http.Header{"Content-Type": {"text/markdown"}}, []byte(content))
	return code == http.StatusCreated || code == http.StatusNoContent
}

func (c *collectivesStandIn) move(user, from, to string) bool {
	if from == to {
		return true
	}
	c.mkdirAll(user, path.Dir(to))
	dest := (&url.URL{Path: "/remote.php/dav/files/" + user + "/" + to}).EscapedPath()
	code, _ := c.dav(user, "MOVE", from, http.Header{"Destination": {dest}, "Overwrite": {"F"}}, nil)
	return code == http.StatusCreated || code == http.StatusNoContent
}

func (c *collectivesStandIn) remove(user, rel string) {
	c.dav(user, http.MethodDelete, rel, nil, nil)
}

// ---- layout ----

func (c *collectivesStandIn) root(col *colCollective) string { return "Collectives/" + col.name }

// dir is the folder that holds a page's subpages (whether or not the page
// is a folder page yet).
func (c *collectivesStandIn) dir(p *colPage) string {
	col := c.collectives[p.collectiveID]
	if p.parentID == 0 {
		return c.root(col)
	}
	parent := c.pages[p.parentID]
	if parent == nil {
		return path.Join(c.root(col), p.title)
	}
	return path.Join(c.dir(parent), p.title)
}

// file is the page's markdown file, relative to the user's files.
func (c *collectivesStandIn) file(p *colPage) string {
	if p.parentID == 0 || p.folder {
		return path.Join(c.dir(p), "Readme.md")
	}
	parent := c.pages[p.parentID]
	if parent == nil {
		return path.Join(c.root(c.collectives[p.collectiveID]), p.title+".md")
	}
	return path.Join(c.dir(parent), p.title+".md")
}

// makeFolder turns a leaf page into a folder page, moving its file.
func (c *collectivesStandIn) makeFolder(user string, p *colPage) {
	if p.parentID == 0 || p.folder {
		return
	}
	old := c.file(p)
	p.folder = true
	c.move(user, old, c.file(p))
}

func (c *collectivesStandIn) children(p *colPage) []*colPage {
	return recordsByID(c.pages, func(q *colPage) bool {
		return q.parentID == p.id && q.collectiveID == p.collectiveID && q.trashed == 0 && q.trashedWith == 0 && q.id != p.id
	})
}

func (c *collectivesStandIn) subtree(p *colPage) []*colPage {
	out := []*colPage{p}
	for _, q := range c.pages {
		if q.parentID == p.id && q.id != p.id && (q.trashedWith == p.id || (q.trashed == 0 && q.trashedWith == 0)) {
			out = append(out, c.subtree(q)...)
		}
	}
	return out
}

// uniqueTitle avoids clashing file names as the app does: "Title (2)".
func (c *collectivesStandIn) uniqueTitle(parent *colPage, title string, except int64) string {
	taken := map[string]bool{}
	for _, q := range c.children(parent) {
		if q.id != except {
			taken[strings.ToLower(q.title)] = true
		}
	}
	if !taken[strings.ToLower(title)] {
		return title
	}
	for i := 2; ; i++ {
		t := title + " (" + strconv.Itoa(i) + ")"
		if !taken[strings.ToLower(t)] {
			return t
		}
	}
}

// ---- JSON ----

func (c *collectivesStandIn) collectiveJSON(col *colCollective) map[string]any {
	var trash any
	if col.trashed > 0 {
		trash = col.trashed
	}
	var emoji any
	if col.emoji != "" {
		emoji = col.emoji
	}
	return map[string]any{
		"id": col.id, "slug": slugOf(col.name), "circleId": "circle" + strconv.FormatInt(col.id, 10), "emoji": emoji,
		"trashTimestamp": trash, "pageMode": 0, "name": col.name, "level": 9,
		"editPermissionLevel": 1, "sharePermissionLevel": 1, "canEdit": true, "canShare": true,
		"shareToken": nil, "isPageShare": false, "sharePageId": 0, "shareEditable": false,
		"userPageOrder": 0, "userShowMembers": true, "userShowRecentPages": true, "userFavoritePages": []int64{},
		"canLeave": false,
	}
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func slugOf(s string) string {
	return strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func (c *collectivesStandIn) pageJSON(p *colPage) map[string]any {
	col := c.collectives[p.collectiveID]
	file := c.file(p)
	rel := strings.TrimPrefix(path.Dir(file), c.root(col))
	rel = strings.TrimPrefix(rel, "/")
	title := p.title
	if p.parentID == 0 {
		title = col.name
	}
	size := int64(len(p.saved))
	if p.trashed == 0 && p.trashedWith == 0 {
		if body, ok := c.read(col.owner, file); ok {
			size = int64(len(body))
		}
	}
	var trash, emoji any
	if p.trashed > 0 {
		trash = p.trashed
	}
	if p.emoji != "" {
		emoji = p.emoji
	}
	display, _ := c.s.userDisplay(p.lastUser)
	tags := append([]int64{}, p.tags...)
	return map[string]any{
		"id": p.id, "slug": slugOf(title), "lastUserId": p.lastUser, "lastUserDisplayName": display,
		"emoji": emoji, "subpageOrder": []int64{}, "isFullWidth": false, "tags": tags,
		"trashTimestamp": trash, "title": title, "timestamp": p.modified, "size": size,
		"fileName": path.Base(file), "filePath": rel, "filePathString": rel,
		"collectivePath": c.root(col), "collectiveNameWithEmoji": strings.TrimSpace(col.emoji + " " + col.name),
		"parentId": p.parentID, "shareToken": nil, "linkedPageIds": []int64{},
	}
}

// ---- collectives ----

func (c *collectivesStandIn) ownCollective(r *http.Request, key string) (*colCollective, bool) {
	id, err := strconv.ParseInt(r.PathValue(key), 10, 64)
	if err != nil {
		return nil, false
	}
	col := c.collectives[id]
	if col == nil || col.owner != UserOf(r) {
		return nil, false
	}
	return col, true
}

// onCollective serves a route on collective {cid} of the user, with the
// store locked.
func (c *collectivesStandIn) onCollective(fn func(w http.ResponseWriter, r *http.Request, col *colCollective)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if col, ok := c.activeCollective(w, r); ok {
			fn(w, r, col)
		}
	}
}

// onOwnCollective serves a route on collective {id} of the user, live or
// in the trash, with the store locked; what names it in the 404 answer.
func (c *collectivesStandIn) onOwnCollective(trashed bool, what string, fn func(w http.ResponseWriter, r *http.Request, col *colCollective)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		col, ok := c.ownCollective(r, "id")
		if !ok || (col.trashed > 0) != trashed {
			colNotFound(w, r, what)
			return
		}
		fn(w, r, col)
	}
}

func colNotFound(w http.ResponseWriter, r *http.Request, what string) {
	writeOCS(w, r, http.StatusNotFound, 404, what+" not found", map[string]any{"message": what + " not found"})
}

func (c *collectivesStandIn) listCollectives(w http.ResponseWriter, r *http.Request) {
	c.writeCollectives(w, r, false)
}

func (c *collectivesStandIn) listTrashedCollectives(w http.ResponseWriter, r *http.Request) {
	c.writeCollectives(w, r, true)
}

func (c *collectivesStandIn) writeCollectives(w http.ResponseWriter, r *http.Request, trashed bool) {
	uid := UserOf(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := sortedIDs(c.collectives, func(_ int64, col *colCollective) bool { return col.owner == uid && (col.trashed > 0) == trashed })
	out := []any{}
	for _, id := range ids {
		out = append(out, c.collectiveJSON(c.collectives[id]))
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collectives": out})
}

func (c *collectivesStandIn) createCollective(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	name := strings.TrimSpace(p.str("name"))
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == "" || strings.ContainsAny(name, "/\\") {
		writeOCS(w, r, http.StatusBadRequest, 400, "Invalid collective name", nil)
		return
	}
	for _, col := range c.collectives {
		if strings.EqualFold(col.name, name) {
			writeOCS(w, r, http.StatusBadRequest, 400, "A collective with this name already exists", nil)
			return
		}
	}
	col, err := c.newCollective(uid, name, p.str("emoji"))
	if err != "" {
		writeOCS(w, r, http.StatusInternalServerError, 500, err, nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collective": c.collectiveJSON(col), "info": ""})
}

func (c *collectivesStandIn) newCollective(uid, name, emoji string) (*colCollective, string) {
	c.nextID++
	col := &colCollective{id: c.nextID, owner: uid, name: name, emoji: emoji}
	c.nextID++
	landing := &colPage{id: c.nextID, collectiveID: col.id, lastUser: uid, modified: time.Now().Unix()}
	col.landing = landing.id
	c.collectives[col.id] = col
	c.pages[landing.id] = landing
	if !c.write(uid, c.file(landing), "# Welcome to your new collective\n\nCome, organize and build shared knowledge!\n") {
		delete(c.collectives, col.id)
		delete(c.pages, landing.id)
		return nil, "could not write the landing page (is the WebDAV stand-in mounted?)"
	}
	return col, ""
}

func (c *collectivesStandIn) updateCollective(w http.ResponseWriter, r *http.Request, col *colCollective) {
	p := paramsOf(r)
	if p.has("emoji") {
		col.emoji = p.str("emoji")
	} else {
		col.emoji = ""
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collective": c.collectiveJSON(col)})
}

func (c *collectivesStandIn) trashCollective(w http.ResponseWriter, r *http.Request, col *colCollective) {
	col.trashed = time.Now().Unix()
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collective": c.collectiveJSON(col)})
}

func (c *collectivesStandIn) restoreCollective(w http.ResponseWriter, r *http.Request, col *colCollective) {
	col.trashed = 0
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collective": c.collectiveJSON(col)})
}

func (c *collectivesStandIn) deleteCollective(w http.ResponseWriter, r *http.Request, col *colCollective) {
	data := c.collectiveJSON(col)
	c.remove(col.owner, c.root(col))
	for id, p := range c.pages {
		if p.collectiveID == col.id {
			delete(c.pages, id)
		}
	}
	for id, t := range c.tags {
		if t.collectiveID == col.id {
			delete(c.tags, id)
		}
	}
	delete(c.collectives, col.id)
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"collective": data})
}

// ---- pages ----

// ---- tags ----

// ---- seeding for tests ----
