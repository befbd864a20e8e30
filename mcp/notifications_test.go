package mcp

import (
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestNotificationsToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_notifications_list": Read, "nc_notifications_dismiss": Destroy, "nc_notifications_dismiss_all": Destroy}
	commsCheckToolset(t, commsNC(t), "notifications", kinds, toolScopes("notifications", kinds))
}

type notificationsFixture struct {
	nc                       *nctest.Server
	talk1, share, talk2, bob int64
}

func notificationsSeed(t *testing.T) notificationsFixture {
	nc := commsNC(t)
	f := notificationsFixture{nc: nc}
	f.talk1 = nc.AddNotification("admin", "spreed", "bob mentioned you in Team", "hey @admin, look", "chat", "abc")
	f.share = nc.AddNotification("admin", "files_sharing", "bob shared report.pdf with you", "", "share", "12")
	f.talk2 = nc.AddNotification("admin", "spreed", "bob sent you a private message", "lunch?", "chat", "def")
	f.bob = nc.AddNotification("bob", "spreed", "admin mentioned you", "", "chat", "abc")
	return f
}

func TestNotificationsListAndFilter(t *testing.T) {
	f := notificationsSeed(t)
	c := connect(t, newTestServer(t, f.nc), "inprocess")
	res := callTool(t, c, "nc_notifications_list", map[string]any{})
	out := fresh(t, res, notificationsListOut{})
	ids := idsOf(out.Notifications, func(n notificationOut) int64 { return n.ID })
	if !slices.Equal(ids, []int64{f.talk2, f.share, f.talk1}) || out.Total != 3 {
		t.Fatalf("ids %v total %d, want newest first without bob's", ids, out.Total)
	}
	if n := out.Notifications[2]; n.App != "spreed" || n.Subject != "bob mentioned you in Team" || n.Message != "hey @admin, look" || n.ObjectType != "chat" || n.ObjectID != "abc" || n.Time == "" {
		t.Fatalf("notification %+v", n)
	}
	if !strings.Contains(resultText(res), "bob shared report.pdf") {
		t.Fatalf("summary %s", resultText(res))
	}
	out = call[notificationsListOut](t, c, "nc_notifications_list", map[string]any{"app": "spreed", "limit": 1})
	if out.Total != 2 || len(out.Notifications) != 1 || out.Notifications[0].ID != f.talk2 {
		t.Fatalf("spreed, limit 1: %+v", out)
	}
	out = call[notificationsListOut](t, c, "nc_notifications_list", map[string]any{"app": "deck"})
	if out.Total != 0 || len(out.Notifications) != 0 || !strings.Contains(resultText(callTool(t, c, "nc_notifications_list", map[string]any{"app": "deck"})), "No notifications") {
		t.Fatalf("deck: %+v", out)
	}
}

func TestNotificationsDismiss(t *testing.T) {
	f := notificationsSeed(t)
	c := connect(t, newTestServer(t, f.nc), "inprocess")
	out := call[notificationsDismissOut](t, c, "nc_notifications_dismiss", map[string]any{"notification_id": f.share})
	if !slices.Equal(out.Dismissed, []int64{f.share}) {
		t.Fatalf("dismissed %v", out.Dismissed)
	}
	if got := f.nc.NotificationIDs("admin"); !slices.Equal(got, []int64{f.talk2, f.talk1}) {
		t.Fatalf("left %v", got)
	}
	wantError(t, callTool(t, c, "nc_notifications_dismiss", map[string]any{"notification_id": f.share}), "notification", "not found", "nc_notifications_list")
	wantError(t, callTool(t, c, "nc_notifications_dismiss", map[string]any{"notification_id": f.bob}), "not found")
	if got := f.nc.NotificationIDs("bob"); !slices.Equal(got, []int64{f.bob}) {
		t.Fatalf("bob's notification touched: %v", got)
	}

	// One app's, then the rest; bob's stay.
	f.nc.AddNotification("admin", "deck", "card due", "", "card", "7")
	out = call[notificationsDismissOut](t, c, "nc_notifications_dismiss_all", map[string]any{"app": "spreed"})
	if !slices.Equal(out.Dismissed, []int64{f.talk2, f.talk1}) {
		t.Fatalf("dismissed spreed %v", out.Dismissed)
	}
	if got := f.nc.NotificationIDs("admin"); len(got) != 1 {
		t.Fatalf("left after spreed %v", got)
	}
	out = call[notificationsDismissOut](t, c, "nc_notifications_dismiss_all", map[string]any{})
	if len(out.Dismissed) != 1 || len(f.nc.NotificationIDs("admin")) != 0 {
		t.Fatalf("dismiss all %v, left %v", out.Dismissed, f.nc.NotificationIDs("admin"))
	}
	if got := f.nc.NotificationIDs("bob"); !slices.Equal(got, []int64{f.bob}) {
		t.Fatalf("bob's notification touched: %v", got)
	}
	res := callTool(t, c, "nc_notifications_dismiss_all", map[string]any{})
	decodeStructured(t, res, &out)
	if len(out.Dismissed) != 0 || !strings.Contains(resultText(res), "no notifications") {
		t.Fatalf("nothing left: %v %s", out.Dismissed, resultText(res))
	}
}

func TestNotificationsBadInputAndMissingApp(t *testing.T) {
	f := notificationsSeed(t)
	c := connect(t, newTestServer(t, f.nc), "inprocess")
	for _, tc := range []struct {
		call  toolCall
		wants []string
	}{
		{toolCall{"nc_notifications_dismiss", map[string]any{}}, []string{"notification_id"}},
		{toolCall{"nc_notifications_dismiss", map[string]any{"notification_id": "x"}}, []string{"notification_id", "integer"}},
		{toolCall{"nc_notifications_dismiss", map[string]any{"notification_id": 0}}, []string{"notification_id must be a positive id"}},
		{toolCall{"nc_notifications_list", map[string]any{"limit": 500}}, []string{"limit must be between 1 and 200"}},
		{toolCall{"nc_notifications_list", map[string]any{"since": 3}}, []string{"since", "not allowed"}},
	} {
		wantError(t, callTool(t, c, tc.call.tool, tc.call.args), tc.wants...)
	}
	if got := f.nc.NotificationIDs("admin"); len(got) != 3 {
		t.Fatalf("bad input changed notifications: %v", got)
	}
	checkAppAbsent(t, f.nc, "notifications", "notifications", "Notifications", []toolCall{
		{"nc_notifications_list", map[string]any{}},
		{"nc_notifications_dismiss", map[string]any{"notification_id": f.talk1}},
		{"nc_notifications_dismiss_all", map[string]any{}},
	})
	if got := f.nc.NotificationIDs("admin"); len(got) != 3 {
		t.Fatalf("calls without the app changed notifications: %v", got)
	}
}
