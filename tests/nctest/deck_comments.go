package nctest

import (
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Deck's OCS comments API and its share provider (files shared with a card).

func (h *deckHandlers) listComments(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
		if err != nil {
			return nil, err
		}
		limit, offset := int64(20), int64(0)
		if v, ok := in.num("limit"); ok {
			limit = v
		}
		if v, ok := in.num("offset"); ok {
			offset = v
		}
		var list []*deckCommentRec
		for _, cm := range h.st.comments {
			if cm.cardID == c.id {
				list = append(list, cm)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].id > list[j].id }) // newest first
		out := []any{}
		for i, cm := range list {
			if int64(i) < offset || int64(len(out)) >= limit {
				continue
			}
			out = append(out, h.commentJSON(cm, true))
		}
		return out, nil
	})
}

func (h *deckHandlers) createComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
		if err != nil {
			return nil, err
		}
		msg, _ := in.text("message")
		if strings.TrimSpace(msg) == "" {
			return nil, errBad("Invalid input values")
		}
		if utf8.RuneCountInString(msg) > 1000 {
			return nil, errBad("Message exceeds allowed character limit of 1000")
		}
		parent := int64(0)
		if v, ok := in.num("parentId"); ok && v != 0 {
			p := h.st.comments[v]
			if p == nil || p.cardID != c.id {
				return nil, errBad("Invalid parent id: The parent comment was not found or belongs to a different card")
			}
			parent = v
		}
		cm := &deckCommentRec{id: h.st.id(), cardID: c.id, parentID: parent, actor: user, message: msg, created: time.Now()}
		h.st.comments[cm.id] = cm
		return h.commentJSON(cm, true), nil
	})
}

func (h *deckHandlers) ownComment(r *http.Request, user string) (*deckCommentRec, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
	if err != nil {
		return nil, err
	}
	cm := h.st.comments[pathID(r, "commentId")]
	if cm == nil || cm.cardID != c.id {
		return nil, &apiErr{http.StatusNotFound, "No comment found."}
	}
	if cm.actor != user {
		return nil, &apiErr{http.StatusForbidden, "Only authors are allowed to edit their comment."}
	}
	return cm, nil
}

func (h *deckHandlers) updateComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		cm, err := h.ownComment(r, user)
		if err != nil {
			return nil, err
		}
		msg, _ := in.text("message")
		if utf8.RuneCountInString(msg) > 1000 {
			return nil, errBad("Message exceeds allowed character limit of 1000")
		}
		cm.message = msg
		return h.commentJSON(cm, false), nil
	})
}

func (h *deckHandlers) deleteComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		cm, err := h.ownComment(r, user)
		if err != nil {
			return nil, err
		}
		delete(h.st.comments, cm.id)
		return []any{}, nil
	})
}

// shareWithCard is Deck's share provider behind files_sharing: it shares a
// file of the user with a card, which then lists it as a "file" attachment.
func (h *deckHandlers) shareWithCard(w http.ResponseWriter, r *http.Request) {
	in, err := readParams(r)
	if err != nil {
		writeOCS(w, r, http.StatusBadRequest, 400, err.Error(), nil)
		return
	}
	user := UserOf(r)
	p, _ := in.text("path")
	if p == "" {
		writeOCS(w, r, http.StatusNotFound, 404, "Please specify a file or folder path", nil)
		return
	}
	if !h.fileExists(r, user, p) {
		writeOCS(w, r, http.StatusNotFound, 404, "Wrong path, file/folder does not exist", nil)
		return
	}
	cardID, ok := in.num("shareWith")
	h.st.mu.Lock()
	var c *deckCardRec
	var derr *apiErr
	if ok {
		c, _, _, derr = h.st.card(user, cardID, deckEdit)
	}
	if !ok || derr != nil {
		h.st.mu.Unlock()
		writeOCS(w, r, http.StatusNotFound, 404, "Sharing "+path.Base(p)+" failed, because the card could not be found or is not editable", nil)
		return
	}
	for _, a := range h.st.attachments {
		if a.cardID == c.id && a.typ == "file" && a.path == "/"+strings.TrimLeft(p, "/") {
			h.st.mu.Unlock()
			writeOCS(w, r, http.StatusForbidden, 403, "Path is already shared with this card", nil)
			return
		}
	}
	a := &deckAttachRec{id: h.st.id(), cardID: c.id, typ: "file", path: "/" + strings.TrimLeft(p, "/"), createdBy: user, created: deckNow()}
	h.st.attachments[a.id] = a
	h.changed(c)
	title := c.title
	h.st.mu.Unlock()
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{
		"id": strconv.FormatInt(a.id, 10), "share_type": 12, "uid_owner": user, "displayname_owner": user,
		"permissions": 19, "stime": a.created, "path": a.path, "item_type": "file", "file_target": "/" + path.Base(a.path),
		"share_with": strconv.FormatInt(c.id, 10), "share_with_displayname": title,
	})
}

// fileExists asks the WebDAV stand-in, when one is mounted, whether the
// user has the file; without one every path counts as existing.
func (h *deckHandlers) fileExists(r *http.Request, user, p string) bool {
	req := httptest.NewRequest("PROPFIND", "/remote.php/dav/files/"+user+"/"+strings.TrimLeft(p, "/"), nil)
	req = req.WithContext(r.Context())
	req.Header.Set("Depth", "0")
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if _, pattern := h.s.mux.Handler(req); pattern == "" || pattern == "/" {
		return true
	}
	rec := httptest.NewRecorder()
	h.s.mux.ServeHTTP(rec, req)
	return rec.Code == http.StatusMultiStatus || rec.Code == http.StatusOK
}
