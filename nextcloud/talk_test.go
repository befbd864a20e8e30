package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestPHPMapAcceptsEmptyArray(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{`[]`, 0, false},
		{`null`, 0, false},
		{`{}`, 0, false},
		{`{"👍":2,"🎉":1}`, 2, false},
		{`[1]`, 0, true},
		{`"x"`, 0, true},
	} {
		var m nextcloud.PHPMap[int]
		err := json.Unmarshal([]byte(tc.in), &m)
		if (err != nil) != tc.err || len(m) != tc.want {
			t.Errorf("%s: got %v, %v", tc.in, m, err)
		}
	}
}

func TestTalkMessageText(t *testing.T) {
	var m nextcloud.TalkMessage
	raw := `{"id":7,"message":"hi {mention-user1}, see {file}","messageType":"comment",
		"messageParameters":{"mention-user1":{"type":"user","id":"bob","name":"Bob B"},"file":{"type":"file","id":12,"name":"plan.pdf"}},
		"reactions":[]}`
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if got := m.Text(); got != "hi @Bob B, see plan.pdf" {
		t.Fatalf("text %q", got)
	}
	if m.MessageParameters["file"].ID != "12" {
		t.Fatalf("numeric id %q", m.MessageParameters["file"].ID)
	}
	sys := nextcloud.TalkMessage{Message: "{actor} joined", MessageType: "system",
		MessageParameters: map[string]nextcloud.TalkRichObject{"actor": {Type: "user", ID: "bob", Name: "Bob"}}}
	if got := sys.Text(); got != "Bob joined" {
		t.Fatalf("system text %q", got)
	}
}

func TestTalkClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "a"), nctest.WithUser("bob", "b"))
	ctx := context.Background()
	alice, bob := nc.Client(t, "alice"), nc.Client(t, "bob")

	conv, created, err := alice.Talk().CreateConversation(ctx, nextcloud.TalkNewConversation{Type: nextcloud.TalkGroup, Name: "Room"})
	if err != nil || !created || conv.Token == "" || conv.LastMessage() != nil {
		t.Fatalf("create: %+v %v %v", conv, created, err)
	}
	if err := alice.Talk().AddParticipant(ctx, conv.Token, "bob", ""); err != nil {
		t.Fatal(err)
	}
	// An empty history is a 304 without body.
	h, err := bob.Talk().Messages(ctx, conv.Token, nextcloud.TalkHistoryOptions{Limit: 10})
	if err != nil || len(h.Messages) != 0 || h.LastGiven != 0 {
		t.Fatalf("empty history: %+v %v", h, err)
	}
	var ids []int64
	for _, text := range []string{"one", "two", "three"} {
		m, err := alice.Talk().SendMessage(ctx, conv.Token, nextcloud.TalkNewMessage{Message: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	h, err = bob.Talk().Messages(ctx, conv.Token, nextcloud.TalkHistoryOptions{Limit: 2})
	if err != nil || len(h.Messages) != 2 || h.Messages[0].ID != ids[2] || h.LastGiven != ids[1] {
		t.Fatalf("page: %+v %v", h, err)
	}
	if got := nc.TalkLastRead(conv.Token, "bob"); got != 0 {
		t.Fatalf("reading without SetReadMarker moved the marker to %d", got)
	}
	if _, err := bob.Talk().Messages(ctx, conv.Token, nextcloud.TalkHistoryOptions{Limit: 1, SetReadMarker: true}); err != nil {
		t.Fatal(err)
	}
	if got := nc.TalkLastRead(conv.Token, "bob"); got != ids[2] {
		t.Fatalf("SetReadMarker left the marker at %d", got)
	}
	c, err := bob.Talk().MarkRead(ctx, conv.Token, ids[0])
	if err != nil || c == nil || c.LastReadMessage != ids[0] || c.UnreadMessages != 2 {
		t.Fatalf("mark read: %+v %v", c, err)
	}
	rs, added, err := bob.Talk().React(ctx, conv.Token, ids[0], "👍")
	if err != nil || !added || len(rs["👍"]) != 1 || rs["👍"][0].ActorID != "bob" {
		t.Fatalf("react: %+v %v %v", rs, added, err)
	}
	if _, added, _ = bob.Talk().React(ctx, conv.Token, ids[0], "👍"); added {
		t.Fatal("second identical reaction reported as added")
	}
	rs, err = bob.Talk().Unreact(ctx, conv.Token, ids[0], "👍")
	if err != nil || len(rs) != 0 {
		t.Fatalf("unreact: %+v %v", rs, err)
	}
	if _, err := bob.Talk().Unreact(ctx, conv.Token, ids[0], "👍"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("unreact twice: %v", err)
	}
	if _, err := alice.Talk().Conversation(ctx, "nope"); !errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("unknown room: %v", err)
	}

	nc.SetDisabled("spreed", true)
	_, err = alice.Talk().Conversations(ctx)
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `"spreed" (Talk)`) {
		t.Fatalf("disabled app: %v", err)
	}
}

// A real Nextcloud may answer an OCS route of a disabled app with the OCS
// "invalid query" envelope (998) instead of an HTML page.
func TestTalkMissingAppOCS998(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"failure","statuscode":998,"message":"Invalid query, please check the syntax."},"data":[]}}`))
	}))
	defer ts.Close()
	c, err := nextcloud.New(nextcloud.Options{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Talk().Conversations(context.Background())
	if !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("998 answer: %v", err)
	}
}
