package mcp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Helpers shared by the Talk, Mail, News, Collectives and search tests.

// commsNC starts a test Nextcloud with users admin and bob.
func commsNC(t *testing.T, opts ...nctest.Option) *nctest.Server {
	t.Helper()
	opts = append([]nctest.Option{nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass")}, opts...)
	return nctest.New(t, opts...)
}

// commsFault installs a fault hook, before any request is made, that runs
// fn for requests whose path starts with prefix while the switch is on.
func commsFault(nc *nctest.Server, prefix string, fn func(w http.ResponseWriter, r *http.Request)) *atomic.Bool {
	var on atomic.Bool
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if !on.Load() || !strings.HasPrefix(r.URL.Path, prefix) {
			return false
		}
		fn(w, r)
		return true
	})
	return &on
}

// commsFail500 answers like a crashed Nextcloud.
func commsFail500(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("<html><body>Internal Server Error</body></html>"))
}

// commsCheckToolset asserts that every tool of an app is listed with a
// title, a described input schema, its scope and annotations for its
// kind; with --read-only only the Read tools remain; and --apps without
// the app hides all of them.
func commsCheckToolset(t *testing.T, nc *nctest.Server, app string, kinds map[string]Kind, scopes map[string]string) {
	t.Helper()
	srv := newTestServer(t, nc)
	listed := listedTools(t, connect(t, srv, "inprocess"))
	collabCheckTools(t, listed, kinds)
	for name := range kinds {
		tl := listed[name]
		st, _ := srv.Tool(name)
		if st.Scope != scopes[name] {
			t.Errorf("%s scope %q, want %q", name, st.Scope, scopes[name])
		}
		b, _ := json.Marshal(tl)
		var def struct {
			InputSchema struct {
				Type       string `json:"type"`
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"inputSchema"`
		}
		if err := json.Unmarshal(b, &def); err != nil || def.InputSchema.Type != "object" {
			t.Errorf("%s input schema %s: %v", name, b, err)
		}
		for prop, ps := range def.InputSchema.Properties {
			if ps.Description == "" {
				t.Errorf("%s: argument %s has no description", name, prop)
			}
		}
	}
	for name := range listed {
		if strings.HasPrefix(name, "nc_"+app+"_") {
			if _, ok := kinds[name]; !ok {
				t.Errorf("tool %s is listed but not checked", name)
			}
		}
	}
	checkReadOnlyKinds(t, nc, kinds)
	checkAppsSwitch(t, nc, app, kinds)
}

func TestTalkToolsetListing(t *testing.T) {
	nc := commsNC(t)
	kinds := map[string]Kind{
		"nc_talk_list_conversations": Read, "nc_talk_get_conversation": Read, "nc_talk_list_participants": Read,
		"nc_talk_read_messages": Read, "nc_talk_list_reactions": Read,
		"nc_talk_create_conversation": Create, "nc_talk_send_message": Create,
		"nc_talk_add_participant": Write, "nc_talk_mark_read": Write, "nc_talk_add_reaction": Write, "nc_talk_remove_reaction": Write,
		"nc_talk_get_poll": Read, "nc_talk_create_poll": Create, "nc_talk_vote_poll": Write, "nc_talk_close_poll": Write,
		"nc_talk_delete_message": Destroy, "nc_talk_leave_conversation": Destroy,
	}
	commsCheckToolset(t, nc, "talk", kinds, toolScopes("talk", kinds))
}

func TestTalkConversationsAndChat(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("bob", 2, "Team", "admin")
	nc.AddTalkSystemMessage(team, "bob", "conversation_created", "{actor} created the conversation")
	m1 := nc.AddTalkMessage(team, "bob", "first")
	nc.AddTalkMessage(team, "bob", "second, hey @admin")
	m3 := nc.AddTalkMessage(team, "bob", "third")
	quiet := nc.AddTalkRoom("admin", 3, "Quiet")
	c := connectNC(t, nc)

	list := call[talkListOut](t, c, "nc_talk_list_conversations", map[string]any{})
	if len(list.Conversations) != 2 || list.TotalUnread != 3 {
		t.Fatalf("conversations %+v", list)
	}
	got := list.Conversations[0]
	if got.Token != team || got.Name != "Team" || got.Type != "group" || got.UnreadMessages != 3 || !got.UnreadMention {
		t.Fatalf("team conversation %+v", got)
	}
	if got.LastMessage == nil || got.LastMessage.Text != "third" || got.LastMessage.ID != m3 {
		t.Fatalf("last message %+v", got.LastMessage)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_list_conversations", map[string]any{"unread_only": true}), &list)
	if len(list.Conversations) != 1 || list.Conversations[0].Token != team {
		t.Fatalf("unread only: %+v", list.Conversations)
	}

	conv := call[talkConversationResult](t, c, "nc_talk_get_conversation", map[string]any{"token": quiet})
	if conv.Conversation.Type != "public" || conv.Conversation.Name != "Quiet" || !conv.Conversation.Moderator || conv.Conversation.LastMessage != nil {
		t.Fatalf("quiet: %+v", conv)
	}

	// Paging newest first, without touching the read marker.
	before := nc.TalkLastRead(team, "admin")
	page, res := callRes[talkReadOut](t, c, "nc_talk_read_messages", map[string]any{"token": team, "limit": 2})
	if len(page.Messages) != 2 || page.Messages[0].Text != "third" || page.Messages[1].Text != "second, hey @admin" {
		t.Fatalf("page 1: %+v", page.Messages)
	}
	if page.NextBeforeID != page.Messages[1].ID {
		t.Fatalf("next before %d, want %d", page.NextBeforeID, page.Messages[1].ID)
	}
	if !strings.Contains(resultText(res), "third") {
		t.Fatalf("summary lacks the messages: %s", resultText(res))
	}
	decodeStructured(t, callTool(t, c, "nc_talk_read_messages", map[string]any{"token": team, "limit": 2, "before_message_id": page.NextBeforeID}), &page)
	if len(page.Messages) != 2 || page.Messages[0].ID != m1 || page.Messages[1].Type != "system" || page.Messages[1].Text != "bob created the conversation" {
		t.Fatalf("page 2: %+v", page.Messages)
	}
	end := call[talkReadOut](t, c, "nc_talk_read_messages", map[string]any{"token": team, "before_message_id": page.Messages[1].ID})
	if len(end.Messages) != 0 || end.NextBeforeID != 0 {
		t.Fatalf("past the start: %+v", end)
	}
	if after := nc.TalkLastRead(team, "admin"); after != before {
		t.Fatalf("reading moved the read marker from %d to %d", before, after)
	}

	// Reply, then bob sees it with its parent.
	sent := call[talkSentOut](t, c, "nc_talk_send_message", map[string]any{"token": team, "message": "reply to you", "reply_to": m1})
	if sent.Message.ReplyTo == nil || sent.Message.ReplyTo.ID != m1 || sent.Message.ReplyTo.Text != "first" || sent.Message.AuthorID != "admin" {
		t.Fatalf("sent %+v", sent.Message)
	}
	bobMsgs, err := nc.Client(t, "bob").Talk().Messages(context.Background(), team, nextcloud.TalkHistoryOptions{Limit: 1})
	if err != nil || len(bobMsgs.Messages) != 1 || bobMsgs.Messages[0].Message != "reply to you" || bobMsgs.Messages[0].Parent == nil {
		t.Fatalf("bob reads %+v, %v", bobMsgs, err)
	}

	// Mark read.
	mr := call[talkMarkReadOut](t, c, "nc_talk_mark_read", map[string]any{"token": team, "message_id": m1})
	if mr.LastReadMessage != m1 || mr.UnreadMessages != 2 {
		t.Fatalf("mark read to m1: %+v", mr)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_mark_read", map[string]any{"token": team}), &mr)
	if mr.UnreadMessages != 0 || nc.TalkLastRead(team, "admin") != sent.Message.ID {
		t.Fatalf("mark all read: %+v, marker %d", mr, nc.TalkLastRead(team, "admin"))
	}

	// Reactions.
	rx := call[talkReactionsOut](t, c, "nc_talk_add_reaction", map[string]any{"token": team, "message_id": m3, "reaction": "👍"})
	if rx.Changed == nil || !*rx.Changed || len(rx.Reactions) != 1 || rx.Reactions[0].Count != 1 || rx.Reactions[0].People[0] != "admin" {
		t.Fatalf("add reaction: %+v", rx)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_add_reaction", map[string]any{"token": team, "message_id": m3, "reaction": "👍"}), &rx)
	if rx.Changed == nil || *rx.Changed || rx.Reactions[0].Count != 1 {
		t.Fatalf("add reaction twice: %+v", rx)
	}
	if _, _, err := nc.Client(t, "bob").Talk().React(context.Background(), team, m3, "🎉"); err != nil {
		t.Fatal(err)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_list_reactions", map[string]any{"token": team, "message_id": m3}), &rx)
	if len(rx.Reactions) != 2 {
		t.Fatalf("list reactions: %+v", rx)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_list_reactions", map[string]any{"token": team, "message_id": m3, "reaction": "🎉"}), &rx)
	if len(rx.Reactions) != 1 || rx.Reactions[0].People[0] != "bob" {
		t.Fatalf("list 🎉 reactions: %+v", rx)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_read_messages", map[string]any{"token": team, "limit": 2}), &page)
	if page.Messages[1].Reactions["👍"] != 1 || page.Messages[1].Reactions["🎉"] != 1 || len(page.Messages[1].ReactionsSelf) != 1 {
		t.Fatalf("message reactions %+v", page.Messages[1])
	}
	decodeStructured(t, callTool(t, c, "nc_talk_remove_reaction", map[string]any{"token": team, "message_id": m3, "reaction": "👍"}), &rx)
	if len(rx.Reactions) != 1 || rx.Reactions[0].Emoji != "🎉" {
		t.Fatalf("after removal: %+v", rx)
	}
	wantError(t, callTool(t, c, "nc_talk_remove_reaction", map[string]any{"token": team, "message_id": m3, "reaction": "👍"}), "not found", "404")
	wantError(t, callTool(t, c, "nc_talk_add_reaction", map[string]any{"token": team, "message_id": 9999, "reaction": "👍"}), "message #9999", "404")
}

func TestTalkCreateAndParticipants(t *testing.T) {
	nc := commsNC(t)
	c := connectNC(t, nc)

	conv := call[talkConversationResult](t, c, "nc_talk_create_conversation", map[string]any{"type": "one-to-one", "invite": "bob"})
	if conv.Created == nil || !*conv.Created || conv.Conversation.Type != "one-to-one" || conv.Conversation.Name != "bob" {
		t.Fatalf("one-to-one: %+v", conv)
	}
	direct := conv.Conversation.Token
	decodeStructured(t, callTool(t, c, "nc_talk_create_conversation", map[string]any{"type": "one-to-one", "invite": "bob"}), &conv)
	if conv.Created == nil || *conv.Created || conv.Conversation.Token != direct {
		t.Fatalf("second one-to-one: %+v", conv)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_create_conversation", map[string]any{"type": "group", "name": "Planning"}), &conv)
	group := conv.Conversation.Token
	if conv.Conversation.Type != "group" || conv.Conversation.Name != "Planning" {
		t.Fatalf("group: %+v", conv)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_create_conversation", map[string]any{"type": "public", "name": "Open house"}), &conv)
	if conv.Conversation.Type != "public" {
		t.Fatalf("public: %+v", conv)
	}
	wantError(t, callTool(t, c, "nc_talk_create_conversation", map[string]any{"type": "one-to-one", "invite": "nobody"}), "nobody", "404")

	parts := call[talkParticipantsOut](t, c, "nc_talk_list_participants", map[string]any{"token": group})
	if len(parts.Participants) != 1 || parts.Participants[0].ActorID != "admin" || parts.Participants[0].Role != "owner" {
		t.Fatalf("participants: %+v", parts)
	}
	added := call[talkAddParticipantOut](t, c, "nc_talk_add_participant", map[string]any{"token": group, "participant": "bob"})
	if added.Source != "users" {
		t.Fatalf("added %+v", added)
	}
	decodeStructured(t, callTool(t, c, "nc_talk_list_participants", map[string]any{"token": group}), &parts)
	if len(parts.Participants) != 2 || parts.Participants[1].ActorID != "bob" || parts.Participants[1].Role != "user" {
		t.Fatalf("participants after add: %+v", parts)
	}
	// Bob now sees the conversation.
	convs, err := nc.Client(t, "bob").Talk().Conversations(context.Background())
	if err != nil || len(convs) != 2 {
		t.Fatalf("bob's conversations %+v, %v", convs, err)
	}
	wantError(t, callTool(t, c, "nc_talk_add_participant", map[string]any{"token": direct, "participant": "bob"}), "one-to-one", "400")
	wantError(t, callTool(t, c, "nc_talk_add_participant", map[string]any{"token": group, "participant": "ghost"}), "ghost", "not found")
	// Bob is a plain user of Planning and may not add people.
	bobC := connect(t, newTestServer(t, nc, func(o *Options) {
		bc := nc.Client(t, "bob")
		o.Client = func(context.Context) (*nextcloud.Client, error) { return bc, nil }
	}), "inprocess")
	wantError(t, callTool(t, bobC, "nc_talk_add_participant", map[string]any{"token": group, "participant": "admin"}), "moderators", "403")
}

func TestTalkBadInput(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("admin", 2, "Team")
	c := connectNC(t, nc)
	cases := []badCall{
		{"nc_talk_get_conversation", map[string]any{}, []string{"token"}},
		{"nc_talk_get_conversation", map[string]any{"token": 12}, []string{"token"}},
		{"nc_talk_get_conversation", map[string]any{"token": "nosuchroom"}, []string{"nosuchroom", "not found", "nc_talk_list_conversations"}},
		{"nc_talk_get_conversation", map[string]any{"token": "a/b"}, []string{"not a Talk conversation token"}},
		{"nc_talk_get_conversation", map[string]any{"token": team, "extra": 1}, []string{"extra"}},
		{"nc_talk_read_messages", map[string]any{"token": team, "limit": "ten"}, []string{"limit"}},
		{"nc_talk_read_messages", map[string]any{"token": team, "limit": 500}, []string{"limit", "200"}},
		{"nc_talk_read_messages", map[string]any{"token": "nosuchroom"}, []string{"not found"}},
		{"nc_talk_send_message", map[string]any{"token": team}, []string{"message"}},
		{"nc_talk_send_message", map[string]any{"token": team, "message": "  "}, []string{"message must not be empty"}},
		{"nc_talk_send_message", map[string]any{"token": team, "message": "hi", "reply_to": 4242}, []string{"#4242"}},
		{"nc_talk_send_message", map[string]any{"token": "nosuchroom", "message": "hi"}, []string{"not found"}},
		{"nc_talk_create_conversation", map[string]any{"type": "secret"}, []string{"one-to-one, group or public"}},
		{"nc_talk_create_conversation", map[string]any{"type": "group"}, []string{"needs a name"}},
		{"nc_talk_create_conversation", map[string]any{"type": "one-to-one"}, []string{"invite"}},
		{"nc_talk_add_participant", map[string]any{"token": team, "participant": "bob", "source": "planets"}, []string{"source"}},
		{"nc_talk_add_reaction", map[string]any{"token": team, "message_id": 1}, []string{"reaction"}},
		{"nc_talk_add_reaction", map[string]any{"token": team, "message_id": 0, "reaction": "👍"}, []string{"message_id"}},
		{"nc_talk_list_reactions", map[string]any{"token": team, "message_id": -1}, []string{"message_id"}},
		{"nc_talk_mark_read", map[string]any{"token": "nosuchroom"}, []string{"not found"}},
		{"nc_talk_list_participants", map[string]any{"token": "nosuchroom"}, []string{"not found"}},
	}
	wantBadCalls(t, c, cases)
	// A system message cannot take reactions.
	sys := nc.AddTalkSystemMessage(team, "admin", "conversation_created", "{actor} created the conversation")
	wantError(t, callTool(t, c, "nc_talk_add_reaction", map[string]any{"token": team, "message_id": sys, "reaction": "👍"}), "cannot take reactions")
}

func TestTalkServerErrorsAndMissingApp(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("admin", 2, "Team")
	calls := []toolCall{
		{"nc_talk_list_conversations", map[string]any{}},
		{"nc_talk_get_conversation", map[string]any{"token": team}},
		{"nc_talk_read_messages", map[string]any{"token": team}},
		{"nc_talk_send_message", map[string]any{"token": team, "message": "hi"}},
		{"nc_talk_create_conversation", map[string]any{"type": "group", "name": "x"}},
		{"nc_talk_list_participants", map[string]any{"token": team}},
		{"nc_talk_add_participant", map[string]any{"token": team, "participant": "bob"}},
		{"nc_talk_mark_read", map[string]any{"token": team}},
		{"nc_talk_list_reactions", map[string]any{"token": team, "message_id": 1}},
		{"nc_talk_add_reaction", map[string]any{"token": team, "message_id": 1, "reaction": "👍"}},
		{"nc_talk_remove_reaction", map[string]any{"token": team, "message_id": 1, "reaction": "👍"}},
	}
	appMissingChecks(t, nc, "spreed", "Talk", "/ocs/v2.php/apps/spreed/", calls, func() any {
		return []any{nc.TalkAttendees(team), nc.TalkLastRead(team, "admin")}
	})
	// The error says the app is off; it does not dump the 404 page.
	nc.SetDisabled("spreed", true)
	c := connectNC(t, nc)
	for _, call := range calls {
		if res := callTool(t, c, call.tool, call.args); strings.Contains(resultText(res), "<html") {
			t.Fatalf("error text dumps the 404 page: %s", resultText(res))
		}
	}
}

func TestTalkOverEveryTransport(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("bob", 2, "Team", "admin")
	nc.AddTalkMessage(team, "bob", "hello over the wire")
	srv := newTestServer(t, nc)
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c := connect(t, srv, kind)
			page := call[talkReadOut](t, c, "nc_talk_read_messages", map[string]any{"token": team})
			if len(page.Messages) != 1 || page.Messages[0].Text != "hello over the wire" {
				t.Fatalf("%s: %+v", kind, page)
			}
		})
	}
}
