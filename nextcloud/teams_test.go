package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestTeamsClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	c := nc.Client(t, "admin").Teams()
	ctx := context.Background()
	nc.RecordRequests()
	team, err := c.Create(ctx, "Team A", false)
	if err != nil || team.ID == "" || team.Initiator == nil || team.Initiator.Level != nextcloud.TeamLevelOwner {
		t.Fatalf("create %+v %v", team, err)
	}
	m, err := c.AddMember(ctx, team.ID, "bob", nextcloud.TeamMemberUser)
	if err != nil || m.UserID != "bob" || m.Level != nextcloud.TeamLevelMember || m.ID == "" {
		t.Fatalf("add %+v %v", m, err)
	}
	if err := c.RemoveMember(ctx, team.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	members, err := c.Members(ctx, team.ID)
	if err != nil || len(members) != 1 || members[0].UserID != "admin" {
		t.Fatalf("members %+v %v", members, err)
	}
	for _, r := range nc.Requests(nil) {
		if !strings.HasPrefix(r.Path, "/ocs/v2.php/apps/circles/circles") || r.Header.Get("OCS-APIRequest") != "true" {
			t.Fatalf("request %s %s", r.Method, r.Path)
		}
	}
	// A team id with URL syntax in it stays one escaped path segment.
	_, err = c.Get(ctx, "a?b#c")
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.Status != http.StatusNotFound || ne.Message != "Circle not found" || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("odd id: %v", err)
	}
	if reqs := nc.Requests(func(r nctest.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/circles/a?b#c")
	}); len(reqs) != 1 {
		t.Fatalf("odd id not sent as one segment: %+v", nc.Requests(nil))
	}
	nc.SetDisabled("circles", true)
	if _, err := c.List(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("app off: %v", err)
	}
}
