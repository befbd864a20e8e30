package mcp

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type mailFixture struct {
	nc                      *nctest.Server
	acct, inbox, archive    int64
	trash, sent             int64
	bobAcct, bobInbox       int64
	plain, html, news, pdf  int64
	flagged, bobOnlyMessage int64
}

func mailSeed(t *testing.T, opts ...nctest.Option) mailFixture {
	t.Helper()
	nc := commsNC(t, opts...)
	f := mailFixture{nc: nc}
	f.acct = nc.AddMailAccount("admin", "Admin", "admin@example.com")
	f.inbox, f.archive = nc.Mailbox(f.acct, "INBOX"), nc.Mailbox(f.acct, "Archive")
	f.trash, f.sent = nc.Mailbox(f.acct, "Trash"), nc.Mailbox(f.acct, "Sent")
	f.bobAcct = nc.AddMailAccount("bob", "Bob", "bob@example.org")
	f.bobInbox = nc.Mailbox(f.bobAcct, "INBOX")
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f.plain = nc.AddMailMessage(f.inbox, nctest.IncomingMail{From: "Alice Doe <alice@example.net>", To: []string{"admin@example.com"},
		Subject: "Lunch on Friday", Text: "Shall we meet at noon? Menu: https://food.example/menu", Date: base, Seen: true})
	f.html = nc.AddMailMessage(f.inbox, nctest.IncomingMail{From: "Billing <billing@shop.example>", To: []string{"admin@example.com"},
		Subject: "Your invoice", HTML: `<html><head><style>p{color:red}</style></head><body><h1>Invoice 42</h1><p>Total: <b>12 EUR</b></p><p><a href="https://shop.example/pay">Pay now</a></p></body></html>`,
		Date: base.Add(time.Hour)})
	f.news = nc.AddMailMessage(f.inbox, nctest.IncomingMail{From: "news@list.example", Subject: "Weekly digest", Text: "Nothing new.", Date: base.Add(2 * time.Hour)})
	f.pdf = nc.AddMailMessage(f.inbox, nctest.IncomingMail{From: "Alice Doe <alice@example.net>", Subject: "Report attached", Text: "See the files.",
		Date: base.Add(3 * time.Hour), Attachments: []nctest.MailAttachment{
			{Name: "notes.txt", Mime: "text/plain", Content: []byte("line one\nline two\n")},
			{Name: "report.pdf", Mime: "application/pdf", Content: []byte("%PDF-1.7 binary\x00\x01")},
		}})
	f.flagged = nc.AddMailMessage(f.archive, nctest.IncomingMail{From: "boss@example.com", Subject: "Keep this", Text: "Important.", Date: base, Seen: true, Flagged: true})
	f.bobOnlyMessage = nc.AddMailMessage(f.bobInbox, nctest.IncomingMail{From: "x@example.com", Subject: "Bob's", Text: "private", Date: base})
	return f
}

func TestMailToolsetListing(t *testing.T) {
	nc := commsNC(t)
	kinds := map[string]Kind{
		"nc_mail_list_accounts": Read, "nc_mail_list_mailboxes": Read, "nc_mail_list_messages": Read,
		"nc_mail_get_message": Read, "nc_mail_get_attachment": Read, "nc_mail_get_message_source": Read,
		"nc_mail_send": Destroy, "nc_mail_delete_message": Destroy,
		"nc_mail_move_message": Write, "nc_mail_set_flags": Write, "nc_mail_tag_message": Write,
		"nc_mail_create_tag": Create,
	}
	commsCheckToolset(t, nc, "mail", kinds, toolScopes("mail", kinds))
	// Sending reaches outside Nextcloud.
	listed := listedTools(t, connectNC(t, nc))
	if ow := listed["nc_mail_send"].Annotations.OpenWorldHint; ow == nil || !*ow {
		t.Fatal("nc_mail_send is not marked open-world")
	}
}

func TestMailAccountsMailboxesAndListing(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)

	accts := call[mailAccountsOut](t, c, "nc_mail_list_accounts", map[string]any{})
	if len(accts.Accounts) != 1 || accts.Accounts[0].Email != "admin@example.com" || accts.Accounts[0].ID != f.acct {
		t.Fatalf("accounts %+v", accts)
	}
	boxes := call[mailboxesOut](t, c, "nc_mail_list_mailboxes", map[string]any{"account_id": f.acct})
	roles := map[string]mailboxOut{}
	for _, b := range boxes.Mailboxes {
		roles[b.Role] = b
	}
	if roles["inbox"].ID != f.inbox || roles["inbox"].Unread != 3 || roles["trash"].ID != f.trash {
		t.Fatalf("mailboxes %+v", boxes)
	}

	// Default: first account's INBOX, newest first, paged.
	page := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"limit": 2})
	if page.MailboxID != f.inbox || len(page.Messages) != 2 || page.Messages[0].ID != f.pdf || page.Messages[1].ID != f.news || page.NextBefore == 0 {
		t.Fatalf("page 1 %+v", page)
	}
	if !page.Messages[0].HasAttachments || page.Messages[0].From != "Alice Doe <alice@example.net>" || page.Messages[0].Seen {
		t.Fatalf("message %+v", page.Messages[0])
	}
	page2 := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"limit": 2, "before": page.NextBefore})
	if len(page2.Messages) != 2 || page2.Messages[0].ID != f.html || page2.Messages[1].ID != f.plain {
		t.Fatalf("page 2 %+v", page2)
	}
	page3 := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"limit": 2, "before": page2.NextBefore})
	if len(page3.Messages) != 0 || page3.NextBefore != 0 {
		t.Fatalf("page 3 %+v", page3)
	}

	ids := func(args map[string]any) []int64 {
		t.Helper()
		out := call[mailListOut](t, c, "nc_mail_list_messages", args)
		var got []int64
		for _, m := range out.Messages {
			got = append(got, m.ID)
		}
		return got
	}
	for name, tc := range map[string]struct {
		args map[string]any
		want []int64
	}{
		"unread":        {map[string]any{"unread_only": true}, []int64{f.pdf, f.news, f.html}},
		"from":          {map[string]any{"from": "alice@example.net"}, []int64{f.pdf, f.plain}},
		"from name":     {map[string]any{"from": "Alice Doe"}, []int64{f.pdf, f.plain}},
		"subject":       {map[string]any{"subject": "your invoice"}, []int64{f.html}},
		"text":          {map[string]any{"text": "noon"}, []int64{f.plain}},
		"unread+from":   {map[string]any{"unread_only": true, "from": "alice"}, []int64{f.pdf}},
		"flagged":       {map[string]any{"mailbox_id": f.archive, "flagged_only": true}, []int64{f.flagged}},
		"other mailbox": {map[string]any{"account_id": f.acct, "mailbox_id": f.archive}, []int64{f.flagged}},
	} {
		if got := ids(tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestMailReadMessagesAndAttachments(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)

	msg, res := callRes[mailFullOut](t, c, "nc_mail_get_message", map[string]any{"message_id": f.html})
	want := "Invoice 42\n\nTotal: 12 EUR\n\nPay now (https://shop.example/pay)"
	if msg.Text != want || !msg.WasHTML || msg.Message.Subject != "Your invoice" || msg.AccountID != f.acct {
		t.Fatalf("html message %+v\ntext %q", msg, msg.Text)
	}
	if strings.Contains(resultText(res), "<") && strings.Contains(resultText(res), "<h1>") {
		t.Fatalf("summary has HTML: %s", resultText(res))
	}
	if _, seen, _, _, _ := f.nc.MailState(f.html); seen {
		t.Fatal("reading marked the message seen")
	}
	plain := call[mailFullOut](t, c, "nc_mail_get_message", map[string]any{"message_id": f.plain})
	if plain.Text != "Shall we meet at noon? Menu: https://food.example/menu" || plain.WasHTML {
		t.Fatalf("plain text %q", plain.Text)
	}
	cut := call[mailFullOut](t, c, "nc_mail_get_message", map[string]any{"message_id": f.plain, "max_chars": 5})
	if cut.Text != "Shall" || !cut.Truncated {
		t.Fatalf("truncated %+v", cut)
	}

	withAtt := call[mailFullOut](t, c, "nc_mail_get_message", map[string]any{"message_id": f.pdf})
	if len(withAtt.Attachments) != 2 || withAtt.Attachments[0].Name != "notes.txt" || withAtt.Attachments[1].Mime != "application/pdf" {
		t.Fatalf("attachments %+v", withAtt.Attachments)
	}
	txt := call[mailAttachmentDataOut](t, c, "nc_mail_get_attachment", map[string]any{"message_id": f.pdf, "attachment_id": withAtt.Attachments[0].ID})
	if txt.Text != "line one\nline two\n" || txt.Name != "notes.txt" || txt.Base64 != "" {
		t.Fatalf("text attachment %+v", txt)
	}
	bin := call[mailAttachmentDataOut](t, c, "nc_mail_get_attachment", map[string]any{"message_id": f.pdf, "attachment_id": withAtt.Attachments[1].ID})
	raw, err := base64.StdEncoding.DecodeString(bin.Base64)
	if err != nil || string(raw) != "%PDF-1.7 binary\x00\x01" || bin.Text != "" || bin.Size != int64(len(raw)) {
		t.Fatalf("binary attachment %+v %v", bin, err)
	}
	wantError(t, callTool(t, c, "nc_mail_get_attachment", map[string]any{"message_id": f.pdf, "attachment_id": "99"}), "no attachment \"99\"")
}

func TestMailOrganize(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)

	done := call[mailDoneOut](t, c, "nc_mail_set_flags", map[string]any{"message_ids": []int64{f.html, f.news}, "seen": true, "flagged": true})
	for _, id := range []int64{f.html, f.news} {
		if _, seen, flagged, _, _ := f.nc.MailState(id); !seen || !flagged {
			t.Fatalf("message %d seen %v flagged %v", id, seen, flagged)
		}
	}
	decodeStructured(t, callTool(t, c, "nc_mail_set_flags", map[string]any{"message_ids": []int64{f.news}, "flagged": false}), &done)
	if _, seen, flagged, _, _ := f.nc.MailState(f.news); !seen || flagged {
		t.Fatalf("unflag: seen %v flagged %v", seen, flagged)
	}

	decodeStructured(t, callTool(t, c, "nc_mail_move_message", map[string]any{"message_id": f.news, "mailbox_id": f.archive}), &done)
	if mb, _, _, _, _ := f.nc.MailState(f.news); mb != f.archive {
		t.Fatalf("moved to %d", mb)
	}

	// Tags: a default one by name, then a new one.
	tag := call[mailTagOut](t, c, "nc_mail_tag_message", map[string]any{"message_id": f.plain, "tag": "Work"})
	if tag.ImapLabel != "$label2" {
		t.Fatalf("tag %+v", tag)
	}
	decodeStructured(t, callTool(t, c, "nc_mail_create_tag", map[string]any{"name": "Project X"}), &tag)
	if tag.ImapLabel != "$project_x" || tag.Color != "#0082c9" {
		t.Fatalf("created %+v", tag)
	}
	wantError(t, callTool(t, c, "nc_mail_create_tag", map[string]any{"name": "Project X"}), "already exists", "400")
	decodeStructured(t, callTool(t, c, "nc_mail_tag_message", map[string]any{"message_id": f.plain, "tag": "project x"}), &tag)
	if _, _, _, tags, _ := f.nc.MailState(f.plain); !slices.Equal(tags, []string{"$label2", "$project_x"}) {
		t.Fatalf("tags %v", tags)
	}
	listed := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"subject": "Lunch"})
	if len(listed.Messages) != 1 || strings.Join(listed.Messages[0].Tags, ",") != "Work,Project X" {
		t.Fatalf("listed tags %+v", listed.Messages)
	}
	decodeStructured(t, callTool(t, c, "nc_mail_tag_message", map[string]any{"message_id": f.plain, "tag": "$label2", "remove": true}), &tag)
	if _, _, _, tags, _ := f.nc.MailState(f.plain); !slices.Equal(tags, []string{"$project_x"}) {
		t.Fatalf("tags after removal %v", tags)
	}
	wantError(t, callTool(t, c, "nc_mail_tag_message", map[string]any{"message_id": f.plain, "tag": "Unknown tag"}), "does not exist or is not yours")

	// Delete: first to the trash, then for good.
	decodeStructured(t, callTool(t, c, "nc_mail_delete_message", map[string]any{"message_id": f.plain}), &done)
	if mb, _, _, _, ok := f.nc.MailState(f.plain); !ok || mb != f.trash {
		t.Fatalf("after delete: mailbox %d ok %v", mb, ok)
	}
	decodeStructured(t, callTool(t, c, "nc_mail_delete_message", map[string]any{"message_id": f.plain}), &done)
	if _, _, _, _, ok := f.nc.MailState(f.plain); ok {
		t.Fatal("message still there after deleting it from the trash")
	}
	wantError(t, callTool(t, c, "nc_mail_delete_message", map[string]any{"message_id": f.plain}), "does not exist or is not yours", "403")
}

func TestMailSend(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)

	var sent mailSentOut
	res := callTool(t, c, "nc_mail_send", map[string]any{
		"to": []string{"Bob <bob@example.org>"}, "cc": []string{"carol@example.net"}, "bcc": []string{"audit@example.com"},
		"subject": "Re: Lunch on Friday", "body": "Noon works.", "in_reply_to": f.plain,
	})
	decodeStructured(t, res, &sent)
	if sent.From != "admin@example.com" || sent.OutboxID == 0 || !slices.Equal(sent.To, []string{"Bob <bob@example.org>"}) {
		t.Fatalf("sent %+v", sent)
	}
	log := f.nc.MailSent()
	if len(log) != 1 {
		t.Fatalf("sent log %+v", log)
	}
	m := log[0]
	if m.From != "admin@example.com" || !slices.Equal(m.To, []string{"bob@example.org"}) || !slices.Equal(m.CC, []string{"carol@example.net"}) ||
		!slices.Equal(m.BCC, []string{"audit@example.com"}) || m.Body != "Noon works." || m.HTML || m.InReplyTo == "" {
		t.Fatalf("sent mail %+v", m)
	}
	// Bob, on this server, received it; the original is marked answered.
	bobC := connectAs(t, f.nc, "bob")
	bobInbox := call[mailListOut](t, bobC, "nc_mail_list_messages", map[string]any{"subject": "Lunch"})
	if len(bobInbox.Messages) != 1 || bobInbox.Messages[0].From != "Admin <admin@example.com>" {
		t.Fatalf("bob's inbox %+v", bobInbox)
	}
	orig := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"subject": "Lunch"})
	if len(orig.Messages) != 1 || !orig.Messages[0].Answered {
		t.Fatalf("original not answered: %+v", orig)
	}
	sentBox := call[mailListOut](t, c, "nc_mail_list_messages", map[string]any{"mailbox_id": f.sent})
	if len(sentBox.Messages) != 1 || sentBox.Messages[0].Subject != "Re: Lunch on Friday" {
		t.Fatalf("sent mailbox %+v", sentBox)
	}

	// Nothing is sent on bad input.
	for _, tc := range []struct {
		args  map[string]any
		wants []string
	}{
		{map[string]any{"subject": "x", "body": "y"}, []string{"to"}},
		{map[string]any{"to": []string{}, "subject": "x", "body": "y"}, []string{"recipient"}},
		{map[string]any{"to": []string{"not an address"}, "subject": "x", "body": "y"}, []string{"not an email address"}},
		{map[string]any{"to": []string{"a@b.c"}, "cc": []string{"@@"}, "subject": "x", "body": "y"}, []string{"cc"}},
		{map[string]any{"to": []string{"a@b.c"}, "subject": " ", "body": "y"}, []string{"subject must not be empty"}},
		{map[string]any{"to": []string{"a@b.c"}, "subject": "x", "body": ""}, []string{"body must not be empty"}},
		{map[string]any{"to": "a@b.c", "subject": "x", "body": "y"}, []string{"to"}},
		{map[string]any{"to": []string{"a@b.c"}, "subject": "x", "body": "y", "account_id": 999}, []string{"no mail account 999"}},
		{map[string]any{"to": []string{"a@b.c"}, "subject": "x", "body": "y", "in_reply_to": f.bobOnlyMessage}, []string{"nothing was sent"}},
	} {
		wantError(t, callTool(t, c, "nc_mail_send", tc.args), tc.wants...)
	}
	if n := len(f.nc.MailSent()); n != 1 {
		t.Fatalf("bad input sent %d messages", n-1)
	}
	// With two accounts the sender must be named.
	f.nc.AddMailAccount("admin", "Work", "admin@work.example")
	wantError(t, callTool(t, c, "nc_mail_send", map[string]any{"to": []string{"a@b.c"}, "subject": "x", "body": "y"}), "account_id")
}

func TestMailBadInput(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)
	cases := []badCall{
		{"nc_mail_list_mailboxes", map[string]any{}, []string{"account_id"}},
		{"nc_mail_list_mailboxes", map[string]any{"account_id": f.bobAcct}, []string{"does not exist or is not yours"}},
		{"nc_mail_list_messages", map[string]any{"mailbox_id": f.bobInbox}, []string{"mailbox", "does not exist or is not yours"}},
		{"nc_mail_list_messages", map[string]any{"limit": 500}, []string{"limit"}},
		{"nc_mail_list_messages", map[string]any{"unread_only": "yes"}, []string{"unread_only"}},
		{"nc_mail_list_messages", map[string]any{"account_id": 4242}, []string{"mail account 4242"}},
		{"nc_mail_get_message", map[string]any{}, []string{"message_id"}},
		{"nc_mail_get_message", map[string]any{"message_id": 0}, []string{"message_id"}},
		{"nc_mail_get_message", map[string]any{"message_id": f.bobOnlyMessage}, []string{"does not exist or is not yours", "403"}},
		{"nc_mail_get_attachment", map[string]any{"message_id": f.pdf}, []string{"attachment_id"}},
		{"nc_mail_get_attachment", map[string]any{"message_id": 99999, "attachment_id": "2"}, []string{"does not exist or is not yours"}},
		{"nc_mail_move_message", map[string]any{"message_id": f.plain}, []string{"mailbox_id"}},
		{"nc_mail_move_message", map[string]any{"message_id": f.plain, "mailbox_id": f.bobInbox}, []string{"does not exist or is not yours"}},
		{"nc_mail_delete_message", map[string]any{"message_id": 99999}, []string{"does not exist or is not yours"}},
		{"nc_mail_set_flags", map[string]any{"message_ids": []int64{f.plain}}, []string{"seen and/or flagged"}},
		{"nc_mail_set_flags", map[string]any{"message_ids": []int64{f.plain, 99999}, "seen": true}, []string{"99999", "marked already"}},
		{"nc_mail_create_tag", map[string]any{"name": ""}, []string{"name must not be empty"}},
		{"nc_mail_create_tag", map[string]any{"name": "x", "color": "#0123456789"}, []string{"color"}},
		{"nc_mail_tag_message", map[string]any{"message_id": f.plain}, []string{"tag"}},
	}
	wantBadCalls(t, c, cases)
}

func TestMailServerErrorsAndMissingApp(t *testing.T) {
	f := mailSeed(t)
	calls := []toolCall{
		{"nc_mail_list_accounts", map[string]any{}},
		{"nc_mail_list_mailboxes", map[string]any{"account_id": f.acct}},
		{"nc_mail_list_messages", map[string]any{"mailbox_id": f.inbox}},
		{"nc_mail_get_message", map[string]any{"message_id": f.plain}},
		{"nc_mail_get_attachment", map[string]any{"message_id": f.pdf, "attachment_id": "2"}},
		{"nc_mail_get_message_source", map[string]any{"message_id": f.plain}},
		{"nc_mail_send", map[string]any{"to": []string{"a@b.c"}, "subject": "x", "body": "y"}},
		{"nc_mail_move_message", map[string]any{"message_id": f.plain, "mailbox_id": f.archive}},
		{"nc_mail_delete_message", map[string]any{"message_id": f.plain}},
		{"nc_mail_set_flags", map[string]any{"message_ids": []int64{f.plain}, "seen": true}},
		{"nc_mail_create_tag", map[string]any{"name": "t"}},
		{"nc_mail_tag_message", map[string]any{"message_id": f.plain, "tag": "Work"}},
	}
	appMissingChecks(t, f.nc, "mail", "Mail", "/index.php/apps/mail/", calls, func() any {
		box, seen, flagged, tags, _ := f.nc.MailState(f.plain)
		return []any{box, seen, flagged, tags, len(f.nc.MailSent())}
	})
	if n := len(f.nc.MailSent()); n != 0 {
		t.Fatalf("%d messages sent during the outage", n)
	}
}

func TestMailMessageSource(t *testing.T) {
	f := mailSeed(t)
	c := connectNC(t, f.nc)
	out := call[mailSourceOut](t, c, "nc_mail_get_message_source", map[string]any{"message_id": f.pdf})
	if out.MessageID != f.pdf || out.Size != len(out.Source) || out.Truncated {
		t.Fatalf("source %+v", out)
	}
	m, err := netmail.ReadMessage(strings.NewReader(out.Source))
	if err != nil {
		t.Fatalf("source is not RFC 5322: %v\n%s", err, out.Source)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if fn := p.FileName(); fn != "" {
			names = append(names, fn)
		}
	}
	if strings.Join(names, ",") != "notes.txt,report.pdf" {
		t.Fatalf("attachments in the source: %v", names)
	}
	plain := call[mailSourceOut](t, c, "nc_mail_get_message_source", map[string]any{"message_id": f.plain})
	pm, err := netmail.ReadMessage(strings.NewReader(plain.Source))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(pm.Body)
	if !strings.Contains(string(body), "Shall we meet at noon?") {
		t.Fatalf("plain source body %q", body)
	}
	wantError(t, callTool(t, c, "nc_mail_get_message_source", map[string]any{"message_id": 99999}), "does not exist or is not yours")
	wantError(t, callTool(t, c, "nc_mail_get_message_source", map[string]any{"message_id": 0}), "message_id")
	wantError(t, callTool(t, c, "nc_mail_get_message_source", map[string]any{}), "message_id")

	// A source over the read limit is cut, and says so.
	small := connect(t, newTestServer(t, f.nc, func(o *Options) { o.Toolsets = DefaultToolsets(&Env{MaxReadBytes: 64}) }), "inprocess")
	cut := call[mailSourceOut](t, small, "nc_mail_get_message_source", map[string]any{"message_id": f.pdf})
	if !cut.Truncated || len(cut.Source) > 64 || cut.Size != out.Size {
		t.Fatalf("cut source %+v", cut)
	}
}
