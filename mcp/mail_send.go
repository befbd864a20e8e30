package mcp

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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
	return firstErr(textArg("subject", in.Subject), textArg("body", in.Body),
		optIDArg("account_id", in.AccountID), optIDArg("in_reply_to", in.InReplyTo))
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

func mailSend(env *Env) Tool {
	return NewTool(Spec{
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
	})
}
