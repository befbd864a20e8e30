package nctest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
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
	m.mux.HandleFunc("GET "+b+"messages/{id}", m.onMessage(m.showMessage))
	m.mux.HandleFunc("DELETE "+b+"messages/{id}", m.onMessage(m.deleteMessage))
	m.mux.HandleFunc("GET "+b+"messages/{id}/body", m.onMessage(m.body))
	m.mux.HandleFunc("GET "+b+"messages/{id}/html", m.htmlBody)
	m.mux.HandleFunc("GET "+b+"messages/{id}/source", m.onMessage(m.source))
	m.mux.HandleFunc("GET "+b+"messages/{id}/attachment/{att}", m.onMessage(m.attachment))
	m.mux.HandleFunc("POST "+b+"messages/{id}/move", m.onMessage(m.move))
	m.mux.HandleFunc("PUT "+b+"messages/{id}/flags", m.onMessage(m.flags))
	m.mux.HandleFunc("PUT "+b+"messages/{id}/tags/{label}", m.onMessage(m.tag))
	m.mux.HandleFunc("DELETE "+b+"messages/{id}/tags/{label}", m.onMessage(m.tag))
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
// onMessage serves a route on message {id} of the user, with the store
// locked; a message of someone else is refused as Mail refuses it.
func (m *mailStandIn) onMessage(fn func(w http.ResponseWriter, r *http.Request, uid string, msg *mailMsg)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uid := UserOf(r)
		m.mu.Lock()
		defer m.mu.Unlock()
		msg := m.ownMessage(uid, r.PathValue("id"))
		if msg == nil {
			mailForbidden(w)
			return
		}
		fn(w, r, uid, msg)
	}
}

// ownAccount gives account aid of the user, or answers Mail's refusal.
// Callers hold m.mu.
func (m *mailStandIn) ownAccount(w http.ResponseWriter, uid string, aid int64) (*mailAccount, bool) {
	a := m.accounts[aid]
	if a == nil || a.user != uid {
		mailFail(w, http.StatusBadRequest, fmt.Sprintf("Account %d does not exist or you don't have permission to access it", aid))
		return nil, false
	}
	return a, true
}

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
	writeJSON(w, http.StatusOK, jsonList(as, func(a *mailAccount) any { return m.accountJSON(a) }))
}

func (m *mailStandIn) listMailboxes(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	aid, _ := strconv.ParseInt(r.URL.Query().Get("accountId"), 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.ownAccount(w, uid, aid)
	if !ok {
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
