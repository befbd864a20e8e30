package mcp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var extrasKinds = map[string]Kind{
	"nc_files_list_comments":   Read,
	"nc_files_add_comment":     Create,
	"nc_files_list_tags":       Read,
	"nc_files_create_tag":      Create,
	"nc_files_assign_tag":      Write,
	"nc_files_remove_tag":      Destroy,
	"nc_files_list_versions":   Read,
	"nc_files_restore_version": Destroy,
	"nc_files_edit_comment":    Write,
	"nc_files_delete_comment":  Destroy,
	"nc_files_delete_tag":      Destroy,
	"nc_files_get_reminder":    Read,
	"nc_files_set_reminder":    Write,
	"nc_files_remove_reminder": Destroy,
}

// extrasNextcloud has admin and alice, and admin's Docs/plan.txt; it
// returns plan.txt's file id.
func extrasNextcloud(t *testing.T) (*nctest.Server, int64) {
	t.Helper()
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("alice", "alice-pass"))
	id := nc.AddFile(t, "admin", "Docs/plan.txt", []byte("current plan"))
	return nc, id
}

func TestFileExtrasToolsListed(t *testing.T) {
	collabToolsListed(t, "files", extrasKinds, func(t *testing.T, s listedClient) {
		var out extrasTagsListOut
		decodeStructured(t, callTool(t, s.c, "nc_files_list_tags", map[string]any{}), &out)
	})
}

func TestFileComments(t *testing.T) {
	nc, id := extrasNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var added extrasCommentAddedOut
	decodeStructured(t, callTool(t, c, "nc_files_add_comment", map[string]any{"path": "/Docs/plan.txt", "message": "Looks good"}), &added)
	if added.FileID != id || added.CommentID == 0 || added.File != "Docs/plan.txt" {
		t.Fatalf("added: %+v", added)
	}
	decodeStructured(t, callTool(t, c, "nc_files_add_comment", map[string]any{"file_id": id, "message": "Please review @alice"}), &added)

	var list extrasCommentsOut
	res := callTool(t, c, "nc_files_list_comments", map[string]any{"path": "Docs/plan.txt"})
	decodeStructured(t, res, &list)
	if len(list.Comments) != 2 || list.Comments[0].Message != "Please review @alice" || list.Comments[1].Message != "Looks good" ||
		list.Comments[0].Author != "admin" || list.Comments[0].Created == "" || list.HasMore {
		t.Fatalf("comments: %+v", list)
	}
	if !strings.Contains(resultText(res), "Looks good") {
		t.Fatalf("summary: %s", resultText(res))
	}
	decodeStructured(t, callTool(t, c, "nc_files_list_comments", map[string]any{"file_id": id, "limit": 1}), &list)
	if len(list.Comments) != 1 || !list.HasMore {
		t.Fatalf("first page: %+v", list)
	}
	decodeStructured(t, callTool(t, c, "nc_files_list_comments", map[string]any{"file_id": id, "limit": 1, "offset": 1}), &list)
	if len(list.Comments) != 1 || list.HasMore || list.Comments[0].Message != "Looks good" {
		t.Fatalf("second page: %+v", list)
	}

	wantBadCalls(t, c, []badCall{
		{"nc_files_add_comment", map[string]any{"path": "Docs/plan.txt", "message": strings.Repeat("é", 1001)}, []string{"1001 characters", "at most 1000"}},
		{"nc_files_add_comment", map[string]any{"path": "Docs/plan.txt", "message": " "}, []string{"message must not be empty; give the comment text"}},
		{"nc_files_add_comment", map[string]any{"path": "Docs/plan.txt"}, []string{"message"}},
		{"nc_files_add_comment", map[string]any{"message": "hi"}, []string{"path", "file_id"}},
		{"nc_files_add_comment", map[string]any{"path": "Docs/plan.txt", "file_id": id, "message": "hi"}, []string{"either path or file_id"}},
		{"nc_files_add_comment", map[string]any{"path": "Docs/nope.txt", "message": "hi"}, []string{"404", "nope.txt"}},
		{"nc_files_add_comment", map[string]any{"path": "../etc/passwd", "message": "hi"}, []string{".."}},
		{"nc_files_list_comments", map[string]any{"file_id": 424242}, []string{"404", "Entity does not exist"}},
		{"nc_files_list_comments", map[string]any{"file_id": "abc"}, []string{"file_id"}},
		{"nc_files_list_comments", map[string]any{"path": "/"}, []string{"root folder"}},
		{"nc_files_list_comments", map[string]any{"file_id": id, "limit": 500}, []string{"limit"}},
	})
}

func TestFileTags(t *testing.T) {
	nc, id := extrasNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var all extrasTagsListOut
	decodeStructured(t, callTool(t, c, "nc_files_list_tags", map[string]any{}), &all)
	if len(all.Tags) != 0 {
		t.Fatalf("no tags yet: %+v", all)
	}
	var created extrasTagCreatedOut
	decodeStructured(t, callTool(t, c, "nc_files_create_tag", map[string]any{"name": "Urgent"}), &created)
	if created.Tag.ID == 0 || created.Tag.Name != "Urgent" || !created.Tag.UserVisible || !created.Tag.UserAssignable {
		t.Fatalf("created: %+v", created)
	}
	wantError(t, callTool(t, c, "nc_files_create_tag", map[string]any{"name": "urgent"}), "exists already", "409")

	var tagged extrasFileTagsOut
	decodeStructured(t, callTool(t, c, "nc_files_assign_tag", map[string]any{"path": "Docs/plan.txt", "tag": "urgent"}), &tagged)
	if tagged.FileID != id || len(tagged.Tags) != 1 || tagged.Tags[0].ID != created.Tag.ID {
		t.Fatalf("tagged: %+v", tagged)
	}
	// Tagging again changes nothing.
	decodeStructured(t, callTool(t, c, "nc_files_assign_tag", map[string]any{"file_id": id, "tag_id": created.Tag.ID}), &tagged)
	if len(tagged.Tags) != 1 {
		t.Fatalf("tagged twice: %+v", tagged)
	}
	wantError(t, callTool(t, c, "nc_files_assign_tag", map[string]any{"file_id": id, "tag": "Later"}), `no tag is named "Later"`, "create_missing")
	decodeStructured(t, callTool(t, c, "nc_files_assign_tag", map[string]any{"file_id": id, "tag": "Later", "create_missing": true}), &tagged)
	if len(tagged.Tags) != 2 || !strings.Contains(tagged.Changed, `Created tag "Later"`) {
		t.Fatalf("create_missing: %+v", tagged)
	}
	var fileTags extrasTagsListOut
	decodeStructured(t, callTool(t, c, "nc_files_list_tags", map[string]any{"path": "Docs/plan.txt"}), &fileTags)
	if len(fileTags.Tags) != 2 || fileTags.Tags[0].Name != "Later" || fileTags.Tags[1].Name != "Urgent" || fileTags.FileID != id {
		t.Fatalf("file tags: %+v", fileTags)
	}
	decodeStructured(t, callTool(t, c, "nc_files_list_tags", map[string]any{"path": "Docs"}), &fileTags)
	if len(fileTags.Tags) != 0 {
		t.Fatalf("folder tags: %+v", fileTags)
	}

	var removed extrasFileTagsOut
	decodeStructured(t, callTool(t, c, "nc_files_remove_tag", map[string]any{"path": "Docs/plan.txt", "tag": "URGENT"}), &removed)
	if len(removed.Tags) != 1 || removed.Tags[0].Name != "Later" {
		t.Fatalf("removed: %+v", removed)
	}
	decodeStructured(t, callTool(t, c, "nc_files_list_tags", map[string]any{}), &all)
	if len(all.Tags) != 2 {
		t.Fatalf("removing from a file keeps the tag: %+v", all)
	}

	wantBadCalls(t, c, []badCall{
		{"nc_files_remove_tag", map[string]any{"file_id": id, "tag": "Urgent"}, []string{`has no tag "Urgent"`}},
		{"nc_files_remove_tag", map[string]any{"file_id": id, "tag_id": 999}, []string{"has no tag with id 999"}},
		{"nc_files_assign_tag", map[string]any{"file_id": id, "tag_id": 999}, []string{"no tag has id 999", "412"}},
		{"nc_files_assign_tag", map[string]any{"file_id": id, "tag": "x", "tag_id": 1}, []string{"either tag or tag_id"}},
		{"nc_files_assign_tag", map[string]any{"file_id": id}, []string{"tag_id"}},
		{"nc_files_assign_tag", map[string]any{"file_id": id, "tag_id": 1, "create_missing": true}, []string{"create_missing"}},
		{"nc_files_assign_tag", map[string]any{"file_id": 424242, "tag_id": created.Tag.ID}, []string{"404"}},
		{"nc_files_create_tag", map[string]any{"name": ""}, []string{"name must not be empty; give the tag's name"}},
		{"nc_files_create_tag", map[string]any{"name": "x", "user_visible": "no"}, []string{"user_visible"}},
		{"nc_files_list_tags", map[string]any{"path": "Docs/none.txt"}, []string{"404"}},
	})

	// Only administrators create invisible tags.
	alice := connect(t, newTestServer(t, nc, usersActingAs(t, nc, "alice")), "inprocess")
	wantError(t, callTool(t, alice, "nc_files_create_tag", map[string]any{"name": "Secret", "user_visible": false}), "Not sufficient permissions")
	decodeStructured(t, callTool(t, c, "nc_files_create_tag", map[string]any{"name": "Secret", "user_visible": false}), &created)
	if created.Tag.UserVisible {
		t.Fatalf("admin's invisible tag: %+v", created)
	}
	decodeStructured(t, callTool(t, alice, "nc_files_list_tags", map[string]any{}), &all)
	for _, tg := range all.Tags {
		if tg.Name == "Secret" {
			t.Fatalf("alice sees an invisible tag: %+v", all)
		}
	}
}

func TestFileVersions(t *testing.T) {
	nc, id := extrasNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	var vs extrasVersionsOut
	decodeStructured(t, callTool(t, c, "nc_files_list_versions", map[string]any{"path": "Docs/plan.txt"}), &vs)
	if len(vs.Versions) != 0 {
		t.Fatalf("no versions yet: %+v", vs)
	}
	first := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	v1, err := nc.AddFileVersion("admin", "Docs/plan.txt", []byte("first draft"), first)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := nc.AddFileVersion("admin", "Docs/plan.txt", []byte("second draft!"), first.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	res := callTool(t, c, "nc_files_list_versions", map[string]any{"file_id": id})
	decodeStructured(t, res, &vs)
	if len(vs.Versions) != 2 || vs.Versions[0].ID != v2 || vs.Versions[1].ID != v1 || vs.Versions[1].Size != 11 ||
		vs.Versions[1].Modified != first.UTC().Format(time.RFC3339) || vs.Versions[0].Author != "admin" {
		t.Fatalf("versions: %+v", vs)
	}
	if !strings.Contains(resultText(res), v1) {
		t.Fatalf("summary lacks the version id: %s", resultText(res))
	}

	var restored extrasRestoredOut
	decodeStructured(t, callTool(t, c, "nc_files_restore_version", map[string]any{"path": "Docs/plan.txt", "version_id": v1}), &restored)
	got, err := nc.Client(t, "admin").Files().Read(context.Background(), "Docs/plan.txt", 1<<10)
	if err != nil || string(got.Data) != "first draft" {
		t.Fatalf("content after restore: %v %v", got, err)
	}
	if restored.Restored != v1 || len(restored.Versions) != 2 {
		t.Fatalf("restored: %+v", restored)
	}
	// The replaced content is now the newest version.
	if restored.Versions[0].Size != int64(len("current plan")) || restored.Versions[1].ID != v2 {
		t.Fatalf("versions after restore: %+v", restored.Versions)
	}

	wantBadCalls(t, c, []badCall{
		{"nc_files_restore_version", map[string]any{"file_id": id, "version_id": v1}, []string{"has no version", "nc_files_list_versions"}},
		{"nc_files_restore_version", map[string]any{"file_id": id, "version_id": "../x"}, []string{"not a version id"}},
		{"nc_files_restore_version", map[string]any{"file_id": id}, []string{"version_id"}},
		{"nc_files_restore_version", map[string]any{"file_id": id, "version_id": 5}, []string{"version_id"}},
		{"nc_files_list_versions", map[string]any{"file_id": 424242}, []string{"404"}},
		{"nc_files_list_versions", map[string]any{"path": "Docs"}, []string{"404", "only kept for files"}},
	})
}

func TestFileExtrasNextcloudFailures(t *testing.T) {
	nc, id := extrasNextcloud(t)
	fail := commsFault(nc, "/remote.php/dav/", commsFail500)
	c := connect(t, newTestServer(t, nc), "inprocess")
	fail.Store(true)
	for tool, args := range map[string]map[string]any{
		"nc_files_list_comments":   {"file_id": id},
		"nc_files_add_comment":     {"file_id": id, "message": "hi"},
		"nc_files_list_tags":       {},
		"nc_files_create_tag":      {"name": "x"},
		"nc_files_assign_tag":      {"file_id": id, "tag_id": 1},
		"nc_files_remove_tag":      {"file_id": id, "tag_id": 1},
		"nc_files_list_versions":   {"path": "Docs/plan.txt"},
		"nc_files_restore_version": {"file_id": id, "version_id": "1"},
	} {
		wantError(t, callTool(t, c, tool, args), "500", "Nextcloud failed internally")
	}
}
