package mcp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Mail: accounts, mailboxes, messages, attachments, sending, flags, tags.
// Sending and deleting are Destroy tools: they only happen when the model
// calls them, never as a side effect of another tool.

// mailNotFound explains the app's 403 for unknown or foreign ids.
func mailNotFound(err error, what, hint string) error {
	var ne *nextcloud.Error
	if errors.As(err, &ne) && (ne.Status == http.StatusForbidden || ne.Status == http.StatusNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return fmt.Errorf("%s does not exist or is not yours (%s): %w", what, hint, err)
	}
	return err
}

type mailAccountOut struct {
	ID    int64  `json:"id" jsonschema:"account id for the other mail tools"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type mailAccountsIn struct{}

type mailAccountsOut struct {
	Accounts []mailAccountOut `json:"accounts"`
}

func (o mailAccountsOut) Summary() string {
	if len(o.Accounts) == 0 {
		return "No mail accounts are set up in the Mail app."
	}
	lines := []string{fmt.Sprintf("%d mail accounts:", len(o.Accounts))}
	for _, a := range o.Accounts {
		lines = append(lines, fmt.Sprintf("- #%d %s <%s>", a.ID, a.Name, a.Email))
	}
	return strings.Join(lines, "\n")
}

type mailAccountIn struct {
	AccountID int64 `json:"account_id" jsonschema:"account id, from nc_mail_list_accounts"`
}

func (in *mailAccountIn) Validate() error {
	if in.AccountID <= 0 {
		return fmt.Errorf("account_id must be a positive id, from nc_mail_list_accounts")
	}
	return nil
}

type mailboxOut struct {
	ID     int64  `json:"id" jsonschema:"mailbox id for nc_mail_list_messages and nc_mail_move_message"`
	Name   string `json:"name"`
	Role   string `json:"role,omitempty" jsonschema:"inbox, sent, drafts, trash, archive, junk ..."`
	Unread int    `json:"unread"`
}

type mailboxesOut struct {
	AccountID int64        `json:"account_id"`
	Mailboxes []mailboxOut `json:"mailboxes"`
}

func (o mailboxesOut) Summary() string {
	lines := []string{fmt.Sprintf("%d mailboxes:", len(o.Mailboxes))}
	for _, m := range o.Mailboxes {
		s := fmt.Sprintf("- #%d %s", m.ID, m.Name)
		if m.Role != "" {
			s += " (" + m.Role + ")"
		}
		if m.Unread > 0 {
			s += fmt.Sprintf(", %d unread", m.Unread)
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func mailboxRole(m *nextcloud.Mailbox) string {
	if m.SpecialRole != "" {
		return m.SpecialRole
	}
	if len(m.SpecialUse) > 0 {
		return m.SpecialUse[0]
	}
	if strings.EqualFold(m.Name, "INBOX") {
		return "inbox"
	}
	return ""
}

type mailListIn struct {
	AccountID   int64  `json:"account_id,omitempty" jsonschema:"account whose INBOX to list when mailbox_id is not given (default: the first account)"`
	MailboxID   int64  `json:"mailbox_id,omitempty" jsonschema:"mailbox to list, from nc_mail_list_mailboxes"`
	UnreadOnly  bool   `json:"unread_only,omitempty" jsonschema:"only unread messages"`
	FlaggedOnly bool   `json:"flagged_only,omitempty" jsonschema:"only flagged (starred) messages"`
	From        string `json:"from,omitempty" jsonschema:"sender address or name contains this"`
	Subject     string `json:"subject,omitempty" jsonschema:"subject contains this"`
	Text        string `json:"text,omitempty" jsonschema:"words to look for in subject, sender and text"`
	Limit       int    `json:"limit,omitempty" jsonschema:"messages per page, 1-100 (default 20)"`
	Before      int64  `json:"before,omitempty" jsonschema:"only messages older than this: pass next_before of the previous page"`
}

func (in *mailListIn) Validate() error {
	if in.AccountID < 0 || in.MailboxID < 0 || in.Before < 0 {
		return fmt.Errorf("ids and before must not be negative")
	}
	if in.Limit < 0 || in.Limit > 100 {
		return fmt.Errorf("limit must be between 1 and 100, not %d", in.Limit)
	}
	return nil
}

// filter builds the Mail app's filter string.
func (in *mailListIn) filter() string {
	var toks []string
	if in.UnreadOnly {
		toks = append(toks, "is:unread")
	}
	if in.FlaggedOnly {
		toks = append(toks, "is:starred")
	}
	if in.From != "" {
		toks = append(toks, "from:"+nextcloud.MailFilterValue(in.From))
	}
	if in.Subject != "" {
		toks = append(toks, "subject:"+nextcloud.MailFilterValue(in.Subject))
	}
	toks = append(toks, strings.Fields(in.Text)...)
	return strings.Join(toks, " ")
}

type mailMessageOut struct {
	ID             int64    `json:"id" jsonschema:"message id for the other mail tools"`
	Subject        string   `json:"subject"`
	From           string   `json:"from"`
	To             []string `json:"to,omitempty"`
	CC             []string `json:"cc,omitempty"`
	Date           string   `json:"date"`
	Seen           bool     `json:"seen"`
	Flagged        bool     `json:"flagged"`
	Answered       bool     `json:"answered,omitempty"`
	HasAttachments bool     `json:"has_attachments,omitempty"`
	Tags           []string `json:"tags,omitempty" jsonschema:"tag names"`
	Preview        string   `json:"preview,omitempty"`
	MailboxID      int64    `json:"mailbox_id"`
}

func mailAddrStrings(list []nextcloud.MailAddress) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.String())
	}
	return out
}

func toMailMessage(m *nextcloud.MailMessage) mailMessageOut {
	out := mailMessageOut{ID: m.Key(), Subject: m.Subject, To: mailAddrStrings(m.To), CC: mailAddrStrings(m.CC),
		Date: fmtEpoch(m.DateInt), Seen: m.Flags.Seen, Flagged: m.Flags.Flagged, Answered: m.Flags.Answered,
		HasAttachments: m.Flags.HasAttachments, Preview: clipLine(m.PreviewText, 160), MailboxID: m.MailboxID}
	if len(m.From) > 0 {
		out.From = m.From[0].String()
	}
	for _, t := range m.Tags {
		out.Tags = append(out.Tags, t.DisplayName)
	}
	if out.Subject == "" {
		out.Subject = "(no subject)"
	}
	return out
}

type mailListOut struct {
	MailboxID  int64            `json:"mailbox_id"`
	Messages   []mailMessageOut `json:"messages" jsonschema:"newest first"`
	NextBefore int64            `json:"next_before,omitempty" jsonschema:"pass as before for older messages"`
}

func (o mailListOut) Summary() string {
	if len(o.Messages) == 0 {
		return "No (more) messages."
	}
	lines := []string{fmt.Sprintf("%d messages, newest first:", len(o.Messages))}
	for _, m := range o.Messages {
		flags := ""
		if !m.Seen {
			flags += " [unread]"
		}
		if m.Flagged {
			flags += " [flagged]"
		}
		lines = append(lines, fmt.Sprintf("- #%d %s — %s (%s)%s", m.ID, m.Subject, m.From, m.Date, flags))
	}
	if o.NextBefore > 0 {
		lines = append(lines, fmt.Sprintf("Older messages: before=%d", o.NextBefore))
	}
	return strings.Join(lines, "\n")
}

type mailMessageIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	MaxChars  int   `json:"max_chars,omitempty" jsonschema:"cut the text after this many characters (default 20000)"`
}

func (in *mailMessageIn) Validate() error {
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive id, from nc_mail_list_messages")
	}
	if in.MaxChars < 0 {
		return fmt.Errorf("max_chars must be positive")
	}
	return nil
}

type mailAttachmentOut struct {
	ID   string `json:"id" jsonschema:"attachment id for nc_mail_get_attachment"`
	Name string `json:"name"`
	Mime string `json:"mime"`
	Size int64  `json:"size"`
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
	if o.Truncated {
		b.WriteString("\n[truncated]")
	}
	return b.String()
}

type mailAttachmentIn struct {
	MessageID    int64  `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	AttachmentID string `json:"attachment_id" jsonschema:"attachment id, from nc_mail_get_message"`
}

func (in *mailAttachmentIn) Validate() error {
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive id")
	}
	if strings.TrimSpace(in.AttachmentID) == "" {
		return fmt.Errorf("attachment_id is empty; take it from nc_mail_get_message")
	}
	return nil
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
	if o.Truncated {
		s += "\n[truncated]"
	}
	return s
}

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

type mailSendIn struct {
	AccountID int64    `json:"account_id,omitempty" jsonschema:"account to send from (nc_mail_list_accounts); required when there is more than one"`
	To        []string `json:"to" jsonschema:"recipients: email addresses or \"Name <email>\""`
	CC        []string `json:"cc,omitempty" jsonschema:"copy recipients"`
	BCC       []string `json:"bcc,omitempty" jsonschema:"blind copy recipients"`
	Subject   string   `json:"subject" jsonschema:"the subject line"`
	Body      string   `json:"body" jsonschema:"the message text"`
	HTML      bool     `json:"html,omitempty" jsonschema:"body is HTML rather than plain text"`
	InReplyTo int64    `json:"in_reply_to,omitempty" jsonschema:"id of the message this answers (threads the reply)"`
}

func mailParseAddrs(field string, list []string) ([]nextcloud.MailAddress, error) {
	var out []nextcloud.MailAddress
	for _, s := range list {
		a, err := mail.ParseAddress(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an email address (%v)", field, s, err)
		}
		out = append(out, nextcloud.MailAddress{Label: a.Name, Email: a.Address})
	}
	return out, nil
}

func (in *mailSendIn) Validate() error {
	if len(in.To)+len(in.CC)+len(in.BCC) == 0 {
		return fmt.Errorf("give at least one recipient in to")
	}
	if len(in.To) == 0 {
		return fmt.Errorf("to is empty; put the main recipients there")
	}
	for field, list := range map[string][]string{"to": in.To, "cc": in.CC, "bcc": in.BCC} {
		if _, err := mailParseAddrs(field, list); err != nil {
			return err
		}
	}
	if strings.TrimSpace(in.Subject) == "" {
		return fmt.Errorf("subject is empty")
	}
	if strings.TrimSpace(in.Body) == "" {
		return fmt.Errorf("body is empty")
	}
	if in.AccountID < 0 || in.InReplyTo < 0 {
		return fmt.Errorf("ids must not be negative")
	}
	return nil
}

type mailSentOut struct {
	AccountID int64    `json:"account_id"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	CC        []string `json:"cc,omitempty"`
	BCC       []string `json:"bcc,omitempty"`
	Subject   string   `json:"subject"`
	OutboxID  int64    `json:"outbox_id"`
}

func (o mailSentOut) Summary() string {
	return fmt.Sprintf("Sent %q from %s to %s.", o.Subject, o.From, strings.Join(append(append(append([]string{}, o.To...), o.CC...), o.BCC...), ", "))
}

type mailMoveIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	MailboxID int64 `json:"mailbox_id" jsonschema:"target mailbox id, from nc_mail_list_mailboxes"`
}

func (in *mailMoveIn) Validate() error {
	if in.MessageID <= 0 || in.MailboxID <= 0 {
		return fmt.Errorf("message_id and mailbox_id must be positive ids")
	}
	return nil
}

type mailDoneOut struct {
	MessageIDs []int64 `json:"message_ids"`
	Done       string  `json:"done"`
}

func (o mailDoneOut) Summary() string { return o.Done }

type mailDeleteIn struct {
	MessageID int64 `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
}

func (in *mailDeleteIn) Validate() error {
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive id")
	}
	return nil
}

type mailFlagsIn struct {
	MessageIDs []int64 `json:"message_ids" jsonschema:"message ids, from nc_mail_list_messages"`
	Seen       *bool   `json:"seen,omitempty" jsonschema:"true marks them read, false unread"`
	Flagged    *bool   `json:"flagged,omitempty" jsonschema:"true flags (stars) them, false unflags"`
}

func (in *mailFlagsIn) Validate() error {
	if len(in.MessageIDs) == 0 {
		return fmt.Errorf("message_ids is empty")
	}
	if len(in.MessageIDs) > 100 {
		return fmt.Errorf("at most 100 message_ids at a time")
	}
	for _, id := range in.MessageIDs {
		if id <= 0 {
			return fmt.Errorf("message id %d is not valid", id)
		}
	}
	if in.Seen == nil && in.Flagged == nil {
		return fmt.Errorf("say what to change: seen and/or flagged")
	}
	return nil
}

type mailTagIn struct {
	Name  string `json:"name" jsonschema:"tag name"`
	Color string `json:"color,omitempty" jsonschema:"CSS color like #0082c9 (default)"`
}

func (in *mailTagIn) Validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return fmt.Errorf("name is empty")
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

type mailTagMessageIn struct {
	MessageID int64  `json:"message_id" jsonschema:"message id, from nc_mail_list_messages"`
	Tag       string `json:"tag" jsonschema:"tag name (Important, Work, Personal, To Do, Later or one you created) or its IMAP label like $label1"`
	Remove    bool   `json:"remove,omitempty" jsonschema:"take the tag off instead"`
}

func (in *mailTagMessageIn) Validate() error {
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive id")
	}
	if strings.TrimSpace(in.Tag) == "" {
		return fmt.Errorf("tag is empty")
	}
	return nil
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

// mailDefaultBox finds the INBOX of the account (or of the first one).
func mailDefaultBox(ctx context.Context, nc *nextcloud.Client, accountID int64) (int64, error) {
	if accountID == 0 {
		accts, err := nc.Mail().Accounts(ctx)
		if err != nil {
			return 0, err
		}
		if len(accts) == 0 {
			return 0, fmt.Errorf("no mail account is set up in the Mail app; add one in Nextcloud Mail first")
		}
		accountID = accts[0].ID
	}
	boxes, err := nc.Mail().Mailboxes(ctx, accountID)
	if err != nil {
		return 0, mailNotFound(err, fmt.Sprintf("mail account %d", accountID), "see nc_mail_list_accounts")
	}
	for i := range boxes {
		if mailboxRole(&boxes[i]) == "inbox" {
			return boxes[i].DatabaseID, nil
		}
	}
	return 0, fmt.Errorf("mail account %d has no INBOX; give mailbox_id (see nc_mail_list_mailboxes)", accountID)
}

// MailToolset offers Nextcloud Mail.
func MailToolset(env *Env) Toolset {
	return Toolset{
		Name:        "mail",
		Description: "Nextcloud Mail: read, search, organize and send email",
		Capability:  "mail",
		Tools: []Tool{
			NewTool(Spec{
				Name: "nc_mail_list_accounts", Title: "List mail accounts",
				Description: "List the mail accounts set up in Nextcloud Mail.",
				Scope:       "mail:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, _ mailAccountsIn) (mailAccountsOut, error) {
				accts, err := nc.Mail().Accounts(ctx)
				if err != nil {
					return mailAccountsOut{}, err
				}
				out := mailAccountsOut{Accounts: []mailAccountOut{}}
				for _, a := range accts {
					out.Accounts = append(out.Accounts, mailAccountOut{ID: a.ID, Name: a.Name, Email: a.EmailAddress})
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_list_mailboxes", Title: "List mailboxes",
				Description: "List the mailboxes (folders) of a mail account with their unread counts.",
				Scope:       "mail:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailAccountIn) (mailboxesOut, error) {
				boxes, err := nc.Mail().Mailboxes(ctx, in.AccountID)
				if err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == http.StatusBadRequest {
						return mailboxesOut{}, fmt.Errorf("mail account %d does not exist or is not yours (see nc_mail_list_accounts): %w", in.AccountID, err)
					}
					return mailboxesOut{}, err
				}
				out := mailboxesOut{AccountID: in.AccountID, Mailboxes: []mailboxOut{}}
				for i := range boxes {
					name := boxes[i].DisplayName
					if name == "" {
						name = boxes[i].Name
					}
					out.Mailboxes = append(out.Mailboxes, mailboxOut{ID: boxes[i].DatabaseID, Name: name, Role: mailboxRole(&boxes[i]), Unread: boxes[i].Unread})
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_list_messages", Title: "List mail messages",
				Description: "List messages of a mailbox (by default the INBOX of the first account), newest first, optionally only unread or flagged ones, or those from a sender, with a subject or containing words. Page with next_before.",
				Scope:       "mail:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailListIn) (mailListOut, error) {
				mbox := in.MailboxID
				if mbox == 0 {
					var err error
					if mbox, err = mailDefaultBox(ctx, nc, in.AccountID); err != nil {
						return mailListOut{}, err
					}
				}
				limit := in.Limit
				if limit == 0 {
					limit = 20
				}
				msgs, err := nc.Mail().Messages(ctx, nextcloud.MailQuery{MailboxID: mbox, Filter: in.filter(), Cursor: in.Before, Limit: limit})
				if err != nil {
					return mailListOut{}, mailNotFound(err, fmt.Sprintf("mailbox %d", mbox), "see nc_mail_list_mailboxes")
				}
				out := mailListOut{MailboxID: mbox, Messages: []mailMessageOut{}}
				for i := range msgs {
					out.Messages = append(out.Messages, toMailMessage(&msgs[i]))
				}
				if len(msgs) >= limit {
					out.NextBefore = msgs[len(msgs)-1].DateInt
				}
				return out, nil
			}),
			NewTool(Spec{
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
				limit := in.MaxChars
				if limit == 0 {
					limit = 20000
				}
				if r := []rune(out.Text); len(r) > limit {
					out.Text, out.Truncated = string(r[:limit]), true
				}
				for _, a := range b.Attachments {
					out.Attachments = append(out.Attachments, mailAttachmentOut{ID: a.ID, Name: a.FileName, Mime: a.Mime, Size: a.Size})
				}
				return out, nil
			}),
			NewTool(Spec{
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
				out := mailAttachmentDataOut{Name: a.Name, Mime: a.Mime, Size: a.Size, Truncated: a.Truncated}
				if mailIsText(a.Mime) && utf8.Valid(a.Content) {
					out.Text = string(a.Content)
				} else {
					out.Base64 = base64.StdEncoding.EncodeToString(a.Content)
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_send", Title: "Send email",
				Description: "Send an email now from one of the user's accounts. It leaves at once and cannot be recalled: only call this when the user has asked to send this very message, with these recipients and this text.",
				Scope:       "mail:write", Kind: Destroy, OpenWorld: true,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailSendIn) (mailSentOut, error) {
				accts, err := nc.Mail().Accounts(ctx)
				if err != nil {
					return mailSentOut{}, err
				}
				var acct *nextcloud.MailAccount
				switch {
				case in.AccountID != 0:
					for i := range accts {
						if accts[i].ID == in.AccountID {
							acct = &accts[i]
						}
					}
					if acct == nil {
						return mailSentOut{}, Argf("no mail account %d; see nc_mail_list_accounts", in.AccountID)
					}
				case len(accts) == 1:
					acct = &accts[0]
				case len(accts) == 0:
					return mailSentOut{}, fmt.Errorf("no mail account is set up in the Mail app; add one in Nextcloud Mail first")
				default:
					return mailSentOut{}, Argf("the user has %d mail accounts; say which to send from with account_id (see nc_mail_list_accounts)", len(accts))
				}
				to, _ := mailParseAddrs("to", in.To)
				cc, _ := mailParseAddrs("cc", in.CC)
				bcc, _ := mailParseAddrs("bcc", in.BCC)
				m := nextcloud.OutgoingMail{AccountID: acct.ID, To: to, CC: cc, BCC: bcc, Subject: in.Subject, Body: in.Body, IsHTML: in.HTML}
				if in.InReplyTo != 0 {
					orig, err := nc.Mail().Message(ctx, in.InReplyTo)
					if err != nil {
						return mailSentOut{}, mailNotFound(err, fmt.Sprintf("message %d to reply to", in.InReplyTo), "nothing was sent")
					}
					m.InReplyToMessageID = orig.MessageID
				}
				id, err := nc.Mail().Send(ctx, m)
				if err != nil {
					return mailSentOut{}, err
				}
				return mailSentOut{AccountID: acct.ID, From: acct.EmailAddress, To: mailAddrStrings(to), CC: mailAddrStrings(cc), BCC: mailAddrStrings(bcc),
					Subject: in.Subject, OutboxID: id}, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_move_message", Title: "Move mail message",
				Description: "Move a mail message to another mailbox (folder), e.g. to the archive.",
				Scope:       "mail:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailMoveIn) (mailDoneOut, error) {
				if err := nc.Mail().Move(ctx, in.MessageID, in.MailboxID); err != nil {
					return mailDoneOut{}, mailNotFound(err, fmt.Sprintf("message %d or mailbox %d", in.MessageID, in.MailboxID), "see nc_mail_list_messages and nc_mail_list_mailboxes")
				}
				return mailDoneOut{MessageIDs: []int64{in.MessageID}, Done: fmt.Sprintf("Moved message %d to mailbox %d.", in.MessageID, in.MailboxID)}, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_delete_message", Title: "Delete mail message",
				Description: "Delete a mail message: it goes to the account's trash, and a message already in the trash is removed for good. Only call this when the user asked to delete it.",
				Scope:       "mail:write", Kind: Destroy,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailDeleteIn) (mailDoneOut, error) {
				if err := nc.Mail().Delete(ctx, in.MessageID); err != nil {
					return mailDoneOut{}, mailNotFound(err, fmt.Sprintf("message %d", in.MessageID), "see nc_mail_list_messages")
				}
				return mailDoneOut{MessageIDs: []int64{in.MessageID}, Done: fmt.Sprintf("Deleted message %d.", in.MessageID)}, nil
			}),
			NewTool(Spec{
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
							err = fmt.Errorf("%w (messages %v were marked already)", err, done)
						}
						return mailDoneOut{}, err
					}
					done = append(done, id)
				}
				return mailDoneOut{MessageIDs: done, Done: fmt.Sprintf("Marked %d messages %s.", len(done), strings.Join(what, " and "))}, nil
			}),
			NewTool(Spec{
				Name: "nc_mail_create_tag", Title: "Create mail tag",
				Description: "Create a mail tag to put on messages with nc_mail_tag_message.",
				Scope:       "mail:write", Kind: Create,
			}, func(ctx context.Context, nc *nextcloud.Client, in mailTagIn) (mailTagOut, error) {
				color := in.Color
				if color == "" {
					color = "#0082c9"
				}
				t, err := nc.Mail().CreateTag(ctx, strings.TrimSpace(in.Name), color)
				if err != nil {
					return mailTagOut{}, err
				}
				return mailTagOut{Name: t.DisplayName, ImapLabel: t.ImapLabel, Color: t.Color}, nil
			}),
			NewTool(Spec{
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
			}),
		},
	}
}
