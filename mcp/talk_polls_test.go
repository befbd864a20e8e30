package mcp

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// talkAs connects an MCP client acting as user.
func talkAs(t *testing.T, nc *nctest.Server, user string) *client.Client {
	t.Helper()
	return connect(t, newTestServer(t, nc, func(o *Options) {
		uc := nc.Client(t, user)
		o.Client = func(context.Context) (*nextcloud.Client, error) { return uc, nil }
	}), "inprocess")
}

func TestTalkPolls(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("admin", 2, "Team", "bob")
	other := nc.AddTalkRoom("admin", 2, "Other", "bob")
	otherPoll := nc.AddTalkPoll(other, "admin", "Untouched?", 0, 0, "yes", "no")
	c := connectNC(t, nc)
	bob := talkAs(t, nc, "bob")

	poll := call[talkPollOut](t, c, "nc_talk_create_poll", map[string]any{"token": team, "question": "Lunch?", "options": []string{"pizza", "salad", "soup"}, "max_votes": 2})
	if poll.ID <= 0 || poll.Question != "Lunch?" || poll.Status != "open" || poll.Results != "public" || poll.MaxVotes != 2 ||
		len(poll.Options) != 3 || poll.Options[2].ID != 2 || poll.Options[2].Text != "soup" || poll.ResultsVisible {
		t.Fatalf("created poll %+v", poll)
	}
	// The poll shows in the chat as a shared object.
	page := call[talkReadOut](t, c, "nc_talk_read_messages", map[string]any{"token": team})
	if len(page.Messages) != 1 || page.Messages[0].Text != "Lunch?" {
		t.Fatalf("chat after poll: %+v", page.Messages)
	}

	// Bob has not voted: a public poll hides the results from him.
	decodeStructured(t, callTool(t, bob, "nc_talk_get_poll", map[string]any{"token": team, "poll_id": poll.ID}), &poll)
	if poll.ResultsVisible || len(poll.VotedFor) != 0 || poll.Author != "admin" {
		t.Fatalf("bob before voting %+v", poll)
	}
	decodeStructured(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{0, 2}}), &poll)
	if !poll.ResultsVisible || !slices.Equal(poll.VotedFor, []int{0, 2}) || poll.Options[0].Votes != 1 || poll.Options[1].Votes != 0 || !poll.Options[2].Mine || poll.Voters != 1 {
		t.Fatalf("after bob's vote %+v", poll)
	}
	// A second vote replaces the first.
	decodeStructured(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{1}}), &poll)
	if got := nc.TalkPollVotes(team, poll.ID); !slices.Equal(got["bob"], []int{1}) || len(got) != 1 {
		t.Fatalf("stored votes %v", got)
	}
	wantError(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{0, 1, 2}}), "option_ids", "at most 2")
	wantError(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{7}}), "option_ids", "0 to 2", "not 7")
	// Bob neither wrote the poll nor moderates Team.
	wantError(t, callTool(t, bob, "nc_talk_close_poll", map[string]any{"token": team, "poll_id": poll.ID}), "author or a moderator", "403")

	decodeStructured(t, callTool(t, c, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{1}}), &poll)
	decodeStructured(t, callTool(t, c, "nc_talk_close_poll", map[string]any{"token": team, "poll_id": poll.ID}), &poll)
	if poll.Status != "closed" || poll.Options[1].Votes != 2 || poll.Voters != 2 || len(poll.Details) != 2 || poll.Details[0].ActorID != "admin" || poll.Details[1].OptionID != 1 {
		t.Fatalf("closed poll %+v", poll)
	}
	if !strings.Contains(poll.Summary(), "[1] salad: 2 votes") {
		t.Fatalf("summary %q", poll.Summary())
	}
	wantError(t, callTool(t, c, "nc_talk_close_poll", map[string]any{"token": team, "poll_id": poll.ID}), "closed already")
	wantError(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{0}}), "is closed")
	// The poll of the other conversation is not reachable through Team, and untouched.
	wantError(t, callTool(t, c, "nc_talk_get_poll", map[string]any{"token": team, "poll_id": otherPoll}), "not found")
	if v := nc.TalkPollVotes(other, otherPoll); len(v) != 0 {
		t.Fatalf("other poll got votes %v", v)
	}

	// Hidden results: even a voter sees no counts until closing, then no details.
	poll = talkPollOut{}
	decodeStructured(t, callTool(t, c, "nc_talk_create_poll", map[string]any{"token": team, "question": "Secret?", "options": []string{"a", "b"}, "hidden_results": true}), &poll)
	poll = talkPollOut{ID: poll.ID}
	decodeStructured(t, callTool(t, bob, "nc_talk_vote_poll", map[string]any{"token": team, "poll_id": poll.ID, "option_ids": []int{0}}), &poll)
	if poll.Results != "hidden" || poll.ResultsVisible || poll.Options[0].Votes != 0 || poll.Voters != 0 {
		t.Fatalf("hidden poll after voting %+v", poll)
	}
	closed := call[talkPollOut](t, c, "nc_talk_close_poll", map[string]any{"token": team, "poll_id": poll.ID})
	if !closed.ResultsVisible || closed.Options[0].Votes != 1 || len(closed.Details) != 0 || closed.Options[0].Mine {
		t.Fatalf("hidden poll closed %+v", closed)
	}

	// Polls only in group and public conversations.
	direct := nc.AddTalkRoom("admin", 1, "", "bob")
	wantError(t, callTool(t, c, "nc_talk_create_poll", map[string]any{"token": direct, "question": "x?", "options": []string{"a", "b"}}), "group and public")
}

func TestTalkDeleteMessageAndLeave(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("admin", 2, "Team", "bob")
	keep := nc.AddTalkMessage(team, "bob", "keep me")
	mine := nc.AddTalkMessage(team, "admin", "oops")
	bobs := nc.AddTalkMessage(team, "bob", "bob's words")
	sys := nc.AddTalkSystemMessage(team, "admin", "conversation_renamed", "{actor} renamed the conversation")
	c := connectNC(t, nc)
	bob := talkAs(t, nc, "bob")

	del := call[talkDeletedOut](t, c, "nc_talk_delete_message", map[string]any{"token": team, "message_id": mine})
	if !del.Deleted || del.MessageID != mine {
		t.Fatalf("deleted %+v", del)
	}
	if nc.TalkMessageType(team, mine) != "comment_deleted" {
		t.Fatalf("message %d is %q", mine, nc.TalkMessageType(team, mine))
	}
	for _, id := range []int64{keep, bobs} {
		if nc.TalkMessageType(team, id) != "comment" {
			t.Fatalf("message %d changed to %q", id, nc.TalkMessageType(team, id))
		}
	}
	// Bob is a plain participant: not admin's message, and not a system message.
	again := nc.AddTalkMessage(team, "admin", "admin again")
	wantError(t, callTool(t, bob, "nc_talk_delete_message", map[string]any{"token": team, "message_id": again}), "not yours", "403")
	wantError(t, callTool(t, c, "nc_talk_delete_message", map[string]any{"token": team, "message_id": sys}), "not a chat message", "405")
	wantError(t, callTool(t, c, "nc_talk_delete_message", map[string]any{"token": team, "message_id": 9999}), "#9999", "not found")
	// The owner moderates and may delete bob's message.
	decodeStructured(t, callTool(t, c, "nc_talk_delete_message", map[string]any{"token": team, "message_id": bobs}), &del)
	if nc.TalkMessageType(team, bobs) != "comment_deleted" || nc.TalkMessageType(team, keep) != "comment" {
		t.Fatal("moderator delete hit the wrong message")
	}

	// Leaving: admin is Team's only moderator while bob stays.
	wantError(t, callTool(t, c, "nc_talk_leave_conversation", map[string]any{"token": team}), "last moderator", "400")
	other := nc.AddTalkRoom("admin", 2, "Other", "bob")
	left := call[talkLeftOut](t, bob, "nc_talk_leave_conversation", map[string]any{"token": team})
	if !left.Left || left.Name != "Team" {
		t.Fatalf("left %+v", left)
	}
	if got := nc.TalkAttendees(team); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("team attendees %v", got)
	}
	if got := nc.TalkAttendees(other); !slices.Equal(got, []string{"admin", "bob"}) {
		t.Fatalf("other conversation changed: %v", got)
	}
	wantError(t, callTool(t, bob, "nc_talk_get_conversation", map[string]any{"token": team}), "not found")
	wantError(t, callTool(t, bob, "nc_talk_leave_conversation", map[string]any{"token": team}), "not found")
}

func TestTalkPollAndDeleteBadInputAndMissingApp(t *testing.T) {
	nc := commsNC(t)
	team := nc.AddTalkRoom("admin", 2, "Team")
	c := connectNC(t, nc)
	cases := []struct {
		tool  string
		args  map[string]any
		wants []string
	}{
		{"nc_talk_create_poll", map[string]any{"token": team, "question": "q", "options": []string{"only"}}, []string{"options", "at least two"}},
		{"nc_talk_create_poll", map[string]any{"token": team, "question": " ", "options": []string{"a", "b"}}, []string{"question"}},
		{"nc_talk_create_poll", map[string]any{"token": team, "question": "q", "options": []string{"a", ""}}, []string{"options[1]"}},
		{"nc_talk_create_poll", map[string]any{"token": team, "question": "q", "options": "a,b"}, []string{"options"}},
		{"nc_talk_create_poll", map[string]any{"token": team, "question": "q", "options": []string{"a", "b"}, "max_votes": 3}, []string{"max_votes"}},
		{"nc_talk_create_poll", map[string]any{"token": "nosuchroom", "question": "q", "options": []string{"a", "b"}}, []string{"not found"}},
		{"nc_talk_get_poll", map[string]any{"token": team}, []string{"poll_id"}},
		{"nc_talk_get_poll", map[string]any{"token": team, "poll_id": 0}, []string{"poll_id"}},
		{"nc_talk_get_poll", map[string]any{"token": team, "poll_id": 77}, []string{"poll 77", "not found"}},
		{"nc_talk_vote_poll", map[string]any{"token": team, "poll_id": 1, "option_ids": []int{}}, []string{"option_ids"}},
		{"nc_talk_vote_poll", map[string]any{"token": team, "poll_id": 1, "option_ids": []int{-1}}, []string{"option_ids"}},
		{"nc_talk_close_poll", map[string]any{"token": "a/b", "poll_id": 1}, []string{"not a Talk conversation token"}},
		{"nc_talk_delete_message", map[string]any{"token": team}, []string{"message_id"}},
		{"nc_talk_delete_message", map[string]any{"token": team, "message_id": "x"}, []string{"message_id"}},
		{"nc_talk_leave_conversation", map[string]any{}, []string{"token"}},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) {
			wantError(t, callTool(t, c, tc.tool, tc.args), tc.wants...)
		})
	}

	nc.SetDisabled("spreed", true)
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"nc_talk_create_poll", map[string]any{"token": team, "question": "q", "options": []string{"a", "b"}}},
		{"nc_talk_get_poll", map[string]any{"token": team, "poll_id": 1}},
		{"nc_talk_vote_poll", map[string]any{"token": team, "poll_id": 1, "option_ids": []int{0}}},
		{"nc_talk_close_poll", map[string]any{"token": team, "poll_id": 1}},
		{"nc_talk_delete_message", map[string]any{"token": team, "message_id": 1}},
		{"nc_talk_leave_conversation", map[string]any{"token": team}},
	} {
		wantError(t, callTool(t, c, call.tool, call.args), `"spreed"`, "Talk", "not installed or not enabled")
	}
}
