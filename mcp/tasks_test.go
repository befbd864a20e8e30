package mcp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestTasksToolsReadOnlyAndScopes(t *testing.T) {
	nc := nctest.New(t)
	write := []string{"nc_tasks_create", "nc_tasks_update", "nc_tasks_complete", "nc_tasks_delete"}
	checkReadOnlyListing(t, nc, []string{"nc_tasks_list_lists", "nc_tasks_list", "nc_tasks_get"}, write)
	full := newTestServer(t, nc)
	for _, n := range write {
		if tool, ok := full.Tool(n); !ok || tool.Scope != "tasks:write" {
			t.Fatalf("%s: %+v", n, tool.Scope)
		}
	}
	if tool, _ := full.Tool("nc_tasks_list"); tool.Scope != "tasks:read" {
		t.Fatal(tool.Scope)
	}
}

func TestTasksLifecycle(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendar(t, "admin", "work", "Work", "#111111", "VTODO")
	nc.AddCalendar(t, "admin", "events-only", "Events", "", "VEVENT")
	c := connect(t, newTestServer(t, nc), "inprocess")

	var lists taskListsOut
	decodeStructured(t, callTool(t, c, "nc_tasks_list_lists", map[string]any{}), &lists)
	if len(lists.Lists) != 2 || lists.Lists[0].ID != "personal" || lists.Lists[1].ID != "work" {
		t.Fatalf("lists %+v", lists.Lists)
	}
	var parent taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_create", map[string]any{"list": "work", "summary": "Quarterly report", "due": "2025-04-01",
		"priority": 2, "categories": []string{"finance"}, "description": "numbers"}), &parent)
	if parent.List != "work" || parent.Due != "2025-04-01" || parent.Priority != 2 || parent.Status != "NEEDS-ACTION" {
		t.Fatalf("parent %+v", parent.Task)
	}
	var sub taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_create", map[string]any{"list": "Work", "summary": "Collect receipts", "parent": parent.ID,
		"due": "2025-03-20T17:00:00", "timezone": "Europe/Vienna"}), &sub)
	if sub.Parent != parent.UID || sub.Due != "2025-03-20T17:00:00+01:00" {
		t.Fatalf("subtask %+v", sub.Task)
	}
	var def taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_create", map[string]any{"summary": "Buy milk", "priority": 9}), &def)
	if def.List != "personal" {
		t.Fatalf("default list %q", def.List)
	}

	var list tasksOut
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{}), list)
	if list.Total != 3 || list.Tasks[0].Summary != "Collect receipts" || list.Tasks[2].Summary != "Buy milk" {
		t.Fatalf("all open, by due date: %+v", list.Tasks)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"priority": "high"}), list)
	if list.Total != 1 || list.Tasks[0].ID != parent.ID {
		t.Fatalf("high priority: %+v", list.Tasks)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"due_before": "2025-03-25", "list": "work"}), list)
	if list.Total != 1 || list.Tasks[0].ID != sub.ID {
		t.Fatalf("due before: %+v", list.Tasks)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"due_after": "2025-03-25"}), list)
	if list.Total != 1 || list.Tasks[0].ID != parent.ID {
		t.Fatalf("due after: %+v", list.Tasks)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"query": "FINANCE"}), list)
	if list.Total != 1 {
		t.Fatalf("text: %+v", list.Tasks)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"limit": 1, "offset": 1}), list)
	if list.Total != 3 || len(list.Tasks) != 1 || list.NextOffset != 2 {
		t.Fatalf("page: %+v", list)
	}

	var done taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_complete", map[string]any{"list": "work", "task_id": sub.ID}), &done)
	if !done.Completed || done.Status != "COMPLETED" || done.PercentComplete != 100 || done.CompletedAt == "" {
		t.Fatalf("completed %+v", done.Task)
	}
	list = fresh(t, callTool(t, c, "nc_tasks_list", map[string]any{"status": "completed"}), list)
	if list.Total != 1 || list.Tasks[0].ID != sub.ID {
		t.Fatalf("completed list %+v", list.Tasks)
	}
	var reopened taskOut // fresh: decoding keeps fields absent from the JSON
	decodeStructured(t, callTool(t, c, "nc_tasks_complete", map[string]any{"list": "work", "task_id": sub.UID, "completed": false}), &reopened)
	if reopened.Completed || reopened.Status != "NEEDS-ACTION" || reopened.CompletedAt != "" {
		t.Fatalf("reopened %+v", reopened.Task)
	}

	var up taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_update", map[string]any{"list": "work", "task_id": parent.ID, "percent_complete": 50, "due": ""}), &up)
	if up.Status != "IN-PROCESS" || up.PercentComplete != 50 || up.Due != "" || up.Description != "numbers" || up.Priority != 2 {
		t.Fatalf("update %+v", up.Task)
	}
	wantError(t, callTool(t, c, "nc_tasks_update", map[string]any{"list": "work", "task_id": parent.ID, "summary": "x", "etag": parent.ETag}), "changed", "fetch it again")
	var got taskOut
	got = fresh(t, callTool(t, c, "nc_tasks_get", map[string]any{"list": "work", "task_id": parent.ID}), got)
	if got.Task.Summary != "Quarterly report" || got.ETag != up.ETag {
		t.Fatalf("after conflict %+v", got.Task)
	}

	var del deletedOut
	decodeStructured(t, callTool(t, c, "nc_tasks_delete", map[string]any{"list": "work", "task_id": sub.ID}), &del)
	wantError(t, callTool(t, c, "nc_tasks_get", map[string]any{"list": "work", "task_id": sub.ID}), "404", "no task")
}

func TestTasksBadInput(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendar(t, "admin", "events-only", "Events", "", "VEVENT")
	nc.AddBrokenCalendarObject(t, "admin", "personal", "broken-task.ics")
	c := connect(t, newTestServer(t, nc), "inprocess")
	var parent taskOut
	decodeStructured(t, callTool(t, c, "nc_tasks_create", map[string]any{"summary": "p"}), &parent)
	cases := []badCall{
		{"nc_tasks_create", map[string]any{}, []string{"summary"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "due": "next week"}, []string{"due"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "priority": 12}, []string{"priority"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "priority": "high"}, []string{"priority"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "percent_complete": 150}, []string{"percent_complete"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "status": "DONE"}, []string{"invalid arguments", "status"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "list": "events-only"}, []string{"events-only", "not tasks"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "list": "nope"}, []string{"no calendar"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "parent": "ghost"}, []string{"parent", "ghost"}},
		{"nc_tasks_create", map[string]any{"summary": "x", "start": "2025-05-02", "due": "2025-05-01"}, []string{"before start"}},
		{"nc_tasks_list", map[string]any{"status": "done"}, []string{"status"}},
		{"nc_tasks_list", map[string]any{"priority": "urgent"}, []string{"priority"}},
		{"nc_tasks_list", map[string]any{"due_before": "soon"}, []string{"due_before"}},
		{"nc_tasks_get", map[string]any{"list": "personal"}, []string{"task_id"}},
		{"nc_tasks_get", map[string]any{"list": "personal", "task_id": "ghost"}, []string{"404", "ghost"}},
		{"nc_tasks_get", map[string]any{"list": "personal", "task_id": "broken-task.ics"}, []string{"unreadable"}},
		{"nc_tasks_update", map[string]any{"list": "personal", "task_id": parent.ID}, []string{"at least one field"}},
		{"nc_tasks_update", map[string]any{"list": "personal", "task_id": parent.ID, "parent": parent.ID}, []string{"own parent"}},
		{"nc_tasks_complete", map[string]any{"list": "personal", "task_id": "ghost"}, []string{"404"}},
		{"nc_tasks_delete", map[string]any{"list": "personal", "task_id": "ghost"}, []string{"404"}},
		{"nc_tasks_delete", map[string]any{"list": "personal", "task_id": parent.ID, "etag": "stale"}, []string{"changed"}},
	}
	wantBadCalls(t, c, cases)
	var list tasksOut
	res := callTool(t, c, "nc_tasks_list", map[string]any{})
	list = fresh(t, res, list)
	if list.Total != 1 || len(list.Skipped) != 1 || !strings.Contains(resultText(res), "broken-task.ics") {
		t.Fatalf("broken object not reported: %+v", list)
	}
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "REPORT" {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	})
	wantError(t, callTool(t, c, "nc_tasks_list", map[string]any{}), "502")
}
