package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Administration (provisioning API): users, group membership, apps. Off
// unless --apps names "admin"; every tool first checks that the caller
// administers Nextcloud, so a normal user gets one clear refusal instead
// of the API's empty lists.

// AdminToolset offers user, group and app administration.
func AdminToolset(env *Env) Toolset {
	return Toolset{
		Name:         "admin",
		Description:  "Nextcloud administration (administrators only, off unless enabled): users, group membership, apps",
		OffByDefault: true,
		Tools: []Tool{
			adminListUsers(env),
			adminGetUser(env),
			adminListGroupMembers(env),
			adminListApps(env),
			adminCreateUser(env),
			adminEnableUser(env),
			adminDisableUser(env),
			adminAddUserToGroup(env),
			adminRemoveUserFromGroup(env),
			adminEnableApp(env),
			adminDisableApp(env),
		},
	}
}

// requireAdmin refuses callers who are not administrators (or, with
// groupAdmins, group administrators) before anything is read or changed.
func requireAdmin(ctx context.Context, nc *nextcloud.Client, groupAdmins bool, what string) error {
	admin, sub, err := nc.Admin().Role(ctx)
	if err != nil {
		return fmt.Errorf("check whether you administer Nextcloud: %w", err)
	}
	if admin || groupAdmins && len(sub) > 0 {
		return nil
	}
	who := "Nextcloud administrators"
	if groupAdmins {
		who += " and group administrators"
	}
	return fmt.Errorf("only %s may %s, and %s is neither; ask an administrator: %w", who, what, nc.User(), nextcloud.ErrForbidden)
}

type adminUserOut struct {
	ID           string   `json:"id"`
	DisplayName  string   `json:"display_name"`
	Email        string   `json:"email,omitempty"`
	Enabled      bool     `json:"enabled"`
	Groups       []string `json:"groups"`
	GroupAdminOf []string `json:"group_admin_of,omitempty" jsonschema:"groups the user administers"`
	LastLogin    string   `json:"last_login,omitempty" jsonschema:"RFC 3339; absent when never"`
	Language     string   `json:"language,omitempty"`
	Backend      string   `json:"backend,omitempty" jsonschema:"where the account lives: Database, LDAP ..."`
}

func toAdminUser(u *nextcloud.AdminUser) adminUserOut {
	out := adminUserOut{ID: u.ID, DisplayName: u.DisplayName, Enabled: u.Enabled, Groups: u.Groups,
		GroupAdminOf: u.Subadmin, Language: u.Language, Backend: u.Backend}
	if u.Email != nil {
		out.Email = *u.Email
	}
	if u.LastLogin > 0 {
		out.LastLogin = time.UnixMilli(u.LastLogin).UTC().Format(time.RFC3339)
	}
	return out
}

type adminUserResult struct {
	User adminUserOut `json:"user"`
}

func (o adminUserResult) Summary() string {
	u := o.User
	state := "enabled"
	if !u.Enabled {
		state = "DISABLED"
	}
	return fmt.Sprintf("User %s (%s, %s), %s, groups: %s.", u.ID, u.DisplayName, u.Email, state, strings.Join(u.Groups, ", "))
}

// adminUserIn names one user.
type adminUserIn struct {
	UserID string `json:"user_id" jsonschema:"the user id, from nc_admin_list_users"`
}

func (in *adminUserIn) Validate() error { return textArg("user_id", in.UserID) }

// userState reads a user after a change, or explains a missing one.
func userState(ctx context.Context, nc *nextcloud.Client, userID string) (adminUserResult, error) {
	u, err := nc.Admin().User(ctx, userID)
	if err != nil {
		return adminUserResult{}, explainNotFound(err, fmt.Sprintf("user %q", userID), "does not exist (list users with nc_admin_list_users)")
	}
	return adminUserResult{User: toAdminUser(u)}, nil
}

type adminListUsersIn struct {
	Search string `json:"search,omitempty" jsonschema:"part of the user id, name or email; empty lists all"`
	Limit  int    `json:"limit,omitempty" jsonschema:"users per page, 1-500 (default 100)"`
	Offset int    `json:"offset,omitempty" jsonschema:"how many to skip (next_offset of the previous page)"`
}

func (in *adminListUsersIn) Validate() error { return checkPage(in.Limit, in.Offset, 500) }

type adminListUsersOut struct {
	Users      []string `json:"users" jsonschema:"user ids"`
	NextOffset int      `json:"next_offset,omitempty" jsonschema:"pass as offset for the next page; absent on the last"`
}

func (o adminListUsersOut) Summary() string {
	return listSummary(o.Users, "No users match.", fmt.Sprintf("%d users:", len(o.Users)), func(u string) string { return "- " + u })
}

func adminListUsers(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_list_users", Title: "List users",
		Description: "List the user ids of your Nextcloud (group administrators: of their groups), optionally matching a search, a page at a time.",
		Scope:       "admin:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminListUsersIn) (adminListUsersOut, error) {
		if err := requireAdmin(ctx, nc, true, "list users"); err != nil {
			return adminListUsersOut{}, err
		}
		limit := orDefault(in.Limit, 100)
		// One more than asked tells whether there is a next page.
		ids, err := nc.Admin().Users(ctx, in.Search, limit+1, in.Offset)
		if err != nil {
			return adminListUsersOut{}, adminOnly(err, "list users")
		}
		out := adminListUsersOut{Users: ids}
		if len(ids) > limit {
			out.Users, out.NextOffset = ids[:limit], in.Offset+limit
		}
		return out, nil
	})
}

func adminGetUser(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_get_user", Title: "Get a user",
		Description: "Get a user's account details: name, email, enabled, groups, groups administered, last login.",
		Scope:       "admin:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminUserIn) (adminUserResult, error) {
		if err := requireAdmin(ctx, nc, true, "read user accounts"); err != nil {
			return adminUserResult{}, err
		}
		out, err := userState(ctx, nc, in.UserID)
		return out, adminOnly(err, "read this user's account")
	})
}

type adminGroupIn struct {
	GroupID string `json:"group_id" jsonschema:"the group id, from nc_users_search_groups"`
}

func (in *adminGroupIn) Validate() error { return textArg("group_id", in.GroupID) }

type adminGroupMembersOut struct {
	GroupID string   `json:"group_id"`
	Members []string `json:"members" jsonschema:"user ids"`
}

func (o adminGroupMembersOut) Summary() string {
	return listSummary(o.Members, "Group "+o.GroupID+" has no members.", fmt.Sprintf("Group %s has %d members:", o.GroupID, len(o.Members)),
		func(u string) string { return "- " + u })
}

// groupMembers lists a group's members, or explains a missing group.
func groupMembers(ctx context.Context, nc *nextcloud.Client, groupID string) ([]string, error) {
	m, err := nc.Admin().GroupMembers(ctx, groupID)
	if err != nil {
		return nil, adminOnly(explainNotFound(err, fmt.Sprintf("group %q", groupID), "does not exist (find groups with nc_users_search_groups)"), "list group members")
	}
	return m, nil
}

func adminListGroupMembers(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_list_group_members", Title: "List group members",
		Description: "List the user ids in a group.",
		Scope:       "admin:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminGroupIn) (adminGroupMembersOut, error) {
		if err := requireAdmin(ctx, nc, true, "list group members"); err != nil {
			return adminGroupMembersOut{}, err
		}
		m, err := groupMembers(ctx, nc, in.GroupID)
		if err != nil {
			return adminGroupMembersOut{}, err
		}
		return adminGroupMembersOut{GroupID: in.GroupID, Members: m}, nil
	})
}

type adminListAppsIn struct {
	Filter string `json:"filter,omitempty" jsonschema:"enabled, disabled or all (default)"`
}

func (in *adminListAppsIn) Validate() error {
	if !slices.Contains([]string{"", "all", "enabled", "disabled"}, in.Filter) {
		return fmt.Errorf("filter %q is not enabled, disabled or all", in.Filter)
	}
	return nil
}

type adminAppOut struct {
	ID      string `json:"id"`
	Enabled bool   `json:"enabled"`
}

type adminAppsOut struct {
	Apps []adminAppOut `json:"apps"`
}

func (o adminAppsOut) Summary() string {
	return listSummary(o.Apps, "No apps.", fmt.Sprintf("%d apps:", len(o.Apps)), func(a adminAppOut) string {
		if a.Enabled {
			return "- " + a.ID + " (enabled)"
		}
		return "- " + a.ID + " (disabled)"
	})
}

func adminListApps(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_list_apps", Title: "List apps",
		Description: "List the installed Nextcloud apps and whether each is enabled.",
		Scope:       "admin:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminListAppsIn) (adminAppsOut, error) {
		if err := requireAdmin(ctx, nc, false, "list apps"); err != nil {
			return adminAppsOut{}, err
		}
		out := adminAppsOut{Apps: []adminAppOut{}}
		for _, state := range []string{"enabled", "disabled"} {
			if in.Filter != "" && in.Filter != "all" && in.Filter != state {
				continue
			}
			ids, err := nc.Admin().Apps(ctx, state)
			if err != nil {
				return adminAppsOut{}, adminOnly(err, "list apps")
			}
			for _, id := range ids {
				out.Apps = append(out.Apps, adminAppOut{ID: id, Enabled: state == "enabled"})
			}
		}
		slices.SortFunc(out.Apps, func(a, b adminAppOut) int { return strings.Compare(a.ID, b.ID) })
		return out, nil
	})
}

type adminCreateUserIn struct {
	UserID      string   `json:"user_id" jsonschema:"the new login name: letters, digits, spaces and _.@-'"`
	Email       string   `json:"email" jsonschema:"where Nextcloud mails the link to set a password"`
	DisplayName string   `json:"display_name,omitempty"`
	Groups      []string `json:"groups,omitempty" jsonschema:"group ids to put the user in"`
	Language    string   `json:"language,omitempty" jsonschema:"e.g. en, de, fr"`
}

func (in *adminCreateUserIn) Validate() error {
	if err := textArg("user_id", in.UserID); err != nil {
		return err
	}
	for _, r := range in.UserID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" _.@-'", r)) {
			return fmt.Errorf("user_id %q may hold only letters a-z, digits, spaces and _.@-'", in.UserID)
		}
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return fmt.Errorf("email %q is not an email address; Nextcloud mails the new user a link to set a password", in.Email)
	}
	for _, g := range in.Groups {
		if err := textArg("a group id in groups", g); err != nil {
			return err
		}
	}
	return nil
}

func adminCreateUser(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_create_user", Title: "Create a user",
		Description: "Create a user account; Nextcloud mails the user a link to set a password (no password passes through here).",
		Scope:       "admin:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminCreateUserIn) (adminUserResult, error) {
		if err := requireAdmin(ctx, nc, true, "create users"); err != nil {
			return adminUserResult{}, err
		}
		id, err := nc.Admin().CreateUser(ctx, nextcloud.NewUser{UserID: in.UserID, DisplayName: in.DisplayName, Email: in.Email, Groups: in.Groups, Language: in.Language})
		if err != nil {
			return adminUserResult{}, adminOnly(err, "create users")
		}
		return userState(ctx, nc, id)
	})
}

func adminEnableUser(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_enable_user", Title: "Enable a user",
		Description: "Enable a disabled user account so the user can sign in again.",
		Scope:       "admin:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminUserIn) (adminUserResult, error) {
		return setUserEnabled(ctx, nc, in.UserID, true)
	})
}

func adminDisableUser(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_disable_user", Title: "Disable a user",
		Description: "Disable a user account: the user can no longer sign in; files and data stay. Not your own account.",
		Scope:       "admin:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminUserIn) (adminUserResult, error) {
		if in.UserID == nc.User() {
			return adminUserResult{}, Argf("user_id %q is your own account; disabling it would lock you out", in.UserID)
		}
		return setUserEnabled(ctx, nc, in.UserID, false)
	})
}

func setUserEnabled(ctx context.Context, nc *nextcloud.Client, userID string, enabled bool) (adminUserResult, error) {
	verb := map[bool]string{true: "enable", false: "disable"}[enabled]
	if err := requireAdmin(ctx, nc, true, verb+" users"); err != nil {
		return adminUserResult{}, err
	}
	// Read first: the API's answer for a missing user is a bare code.
	if _, err := userState(ctx, nc, userID); err != nil {
		return adminUserResult{}, adminOnly(err, verb+" this user")
	}
	if err := nc.Admin().SetUserEnabled(ctx, userID, enabled); err != nil {
		return adminUserResult{}, adminOnly(err, verb+" this user")
	}
	return userState(ctx, nc, userID)
}

type adminMembershipIn struct {
	UserID  string `json:"user_id" jsonschema:"the user id, from nc_admin_list_users"`
	GroupID string `json:"group_id" jsonschema:"the group id, from nc_users_search_groups"`
}

func (in *adminMembershipIn) Validate() error {
	return errors.Join(textArg("user_id", in.UserID), textArg("group_id", in.GroupID))
}

func adminAddUserToGroup(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_add_user_to_group", Title: "Add a user to a group",
		Description: "Add a user to a group.",
		Scope:       "admin:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminMembershipIn) (adminUserResult, error) {
		return setMembership(ctx, nc, in, true)
	})
}

func adminRemoveUserFromGroup(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_remove_user_from_group", Title: "Remove a user from a group",
		Description: "Remove a user from a group (you cannot remove yourself from admin).",
		Scope:       "admin:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminMembershipIn) (adminUserResult, error) {
		if in.GroupID == "admin" && in.UserID == nc.User() {
			return adminUserResult{}, Argf("you cannot remove yourself from the admin group")
		}
		return setMembership(ctx, nc, in, false)
	})
}

func setMembership(ctx context.Context, nc *nextcloud.Client, in adminMembershipIn, member bool) (adminUserResult, error) {
	what := map[bool]string{true: "add users to groups", false: "remove users from groups"}[member]
	if err := requireAdmin(ctx, nc, true, what); err != nil {
		return adminUserResult{}, err
	}
	// The API answers a missing user or group with a bare code: check both.
	if _, err := groupMembers(ctx, nc, in.GroupID); err != nil {
		return adminUserResult{}, err
	}
	if _, err := userState(ctx, nc, in.UserID); err != nil {
		return adminUserResult{}, adminOnly(err, what)
	}
	if err := nc.Admin().SetGroupMember(ctx, in.UserID, in.GroupID, member); err != nil {
		return adminUserResult{}, adminOnly(err, what)
	}
	return userState(ctx, nc, in.UserID)
}

type adminAppIn struct {
	AppID string `json:"app_id" jsonschema:"the app id, from nc_admin_list_apps (deck, spreed, notes ...)"`
}

func (in *adminAppIn) Validate() error { return textArg("app_id", in.AppID) }

type adminAppResult struct {
	App adminAppOut `json:"app"`
}

func (o adminAppResult) Summary() string {
	return map[bool]string{true: "App " + o.App.ID + " is enabled.", false: "App " + o.App.ID + " is disabled."}[o.App.Enabled]
}

func adminEnableApp(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_enable_app", Title: "Enable an app",
		Description: "Enable an installed Nextcloud app for everyone.",
		Scope:       "admin:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminAppIn) (adminAppResult, error) {
		return setAppEnabled(ctx, nc, in.AppID, true)
	})
}

func adminDisableApp(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_admin_disable_app", Title: "Disable an app",
		Description: "Disable a Nextcloud app for everyone; its data stays.",
		Scope:       "admin:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in adminAppIn) (adminAppResult, error) {
		return setAppEnabled(ctx, nc, in.AppID, false)
	})
}

func setAppEnabled(ctx context.Context, nc *nextcloud.Client, appID string, enabled bool) (adminAppResult, error) {
	verb := map[bool]string{true: "enable", false: "disable"}[enabled]
	if err := requireAdmin(ctx, nc, false, verb+" apps"); err != nil {
		return adminAppResult{}, err
	}
	// The API disables an unknown app without complaint: look it up.
	all, err := nc.Admin().Apps(ctx, "")
	if err != nil {
		return adminAppResult{}, adminOnly(err, "list apps")
	}
	if !slices.Contains(all, appID) {
		return adminAppResult{}, fmt.Errorf("app %q is not installed (see nc_admin_list_apps): %w", appID, nextcloud.ErrNotFound)
	}
	if err := nc.Admin().SetAppEnabled(ctx, appID, enabled); err != nil {
		return adminAppResult{}, adminOnly(err, verb+" apps")
	}
	return adminAppResult{App: adminAppOut{ID: appID, Enabled: enabled}}, nil
}
