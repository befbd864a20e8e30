package mcp

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func mailIsText(m string) bool {
	m = strings.ToLower(strings.TrimSpace(strings.SplitN(m, ";", 2)[0]))
	if strings.HasPrefix(m, "text/") {
		return true
	}
	switch m {
	case "application/json", "application/xml", "application/ics", "application/x-yaml", "application/yaml", "application/csv", "message/rfc822":
		return true
	}
	return strings.HasSuffix(m, "+xml") || strings.HasSuffix(m, "+json")
}

// mailTagLabelOf maps a tag name to the IMAP label the app uses.
func mailTagLabelOf(tag string) string {
	tag = strings.TrimSpace(tag)
	if strings.HasPrefix(tag, "$") {
		return tag
	}
	if l, ok := nextcloud.MailDefaultTags[strings.ToLower(tag)]; ok {
		return l
	}
	return nextcloud.MailTagLabel(tag)
}

type mailAttachmentOut struct {
	ID   string `json:"id" jsonschema:"attachment id for nc_mail_get_attachment"`
	Name string `json:"name"`
	Mime string `json:"mime"`
	Size int64  `json:"size"`
}

type mailMessageIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	MaxChars  int   `json:"max_chars,omitempty" jsonschema:"cut the text after this many characters (default 20000)"`
}

// mailMessageID checks the id of a mail message.
func mailMessageID(id int64) error { return idArg("message_id", id, "nc_mail_list_messages") }

func (in *mailMessageIn) Validate() error {
	return firstErr(mailMessageID(in.MessageID), optPositiveArg("max_chars", in.MaxChars))
}

type mailFullOut struct {
	Message     mailMessageOut      `json:"message"`
	AccountID   int64               `json:"account_id"`
	BCC         []string            `json:"bcc,omitempty"`
	Text        string              `json:"text" jsonschema:"the body as plain text (HTML mails rendered readable)"`
	WasHTML     bool                `json:"was_html,omitempty"`
	Truncated   bool                `json:"truncated,omitempty"`
	Attachments []mailAttachmentOut `json:"attachments,omitempty"`
}

func (o mailFullOut) Summary() string {
	m := o.Message
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: %s\nFrom: %s\nTo: %s\n", m.Subject, m.From, strings.Join(m.To, ", "))
	if len(m.CC) > 0 {
		fmt.Fprintf(&b, "Cc: %s\n", strings.Join(m.CC, ", "))
	}
	fmt.Fprintf(&b, "Date: %s\n", m.Date)
	for _, a := range o.Attachments {
		fmt.Fprintf(&b, "Attachment %s: %s (%s, %d bytes)\n", a.ID, a.Name, a.Mime, a.Size)
	}
	b.WriteString("\n" + o.Text)
	b.WriteString(truncatedMark(o.Truncated))
	return b.String()
}

func mailGetMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_get_message", Title: "Read mail message",
		Description: "Read a mail message: headers, the body as plain text (HTML mails are turned into readable text) and the list of attachments. Reading does not mark it read; use nc_mail_set_flags.",
		Scope:       "mail:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailMessageIn) (mailFullOut, error) {
		b, err := nc.Mail().Body(ctx, in.MessageID)
		if err != nil {
			return mailFullOut{}, mailNotFound(err, fmt.Sprintf("message %d", in.MessageID), "see nc_mail_list_messages")
		}
		out := mailFullOut{Message: toMailMessage(&b.MailMessage), AccountID: b.AccountID, BCC: mailAddrStrings(b.BCC),
			Text: b.Text(), WasHTML: b.HasHTMLBody}
		if out.Message.ID == 0 {
			out.Message.ID = in.MessageID
		}
		limit := cmp.Or(in.MaxChars, 20000)
		out.Text, out.Truncated = clipRunes(out.Text, limit)
		for _, a := range b.Attachments {
			out.Attachments = append(out.Attachments, mailAttachmentOut{ID: a.ID, Name: a.FileName, Mime: a.Mime, Size: a.Size})
		}
		return out, nil
	})
}

type mailAttachmentIn struct {
	MessageID    int64  `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	AttachmentID string `json:"attachment_id" jsonschema:"attachment id, from nc_mail_get_message"`
}

func (in *mailAttachmentIn) Validate() error {
	return firstErr(mailMessageID(in.MessageID), textHintArg("attachment_id", in.AttachmentID, "take it from nc_mail_get_message"))
}

type mailAttachmentDataOut struct {
	Name      string `json:"name"`
	Mime      string `json:"mime"`
	Size      int64  `json:"size"`
	Text      string `json:"text,omitempty" jsonschema:"the content, for text attachments"`
	Base64    string `json:"base64,omitempty" jsonschema:"the content base64-encoded, for binary attachments"`
	Truncated bool   `json:"truncated,omitempty"`
}

func (o mailAttachmentDataOut) Summary() string {
	s := fmt.Sprintf("%s (%s, %d bytes)", o.Name, o.Mime, o.Size)
	switch {
	case o.Text != "":
		s += "\n\n" + o.Text
	case o.Base64 != "":
		s += ", binary content returned base64-encoded"
	}
	return s + truncatedMark(o.Truncated)
}

// downloadOut shows a downloaded file: text as text, the rest base64.
func downloadOut(d *nextcloud.Download) mailAttachmentDataOut {
	out := mailAttachmentDataOut{Name: d.Name, Mime: d.Mime, Size: d.Size, Truncated: d.Truncated}
	if mailIsText(d.Mime) && utf8.Valid(d.Content) {
		out.Text = string(d.Content)
	} else {
		out.Base64 = base64.StdEncoding.EncodeToString(d.Content)
	}
	return out
}

func mailGetAttachment(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_get_attachment", Title: "Get mail attachment",
		Description: "Download an attachment of a mail message: text attachments come back as text, others base64-encoded (large ones are cut).",
		Scope:       "mail:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailAttachmentIn) (mailAttachmentDataOut, error) {
		a, err := nc.Mail().Attachment(ctx, in.MessageID, in.AttachmentID, env.maxRead())
		if err != nil {
			var ne *nextcloud.Error
			if errors.As(err, &ne) && ne.Status >= 500 && ne.Message == "Attachment not found" {
				return mailAttachmentDataOut{}, fmt.Errorf("message %d has no attachment %q (see nc_mail_get_message): %w", in.MessageID, in.AttachmentID, err)
			}
			return mailAttachmentDataOut{}, mailNotFound(err, fmt.Sprintf("message %d", in.MessageID), "see nc_mail_list_messages")
		}
		return downloadOut(a), nil
	})
}

type mailSourceIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
}

func (in *mailSourceIn) Validate() error { return mailMessageID(in.MessageID) }

type mailSourceOut struct {
	MessageID int64  `json:"message_id"`
	Size      int    `json:"size" jsonschema:"size of the whole source in bytes"`
	Source    string `json:"source" jsonschema:"the raw message as stored on the mail server (RFC 5322): all headers, MIME parts and encoded attachments"`
	Truncated bool   `json:"truncated,omitempty" jsonschema:"true when the source was cut at the server's read limit"`
}

func (o mailSourceOut) Summary() string {
	s := fmt.Sprintf("Source of message %d (%d bytes):\n\n%s", o.MessageID, o.Size, o.Source)
	return s + truncatedMark(o.Truncated)
}

func mailGetMessageSource(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_get_message_source", Title: "Get mail message source",
		Description: "Show the raw source of a mail message: every header (Received, Authentication-Results, DKIM ...) and the MIME structure, as the mail server stores it. Use nc_mail_get_message to read it.",
		Scope:       "mail:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailSourceIn) (mailSourceOut, error) {
		src, err := nc.Mail().Source(ctx, in.MessageID)
		if err != nil {
			return mailSourceOut{}, mailNotFound(err, fmt.Sprintf("message %d", in.MessageID), "see nc_mail_list_messages")
		}
		out := mailSourceOut{MessageID: in.MessageID, Size: len(src), Source: src}
		if limit := env.maxRead(); int64(len(src)) > limit {
			cut := int(limit)
			for cut > 0 && !utf8.RuneStart(src[cut]) {
				cut--
			}
			out.Source, out.Truncated = src[:cut], true
		}
		return out, nil
	})
}

type mailMoveIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	MailboxID int64 `json:"mailbox_id" jsonschema:"target mailbox id, from nc_mail_list_mailboxes"`
}

func (in *mailMoveIn) Validate() error {
	return firstErr(mailMessageID(in.MessageID), idArg("mailbox_id", in.MailboxID, "nc_mail_list_mailboxes"))
}

type mailDoneOut struct {
	MessageIDs []int64 `json:"message_ids"`
	Done       string  `json:"done"`
}

func (o mailDoneOut) Summary() string { return o.Done }

func mailMoveMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_move_message", Title: "Move mail message",
		Description: "Move a mail message to another mailbox (folder), e.g. to the archive.",
		Scope:       "mail:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailMoveIn) (mailDoneOut, error) {
		if err := nc.Mail().Move(ctx, in.MessageID, in.MailboxID); err != nil {
			return mailDoneOut{}, mailNotFound(err, fmt.Sprintf("message %d or mailbox %d", in.MessageID, in.MailboxID), "see nc_mail_list_messages and nc_mail_list_mailboxes")
		}
		return mailDoneOut{MessageIDs: []int64{in.MessageID}, Done: fmt.Sprintf("Moved message %d to mailbox %d.", in.MessageID, in.MailboxID)}, nil
	})
}

type mailDeleteIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
}

func (in *mailDeleteIn) Validate() error { return mailMessageID(in.MessageID) }

func mailDeleteMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_delete_message", Title: "Delete mail message",
		Description: "Delete a mail message: it goes to the account's trash, and a message already in the trash is removed for good. Only call this when the user asked to delete it.",
		Scope:       "mail:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailDeleteIn) (mailDoneOut, error) {
		if err := nc.Mail().Delete(ctx, in.MessageID); err != nil {
			return mailDoneOut{}, mailNotFound(err, fmt.Sprintf("message %d", in.MessageID), "see nc_mail_list_messages")
		}
		return mailDoneOut{MessageIDs: []int64{in.MessageID}, Done: fmt.Sprintf("Deleted message %d.", in.MessageID)}, nil
	})
}

type mailFlagsIn struct {
	MessageIDs []int64 `json:"message_ids" jsonschema:"message ids, from nc_mail_list_messages"`
	Seen       *bool   `json:"seen,omitempty" jsonschema:"true marks them read, false unread"`
	Flagged    *bool   `json:"flagged,omitempty" jsonschema:"true flags (stars) them, false unflags"`
}

func (in *mailFlagsIn) Validate() error {
	return firstErr(idsArg("message_ids", in.MessageIDs, 100), changeArg("seen and/or flagged", in.Seen, in.Flagged))
}

func mailSetFlags(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_set_flags", Title: "Mark mail messages",
		Description: "Mark mail messages read or unread and/or flagged (starred) or not.",
		Scope:       "mail:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailFlagsIn) (mailDoneOut, error) {
		flags := map[string]bool{}
		var what []string
		if in.Seen != nil {
			flags["seen"] = *in.Seen
			what = append(what, map[bool]string{true: "read", false: "unread"}[*in.Seen])
		}
		if in.Flagged != nil {
			flags["flagged"] = *in.Flagged
			what = append(what, map[bool]string{true: "flagged", false: "unflagged"}[*in.Flagged])
		}
		var done []int64
		for _, id := range in.MessageIDs {
			if err := nc.Mail().SetFlags(ctx, id, flags); err != nil {
				err = mailNotFound(err, fmt.Sprintf("message %d", id), "see nc_mail_list_messages")
				if len(done) > 0 {
					warnPartial(ctx, "nc_mail_set_flags", fmt.Sprintf("%d of %d messages were marked", len(done), len(in.MessageIDs)))
					err = fmt.Errorf("%w (messages %v were marked already)", err, done)
				}
				return mailDoneOut{}, err
			}
			done = append(done, id)
			reportProgress(ctx, len(done), len(in.MessageIDs), fmt.Sprintf("marked %d of %d messages", len(done), len(in.MessageIDs)))
		}
		return mailDoneOut{MessageIDs: done, Done: fmt.Sprintf("Marked %d messages %s.", len(done), strings.Join(what, " and "))}, nil
	})
}

type mailTagIn struct {
	Name  string `json:"name" jsonschema:"tag name"`
	Color string `json:"color,omitempty" jsonschema:"CSS color like #0082c9 (default)"`
}

func (in *mailTagIn) Validate() error {
	if err := textArg("name", in.Name); err != nil {
		return err
	}
	if utf8.RuneCountInString(in.Name) > 128 {
		return fmt.Errorf("name is longer than 128 characters")
	}
	if len(in.Color) > 9 {
		return fmt.Errorf("color must be a CSS color like #0082c9")
	}
	return nil
}

type mailTagOut struct {
	Name      string `json:"name"`
	ImapLabel string `json:"imap_label"`
	Color     string `json:"color"`
}

func (o mailTagOut) Summary() string { return fmt.Sprintf("Tag %s (%s)", o.Name, o.ImapLabel) }

func mailCreateTag(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_create_tag", Title: "Create mail tag",
		Description: "Create a mail tag to put on messages with nc_mail_tag_message.",
		Scope:       "mail:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailTagIn) (mailTagOut, error) {
		color := cmp.Or(in.Color, "#0082c9")
		t, err := nc.Mail().CreateTag(ctx, strings.TrimSpace(in.Name), color)
		if err != nil {
			return mailTagOut{}, err
		}
		return mailTagOut{Name: t.DisplayName, ImapLabel: t.ImapLabel, Color: t.Color}, nil
	})
}

type mailTagMessageIn struct {
	MessageID int64  `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	Tag       string `json:"tag" jsonschema:"tag name (Important, Work, Personal, To Do, Later or one you created) or its IMAP label like $label1"`
	Remove    bool   `json:"remove,omitempty" jsonschema:"take the tag off instead"`
}

func (in *mailTagMessageIn) Validate() error {
	return firstErr(mailMessageID(in.MessageID), textArg("tag", in.Tag))
}

func mailTagMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_tag_message", Title: "Tag mail message",
		Description: "Put a tag on a mail message (Important, Work, Personal, To Do, Later or one created with nc_mail_create_tag), or take it off.",
		Scope:       "mail:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailTagMessageIn) (mailTagOut, error) {
		label := mailTagLabelOf(in.Tag)
		t, err := nc.Mail().Tag(ctx, in.MessageID, label, in.Remove)
		if err != nil {
			return mailTagOut{}, mailNotFound(err, fmt.Sprintf("message %d or tag %q", in.MessageID, in.Tag), "see nc_mail_list_messages; create tags with nc_mail_create_tag")
		}
		return mailTagOut{Name: t.DisplayName, ImapLabel: t.ImapLabel, Color: t.Color}, nil
	})
}
