package mcp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Teams (the Circles app): teams, their members, adding and removing
// members.

// TeamsToolset offers Nextcloud Teams.
func TeamsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "teams",
		Description: "Nextcloud Teams (Circles): teams and their members",
		App:         nextcloud.TeamsApp,
		Tools: []Tool{
			teamsList(env),
			teamsListMembers(env),
			teamsCreate(env),
			teamsAddMember(env),
			teamsRemoveMember(env),
		},
	}
}

var teamLevelNames = map[int]string{
	nextcloud.TeamLevelMember: "member", nextcloud.TeamLevelModerator: "moderator",
	nextcloud.TeamLevelAdmin: "admin", nextcloud.TeamLevelOwner: "owner",
}

var teamMemberTypes = map[string]int{
	"user": nextcloud.TeamMemberUser, "group": nextcloud.TeamMemberGroup,
	"email": nextcloud.TeamMemberMail, "team": nextcloud.TeamMemberTeam,
}

func teamMemberType(n int) string {
	for k, v := range teamMemberTypes {
		if v == n {
			return k
		}
	}
	return fmt.Sprintf("type %d", n)
}

// teamsNotFound explains a 404 from Teams.
func teamsNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found, or you are not a member (list teams with nc_teams_list)")
}

type teamOut struct {
	ID          string `json:"id" jsonschema:"team id for the other Teams tools"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Members     int    `json:"members"`
	Owner       string `json:"owner,omitempty"`
	MyRole      string `json:"my_role,omitempty" jsonschema:"member, moderator, admin or owner; moderators and above manage members"`
	Personal    bool   `json:"personal,omitempty" jsonschema:"visible to its owner only"`
	Created     string `json:"created,omitempty"`
}

func toTeam(t *nextcloud.Team) teamOut {
	out := teamOut{ID: t.ID, Name: cmp.Or(t.DisplayName, t.Name), Description: t.Description, Members: t.Population,
		Personal: t.Config&2 != 0, Created: fmtEpoch(t.Creation)}
	if t.Owner != nil {
		out.Owner = cmp.Or(t.Owner.DisplayName, t.Owner.UserID)
	}
	if t.Initiator != nil {
		out.MyRole = teamLevelNames[t.Initiator.Level]
	}
	return out
}

func teamLine(t teamOut) string {
	return fmt.Sprintf("- %s (id %s, %d members, you: %s)", t.Name, t.ID, t.Members, t.MyRole)
}

type teamsListOut struct {
	Teams []teamOut `json:"teams"`
}

func (o teamsListOut) Summary() string {
	return listSummary(o.Teams, "You are in no team.", fmt.Sprintf("%d teams:", len(o.Teams)), teamLine)
}

func teamsList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_teams_list", Title: "List teams",
		Description: "List the Nextcloud Teams (circles) you are a member of, with your role in each.",
		Scope:       "teams:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, _ noArgs) (teamsListOut, error) {
		list, err := nc.Teams().List(ctx)
		if err != nil {
			return teamsListOut{}, err
		}
		return teamsListOut{Teams: mapAll(list, toTeam)}, nil
	})
}

type teamIDIn struct {
	TeamID string `json:"team_id" jsonschema:"the team, from nc_teams_list"`
}

func checkTeamID(id string) error {
	if _, err := nextcloud.Segment("team_id", id); err != nil {
		return fmt.Errorf("team_id must be a team id from nc_teams_list: %w", err)
	}
	return nil
}

func (in *teamIDIn) Validate() error { return checkTeamID(in.TeamID) }

// teamMembers lists a team's members, explaining a team that is not there.
func teamMembers(ctx context.Context, nc *nextcloud.Client, teamID string) ([]nextcloud.TeamMember, error) {
	list, err := nc.Teams().Members(ctx, teamID)
	return list, teamsNotFound(err, "team "+teamID)
}

type teamMemberOut struct {
	MemberID    string `json:"member_id" jsonschema:"for nc_teams_remove_member"`
	Type        string `json:"type" jsonschema:"user, group, email or team"`
	UserID      string `json:"user_id" jsonschema:"the user or group id, address or team id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role" jsonschema:"member, moderator, admin or owner"`
	Status      string `json:"status,omitempty" jsonschema:"Member, Invited or Requesting"`
}

func toTeamMember(m *nextcloud.TeamMember) teamMemberOut {
	return teamMemberOut{MemberID: m.ID, Type: teamMemberType(m.UserType), UserID: m.UserID,
		DisplayName: cmp.Or(m.DisplayName, m.UserID), Role: cmp.Or(teamLevelNames[m.Level], fmt.Sprintf("level %d", m.Level)), Status: m.Status}
}

type teamMembersOut struct {
	TeamID  string          `json:"team_id"`
	Members []teamMemberOut `json:"members"`
}

func (o teamMembersOut) Summary() string {
	return listSummary(o.Members, "No members.", fmt.Sprintf("%d members of team %s:", len(o.Members), o.TeamID), func(m teamMemberOut) string {
		return fmt.Sprintf("- %s (%s %s, %s, member id %s)", m.DisplayName, m.Type, m.UserID, m.Role, m.MemberID)
	})
}

func teamsListMembers(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_teams_list_members", Title: "List team members",
		Description: "List the members of a team you belong to: users, groups, e-mail addresses and teams, with their roles.",
		Scope:       "teams:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in teamIDIn) (teamMembersOut, error) {
		list, err := teamMembers(ctx, nc, in.TeamID)
		if err != nil {
			return teamMembersOut{}, err
		}
		return teamMembersOut{TeamID: in.TeamID, Members: mapAll(list, toTeamMember)}, nil
	})
}

type teamsCreateIn struct {
	Name     string `json:"name" jsonschema:"the team's name (at least 3 characters)"`
	Personal bool   `json:"personal,omitempty" jsonschema:"a personal team only you see and use (members: users only)"`
}

func (in *teamsCreateIn) Validate() error {
	if len([]rune(strings.TrimSpace(in.Name))) < 3 {
		return fmt.Errorf("name must have at least 3 characters")
	}
	return nil
}

type teamResult struct {
	Team teamOut `json:"team"`
}

func (o teamResult) Summary() string { return teamLine(o.Team)[2:] }

func teamsCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_teams_create", Title: "Create team",
		Description: "Create a team with you as its owner; add members with nc_teams_add_member.",
		Scope:       "teams:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in teamsCreateIn) (teamResult, error) {
		t, err := nc.Teams().Create(ctx, strings.TrimSpace(in.Name), in.Personal)
		if err != nil {
			return teamResult{}, err
		}
		return teamResult{Team: toTeam(t)}, nil
	})
}

type teamsAddMemberIn struct {
	TeamID string `json:"team_id" jsonschema:"the team, from nc_teams_list"`
	UserID string `json:"user_id" jsonschema:"the user id (see nc_users_search), group id, e-mail address or team id to add"`
	Type   string `json:"type,omitempty" jsonschema:"user (default), group, email or team"`
}

func (in *teamsAddMemberIn) Validate() error {
	if err := checkTeamID(in.TeamID); err != nil {
		return err
	}
	if err := textArg("user_id", in.UserID); err != nil {
		return err
	}
	if err := choiceArg("type", in.Type, "", "user", "group", "email", "team"); err != nil {
		return err
	}
	if in.Type == "email" && !strings.Contains(in.UserID, "@") {
		return fmt.Errorf("user_id %q is no e-mail address", in.UserID)
	}
	return nil
}

type teamMemberResult struct {
	TeamID string        `json:"team_id"`
	Member teamMemberOut `json:"member"`
}

func (o teamMemberResult) Summary() string {
	return fmt.Sprintf("Added %s (%s %s) to team %s as %s.", o.Member.DisplayName, o.Member.Type, o.Member.UserID, o.TeamID, o.Member.Role)
}

func teamsAddMember(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_teams_add_member", Title: "Add team member",
		Description: "Add a user, group, e-mail address or team to a team you moderate.",
		Scope:       "teams:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in teamsAddMemberIn) (teamMemberResult, error) {
		m, err := nc.Teams().AddMember(ctx, in.TeamID, in.UserID, teamMemberTypes[cmp.Or(in.Type, "user")])
		if err != nil {
			return teamMemberResult{}, teamsNotFound(err, fmt.Sprintf("team %s or %s %s", in.TeamID, cmp.Or(in.Type, "user"), in.UserID))
		}
		return teamMemberResult{TeamID: in.TeamID, Member: toTeamMember(m)}, nil
	})
}

type teamsRemoveMemberIn struct {
	TeamID   string `json:"team_id" jsonschema:"the team, from nc_teams_list"`
	MemberID string `json:"member_id,omitempty" jsonschema:"the member, from nc_teams_list_members"`
	UserID   string `json:"user_id,omitempty" jsonschema:"or the member's user id (users only)"`
}

func (in *teamsRemoveMemberIn) Validate() error {
	if err := checkTeamID(in.TeamID); err != nil {
		return err
	}
	if (in.MemberID == "") == (in.UserID == "") {
		return fmt.Errorf("give member_id or user_id, exactly one")
	}
	return nil
}

type teamMemberRemovedOut struct {
	TeamID  string        `json:"team_id"`
	Removed teamMemberOut `json:"removed"`
}

func (o teamMemberRemovedOut) Summary() string {
	return fmt.Sprintf("Removed %s (%s %s) from team %s.", o.Removed.DisplayName, o.Removed.Type, o.Removed.UserID, o.TeamID)
}

func teamsRemoveMember(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_teams_remove_member", Title: "Remove team member",
		Description: "Remove a member from a team you moderate, by member id or by user id.",
		Scope:       "teams:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in teamsRemoveMemberIn) (teamMemberRemovedOut, error) {
		list, err := teamMembers(ctx, nc, in.TeamID)
		if err != nil {
			return teamMemberRemovedOut{}, err
		}
		i := slices.IndexFunc(list, func(m nextcloud.TeamMember) bool {
			return (in.MemberID != "" && m.ID == in.MemberID) || (in.UserID != "" && m.UserType == nextcloud.TeamMemberUser && m.UserID == in.UserID)
		})
		if i < 0 {
			return teamMemberRemovedOut{}, Argf("team %s has no member %s; see its members with nc_teams_list_members", in.TeamID, cmp.Or(in.MemberID, in.UserID))
		}
		if list[i].Level == nextcloud.TeamLevelOwner {
			return teamMemberRemovedOut{}, Argf("%s owns team %s and cannot be removed", cmp.Or(list[i].DisplayName, list[i].UserID), in.TeamID)
		}
		if err := nc.Teams().RemoveMember(ctx, in.TeamID, list[i].ID); err != nil {
			return teamMemberRemovedOut{}, err
		}
		return teamMemberRemovedOut{TeamID: in.TeamID, Removed: toTeamMember(&list[i])}, nil
	})
}
