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

var adminKinds = map[string]Kind{
	"nc_admin_list_users": Read, "nc_admin_get_user": Read, "nc_admin_list_group_members": Read, "nc_admin_list_apps": Read,
	"nc_admin_create_user": Create, "nc_admin_enable_user": Write, "nc_admin_disable_user": Destroy,
	"nc_admin_add_user_to_group": Write, "nc_admin_remove_user_from_group": Destroy,
	"nc_admin_enable_app": Write, "nc_admin_disable_app": Destroy,
}

// adminNC is a test Nextcloud with admin (in group admin), bob and a
// staff group holding bob.
func adminNC(t *testing.T) *nctest.Server {
	nc := commsNC(t)
	nc.AddGroup("staff", "Staff", "bob")
	return nc
}

// adminClient connects as login to a server with the admin toolset on.
func adminClient(t *testing.T, nc *nctest.Server, login string, mutate ...func(*Options)) (*Server, *client.Client) {
	t.Helper()
	nco := nc.Client(t, login)
	srv := newTestServer(t, nc, append([]func(*Options){func(o *Options) {
		o.Apps = []string{"admin", "users"}
		o.Client = func(context.Context) (*nextcloud.Client, error) { return nco, nil }
	}}, mutate...)...)
	return srv, connect(t, srv, "inprocess")
}

func TestAdminToolsetOffByDefault(t *testing.T) {
	nc := adminNC(t)
	def := listedTools(t, connect(t, newTestServer(t, nc), "inprocess"))
	srv, c := adminClient(t, nc, "admin")
	on := listedTools(t, c)
	_, ro := adminClient(t, nc, "admin", func(o *Options) { o.ReadOnly = true })
	readOnly := listedTools(t, ro)
	for name, kind := range adminKinds {
		if _, ok := def[name]; ok {
			t.Errorf("%s is listed without --apps naming admin", name)
		}
		tl, ok := on[name]
		if !ok {
			t.Fatalf("%s not listed with --apps admin", name)
		}
		checkHints(t, name, tl.Annotations, kind)
		st, _ := srv.Tool(name)
		if want := map[bool]string{true: "admin:read", false: "admin:write"}[kind == Read]; st.Scope != want {
			t.Errorf("%s scope %q, want %q", name, st.Scope, want)
		}
		if _, ok := readOnly[name]; ok != (kind == Read) {
			t.Errorf("--read-only lists %s: %v", name, ok)
		}
	}
	for name := range on {
		if _, ok := adminKinds[name]; strings.HasPrefix(name, "nc_admin_") && !ok {
			t.Errorf("%s is not checked", name)
		}
	}
	if _, ok := def["nc_notes_list"]; !ok {
		t.Fatal("the default server lost the other toolsets")
	}
}

func TestAdminUsersAndGroups(t *testing.T) {
	nc := adminNC(t)
	_, c := adminClient(t, nc, "admin")

	users := call[adminListUsersOut](t, c, "nc_admin_list_users", map[string]any{})
	if !slices.Equal(users.Users, []string{"admin", "bob"}) || users.NextOffset != 0 {
		t.Fatalf("users %+v", users)
	}
	users = call[adminListUsersOut](t, c, "nc_admin_list_users", map[string]any{"limit": 1})
	if !slices.Equal(users.Users, []string{"admin"}) || users.NextOffset != 1 {
		t.Fatalf("page 1 %+v", users)
	}
	users = call[adminListUsersOut](t, c, "nc_admin_list_users", map[string]any{"limit": 1, "offset": 1})
	if !slices.Equal(users.Users, []string{"bob"}) || users.NextOffset != 0 {
		t.Fatalf("page 2 %+v", users)
	}

	created := call[adminUserResult](t, c, "nc_admin_create_user", map[string]any{"user_id": "carol", "email": "carol@example.org", "display_name": "Carol C", "groups": []string{"staff"}})
	if u := created.User; u.ID != "carol" || u.DisplayName != "Carol C" || u.Email != "carol@example.org" || !u.Enabled || !slices.Equal(u.Groups, []string{"staff"}) {
		t.Fatalf("created %+v", u)
	}
	if got := nc.UserIDs(); !slices.Equal(got, []string{"admin", "bob", "carol"}) {
		t.Fatalf("users after create %v", got)
	}

	res := call[adminUserResult](t, c, "nc_admin_disable_user", map[string]any{"user_id": "bob"})
	if res.User.Enabled {
		t.Fatalf("bob still enabled: %+v", res.User)
	}
	if en, _ := nc.UserEnabled("bob"); en {
		t.Fatal("bob not disabled in Nextcloud")
	}
	if en, _ := nc.UserEnabled("carol"); !en {
		t.Fatal("disabling bob disabled carol")
	}
	res = call[adminUserResult](t, c, "nc_admin_enable_user", map[string]any{"user_id": "bob"})
	if en, _ := nc.UserEnabled("bob"); !en || !res.User.Enabled {
		t.Fatal("bob not enabled again")
	}

	members := call[adminGroupMembersOut](t, c, "nc_admin_list_group_members", map[string]any{"group_id": "staff"})
	if !slices.Equal(members.Members, []string{"bob", "carol"}) {
		t.Fatalf("staff %+v", members)
	}
	res = call[adminUserResult](t, c, "nc_admin_add_user_to_group", map[string]any{"user_id": "admin", "group_id": "staff"})
	if !slices.Equal(res.User.Groups, []string{"admin", "staff"}) {
		t.Fatalf("admin's groups %v", res.User.Groups)
	}
	res = call[adminUserResult](t, c, "nc_admin_remove_user_from_group", map[string]any{"user_id": "bob", "group_id": "staff"})
	if len(res.User.Groups) != 0 {
		t.Fatalf("bob's groups %v", res.User.Groups)
	}
	if got := nc.GroupMemberIDs("staff"); !slices.Equal(got, []string{"admin", "carol"}) {
		t.Fatalf("staff now %v", got)
	}
	if got := nc.GroupMemberIDs("admin"); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("admin group changed: %v", got)
	}

	got := call[adminUserResult](t, c, "nc_admin_get_user", map[string]any{"user_id": "carol"})
	if got.User.ID != "carol" || got.User.Backend != "Database" || got.User.Email != "carol@example.org" {
		t.Fatalf("get %+v", got.User)
	}
}

func TestAdminApps(t *testing.T) {
	nc := adminNC(t)
	_, c := adminClient(t, nc, "admin")
	apps := call[adminAppsOut](t, c, "nc_admin_list_apps", map[string]any{})
	find := func(id string) (adminAppOut, bool) {
		i := slices.IndexFunc(apps.Apps, func(a adminAppOut) bool { return a.ID == id })
		if i < 0 {
			return adminAppOut{}, false
		}
		return apps.Apps[i], true
	}
	if d, ok := find("deck"); !ok || !d.Enabled {
		t.Fatalf("deck %+v in %+v", d, apps)
	}
	res := call[adminAppResult](t, c, "nc_admin_disable_app", map[string]any{"app_id": "deck"})
	if res.App.Enabled || res.App.ID != "deck" {
		t.Fatalf("disable %+v", res)
	}
	// The app is really off: its API now answers like a missing app.
	wantError(t, callTool(t, connect(t, newTestServer(t, nc), "inprocess"), "nc_deck_list_boards", map[string]any{}), "not installed or not enabled")
	apps = call[adminAppsOut](t, c, "nc_admin_list_apps", map[string]any{"filter": "disabled"})
	if len(apps.Apps) != 1 || apps.Apps[0].ID != "deck" || apps.Apps[0].Enabled {
		t.Fatalf("disabled apps %+v", apps)
	}
	res = call[adminAppResult](t, c, "nc_admin_enable_app", map[string]any{"app_id": "deck"})
	apps = call[adminAppsOut](t, c, "nc_admin_list_apps", map[string]any{"filter": "disabled"})
	if !res.App.Enabled || len(apps.Apps) != 0 {
		t.Fatalf("after enable %+v, disabled %+v", res, apps)
	}
	wantError(t, callTool(t, c, "nc_admin_disable_app", map[string]any{"app_id": "nosuchapp"}), `app "nosuchapp" is not installed`, "nc_admin_list_apps")
}

func TestAdminRefusesNonAdmins(t *testing.T) {
	nc := adminNC(t)
	_, bob := adminClient(t, nc, "bob")
	calls := []toolCall{
		{"nc_admin_list_users", map[string]any{}},
		{"nc_admin_get_user", map[string]any{"user_id": "admin"}},
		{"nc_admin_list_group_members", map[string]any{"group_id": "staff"}},
		{"nc_admin_list_apps", map[string]any{}},
		{"nc_admin_create_user", map[string]any{"user_id": "mallory", "email": "m@example.org"}},
		{"nc_admin_enable_user", map[string]any{"user_id": "admin"}},
		{"nc_admin_disable_user", map[string]any{"user_id": "admin"}},
		{"nc_admin_add_user_to_group", map[string]any{"user_id": "bob", "group_id": "admin"}},
		{"nc_admin_remove_user_from_group", map[string]any{"user_id": "admin", "group_id": "admin"}},
		{"nc_admin_enable_app", map[string]any{"app_id": "deck"}},
		{"nc_admin_disable_app", map[string]any{"app_id": "deck"}},
	}
	for _, call := range calls {
		wantError(t, callTool(t, bob, call.tool, call.args), "only Nextcloud administrators", "bob is neither")
	}
	unchanged := func() {
		t.Helper()
		if got := nc.UserIDs(); !slices.Equal(got, []string{"admin", "bob"}) {
			t.Fatalf("users %v", got)
		}
		if got := nc.GroupMemberIDs("admin"); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("admin group %v", got)
		}
		if en, _ := nc.UserEnabled("admin"); !en {
			t.Fatal("admin disabled")
		}
	}
	unchanged()

	// A group administrator passes the check for users, and Nextcloud's
	// own 403 for what it may not do is said as plainly.
	nc.SetSubadmin("bob", "staff")
	users := call[adminListUsersOut](t, bob, "nc_admin_list_users", map[string]any{})
	if !slices.Equal(users.Users, []string{"bob"}) {
		t.Fatalf("group admin sees %v, want only the staff members", users.Users)
	}
	wantError(t, callTool(t, bob, "nc_admin_list_apps", map[string]any{}), "only Nextcloud administrators may list apps, and bob is neither")
	wantError(t, callTool(t, bob, "nc_admin_list_group_members", map[string]any{"group_id": "admin"}), "only Nextcloud administrators may list group members", "403")
	wantError(t, callTool(t, bob, "nc_admin_disable_user", map[string]any{"user_id": "admin"}), "only Nextcloud administrators may", "403")
	unchanged()
}

func TestAdminBadInput(t *testing.T) {
	nc := adminNC(t)
	_, c := adminClient(t, nc, "admin")
	for _, tc := range []struct {
		call  toolCall
		wants []string
	}{
		{toolCall{"nc_admin_get_user", map[string]any{}}, []string{"user_id"}},
		{toolCall{"nc_admin_get_user", map[string]any{"user_id": " "}}, []string{"user_id must not be empty"}},
		{toolCall{"nc_admin_get_user", map[string]any{"user_id": "../admin"}}, []string{"user_id", `contains "/"`}},
		{toolCall{"nc_admin_get_user", map[string]any{"user_id": "nobody"}}, []string{`user "nobody" does not exist`, "nc_admin_list_users"}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "dave"}}, []string{"email"}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "dave", "email": "not-an-address"}}, []string{`email "not-an-address" is not an email address`}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "da/ve", "email": "d@example.org"}}, []string{`user_id "da/ve" may hold only`}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "bob", "email": "b@example.org"}}, []string{"User already exists"}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "dave", "email": "d@example.org", "groups": []string{"nogroup"}}}, []string{"nogroup does not exist"}},
		{toolCall{"nc_admin_create_user", map[string]any{"user_id": "dave", "email": "d@example.org", "password": "x"}}, []string{"password", "not allowed"}},
		{toolCall{"nc_admin_disable_user", map[string]any{"user_id": "admin"}}, []string{"your own account"}},
		{toolCall{"nc_admin_disable_user", map[string]any{"user_id": "nobody"}}, []string{`user "nobody" does not exist`}},
		{toolCall{"nc_admin_remove_user_from_group", map[string]any{"user_id": "admin", "group_id": "admin"}}, []string{"cannot remove yourself from the admin group"}},
		{toolCall{"nc_admin_add_user_to_group", map[string]any{"user_id": "bob", "group_id": "nogroup"}}, []string{`group "nogroup" does not exist`, "nc_users_search_groups"}},
		{toolCall{"nc_admin_add_user_to_group", map[string]any{"user_id": "nobody", "group_id": "staff"}}, []string{`user "nobody" does not exist`}},
		{toolCall{"nc_admin_add_user_to_group", map[string]any{"user_id": "bob"}}, []string{"group_id"}},
		{toolCall{"nc_admin_list_apps", map[string]any{"filter": "on"}}, []string{`filter "on" is not enabled, disabled or all`}},
		{toolCall{"nc_admin_enable_app", map[string]any{"app_id": "a/b"}}, []string{`app "a/b" is not installed`}},
		{toolCall{"nc_admin_list_users", map[string]any{"limit": 501}}, []string{"limit must be between 1 and 500"}},
	} {
		wantError(t, callTool(t, c, tc.call.tool, tc.call.args), tc.wants...)
	}
	if got := nc.UserIDs(); !slices.Equal(got, []string{"admin", "bob"}) {
		t.Fatalf("bad input changed users: %v", got)
	}
	if got := nc.GroupMemberIDs("staff"); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("bad input changed staff: %v", got)
	}
}
