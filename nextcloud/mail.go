package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Mail app API (appinfo/routes.php and lib/Controller of nextcloud/mail):
// plain JSON below /index.php/apps/mail/api/. The app answers 403 with an
// empty body for ids that do not exist or are not the user's.

// MailClient is the Mail app's API.
type MailClient struct{ app App }

// Mail returns the Mail API of the user.
func (c *Client) Mail() *MailClient { return &MailClient{app: c.AppOf(MailApp, nil)} }

const mailBase = "/index.php/apps/mail/api/"

// MailAccount is one mail account configured in the Mail app.
type MailAccount struct {
	ID               int64  `json:"id"`
	AccountID        int64  `json:"accountId"`
	Name             string `json:"name"`
	EmailAddress     string `json:"emailAddress"`
	DraftsMailboxID  *int64 `json:"draftsMailboxId"`
	SentMailboxID    *int64 `json:"sentMailboxId"`
	TrashMailboxID   *int64 `json:"trashMailboxId"`
	ArchiveMailboxID *int64 `json:"archiveMailboxId"`
}

// Mailbox is an IMAP folder.
type Mailbox struct {
	DatabaseID  int64    `json:"databaseId"`
	Name        string   `json:"name"`
	DisplayName string   `json:"displayName"`
	AccountID   int64    `json:"accountId"`
	SpecialUse  []string `json:"specialUse"`
	SpecialRole string   `json:"specialRole"`
	Unread      int      `json:"unread"`
	Delimiter   string   `json:"delimiter"`
}

// MailAddress is a recipient or sender.
type MailAddress struct {
	Label string `json:"label"`
	Email string `json:"email"`
}

// String formats the address as "Label <email>".
func (a MailAddress) String() string {
	if a.Label == "" || a.Label == a.Email {
		return a.Email
	}
	return a.Label + " <" + a.Email + ">"
}

// MailFlags are a message's IMAP flags as the app reports them.
type MailFlags struct {
	Seen           bool `json:"seen"`
	Flagged        bool `json:"flagged"`
	Answered       bool `json:"answered"`
	Deleted        bool `json:"deleted"`
	Draft          bool `json:"draft"`
	Forwarded      bool `json:"forwarded"`
	HasAttachments bool `json:"hasAttachments"`
	Important      bool `json:"important"`
}

// MailTag is a user's message tag (an IMAP keyword).
type MailTag struct {
	ID           int64  `json:"id"`
	DisplayName  string `json:"displayName"`
	ImapLabel    string `json:"imapLabel"`
	Color        string `json:"color"`
	IsDefaultTag bool   `json:"isDefaultTag"`
}

// MailMessage is a message as the list and show endpoints return it.
type MailMessage struct {
	DatabaseID   int64         `json:"databaseId"`
	ID           int64         `json:"id"`
	UID          int64         `json:"uid"`
	Subject      string        `json:"subject"`
	DateInt      int64         `json:"dateInt"`
	Flags        MailFlags     `json:"flags"`
	Tags         []MailTag     `json:"tags"`
	From         []MailAddress `json:"from"`
	To           []MailAddress `json:"to"`
	CC           []MailAddress `json:"cc"`
	BCC          []MailAddress `json:"bcc"`
	MailboxID    int64         `json:"mailboxId"`
	MessageID    string        `json:"messageId"`
	InReplyTo    string        `json:"inReplyTo"`
	ThreadRootID string        `json:"threadRootId"`
	PreviewText  string        `json:"previewText"`
}

// Key is the message's database id, the id every message route takes.
func (m *MailMessage) Key() int64 {
	if m.DatabaseID != 0 {
		return m.DatabaseID
	}
	return m.ID
}

// MailAttachment describes an attachment of a message body.
type MailAttachment struct {
	ID          string `json:"id"`
	FileName    string `json:"fileName"`
	Mime        string `json:"mime"`
	Size        int64  `json:"size"`
	Disposition string `json:"disposition"`
	DownloadURL string `json:"downloadUrl"`
}

// MailBody is the answer of GET /api/messages/{id}/body.
type MailBody struct {
	MailMessage
	// HasHTMLBody says Body is HTML; otherwise it is plain text in which
	// the app has turned links into anchors.
	HasHTMLBody bool             `json:"hasHtmlBody"`
	Body        string           `json:"body"`
	Attachments []MailAttachment `json:"attachments"`
	AccountID   int64            `json:"accountId"`
}

var mailAnchorRe = regexp.MustCompile(`(?is)<a\s[^>]*>(.*?)</a>`)

// Text returns the body as plain text: HTML is rendered readable, the
// anchors in plain bodies are reduced to their text.
func (b *MailBody) Text() string {
	if b.HasHTMLBody {
		return HTMLText(b.Body)
	}
	t := mailAnchorRe.ReplaceAllString(b.Body, "$1")
	return strings.TrimSpace(mailEntities.Replace(t))
}

var mailEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")

// MailAccounts lists the user's mail accounts.
func (m *MailClient) Accounts(ctx context.Context) ([]MailAccount, error) {
	var out []MailAccount
	if _, err := m.app.Call(ctx, Request{Method: http.MethodGet, Path: mailBase + "accounts"}, &out); err != nil {
		return nil, fmt.Errorf("list mail accounts: %w", err)
	}
	for i := range out {
		if out[i].ID == 0 {
			out[i].ID = out[i].AccountID
		}
	}
	return out, nil
}

// Mailboxes lists an account's mailboxes.
func (m *MailClient) Mailboxes(ctx context.Context, accountID int64) ([]Mailbox, error) {
	var out struct {
		Mailboxes []Mailbox `json:"mailboxes"`
	}
	q := url.Values{"accountId": {strconv.FormatInt(accountID, 10)}}
	if _, err := m.app.Call(ctx, Request{Method: http.MethodGet, Path: mailBase + "mailboxes", Query: q}, &out); err != nil {
		return nil, fmt.Errorf("list mailboxes of mail account %d: %w", accountID, err)
	}
	return out.Mailboxes, nil
}

// Role is the mailbox's special role ("inbox", "sent", "trash" ...), or
// "" for an ordinary folder.
func (b *Mailbox) Role() string {
	if b.SpecialRole != "" {
		return b.SpecialRole
	}
	if len(b.SpecialUse) > 0 {
		return b.SpecialUse[0]
	}
	if strings.EqualFold(b.Name, "INBOX") {
		return "inbox"
	}
	return ""
}

// Inbox finds the INBOX of the account, or with accountID 0 of the user's
// first account. account is the account looked in (0 when the user has
// none); inbox is nil when it has no INBOX.
func (m *MailClient) Inbox(ctx context.Context, accountID int64) (account int64, inbox *Mailbox, err error) {
	if accountID == 0 {
		accts, err := m.Accounts(ctx)
		if err != nil || len(accts) == 0 {
			return 0, nil, err
		}
		accountID = accts[0].ID
	}
	boxes, err := m.Mailboxes(ctx, accountID)
	if err != nil {
		return accountID, nil, err
	}
	for i := range boxes {
		if boxes[i].Role() == "inbox" {
			return accountID, &boxes[i], nil
		}
	}
	return accountID, nil, nil
}

// MailQuery selects messages of a mailbox, newest first.
type MailQuery struct {
	MailboxID int64
	// Filter is the app's search string: is:unread, is:starred, from:x,
	// subject:x, to:x and free words.
	Filter string
	// Cursor returns messages older than this dateInt (the last message's
	// dateInt of the previous page).
	Cursor int64
	Limit  int
}

// MailFilterValue escapes a value for a "key:value" filter token, which
// the app splits on spaces and URL-decodes.
func MailFilterValue(v string) string { return url.QueryEscape(v) }

// MailMessages lists messages of a mailbox.
func (m *MailClient) Messages(ctx context.Context, q MailQuery) ([]MailMessage, error) {
	v := url.Values{"mailboxId": {strconv.FormatInt(q.MailboxID, 10)}}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Cursor > 0 {
		v.Set("cursor", strconv.FormatInt(q.Cursor, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out []MailMessage
	if _, err := m.app.Call(ctx, Request{Method: http.MethodGet, Path: mailBase + "messages", Query: v}, &out); err != nil {
		return nil, fmt.Errorf("list messages of mailbox %d: %w", q.MailboxID, err)
	}
	return out, nil
}

func mailMessagePath(id int64, parts ...string) string {
	p := mailBase + "messages/" + strconv.FormatInt(id, 10)
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// MailMessage fetches a message's envelope.
func (m *MailClient) Message(ctx context.Context, id int64) (*MailMessage, error) {
	return fetchOne[MailMessage](ctx, m.app, Request{Method: http.MethodGet, Path: mailMessagePath(id)}, fmt.Sprintf("get mail message %d", id))
}

// MailBody fetches a message with its body and attachment list.
func (m *MailClient) Body(ctx context.Context, id int64) (*MailBody, error) {
	return fetchOne[MailBody](ctx, m.app, Request{Method: http.MethodGet, Path: mailMessagePath(id, "body")}, fmt.Sprintf("get body of mail message %d", id))
}

// Source fetches a message's raw RFC 5322 source (GET
// messages/{id}/source, {"source": "..."}).
func (m *MailClient) Source(ctx context.Context, id int64) (string, error) {
	var out struct {
		Source string `json:"source"`
	}
	if _, err := m.app.Call(ctx, Request{Method: http.MethodGet, Path: mailMessagePath(id, "source")}, &out); err != nil {
		return "", fmt.Errorf("get source of mail message %d: %w", id, err)
	}
	return out.Source, nil
}

// MailAttachmentData is a downloaded attachment.
type MailAttachmentData = Download

// MailAttachment downloads an attachment, at most limit bytes.
func (m *MailClient) Attachment(ctx context.Context, messageID int64, attachmentID string, limit int64) (*MailAttachmentData, error) {
	seg, err := EscapedSegment("attachment_id", attachmentID)
	if err != nil {
		return nil, err
	}
	d, err := m.app.download(ctx, mailMessagePath(messageID, "attachment", seg), nil, limit)
	if err != nil {
		return nil, fmt.Errorf("download attachment %s of mail message %d: %w", attachmentID, messageID, err)
	}
	return d, nil
}

// MoveMailMessage moves a message to another mailbox.
func (m *MailClient) Move(ctx context.Context, id, destMailboxID int64) error {
	if _, err := m.app.Call(ctx, Request{Method: http.MethodPost, Path: mailMessagePath(id, "move"), Body: map[string]int64{"destFolderId": destMailboxID}}, nil); err != nil {
		return fmt.Errorf("move mail message %d to mailbox %d: %w", id, destMailboxID, err)
	}
	return nil
}

// DeleteMailMessage deletes a message: the app moves it to the trash
// mailbox, or removes it for good when it is in the trash already.
func (m *MailClient) Delete(ctx context.Context, id int64) error {
	if _, err := m.app.Call(ctx, Request{Method: http.MethodDelete, Path: mailMessagePath(id)}, nil); err != nil {
		return fmt.Errorf("delete mail message %d: %w", id, err)
	}
	return nil
}

// SetMailFlags sets IMAP flags such as "seen" and "flagged".
func (m *MailClient) SetFlags(ctx context.Context, id int64, flags map[string]bool) error {
	if _, err := m.app.Call(ctx, Request{Method: http.MethodPut, Path: mailMessagePath(id, "flags"), Body: map[string]any{"flags": flags}}, nil); err != nil {
		return fmt.Errorf("set flags of mail message %d: %w", id, err)
	}
	return nil
}

// TagMailMessage adds (or with remove, takes off) a tag by its IMAP label.
func (m *MailClient) Tag(ctx context.Context, id int64, imapLabel string, remove bool) (*MailTag, error) {
	label, err := EscapedSegment("tag", imapLabel)
	if err != nil {
		return nil, err
	}
	method := http.MethodPut
	if remove {
		method = http.MethodDelete
	}
	return fetchOne[MailTag](ctx, m.app, Request{Method: method, Path: mailMessagePath(id, "tags", label)}, fmt.Sprintf("change tag %s of mail message %d", imapLabel, id))
}

// CreateMailTag creates a tag; color is a CSS color like "#0082c9".
func (m *MailClient) CreateTag(ctx context.Context, displayName, color string) (*MailTag, error) {
	var out MailTag
	body := map[string]string{"displayName": displayName, "color": color}
	if _, err := m.app.Call(ctx, Request{Method: http.MethodPost, Path: mailBase + "tags", Body: body}, &out); err != nil {
		return nil, fmt.Errorf("create mail tag %q: %w", displayName, err)
	}
	return &out, nil
}

// MailTagLabel is the IMAP label the app derives from a tag name (for
// ASCII names): "$" and the lower-cased name with spaces as underscores.
func MailTagLabel(name string) string {
	return "$" + strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
}

// MailDefaultTags are the tags every Mail user has.
var MailDefaultTags = map[string]string{
	"important": "$label1", "work": "$label2", "personal": "$label3", "to do": "$label4", "later": "$label5",
}

// OutgoingMail is a message to send.
type OutgoingMail struct {
	AccountID int64
	To, CC    []MailAddress
	BCC       []MailAddress
	Subject   string
	// Body is plain text unless IsHTML.
	Body   string
	IsHTML bool
	// InReplyToMessageID is the Message-ID header of the message answered.
	InReplyToMessageID string
}

type mailJSend struct {
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data"`
}

// SendMail sends a message through the app's outbox: it is stored
// (POST /api/outbox) and sent at once (POST /api/outbox/{id}). It returns
// the outbox id; when storing worked but sending failed the message stays
// in the outbox and err says so.
func (m *MailClient) Send(ctx context.Context, msg OutgoingMail) (outboxID int64, err error) {
	addrs := func(list []MailAddress) []MailAddress {
		if list == nil {
			return []MailAddress{}
		}
		return list
	}
	body := map[string]any{
		"accountId": msg.AccountID, "subject": msg.Subject, "body": msg.Body, "editorBody": msg.Body,
		"isHtml": msg.IsHTML, "to": addrs(msg.To), "cc": addrs(msg.CC), "bcc": addrs(msg.BCC), "attachments": []any{},
	}
	if msg.InReplyToMessageID != "" {
		body["inReplyToMessageId"] = msg.InReplyToMessageID
	}
	var created mailJSend
	if _, err := m.app.Call(ctx, Request{Method: http.MethodPost, Path: mailBase + "outbox", Body: body}, &created); err != nil {
		return 0, fmt.Errorf("store the message in the outbox: %w", err)
	}
	var local struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(created.Data, &local); err != nil || local.ID == 0 {
		return 0, fmt.Errorf("store the message in the outbox: unexpected answer %s", created.Data)
	}
	if _, err := m.app.Call(ctx, Request{Method: http.MethodPost, Path: mailBase + "outbox/" + strconv.FormatInt(local.ID, 10), Body: map[string]any{}}, nil); err != nil {
		return local.ID, fmt.Errorf("the message is in the outbox (id %d) but sending it failed: %w", local.ID, err)
	}
	return local.ID, nil
}
