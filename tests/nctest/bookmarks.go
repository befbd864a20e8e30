package nctest

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Bookmarks stand-in following the app's REST API v2: docs/bookmark.rst,
// docs/folder.rst and docs/tag.rst of nextcloud/bookmarks, and
// lib/Controller/BookmarkController.php / FoldersController.php for the
// parameters the docs leave out (limit, untagged) and the refusals:
// answers {"status":"success","data"|"item":...}; a bookmark one may not
// read is 404 {"status":"error","data":"Not found"}, one one may not edit
// 400 "Insufficient permissions", a folder 400 "Could not find folder".
// The root folder is -1; GET /tag is a bare list of names.

const bookmarksPrefix = "/index.php/apps/bookmarks/"

type bookmarksStandIn struct {
	mu      sync.Mutex
	nextID  int64
	marks   map[int64]*bookmarkRec
	folders map[int64]*bmFolderRec
}

type bookmarkRec struct {
	id                      int64
	user                    string
	url, title, description string
	tags                    []string
	folders                 []int64
	added, modified         int64
}

type bmFolderRec struct {
	id, parent int64
	user       string
	title      string
}

func (s *Server) registerBookmarks() {
	b := &bookmarksStandIn{marks: map[int64]*bookmarkRec{}, folders: map[int64]*bmFolderRec{}}
	s.apps.bookmarks = b
	p := bookmarksPrefix + "public/rest/v2/"
	h := func(fn apiFn) http.HandlerFunc {
		return lockedHandler(&b.mu, fn, func(w http.ResponseWriter, _ *http.Request, data any) { writeJSON(w, http.StatusOK, data) },
			func(w http.ResponseWriter, _ *http.Request, e *apiErr) {
				writeJSON(w, e.status, map[string]any{"status": "error", "data": e.msg})
			})
	}
	s.mux.HandleFunc("GET "+p+"bookmark", h(b.list))
	s.mux.HandleFunc("POST "+p+"bookmark", h(b.create))
	s.mux.HandleFunc("GET "+p+"bookmark/{id}", h(b.get))
	s.mux.HandleFunc("PUT "+p+"bookmark/{id}", h(b.update))
	s.mux.HandleFunc("DELETE "+p+"bookmark/{id}", h(b.remove))
	s.mux.HandleFunc("GET "+p+"folder", h(b.listFolders))
	s.mux.HandleFunc("POST "+p+"folder", h(b.createFolder))
	s.mux.HandleFunc("DELETE "+p+"folder/{id}", h(b.deleteFolder))
	s.mux.HandleFunc("GET "+p+"tag", h(b.tags))
	s.mux.HandleFunc("PUT "+p+"tag/{name}", h(b.renameTag))
	s.mux.HandleFunc("DELETE "+p+"tag/{name}", h(b.deleteTag))
}

func bmOK(key string, v any) map[string]any {
	m := map[string]any{"status": "success"}
	if key != "" {
		m[key] = v
	}
	return m
}

func (b *bookmarksStandIn) json(m *bookmarkRec) map[string]any {
	folders := m.folders
	if len(folders) == 0 {
		folders = []int64{-1}
	}
	return map[string]any{"id": m.id, "url": m.url, "title": m.title, "description": m.description,
		"tags": append([]string{}, m.tags...), "folders": folders, "added": m.added, "lastmodified": m.modified,
		"clickcount": 0, "available": true, "userId": m.user, "archivedFile": nil}
}

// listParams reads the array parameters PHP gets from "tags[]=a&tags[]=b".
func listParam(r *http.Request, p params, name string) []string {
	if v := r.URL.Query()[name+"[]"]; len(v) > 0 {
		return v
	}
	if arr, ok := p[name].([]any); ok {
		var out []string
		for _, x := range arr {
			out = append(out, paramString(x))
		}
		return out
	}
	return nil
}

func (b *bookmarksStandIn) list(r *http.Request, user string, p params) (any, *apiErr) {
	page, ok1 := p.int("page", 0)
	limit, ok2 := p.int("limit", 10)
	if !ok1 || !ok2 {
		return nil, errBad("page and limit must be integers")
	}
	tags := listParam(r, p, "tags")
	words := listParam(r, p, "search")
	and := strings.EqualFold(p.str("conjunction"), "and")
	var folder *int64
	if p.has("folder") {
		f, ok := p.num("folder")
		if !ok || (f != -1 && !b.ownFolder(user, f)) {
			return nil, errBad("Insufficient permissions")
		}
		folder = &f
	}
	untagged := p.bool("untagged")
	link := p.str("url")
	var picked []*bookmarkRec
	for _, m := range b.marks {
		if m.user != user {
			continue
		}
		if link != "" && m.url != link {
			continue
		}
		if untagged && len(m.tags) > 0 {
			continue
		}
		if len(tags) > 0 {
			hits := 0
			for _, t := range tags {
				if slices.Contains(m.tags, t) {
					hits++
				}
			}
			if (and && hits < len(tags)) || (!and && hits == 0) {
				continue
			}
		}
		if folder != nil && !slices.Contains(b.foldersOf(m), *folder) {
			continue
		}
		// Every search word must be in url, title or description.
		text := strings.ToLower(m.url + " " + m.title + " " + m.description)
		if !all(words, func(w string) bool { return strings.Contains(text, strings.ToLower(w)) }) {
			continue
		}
		picked = append(picked, m)
	}
	sortBy := p.str("sortby")
	sort.Slice(picked, func(i, j int) bool {
		a, c := picked[i], picked[j]
		switch sortBy {
		case "title":
			return a.title < c.title
		case "url":
			return a.url < c.url
		}
		if a.modified != c.modified {
			return a.modified > c.modified
		}
		return a.id > c.id
	})
	if page >= 0 {
		start := min(int(page*limit), len(picked))
		picked = picked[start:min(start+int(limit), len(picked))]
	}
	out := []any{}
	for _, m := range picked {
		out = append(out, b.json(m))
	}
	return map[string]any{"status": "success", "data": out}, nil
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}

func (b *bookmarksStandIn) foldersOf(m *bookmarkRec) []int64 {
	if len(m.folders) == 0 {
		return []int64{-1}
	}
	return m.folders
}

func (b *bookmarksStandIn) ownFolder(user string, id int64) bool {
	f := b.folders[id]
	return f != nil && f.user == user
}

func (b *bookmarksStandIn) own(user string, r *http.Request) *bookmarkRec {
	m := b.marks[pathID(r, "id")]
	if m == nil || m.user != user {
		return nil
	}
	return m
}

func (b *bookmarksStandIn) get(r *http.Request, user string, _ params) (any, *apiErr) {
	m := b.own(user, r)
	if m == nil {
		return nil, errStatus(http.StatusNotFound, "Not found")
	}
	return bmOK("item", b.json(m)), nil
}

// folderList reads "folders" ([-1, 3]); ok is false when a folder is not
// the user's.
func (b *bookmarksStandIn) folderList(user string, p params) ([]int64, bool) {
	arr, _ := p["folders"].([]any)
	var out []int64
	for _, x := range arr {
		id, ok := scalarInt(x)
		if !ok || (id != -1 && !b.ownFolder(user, id)) {
			return nil, false
		}
		if id != -1 {
			out = append(out, id)
		}
	}
	return out, true
}

func validBookmarkURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func tagList(p params) []string {
	arr, _ := p["tags"].([]any)
	out := []string{}
	for _, x := range arr {
		if t := strings.TrimSpace(paramString(x)); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (b *bookmarksStandIn) create(r *http.Request, user string, p params) (any, *apiErr) {
	folders, ok := b.folderList(user, p)
	if !ok {
		return nil, errBad("Insufficient permissions")
	}
	link := p.str("url")
	if !validBookmarkURL(link) {
		return nil, errBad("Invalid URL")
	}
	// The app keeps no duplicates: the same URL gives the existing one.
	for _, m := range b.marks {
		if m.user == user && m.url == link {
			return bmOK("item", b.json(m)), nil
		}
	}
	title := link
	if p.has("title") {
		title = p.str("title")
	}
	m := b.add(user, link, title, p.str("description"), tagList(p), folders)
	return bmOK("item", b.json(m)), nil
}

func (b *bookmarksStandIn) add(user, link, title, desc string, tags []string, folders []int64) *bookmarkRec {
	b.nextID++
	now := time.Now().Unix()
	m := &bookmarkRec{id: b.nextID, user: user, url: link, title: title, description: desc, tags: tags, folders: folders, added: now, modified: now}
	b.marks[m.id] = m
	return m
}

func (b *bookmarksStandIn) update(r *http.Request, user string, p params) (any, *apiErr) {
	m := b.own(user, r)
	if m == nil {
		return nil, errBad("Insufficient permissions")
	}
	var folders []int64
	if p.has("folders") {
		f, ok := b.folderList(user, p)
		if !ok {
			return nil, errBad("Insufficient permissions")
		}
		folders = f
	}
	if p.has("url") {
		if !validBookmarkURL(p.str("url")) {
			return nil, errBad("Invald URL") // sic, as the app spells it
		}
		m.url = p.str("url")
	}
	given(p, "title", &m.title, params.str)
	given(p, "description", &m.description, params.str)
	if p.has("tags") {
		m.tags = tagList(p)
	}
	if p.has("folders") {
		m.folders = folders
	}
	m.modified = time.Now().Unix()
	return bmOK("item", b.json(m)), nil
}

func (b *bookmarksStandIn) remove(r *http.Request, user string, _ params) (any, *apiErr) {
	m := b.own(user, r)
	if m == nil {
		return nil, errBad("Insufficient permissions")
	}
	delete(b.marks, m.id)
	return bmOK("", nil), nil
}

func (b *bookmarksStandIn) folderTree(user string, parent int64) []any {
	out := []any{}
	for _, f := range recordsByID(b.folders, func(f *bmFolderRec) bool { return f.user == user && f.parent == parent }) {
		out = append(out, map[string]any{"id": f.id, "title": f.title, "parent_folder": f.parent, "userId": f.user,
			"children": b.folderTree(user, f.id)})
	}
	return out
}

func (b *bookmarksStandIn) listFolders(r *http.Request, user string, p params) (any, *apiErr) {
	root, ok := p.int("root", -1)
	if !ok || (root != -1 && !b.ownFolder(user, root)) {
		return nil, errBad("Insufficient permissions")
	}
	return bmOK("data", b.folderTree(user, root)), nil
}

func (b *bookmarksStandIn) createFolder(r *http.Request, user string, p params) (any, *apiErr) {
	parent, ok := p.int("parent_folder", -1)
	if !ok || (parent != -1 && !b.ownFolder(user, parent)) {
		return nil, errBad("Could not find parent folder")
	}
	b.nextID++
	f := &bmFolderRec{id: b.nextID, parent: parent, user: user, title: p.str("title")}
	b.folders[f.id] = f
	return bmOK("item", map[string]any{"id": f.id, "title": f.title, "parent_folder": f.parent, "userId": user}), nil
}

// deleteFolder removes the folder, its subfolders, and the bookmarks that
// were in no other folder.
func (b *bookmarksStandIn) deleteFolder(r *http.Request, user string, _ params) (any, *apiErr) {
	id := pathID(r, "id")
	if !b.ownFolder(user, id) {
		return nil, errBad("Could not find folder")
	}
	b.dropFolder(id)
	return bmOK("", nil), nil
}

func (b *bookmarksStandIn) dropFolder(id int64) {
	for cid, c := range b.folders {
		if c.parent == id {
			b.dropFolder(cid)
		}
	}
	delete(b.folders, id)
	for mid, m := range b.marks {
		if i := slices.Index(m.folders, id); i >= 0 {
			m.folders = slices.Delete(m.folders, i, i+1)
			if len(m.folders) == 0 {
				delete(b.marks, mid)
			}
		}
	}
}

func (b *bookmarksStandIn) tagsOf(user string) []string {
	var out []string
	for _, m := range b.marks {
		for _, t := range m.tags {
			if m.user == user && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (b *bookmarksStandIn) tags(r *http.Request, user string, _ params) (any, *apiErr) {
	return append([]string{}, b.tagsOf(user)...), nil
}

func (b *bookmarksStandIn) renameTag(r *http.Request, user string, p params) (any, *apiErr) {
	from := r.PathValue("name")
	to := p.str("name")
	if to == "" {
		to = p.str("new_name")
	}
	if from == "" || to == "" {
		return nil, errBad("Must provide old_name and a new name")
	}
	for _, m := range b.marks {
		if i := slices.Index(m.tags, from); m.user == user && i >= 0 {
			m.tags = slices.Delete(m.tags, i, i+1)
			if !slices.Contains(m.tags, to) {
				m.tags = append(m.tags, to)
			}
		}
	}
	return bmOK("", nil), nil
}

func (b *bookmarksStandIn) deleteTag(r *http.Request, user string, _ params) (any, *apiErr) {
	name := r.PathValue("name")
	for _, m := range b.marks {
		if i := slices.Index(m.tags, name); m.user == user && i >= 0 {
			m.tags = slices.Delete(m.tags, i, i+1)
		}
	}
	return bmOK("", nil), nil
}

// AddBookmarkFolder adds a folder for user below parent (-1: the root)
// and returns its id.
func (s *Server) AddBookmarkFolder(user, title string, parent int64) int64 {
	b := s.apps.bookmarks
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	b.folders[b.nextID] = &bmFolderRec{id: b.nextID, parent: parent, user: user, title: title}
	return b.nextID
}

// AddBookmark adds a bookmark for user in folders (none: the root) and
// returns its id; each one added later counts as modified later.
func (s *Server) AddBookmark(user, link, title, description string, tags []string, folders ...int64) int64 {
	b := s.apps.bookmarks
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.add(user, link, title, description, append([]string{}, tags...), folders)
	m.modified += m.id // a stable newest-first order within one second
	return m.id
}

// Bookmark is a stored bookmark as tests see it.
type Bookmark struct {
	User, URL, Title, Description string
	Tags                          []string
	Folders                       []int64
}

// Bookmarks gives every stored bookmark by id.
func (s *Server) Bookmarks() map[int64]Bookmark {
	b := s.apps.bookmarks
	return lockedMap(&b.mu, b.marks, func(_ int64, m *bookmarkRec) Bookmark {
		return Bookmark{User: m.user, URL: m.url, Title: m.title, Description: m.description,
			Tags: slices.Clone(m.tags), Folders: slices.Clone(m.folders)}
	})
}

// BookmarkFolders gives every stored folder id with its title.
func (s *Server) BookmarkFolders() map[int64]string {
	b := s.apps.bookmarks
	return lockedMap(&b.mu, b.folders, func(_ int64, f *bmFolderRec) string { return f.user + ":" + f.title })
}
