package mcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Talk (spreed): conversations, participants, chat, read marker, reactions.

var talkTypeNames = map[int]string{
	nextcloud.TalkOneToOne:       "one-to-one",
	nextcloud.TalkGroup:          "group",
	nextcloud.TalkPublic:         "public",
	nextcloud.TalkChangelog:      "changelog",
	nextcloud.TalkFormerOneToOne: "former one-to-one",
	nextcloud.TalkNoteToSelf:     "note to self",
}

func talkTypeName(t int) string {
	if n, ok := talkTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}

func fmtEpoch(sec int64) string {
	if sec <= 0 {
		return ""
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

// talkNotFound turns Talk's bare 404 into a message saying what to check.
func talkNotFound(err error, what string) error {
	if errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return fmt.Errorf("%s not found, or you do not take part in the conversation (list conversations with nc_talk_list_conversations): %w", what, err)
	}
	return err
}

type talkReplyOut struct {
	ID      int64  `json:"id"`
	Author  string `json:"author,omitempty"`
	Text    string `json:"text,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

type talkMessageOut struct {
	ID            int64          `json:"id" jsonschema:"message id (for reply_to, reactions and the read marker)"`
	Author        string         `json:"author" jsonschema:"display name of the author"`
	AuthorID      string         `json:"author_id"`
	AuthorType    string         `json:"author_type,omitempty"`
	Time          string         `json:"time"`
	Text          string         `json:"text" jsonschema:"the message with mentions and files spelled out"`
	Type          string         `json:"type" jsonschema:"comment, system, command or comment_deleted"`
	SystemMessage string         `json:"system_message,omitempty"`
	ReplyTo       *talkReplyOut  `json:"reply_to,omitempty"`
	Reactions     map[string]int `json:"reactions,omitempty" jsonschema:"emoji to count"`
	ReactionsSelf []string       `json:"reactions_self,omitempty" jsonschema:"emojis you reacted with"`
}

func toTalkMessage(m *nextcloud.TalkMessage) talkMessageOut {
	out := talkMessageOut{ID: m.ID, Author: m.ActorDisplayName, AuthorID: m.ActorID, AuthorType: m.ActorType,
		Time: fmtEpoch(m.Timestamp), Text: m.Text(), Type: m.MessageType, SystemMessage: m.SystemMessage,
		ReactionsSelf: m.ReactionsSelf}
	if len(m.Reactions) > 0 {
		out.Reactions = m.Reactions
	}
	if out.Author == "" {
		out.Author = m.ActorID
	}
	if p := m.Parent; p != nil && p.ID > 0 {
		out.ReplyTo = &talkReplyOut{ID: p.ID, Author: p.ActorDisplayName, Text: p.Text(), Deleted: p.Deleted}
	}
	return out
}

type talkConversationOut struct {
	Token           string          `json:"token" jsonschema:"the conversation token other Talk tools take"`
	Name            string          `json:"name"`
	Type            string          `json:"type" jsonschema:"one-to-one, group, public, changelog, former one-to-one or note to self"`
	Description     string          `json:"description,omitempty"`
	UnreadMessages  int             `json:"unread_messages"`
	UnreadMention   bool            `json:"unread_mention,omitempty"`
	LastActivity    string          `json:"last_activity,omitempty"`
	LastReadMessage int64           `json:"last_read_message_id,omitempty"`
	Favorite        bool            `json:"favorite,omitempty"`
	ReadOnly        bool            `json:"read_only,omitempty"`
	Moderator       bool            `json:"moderator,omitempty" jsonschema:"whether you own or moderate it"`
	LastMessage     *talkMessageOut `json:"last_message,omitempty"`
}

func toTalkConversation(c *nextcloud.TalkConversation) talkConversationOut {
	out := talkConversationOut{Token: c.Token, Name: c.DisplayName, Type: talkTypeName(c.Type), Description: c.Description,
		UnreadMessages: c.UnreadMessages, UnreadMention: c.UnreadMention, LastActivity: fmtEpoch(c.LastActivity),
		LastReadMessage: c.LastReadMessage, Favorite: c.IsFavorite, ReadOnly: c.ReadOnly == 1,
		Moderator: c.ParticipantType >= 1 && c.ParticipantType <= 2 || c.ParticipantType == 6}
	if out.Name == "" {
		out.Name = c.Name
	}
	if m := c.LastMessage(); m != nil {
		lm := toTalkMessage(m)
		out.LastMessage = &lm
	}
	return out
}

func (c talkConversationOut) line() string {
	s := fmt.Sprintf("- %s [%s] token %s", c.Name, c.Type, c.Token)
	if c.UnreadMessages > 0 {
		s += fmt.Sprintf(", %d unread", c.UnreadMessages)
		if c.UnreadMention {
			s += " (you were mentioned)"
		}
	}
	if c.LastMessage != nil {
		s += fmt.Sprintf("; last: %s: %s", c.LastMessage.Author, clipLine(c.LastMessage.Text, 80))
	}
	return s
}

func clipLine(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

type talkListIn struct {
	UnreadOnly bool `json:"unread_only,omitempty" jsonschema:"only conversations with unread messages"`
}

type talkListOut struct {
	Conversations []talkConversationOut `json:"conversations" jsonschema:"most recently active first"`
	TotalUnread   int                   `json:"total_unread"`
}

func (o talkListOut) Summary() string {
	if len(o.Conversations) == 0 {
		return "No Talk conversations."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d conversations, %d unread messages:\n", len(o.Conversations), o.TotalUnread)
	for _, c := range o.Conversations {
		b.WriteString(c.line() + "\n")
	}
	return b.String()
}

type talkTokenIn struct {
	Token string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
}

func (in *talkTokenIn) Validate() error { return validTalkToken(in.Token) }

func validTalkToken(t string) error {
	if strings.TrimSpace(t) == "" {
		return fmt.Errorf("token is empty; take it from nc_talk_list_conversations")
	}
	if strings.ContainsAny(t, "/?#% ") {
		return fmt.Errorf("token %q is not a Talk conversation token (letters and digits, from nc_talk_list_conversations)", t)
	}
	return nil
}

type talkConversationResult struct {
	Conversation talkConversationOut `json:"conversation"`
	Created      *bool               `json:"created,omitempty" jsonschema:"false when the one-to-one conversation existed already"`
}

func (o talkConversationResult) Summary() string {
	pre := ""
	if o.Created != nil {
		if *o.Created {
			pre = "Created conversation:\n"
		} else {
			pre = "The conversation existed already:\n"
		}
	}
	return pre + o.Conversation.line()
}

type talkCreateIn struct {
	Type   string `json:"type" jsonschema:"one-to-one, group or public (anyone with the link may join)"`
	Name   string `json:"name,omitempty" jsonschema:"conversation name, required for group and public"`
	Invite string `json:"invite,omitempty" jsonschema:"one-to-one: the other user's id (required); group: a group id whose members to add"`
}

func (in *talkCreateIn) Validate() error {
	switch in.Type {
	case "one-to-one":
		if in.Invite == "" {
			return fmt.Errorf("a one-to-one conversation needs invite: the other user's id")
		}
	case "group", "public":
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("a %s conversation needs a name", in.Type)
		}
		if len(in.Name) > 255 {
			return fmt.Errorf("name is longer than 255 characters")
		}
	default:
		return fmt.Errorf("type must be one-to-one, group or public, not %q", in.Type)
	}
	return nil
}

type talkParticipantOut struct {
	ActorType   string `json:"actor_type" jsonschema:"users, guests, emails, groups, circles ..."`
	ActorID     string `json:"actor_id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role" jsonschema:"owner, moderator, user, guest ..."`
	Status      string `json:"status,omitempty"`
}

var talkRoles = map[int]string{1: "owner", 2: "moderator", 3: "user", 4: "guest", 5: "user (self-joined)", 6: "guest moderator"}

type talkParticipantsOut struct {
	Token        string               `json:"token"`
	Participants []talkParticipantOut `json:"participants"`
}

func (o talkParticipantsOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d participants in %s:\n", len(o.Participants), o.Token)
	for _, p := range o.Participants {
		fmt.Fprintf(&b, "- %s (%s %s, %s)\n", p.DisplayName, p.ActorType, p.ActorID, p.Role)
	}
	return b.String()
}

type talkAddParticipantIn struct {
	Token       string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Participant string `json:"participant" jsonschema:"user id, group id, email address or circle id to add"`
	Source      string `json:"source,omitempty" jsonschema:"users (default), groups, emails or circles"`
}

func (in *talkAddParticipantIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if strings.TrimSpace(in.Participant) == "" {
		return fmt.Errorf("participant is empty")
	}
	switch in.Source {
	case "", "users", "groups", "emails", "circles":
	default:
		return fmt.Errorf("source must be users, groups, emails or circles, not %q", in.Source)
	}
	return nil
}

type talkAddParticipantOut struct {
	Token       string `json:"token"`
	Participant string `json:"participant"`
	Source      string `json:"source"`
}

func (o talkAddParticipantOut) Summary() string {
	return fmt.Sprintf("Added %s %s to conversation %s.", strings.TrimSuffix(o.Source, "s"), o.Participant, o.Token)
}

type talkReadIn struct {
	Token  string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Limit  int    `json:"limit,omitempty" jsonschema:"messages to return, 1-200 (default 30)"`
	Before int64  `json:"before_message_id,omitempty" jsonschema:"only messages older than this id: pass next_before_message_id of the previous page"`
}

func (in *talkReadIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if in.Limit < 0 || in.Limit > 200 {
		return fmt.Errorf("limit must be between 1 and 200, not %d", in.Limit)
	}
	if in.Before < 0 {
		return fmt.Errorf("before_message_id must be a positive message id")
	}
	return nil
}

type talkReadOut struct {
	Token        string           `json:"token"`
	Messages     []talkMessageOut `json:"messages" jsonschema:"newest first"`
	NextBeforeID int64            `json:"next_before_message_id,omitempty" jsonschema:"pass as before_message_id for older messages; absent at the start of the history"`
}

func (o talkReadOut) Summary() string {
	if len(o.Messages) == 0 {
		return "No (older) messages in " + o.Token + "."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages in %s, newest first:\n", len(o.Messages), o.Token)
	for _, m := range o.Messages {
		fmt.Fprintf(&b, "#%d %s %s: %s", m.ID, m.Time, m.Author, m.Text)
		if m.ReplyTo != nil {
			fmt.Fprintf(&b, " (reply to #%d)", m.ReplyTo.ID)
		}
		b.WriteByte('\n')
	}
	if o.NextBeforeID > 0 {
		fmt.Fprintf(&b, "Older messages: before_message_id=%d\n", o.NextBeforeID)
	}
	return b.String()
}

type talkSendIn struct {
	Token   string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Message string `json:"message" jsonschema:"the text to post (markdown; @userid mentions a participant)"`
	ReplyTo int64  `json:"reply_to,omitempty" jsonschema:"id of a message in this conversation to reply to"`
	Silent  bool   `json:"silent,omitempty" jsonschema:"post without notifying the participants"`
}

func (in *talkSendIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if strings.TrimSpace(in.Message) == "" {
		return fmt.Errorf("message is empty")
	}
	if n := len([]rune(in.Message)); n > 32000 {
		return fmt.Errorf("message has %d characters; Talk accepts at most 32000", n)
	}
	if in.ReplyTo < 0 {
		return fmt.Errorf("reply_to must be a message id")
	}
	return nil
}

type talkSentOut struct {
	Token   string         `json:"token"`
	Message talkMessageOut `json:"message"`
}

func (o talkSentOut) Summary() string {
	return fmt.Sprintf("Posted message #%d to %s.", o.Message.ID, o.Token)
}

type talkMarkReadIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id,omitempty" jsonschema:"the last message you have read; omit to mark the whole conversation read"`
}

func (in *talkMarkReadIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if in.MessageID < 0 {
		return fmt.Errorf("message_id must be a message id")
	}
	return nil
}

type talkMarkReadOut struct {
	Token           string `json:"token"`
	LastReadMessage int64  `json:"last_read_message_id,omitempty"`
	UnreadMessages  int    `json:"unread_messages"`
}

func (o talkMarkReadOut) Summary() string {
	return fmt.Sprintf("Marked %s read up to message #%d; %d unread left.", o.Token, o.LastReadMessage, o.UnreadMessages)
}

type talkReactionsIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id" jsonschema:"id of the message"`
	Reaction  string `json:"reaction,omitempty" jsonschema:"only this emoji"`
}

func (in *talkReactionsIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive message id, from nc_talk_read_messages")
	}
	return nil
}

type talkReactIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id" jsonschema:"id of the message, from nc_talk_read_messages"`
	Reaction  string `json:"reaction" jsonschema:"one emoji, e.g. 👍"`
}

func (in *talkReactIn) Validate() error {
	if err := validTalkToken(in.Token); err != nil {
		return err
	}
	if in.MessageID <= 0 {
		return fmt.Errorf("message_id must be a positive message id, from nc_talk_read_messages")
	}
	if strings.TrimSpace(in.Reaction) == "" {
		return fmt.Errorf("reaction is empty; give one emoji")
	}
	if len([]rune(in.Reaction)) > 8 {
		return fmt.Errorf("reaction must be a single emoji, not %q", in.Reaction)
	}
	return nil
}

type talkReactionOut struct {
	Emoji  string   `json:"emoji"`
	Count  int      `json:"count"`
	People []string `json:"people" jsonschema:"display names of who reacted"`
}

type talkReactionsOut struct {
	Token     string            `json:"token"`
	MessageID int64             `json:"message_id"`
	Reactions []talkReactionOut `json:"reactions"`
	Changed   *bool             `json:"changed,omitempty" jsonschema:"false when the reaction was there already"`
}

func (o talkReactionsOut) Summary() string {
	if len(o.Reactions) == 0 {
		return fmt.Sprintf("No reactions to message #%d.", o.MessageID)
	}
	parts := make([]string, 0, len(o.Reactions))
	for _, r := range o.Reactions {
		parts = append(parts, fmt.Sprintf("%s %d (%s)", r.Emoji, r.Count, strings.Join(r.People, ", ")))
	}
	return fmt.Sprintf("Reactions to message #%d: %s", o.MessageID, strings.Join(parts, "; "))
}

func toTalkReactions(token string, id int64, m map[string][]nextcloud.TalkReaction) talkReactionsOut {
	out := talkReactionsOut{Token: token, MessageID: id, Reactions: []talkReactionOut{}}
	for emoji, rs := range m {
		r := talkReactionOut{Emoji: emoji, Count: len(rs), People: []string{}}
		for _, x := range rs {
			name := x.ActorDisplayName
			if name == "" {
				name = x.ActorID
			}
			r.People = append(r.People, name)
		}
		out.Reactions = append(out.Reactions, r)
	}
	sort.Slice(out.Reactions, func(i, j int) bool {
		if out.Reactions[i].Count != out.Reactions[j].Count {
			return out.Reactions[i].Count > out.Reactions[j].Count
		}
		return out.Reactions[i].Emoji < out.Reactions[j].Emoji
	})
	return out
}

// TalkToolset offers Nextcloud Talk chats.
func TalkToolset(env *Env) Toolset {
	return Toolset{
		Name:        "talk",
		Description: "Nextcloud Talk: conversations, participants, chat messages and reactions",
		Capability:  "spreed",
		Tools: []Tool{
			NewTool(Spec{
				Name: "nc_talk_list_conversations", Title: "List Talk conversations",
				Description: "List your Talk conversations, most recently active first, with unread message counts, mentions and the last message.",
				Scope:       "talk:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkListIn) (talkListOut, error) {
				convs, err := nc.Talk().Conversations(ctx)
				if err != nil {
					return talkListOut{}, err
				}
				sort.SliceStable(convs, func(i, j int) bool { return convs[i].LastActivity > convs[j].LastActivity })
				out := talkListOut{Conversations: []talkConversationOut{}}
				for i := range convs {
					out.TotalUnread += convs[i].UnreadMessages
					if in.UnreadOnly && convs[i].UnreadMessages == 0 {
						continue
					}
					out.Conversations = append(out.Conversations, toTalkConversation(&convs[i]))
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_get_conversation", Title: "Get Talk conversation",
				Description: "Show one Talk conversation: name, type, description, unread count and last message.",
				Scope:       "talk:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkTokenIn) (talkConversationResult, error) {
				c, err := nc.Talk().Conversation(ctx, in.Token)
				if err != nil {
					return talkConversationResult{}, talkNotFound(err, "conversation "+in.Token)
				}
				return talkConversationResult{Conversation: toTalkConversation(c)}, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_create_conversation", Title: "Create Talk conversation",
				Description: "Create a Talk conversation: one-to-one with a user (returns the existing one if there is one), a group conversation, or a public one anyone with the link may join.",
				Scope:       "talk:write", Kind: Create,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkCreateIn) (talkConversationResult, error) {
				req := nextcloud.TalkNewConversation{Invite: in.Invite}
				switch in.Type {
				case "one-to-one":
					req.Type = nextcloud.TalkOneToOne
				case "group":
					req.Type, req.Name = nextcloud.TalkGroup, in.Name
					if in.Invite != "" {
						req.Source = "groups"
					}
				case "public":
					req.Type, req.Name = nextcloud.TalkPublic, in.Name
				}
				c, created, err := nc.Talk().CreateConversation(ctx, req)
				if err != nil {
					if errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
						return talkConversationResult{}, fmt.Errorf("no user or group %q to invite: %w", in.Invite, err)
					}
					return talkConversationResult{}, err
				}
				return talkConversationResult{Conversation: toTalkConversation(c), Created: &created}, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_list_participants", Title: "List Talk participants",
				Description: "List who takes part in a Talk conversation, with their role (owner, moderator, user, guest).",
				Scope:       "talk:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkTokenIn) (talkParticipantsOut, error) {
				ps, err := nc.Talk().Participants(ctx, in.Token)
				if err != nil {
					return talkParticipantsOut{}, talkNotFound(err, "conversation "+in.Token)
				}
				out := talkParticipantsOut{Token: in.Token, Participants: []talkParticipantOut{}}
				for _, p := range ps {
					role := talkRoles[p.ParticipantType]
					if role == "" {
						role = fmt.Sprintf("type %d", p.ParticipantType)
					}
					out.Participants = append(out.Participants, talkParticipantOut{ActorType: p.ActorType, ActorID: p.ActorID,
						DisplayName: p.DisplayName, Role: role, Status: p.Status})
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_add_participant", Title: "Add Talk participant",
				Description: "Add a user, group, email guest or circle to a group or public Talk conversation (you must moderate it).",
				Scope:       "talk:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkAddParticipantIn) (talkAddParticipantOut, error) {
				src := in.Source
				if src == "" {
					src = "users"
				}
				if err := nc.Talk().AddParticipant(ctx, in.Token, in.Participant, src); err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) {
						switch ne.Status {
						case 400:
							return talkAddParticipantOut{}, fmt.Errorf("cannot add participants to this conversation (one-to-one and note-to-self conversations take none) or source %q is not supported: %w", src, err)
						case 403:
							return talkAddParticipantOut{}, fmt.Errorf("only moderators may add participants to this conversation: %w", err)
						case 404:
							return talkAddParticipantOut{}, fmt.Errorf("conversation %s or %s %q not found: %w", in.Token, strings.TrimSuffix(src, "s"), in.Participant, err)
						}
					}
					return talkAddParticipantOut{}, err
				}
				return talkAddParticipantOut{Token: in.Token, Participant: in.Participant, Source: src}, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_read_messages", Title: "Read Talk messages",
				Description: "Read the chat history of a Talk conversation, newest first, a page at a time (pass next_before_message_id as before_message_id for older messages). Reading does not move your read marker; use nc_talk_mark_read for that.",
				Scope:       "talk:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkReadIn) (talkReadOut, error) {
				limit := in.Limit
				if limit == 0 {
					limit = 30
				}
				h, err := nc.Talk().Messages(ctx, in.Token, nextcloud.TalkHistoryOptions{Limit: limit, Before: in.Before})
				if err != nil {
					return talkReadOut{}, talkNotFound(err, "conversation "+in.Token)
				}
				out := talkReadOut{Token: in.Token, Messages: []talkMessageOut{}}
				for i := range h.Messages {
					out.Messages = append(out.Messages, toTalkMessage(&h.Messages[i]))
				}
				if len(h.Messages) >= limit && h.LastGiven > 0 {
					out.NextBeforeID = h.LastGiven
				}
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_send_message", Title: "Send Talk message",
				Description: "Post a chat message to a Talk conversation as you, optionally as a reply to a message. The participants see it at once.",
				Scope:       "talk:write", Kind: Create,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkSendIn) (talkSentOut, error) {
				m, err := nc.Talk().SendMessage(ctx, in.Token, nextcloud.TalkNewMessage{Message: in.Message, ReplyTo: in.ReplyTo, Silent: in.Silent})
				if err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == 400 && in.ReplyTo > 0 {
						return talkSentOut{}, fmt.Errorf("cannot reply to message #%d: it is not a chat message of this conversation: %w", in.ReplyTo, err)
					}
					if errors.As(err, &ne) && ne.Status == 403 {
						return talkSentOut{}, fmt.Errorf("the conversation is read-only or you may not post in it: %w", err)
					}
					return talkSentOut{}, talkNotFound(err, "conversation "+in.Token)
				}
				return talkSentOut{Token: in.Token, Message: toTalkMessage(m)}, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_mark_read", Title: "Mark Talk conversation read",
				Description: "Move your read marker in a Talk conversation: up to a message, or to the end when message_id is omitted.",
				Scope:       "talk:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkMarkReadIn) (talkMarkReadOut, error) {
				c, err := nc.Talk().MarkRead(ctx, in.Token, in.MessageID)
				if err != nil {
					return talkMarkReadOut{}, talkNotFound(err, "conversation "+in.Token)
				}
				if c == nil {
					// Older Talk answers without the conversation.
					if c, err = nc.Talk().Conversation(ctx, in.Token); err != nil {
						return talkMarkReadOut{}, err
					}
				}
				return talkMarkReadOut{Token: in.Token, LastReadMessage: c.LastReadMessage, UnreadMessages: c.UnreadMessages}, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_list_reactions", Title: "List Talk reactions",
				Description: "Show the emoji reactions to a Talk message and who reacted.",
				Scope:       "talk:read", Kind: Read,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkReactionsIn) (talkReactionsOut, error) {
				rs, err := nc.Talk().Reactions(ctx, in.Token, in.MessageID, in.Reaction)
				if err != nil {
					return talkReactionsOut{}, talkNotFound(err, fmt.Sprintf("conversation %s or message #%d", in.Token, in.MessageID))
				}
				return toTalkReactions(in.Token, in.MessageID, rs), nil
			}),
			NewTool(Spec{
				Name: "nc_talk_add_reaction", Title: "React to Talk message",
				Description: "React to a Talk message with an emoji (nothing changes if you reacted so already).",
				Scope:       "talk:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkReactIn) (talkReactionsOut, error) {
				rs, added, err := nc.Talk().React(ctx, in.Token, in.MessageID, in.Reaction)
				if err != nil {
					var ne *nextcloud.Error
					if errors.As(err, &ne) && ne.Status == 400 {
						return talkReactionsOut{}, fmt.Errorf("message #%d cannot take reactions (system messages and deleted messages cannot): %w", in.MessageID, err)
					}
					return talkReactionsOut{}, talkNotFound(err, fmt.Sprintf("conversation %s or message #%d", in.Token, in.MessageID))
				}
				out := toTalkReactions(in.Token, in.MessageID, rs)
				out.Changed = &added
				return out, nil
			}),
			NewTool(Spec{
				Name: "nc_talk_remove_reaction", Title: "Remove Talk reaction",
				Description: "Take back your emoji reaction to a Talk message.",
				Scope:       "talk:write", Kind: Write,
			}, func(ctx context.Context, nc *nextcloud.Client, in talkReactIn) (talkReactionsOut, error) {
				rs, err := nc.Talk().Unreact(ctx, in.Token, in.MessageID, in.Reaction)
				if err != nil {
					return talkReactionsOut{}, talkNotFound(err, fmt.Sprintf("conversation %s, message #%d or your %s reaction", in.Token, in.MessageID, in.Reaction))
				}
				changed := true
				out := toTalkReactions(in.Token, in.MessageID, rs)
				out.Changed = &changed
				return out, nil
			}),
		},
	}
}
