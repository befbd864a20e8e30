package nctest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// File extras as Nextcloud's dav app serves them: comments
// (/remote.php/dav/comments/files/{fileid}, REPORT oc:filter-comments and
// POST of JSON), system tags (/remote.php/dav/systemtags/ and
// /remote.php/dav/systemtags-relations/files/{fileid}/{tagid}) and file
// versions (/remote.php/dav/versions/{user}/versions/{fileid}, restored by
// MOVE to /remote.php/dav/versions/{user}/restore/target). Files, their ids
// and contents come from the files stand-in, reached through the mux with
// the same WebDAV requests a client sends, so the two stay independent.

const (
	extrasNSOC = "http://owncloud.org/ns"
	extrasNSNC = "http://nextcloud.org/ns"
	// extrasMaxComment is IComment::MAX_MESSAGE_LENGTH.
	extrasMaxComment = 1000
)

// extrasNode is a file or folder of a user's files.
type extrasNode struct {
	ID    int64
	Path  string // relative to the user's root, no leading slash
	IsDir bool
	Mime  string
}

type extrasComment struct {
	id       int
	parentID int
	actor    string
	message  string
	created  time.Time
}

type extrasTag struct {
	id         int
	name       string
	visible    bool
	assignable bool
}

type extrasVersion struct {
	id       string // the version's timestamp, as Nextcloud names it
	content  []byte
	modified time.Time
	author   string
	label    string
}

type extrasStandIn struct {
	s           *Server
	mu          sync.Mutex
	nextComment int
	comments    map[int64][]*extrasComment
	nextTag     int
	tags        map[int]*extrasTag
	relations   map[int64]map[int]bool
	versions    map[int64][]*extrasVersion
	reminders   map[string]map[int64]time.Time // user => file id => due
}

// extrasHandler binds a handler method to the state; being a named type it
// lets extrasState find the state again through the mux.
type extrasHandler struct {
	st *extrasStandIn
	fn func(st *extrasStandIn, w http.ResponseWriter, r *http.Request)
}

func (h extrasHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.fn(h.st, w, r) }

const extrasTagsRoot = "/remote.php/dav/systemtags"

func (s *Server) registerFileExtras() {
	st := &extrasStandIn{s: s, nextComment: 100, comments: map[int64][]*extrasComment{}, nextTag: 0,
		tags: map[int]*extrasTag{}, relations: map[int64]map[int]bool{}, versions: map[int64][]*extrasVersion{},
		reminders: map[string]map[int64]time.Time{}}
	s.apps.extras = st
	h := func(pattern string, fn func(st *extrasStandIn, w http.ResponseWriter, r *http.Request)) {
		s.mux.Handle(pattern, extrasHandler{st, fn})
	}
	const comments = "/remote.php/dav/comments/files/{fileid}"
	h("REPORT "+comments, (*extrasStandIn).reportComments)
	h("REPORT "+comments+"/{$}", (*extrasStandIn).reportComments)
	h("PROPFIND "+comments, (*extrasStandIn).reportComments)
	h("PROPFIND "+comments+"/{$}", (*extrasStandIn).reportComments)
	h("POST "+comments, (*extrasStandIn).postComment)
	h("POST "+comments+"/{$}", (*extrasStandIn).postComment)

	h("PROPFIND "+extrasTagsRoot, (*extrasStandIn).listTags)
	h("PROPFIND "+extrasTagsRoot+"/{$}", (*extrasStandIn).listTags)
	h("PROPFIND "+extrasTagsRoot+"/{tagid}", (*extrasStandIn).getTag)
	h("POST "+extrasTagsRoot, (*extrasStandIn).createTag)
	h("POST "+extrasTagsRoot+"/{$}", (*extrasStandIn).createTag)
	const relations = "/remote.php/dav/systemtags-relations/files/{fileid}"
	h("PROPFIND "+relations, (*extrasStandIn).fileTags)
	h("PROPFIND "+relations+"/{$}", (*extrasStandIn).fileTags)
	h("PUT "+relations+"/{tagid}", (*extrasStandIn).assignTag)
	h("DELETE "+relations+"/{tagid}", (*extrasStandIn).unassignTag)

	const versions = "/remote.php/dav/versions/{user}/versions/{fileid}"
	h("PROPFIND "+versions, (*extrasStandIn).listVersions)
	h("PROPFIND "+versions+"/{$}", (*extrasStandIn).listVersions)
	h("GET "+versions+"/{version}", (*extrasStandIn).getVersion)
	st.registerEdits(h)
	st.registerReminders()
	h("MOVE "+versions+"/{version}", (*extrasStandIn).restoreVersion)
}

// ---- reaching the files stand-in ----

// filesDAV sends a WebDAV request for a user's files through the mux, as
// that user. It returns nil when no files stand-in is mounted.
func (s *Server) filesDAV(user, method, rel string, hdr http.Header, body []byte) *httptest.ResponseRecorder {
	target := (&url.URL{Path: "/remote.php/dav/files/" + user + "/" + strings.TrimLeft(rel, "/")}).EscapedPath()
	req := httptest.NewRequest(method, target, bytes.NewReader(body)).WithContext(withUser(context.Background(), user))
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if _, pattern := s.mux.Handler(req); pattern == "" {
		return nil
	}
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	return rec
}

type extrasMultistatus struct {
	Responses []struct {
		Href      string `xml:"DAV: href"`
		Propstats []struct {
			Status string `xml:"DAV: status"`
			Prop   struct {
				ResourceType struct {
					Collection *struct{} `xml:"DAV: collection"`
				} `xml:"DAV: resourcetype"`
				ContentType string `xml:"DAV: getcontenttype"`
				FileID      string `xml:"http://owncloud.org/ns fileid"`
			} `xml:"DAV: prop"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
}

// filesNodes lists rel (and below it, by depth) with file ids.
func (s *Server) filesNodes(user, rel, depth string) []extrasNode {
	body := `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:resourcetype/><d:getcontenttype/><oc:fileid/></d:prop></d:propfind>`
	rec := s.filesDAV(user, "PROPFIND", rel, http.Header{"Depth": {depth}, "Content-Type": {"application/xml"}}, []byte(body))
	if rec == nil || rec.Code != http.StatusMultiStatus {
		return nil
	}
	var ms extrasMultistatus
	if xml.Unmarshal(rec.Body.Bytes(), &ms) != nil {
		return nil
	}
	prefix := "/remote.php/dav/files/" + user + "/"
	var out []extrasNode
	for _, r := range ms.Responses {
		p := r.Href
		if u, err := url.Parse(p); err == nil {
			p = u.Path
		}
		if p+"/" == prefix {
			p = prefix
		}
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		n := extrasNode{Path: strings.Trim(rest, "/")}
		for _, ps := range r.Propstats {
			if !strings.Contains(ps.Status, " 200") {
				continue
			}
			if ps.Prop.ResourceType.Collection != nil {
				n.IsDir = true
			}
			if ps.Prop.ContentType != "" {
				n.Mime = ps.Prop.ContentType
			}
			if ps.Prop.FileID != "" {
				n.ID, _ = strconv.ParseInt(strings.TrimSpace(ps.Prop.FileID), 10, 64)
			}
		}
		if n.IsDir {
			n.Mime = "httpd/unix-directory"
		}
		out = append(out, n)
	}
	return out
}

// filesStat describes one path of a user's files.
func (s *Server) filesStat(user, rel string) (extrasNode, bool) {
	rel = strings.Trim(rel, "/")
	for _, n := range s.filesNodes(user, rel, "0") {
		if n.Path == rel {
			return n, true
		}
	}
	return extrasNode{}, false
}

// filesByID finds a file id in a user's files.
func (s *Server) filesByID(user string, id int64) (extrasNode, bool) {
	if id <= 0 {
		return extrasNode{}, false
	}
	for _, n := range s.filesNodes(user, "", "infinity") {
		if n.ID == id {
			return n, true
		}
	}
	return extrasNode{}, false
}

// ---- answers ----

func extrasSabreError(w http.ResponseWriter, status int, class, message string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(message))
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n  <s:exception>Sabre\\DAV\\Exception\\%s</s:exception>\n  <s:message>%s</s:message>\n</d:error>\n", class, esc.String())
}

// extrasProp is one property of a multistatus answer.
type extrasProp struct {
	ns, name, value string
}

type extrasResponse struct {
	href  string
	props []extrasProp
	// collection marks a <d:resourcetype><d:collection/>.
	collection bool
}

func extrasWriteMultistatus(w http.ResponseWriter, rs []extrasResponse) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">`)
	for _, r := range rs {
		b.WriteString("<d:response><d:href>")
		_ = xml.EscapeText(&b, []byte((&url.URL{Path: r.href}).EscapedPath()))
		b.WriteString("</d:href><d:propstat><d:prop>")
		if r.collection {
			b.WriteString("<d:resourcetype><d:collection/></d:resourcetype>")
		}
		for _, p := range r.props {
			prefix := map[string]string{"DAV:": "d", extrasNSOC: "oc", extrasNSNC: "nc"}[p.ns]
			fmt.Fprintf(&b, "<%s:%s>", prefix, p.name)
			_ = xml.EscapeText(&b, []byte(p.value))
			fmt.Fprintf(&b, "</%s:%s>", prefix, p.name)
		}
		b.WriteString("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")
	}
	b.WriteString("</d:multistatus>")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(b.Bytes())
}

func extrasBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// fileOf resolves the {fileid} of a request among the caller's files.
func (st *extrasStandIn) fileOf(w http.ResponseWriter, r *http.Request) (extrasNode, bool) {
	id, err := strconv.ParseInt(r.PathValue("fileid"), 10, 64)
	if err == nil {
		if n, ok := st.s.filesByID(UserOf(r), id); ok {
			return n, true
		}
	}
	extrasSabreError(w, http.StatusNotFound, "NotFound", "Entity does not exist or is not available")
	return extrasNode{}, false
}

// ---- comments ----

func (st *extrasStandIn) reportComments(w http.ResponseWriter, r *http.Request) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	limit, offset := 0, 0
	if r.Method == "REPORT" {
		var q struct {
			XMLName xml.Name
			Limit   string `xml:"http://owncloud.org/ns limit"`
			Offset  string `xml:"http://owncloud.org/ns offset"`
		}
		if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&q); err != nil {
			extrasSabreError(w, http.StatusBadRequest, "BadRequest", "The REPORT body is not valid XML")
			return
		}
		if q.XMLName != (xml.Name{Space: extrasNSOC, Local: "filter-comments"}) {
			extrasSabreError(w, http.StatusUnsupportedMediaType, "ReportNotSupported", fmt.Sprintf("The {%s}%s report is not supported on this url.", q.XMLName.Space, q.XMLName.Local))
			return
		}
		limit, _ = strconv.Atoi(strings.TrimSpace(q.Limit))
		offset, _ = strconv.Atoi(strings.TrimSpace(q.Offset))
	}
	base := fmt.Sprintf("/remote.php/dav/comments/files/%d", n.ID)
	st.mu.Lock()
	list := append([]*extrasComment(nil), st.comments[n.ID]...)
	st.mu.Unlock()
	// Newest first, as ICommentsManager::getForObject sorts.
	sort.SliceStable(list, func(i, j int) bool { return list[i].id > list[j].id })
	if offset > len(list) {
		offset = len(list)
	}
	list = list[offset:]
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	var rs []extrasResponse
	if r.Method == "PROPFIND" {
		rs = append(rs, extrasResponse{href: base + "/", collection: true, props: []extrasProp{{extrasNSOC, "readMarker", ""}}})
	}
	for _, c := range list {
		display := st.s.displayNameOr(c.actor)
		rs = append(rs, extrasResponse{href: fmt.Sprintf("%s/%d", base, c.id), props: []extrasProp{
			{extrasNSOC, "id", strconv.Itoa(c.id)},
			{extrasNSOC, "parentId", strconv.Itoa(c.parentID)},
			{extrasNSOC, "topmostParentId", strconv.Itoa(c.parentID)},
			{extrasNSOC, "childrenCount", "0"},
			{extrasNSOC, "message", c.message},
			{extrasNSOC, "verb", "comment"},
			{extrasNSOC, "actorType", "users"},
			{extrasNSOC, "actorId", c.actor},
			{extrasNSOC, "actorDisplayName", display},
			{extrasNSOC, "creationDateTime", c.created.UTC().Format(http.TimeFormat)},
			{extrasNSOC, "latestChildDateTime", ""},
			{extrasNSOC, "objectType", "files"},
			{extrasNSOC, "objectId", strconv.FormatInt(n.ID, 10)},
			{extrasNSOC, "referenceId", ""},
			{extrasNSOC, "isUnread", extrasBool(c.actor != UserOf(r))},
		}})
	}
	extrasWriteMultistatus(w, rs)
}

func (st *extrasStandIn) postComment(w http.ResponseWriter, r *http.Request) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if strings.TrimSpace(ct) != "application/json" {
		extrasSabreError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "")
		return
	}
	var in struct {
		ActorType string `json:"actorType"`
		Verb      string `json:"verb"`
		Message   string `json:"message"`
		ParentID  int    `json:"parentId"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", "Invalid JSON: "+err.Error())
		return
	}
	if in.ActorType != "users" {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid actor %q", in.ActorType))
		return
	}
	if in.Verb != "comment" {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid verb %q", in.Verb))
		return
	}
	if len([]rune(in.Message)) > extrasMaxComment {
		extrasSabreError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Message exceeds allowed character limit of %d", extrasMaxComment))
		return
	}
	st.mu.Lock()
	st.nextComment++
	c := &extrasComment{id: st.nextComment, parentID: in.ParentID, actor: UserOf(r), message: in.Message, created: time.Now()}
	st.comments[n.ID] = append(st.comments[n.ID], c)
	st.mu.Unlock()
	w.Header().Set("Content-Location", fmt.Sprintf("/remote.php/dav/comments/files/%d/%d", n.ID, c.id))
	w.WriteHeader(http.StatusCreated)
}
