package nctest

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mail stand-in following appinfo/routes.php and lib/Controller of
// nextcloud/mail: accounts, mailboxes, messages (list with the app's
// filter string and dateInt cursor, envelope, body, attachment download,
// move, delete, flags, tags), tag creation and sending through the
// outbox. Like the app it answers 403 with [] for ids that do not exist
// or belong to someone else, and JSend bodies from the outbox.
// Sending delivers to the Sent mailbox and, for addresses of accounts on
// this server, to their INBOX; everything sent is recorded (MailSent).

const mailPrefix = "/index.php/apps/mail/"

type mailStandIn struct {
	s   *Server
	mux *http.ServeMux

	mu        sync.Mutex
	nextID    int64
	accounts  map[int64]*mailAccount
	mailboxes map[int64]*mailBox
	messages  map[int64]*mailMsg
	tags      map[string][]*mailTagRec // by user
	outbox    map[int64]*mailOutgoing
	sent      []SentMail
}

type mailAccount struct {
	id    int64
	user  string
	name  string
	email string
}

type mailBox struct {
	id        int64
	accountID int64
	name      string
	role      string
}

type mailMsg struct {
	id          int64
	mailboxID   int64
	uid         int64
	subject     string
	from        []map[string]string
	to, cc, bcc []map[string]string
	date        int64
	seen        bool
	flagged     bool
	answered    bool
	tags        []string // imap labels
	text        string
	html        string
	attachments []MailAttachment
	messageID   string
	inReplyTo   string
}

// MailAttachment is an attachment of a seeded message.
type MailAttachment struct {
	Name    string
	Mime    string
	Content []byte
}

type mailTagRec struct {
	id      int64
	name    string
	label   string
	color   string
	builtin bool
}

type mailOutgoing struct {
	id        int64
	user      string
	accountID int64
	subject   string
	body      string
	html      bool
	to, cc    []map[string]string
	bcc       []map[string]string
	inReplyTo string
}

// SentMail is a message the stand-in sent.
type SentMail struct {
	From      string
	To, CC    []string
	BCC       []string
	Subject   string
	Body      string
	HTML      bool
	InReplyTo string
}

func (s *Server) registerMail() {
	m := &mailStandIn{s: s, mux: http.NewServeMux(), accounts: map[int64]*mailAccount{}, mailboxes: map[int64]*mailBox{},
		messages: map[int64]*mailMsg{}, tags: map[string][]*mailTagRec{}, outbox: map[int64]*mailOutgoing{}}
	s.apps.mail = m
	b := "/index.php/apps/mail/api/"
	m.mux.HandleFunc("GET "+b+"accounts", m.listAccounts)
	m.mux.HandleFunc("GET "+b+"mailboxes", m.listMailboxes)
	m.mux.HandleFunc("GET "+b+"messages", m.listMessages)
	m.mux.HandleFunc("GET "+b+"messages/{id}", m.showMessage)
	m.mux.HandleFunc("DELETE "+b+"messages/{id}", m.deleteMessage)
	m.mux.HandleFunc("GET "+b+"messages/{id}/body", m.body)
	m.mux.HandleFunc("GET "+b+"messages/{id}/html", m.htmlBody)
	m.mux.HandleFunc("GET "+b+"messages/{id}/attachment/{att}", m.attachment)
	m.mux.HandleFunc("POST "+b+"messages/{id}/move", m.move)
	m.mux.HandleFunc("PUT "+b+"messages/{id}/flags", m.flags)
	m.mux.HandleFunc("PUT "+b+"messages/{id}/tags/{label}", m.tag)
	m.mux.HandleFunc("DELETE "+b+"messages/{id}/tags/{label}", m.tag)
	m.mux.HandleFunc("POST "+b+"tags", m.createTag)
	m.mux.HandleFunc("POST "+b+"outbox", m.outboxCreate)
	m.mux.HandleFunc("POST "+b+"outbox/{id}", m.outboxSend)
	m.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeNotFoundPage(w) })
	s.mux.Handle(mailPrefix, m)
	s.AddSearchProvider(SearchProvider{ID: "mail", AppID: "mail", Name: "Mails", Order: 50, Search: m.search})
}

func (m *mailStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// forbidden is the app's answer for ids that do not exist or are not the
// user's (DoesNotExistException → 403 []).
func mailForbidden(w http.ResponseWriter) { writeJSON(w, http.StatusForbidden, []any{}) }

func mailFail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": "fail", "data": map[string]any{"message": msg, "type": "OCA\\Mail\\Exception\\ClientException"}})
}

func (m *mailStandIn) tagsOf(user string) []*mailTagRec {
	if m.tags[user] == nil {
		for i, n := range []string{"Important", "Work", "Personal", "To Do", "Later"} {
			m.nextID++
			m.tags[user] = append(m.tags[user], &mailTagRec{id: m.nextID, name: n, label: "$label" + strconv.Itoa(i+1),
				color: []string{"#FF7A66", "#31CC7C", "#A85BF7", "#317CCC", "#B4A443"}[i], builtin: true})
		}
	}
	return m.tags[user]
}

func mailTagJSON(user string, t *mailTagRec) map[string]any {
	return map[string]any{"id": t.id, "userId": user, "displayName": t.name, "imapLabel": t.label, "color": t.color, "isDefaultTag": t.builtin}
}

// ownMessage returns a message of user's, or nil.
func (m *mailStandIn) ownMessage(user, raw string) *mailMsg {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil
	}
	msg := m.messages[id]
	if msg == nil {
		return nil
	}
	if a := m.accountOf(msg.mailboxID); a == nil || a.user != user {
		return nil
	}
	return msg
}

func (m *mailStandIn) accountOf(mailboxID int64) *mailAccount {
	if mb := m.mailboxes[mailboxID]; mb != nil {
		return m.accounts[mb.accountID]
	}
	return nil
}

func (m *mailStandIn) box(accountID int64, role string) *mailBox {
	for _, mb := range m.mailboxes {
		if mb.accountID == accountID && mb.role == role {
			return mb
		}
	}
	return nil
}

func (m *mailStandIn) accountJSON(a *mailAccount) map[string]any {
	id := func(role string) any {
		if mb := m.box(a.id, role); mb != nil {
			return mb.id
		}
		return nil
	}
	return map[string]any{
		"id": a.id, "accountId": a.id, "name": a.name, "emailAddress": a.email, "imapHost": "imap.example.com",
		"imapPort": 993, "imapUser": a.email, "imapSslMode": "ssl", "smtpHost": "smtp.example.com", "smtpPort": 587,
		"smtpUser": a.email, "smtpSslMode": "tls", "signature": nil, "editorMode": "plaintext", "order": a.id,
		"showSubscribedOnly": false, "personalNamespace": nil, "draftsMailboxId": id("drafts"), "sentMailboxId": id("sent"),
		"trashMailboxId": id("trash"), "archiveMailboxId": id("archive"), "sieveEnabled": false, "aliases": []any{},
	}
}

func (m *mailStandIn) listAccounts(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	as := recordsByID(m.accounts, func(a *mailAccount) bool { return a.user == uid })
	out := []any{}
	for _, a := range as {
		out = append(out, m.accountJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (m *mailStandIn) listMailboxes(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	aid, _ := strconv.ParseInt(r.URL.Query().Get("accountId"), 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.accounts[aid]
	if a == nil || a.user != uid {
		mailFail(w, http.StatusBadRequest, fmt.Sprintf("Account %d does not exist or you don't have permission to access it", aid))
		return
	}
	bs := recordsByID(m.mailboxes, func(mb *mailBox) bool { return mb.accountID == aid })
	out := []any{}
	for _, mb := range bs {
		unread := 0
		for _, msg := range m.messages {
			if msg.mailboxID == mb.id && !msg.seen {
				unread++
			}
		}
		special := []string{}
		if mb.role != "" {
			special = []string{mb.role}
		}
		var role any
		if mb.role != "" {
			role = mb.role
		}
		out = append(out, map[string]any{
			"databaseId": mb.id, "id": base64.StdEncoding.EncodeToString([]byte(mb.name)), "name": mb.name,
			"accountId": mb.accountID, "displayName": mb.name, "attributes": []string{}, "delimiter": ".",
			"specialUse": special, "specialRole": role, "mailboxes": []any{}, "syncInBackground": mb.role == "inbox",
			"unread": unread, "myAcls": nil, "shared": false,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": aid, "email": a.email, "mailboxes": out, "delimiter": "."})
}

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

func (m *mailStandIn) showMessage(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
	writeJSON(w, http.StatusOK, m.messageJSON(uid, msg))
}

func (m *mailStandIn) body(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
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

func (m *mailStandIn) attachment(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
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

func (m *mailStandIn) move(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	dest, ok := paramsOf(r).int("destFolderId", 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil || !ok {
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

func (m *mailStandIn) deleteMessage(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
	trash := m.box(m.accountOf(msg.mailboxID).id, "trash")
	if trash != nil && msg.mailboxID != trash.id {
		msg.mailboxID = trash.id
	} else {
		delete(m.messages, msg.id)
	}
	writeJSON(w, http.StatusOK, []any{})
}

func (m *mailStandIn) flags(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	flags, _ := p["flags"].(map[string]any)
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
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

func (m *mailStandIn) tag(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	label := r.PathValue("label")
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.ownMessage(uid, r.PathValue("id"))
	if msg == nil {
		mailForbidden(w)
		return
	}
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

func mailAddrList(v any) ([]map[string]string, bool) {
	list, ok := v.([]any)
	if v == nil {
		return nil, true
	}
	if !ok {
		return nil, false
	}
	var out []map[string]string
	for _, it := range list {
		o, ok := it.(map[string]any)
		if !ok {
			return nil, false
		}
		email, _ := o["email"].(string)
		label, _ := o["label"].(string)
		if !strings.Contains(email, "@") {
			return nil, false
		}
		out = append(out, map[string]string{"label": label, "email": email})
	}
	return out, true
}

func (m *mailStandIn) outboxCreate(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	aid, ok := p.int("accountId", 0)
	to, ok1 := mailAddrList(p["to"])
	cc, ok2 := mailAddrList(p["cc"])
	bcc, ok3 := mailAddrList(p["bcc"])
	if !ok || !ok1 || !ok2 || !ok3 || !p.has("subject") || !p.has("body") {
		mailFail(w, http.StatusBadRequest, "Invalid message: accountId, subject, body and recipient lists of {label, email} are required")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.accounts[aid]
	if a == nil || a.user != uid {
		mailFail(w, http.StatusBadRequest, fmt.Sprintf("Account %d does not exist or you don't have permission to access it", aid))
		return
	}
	if len(to)+len(cc)+len(bcc) == 0 {
		mailFail(w, http.StatusBadRequest, "The message has no recipients")
		return
	}
	m.nextID++
	o := &mailOutgoing{id: m.nextID, user: uid, accountID: aid, subject: p.str("subject"), body: p.str("body"),
		html: p.bool("isHtml"), to: to, cc: cc, bcc: bcc, inReplyTo: p.str("inReplyToMessageId")}
	m.outbox[o.id] = o
	writeJSON(w, http.StatusCreated, map[string]any{"status": "success", "data": map[string]any{
		"id": o.id, "type": 0, "accountId": aid, "aliasId": nil, "sendAt": nil, "subject": o.subject, "body": o.body,
		"editorBody": o.body, "html": o.html, "inReplyToMessageId": mailNilIfEmpty(o.inReplyTo), "attachments": []any{},
		"recipients": mailRecipientsJSON(to, cc, bcc), "failed": false,
	}})
}

func mailNilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mailRecipientsJSON(to, cc, bcc []map[string]string) []any {
	out := []any{}
	for typ, list := range [][]map[string]string{to, cc, bcc} {
		for _, a := range list {
			out = append(out, map[string]any{"type": typ, "label": a["label"], "email": a["email"]})
		}
	}
	return out
}

func mailEmails(list []map[string]string) []string {
	var out []string
	for _, a := range list {
		out = append(out, a["email"])
	}
	return out
}

func (m *mailStandIn) outboxSend(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.outbox[id]
	if o == nil || o.user != uid {
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "fail", "data": map[string]any{"message": "Message not found"}})
		return
	}
	a := m.accounts[o.accountID]
	now := time.Now().Unix()
	msgID := fmt.Sprintf("<%d.%d@nctest>", o.id, now)
	from := []map[string]string{{"label": a.name, "email": a.email}}
	text, html := o.body, ""
	if o.html {
		text, html = "", o.body
	}
	copyTo := func(mb *mailBox) {
		m.nextID++
		m.messages[m.nextID] = &mailMsg{id: m.nextID, mailboxID: mb.id, uid: m.nextID, subject: o.subject, from: from,
			to: o.to, cc: o.cc, date: now, seen: mb.role == "sent", text: text, html: html, messageID: msgID, inReplyTo: o.inReplyTo}
	}
	if sent := m.box(a.id, "sent"); sent != nil {
		copyTo(sent)
	}
	for _, rcpt := range append(append(mailEmails(o.to), mailEmails(o.cc)...), mailEmails(o.bcc)...) {
		for _, other := range m.accounts {
			if strings.EqualFold(other.email, rcpt) {
				if inbox := m.box(other.id, "inbox"); inbox != nil {
					copyTo(inbox)
				}
			}
		}
	}
	if o.inReplyTo != "" {
		for _, msg := range m.messages {
			if msg.messageID == o.inReplyTo && m.accountOf(msg.mailboxID) == a {
				msg.answered = true
			}
		}
	}
	m.sent = append(m.sent, SentMail{From: a.email, To: mailEmails(o.to), CC: mailEmails(o.cc), BCC: mailEmails(o.bcc),
		Subject: o.subject, Body: o.body, HTML: o.html, InReplyTo: o.inReplyTo})
	delete(m.outbox, o.id)
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "success", "data": "Message sent"})
}

func (m *mailStandIn) search(uid, term string) []SearchHit {
	m.mu.Lock()
	defer m.mu.Unlock()
	var list []*mailMsg
	for _, msg := range m.messages {
		if a := m.accountOf(msg.mailboxID); a != nil && a.user == uid && matchFold(term, msg.subject, msg.text, msg.html) {
			list = append(list, msg)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].date > list[j].date || (list[i].date == list[j].date && list[i].id > list[j].id)
	})
	var hits []SearchHit
	for _, msg := range list {
		sender := ""
		if len(msg.from) > 0 {
			sender = msg.from[0]["email"]
		}
		hits = append(hits, SearchHit{Title: msg.subject, Subline: sender,
			ResourceURL: "/apps/mail/box/" + strconv.FormatInt(msg.mailboxID, 10) + "/thread/" + strconv.FormatInt(msg.id, 10),
			Icon:        "icon-mail"})
	}
	return hits
}

// ---- seeding for tests ----

// MailAccount adds a mail account for user with INBOX, Sent, Drafts and
// Trash mailboxes and returns the account id.
func (s *Server) MailAccount(user, name, email string) int64 {
	m := s.apps.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	a := &mailAccount{id: m.nextID, user: user, name: name, email: email}
	m.accounts[a.id] = a
	for _, b := range []struct{ name, role string }{{"INBOX", "inbox"}, {"Sent", "sent"}, {"Drafts", "drafts"}, {"Trash", "trash"}, {"Archive", "archive"}} {
		m.nextID++
		m.mailboxes[m.nextID] = &mailBox{id: m.nextID, accountID: a.id, name: b.name, role: b.role}
	}
	return a.id
}

// Mailbox returns the id of an account's mailbox with the given name.
func (s *Server) Mailbox(accountID int64, name string) int64 {
	m := s.apps.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mb := range m.mailboxes {
		if mb.accountID == accountID && mb.name == name {
			return mb.id
		}
	}
	return 0
}

// IncomingMail is a message to seed.
type IncomingMail struct {
	From        string // "Name <email>" or "email"
	To          []string
	Subject     string
	Text        string
	HTML        string
	Date        time.Time
	Seen        bool
	Flagged     bool
	Attachments []MailAttachment
}

func mailParseAddr(s string) map[string]string {
	if i := strings.Index(s, "<"); i >= 0 && strings.HasSuffix(s, ">") {
		return map[string]string{"label": strings.TrimSpace(s[:i]), "email": s[i+1 : len(s)-1]}
	}
	return map[string]string{"label": s, "email": s}
}

// MailDeliver puts a message into a mailbox and returns its id.
func (s *Server) MailDeliver(mailboxID int64, in IncomingMail) int64 {
	m := s.apps.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	if in.Date.IsZero() {
		in.Date = time.Now().Add(-time.Duration(1000-m.nextID) * time.Minute)
	}
	var to []map[string]string
	for _, t := range in.To {
		to = append(to, mailParseAddr(t))
	}
	m.messages[m.nextID] = &mailMsg{id: m.nextID, mailboxID: mailboxID, uid: m.nextID, subject: in.Subject,
		from: []map[string]string{mailParseAddr(in.From)}, to: to, date: in.Date.Unix(), seen: in.Seen, flagged: in.Flagged,
		text: in.Text, html: in.HTML, attachments: in.Attachments, messageID: fmt.Sprintf("<seed-%d@nctest>", m.nextID)}
	return m.nextID
}

// MailState reports where a message is and its seen/flagged flags and
// tags; ok is false when it is gone.
func (s *Server) MailState(id int64) (mailboxID int64, seen, flagged bool, tags []string, ok bool) {
	m := s.apps.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := m.messages[id]
	if msg == nil {
		return 0, false, false, nil, false
	}
	return msg.mailboxID, msg.seen, msg.flagged, append([]string(nil), msg.tags...), true
}

// MailSent lists the messages sent so far.
func (s *Server) MailSent() []SentMail {
	m := s.apps.mail
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SentMail(nil), m.sent...)
}
