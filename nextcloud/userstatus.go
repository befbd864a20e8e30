package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// User status app, OCS API v1 (Nextcloud developer manual, "OCS Status
// API"; apps/user_status/appinfo/routes.php of nextcloud/server):
// /ocs/v2.php/apps/user_status/api/v1/.

// UserStatusClient is the user status API.
type UserStatusClient struct{ app App }

// UserStatus returns the user status API of the user.
func (c *Client) UserStatus() *UserStatusClient {
	return &UserStatusClient{app: c.AppOf(UserStatusApp, nil)}
}

const userStatusBase = "/ocs/v2.php/apps/user_status/api/v1/"

// The status types Nextcloud knows; invisible shows as offline to others.
var UserStatusTypes = []string{"online", "away", "dnd", "invisible", "offline"}

// UserStatus is a user's status. MessageID and the flags are only sent
// for the user's own status.
type UserStatus struct {
	UserID              string  `json:"userId"`
	Status              string  `json:"status"`
	Message             *string `json:"message"`
	Icon                *string `json:"icon"`
	ClearAt             *int64  `json:"clearAt"`
	MessageID           *string `json:"messageId"`
	MessageIsPredefined bool    `json:"messageIsPredefined"`
	StatusIsUserDefined bool    `json:"statusIsUserDefined"`
}

// PredefinedStatus is one of the ready-made status messages.
type PredefinedStatus struct {
	ID      string           `json:"id"`
	Icon    string           `json:"icon"`
	Message string           `json:"message"`
	ClearAt *PredefinedClear `json:"clearAt"`
}

// PredefinedClear says when a predefined message clears itself: after
// Time seconds ("period") or at the end of a "day" or "week" ("end-of").
type PredefinedClear struct {
	Type string          `json:"type"`
	Time json.RawMessage `json:"time"`
}

// Own returns the user's own status (a 404 when none was ever set).
func (u *UserStatusClient) Own(ctx context.Context) (*UserStatus, error) {
	return fetchOne[UserStatus](ctx, u.app, Request{Method: http.MethodGet, Path: userStatusBase + "user_status", OCS: true}, "get your status")
}

// Of returns another user's status.
func (u *UserStatusClient) Of(ctx context.Context, userID string) (*UserStatus, error) {
	seg, err := EscapedSegment("user_id", userID)
	if err != nil {
		return nil, err
	}
	return fetchOne[UserStatus](ctx, u.app, Request{Method: http.MethodGet, Path: userStatusBase + "statuses/" + seg, OCS: true}, fmt.Sprintf("get the status of %s", userID))
}

// Predefined lists the predefined status messages.
func (u *UserStatusClient) Predefined(ctx context.Context) ([]PredefinedStatus, error) {
	return fetch[[]PredefinedStatus](ctx, u.app, Request{Method: http.MethodGet, Path: userStatusBase + "predefined_statuses", OCS: true}, "list predefined statuses")
}

// SetStatus sets the status type (online, away, dnd, invisible, offline).
func (u *UserStatusClient) SetStatus(ctx context.Context, statusType string) error {
	body := map[string]any{"statusType": statusType}
	return send(ctx, u.app, Request{Method: http.MethodPut, Path: userStatusBase + "user_status/status", Body: body, OCS: true}, fmt.Sprintf("set your status to %s", statusType))
}

// clearAtValue is the clearAt parameter: a Unix time, or null for never.
func clearAtValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// SetPredefinedMessage sets a predefined message; a zero clearAt keeps it
// until changed.
func (u *UserStatusClient) SetPredefinedMessage(ctx context.Context, messageID string, clearAt time.Time) error {
	body := map[string]any{"messageId": messageID, "clearAt": clearAtValue(clearAt)}
	return send(ctx, u.app, Request{Method: http.MethodPut, Path: userStatusBase + "user_status/message/predefined", Body: body, OCS: true}, fmt.Sprintf("set the predefined status message %q", messageID))
}

// SetCustomMessage sets a message of the user's own with an optional
// emoji; a zero clearAt keeps it until changed.
func (u *UserStatusClient) SetCustomMessage(ctx context.Context, message, icon string, clearAt time.Time) error {
	body := map[string]any{"message": message, "statusIcon": nil, "clearAt": clearAtValue(clearAt)}
	if icon != "" {
		body["statusIcon"] = icon
	}
	return send(ctx, u.app, Request{Method: http.MethodPut, Path: userStatusBase + "user_status/message/custom", Body: body, OCS: true}, "set your status message")
}

// ClearMessage removes the status message (the status type stays).
func (u *UserStatusClient) ClearMessage(ctx context.Context) error {
	return send(ctx, u.app, Request{Method: http.MethodDelete, Path: userStatusBase + "user_status/message", OCS: true}, "clear your status message")
}
