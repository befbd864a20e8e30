package mcp

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type pollsFixture struct {
	nc                  *nctest.Server
	c                   *client.Client // connected in-process as admin
	lunch, dates, bobs  int64
	pizza, sushi, salad int64
	monday, tuesday     int64
	bobOpt              int64
}

func pollsSeed(t *testing.T) pollsFixture {
	t.Helper()
	nc := commsNC(t)
	f := pollsFixture{nc: nc, c: connect(t, newTestServer(t, nc), "inprocess")}
	f.lunch = nc.AddPoll("admin", "textPoll", "Lunch?", "private")
	nc.SetPollConfig(f.lunch, "Friday team lunch", true, 0)
	f.pizza = nc.AddPollOption(f.lunch, "Pizza", 0, 0)
	f.sushi = nc.AddPollOption(f.lunch, "Sushi", 0, 0)
	f.salad = nc.AddPollOption(f.lunch, "Salad", 0, 0)
	nc.AddPollShare(f.lunch, "bob")
	nc.AddPollVote(f.pizza, "bob", "yes")
	nc.AddPollVote(f.sushi, "bob", "no")
	f.dates = nc.AddPoll("admin", "datePoll", "Retro date", "private")
	f.monday = nc.AddPollOption(f.dates, "", time.Date(2030, 3, 11, 0, 0, 0, 0, time.UTC).Unix(), 86400)
	f.tuesday = nc.AddPollOption(f.dates, "", time.Date(2030, 3, 12, 9, 0, 0, 0, time.UTC).Unix(), 3600)
	nc.SetPollConfig(f.dates, "", false, time.Now().Add(-time.Hour).Unix()) // closed
	f.bobs = nc.AddPoll("bob", "textPoll", "Bob's secret", "private")
	f.bobOpt = nc.AddPollOption(f.bobs, "A", 0, 0)
	return f
}

func TestPollsToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_polls_list": Read, "nc_polls_get": Read, "nc_polls_create": Create,
		"nc_polls_add_option": Create, "nc_polls_vote": Write, "nc_polls_close": Write}
	commsCheckToolset(t, commsNC(t), "polls", kinds, toolScopes("polls", kinds))
}

func TestPollsListAndGet(t *testing.T) {
	f := pollsSeed(t)
	list := call[pollsListOut](t, f.c, "nc_polls_list", map[string]any{})
	if len(list.Polls) != 2 || list.Polls[0].ID != f.lunch || list.Polls[1].ID != f.dates {
		t.Fatalf("polls %+v", list.Polls)
	}
	if l := list.Polls[0]; l.Type != "text" || l.Closed || !l.MayVote || !l.MayEdit || l.Owner != "admin" || !l.AllowMaybe {
		t.Fatalf("lunch %+v", l)
	}
	if d := list.Polls[1]; d.Type != "date" || !d.Closed || d.MayVote || d.Expires == "" {
		t.Fatalf("dates %+v", d)
	}
	list = call[pollsListOut](t, f.c, "nc_polls_list", map[string]any{"status": "open"})
	if len(list.Polls) != 1 || list.Polls[0].ID != f.lunch {
		t.Fatalf("open %+v", list.Polls)
	}
	list = call[pollsListOut](t, f.c, "nc_polls_list", map[string]any{"status": "closed"})
	if len(list.Polls) != 1 || list.Polls[0].ID != f.dates {
		t.Fatalf("closed %+v", list.Polls)
	}

	// bob sees the lunch poll he was invited to, and his own.
	bc := connect(t, newTestServer(t, f.nc, asUser(f.nc, t, "bob")), "inprocess")
	list = call[pollsListOut](t, bc, "nc_polls_list", map[string]any{})
	if len(list.Polls) != 2 || list.Polls[0].ID != f.lunch || list.Polls[0].MayEdit || list.Polls[1].ID != f.bobs {
		t.Fatalf("bob's polls %+v", list.Polls)
	}

	res := callTool(t, f.c, "nc_polls_get", map[string]any{"poll_id": f.lunch})
	got := fresh(t, res, pollDetailOut{})
	if got.Poll.Description != "Friday team lunch" || len(got.Options) != 3 {
		t.Fatalf("lunch %+v", got)
	}
	if o := got.Options[0]; o.ID != f.pizza || o.Text != "Pizza" || o.Yes != 1 || o.No != 0 || o.Mine != "" {
		t.Fatalf("pizza %+v", o)
	}
	if o := got.Options[1]; o.No != 1 || o.Yes != 0 {
		t.Fatalf("sushi %+v", o)
	}
	wantVotes := []pollVoteOut{{"bob", f.pizza, "Pizza", "yes"}, {"bob", f.sushi, "Sushi", "no"}}
	if !reflect.DeepEqual(got.Votes, wantVotes) {
		t.Fatalf("votes %+v", got.Votes)
	}
	if !strings.Contains(resultText(res), "#"+itoa64(f.pizza)+" Pizza: 1/0/0") {
		t.Fatalf("summary %s", resultText(res))
	}
	got = call[pollDetailOut](t, f.c, "nc_polls_get", map[string]any{"poll_id": f.dates})
	if o := got.Options[0]; o.Start != "2030-03-11T00:00:00Z" || o.End != "2030-03-12T00:00:00Z" {
		t.Fatalf("monday %+v", o)
	}
	if o := got.Options[1]; o.Start != "2030-03-12T09:00:00Z" || o.End != "2030-03-12T10:00:00Z" {
		t.Fatalf("tuesday %+v", o)
	}
}

func TestPollsWrites(t *testing.T) {
	f := pollsSeed(t)

	before := f.nc.Polls()
	created := call[pollDetailOut](t, f.c, "nc_polls_create", map[string]any{"title": "Offsite", "type": "date",
		"description": "Where and when", "options": []map[string]any{
			{"start": "2030-05-04"},
			{"start": "2030-05-05T10:00:00Z", "end": "2030-05-05T12:30:00Z"},
			{"start": "2030-05-06", "end": "2030-05-07"},
		}})
	id := created.Poll.ID
	if id == 0 || created.Poll.Type != "date" || created.Poll.Description != "Where and when" || len(created.Options) != 3 {
		t.Fatalf("created %+v", created)
	}
	if o := created.Options[0]; o.Start != "2030-05-04T00:00:00Z" || o.End != "2030-05-05T00:00:00Z" {
		t.Fatalf("whole-day option %+v", o)
	}
	if o := created.Options[1]; o.Start != "2030-05-05T10:00:00Z" || o.End != "2030-05-05T12:30:00Z" {
		t.Fatalf("timed option %+v", o)
	}
	if o := created.Options[2]; o.Start != "2030-05-06T00:00:00Z" || o.End != "2030-05-08T00:00:00Z" {
		t.Fatalf("two-day option %+v", o)
	}
	after := f.nc.Polls()
	othersUnchanged(t, before, after, id)
	if st := after[id]; st.Title != "Offsite" || st.Description != "Where and when" || len(st.Options) != 3 {
		t.Fatalf("stored %+v", st)
	}

	before = after
	added := call[pollOptionResult](t, f.c, "nc_polls_add_option", map[string]any{"poll_id": f.lunch, "text": "Tacos"})
	if added.Option.Text != "Tacos" || added.Option.ID == 0 {
		t.Fatalf("added %+v", added)
	}
	after = f.nc.Polls()
	othersUnchanged(t, before, after, f.lunch)
	if _, ok := after[f.lunch].Options["Tacos"]; !ok || len(after[f.lunch].Options) != 4 {
		t.Fatalf("lunch options %+v", after[f.lunch].Options)
	}

	before = after
	voted := call[pollVoteResult](t, f.c, "nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.sushi, "answer": "maybe"})
	if voted.Answer != "maybe" || voted.Option != "Sushi" {
		t.Fatalf("vote %+v", voted)
	}
	voted = call[pollVoteResult](t, f.c, "nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.sushi, "answer": "yes"})
	after = f.nc.Polls()
	othersUnchanged(t, before, after, f.lunch)
	want := map[string]string{"bob": "no", "admin": "yes"}
	if got := after[f.lunch].Options["Sushi"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("sushi votes %v", got)
	}
	if got := after[f.lunch].Options["Pizza"]; !reflect.DeepEqual(got, map[string]string{"bob": "yes"}) {
		t.Fatalf("pizza votes changed: %v", got)
	}

	before = after
	closed := call[pollResult](t, f.c, "nc_polls_close", map[string]any{"poll_id": f.lunch})
	if !closed.Poll.Closed {
		t.Fatalf("closed %+v", closed)
	}
	after = f.nc.Polls()
	othersUnchanged(t, before, after, f.lunch)
	if !after[f.lunch].Closed || !reflect.DeepEqual(after[f.lunch].Options, before[f.lunch].Options) {
		t.Fatalf("after close %+v", after[f.lunch])
	}
	wantError(t, callTool(t, f.c, "nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.pizza, "answer": "no"}), "is closed")
}

func TestPollsBadInput(t *testing.T) {
	f := pollsSeed(t)
	f.nc.SetPollConfig(f.lunch, "Friday team lunch", false, 0) // no maybe
	before := f.nc.Polls()
	cases := []struct {
		tool  string
		args  map[string]any
		wants []string
	}{
		{"nc_polls_list", map[string]any{"status": "running"}, []string{"status"}},
		{"nc_polls_get", map[string]any{}, []string{"poll_id"}},
		{"nc_polls_get", map[string]any{"poll_id": 0}, []string{"poll_id"}},
		{"nc_polls_get", map[string]any{"poll_id": 4242}, []string{"poll 4242 not found", "nc_polls_list"}},
		{"nc_polls_get", map[string]any{"poll_id": f.bobs}, []string{"403", "Insufficient permissions"}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "multiple"}, []string{"type must be text or date"}},
		{"nc_polls_create", map[string]any{"title": " ", "type": "text"}, []string{"title must not be empty"}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "date", "options": []map[string]any{{"start": "next monday"}}}, []string{"options[0]: start", "not a date"}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "date", "options": []map[string]any{{"text": "Pizza"}}}, []string{"options[0]", "not text"}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "text", "options": []map[string]any{{"text": "a"}, {"start": "2030-01-01"}}}, []string{"options[1]", "not start/end"}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "date", "options": []map[string]any{{"start": "2030-01-02", "end": "2030-01-01T00:00:00Z"}}}, []string{"not after start"}},
		{"nc_polls_add_option", map[string]any{"poll_id": f.lunch}, []string{"give text"}},
		{"nc_polls_add_option", map[string]any{"poll_id": f.lunch, "start": "2030-01-01"}, []string{"not start/end"}},
		{"nc_polls_add_option", map[string]any{"poll_id": f.lunch, "text": "Pizza"}, []string{"409", "Option exists"}},
		{"nc_polls_add_option", map[string]any{"poll_id": f.dates, "start": "2030-01-01"}, []string{"403", "Poll is closed"}},
		{"nc_polls_add_option", map[string]any{"poll_id": 4242, "text": "x"}, []string{"poll 4242 not found"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.pizza, "answer": "perhaps"}, []string{"answer must be yes, no or maybe"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.pizza, "answer": "maybe"}, []string{"does not allow maybe"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.bobOpt, "answer": "yes"}, []string{"option_id", "has no option"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.lunch, "answer": "yes"}, []string{"option_id"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.dates, "option_id": f.monday, "answer": "yes"}, []string{"is closed"}},
		{"nc_polls_close", map[string]any{"poll_id": f.bobs}, []string{"Insufficient permissions"}},
		{"nc_polls_close", map[string]any{"poll_id": 4242}, []string{"poll 4242 not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) { wantError(t, callTool(t, f.c, tc.tool, tc.args), tc.wants...) })
	}
	// Nothing was created or changed by the refused calls.
	othersUnchanged(t, before, f.nc.Polls())
}

func TestPollsAppMissing(t *testing.T) {
	f := pollsSeed(t)
	calls := []toolCall{
		{"nc_polls_list", map[string]any{}},
		{"nc_polls_get", map[string]any{"poll_id": f.lunch}},
		{"nc_polls_create", map[string]any{"title": "x", "type": "text"}},
		{"nc_polls_add_option", map[string]any{"poll_id": f.lunch, "text": "x"}},
		{"nc_polls_vote", map[string]any{"poll_id": f.lunch, "option_id": f.pizza, "answer": "yes"}},
		{"nc_polls_close", map[string]any{"poll_id": f.lunch}},
	}
	appMissingChecks(t, f.nc, "polls", "Polls", "/index.php/apps/polls/", calls, func() any { return f.nc.Polls() })
}
