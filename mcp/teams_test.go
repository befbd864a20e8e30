package mcp

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type teamsFixture struct {
	nc                  *nctest.Server
	c                   *client.Client // connected in-process as admin
	dev, bobs, readOnly string
}

func teamsSeed(t *testing.T) teamsFixture {
	t.Helper()
	nc := commsNC(t, nctest.WithUser("carol", "carol-pass"))
	nc.AddGroup("sales", "Sales", "carol")
	f := teamsFixture{nc: nc, c: connect(t, newTestServer(t, nc), "inprocess")}
	f.dev = nc.AddTeam("admin", "Developers", "bob")
	f.bobs = nc.AddTeam("bob", "Bob's team", "carol")
	f.readOnly = nc.AddTeam("carol", "Carol's club", "admin") // admin is a plain member
	return f
}

func TestTeamsToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_teams_list": Read, "nc_teams_list_members": Read, "nc_teams_create": Create,
		"nc_teams_add_member": Create, "nc_teams_remove_member": Destroy}
	commsCheckToolset(t, commsNC(t), "teams", kinds, toolScopes("teams", kinds))
}

func TestTeamsReading(t *testing.T) {
	f := teamsSeed(t)
	res := callTool(t, f.c, "nc_teams_list", map[string]any{})
	list := fresh(t, res, teamsListOut{})
	if len(list.Teams) != 2 {
		t.Fatalf("teams %+v", list.Teams)
	}
	if d := list.Teams[0]; d.ID != f.dev || d.Name != "Developers" || d.Members != 2 || d.MyRole != "owner" || d.Owner != "admin" {
		t.Fatalf("dev %+v", d)
	}
	if r := list.Teams[1]; r.ID != f.readOnly || r.MyRole != "member" || r.Owner != "carol" {
		t.Fatalf("club %+v", r)
	}
	if !strings.Contains(resultText(res), "Developers (id "+f.dev+", 2 members, you: owner)") {
		t.Fatalf("summary %s", resultText(res))
	}
	members := call[teamMembersOut](t, f.c, "nc_teams_list_members", map[string]any{"team_id": f.dev})
	if len(members.Members) != 2 {
		t.Fatalf("members %+v", members)
	}
	if m := members.Members[1]; m.Type != "user" || m.UserID != "bob" || m.Role != "member" || m.MemberID == "" {
		t.Fatalf("bob %+v", m)
	}
	if m := members.Members[0]; m.UserID != "admin" || m.Role != "owner" {
		t.Fatalf("owner %+v", m)
	}
}

func TestTeamsWrites(t *testing.T) {
	f := teamsSeed(t)

	before := f.nc.Teams()
	created := call[teamResult](t, f.c, "nc_teams_create", map[string]any{"name": " Design "})
	if created.Team.ID == "" || created.Team.Name != "Design" || created.Team.MyRole != "owner" || created.Team.Members != 1 {
		t.Fatalf("created %+v", created)
	}
	after := f.nc.Teams()
	othersUnchanged(t, before, after, created.Team.ID)
	if after[created.Team.ID] != "Design|personal=false|[1:admin@9]" {
		t.Fatalf("stored %q", after[created.Team.ID])
	}

	before = after
	added := call[teamMemberResult](t, f.c, "nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "carol"})
	if added.Member.UserID != "carol" || added.Member.Type != "user" || added.Member.Role != "member" {
		t.Fatalf("added %+v", added)
	}
	added = call[teamMemberResult](t, f.c, "nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "sales", "type": "group"})
	if added.Member.DisplayName != "Sales" || added.Member.Type != "group" {
		t.Fatalf("group %+v", added)
	}
	added = call[teamMemberResult](t, f.c, "nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "ext@example.com", "type": "email"})
	after = f.nc.Teams()
	othersUnchanged(t, before, after, f.dev)
	if want := "Developers|personal=false|[1:admin@9 1:bob@1 1:carol@1 2:sales@1 4:ext@example.com@1]"; after[f.dev] != want {
		t.Fatalf("dev now %q", after[f.dev])
	}

	// Remove by user id, then by member id.
	before = after
	removed := call[teamMemberRemovedOut](t, f.c, "nc_teams_remove_member", map[string]any{"team_id": f.dev, "user_id": "bob"})
	if removed.Removed.UserID != "bob" {
		t.Fatalf("removed %+v", removed)
	}
	removed = call[teamMemberRemovedOut](t, f.c, "nc_teams_remove_member", map[string]any{"team_id": f.dev, "member_id": added.Member.MemberID})
	if removed.Removed.UserID != "ext@example.com" || removed.Removed.Type != "email" {
		t.Fatalf("removed %+v", removed)
	}
	after = f.nc.Teams()
	othersUnchanged(t, before, after, f.dev)
	if want := "Developers|personal=false|[1:admin@9 1:carol@1 2:sales@1]"; after[f.dev] != want {
		t.Fatalf("dev now %q", after[f.dev])
	}

	// A moderator may manage members too.
	f.nc.SetTeamLevel(f.readOnly, "admin", 4)
	added = call[teamMemberResult](t, f.c, "nc_teams_add_member", map[string]any{"team_id": f.readOnly, "user_id": "bob"})
	if got := f.nc.Teams()[f.readOnly]; got != "Carol's club|personal=false|[1:carol@9 1:admin@4 1:bob@1]" {
		t.Fatalf("club now %q", got)
	}
}

func TestTeamsBadInput(t *testing.T) {
	f := teamsSeed(t)
	before := f.nc.Teams()
	cases := []struct {
		tool  string
		args  map[string]any
		wants []string
	}{
		{"nc_teams_list_members", map[string]any{}, []string{"team_id"}},
		{"nc_teams_list_members", map[string]any{"team_id": "../x"}, []string{"team_id"}},
		{"nc_teams_list_members", map[string]any{"team_id": f.bobs}, []string{"team " + f.bobs + " not found", "not a member", "nc_teams_list"}},
		{"nc_teams_create", map[string]any{"name": "ab"}, []string{"at least 3 characters"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "nobody"}, []string{"user nobody not found"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "bob"}, []string{"member already exists"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "x", "type": "robot"}, []string{"type must be user, group, email or team"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "nope", "type": "email"}, []string{"no e-mail address"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": " "}, []string{"user_id must not be empty"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.readOnly, "user_id": "bob"}, []string{"403", "Insufficient rights"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.dev}, []string{"member_id or user_id"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.dev, "member_id": "a", "user_id": "b"}, []string{"exactly one"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.dev, "user_id": "carol"}, []string{"has no member carol", "nc_teams_list_members"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.dev, "user_id": "admin"}, []string{"owns team", "cannot be removed"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.readOnly, "user_id": "carol"}, []string{"owns team"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.readOnly, "user_id": "admin"}, []string{"403", "Insufficient rights"}},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) { wantError(t, callTool(t, f.c, tc.tool, tc.args), tc.wants...) })
	}
	if after := f.nc.Teams(); !reflect.DeepEqual(before, after) {
		t.Fatalf("refused calls changed teams:\n%v\n%v", before, after)
	}
}

func TestTeamsAppMissing(t *testing.T) {
	f := teamsSeed(t)
	calls := []toolCall{
		{"nc_teams_list", map[string]any{}},
		{"nc_teams_list_members", map[string]any{"team_id": f.dev}},
		{"nc_teams_create", map[string]any{"name": "Xyz"}},
		{"nc_teams_add_member", map[string]any{"team_id": f.dev, "user_id": "carol"}},
		{"nc_teams_remove_member", map[string]any{"team_id": f.dev, "user_id": "bob"}},
	}
	appMissingChecks(t, f.nc, "circles", "Teams", "/ocs/v2.php/apps/circles/", calls, func() any { return f.nc.Teams() })
}
