package nctest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Editing and deleting comments and deleting system tags, as
// apps/dav/lib/Comments/CommentNode.php and SystemTag/SystemTagNode.php of
// nextcloud/server answer them: PROPPATCH of oc:message on
// /remote.php/dav/comments/files/{fileid}/{commentid} (207; 403 "Only
// authors are allowed to edit their comment."; 400 over 1000 characters),
// DELETE of the comment (204; 403 for others' comments) and DELETE of
// /remote.php/dav/systemtags/{tagid} (204; 403 "No permission to delete
// tag" for non-admins; 404 for tags the user cannot see).

func (st *extrasStandIn) registerEdits(h func(pattern string, fn func(st *extrasStandIn, w http.ResponseWriter, r *http.Request))) {
	const comment = "/remote.php/dav/comments/files/{fileid}/{commentid}"
	h("PROPPATCH "+comment, (*extrasStandIn).editComment)
	h("DELETE "+comment, (*extrasStandIn).deleteComment)
	h("DELETE "+extrasTagsRoot+"/{tagid}", (*extrasStandIn).deleteTag)
}

// onComment runs f, holding st.mu, on the index of {commentid} on fileID
// once it has checked that the caller wrote it; otherwise it answers 403
// or 404 itself.
func (st *extrasStandIn) onComment(w http.ResponseWriter, r *http.Request, fileID int64, f func(i int)) {
	id, _ := strconv.Atoi(r.PathValue("commentid"))
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, c := range st.comments[fileID] {
		if c.id != id {
			continue
		}
		if c.actor != UserOf(r) {
			extrasSabreError(w, http.StatusForbidden, "Forbidden", "Only authors are allowed to edit their comment.")
			return
		}
		f(i)
		return
	}
	extrasSabreError(w, http.StatusNotFound, "NotFound", "Comment not found")
}

func (st *extrasStandIn) editComment(w http.ResponseWriter, r *http.Request) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	var q struct {
		XMLName xml.Name
		Message *string `xml:"set>prop>message"`
	}
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&q); err != nil || q.XMLName != (xml.Name{Space: "DAV:", Local: "propertyupdate"}) {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", "The request body is not a DAV:propertyupdate")
		return
	}
	st.onComment(w, r, n.ID, func(i int) {
		if q.Message == nil {
			// Sabre answers 207 with 403 for read-only properties; nothing changes.
			extrasWriteMultistatus(w, nil)
			return
		}
		if len([]rune(*q.Message)) > extrasMaxComment {
			extrasSabreError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Message exceeds allowed character limit of %d", extrasMaxComment))
			return
		}
		c := st.comments[n.ID][i]
		c.message = *q.Message
		href := fmt.Sprintf("/remote.php/dav/comments/files/%d/%d", n.ID, c.id)
		extrasWriteMultistatus(w, []extrasResponse{{href: href, props: []extrasProp{{extrasNSOC, "message", ""}}}})
	})
}

func (st *extrasStandIn) deleteComment(w http.ResponseWriter, r *http.Request) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	st.onComment(w, r, n.ID, func(i int) {
		list := st.comments[n.ID]
		st.comments[n.ID] = append(list[:i:i], list[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	})
}

func (st *extrasStandIn) deleteTag(w http.ResponseWriter, r *http.Request) {
	user := UserOf(r)
	id, _ := strconv.Atoi(r.PathValue("tagid"))
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.tags[id] == nil {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "Tag with id "+r.PathValue("tagid")+" not found")
		return
	}
	if !st.isAdmin(user) {
		extrasSabreError(w, http.StatusForbidden, "Forbidden", "No permission to delete tag "+r.PathValue("tagid"))
		return
	}
	delete(st.tags, id)
	for _, rel := range st.relations {
		delete(rel, id)
	}
	w.WriteHeader(http.StatusNoContent)
}

// FileComments returns the messages of the comments on a file, oldest first.
func (s *Server) FileComments(fileID int64) []string {
	st := s.apps.extras
	st.mu.Lock()
	defer st.mu.Unlock()
	out := []string{}
	for _, c := range st.comments[fileID] {
		out = append(out, c.message)
	}
	return out
}

// SystemTagNames lists the names of all system tags, by id.
func (s *Server) SystemTagNames() map[int]string {
	st := s.apps.extras
	return lockedMap(&st.mu, st.tags, func(_ int, t *extrasTag) string { return t.name })
}

// AddFileComment stores a comment by user on a file and returns its id.
func (s *Server) AddFileComment(fileID int64, user, message string) int {
	st := s.apps.extras
	st.mu.Lock()
	defer st.mu.Unlock()
	st.nextComment++
	st.comments[fileID] = append(st.comments[fileID], &extrasComment{id: st.nextComment, actor: user, message: message, created: time.Now()})
	return st.nextComment
}
