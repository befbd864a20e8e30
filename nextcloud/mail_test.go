package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestMailBodyText(t *testing.T) {
	plain := nextcloud.MailBody{Body: `Hi &amp; bye, see <a href="https://x.example/a" rel="noopener">https://x.example/a</a>`}
	if got := plain.Text(); got != "Hi & bye, see https://x.example/a" {
		t.Fatalf("plain %q", got)
	}
	html := nextcloud.MailBody{HasHTMLBody: true, Body: "<div>one</div><div>two</div>"}
	if got := html.Text(); got != "one\n\ntwo" {
		t.Fatalf("html %q", got)
	}
	if l := nextcloud.MailTagLabel(" Project X "); l != "$project_x" {
		t.Fatalf("label %q", l)
	}
}

func TestMailClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	acct := nc.AddMailAccount("admin", "Admin", "admin@example.com")
	inbox := nc.Mailbox(acct, "INBOX")
	id := nc.AddMailMessage(inbox, nctest.IncomingMail{From: "a@example.net", Subject: "Hello world", Text: "x"})
	var failSend atomic.Bool
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if failSend.Load() && r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/index.php/apps/mail/api/outbox/") {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	c := nc.Client(t, "admin")
	ctx := context.Background()

	msgs, err := c.Mail().Messages(ctx, nextcloud.MailQuery{MailboxID: inbox, Filter: "subject:" + nextcloud.MailFilterValue("hello world")})
	if err != nil || len(msgs) != 1 || msgs[0].Key() != id {
		t.Fatalf("filtered %+v %v", msgs, err)
	}
	// Unknown ids: the app answers 403 with [].
	if _, err := c.Mail().Message(ctx, id+1000); !errors.Is(err, nextcloud.ErrForbidden) {
		t.Fatalf("unknown message: %v", err)
	}
	// JSend failure bodies carry the app's message.
	_, err = c.Mail().CreateTag(ctx, strings.Repeat("x", 129), "#fff")
	if err == nil || !strings.Contains(err.Error(), "maximum length for displayName") {
		t.Fatalf("tag error: %v", err)
	}
	if _, err := c.Mail().Send(ctx, nextcloud.OutgoingMail{AccountID: acct + 1000, To: []nextcloud.MailAddress{{Email: "b@example.org"}}, Subject: "s", Body: "b"}); err == nil ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("send from unknown account: %v", err)
	}
	// Stored but not sent: the error names the outbox id.
	failSend.Store(true)
	outboxID, err := c.Mail().Send(ctx, nextcloud.OutgoingMail{AccountID: acct, To: []nextcloud.MailAddress{{Email: "b@example.org"}}, Subject: "s", Body: "b"})
	if err == nil || outboxID == 0 || !strings.Contains(err.Error(), "in the outbox") || len(nc.MailSent()) != 0 {
		t.Fatalf("failed send: id %d, %v", outboxID, err)
	}
}

func TestMailboxRole(t *testing.T) {
	for _, tc := range []struct {
		box  nextcloud.Mailbox
		want string
	}{
		{nextcloud.Mailbox{Name: "INBOX", SpecialRole: "inbox"}, "inbox"},
		{nextcloud.Mailbox{Name: "Gesendet", SpecialUse: []string{"sent"}}, "sent"},
		{nextcloud.Mailbox{Name: "Inbox"}, "inbox"},
		{nextcloud.Mailbox{Name: "Projects"}, ""},
	} {
		if got := tc.box.Role(); got != tc.want {
			t.Errorf("%+v: role %q, want %q", tc.box, got, tc.want)
		}
	}
}

func TestMailInbox(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "a"), nctest.WithUser("bob", "b"))
	first := nc.AddMailAccount("admin", "Admin", "admin@example.com")
	second := nc.AddMailAccount("admin", "Work", "admin@work.example")
	c := nc.Client(t, "admin")
	ctx := context.Background()
	for _, tc := range []struct{ ask, want int64 }{{0, first}, {second, second}} {
		acct, inbox, err := c.Mail().Inbox(ctx, tc.ask)
		if err != nil || acct != tc.want || inbox == nil || inbox.DatabaseID != nc.Mailbox(tc.want, "INBOX") {
			t.Fatalf("inbox of %d: account %d, %+v, %v", tc.ask, acct, inbox, err)
		}
	}
	if acct, _, err := c.Mail().Inbox(ctx, second+1000); err == nil || acct != second+1000 {
		t.Fatalf("unknown account: %d %v", acct, err)
	}
	if acct, inbox, err := nc.Client(t, "bob").Mail().Inbox(ctx, 0); err != nil || acct != 0 || inbox != nil {
		t.Fatalf("no accounts: %d %+v %v", acct, inbox, err)
	}
	// An account without an INBOX.
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/index.php/apps/mail/api/mailboxes" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"mailboxes":[{"databaseId":1,"name":"Archive","specialRole":"archive"}]}`))
			return true
		}
		return false
	})
	if acct, inbox, err := c.Mail().Inbox(ctx, first); err != nil || acct != first || inbox != nil {
		t.Fatalf("no INBOX: %d %+v %v", acct, inbox, err)
	}
}
