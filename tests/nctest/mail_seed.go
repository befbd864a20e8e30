package nctest

import (
	"fmt"
	"strings"
	"time"
)

// Seed and inspect methods of the Mail stand-in.

// AddMailAccount adds a mail account for user with INBOX, Sent, Drafts and
// Trash mailboxes and returns the account id.
func (s *Server) AddMailAccount(user, name, email string) int64 {
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
	return firstID(m.mailboxes, func(mb *mailBox) bool { return mb.accountID == accountID && mb.name == name })
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

// AddMailMessage puts a message into a mailbox and returns its id.
func (s *Server) AddMailMessage(mailboxID int64, in IncomingMail) int64 {
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
