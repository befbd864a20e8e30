package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestPollsClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin").Polls()
	ctx := context.Background()
	nc.RecordRequests()
	p, err := c.Create(ctx, nextcloud.PollTypeText, "Q")
	if err != nil || p.ID == 0 || p.Type != nextcloud.PollTypeText || p.Configuration.Title != "Q" || p.Owner.UserID != "admin" {
		t.Fatalf("create %+v %v", p, err)
	}
	if p, err = c.Configure(ctx, p.ID, map[string]any{"description": "D"}); err != nil || p.Configuration.Description != "D" {
		t.Fatalf("configure %+v %v", p, err)
	}
	o, err := c.AddOption(ctx, p.ID, nextcloud.NewPollOption{Text: "A"})
	if err != nil || o.Text != "A" || o.PollID != p.ID {
		t.Fatalf("option %+v %v", o, err)
	}
	v, err := c.Vote(ctx, o.ID, "yes")
	if err != nil || v.Answer != "yes" || v.OptionID != o.ID || v.User.UserID != "admin" {
		t.Fatalf("vote %+v %v", v, err)
	}
	opts, err := c.Options(ctx, p.ID)
	if err != nil || len(opts) != 1 || opts[0].Votes.Yes != 1 || opts[0].Votes.CurrentUser != "yes" {
		t.Fatalf("options %+v %v", opts, err)
	}
	if p, err = c.Close(ctx, p.ID); err != nil || !p.Status.Expired {
		t.Fatalf("close %+v %v", p, err)
	}
	var paths []string
	for _, r := range nc.Requests(nil) {
		paths = append(paths, r.Method+" "+r.Path)
	}
	want := []string{"POST /index.php/apps/polls/api/v1.0/poll", "PUT /index.php/apps/polls/api/v1.0/poll/1",
		"POST /index.php/apps/polls/api/v1.0/poll/1/option", "POST /index.php/apps/polls/api/v1.0/vote",
		"GET /index.php/apps/polls/api/v1.0/poll/1/options", "PUT /index.php/apps/polls/api/v1.0/poll/1/close"}
	if len(paths) != len(want) {
		t.Fatalf("requests %v", paths)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("request %d: %s, want %s", i, paths[i], want[i])
		}
	}
	// {"message": ...} refusals carry the app's words.
	_, err = c.Get(ctx, 99)
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.Status != http.StatusNotFound || ne.Message != "Poll not found" || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("missing poll: %v", err)
	}
	nc.SetDisabled("polls", true)
	if _, err := c.List(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("app off: %v", err)
	}
}
