package nctest

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"
)

// News stand-in following docs/api/api-v1-3.md of nextcloud/news: plain
// JSON below /index.php/apps/news/api/v1-3/, errors as {"message": ...}.
// Items come newest first (id descending); offset returns ids below it.

const newsPrefix = "/index.php/apps/news/"

type newsStandIn struct {
	s   *Server
	mux *http.ServeMux

	mu      sync.Mutex
	nextID  int64
	folders map[int64]*newsFolder
	feeds   map[int64]*newsFeed
	items   map[int64]*newsItem
	// cronBroken is News' improperlyConfiguredCron warning.
	cronBroken bool
}

// SetNewsCronBroken sets the improperlyConfiguredCron warning of /status.
func (s *Server) SetNewsCronBroken(on bool) {
	n := s.apps.news
	n.mu.Lock()
	n.cronBroken = on
	n.mu.Unlock()
}

type newsFolder struct {
	id    int64
	user  string
	name  string
	added int64
}

type newsFeed struct {
	id         int64
	user       string
	folderID   int64 // 0: root
	url, title string
	link       string
	added      int64
	errCount   int
	lastError  string
}

type newsItem struct {
	id                   int64
	feedID               int64
	title, body, url     string
	author               string
	pubDate              int64
	unread, starred      bool
	lastModified         int64
	enclosure, encloMime string
}

func (s *Server) registerNews() {
	n := &newsStandIn{s: s, mux: http.NewServeMux(), folders: map[int64]*newsFolder{}, feeds: map[int64]*newsFeed{}, items: map[int64]*newsItem{}}
	s.apps.news = n
	b := "/index.php/apps/news/api/v1-3/"
	n.mux.HandleFunc("GET "+b+"version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"version": appVersions["news"]})
	})
	// status as News' ApiController/StatusService answers it (docs/api/api-v1-3.md).
	n.mux.HandleFunc("GET "+b+"status", func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		cron := n.cronBroken
		n.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"version": appVersions["news"],
			"warnings": map[string]any{"improperlyConfiguredCron": cron, "incorrectDbCharset": false}})
	})
	n.mux.HandleFunc("GET "+b+"folders", n.listFolders)
	n.mux.HandleFunc("POST "+b+"folders", n.createFolder)
	n.mux.HandleFunc("POST "+b+"folders/{id}/read", readIn(n, n.folders, "Folder not found!", func(id int64, _ *newsItem, f *newsFeed) bool { return f.folderID == id }))
	n.mux.HandleFunc("GET "+b+"feeds", n.listFeeds)
	n.mux.HandleFunc("POST "+b+"feeds/{id}/read", readIn(n, n.feeds, "Feed not found!", func(id int64, it *newsItem, _ *newsFeed) bool { return it.feedID == id }))
	n.mux.HandleFunc("GET "+b+"items", n.listItems)
	n.mux.HandleFunc("POST "+b+"items/read", n.readAll)
	n.mux.HandleFunc("POST "+b+"items/{id}/{action}", n.markOne)
	n.mux.HandleFunc("POST "+b+"items/{action}/multiple", n.markMany)
	n.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "route not found"})
	})
	s.mux.Handle(newsPrefix, n)
	s.AddSearchProvider(SearchProvider{ID: "news_item", AppID: "news", Name: "News articles", Order: 60, Search: n.search})
}

func (n *newsStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { n.mux.ServeHTTP(w, r) }

func newsError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg})
}

func (n *newsStandIn) feedOf(it *newsItem) *newsFeed { return n.feeds[it.feedID] }

func (n *newsStandIn) itemJSON(it *newsItem) map[string]any {
	sum := md5.Sum([]byte(it.url + it.title))
	var encl, mime any
	if it.enclosure != "" {
		encl, mime = it.enclosure, it.encloMime
	}
	return map[string]any{
		"id": it.id, "guid": it.url, "guidHash": hex.EncodeToString(sum[:]), "url": it.url, "title": it.title,
		"author": it.author, "pubDate": it.pubDate, "updatedDate": nil, "body": it.body,
		"enclosureMime": mime, "enclosureLink": encl, "mediaThumbnail": nil, "mediaDescription": nil,
		"feedId": it.feedID, "unread": it.unread, "starred": it.starred, "rtl": false,
		"lastModified": strconv.FormatInt(it.lastModified, 10) + "000000", "fingerprint": hex.EncodeToString(sum[:8]),
		"contentHash": hex.EncodeToString(sum[:]),
	}
}

func (n *newsStandIn) listFolders(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	n.mu.Lock()
	defer n.mu.Unlock()
	out := []any{}
	for _, f := range n.sortedFolders(uid) {
		out = append(out, map[string]any{"id": f.id, "name": f.name, "opened": true})
	}
	writeJSON(w, http.StatusOK, map[string]any{"folders": out})
}

func (n *newsStandIn) sortedFolders(uid string) []*newsFolder {
	return recordsByID(n.folders, func(f *newsFolder) bool { return f.user == uid })
}

func (n *newsStandIn) createFolder(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	name := paramsOf(r).str("name")
	n.mu.Lock()
	defer n.mu.Unlock()
	if name == "" {
		newsError(w, http.StatusUnprocessableEntity, "Folder name can not be empty")
		return
	}
	for _, f := range n.folders {
		if f.user == uid && f.name == name {
			newsError(w, http.StatusConflict, "Can not add folder: Exists already")
			return
		}
	}
	f := n.addFolder(uid, name)
	writeJSON(w, http.StatusOK, map[string]any{"folders": []any{map[string]any{"id": f.id, "name": f.name, "opened": true}}})
}

func (n *newsStandIn) addFolder(uid, name string) *newsFolder {
	n.nextID++
	f := &newsFolder{id: n.nextID, user: uid, name: name, added: time.Now().Unix()}
	n.folders[f.id] = f
	return f
}

func (n *newsStandIn) listFeeds(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	n.mu.Lock()
	defer n.mu.Unlock()
	feeds := recordsByID(n.feeds, func(f *newsFeed) bool { return f.user == uid })
	out := []any{}
	starred, newest := 0, int64(0)
	for _, it := range n.items {
		if f := n.feedOf(it); f != nil && f.user == uid {
			if it.starred {
				starred++
			}
			newest = max(newest, it.id)
		}
	}
	for _, f := range feeds {
		unread := 0
		for _, it := range n.items {
			if it.feedID == f.id && it.unread {
				unread++
			}
		}
		var folder any = f.folderID
		if f.folderID == 0 {
			folder = nil
		}
		var lastErr any
		if f.lastError != "" {
			lastErr = f.lastError
		}
		out = append(out, map[string]any{
			"id": f.id, "url": f.url, "title": f.title, "faviconLink": f.link + "/favicon.ico", "added": f.added,
			"nextUpdateTime": nil, "folderId": folder, "unreadCount": unread, "ordering": 0, "link": f.link,
			"pinned": false, "updateErrorCount": f.errCount, "lastUpdateError": lastErr,
		})
	}
	resp := map[string]any{"feeds": out, "starredCount": starred}
	if newest > 0 {
		resp["newestItemId"] = newest
	}
	writeJSON(w, http.StatusOK, resp)
}

func (n *newsStandIn) listItems(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	typ, ok1 := p.int("type", 3)
	id, ok2 := p.int("id", 0)
	batch, ok3 := p.int("batchSize", -1)
	offset, ok4 := p.int("offset", 0)
	if !ok1 || !ok2 || !ok3 || !ok4 || typ < 0 || typ > 6 {
		newsError(w, http.StatusBadRequest, "invalid parameters")
		return
	}
	getRead := !p.has("getRead") || p.bool("getRead")
	oldestFirst := p.bool("oldestFirst")
	n.mu.Lock()
	defer n.mu.Unlock()
	var picked []*newsItem
	for _, it := range n.items {
		f := n.feedOf(it)
		if f == nil || f.user != uid {
			continue
		}
		switch typ {
		case 0:
			if it.feedID != id {
				continue
			}
		case 1:
			if f.folderID != id {
				continue
			}
		case 2:
			if !it.starred {
				continue
			}
		}
		if !getRead && !it.unread {
			continue
		}
		if offset > 0 && ((!oldestFirst && it.id >= offset) || (oldestFirst && it.id <= offset)) {
			continue
		}
		picked = append(picked, it)
	}
	sort.Slice(picked, func(i, j int) bool {
		if oldestFirst {
			return picked[i].id < picked[j].id
		}
		return picked[i].id > picked[j].id
	})
	if batch > 0 && int64(len(picked)) > batch {
		picked = picked[:batch]
	}
	out := []any{}
	for _, it := range picked {
		out = append(out, n.itemJSON(it))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (n *newsStandIn) ownItem(uid string, id int64) *newsItem {
	it := n.items[id]
	if it == nil {
		return nil
	}
	if f := n.feedOf(it); f == nil || f.user != uid {
		return nil
	}
	return it
}

func (n *newsStandIn) apply(it *newsItem, action string) bool {
	switch action {
	case "read":
		it.unread = false
	case "unread":
		it.unread = true
	case "star":
		it.starred = true
	case "unstar":
		it.starred = false
	default:
		return false
	}
	it.lastModified = time.Now().Unix()
	return true
}

func (n *newsStandIn) markOne(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		newsError(w, http.StatusNotFound, "route not found")
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	it := n.ownItem(uid, id)
	if it == nil {
		newsError(w, http.StatusNotFound, "Item not found!")
		return
	}
	if !n.apply(it, r.PathValue("action")) {
		newsError(w, http.StatusNotFound, "route not found")
		return
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (n *newsStandIn) markMany(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	raw, _ := p["itemIds"].([]any)
	if raw == nil {
		raw, _ = p["items"].([]any)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, v := range raw {
		f, ok := v.(float64)
		if !ok {
			newsError(w, http.StatusBadRequest, "itemIds must be a list of ids")
			return
		}
		// Unknown ids are skipped, as the app does.
		if it := n.ownItem(uid, int64(f)); it != nil {
			if !n.apply(it, r.PathValue("action")) {
				newsError(w, http.StatusNotFound, "route not found")
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (n *newsStandIn) markReadWhere(w http.ResponseWriter, r *http.Request, match func(*newsItem, *newsFeed) bool) {
	uid := UserOf(r)
	newest, ok := paramsOf(r).int("newestItemId", 0)
	if !ok {
		newsError(w, http.StatusBadRequest, "newestItemId must be an integer")
		return
	}
	for _, it := range n.items {
		f := n.feedOf(it)
		if f != nil && f.user == uid && it.id <= newest && match(it, f) {
			n.apply(it, "read")
		}
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (f *newsFeed) owner() string   { return f.user }
func (f *newsFolder) owner() string { return f.user }

// readIn answers POST {feeds,folders}/{id}/read: notFound's 404 unless
// the caller owns the one id names in all, else the caller's items that
// are in it marks read.
func readIn[T interface{ owner() string }](n *newsStandIn, all map[int64]T, notFound string, in func(id int64, it *newsItem, f *newsFeed) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		n.mu.Lock()
		defer n.mu.Unlock()
		if x, ok := all[id]; !ok || x.owner() != UserOf(r) {
			newsError(w, http.StatusNotFound, notFound)
			return
		}
		n.markReadWhere(w, r, func(it *newsItem, f *newsFeed) bool { return in(id, it, f) })
	}
}

func (n *newsStandIn) readAll(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.markReadWhere(w, r, func(*newsItem, *newsFeed) bool { return true })
}

func (n *newsStandIn) search(uid, term string) []SearchHit {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []int64
	for id, it := range n.items {
		if f := n.feedOf(it); f != nil && f.user == uid && matchFold(term, it.title, it.body) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	var hits []SearchHit
	for _, id := range ids {
		it := n.items[id]
		hits = append(hits, SearchHit{Title: it.title, Subline: n.feeds[it.feedID].title,
			ResourceURL: "/apps/news/item/" + strconv.FormatInt(id, 10), Icon: "icon-news",
			Attributes: map[string]string{"itemId": strconv.FormatInt(id, 10)}})
	}
	return hits
}

// AddNewsFolder adds a News folder for user and returns its id.
func (s *Server) AddNewsFolder(user, name string) int64 {
	n := s.apps.news
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addFolder(user, name).id
}

// AddNewsFeed subscribes user to a feed (folderID 0: root) and returns its id.
func (s *Server) AddNewsFeed(user string, folderID int64, title, feedURL string) int64 {
	n := s.apps.news
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextID++
	u, _ := url.Parse(feedURL)
	f := &newsFeed{id: n.nextID, user: user, folderID: folderID, url: feedURL, title: title,
		link: u.Scheme + "://" + u.Host, added: time.Now().Unix()}
	n.feeds[f.id] = f
	return f.id
}

// SetNewsFeedFailing records failed updates of a feed.
func (s *Server) SetNewsFeedFailing(feedID int64, count int, lastError string) {
	n := s.apps.news
	n.mu.Lock()
	defer n.mu.Unlock()
	n.feeds[feedID].errCount = count
	n.feeds[feedID].lastError = lastError
}

// AddNewsArticle adds an unread item to a feed and returns its id.
func (s *Server) AddNewsArticle(feedID int64, title, body, link, author string) int64 {
	n := s.apps.news
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextID++
	now := time.Now().Unix()
	it := &newsItem{id: n.nextID, feedID: feedID, title: title, body: body, url: link, author: author,
		pubDate: now - 3600, unread: true, lastModified: now}
	n.items[it.id] = it
	return it.id
}

// NewsItemState reports an item's unread and starred flags.
func (s *Server) NewsItemState(id int64) (unread, starred bool) {
	n := s.apps.news
	n.mu.Lock()
	defer n.mu.Unlock()
	it := n.items[id]
	if it == nil {
		return false, false
	}
	return it.unread, it.starred
}
