package mcp

import (
	"strings"
	"testing"
	"time"
)

func TestUserStatusToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_user_status_get": Read, "nc_user_status_list_predefined": Read, "nc_user_status_set": Write, "nc_user_status_clear": Write}
	commsCheckToolset(t, commsNC(t), "user_status", kinds, toolScopes("user_status", kinds))
}

func TestUserStatusGetOwnAndOthers(t *testing.T) {
	nc := commsNC(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	var out userStatusOut
	res := callTool(t, c, "nc_user_status_get", map[string]any{})
	out = userStatusOut{}
	decodeStructured(t, res, &out)
	if out.HasStatus || out.UserID != "admin" || !strings.Contains(resultText(res), "no status set") {
		t.Fatalf("no status yet: %+v %s", out, resultText(res))
	}
	nc.SetUserStatus("bob", "dnd", "Deep work", "🎧")
	out = call[userStatusOut](t, c, "nc_user_status_get", map[string]any{"user_id": "bob"})
	if !out.HasStatus || out.UserID != "bob" || out.Status != "dnd" || out.Message != "Deep work" || out.Emoji != "🎧" || out.ClearAt != "" {
		t.Fatalf("bob %+v", out)
	}
	nc.SetUserStatus("bob", "invisible", "", "")
	out = call[userStatusOut](t, c, "nc_user_status_get", map[string]any{"user_id": "bob"})
	if out.Status != "offline" || out.Message != "" {
		t.Fatalf("invisible bob shows %+v", out)
	}
	wantError(t, callTool(t, c, "nc_user_status_get", map[string]any{"user_id": "nobody"}), `user "nobody"`, "no status", "nc_users_search")
	wantError(t, callTool(t, c, "nc_user_status_get", map[string]any{"user_id": "../admin"}), "user_id", `contains "/"`)
}

func TestUserStatusSetAndClear(t *testing.T) {
	nc := commsNC(t)
	nc.SetUserStatus("bob", "away", "Lunch", "🍕")
	c := connect(t, newTestServer(t, nc), "inprocess")
	var out userStatusOut

	// Status and a custom message clearing after an hour.
	before := time.Now()
	res := callTool(t, c, "nc_user_status_set", map[string]any{"status": "dnd", "message": "Focus time", "emoji": "🎯", "clear_after": "1h"})
	out = userStatusOut{}
	decodeStructured(t, res, &out)
	if out.Status != "dnd" || out.Message != "Focus time" || out.Emoji != "🎯" || out.PredefinedID != "" {
		t.Fatalf("after set %+v", out)
	}
	st, msg, icon, id, clearAt, ok := nc.UserStatusOf("admin")
	if !ok || st != "dnd" || msg != "Focus time" || icon != "🎯" || id != "" {
		t.Fatalf("stored %q %q %q %q", st, msg, icon, id)
	}
	if want := before.Add(time.Hour).Unix(); clearAt < want || clearAt > want+5 {
		t.Fatalf("clearAt %d, want about %d", clearAt, want)
	}
	if !strings.Contains(resultText(res), "admin is dnd: 🎯 Focus time (until ") {
		t.Fatalf("summary %s", resultText(res))
	}

	// Only the status: the message stays.
	out = call[userStatusOut](t, c, "nc_user_status_set", map[string]any{"status": "away"})
	if out.Status != "away" || out.Message != "Focus time" {
		t.Fatalf("status only %+v", out)
	}

	// A predefined message gets its own clear time (one hour for meetings).
	pre := call[predefinedStatusesOut](t, c, "nc_user_status_list_predefined", map[string]any{})
	if len(pre.Statuses) < 5 || pre.Statuses[0].ID != "meeting" || pre.Statuses[0].Clears != "after 1h0m0s" || pre.Statuses[2].Clears != "at the end of the day (UTC)" || pre.Statuses[4].Clears != "never" {
		t.Fatalf("predefined %+v", pre.Statuses)
	}
	before = time.Now()
	out = call[userStatusOut](t, c, "nc_user_status_set", map[string]any{"predefined_id": "meeting"})
	if out.PredefinedID != "meeting" || out.Message != "In a meeting" || out.Emoji != "📅" || out.Status != "away" {
		t.Fatalf("predefined %+v", out)
	}
	if _, _, _, _, clearAt, _ := nc.UserStatusOf("admin"); clearAt < before.Add(time.Hour).Unix() || clearAt > before.Add(time.Hour).Unix()+5 {
		t.Fatalf("predefined clearAt %d", clearAt)
	}
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	out = call[userStatusOut](t, c, "nc_user_status_set", map[string]any{"predefined_id": "vacationing", "clear_at": at.Format(time.RFC3339)})
	if out.ClearAt != at.Format(time.RFC3339) || out.PredefinedID != "vacationing" {
		t.Fatalf("vacation %+v, want clear at %s", out, at)
	}

	// Clearing removes message and emoji only.
	out = call[userStatusOut](t, c, "nc_user_status_clear", map[string]any{})
	if out.Status != "away" || out.Message != "" || out.Emoji != "" || out.ClearAt != "" || out.PredefinedID != "" {
		t.Fatalf("after clear %+v", out)
	}
	if st, msg, icon, _, _, _ := nc.UserStatusOf("bob"); st != "away" || msg != "Lunch" || icon != "🍕" {
		t.Fatalf("bob's status changed: %q %q %q", st, msg, icon)
	}
}

func TestUserStatusBadInputAndMissingApp(t *testing.T) {
	nc := commsNC(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	decodeStructured(t, callTool(t, c, "nc_user_status_set", map[string]any{"status": "online", "message": "Here"}), &userStatusOut{})
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		args  map[string]any
		wants []string
	}{
		{map[string]any{}, []string{"give status, message/emoji or predefined_id"}},
		{map[string]any{"status": "busy"}, []string{`status "busy" is not one of online, away, dnd, invisible, offline`}},
		{map[string]any{"predefined_id": "meeting", "message": "x"}, []string{"predefined_id or message/emoji, not both"}},
		{map[string]any{"predefined_id": "napping"}, []string{`predefined_id "napping"`, "nc_user_status_list_predefined"}},
		{map[string]any{"message": strings.Repeat("a", 81)}, []string{"message is 81 characters long"}},
		{map[string]any{"message": "x", "clear_at": "tomorrow"}, []string{"clear_at", "not a date or time"}},
		{map[string]any{"message": "x", "clear_at": past}, []string{"not in the future"}},
		{map[string]any{"message": "x", "clear_after": "soon"}, []string{"clear_after", "not a duration"}},
		{map[string]any{"message": "x", "clear_after": "1h", "clear_at": "2099-01-01"}, []string{"clear_at or clear_after, not both"}},
		{map[string]any{"status": "away", "clear_after": "1h"}, []string{"apply to a message"}},
		{map[string]any{"message": "x", "emoji": "ab"}, []string{"statusIcon", "not a single emoji"}},
	} {
		wantError(t, callTool(t, c, "nc_user_status_set", tc.args), tc.wants...)
	}
	if st, msg, icon, id, clearAt, _ := nc.UserStatusOf("admin"); st != "online" || msg != "Here" || icon != "" || id != "" || clearAt != 0 {
		t.Fatalf("bad input changed the status: %q %q %q %q %d", st, msg, icon, id, clearAt)
	}
	checkAppAbsent(t, nc, "user_status", "user_status", "User status", []toolCall{
		{"nc_user_status_get", map[string]any{}},
		{"nc_user_status_get", map[string]any{"user_id": "bob"}},
		{"nc_user_status_list_predefined", map[string]any{}},
		{"nc_user_status_set", map[string]any{"status": "away"}},
		{"nc_user_status_clear", map[string]any{}},
	})
	if st, msg, _, _, _, _ := nc.UserStatusOf("admin"); st != "online" || msg != "Here" {
		t.Fatalf("calls without the app changed the status: %q %q", st, msg)
	}
}
