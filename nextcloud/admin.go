package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// Administration through the provisioning API (Nextcloud admin manual,
// "User provisioning API"; apps/provisioning_api of nextcloud/server):
// /ocs/v2.php/cloud/users, /cloud/groups, /cloud/apps. It is core, so a
// 404 is a missing user, group or app, never a missing app API.

// AdminClient is the provisioning API.
type AdminClient struct{ app App }

// Admin returns the provisioning API, acting as the user.
func (c *Client) Admin() *AdminClient {
	return &AdminClient{app: c.AppOf(AppInfo{Name: "Nextcloud"}, provisioningRules{})}
}

// provisioningRules names the OCS status code of a failure that carries
// no message (the group calls answer 101-105 with an empty one).
type provisioningRules struct{}

func (provisioningRules) Message(_ int, body []byte) string {
	var env ocsEnvelope
	if json.Unmarshal(body, &env) != nil || env.OCS.Meta.Message != "" || env.OCS.Meta.StatusCode == 0 {
		return ""
	}
	return fmt.Sprintf("provisioning API status %d", env.OCS.Meta.StatusCode)
}

const provisioningBase = "/ocs/v2.php/cloud/"

// AdminUser is a user as the provisioning API details it.
type AdminUser struct {
	ID          string   `json:"id"`
	Enabled     bool     `json:"enabled"`
	DisplayName string   `json:"displayname"`
	Email       *string  `json:"email"`
	Groups      []string `json:"groups"`
	// Subadmin lists the groups the user administers.
	Subadmin  []string        `json:"subadmin"`
	LastLogin int64           `json:"lastLogin"` // milliseconds
	Backend   string          `json:"backend"`
	Language  string          `json:"language"`
	Quota     json.RawMessage `json:"quota"`
}

func userPath(userID string, rest string) (string, error) {
	seg, err := EscapedSegment("user_id", userID)
	if err != nil {
		return "", err
	}
	return provisioningBase + "users/" + seg + rest, nil
}

// User returns a user's details.
func (a *AdminClient) User(ctx context.Context, userID string) (*AdminUser, error) {
	p, err := userPath(userID, "")
	if err != nil {
		return nil, err
	}
	return fetchOne[AdminUser](ctx, a.app, Request{Method: http.MethodGet, Path: p, OCS: true}, fmt.Sprintf("get user %s", userID))
}

// Role tells whether the signed-in user is an administrator, and which
// groups it administers as a group administrator.
func (a *AdminClient) Role(ctx context.Context) (admin bool, subadminOf []string, err error) {
	u, err := a.User(ctx, a.app.c.User())
	if err != nil {
		return false, nil, err
	}
	return slices.Contains(u.Groups, "admin"), u.Subadmin, nil
}

// userIDs is the provisioning API's answer that lists users.
type userIDs struct {
	Users []string `json:"users"`
}

// Users lists user ids matching search (all when empty).
func (a *AdminClient) Users(ctx context.Context, search string, limit, offset int) ([]string, error) {
	q := pageQuery(url.Values{"search": {search}}, limit, offset)
	out, err := fetch[userIDs](ctx, a.app, Request{Method: http.MethodGet, Path: provisioningBase + "users", Query: q, OCS: true}, "list users")
	return out.Users, err
}

// NewUser is a user to create. Without a password Nextcloud mails a link
// to set one, so Email is then required.
type NewUser struct {
	UserID      string   `json:"userid"`
	DisplayName string   `json:"displayName,omitempty"`
	Email       string   `json:"email,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Language    string   `json:"language,omitempty"`
}

// CreateUser creates a user and returns its id.
func (a *AdminClient) CreateUser(ctx context.Context, u NewUser) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if _, err := a.app.Call(ctx, Request{Method: http.MethodPost, Path: provisioningBase + "users", Body: u, OCS: true}, &out); err != nil {
		return "", fmt.Errorf("create user %s: %w", u.UserID, err)
	}
	return out.ID, nil
}

// SetUserEnabled enables or disables a user's account.
func (a *AdminClient) SetUserEnabled(ctx context.Context, userID string, enabled bool) error {
	action := "/disable"
	if enabled {
		action = "/enable"
	}
	p, err := userPath(userID, action)
	if err != nil {
		return err
	}
	return send(ctx, a.app, Request{Method: http.MethodPut, Path: p, OCS: true}, fmt.Sprintf("%s user %s", action[1:], userID))
}

// SetGroupMember adds the user to a group or removes it.
func (a *AdminClient) SetGroupMember(ctx context.Context, userID, groupID string, member bool) error {
	p, err := userPath(userID, "/groups")
	if err != nil {
		return err
	}
	method, verb := http.MethodPost, "add %s to group %s"
	if !member {
		method, verb = http.MethodDelete, "remove %s from group %s"
	}
	// DELETE carries groupid in the query: bodies of DELETE are not read
	// by every proxy.
	r := Request{Method: method, Path: p, OCS: true}
	if member {
		r.Body = map[string]string{"groupid": groupID}
	} else {
		r.Query = url.Values{"groupid": {groupID}}
	}
	return send(ctx, a.app, r, fmt.Sprintf(verb, userID, groupID))
}

// GroupMembers lists the user ids in a group.
func (a *AdminClient) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	seg, err := EscapedSegment("group_id", groupID)
	if err != nil {
		return nil, err
	}
	out, err := fetch[userIDs](ctx, a.app, Request{Method: http.MethodGet, Path: provisioningBase + "groups/" + seg + "/users", OCS: true}, fmt.Sprintf("list the members of group %s", groupID))
	return out.Users, err
}

// Apps lists app ids: filter "enabled", "disabled" or "" for all.
func (a *AdminClient) Apps(ctx context.Context, filter string) ([]string, error) {
	var q url.Values
	if filter != "" {
		q = url.Values{"filter": {filter}}
	}
	var out struct {
		Apps []string `json:"apps"`
	}
	if _, err := a.app.Call(ctx, Request{Method: http.MethodGet, Path: provisioningBase + "apps", Query: q, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	return out.Apps, nil
}

// SetAppEnabled enables an app for everyone or disables it.
func (a *AdminClient) SetAppEnabled(ctx context.Context, appID string, enabled bool) error {
	seg, err := EscapedSegment("app_id", appID)
	if err != nil {
		return err
	}
	method, verb := http.MethodPost, "enable"
	if !enabled {
		method, verb = http.MethodDelete, "disable"
	}
	return send(ctx, a.app, Request{Method: method, Path: provisioningBase + "apps/" + seg, OCS: true}, fmt.Sprintf("%s app %s", verb, appID))
}
