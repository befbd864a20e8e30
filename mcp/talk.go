package mcp

import (
	"cmp"
	"context"
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
	return explainNotFound(err, what, "not found, or you do not take part in the conversation (list conversations with nc_talk_list_conversations)")
}

// talkConvNotFound explains a 404 for the conversation token.
func talkConvNotFound(err error, token string) error { return talkNotFound(err, "conversation "+token) }

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

func validTalkToken(t string) error {
	if err := textHintArg("token", t, "take it from nc_talk_list_conversations"); err != nil {
		return err
	}
	if strings.ContainsAny(t, "/?#% ") {
		return fmt.Errorf("token %q is not a Talk conversation token (letters and digits, from nc_talk_list_conversations)", t)
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

// TalkToolset offers Nextcloud Talk chats.
func TalkToolset(env *Env) Toolset {
	return Toolset{
		Name:        "talk",
		Description: "Nextcloud Talk: conversations, participants, chat messages, reactions and polls",
		App:         nextcloud.TalkApp,
		Tools: []Tool{
			talkListConversations(env),
			talkGetConversation(env),
			talkCreateConversation(env),
			talkListParticipants(env),
			talkAddParticipant(env),
			talkReadMessages(env),
			talkSendMessage(env),
			talkMarkRead(env),
			talkListReactions(env),
			talkAddReaction(env),
			talkRemoveReaction(env),
			talkCreatePoll(env),
			talkGetPoll(env),
			talkVotePoll(env),
			talkClosePoll(env),
			talkDeleteMessage(env),
			talkLeaveConversation(env),
		},
	}
}

type talkListIn struct {
	UnreadOnly bool `json:"unread_only,omitempty" jsonschema:"only conversations with unread messages"`
}

type talkListOut struct {
	Conversations []talkConversationOut `json:"conversations" jsonschema:"most recently active first"`
	TotalUnread   int                   `json:"total_unread"`
}

func (o talkListOut) Summary() string {
	return listSummary(o.Conversations, "No Talk conversations.",
		fmt.Sprintf("%d conversations, %d unread messages:", len(o.Conversations), o.TotalUnread), talkConversationOut.line)
}

func talkListConversations(env *Env) Tool {
	return NewTool(Spec{
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
	})
}

type talkTokenIn struct {
	Token string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
}

func (in *talkTokenIn) Validate() error { return validTalkToken(in.Token) }

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

func talkGetConversation(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_get_conversation", Title: "Get Talk conversation",
		Description: "Show one Talk conversation: name, type, description, unread count and last message.",
		Scope:       "talk:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkTokenIn) (talkConversationResult, error) {
		c, err := nc.Talk().Conversation(ctx, in.Token)
		if err != nil {
			return talkConversationResult{}, talkConvNotFound(err, in.Token)
		}
		return talkConversationResult{Conversation: toTalkConversation(c)}, nil
	})
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

func talkCreateConversation(env *Env) Tool {
	return NewTool(Spec{
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
			return talkConversationResult{}, explainNotFound(err, "no user or group", fmt.Sprintf("%q to invite", in.Invite))
		}
		return talkConversationResult{Conversation: toTalkConversation(c), Created: &created}, nil
	})
}

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

func talkListParticipants(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_list_participants", Title: "List Talk participants",
		Description: "List who takes part in a Talk conversation, with their role (owner, moderator, user, guest).",
		Scope:       "talk:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkTokenIn) (talkParticipantsOut, error) {
		ps, err := nc.Talk().Participants(ctx, in.Token)
		if err != nil {
			return talkParticipantsOut{}, talkConvNotFound(err, in.Token)
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
	})
}

type talkAddParticipantIn struct {
	Token       string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	Participant string `json:"participant" jsonschema:"user id, group id, email address or circle id to add"`
	Source      string `json:"source,omitempty" jsonschema:"users (default), groups, emails or circles"`
}

func (in *talkAddParticipantIn) Validate() error {
	if err := firstErr(validTalkToken(in.Token), textArg("participant", in.Participant)); err != nil {
		return err
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

func talkAddParticipant(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_add_participant", Title: "Add Talk participant",
		Description: "Add a user, group, email guest or circle to a group or public Talk conversation (you must moderate it).",
		Scope:       "talk:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkAddParticipantIn) (talkAddParticipantOut, error) {
		src := cmp.Or(in.Source, "users")
		if err := nc.Talk().AddParticipant(ctx, in.Token, in.Participant, src); err != nil {
			switch statusOf(err) {
			case 400:
				return talkAddParticipantOut{}, fmt.Errorf("cannot add participants to this conversation (one-to-one and note-to-self conversations take none) or source %q is not supported: %w", src, err)
			case 403:
				return talkAddParticipantOut{}, fmt.Errorf("only moderators may add participants to this conversation: %w", err)
			case 404:
				return talkAddParticipantOut{}, fmt.Errorf("conversation %s or %s %q not found: %w", in.Token, strings.TrimSuffix(src, "s"), in.Participant, err)
			}
			return talkAddParticipantOut{}, err
		}
		return talkAddParticipantOut{Token: in.Token, Participant: in.Participant, Source: src}, nil
	})
}
