package nctest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Collectives pages: the page tree, moves, emoji and tags, trash, search.

// activeCollective resolves {cid} for page routes; it has answered when
// ok is false.
func (c *collectivesStandIn) activeCollective(w http.ResponseWriter, r *http.Request) (*colCollective, bool) {
	col, ok := c.ownCollective(r, "cid")
	if !ok || col.trashed > 0 {
		colNotFound(w, r, "Collective")
		return nil, false
	}
	return col, true
}

// pageRoute resolves {cid} and the page {id} that find accepts (live or
// trashed); it has answered when ok is false.
// onPage serves a route on page {id} of collective {cid}, found by find
// (live or trashed pages), with the store locked; what names the page in
// the 404 answer.
func (c *collectivesStandIn) onPage(find func(*colCollective, string) *colPage, what string, fn func(w http.ResponseWriter, r *http.Request, col *colCollective, p *colPage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if col, p, ok := c.pageRoute(w, r, find, what); ok {
			fn(w, r, col, p)
		}
	}
}

func (c *collectivesStandIn) pageRoute(w http.ResponseWriter, r *http.Request, find func(*colCollective, string) *colPage, what string) (*colCollective, *colPage, bool) {
	col, ok := c.activeCollective(w, r)
	if !ok {
		return nil, nil, false
	}
	p := find(col, r.PathValue("id"))
	if p == nil {
		colNotFound(w, r, what)
		return nil, nil, false
	}
	return col, p, true
}

func (c *collectivesStandIn) livePage(col *colCollective, raw string) *colPage {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil
	}
	p := c.pages[id]
	if p == nil || p.collectiveID != col.id || p.trashed > 0 || p.trashedWith > 0 {
		return nil
	}
	return p
}

func (c *collectivesStandIn) livePages(col *colCollective) []*colPage {
	return recordsByID(c.pages, func(p *colPage) bool { return p.collectiveID == col.id && p.trashed == 0 && p.trashedWith == 0 })
}

func (c *collectivesStandIn) listPages(w http.ResponseWriter, r *http.Request, col *colCollective) {
	out := []any{}
	for _, p := range c.livePages(col) {
		out = append(out, c.pageJSON(p))
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"pages": out})
}

func (c *collectivesStandIn) getPage(w http.ResponseWriter, r *http.Request, _ *colCollective, p *colPage) {
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func validPageTitle(t string) bool {
	return strings.TrimSpace(t) != "" && !strings.ContainsAny(t, "/\\") && t != "." && t != ".." && !strings.EqualFold(t, "Readme")
}

func (c *collectivesStandIn) createPage(w http.ResponseWriter, r *http.Request, col *colCollective, parent *colPage) {
	uid := UserOf(r)
	title := strings.TrimSpace(paramsOf(r).str("title"))
	if !validPageTitle(title) {
		writeOCS(w, r, http.StatusBadRequest, 400, "Invalid page title", nil)
		return
	}
	c.makeFolder(uid, parent)
	c.nextID++
	p := &colPage{id: c.nextID, collectiveID: col.id, parentID: parent.id, title: c.uniqueTitle(parent, title, 0), lastUser: uid, modified: time.Now().Unix()}
	c.pages[p.id] = p
	if !c.write(uid, c.file(p), "") {
		delete(c.pages, p.id)
		writeOCS(w, r, http.StatusInternalServerError, 500, "could not write the page file", nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) movePage(w http.ResponseWriter, r *http.Request, col *colCollective, p *colPage) {
	uid := UserOf(r)
	prm := paramsOf(r)
	if prm.bool("copy") {
		writeOCS(w, r, http.StatusBadRequest, 400, "copying is not supported by the test server", nil)
		return
	}
	parent := c.pages[p.parentID]
	if prm.has("parentId") {
		parent = c.livePage(col, prm.str("parentId"))
		if parent == nil {
			colNotFound(w, r, "Parent page")
			return
		}
	}
	title := p.title
	if prm.has("title") {
		title = strings.TrimSpace(prm.str("title"))
		if !validPageTitle(title) {
			writeOCS(w, r, http.StatusBadRequest, 400, "Invalid page title", nil)
			return
		}
	}
	if p.parentID == 0 {
		writeOCS(w, r, http.StatusForbidden, 403, "The landing page cannot be moved or renamed", nil)
		return
	}
	for a := parent; a != nil; a = c.pages[a.parentID] {
		if a.id == p.id {
			writeOCS(w, r, http.StatusForbidden, 403, "A page cannot be moved below itself", nil)
			return
		}
		if a.parentID == 0 {
			break
		}
	}
	oldPath := c.file(p)
	if p.folder {
		oldPath = c.dir(p)
	}
	c.makeFolder(uid, parent)
	p.parentID = parent.id
	p.title = c.uniqueTitle(parent, title, p.id)
	newPath := c.file(p)
	if p.folder {
		newPath = c.dir(p)
	}
	if !c.move(uid, oldPath, newPath) {
		writeOCS(w, r, http.StatusInternalServerError, 500, "could not move the page file", nil)
		return
	}
	p.lastUser, p.modified = uid, time.Now().Unix()
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) pageEmoji(w http.ResponseWriter, r *http.Request, _ *colCollective, p *colPage) {
	prm := paramsOf(r)
	p.emoji = prm.str("emoji")
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) pageTag(w http.ResponseWriter, r *http.Request, col *colCollective, p *colPage) {
	tid, _ := strconv.ParseInt(r.PathValue("tag"), 10, 64)
	if t := c.tags[tid]; t == nil || t.collectiveID != col.id {
		colNotFound(w, r, "Tag")
		return
	}
	i := -1
	for k, id := range p.tags {
		if id == tid {
			i = k
		}
	}
	if r.Method == http.MethodDelete {
		if i >= 0 {
			p.tags = append(p.tags[:i], p.tags[i+1:]...)
		}
	} else if i < 0 {
		p.tags = append(p.tags, tid)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) trashPage(w http.ResponseWriter, r *http.Request, col *colCollective, p *colPage) {
	if p.parentID == 0 {
		writeOCS(w, r, http.StatusForbidden, 403, "The landing page cannot be trashed", nil)
		return
	}
	sub := c.subtree(p)
	for _, q := range sub {
		q.saved, _ = c.read(col.owner, c.file(q))
	}
	if p.folder {
		c.remove(col.owner, c.dir(p))
	} else {
		c.remove(col.owner, c.file(p))
	}
	p.trashed = time.Now().Unix()
	for _, q := range sub[1:] {
		q.trashedWith = p.id
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) trashedPage(col *colCollective, raw string) *colPage {
	id, _ := strconv.ParseInt(raw, 10, 64)
	p := c.pages[id]
	if p == nil || p.collectiveID != col.id || p.trashed == 0 {
		return nil
	}
	return p
}

func (c *collectivesStandIn) listTrashedPages(w http.ResponseWriter, r *http.Request, col *colCollective) {
	ps := recordsByID(c.pages, func(p *colPage) bool { return p.collectiveID == col.id && p.trashed > 0 })
	out := []any{}
	for _, p := range ps {
		out = append(out, c.pageJSON(p))
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"pages": out})
}

func (c *collectivesStandIn) restorePage(w http.ResponseWriter, r *http.Request, col *colCollective, p *colPage) {
	uid := UserOf(r)
	// A page whose parent is gone comes back below the landing page.
	if parent := c.pages[p.parentID]; parent == nil || parent.trashed > 0 || parent.trashedWith > 0 {
		p.parentID = col.landing
	}
	parent := c.pages[p.parentID]
	c.makeFolder(uid, parent)
	p.title = c.uniqueTitle(parent, p.title, p.id)
	p.trashed = 0
	var sub []*colPage
	for _, q := range c.pages {
		if q.trashedWith == p.id {
			q.trashedWith = 0
			sub = append(sub, q)
		}
	}
	for _, q := range append([]*colPage{p}, sub...) {
		c.write(uid, c.file(q), q.saved)
		q.saved = ""
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"page": c.pageJSON(p)})
}

func (c *collectivesStandIn) deletePage(w http.ResponseWriter, r *http.Request, _ *colCollective, p *colPage) {
	for id, q := range c.pages {
		if q.trashedWith == p.id {
			delete(c.pages, id)
		}
	}
	delete(c.pages, p.id)
	writeOCS(w, r, http.StatusOK, 200, "OK", []any{})
}

func (c *collectivesStandIn) search(w http.ResponseWriter, r *http.Request, col *colCollective) {
	term := strings.ToLower(strings.TrimSpace(paramsOf(r).str("searchString")))
	out := []any{}
	for _, p := range c.matching(col, term) {
		out = append(out, c.pageJSON(p))
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"pages": out})
}

// matching finds live pages whose title or markdown contains term.
func (c *collectivesStandIn) matching(col *colCollective, term string) []*colPage {
	if term == "" {
		return nil
	}
	var out []*colPage
	for _, p := range c.livePages(col) {
		title := p.title
		if p.parentID == 0 {
			title = col.name
		}
		body, _ := c.read(col.owner, c.file(p))
		if matchFold(term, title, body) {
			out = append(out, p)
		}
	}
	return out
}

func (c *collectivesStandIn) searchProvider(uid, term string) []SearchHit {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := sortedIDs(c.collectives, func(_ int64, col *colCollective) bool { return col.owner == uid && col.trashed == 0 })
	var hits []SearchHit
	for _, id := range ids {
		col := c.collectives[id]
		for _, p := range c.matching(col, term) {
			title := p.title
			if p.parentID == 0 {
				title = col.name
			}
			hits = append(hits, SearchHit{Title: title, Subline: "in " + col.name,
				ResourceURL: "/apps/collectives/" + url.PathEscape(slugOf(col.name)) + "-" + strconv.FormatInt(col.id, 10) + "/" + url.PathEscape(slugOf(title)) + "-" + strconv.FormatInt(p.id, 10),
				Icon:        "icon-collectives-page"})
		}
	}
	return hits
}

func (c *collectivesStandIn) listTags(w http.ResponseWriter, r *http.Request, col *colCollective) {
	ts := recordsByID(c.tags, func(t *colTag) bool { return t.collectiveID == col.id })
	out := []any{}
	for _, t := range ts {
		out = append(out, map[string]any{"id": t.id, "collectiveId": t.collectiveID, "name": t.name, "color": t.color})
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"tags": out})
}

var tagColorRe = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

func (c *collectivesStandIn) createTag(w http.ResponseWriter, r *http.Request, col *colCollective) {
	prm := paramsOf(r)
	name, color := strings.TrimSpace(prm.str("name")), strings.TrimPrefix(prm.str("color"), "#")
	if name == "" || !tagColorRe.MatchString(color) {
		writeOCS(w, r, http.StatusBadRequest, 400, "Invalid tag name or color", nil)
		return
	}
	for _, t := range c.tags {
		if t.collectiveID == col.id && strings.EqualFold(t.name, name) {
			writeOCS(w, r, http.StatusBadRequest, 400, "A tag with this name exists already", nil)
			return
		}
	}
	c.nextID++
	t := &colTag{id: c.nextID, collectiveID: col.id, name: name, color: color}
	c.tags[t.id] = t
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"tag": map[string]any{"id": t.id, "collectiveId": t.collectiveID, "name": t.name, "color": t.color}})
}
