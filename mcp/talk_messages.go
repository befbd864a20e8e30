package mcp

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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

type talkReactionOut struct {
	Emoji  string   `json:"emoji"`
	Count  int      `json:"count"`
	People []string `json:"people" jsonschema:"display names of who reacted"`
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

type talkReadIn struct {
	Token  string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Limit  int    `json:"limit,omitempty" jsonschema:"messages to return, 1-200 (default 30)"`
	Before int64  `json:"before_message_id,omitempty" jsonschema:"only messages older than this id: pass next_before_message_id of the previous page"`
}

func (in *talkReadIn) Validate() error {
	return firstErr(validTalkToken(in.Token), limitArg("limit", in.Limit, 200), optIDArg("before_message_id", in.Before))
}

type talkReadOut struct {
	Token        string           `json:"token"`
	Messages     []talkMessageOut `json:"messages" jsonschema:"newest first"`
	NextBeforeID int64            `json:"next_before_message_id,omitempty" jsonschema:"pass as before_message_id for older messages; absent at the start of the history"`
}

func (o talkReadOut) Summary() string {
	return listSummary(o.Messages, "No (older) messages in "+o.Token+".",
		fmt.Sprintf("%d messages in %s, newest first:", len(o.Messages), o.Token), func(m talkMessageOut) string {
			line := fmt.Sprintf("#%d %s %s: %s", m.ID, m.Time, m.Author, m.Text)
			if m.ReplyTo != nil {
				line += fmt.Sprintf(" (reply to #%d)", m.ReplyTo.ID)
			}
			return line
		}) + olderHint(len(o.Messages), "messages", "before_message_id", o.NextBeforeID)
}

func talkReadMessages(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_read_messages", Title: "Read Talk messages",
		Description: "Read the chat history of a Talk conversation, newest first, a page at a time (pass next_before_message_id as before_message_id for older messages). Reading does not move your read marker; use nc_talk_mark_read for that.",
		Scope:       "talk:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkReadIn) (talkReadOut, error) {
		limit := cmp.Or(in.Limit, 30)
		h, err := nc.Talk().Messages(ctx, in.Token, nextcloud.TalkHistoryOptions{Limit: limit, Before: in.Before})
		if err != nil {
			return talkReadOut{}, talkConvNotFound(err, in.Token)
		}
		out := talkReadOut{Token: in.Token, Messages: mapAll(h.Messages, toTalkMessage)}
		if len(h.Messages) >= limit && h.LastGiven > 0 {
			out.NextBeforeID = h.LastGiven
		}
		return out, nil
	})
}

type talkSendIn struct {
	Token   string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Message string `json:"message" jsonschema:"the text to post (markdown; @userid mentions a participant)"`
	ReplyTo int64  `json:"reply_to,omitempty" jsonschema:"id of a message in this conversation to reply to"`
	Silent  bool   `json:"silent,omitempty" jsonschema:"post without notifying the participants"`
}

func (in *talkSendIn) Validate() error {
	if err := firstErr(validTalkToken(in.Token), textArg("message", in.Message), optIDArg("reply_to", in.ReplyTo)); err != nil {
		return err
	}
	if n := len([]rune(in.Message)); n > 32000 {
		return fmt.Errorf("message has %d characters; Talk accepts at most 32000", n)
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

func talkSendMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_send_message", Title: "Send Talk message",
		Description: "Post a chat message to a Talk conversation as you, optionally as a reply to a message. The participants see it at once.",
		Scope:       "talk:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkSendIn) (talkSentOut, error) {
		m, err := nc.Talk().SendMessage(ctx, in.Token, nextcloud.TalkNewMessage{Message: in.Message, ReplyTo: in.ReplyTo, Silent: in.Silent})
		if err != nil {
			if statusOf(err) == 400 && in.ReplyTo > 0 {
				return talkSentOut{}, fmt.Errorf("cannot reply to message #%d: it is not a chat message of this conversation: %w", in.ReplyTo, err)
			}
			if statusOf(err) == 403 {
				return talkSentOut{}, fmt.Errorf("the conversation is read-only or you may not post in it: %w", err)
			}
			return talkSentOut{}, talkConvNotFound(err, in.Token)
		}
		return talkSentOut{Token: in.Token, Message: toTalkMessage(m)}, nil
	})
}

type talkMarkReadIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id,omitempty" jsonschema:"the last message you have read; omit to mark the whole conversation read"`
}

func (in *talkMarkReadIn) Validate() error {
	return firstErr(validTalkToken(in.Token), optIDArg("message_id", in.MessageID))
}

type talkMarkReadOut struct {
	Token           string `json:"token"`
	LastReadMessage int64  `json:"last_read_message_id,omitempty"`
	UnreadMessages  int    `json:"unread_messages"`
}

func (o talkMarkReadOut) Summary() string {
	return fmt.Sprintf("Marked %s read up to message #%d; %d unread left.", o.Token, o.LastReadMessage, o.UnreadMessages)
}

func talkMarkRead(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_mark_read", Title: "Mark Talk conversation read",
		Description: "Move your read marker in a Talk conversation: up to a message, or to the end when message_id is omitted.",
		Scope:       "talk:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkMarkReadIn) (talkMarkReadOut, error) {
		c, err := nc.Talk().MarkRead(ctx, in.Token, in.MessageID)
		if err != nil {
			return talkMarkReadOut{}, talkConvNotFound(err, in.Token)
		}
		if c == nil {
			// Older Talk answers without the conversation.
			if c, err = nc.Talk().Conversation(ctx, in.Token); err != nil {
				return talkMarkReadOut{}, err
			}
		}
		return talkMarkReadOut{Token: in.Token, LastReadMessage: c.LastReadMessage, UnreadMessages: c.UnreadMessages}, nil
	})
}

type talkReactionsIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id" jsonschema:"id of the message"`
	Reaction  string `json:"reaction,omitempty" jsonschema:"only this emoji"`
}

// talkMessageID checks the id of a chat message.
func talkMessageID(id int64) error { return idArg("message_id", id, "nc_talk_read_messages") }

func (in *talkReactionsIn) Validate() error {
	return firstErr(validTalkToken(in.Token), talkMessageID(in.MessageID))
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

func talkListReactions(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_list_reactions", Title: "List Talk reactions",
		Description: "Show the emoji reactions to a Talk message and who reacted.",
		Scope:       "talk:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkReactionsIn) (talkReactionsOut, error) {
		rs, err := nc.Talk().Reactions(ctx, in.Token, in.MessageID, in.Reaction)
		if err != nil {
			return talkReactionsOut{}, talkNotFound(err, fmt.Sprintf("conversation %s or message #%d", in.Token, in.MessageID))
		}
		return toTalkReactions(in.Token, in.MessageID, rs), nil
	})
}

type talkReactIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id" jsonschema:"id of the message, from nc_talk_read_messages"`
	Reaction  string `json:"reaction" jsonschema:"one emoji, e.g. 👍"`
}

func (in *talkReactIn) Validate() error {
	return firstErr(validTalkToken(in.Token), talkMessageID(in.MessageID),
		textHintArg("reaction", in.Reaction, "give one emoji"), emojiArg("reaction", in.Reaction))
}

func talkAddReaction(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_add_reaction", Title: "React to Talk message",
		Description: "React to a Talk message with an emoji (nothing changes if you reacted so already).",
		Scope:       "talk:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkReactIn) (talkReactionsOut, error) {
		rs, added, err := nc.Talk().React(ctx, in.Token, in.MessageID, in.Reaction)
		if err != nil {
			if statusOf(err) == 400 {
				return talkReactionsOut{}, fmt.Errorf("message #%d cannot take reactions (system messages and deleted messages cannot): %w", in.MessageID, err)
			}
			return talkReactionsOut{}, talkNotFound(err, fmt.Sprintf("conversation %s or message #%d", in.Token, in.MessageID))
		}
		out := toTalkReactions(in.Token, in.MessageID, rs)
		out.Changed = &added
		return out, nil
	})
}

func talkRemoveReaction(env *Env) Tool {
	return NewTool(Spec{
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
	})
}
