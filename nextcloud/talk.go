package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// TalkClient is the Talk (spreed) API: OCS v4 rooms, v1 chat and
// reactions.
type TalkClient struct{ app App }

// Talk returns the Talk API of the user.
func (c *Client) Talk() *TalkClient { return &TalkClient{app: c.AppOf(TalkApp, nil)} }

const (
	talkRoomBase = "/ocs/v2.php/apps/spreed/api/v4/room"
	talkChatBase = "/ocs/v2.php/apps/spreed/api/v1/chat/"
	talkReactBas = "/ocs/v2.php/apps/spreed/api/v1/reaction/"
)

// Talk conversation types (constants.md#conversation-types).
const (
	TalkOneToOne       = 1
	TalkGroup          = 2
	TalkPublic         = 3
	TalkChangelog      = 4
	TalkFormerOneToOne = 5
	TalkNoteToSelf     = 6
)

// TalkConversation is a Talk room as the v4 room API returns it.
type TalkConversation struct {
	ID                    int64           `json:"id"`
	Token                 string          `json:"token"`
	Type                  int             `json:"type"`
	Name                  string          `json:"name"`
	DisplayName           string          `json:"displayName"`
	Description           string          `json:"description"`
	ParticipantType       int             `json:"participantType"`
	ReadOnly              int             `json:"readOnly"`
	HasPassword           bool            `json:"hasPassword"`
	HasCall               bool            `json:"hasCall"`
	LastActivity          int64           `json:"lastActivity"`
	IsFavorite            bool            `json:"isFavorite"`
	UnreadMessages        int             `json:"unreadMessages"`
	UnreadMention         bool            `json:"unreadMention"`
	UnreadMentionDirect   bool            `json:"unreadMentionDirect"`
	LastReadMessage       int64           `json:"lastReadMessage"`
	LastCommonReadMessage int64           `json:"lastCommonReadMessage"`
	LastMessageRaw        json.RawMessage `json:"lastMessage"`
	ObjectType            string          `json:"objectType"`
	ObjectID              string          `json:"objectId"`
}

// LastMessage is the newest message of the conversation, if any (the API
// sends an empty array when there is none).
func (c *TalkConversation) LastMessage() *TalkMessage {
	b := bytes.TrimSpace(c.LastMessageRaw)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m TalkMessage
	if json.Unmarshal(b, &m) != nil || m.ID == 0 {
		return nil
	}
	return &m
}

// TalkRichObject is one parameter of a rich object string.
type TalkRichObject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
	Link string `json:"link,omitempty"`
}

// UnmarshalJSON tolerates numeric ids, which some object types use.
func (o *TalkRichObject) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	str := func(k string) string {
		switch v := raw[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	*o = TalkRichObject{Type: str("type"), ID: str("id"), Name: str("name"), Link: str("link")}
	return nil
}

// TalkMessage is one chat message.
type TalkMessage struct {
	ID                int64                  `json:"id"`
	Token             string                 `json:"token"`
	ActorType         string                 `json:"actorType"`
	ActorID           string                 `json:"actorId"`
	ActorDisplayName  string                 `json:"actorDisplayName"`
	Timestamp         int64                  `json:"timestamp"`
	Message           string                 `json:"message"`
	MessageParameters PHPMap[TalkRichObject] `json:"messageParameters"`
	SystemMessage     string                 `json:"systemMessage"`
	MessageType       string                 `json:"messageType"`
	IsReplyable       bool                   `json:"isReplyable"`
	ReferenceID       string                 `json:"referenceId"`
	Reactions         PHPMap[int]            `json:"reactions"`
	ReactionsSelf     []string               `json:"reactionsSelf"`
	Markdown          bool                   `json:"markdown"`
	Parent            *TalkParent            `json:"parent,omitempty"`
}

// TalkParent is the message a reply refers to; Deleted parents carry only
// their id.
type TalkParent struct {
	ID                int64                  `json:"id"`
	Deleted           bool                   `json:"deleted"`
	ActorID           string                 `json:"actorId"`
	ActorDisplayName  string                 `json:"actorDisplayName"`
	Message           string                 `json:"message"`
	MessageParameters PHPMap[TalkRichObject] `json:"messageParameters"`
	MessageType       string                 `json:"messageType"`
}

// Text renders the message with its placeholders ({mention-user1}, {file})
// replaced by names, as the Talk clients show it.
func (m *TalkMessage) Text() string {
	return renderRichText(m.Message, m.MessageParameters, m.MessageType == "comment")
}

// Text renders the parent message.
func (p *TalkParent) Text() string {
	return renderRichText(p.Message, p.MessageParameters, p.MessageType == "comment")
}

func renderRichText(msg string, params map[string]TalkRichObject, mentions bool) string {
	if len(params) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, 2*len(params))
	for k, p := range params {
		name := p.Name
		if name == "" {
			name = p.ID
		}
		if mentions {
			switch p.Type {
			case "user", "guest", "call", "user-group", "group", "circle", "email":
				name = "@" + name
			}
		}
		pairs = append(pairs, "{"+k+"}", name)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// TalkParticipant is one attendee of a conversation.
type TalkParticipant struct {
	AttendeeID      int64  `json:"attendeeId"`
	ActorType       string `json:"actorType"`
	ActorID         string `json:"actorId"`
	DisplayName     string `json:"displayName"`
	ParticipantType int    `json:"participantType"`
	LastPing        int64  `json:"lastPing"`
	InCall          int    `json:"inCall"`
	Status          string `json:"status"`
	StatusMessage   string `json:"statusMessage"`
}

// TalkReaction is one actor's reaction to a message.
type TalkReaction struct {
	ActorType        string `json:"actorType"`
	ActorID          string `json:"actorId"`
	ActorDisplayName string `json:"actorDisplayName"`
	Timestamp        int64  `json:"timestamp"`
}

func talkToken(token string) (string, error) {
	if token == "" {
		return "", fmt.Errorf("conversation token is empty")
	}
	if _, err := Segment("token", token); err != nil {
		return "", err
	}
	return url.PathEscape(token), nil
}

// TalkConversations lists the user's conversations.
func (t *TalkClient) Conversations(ctx context.Context) ([]TalkConversation, error) {
	var out []TalkConversation
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: talkRoomBase, Query: url.Values{"noStatusUpdate": {"1"}}, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list Talk conversations: %w", err)
	}
	return out, nil
}

// TalkConversation fetches one conversation by token.
func (t *TalkClient) Conversation(ctx context.Context, token string) (*TalkConversation, error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	return fetchOne[TalkConversation](ctx, t.app, Request{Method: http.MethodGet, Path: talkRoomBase + "/" + tok, OCS: true}, fmt.Sprintf("get Talk conversation %q", token))
}

// TalkNewConversation describes a conversation to create.
type TalkNewConversation struct {
	Type int `json:"roomType"`
	// Invite is the other user (one-to-one) or a group/circle id (group).
	Invite string `json:"invite,omitempty"`
	Source string `json:"source,omitempty"`
	Name   string `json:"roomName,omitempty"`
}

// TalkCreateConversation creates a conversation; created is false when a
// one-to-one conversation with that user existed already.
func (t *TalkClient) CreateConversation(ctx context.Context, in TalkNewConversation) (conv *TalkConversation, created bool, err error) {
	var out TalkConversation
	rep, err := t.app.Call(ctx, Request{Method: http.MethodPost, Path: talkRoomBase, Body: in, OCS: true}, &out)
	if err != nil {
		return nil, false, fmt.Errorf("create Talk conversation: %w", err)
	}
	return &out, rep.Status == http.StatusCreated, nil
}

// TalkParticipants lists the attendees of a conversation.
func (t *TalkClient) Participants(ctx context.Context, token string) ([]TalkParticipant, error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	var out []TalkParticipant
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: talkRoomBase + "/" + tok + "/participants", Query: url.Values{"includeStatus": {"true"}}, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list participants of Talk conversation %q: %w", token, err)
	}
	return out, nil
}

// TalkAddParticipant adds a user (source "users"), group, email or circle.
func (t *TalkClient) AddParticipant(ctx context.Context, token, participant, source string) error {
	tok, err := talkToken(token)
	if err != nil {
		return err
	}
	if source == "" {
		source = "users"
	}
	body := map[string]string{"newParticipant": participant, "source": source}
	if _, err := t.app.Call(ctx, Request{Method: http.MethodPost, Path: talkRoomBase + "/" + tok + "/participants", Body: body, OCS: true}, nil); err != nil {
		return fmt.Errorf("add %s %q to Talk conversation %q: %w", strings.TrimSuffix(source, "s"), participant, token, err)
	}
	return nil
}

// TalkHistoryOptions page through a conversation's history.
type TalkHistoryOptions struct {
	// Limit is the page size (Talk allows at most 200).
	Limit int
	// Before is the lastKnownMessageId: only messages older than it.
	Before int64
	// SetReadMarker moves the user's read marker to the newest message read.
	SetReadMarker bool
}

// TalkHistory is one page of messages, newest first.
type TalkHistory struct {
	Messages []TalkMessage
	// LastGiven is the X-Chat-Last-Given header: pass it as Before for the
	// next (older) page. Zero when there are no more messages.
	LastGiven int64
}

// TalkMessages reads a page of a conversation's history, newest first.
func (t *TalkClient) Messages(ctx context.Context, token string, opt TalkHistoryOptions) (*TalkHistory, error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	q := url.Values{"lookIntoFuture": {"0"}, "noStatusUpdate": {"1"}, "markNotificationsAsRead": {"0"}}
	if opt.Limit > 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	if opt.Before > 0 {
		q.Set("lastKnownMessageId", strconv.FormatInt(opt.Before, 10))
	}
	if opt.SetReadMarker {
		q.Set("setReadMarker", "1")
	} else {
		q.Set("setReadMarker", "0")
	}
	var msgs []TalkMessage
	rep, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: talkChatBase + tok, Query: q, OCS: true}, &msgs)
	if err != nil {
		return nil, fmt.Errorf("read messages of Talk conversation %q: %w", token, err)
	}
	h := &TalkHistory{Messages: msgs}
	if rep.Status == http.StatusNotModified {
		return h, nil
	}
	if v := rep.Header.Get("X-Chat-Last-Given"); v != "" {
		h.LastGiven, _ = strconv.ParseInt(v, 10, 64)
	}
	return h, nil
}

// TalkNewMessage is a message to post.
type TalkNewMessage struct {
	Message     string `json:"message"`
	ReplyTo     int64  `json:"replyTo,omitempty"`
	ReferenceID string `json:"referenceId,omitempty"`
	Silent      bool   `json:"silent,omitempty"`
}

// TalkSendMessage posts a chat message and returns it as stored.
func (t *TalkClient) SendMessage(ctx context.Context, token string, in TalkNewMessage) (*TalkMessage, error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	return fetchOne[TalkMessage](ctx, t.app, Request{Method: http.MethodPost, Path: talkChatBase + tok, Body: in, OCS: true}, fmt.Sprintf("send message to Talk conversation %q", token))
}

// TalkMarkRead sets the read marker; lastRead 0 marks everything read.
// Talk 18 and later answer with the updated conversation, older versions
// with nothing (conv is then nil).
func (t *TalkClient) MarkRead(ctx context.Context, token string, lastRead int64) (conv *TalkConversation, err error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	var body any = map[string]any{}
	if lastRead > 0 {
		body = map[string]int64{"lastReadMessage": lastRead}
	}
	var out TalkConversation
	if _, err := t.app.Call(ctx, Request{Method: http.MethodPost, Path: talkChatBase + tok + "/read", Body: body, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("mark Talk conversation %q as read: %w", token, err)
	}
	if out.Token == "" {
		return nil, nil
	}
	return &out, nil
}

// talkItemPath is base/<token>/<id> for an item (message, poll) of a
// conversation; what names the item in the error.
func talkItemPath(base, token, what string, id int64) (string, error) {
	tok, err := talkToken(token)
	if err != nil {
		return "", err
	}
	if id <= 0 {
		return "", fmt.Errorf("%s id must be positive", what)
	}
	return base + tok + "/" + strconv.FormatInt(id, 10), nil
}

func talkReactionPath(token string, messageID int64) (string, error) {
	return talkItemPath(talkReactBas, token, "message", messageID)
}

// TalkReactions lists who reacted how to a message, by emoji; reaction
// filters to one emoji.
func (t *TalkClient) Reactions(ctx context.Context, token string, messageID int64, reaction string) (map[string][]TalkReaction, error) {
	p, err := talkReactionPath(token, messageID)
	if err != nil {
		return nil, err
	}
	var q url.Values
	if reaction != "" {
		q = url.Values{"reaction": {reaction}}
	}
	var out PHPMap[[]TalkReaction]
	if _, err := t.app.Call(ctx, Request{Method: http.MethodGet, Path: p, Query: q, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list reactions to message %d in Talk conversation %q: %w", messageID, token, err)
	}
	return out, nil
}

// TalkReact adds a reaction; added is false when it existed already.
func (t *TalkClient) React(ctx context.Context, token string, messageID int64, reaction string) (reactions map[string][]TalkReaction, added bool, err error) {
	p, err := talkReactionPath(token, messageID)
	if err != nil {
		return nil, false, err
	}
	var out PHPMap[[]TalkReaction]
	rep, err := t.app.Call(ctx, Request{Method: http.MethodPost, Path: p, Body: map[string]string{"reaction": reaction}, OCS: true}, &out)
	if err != nil {
		return nil, false, fmt.Errorf("react %s to message %d in Talk conversation %q: %w", reaction, messageID, token, err)
	}
	return out, rep.Status == http.StatusCreated, nil
}

// TalkUnreact removes the user's reaction from a message.
func (t *TalkClient) Unreact(ctx context.Context, token string, messageID int64, reaction string) (map[string][]TalkReaction, error) {
	p, err := talkReactionPath(token, messageID)
	if err != nil {
		return nil, err
	}
	var out PHPMap[[]TalkReaction]
	// DELETE carries its parameters in the query string.
	if _, err := t.app.Call(ctx, Request{Method: http.MethodDelete, Path: p, Query: url.Values{"reaction": {reaction}}, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("remove reaction %s from message %d in Talk conversation %q: %w", reaction, messageID, token, err)
	}
	return out, nil
}
