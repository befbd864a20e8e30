package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// Notifications app, OCS API v2 (docs/ocs-endpoint-v2.md of
// nextcloud/notifications): /ocs/v2.php/apps/notifications/api/v2/notifications.

// NotificationsClient is the Notifications app's OCS API.
type NotificationsClient struct{ app App }

// Notifications returns the notifications API of the user.
func (c *Client) Notifications() *NotificationsClient {
	return &NotificationsClient{app: c.AppOf(NotificationsApp, nil)}
}

const notificationsBase = "/ocs/v2.php/apps/notifications/api/v2/notifications"

// Notification is one notification of the user.
type Notification struct {
	ID         int64                `json:"notification_id"`
	App        string               `json:"app"`
	User       string               `json:"user"`
	Datetime   string               `json:"datetime"`
	ObjectType string               `json:"object_type"`
	ObjectID   string               `json:"object_id"`
	Subject    string               `json:"subject"`
	Message    string               `json:"message"`
	Link       string               `json:"link"`
	Icon       string               `json:"icon"`
	Actions    []NotificationAction `json:"actions"`
}

// NotificationAction is a button of a notification.
type NotificationAction struct {
	Label   string `json:"label"`
	Link    string `json:"link"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

// List returns the user's notifications, newest first as the app sends
// them (a 204 means no app can notify: an empty list).
func (n *NotificationsClient) List(ctx context.Context) ([]Notification, error) {
	return fetch[[]Notification](ctx, n.app, Request{Method: http.MethodGet, Path: notificationsBase, OCS: true}, "list notifications")
}

// Dismiss deletes one notification.
func (n *NotificationsClient) Dismiss(ctx context.Context, id int64) error {
	path := notificationsBase + "/" + strconv.FormatInt(id, 10)
	return send(ctx, n.app, Request{Method: http.MethodDelete, Path: path, OCS: true}, fmt.Sprintf("dismiss notification %d", id))
}

// DismissAll deletes every notification of the user.
func (n *NotificationsClient) DismissAll(ctx context.Context) error {
	return send(ctx, n.app, Request{Method: http.MethodDelete, Path: notificationsBase, OCS: true}, "dismiss all notifications")
}
