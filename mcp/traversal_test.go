package mcp

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

const secretICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nBEGIN:VEVENT\r\nUID:secret\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T100000Z\r\nSUMMARY:TOP SECRET FILE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

const secretVCF = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:secret\r\nFN:TOP SECRET FILE\r\nEND:VCARD\r\n"

// TestIDsCannotLeaveTheirCollection calls calendar, task and contact
// tools, through an MCP client, with ids that walk out of the collection
// into the user's files (issue 15, item 1): each is refused naming the
// argument, and the file is neither read nor deleted.
func TestIDsCannotLeaveTheirCollection(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	if res := callTool(t, c, "nc_files_write", map[string]any{"path": "secret.ics", "content": secretICS}); res.IsError {
		t.Fatalf("write secret.ics: %s", resultText(res))
	}
	if res := callTool(t, c, "nc_files_write", map[string]any{"path": "secret.vcf", "content": secretVCF}); res.IsError {
		t.Fatalf("write secret.vcf: %s", resultText(res))
	}
	cal := "/remote.php/dav/calendars/admin/personal/"
	book := "/remote.php/dav/addressbooks/users/admin/contacts/"
	calIDs := []string{
		cal + "../../../files/admin/secret.ics",
		cal + "%2e%2e/%2e%2e/%2e%2e/files/admin/secret.ics",
		cal + "%252e%252e/%252e%252e/%252e%252e/files/admin/secret.ics",
		"/remote.php/dav/files/admin/secret.ics",
		"..",
		"%2E%2E",
		`..\..\..\files\admin\secret.ics`,
		"secret.ics\x00",
	}
	cardIDs := []string{
		book + "../../../../files/admin/secret.vcf",
		book + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/files/admin/secret.vcf",
		"/remote.php/dav/files/admin/secret.vcf",
		"..",
	}
	type call struct {
		tool string
		args map[string]any
	}
	var calls []call
	for _, id := range calIDs {
		calls = append(calls,
			call{"nc_calendar_get_event", map[string]any{"calendar": "personal", "event_id": id}},
			call{"nc_calendar_delete_event", map[string]any{"calendar": "personal", "event_id": id}},
			call{"nc_calendar_update_event", map[string]any{"calendar": "personal", "event_id": id, "summary": "pwned"}},
			call{"nc_tasks_get", map[string]any{"list": "personal", "task_id": id}},
			call{"nc_tasks_delete", map[string]any{"list": "personal", "task_id": id}},
		)
	}
	for _, id := range cardIDs {
		calls = append(calls,
			call{"nc_contacts_get", map[string]any{"addressbook": "contacts", "contact_id": id}},
			call{"nc_contacts_delete", map[string]any{"addressbook": "contacts", "contact_id": id}},
		)
	}
	for _, cl := range calls {
		res := callTool(t, c, cl.tool, cl.args)
		text := resultText(res)
		if !res.IsError {
			t.Errorf("%s %v succeeded: %s", cl.tool, cl.args, text)
			continue
		}
		if strings.Contains(text, "TOP SECRET") {
			t.Errorf("%s %v leaked the file: %s", cl.tool, cl.args, text)
		}
		// Ids that look like a path or a dot segment must be refused as such,
		// not merely "not found" after a request.
		if !strings.Contains(text, " id ") && !strings.Contains(text, "no event") && !strings.Contains(text, "no task") && !strings.Contains(text, "no contact") {
			t.Errorf("%s %v: error does not name the id: %s", cl.tool, cl.args, text)
		}
	}
	// The absolute path and dot-segment ids get the traversal error itself.
	for _, tc := range []struct{ tool, arg, id, want string }{
		{"nc_calendar_get_event", "event_id", cal + "../../../files/admin/secret.ics", "has a part that"},
		{"nc_calendar_delete_event", "event_id", "/remote.php/dav/files/admin/secret.ics", "is a path outside " + cal},
		{"nc_calendar_get_event", "event_id", "..", `"." or ".."`},
		{"nc_calendar_get_event", "event_id", "%2e%2e", `"." or ".."`},
		{"nc_contacts_delete", "contact_id", book + "../../../../files/admin/secret.vcf", "has a part that"},
	} {
		args := map[string]any{tc.arg: tc.id}
		if tc.arg == "event_id" {
			args["calendar"] = "personal"
		} else {
			args["addressbook"] = "contacts"
		}
		wantError(t, callTool(t, c, tc.tool, args), tc.id, tc.want)
	}
	for _, f := range []string{"secret.ics", "secret.vcf"} {
		res := callTool(t, c, "nc_files_read", map[string]any{"path": f})
		if res.IsError || !strings.Contains(resultText(res), "TOP SECRET") {
			t.Fatalf("%s was changed or deleted: %s", f, resultText(res))
		}
	}
}
