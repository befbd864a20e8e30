package nextcloud

import (
	"context"
	"fmt"
	"net/http"
)

// Teams (the Circles app), OCS API of its LocalController
// (appinfo/routes.php of nextcloud/circles): /ocs/v2.php/apps/circles/
// circles[/{circleId}[/members[/{memberId}]]]. Team and member ids are
// strings.

// TeamsClient is the Circles (Teams) API.
type TeamsClient struct{ app App }

// Teams returns the Teams API of the user.
func (c *Client) Teams() *TeamsClient { return &TeamsClient{app: c.AppOf(TeamsApp, nil)} }

const teamsBase = "/ocs/v2.php/apps/circles/circles"

// Member types (Member::TYPE_* of Circles).
const (
	TeamMemberUser  = 1
	TeamMemberGroup = 2
	TeamMemberMail  = 4
	TeamMemberTeam  = 16
)

// Member levels (Member::LEVEL_*).
const (
	TeamLevelMember    = 1
	TeamLevelModerator = 4
	TeamLevelAdmin     = 8
	TeamLevelOwner     = 9
)

// TeamMember is a member of a team (also the caller's own membership,
// Team.Initiator, and the owner).
type TeamMember struct {
	ID          string `json:"id"`
	CircleID    string `json:"circleId"`
	SingleID    string `json:"singleId"`
	UserID      string `json:"userId"`
	UserType    int    `json:"userType"`
	DisplayName string `json:"displayName"`
	Level       int    `json:"level"`
	Status      string `json:"status"`
}

// Team is a team (circle).
type Team struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	DisplayName string      `json:"displayName"`
	Description string      `json:"description"`
	Population  int         `json:"population"`
	Config      int         `json:"config"`
	Creation    int64       `json:"creation"`
	Owner       *TeamMember `json:"owner"`
	Initiator   *TeamMember `json:"initiator"`
}

func teamPath(id string) (string, error) {
	seg, err := EscapedSegment("team_id", id)
	if err != nil {
		return "", err
	}
	return teamsBase + "/" + seg, nil
}

// List returns the teams the user is a member of.
func (t *TeamsClient) List(ctx context.Context) ([]Team, error) {
	return fetch[[]Team](ctx, t.app, Request{Method: http.MethodGet, Path: teamsBase, OCS: true}, "list teams")
}

// Get returns one team.
func (t *TeamsClient) Get(ctx context.Context, id string) (*Team, error) {
	p, err := teamPath(id)
	if err != nil {
		return nil, err
	}
	return fetchOne[Team](ctx, t.app, Request{Method: http.MethodGet, Path: p, OCS: true}, fmt.Sprintf("get team %s", id))
}

// Create adds a team owned by the user; a personal team is visible to its
// owner only.
func (t *TeamsClient) Create(ctx context.Context, name string, personal bool) (*Team, error) {
	body := map[string]any{"name": name, "personal": personal}
	return fetchOne[Team](ctx, t.app, Request{Method: http.MethodPost, Path: teamsBase, Body: body, OCS: true}, "create team")
}

// Members lists a team's members.
func (t *TeamsClient) Members(ctx context.Context, teamID string) ([]TeamMember, error) {
	p, err := teamPath(teamID)
	if err != nil {
		return nil, err
	}
	return fetch[[]TeamMember](ctx, t.app, Request{Method: http.MethodGet, Path: p + "/members", OCS: true}, fmt.Sprintf("list members of team %s", teamID))
}

// AddMember adds a user, group, mail address or team (typ TeamMember*).
func (t *TeamsClient) AddMember(ctx context.Context, teamID, userID string, typ int) (*TeamMember, error) {
	p, err := teamPath(teamID)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"userId": userID, "type": typ}
	return fetchOne[TeamMember](ctx, t.app, Request{Method: http.MethodPost, Path: p + "/members", Body: body, OCS: true}, fmt.Sprintf("add %s to team %s", userID, teamID))
}

// RemoveMember removes a member by its member id.
func (t *TeamsClient) RemoveMember(ctx context.Context, teamID, memberID string) error {
	p, err := teamPath(teamID)
	if err != nil {
		return err
	}
	member, err := EscapedSegment("member_id", memberID)
	if err != nil {
		return err
	}
	return send(ctx, t.app, Request{Method: http.MethodDelete, Path: p + "/members/" + member, OCS: true}, fmt.Sprintf("remove member %s from team %s", memberID, teamID))
}
