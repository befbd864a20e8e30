package nctest

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Mail messages: listing with filters, bodies, attachments, moves, flags and tags.

func mailAddrsJSON(list []map[string]string) []any {
	out := []any{}
	for _, a := range list {
		out = append(out, map[string]any{"label": a["label"], "email": a["email"]})
	}
	return out
}

func (m *mailStandIn) messageJSON(user string, msg *mailMsg) map[string]any {
	tags := []any{}
	for _, t := range m.tagsOf(user) {
		for _, l := range msg.tags {
			if l == t.label {
				tags = append(tags, mailTagJSON(user, t))
			}
		}
	}
	preview := msg.text
	if preview == "" {
		preview = msg.html
	}
	if len(preview) > 100 {
		preview = preview[:100]
	}
	return map[string]any{
		"databaseId": msg.id, "id": msg.id, "uid": msg.uid, "subject": msg.subject, "dateInt": msg.date,
		"flags": map[string]any{"seen": msg.seen, "flagged": msg.flagged, "answered": msg.answered, "deleted": false,
			"draft": false, "forwarded": false, "hasAttachments": len(msg.attachments) > 0, "mdnsent": false,
			"important": mailHasLabel(msg.tags, "$label1")},
		"tags": tags, "from": mailAddrsJSON(msg.from), "to": mailAddrsJSON(msg.to), "cc": mailAddrsJSON(msg.cc), "bcc": mailAddrsJSON(msg.bcc),
		"mailboxId": msg.mailboxID, "messageId": msg.messageID, "inReplyTo": msg.inReplyTo, "references": nil,
		"threadRootId": msg.messageID, "imipMessage": false, "previewText": preview, "encrypted": false,
	}
}

func mailHasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}

// matches applies the app's filter string (FilterStringParser).
func mailMatches(msg *mailMsg, filter string) bool {
	for _, tok := range strings.Split(filter, " ") {
		if tok == "" {
			continue
		}
		key, val, has := strings.Cut(tok, ":")
		if has {
			val, _ = url.QueryUnescape(val)
		}
		addrHas := func(list []map[string]string) bool {
			for _, a := range list {
				if matchFold(strings.ToLower(val), a["email"], a["label"]) {
					return true
				}
			}
			return false
		}
		switch {
		case has && (key == "is" || key == "not"):
			var v bool
			switch val {
			case "unread":
				v = !msg.seen
			case "read":
				v = msg.seen
			case "starred":
				v = msg.flagged
			case "answered":
				v = msg.answered
			case "important":
				v = mailHasLabel(msg.tags, "$label1")
			default:
				continue
			}
			if v != (key == "is") {
				return false
			}
		case has && key == "from":
			if !addrHas(msg.from) {
				return false
			}
		case has && key == "to":
			if !addrHas(msg.to) {
				return false
			}
		case has && key == "subject":
			if !matchFold(strings.ToLower(val), msg.subject) {
				return false
			}
		case has && key == "tags":
			ok := false
			for _, l := range strings.Split(val, ",") {
				ok = ok || mailHasLabel(msg.tags, l)
			}
			if !ok {
				return false
			}
		default:
			// Free text matches subject, sender and body.
			t := strings.ToLower(tok)
			if !matchFold(t, msg.subject, msg.text, msg.html) && !mailAddrHasText(msg.from, t) {
				return false
			}
		}
	}
	return true
}

func mailAddrHasText(list []map[string]string, t string) bool {
	for _, a := range list {
		if matchFold(t, a["email"], a["label"]) {
			return true
		}
	}
	return false
}

func (m *mailStandIn) listMessages(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	q := r.URL.Query()
	mbID, err := strconv.ParseInt(q.Get("mailboxId"), 10, 64)
	if err != nil {
		mailFail(w, http.StatusBadRequest, "mailboxId is missing or not a number")
		return
	}
	cursor, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	limit := 20
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = n
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.accountOf(mbID); a == nil || a.user != uid {
		mailForbidden(w)
		return
	}
	var list []*mailMsg
	for _, msg := range m.messages {
		if msg.mailboxID == mbID && (cursor == 0 || msg.date < cursor) && mailMatches(msg, q.Get("filter")) {
			list = append(list, msg)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].date != list[j].date {
			return list[i].date > list[j].date
		}
		return list[i].id > list[j].id
	})
	if len(list) > limit {
		list = list[:limit]
	}
	out := []any{}
	for _, msg := range list {
		out = append(out, m.messageJSON(uid, msg))
	}
	writeJSON(w, http.StatusOK, out)
}

func (m *mailStandIn) showMessage(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	writeJSON(w, http.StatusOK, m.messageJSON(uid, msg))
}

func (m *mailStandIn) body(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	out := m.messageJSON(uid, msg)
	atts := []any{}
	for i, a := range msg.attachments {
		aid := strconv.Itoa(i + 2)
		atts = append(atts, map[string]any{
			"id": aid, "messageId": msg.id, "fileName": a.Name, "mime": a.Mime, "size": len(a.Content),
			"cid": nil, "disposition": "attachment",
			"downloadUrl": m.s.URL + "/index.php/apps/mail/api/messages/" + strconv.FormatInt(msg.id, 10) + "/attachment/" + aid,
			"isImage":     strings.HasPrefix(a.Mime, "image/"), "isCalendarEvent": a.Mime == "text/calendar",
		})
	}
	if msg.html != "" {
		out["hasHtmlBody"] = true
		out["body"] = msg.html
	} else {
		out["hasHtmlBody"] = false
		// The app turns links of plain bodies into anchors.
		out["body"] = mailLinkify(msg.text)
		out["signature"] = nil
	}
	out["attachments"] = atts
	out["accountId"] = m.accountOf(msg.mailboxID).id
	out["isSenderTrusted"] = false
	out["smime"] = map[string]any{"isSigned": false, "signatureIsValid": nil, "isEncrypted": false}
	writeJSON(w, http.StatusOK, out)
}

func mailLinkify(text string) string {
	words := strings.Split(text, " ")
	for i, w := range words {
		if strings.HasPrefix(w, "https://") || strings.HasPrefix(w, "http://") {
			words[i] = `<a href="` + w + `" rel="noopener noreferrer" target="_blank">` + w + `</a>`
		}
	}
	return strings.Join(words, " ")
}

func (m *mailStandIn) htmlBody(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if msg == nil {
		_, _ = w.Write([]byte("<p>Not allowed</p>"))
		return
	}
	_, _ = w.Write([]byte(msg.html))
}

func (m *mailStandIn) attachment(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	i, err := strconv.Atoi(r.PathValue("att"))
	if err != nil || i < 2 || i-2 >= len(msg.attachments) {
		// Horde cannot find the MIME part: a service error.
		writeJSON(w, http.StatusInternalServerError, map[string]any{"status": "error", "message": "Attachment not found", "data": nil})
		return
	}
	a := msg.attachments[i-2]
	w.Header().Set("Content-Type", a.Mime)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Content)))
	_, _ = w.Write(a.Content)
}

func (m *mailStandIn) move(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	dest, ok := paramsOf(r).int("destFolderId", 0)
	if !ok {
		mailForbidden(w)
		return
	}
	if a := m.accountOf(dest); a == nil || a.user != uid {
		mailForbidden(w)
		return
	}
	msg.mailboxID = dest
	writeJSON(w, http.StatusOK, []any{})
}

func (m *mailStandIn) deleteMessage(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	trash := m.box(m.accountOf(msg.mailboxID).id, "trash")
	if trash != nil && msg.mailboxID != trash.id {
		msg.mailboxID = trash.id
	} else {
		delete(m.messages, msg.id)
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (m *mailStandIn) flags(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	flags, _ := paramsOf(r)["flags"].(map[string]any)
	for k, v := range flags {
		on := v == true || v == "true" || v == 1.0 || v == "1"
		switch k {
		case "seen":
			msg.seen = on
		case "flagged":
			msg.flagged = on
		case "answered":
			msg.answered = on
		}
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (m *mailStandIn) tag(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg) {
	label := r.PathValue("label")
	var tag *mailTagRec
	for _, t := range m.tagsOf(uid) {
		if t.label == label {
			tag = t
		}
	}
	if tag == nil {
		mailForbidden(w)
		return
	}
	if r.Method == http.MethodDelete {
		var kept []string
		for _, l := range msg.tags {
			if l != label {
				kept = append(kept, l)
			}
		}
		msg.tags = kept
	} else if !mailHasLabel(msg.tags, label) {
		msg.tags = append(msg.tags, label)
	}
	writeJSON(w, http.StatusOK, mailTagJSON(uid, tag))
}

func (m *mailStandIn) createTag(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	name, color := p.str("displayName"), p.str("color")
	m.mu.Lock()
	defer m.mu.Unlock()
	if len([]rune(name)) > 128 {
		mailFail(w, http.StatusBadRequest, "The maximum length for displayName is 128")
		return
	}
	if len([]rune(color)) > 9 {
		mailFail(w, http.StatusBadRequest, "The maximum length for color is 9")
		return
	}
	label := "$" + strings.ToLower(strings.ReplaceAll(name, " ", "_"))
	for _, t := range m.tagsOf(uid) {
		if t.label == label {
			mailFail(w, http.StatusBadRequest, "Tag already exists")
			return
		}
	}
	m.nextID++
	t := &mailTagRec{id: m.nextID, name: name, label: label, color: color}
	m.tags[uid] = append(m.tags[uid], t)
	writeJSON(w, http.StatusOK, mailTagJSON(uid, t))
}
