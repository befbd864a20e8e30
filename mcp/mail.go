package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Mail: accounts, mailboxes, messages, attachments, sending, flags, tags.
// Sending and deleting are Destroy tools: they only happen when the model
// calls them, never as a side effect of another tool.

// mailNotFound explains the app's 403 for unknown or foreign ids.
func mailNotFound(err error, what, hint string) error {
	if s := statusOf(err); (s == http.StatusForbidden || s == http.StatusNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return fmt.Errorf("%s does not exist or is not yours (%s): %w", what, hint, err)
	}
	return err
}

type mailAccountOut struct {
	ID    int64  `json:"id" jsonschema:"account id for the other mail tools"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type mailboxOut struct {
	ID     int64  `json:"id" jsonschema:"mailbox id for nc_mail_list_messages and nc_mail_move_message"`
	Name   string `json:"name"`
	Role   string `json:"role,omitempty" jsonschema:"inbox, sent, drafts, trash, archive, junk ..."`
	Unread int    `json:"unread"`
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

// mailDefaultBox finds the INBOX of the account (or of the first one).
func mailDefaultBox(ctx context.Context, nc *nextcloud.Client, accountID int64) (int64, error) {
	acct, inbox, err := nc.Mail().Inbox(ctx, accountID)
	switch {
	case err != nil && acct != 0:
		return 0, mailNotFound(err, fmt.Sprintf("mail account %d", acct), "see nc_mail_list_accounts")
	case err != nil:
		return 0, err
	case acct == 0:
		return 0, fmt.Errorf("no mail account is set up in the Mail app; add one in Nextcloud Mail first")
	case inbox == nil:
		return 0, fmt.Errorf("mail account %d has no INBOX; give mailbox_id (see nc_mail_list_mailboxes)", acct)
	}
	return inbox.DatabaseID, nil
}

// MailToolset offers Nextcloud Mail.
func MailToolset(env *Env) Toolset {
	return Toolset{
		Name:        "mail",
		Description: "Nextcloud Mail: read, search, organize and send email",
		App:         nextcloud.MailApp,
		Tools: []Tool{
			mailListAccounts(env),
			mailListMailboxes(env),
			mailListMessages(env),
			mailGetMessage(env),
			mailGetAttachment(env),
			mailGetMessageSource(env),
			mailSend(env),
			mailMoveMessage(env),
			mailDeleteMessage(env),
			mailSetFlags(env),
			mailCreateTag(env),
			mailTagMessage(env),
		},
	}
}

type mailAccountsIn struct{}

type mailAccountsOut struct {
	Accounts []mailAccountOut `json:"accounts"`
}

func (o mailAccountsOut) Summary() string {
	return listSummary(o.Accounts, "No mail accounts are set up in the Mail app.", fmt.Sprintf("%d mail accounts:", len(o.Accounts)),
		func(a mailAccountOut) string { return fmt.Sprintf("- #%d %s <%s>", a.ID, a.Name, a.Email) })
}

func mailListAccounts(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_list_accounts", Title: "List mail accounts",
		Description: "List the mail accounts set up in Nextcloud Mail.",
		Scope:       "mail:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ mailAccountsIn) (mailAccountsOut, error) {
		accts, err := nc.Mail().Accounts(ctx)
		if err != nil {
			return mailAccountsOut{}, err
		}
		return mailAccountsOut{Accounts: mapAll(accts, func(a *nextcloud.MailAccount) mailAccountOut {
			return mailAccountOut{ID: a.ID, Name: a.Name, Email: a.EmailAddress}
		})}, nil
	})
}

type mailAccountIn struct {
	AccountID int64 `json:"account_id" jsonschema:"account id, from nc_mail_list_accounts"`
}

func (in *mailAccountIn) Validate() error {
	return idArg("account_id", in.AccountID, "nc_mail_list_accounts")
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

func mailListMailboxes(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_mail_list_mailboxes", Title: "List mailboxes",
		Description: "List the mailboxes (folders) of a mail account with their unread counts.",
		Scope:       "mail:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in mailAccountIn) (mailboxesOut, error) {
		boxes, err := nc.Mail().Mailboxes(ctx, in.AccountID)
		if err != nil {
			if statusOf(err) == http.StatusBadRequest {
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
			out.Mailboxes = append(out.Mailboxes, mailboxOut{ID: boxes[i].DatabaseID, Name: name, Role: boxes[i].Role(), Unread: boxes[i].Unread})
		}
		return out, nil
	})
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
	return firstErr(optIDArg("account_id", in.AccountID), optIDArg("mailbox_id", in.MailboxID),
		optPositiveArg("before", in.Before), limitArg("limit", in.Limit, 100))
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

type mailListOut struct {
	MailboxID  int64            `json:"mailbox_id"`
	Messages   []mailMessageOut `json:"messages" jsonschema:"newest first"`
	NextBefore int64            `json:"next_before,omitempty" jsonschema:"pass as before for older messages"`
}

func (o mailListOut) Summary() string {
	return listSummary(o.Messages, "No (more) messages.", fmt.Sprintf("%d messages, newest first:", len(o.Messages)), func(m mailMessageOut) string {
		flags := ""
		if !m.Seen {
			flags += " [unread]"
		}
		if m.Flagged {
			flags += " [flagged]"
		}
		return fmt.Sprintf("- #%d %s — %s (%s)%s", m.ID, m.Subject, m.From, m.Date, flags)
	}) + olderHint(len(o.Messages), "messages", "before", o.NextBefore)
}

func mailListMessages(env *Env) Tool {
	return NewTool(Spec{
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
		limit := cmp.Or(in.Limit, 20)
		msgs, err := nc.Mail().Messages(ctx, nextcloud.MailQuery{MailboxID: mbox, Filter: in.filter(), Cursor: in.Before, Limit: limit})
		if err != nil {
			return mailListOut{}, mailNotFound(err, fmt.Sprintf("mailbox %d", mbox), "see nc_mail_list_mailboxes")
		}
		out := mailListOut{MailboxID: mbox, Messages: mapAll(msgs, toMailMessage)}
		if len(msgs) >= limit {
			out.NextBefore = msgs[len(msgs)-1].DateInt
		}
		return out, nil
	})
}
