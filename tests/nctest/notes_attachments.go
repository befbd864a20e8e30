package nctest

import (
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Note attachments (Notes API 1.4, lib/Controller/NotesApiController.php
// getAttachment and appinfo/routes.php of nextcloud/notes): GET
// /api/v1.4/attachment/{noteid}?path= streams the file at path relative
// to the note's folder, with Content-Type and Content-Disposition; a
// missing note or file is a 404 with {"errorType": ...}.

type noteAttachment struct {
	mime string
	data []byte
}

func (st *notesState) registerAttachments(s *Server) {
	s.mux.HandleFunc("GET /index.php/apps/notes/api/v1.4/attachment/{id}", st.withNote(st.attachment))
}

func (st *notesState) attachment(w http.ResponseWriter, r *http.Request, u *notesUser, n *noteRec) {
	p := path.Clean(r.URL.Query().Get("path"))
	a, ok := u.attachments[n.id][p]
	if !ok || strings.HasPrefix(p, "../") || p == ".." {
		notesError(w, http.StatusNotFound, `OCP\Files\NotFoundException`)
		return
	}
	w.Header().Set("Content-Type", a.mime)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(p)}))
	w.Header().Set("Content-Length", strconv.Itoa(len(a.data)))
	_, _ = w.Write(a.data)
}

// AddNoteAttachment stores a file next to user's note, at p relative to
// the note's folder (as ".attachments.<id>/name").
func (s *Server) AddNoteAttachment(user string, noteID int64, p, mimeType string, data []byte) {
	st := s.apps.notes
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.user(user)
	if u.attachments == nil {
		u.attachments = map[int64]map[string]noteAttachment{}
	}
	if u.attachments[noteID] == nil {
		u.attachments[noteID] = map[string]noteAttachment{}
	}
	u.attachments[noteID][path.Clean(p)] = noteAttachment{mime: mimeType, data: data}
}
