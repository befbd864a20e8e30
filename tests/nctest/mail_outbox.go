package nctest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Mail's outbox: drafts to send, and sending them.

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
	if _, ok := m.ownAccount(w, uid, aid); !ok {
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
