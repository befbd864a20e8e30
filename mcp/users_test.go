package mcp

import (
	"context"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var usersKinds = map[string]Kind{
	"nc_users_get_current":   Read,
	"nc_users_search":        Read,
	"nc_users_search_groups": Read,
}

// usersTestNextcloud has admin, Alice, Alan and Bob, and two groups.
func usersTestNextcloud(t *testing.T) *nctest.Server {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("alice", "alice-pass"),
		nctest.WithUser("alan", "alan-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.SetDisplayName("alice", "Alice Smith")
	nc.SetDisplayName("alan", "Alan Turing")
	nc.SetDisplayName("bob", "Bob Marley")
	nc.AddGroup("marketing", "Marketing team", "alice", "bob")
	nc.AddGroup("admin", "", "admin")
	return nc
}

// usersActingAs builds a server acting as login instead of admin.
func usersActingAs(t *testing.T, nc *nctest.Server, login string) func(*Options) {
	c := nc.Client(t, login)
	return func(o *Options) { o.Client = func(context.Context) (*nextcloud.Client, error) { return c, nil } }
}

func TestUsersToolsListed(t *testing.T) {
	collabToolsListed(t, "users", usersKinds, func(t *testing.T, s listedClient) {
		var me currentUserOut
		decodeStructured(t, callTool(t, s.c, "nc_users_get_current", map[string]any{}), &me)
		if me.ID != "admin" {
			t.Fatalf("current user: %+v", me)
		}
	})
}

func TestUsersCurrent(t *testing.T) {
	nc := usersTestNextcloud(t)
	c := connect(t, newTestServer(t, nc, usersActingAs(t, nc, "alice")), "inprocess")
	res := callTool(t, c, "nc_users_get_current", map[string]any{})
	var me currentUserOut
	decodeStructured(t, res, &me)
	if me.ID != "alice" || me.Email != "alice@example.com" || !me.Quota.Unlimited || me.Quota.UsedBytes != 1024 || me.Quota.TotalBytes != 0 {
		t.Fatalf("me: %+v", me)
	}
	if text := resultText(res); !strings.Contains(text, `user id "alice"`) || !strings.Contains(text, "1.0 KiB used, no quota") {
		t.Fatalf("summary: %s", text)
	}
	wantError(t, callTool(t, c, "nc_users_get_current", map[string]any{"user": "bob"}), "user")
}

func TestUsersSearch(t *testing.T) {
	nc := usersTestNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	search := func(args map[string]any) usersSearchOut {
		t.Helper()
		return call[usersSearchOut](t, c, "nc_users_search", args)
	}
	// "Share with Alice": one user match, resolved to the id.
	out := search(map[string]any{"query": "Alice"})
	if len(out.Matches) != 1 || out.Matches[0] != (shareeOut{ID: "alice", Label: "Alice Smith", Type: "user", ShareType: 0, Detail: "alice@example.com", Exact: true}) {
		t.Fatalf("Alice: %+v", out.Matches)
	}
	// "al" finds Alice and Alan, and no group (marketing has no "al").
	out = search(map[string]any{"query": "al"})
	if len(out.Matches) != 2 || out.Matches[0].ID != "alan" || out.Matches[1].ID != "alice" {
		t.Fatalf("al: %+v", out.Matches)
	}
	// Groups are found by their display name; exact matches come first.
	out = search(map[string]any{"query": "marketing team"})
	if len(out.Matches) != 1 || out.Matches[0].ID != "marketing" || out.Matches[0].Type != "group" || out.Matches[0].ShareType != 1 || !out.Matches[0].Exact {
		t.Fatalf("marketing: %+v", out.Matches)
	}
	out = search(map[string]any{"query": "bob@example.com", "types": []string{"user", "email"}})
	if len(out.Matches) != 2 || out.Matches[0].Type != "user" || out.Matches[0].ID != "bob" || out.Matches[1].Type != "email" || out.Matches[1].ShareType != 4 {
		t.Fatalf("bob by email: %+v", out.Matches)
	}
	// Only the requested types are searched.
	out = search(map[string]any{"query": "a", "types": []string{"group"}})
	for _, m := range out.Matches {
		if m.Type != "group" {
			t.Fatalf("group-only search found %+v", m)
		}
	}
	if out = search(map[string]any{"query": "a", "limit": 1}); len(out.Matches) != 1 {
		t.Fatalf("limit 1: %+v", out.Matches)
	}
	res := callTool(t, c, "nc_users_search", map[string]any{"query": "zorro"})
	decodeStructured(t, res, &out)
	if len(out.Matches) != 0 || !strings.Contains(resultText(res), "Nobody matches") {
		t.Fatalf("zorro: %+v %s", out, resultText(res))
	}

	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "query"},
		{map[string]any{"query": "  "}, "query must not be empty"},
		{map[string]any{"query": 5}, "query"},
		{map[string]any{"query": "a", "types": []string{"robot"}}, `unknown type "robot"`},
		{map[string]any{"query": "a", "types": "user"}, "types"},
		{map[string]any{"query": "a", "limit": 51}, "limit"},
	} {
		wantError(t, callTool(t, c, "nc_users_search", tc.args), tc.want)
	}
}

func TestUsersSearchGroups(t *testing.T) {
	nc := usersTestNextcloud(t)
	admin := connect(t, newTestServer(t, nc), "inprocess")
	out := call[usersGroupsOut](t, admin, "nc_users_search_groups", map[string]any{})
	if len(out.Groups) != 2 || out.Groups[1] != (groupOut{ID: "marketing", DisplayName: "Marketing team", Members: 2}) || out.HasMore {
		t.Fatalf("all groups: %+v", out)
	}
	out = call[usersGroupsOut](t, admin, "nc_users_search_groups", map[string]any{"query": "team"})
	if len(out.Groups) != 1 || out.Groups[0].ID != "marketing" {
		t.Fatalf("team: %+v", out)
	}
	out = call[usersGroupsOut](t, admin, "nc_users_search_groups", map[string]any{"limit": 1})
	if len(out.Groups) != 1 || !out.HasMore || out.Groups[0].ID != "admin" {
		t.Fatalf("first page: %+v", out)
	}
	out = call[usersGroupsOut](t, admin, "nc_users_search_groups", map[string]any{"limit": 1, "offset": 1})
	if len(out.Groups) != 1 || out.Groups[0].ID != "marketing" {
		t.Fatalf("second page: %+v", out)
	}
	wantError(t, callTool(t, admin, "nc_users_search_groups", map[string]any{"limit": -1}), "limit")
	wantError(t, callTool(t, admin, "nc_users_search_groups", map[string]any{"offset": "2"}), "offset")

	alice := connect(t, newTestServer(t, nc, usersActingAs(t, nc, "alice")), "inprocess")
	wantError(t, callTool(t, alice, "nc_users_search_groups", map[string]any{"query": "market"}),
		"only Nextcloud administrators and group administrators may list groups", "alice", "nc_users_search")
	// The way the error points to works for her.
	found := call[usersSearchOut](t, alice, "nc_users_search", map[string]any{"query": "market", "types": []string{"group"}})
	if len(found.Matches) != 1 || found.Matches[0].ID != "marketing" {
		t.Fatalf("alice's group search: %+v", found)
	}
}

func TestUsersNextcloudFailures(t *testing.T) {
	nc := usersTestNextcloud(t)
	fail := commsFault(nc, "/ocs/", commsFail500)
	c := connect(t, newTestServer(t, nc), "inprocess")
	fail.Store(true)
	for tool, args := range map[string]map[string]any{
		"nc_users_get_current":   {},
		"nc_users_search":        {"query": "alice"},
		"nc_users_search_groups": {},
	} {
		wantError(t, callTool(t, c, tool, args), "500", "Nextcloud failed internally")
	}
}
