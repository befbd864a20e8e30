package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Notifications: list, dismiss one, dismiss all.

// NotificationsToolset offers the user's Nextcloud notifications.
func NotificationsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "notifications",
		Description: "Nextcloud notifications: list them, dismiss one or all",
		App:         nextcloud.NotificationsApp,
		Tools: []Tool{
			notificationsList(env),
			notificationsDismiss(env),
			notificationsDismissAll(env),
		},
	}
}

type notificationOut struct {
	ID         int64    `json:"id" jsonschema:"the notification id nc_notifications_dismiss takes"`
	App        string   `json:"app" jsonschema:"the app that notified (spreed, files_sharing, deck ...)"`
	Time       string   `json:"time" jsonschema:"when, ISO 8601"`
	Subject    string   `json:"subject"`
	Message    string   `json:"message,omitempty"`
	Link       string   `json:"link,omitempty"`
	ObjectType string   `json:"object_type,omitempty"`
	ObjectID   string   `json:"object_id,omitempty"`
	Actions    []string `json:"actions,omitempty" jsonschema:"labels of the buttons the notification offers in Nextcloud"`
}

func toNotification(n nextcloud.Notification) notificationOut {
	out := notificationOut{ID: n.ID, App: n.App, Time: n.Datetime, Subject: n.Subject, Message: n.Message,
		Link: n.Link, ObjectType: n.ObjectType, ObjectID: n.ObjectID}
	for _, a := range n.Actions {
		out.Actions = append(out.Actions, a.Label)
	}
	return out
}

type notificationsListIn struct {
	App   string `json:"app,omitempty" jsonschema:"only notifications of this app id (spreed, files_sharing, deck ...)"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many, newest first, 1-200 (default 50)"`
}

func (in *notificationsListIn) Validate() error { return checkPage(in.Limit, 0, 200) }

type notificationsListOut struct {
	Notifications []notificationOut `json:"notifications" jsonschema:"newest first"`
	Total         int               `json:"total" jsonschema:"how many match in all"`
}

func (o notificationsListOut) Summary() string {
	return listSummary(o.Notifications, "No notifications.", fmt.Sprintf("%d of %d notifications:", len(o.Notifications), o.Total),
		func(n notificationOut) string {
			return withText(fmt.Sprintf("- [%d] %s (%s, %s)", n.ID, n.Subject, n.App, n.Time), n.Message)
		})
}

func notificationsList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_notifications_list", Title: "List notifications",
		Description: "List your Nextcloud notifications (mentions, shares, reminders, app alerts), newest first, optionally of one app.",
		Scope:       "notifications:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in notificationsListIn) (notificationsListOut, error) {
		all, err := nc.Notifications().List(ctx)
		if err != nil {
			return notificationsListOut{}, err
		}
		limit := orDefault(in.Limit, 50)
		out := notificationsListOut{Notifications: []notificationOut{}}
		for _, n := range all {
			if in.App != "" && !strings.EqualFold(n.App, in.App) {
				continue
			}
			out.Total++
			if len(out.Notifications) < limit {
				out.Notifications = append(out.Notifications, toNotification(n))
			}
		}
		return out, nil
	})
}

type notificationIDIn struct {
	ID int64 `json:"notification_id" jsonschema:"the notification id, from nc_notifications_list"`
}

func (in *notificationIDIn) Validate() error {
	return idArg("notification_id", in.ID, "nc_notifications_list")
}

type notificationsDismissOut struct {
	Dismissed []int64 `json:"dismissed" jsonschema:"ids of the notifications dismissed"`
}

func (o notificationsDismissOut) Summary() string {
	if len(o.Dismissed) == 0 {
		return "There were no notifications to dismiss."
	}
	return fmt.Sprintf("Dismissed %d notification(s).", len(o.Dismissed))
}

func notificationsDismiss(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_notifications_dismiss", Title: "Dismiss a notification",
		Description: "Dismiss (delete) one of your notifications; it disappears on all your devices.",
		Scope:       "notifications:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in notificationIDIn) (notificationsDismissOut, error) {
		if err := nc.Notifications().Dismiss(ctx, in.ID); err != nil {
			return notificationsDismissOut{}, explainNotFound(err, fmt.Sprintf("notification %d", in.ID),
				"was not found: it was dismissed already or is not yours (list them with nc_notifications_list)")
		}
		return notificationsDismissOut{Dismissed: []int64{in.ID}}, nil
	})
}

type notificationsDismissAllIn struct {
	App string `json:"app,omitempty" jsonschema:"dismiss only the notifications of this app id; without it all are dismissed"`
}

func notificationsDismissAll(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_notifications_dismiss_all", Title: "Dismiss all notifications",
		Description: "Dismiss all your notifications, or only those of one app.",
		Scope:       "notifications:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in notificationsDismissAllIn) (notificationsDismissOut, error) {
		api := nc.Notifications()
		all, err := api.List(ctx)
		if err != nil {
			return notificationsDismissOut{}, err
		}
		out := notificationsDismissOut{Dismissed: []int64{}}
		if in.App == "" {
			if err := api.DismissAll(ctx); err != nil {
				return notificationsDismissOut{}, err
			}
			for _, n := range all {
				out.Dismissed = append(out.Dismissed, n.ID)
			}
			return out, nil
		}
		for _, n := range all {
			if !strings.EqualFold(n.App, in.App) {
				continue
			}
			// Dismissed meanwhile elsewhere is as good as dismissed here.
			if err := api.Dismiss(ctx, n.ID); err != nil && !(errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled)) {
				return out, err
			}
			out.Dismissed = append(out.Dismissed, n.ID)
		}
		return out, nil
	})
}
