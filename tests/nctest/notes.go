package nctest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The Notes app stand-in follows docs/api/v1.md and the app's
// NotesApiController/Helper: ETags are md5 hex strings (quoted in headers,
// bare in the etag attribute), If-Match is compared against the quoted
// value, chunked lists are ordered by last update and id, and errors are
// {"errorType": "<PHP exception class>"}.

const notesBase = "/index.php/apps/notes/api/v1"

type noteRec struct {
	id         int64
	title      string
	category   string
	content    string
	favorite   bool
	modified   int64
	lastUpdate int64
	rev        int
}

func (n *noteRec) etag() string {
	b, _ := json.Marshal([]any{n.id, n.title, n.category, n.content, n.favorite, n.modified, n.rev})
	return md5Hex(b)
}

func (n *noteRec) data(exclude map[string]bool) map[string]any {
	d := map[string]any{"id": n.id}
	add := func(k string, v any) {
		if !exclude[k] {
			d[k] = v
		}
	}
	add("title", n.title)
	add("category", n.category)
	add("content", n.content)
	add("favorite", n.favorite)
	add("modified", n.modified)
	add("readonly", false)
	// Helper::getNoteData sets etag after applying exclude.
	d["etag"] = n.etag()
	return d
}

type notesUser struct {
	notes       map[int64]*noteRec
	notesPath   string
	fileSuffix  string
	attachments map[int64]map[string]noteAttachment // note id => path => file
}

type notesState struct {
	mu     sync.Mutex
	nextID int64
	users  map[string]*notesUser
	now    func() time.Time
}

func (st *notesState) user(id string) *notesUser {
	u := st.users[id]
	if u == nil {
		u = &notesUser{notes: map[int64]*noteRec{}, notesPath: "Notes", fileSuffix: ".txt"}
		st.users[id] = u
	}
	return u
}

func notesError(w http.ResponseWriter, status int, class string) {
	w.Header().Set("X-Notes-API-Versions", "0.2, 1.3")
	writeJSON(w, status, map[string]string{"errorType": `OCA\Notes\` + class})
}

func notesJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("X-Notes-API-Versions", "0.2, 1.3")
	writeJSON(w, status, v)
}

var notesIllegalChars = strings.NewReplacer("*", "", "|", "", "/", "", `\`, "", ":", "", `"`, "", "<", "", ">", "", "?", "")
var notesLeadingDots = regexp.MustCompile(`(?m)^[. ]+`)

// notesSanitise mirrors NoteUtil::sanitisePath.
func notesSanitise(s string) string {
	s = notesIllegalChars.Replace(s)
	s = notesLeadingDots.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// notesSafeTitle mirrors NoteUtil::getSafeTitle.
func notesSafeTitle(s string) string {
	s = notesSanitise(s)
	s, _, _ = strings.Cut(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 100 {
		s = string([]rune(s)[:100])
	}
	if s == "" {
		s = "New note"
	}
	return s
}

// notesSafeCategory mirrors NoteUtil::getCategoryFolder's sanitising.
func notesSafeCategory(c string) string {
	var parts []string
	for _, p := range strings.Split(c, "/") {
		if p = notesSanitise(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

var notesNumberedTitle = regexp.MustCompile(`^(.*)\s\((\d+)\)$`)
var notesETagList = regexp.MustCompile(`,\s*`)

// uniqueTitle mirrors NoteUtil::generateFileName: "T", "T (2)", "T (3)".
func (u *notesUser) uniqueTitle(title, category string, self int64) string {
	for {
		taken := false
		for _, n := range u.notes {
			if n.id != self && n.category == category && n.title == title {
				taken = true
				break
			}
		}
		if !taken {
			return title
		}
		if m := notesNumberedTitle.FindStringSubmatch(title); m != nil {
			k, _ := strconv.Atoi(m[2])
			title = fmt.Sprintf("%s (%d)", m[1], k+1)
		} else {
			title += " (2)"
		}
	}
}

func (s *Server) registerNotes() {
	st := &notesState{nextID: 1000, users: map[string]*notesUser{}, now: time.Now}
	s.apps.notes = st
	s.mux.HandleFunc("GET "+notesBase+"/notes", st.list)
	s.mux.HandleFunc("POST "+notesBase+"/notes", st.create)
	s.mux.HandleFunc("GET "+notesBase+"/notes/{id}", st.withNote(st.get))
	s.mux.HandleFunc("PUT "+notesBase+"/notes/{id}", st.withNote(st.update))
	s.mux.HandleFunc("DELETE "+notesBase+"/notes/{id}", st.withNote(st.remove))
	s.mux.HandleFunc("GET "+notesBase+"/settings", st.getSettings)
	s.mux.HandleFunc("PUT "+notesBase+"/settings", st.putSettings)
	st.registerAttachments(s)
}

// withNote serves a route on note {id} of the user, with the store locked.
func (st *notesState) withNote(h func(w http.ResponseWriter, r *http.Request, u *notesUser, n *noteRec)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			notesError(w, http.StatusBadRequest, `Controller\InvalidId`)
			return
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		u := st.user(UserOf(r))
		n := u.notes[id]
		if n == nil {
			notesError(w, http.StatusNotFound, `Service\NoteDoesNotExistException`)
			return
		}
		h(w, r, u, n)
	}
}

func (st *notesState) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	exclude := map[string]bool{}
	for _, f := range strings.Split(q.Get("exclude"), ",") {
		exclude[strings.TrimSpace(f)] = true
	}
	pruneBefore, _ := strconv.ParseInt(q.Get("pruneBefore"), 10, 64)
	chunkSize, _ := strconv.Atoi(q.Get("chunkSize"))
	var cursor *[3]int64
	if cs := q.Get("chunkCursor"); cs != "" {
		parts := strings.Split(cs, "-")
		if len(parts) == 3 {
			var c [3]int64
			ok := true
			for i, p := range parts {
				v, err := strconv.ParseInt(p, 10, 64)
				if err != nil {
					ok = false
				}
				c[i] = v
			}
			if ok {
				cursor = &c
			}
		}
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.user(UserOf(r))
	timeStart := st.now().Unix()
	if cursor != nil {
		timeStart = cursor[0]
	}
	var all []*noteRec
	for _, n := range u.notes {
		if _, ok := q["category"]; ok && n.category != q.Get("category") {
			continue
		}
		all = append(all, n)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	var full []*noteRec
	for _, n := range all {
		pruned := pruneBefore > 0 && n.lastUpdate < pruneBefore
		before := cursor != nil && (n.lastUpdate < cursor[1] || (n.lastUpdate == cursor[1] && n.id <= cursor[2]))
		if !pruned && !before {
			full = append(full, n)
		}
	}
	sort.SliceStable(full, func(i, j int) bool {
		if full[i].lastUpdate != full[j].lastUpdate {
			return full[i].lastUpdate < full[j].lastUpdate
		}
		return full[i].id < full[j].id
	})
	chunk := full
	if chunkSize > 0 && len(full) > chunkSize {
		chunk = full[:chunkSize]
	}
	pending := len(full) - len(chunk)
	out := make([]map[string]any, 0, len(all))
	inChunk := map[int64]bool{}
	for _, n := range chunk {
		out = append(out, n.data(exclude))
		inChunk[n.id] = true
	}
	if pending > 0 {
		last := chunk[len(chunk)-1]
		w.Header().Set("X-Notes-Chunk-Cursor", fmt.Sprintf("%d-%d-%d", timeStart, last.lastUpdate, last.id))
		w.Header().Set("X-Notes-Chunk-Pending", strconv.Itoa(pending))
	} else {
		// The last chunk lists every other note by id (deletion detection).
		for _, n := range all {
			if !inChunk[n.id] {
				out = append(out, map[string]any{"id": n.id})
			}
		}
	}
	b, _ := json.Marshal(out)
	w.Header().Set("ETag", `"`+md5Hex(b)+`"`)
	w.Header().Set("Last-Modified", time.Unix(timeStart, 0).UTC().Format(http.TimeFormat))
	notesJSON(w, http.StatusOK, out)
}

func (st *notesState) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string `json:"title"`
		Content  string `json:"content"`
		Category string `json:"category"`
		Favorite bool   `json:"favorite"`
		Modified int64  `json:"modified"`
	}
	if !notesDecode(w, r, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.user(UserOf(r))
	st.nextID++
	now := st.now().Unix()
	n := &noteRec{id: st.nextID, category: notesSafeCategory(in.Category), content: in.Content, favorite: in.Favorite, modified: now, lastUpdate: now}
	if in.Modified != 0 {
		n.modified = in.Modified
	}
	n.title = u.uniqueTitle(notesSafeTitle(in.Title), n.category, n.id)
	u.notes[n.id] = n
	notesJSON(w, http.StatusOK, n.data(nil))
}

func (st *notesState) get(w http.ResponseWriter, r *http.Request, u *notesUser, n *noteRec) {
	exclude := map[string]bool{}
	for _, f := range strings.Split(r.URL.Query().Get("exclude"), ",") {
		exclude[strings.TrimSpace(f)] = true
	}
	w.Header().Set("ETag", `"`+n.etag()+`"`)
	notesJSON(w, http.StatusOK, n.data(exclude))
}

func (st *notesState) update(w http.ResponseWriter, r *http.Request, u *notesUser, n *noteRec) {
	if im := r.Header.Get("If-Match"); im != "" {
		match := false
		for _, e := range notesETagList.Split(im, -1) {
			if e == `"`+n.etag()+`"` {
				match = true
			}
		}
		if !match {
			notesJSON(w, http.StatusPreconditionFailed, n.data(nil))
			return
		}
	}
	var in struct {
		Title    *string `json:"title"`
		Content  *string `json:"content"`
		Category *string `json:"category"`
		Favorite *bool   `json:"favorite"`
		Modified *int64  `json:"modified"`
	}
	if !notesDecode(w, r, &in) {
		return
	}
	now := st.now().Unix()
	changed := false
	if in.Content != nil && *in.Content != n.content {
		n.content, n.modified, changed = *in.Content, now, true
	}
	if in.Modified != nil && *in.Modified != n.modified {
		n.modified, changed = *in.Modified, true
	}
	category := n.category
	if in.Category != nil {
		category = notesSafeCategory(*in.Category)
	}
	if in.Title != nil && *in.Title != n.title {
		n.title, n.category, changed = u.uniqueTitle(notesSafeTitle(*in.Title), category, n.id), category, true
	} else if category != n.category {
		n.title, n.category, changed = u.uniqueTitle(n.title, category, n.id), category, true
	}
	if in.Favorite != nil && *in.Favorite != n.favorite {
		n.favorite, changed = *in.Favorite, true
	}
	if changed {
		n.rev++
		n.lastUpdate = now
	}
	notesJSON(w, http.StatusOK, n.data(nil))
}

func (st *notesState) remove(w http.ResponseWriter, r *http.Request, u *notesUser, n *noteRec) {
	delete(u.notes, n.id)
	notesJSON(w, http.StatusOK, []any{})
}

func (st *notesState) getSettings(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.user(UserOf(r))
	notesJSON(w, http.StatusOK, map[string]string{"notesPath": u.notesPath, "fileSuffix": u.fileSuffix})
}

func (st *notesState) putSettings(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if !notesDecode(w, r, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.user(UserOf(r))
	if p, ok := in["notesPath"]; ok {
		// Omitted settings stay; empty ones fall back to the default.
		var parts []string
		for _, seg := range strings.Split(p, "/") {
			if seg = notesSanitise(seg); seg != "" && seg != ".." {
				parts = append(parts, seg)
			}
		}
		u.notesPath = strings.Join(parts, "/")
		if u.notesPath == "" {
			u.notesPath = "Notes"
		}
	}
	if sfx, ok := in["fileSuffix"]; ok {
		if sfx == ".txt" || sfx == ".md" {
			u.fileSuffix = sfx
		} else {
			u.fileSuffix = ".txt"
		}
	}
	notesJSON(w, http.StatusOK, map[string]string{"notesPath": u.notesPath, "fileSuffix": u.fileSuffix})
}

// notesDecode reads the JSON body into in; a body that is not JSON gets
// the Notes app's 400.
func notesDecode(w http.ResponseWriter, r *http.Request, in any) bool {
	if err := json.NewDecoder(r.Body).Decode(in); err != nil {
		notesError(w, http.StatusBadRequest, `Controller\BadRequest`)
		return false
	}
	return true
}
