package mcp

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func TestFileCommentEditAndDelete(t *testing.T) {
	nc, id := extrasNextcloud(t)
	ctx := context.Background()
	admin := nc.Client(t, "admin")
	first, err := admin.Files().AddComment(ctx, id, "first")
	if err != nil {
		t.Fatal(err)
	}
	second, _ := admin.Files().AddComment(ctx, id, "second")
	c := connect(t, newTestServer(t, nc), "inprocess")

	var done extrasCommentDoneOut
	decodeStructured(t, callTool(t, c, "nc_files_edit_comment", map[string]any{"path": "Docs/plan.txt", "comment_id": first, "message": "first, edited"}), &done)
	if done.CommentID != first || done.Message != "first, edited" || done.Deleted {
		t.Fatalf("edited %+v", done)
	}
	if got := nc.FileComments(id); !slices.Equal(got, []string{"first, edited", "second"}) {
		t.Fatalf("comments after edit %q", got)
	}
	decodeStructured(t, callTool(t, c, "nc_files_delete_comment", map[string]any{"file_id": id, "comment_id": second}), &done)
	if !done.Deleted || done.CommentID != second {
		t.Fatalf("deleted %+v", done)
	}
	if got := nc.FileComments(id); !slices.Equal(got, []string{"first, edited"}) {
		t.Fatalf("comments after delete %q", got)
	}
	wantError(t, callTool(t, c, "nc_files_delete_comment", map[string]any{"file_id": id, "comment_id": second}), "comment", "not found", "nc_files_list_comments")

	// A comment by alice: admin may neither edit nor delete it.
	hers := nc.AddFileComment(id, "alice", "alice's note")
	wantError(t, callTool(t, c, "nc_files_edit_comment", map[string]any{"file_id": id, "comment_id": hers, "message": "mine now"}), "only the author", "403")
	wantError(t, callTool(t, c, "nc_files_delete_comment", map[string]any{"file_id": id, "comment_id": hers}), "only the author", "403")
	if got := nc.FileComments(id); !slices.Equal(got, []string{"first, edited", "alice's note"}) {
		t.Fatalf("comments after refused changes: %q", got)
	}

	wantBadCalls(t, c, []badCall{
		{"nc_files_edit_comment", map[string]any{"file_id": id, "comment_id": first, "message": " "}, []string{"message must not be empty; give the comment text"}},
		{"nc_files_edit_comment", map[string]any{"file_id": id, "comment_id": first, "message": string(make([]rune, 1001))}, []string{"at most 1000"}},
		{"nc_files_edit_comment", map[string]any{"file_id": id, "message": "x"}, []string{"comment_id"}},
		{"nc_files_edit_comment", map[string]any{"comment_id": first, "message": "x"}, []string{"path", "file_id"}},
		{"nc_files_delete_comment", map[string]any{"file_id": id, "comment_id": -3}, []string{"comment_id"}},
		{"nc_files_delete_comment", map[string]any{"file_id": id, "comment_id": "x"}, []string{"comment_id"}},
	})
	if got := nc.FileComments(id); !slices.Equal(got, []string{"first, edited", "alice's note"}) {
		t.Fatalf("bad input changed comments: %q", got)
	}
}

func TestFileTagDelete(t *testing.T) {
	nc, id := extrasNextcloud(t)
	ctx := context.Background()
	admin := nc.Client(t, "admin")
	urgent, err := admin.Files().CreateSystemTag(ctx, "Urgent", true, true)
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := admin.Files().CreateSystemTag(ctx, "Keep", true, true)
	if err := admin.Files().AssignTag(ctx, id, urgent); err != nil {
		t.Fatal(err)
	}
	_ = admin.Files().AssignTag(ctx, id, keep)
	c := connect(t, newTestServer(t, nc), "inprocess")
	alice := connect(t, newTestServer(t, nc, func(o *Options) {
		ac := nc.Client(t, "alice")
		o.Client = func(context.Context) (*nextcloud.Client, error) { return ac, nil }
	}), "inprocess")

	wantError(t, callTool(t, alice, "nc_files_delete_tag", map[string]any{"tag": "urgent"}), "only administrators", "403")
	var out extrasTagDeletedOut
	decodeStructured(t, callTool(t, c, "nc_files_delete_tag", map[string]any{"tag": "urgent"}), &out)
	if out.TagID != urgent || out.Tag != "Urgent" || !out.Deleted {
		t.Fatalf("deleted %+v", out)
	}
	if got := nc.SystemTagNames(); len(got) != 1 || got[int(keep)] != "Keep" {
		t.Fatalf("tags left %v", got)
	}
	tags, err := admin.Files().Tags(ctx, id)
	if err != nil || len(tags) != 1 || tags[0].ID != keep {
		t.Fatalf("file tags %+v, %v", tags, err)
	}
	wantError(t, callTool(t, c, "nc_files_delete_tag", map[string]any{"tag_id": urgent}), "not found", "nc_files_list_tags")
	wantError(t, callTool(t, c, "nc_files_delete_tag", map[string]any{"tag": "Nope"}), "no tag is named", "nc_files_list_tags")
	wantError(t, callTool(t, c, "nc_files_delete_tag", map[string]any{}), "tag_id")
	wantError(t, callTool(t, c, "nc_files_delete_tag", map[string]any{"tag": "Keep", "tag_id": keep}), "either tag or tag_id")
	if got := nc.SystemTagNames(); len(got) != 1 {
		t.Fatalf("bad input deleted tags: %v", got)
	}
}

func TestFileReminders(t *testing.T) {
	nc, id := extrasNextcloud(t)
	ctx := context.Background()
	if err := nc.Client(t, "admin").Files().MakeFolder(ctx, "Other"); err != nil {
		t.Fatal(err)
	}
	other, _ := nc.Client(t, "admin").Files().ID(ctx, "Other")
	c := connect(t, newTestServer(t, nc), "inprocess")

	var r extrasReminderOut
	decodeStructured(t, callTool(t, c, "nc_files_get_reminder", map[string]any{"path": "Docs/plan.txt"}), &r)
	if r.Due != "" || r.FileID != id {
		t.Fatalf("no reminder yet: %+v", r)
	}
	due := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	decodeStructured(t, callTool(t, c, "nc_files_set_reminder", map[string]any{"path": "Docs/plan.txt", "due": due.In(time.FixedZone("X", 3600)).Format(time.RFC3339)}), &r)
	if r.Change != "created" || r.Due != due.UTC().Format(time.RFC3339) {
		t.Fatalf("set %+v", r)
	}
	if got, ok := nc.FileReminder("admin", id); !ok || !got.Equal(due) {
		t.Fatalf("stored reminder %v %v", got, ok)
	}
	later := due.Add(24 * time.Hour)
	decodeStructured(t, callTool(t, c, "nc_files_set_reminder", map[string]any{"file_id": id, "due": later.UTC().Format("2006-01-02T15:04:05")}), &r)
	if r.Change != "moved" || r.Due != later.UTC().Format(time.RFC3339) {
		t.Fatalf("moved %+v", r)
	}
	decodeStructured(t, callTool(t, c, "nc_files_get_reminder", map[string]any{"file_id": id}), &r)
	if r.Due != later.UTC().Format(time.RFC3339) {
		t.Fatalf("get %+v", r)
	}
	if _, ok := nc.FileReminder("admin", other); ok {
		t.Fatal("the other folder got a reminder")
	}
	decodeStructured(t, callTool(t, c, "nc_files_remove_reminder", map[string]any{"file_id": id}), &r)
	if r.Change != "removed" {
		t.Fatalf("removed %+v", r)
	}
	if _, ok := nc.FileReminder("admin", id); ok {
		t.Fatal("reminder still stored")
	}
	wantError(t, callTool(t, c, "nc_files_remove_reminder", map[string]any{"file_id": id}), "has no reminder")

	wantBadCalls(t, c, []badCall{
		{"nc_files_set_reminder", map[string]any{"file_id": id, "due": "tomorrow"}, []string{"due"}},
		{"nc_files_set_reminder", map[string]any{"file_id": id, "due": "2020-01-01T09:00:00Z"}, []string{"due", "in the past"}},
		{"nc_files_set_reminder", map[string]any{"file_id": id, "due": later.Format("2006-01-02")}, []string{"is a date", "time"}},
		{"nc_files_set_reminder", map[string]any{"file_id": id}, []string{"due"}},
		{"nc_files_set_reminder", map[string]any{"path": "Docs/none.txt", "due": later.Format(time.RFC3339)}, []string{"none.txt"}},
	})
	if _, ok := nc.FileReminder("admin", id); ok {
		t.Fatal("bad input set a reminder")
	}

	nc.SetDisabled("files_reminders", true)
	for tool, args := range map[string]map[string]any{
		"nc_files_get_reminder":    {"file_id": id},
		"nc_files_set_reminder":    {"file_id": id, "due": later.Format(time.RFC3339)},
		"nc_files_remove_reminder": {"file_id": id},
	} {
		wantError(t, callTool(t, c, tool, args), `"files_reminders"`, "not installed or not enabled")
	}
}

func TestFilesTrashDeleteAndEmpty(t *testing.T) {
	nc, _ := extrasNextcloud(t)
	ctx := context.Background()
	admin := nc.Client(t, "admin")
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		nfWrite(t, admin, name, []byte(name))
		if err := admin.Files().Delete(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	items, err := admin.Files().Trash(ctx)
	if err != nil || len(items) != 3 {
		t.Fatalf("trash %+v, %v", items, err)
	}
	c := connect(t, newTestServer(t, nc), "inprocess")
	var out filesTrashDeletedOut
	decodeStructured(t, callTool(t, c, "nc_files_trash_delete", map[string]any{"trash_name": items[0].TrashName}), &out)
	if out.Count != 1 || out.Deleted[0] != items[0].TrashName {
		t.Fatalf("deleted %+v", out)
	}
	left, _ := admin.Files().Trash(ctx)
	if len(left) != 2 || slices.ContainsFunc(left, func(it nextcloud.TrashItem) bool { return it.TrashName == items[0].TrashName }) {
		t.Fatalf("trash after delete %+v", left)
	}
	wantError(t, callTool(t, c, "nc_files_trash_delete", map[string]any{"trash_name": items[0].TrashName}), "no item", "nc_files_trash_list")
	wantError(t, callTool(t, c, "nc_files_trash_delete", map[string]any{"trash_name": "a/b"}), "trash_name")
	wantError(t, callTool(t, c, "nc_files_trash_delete", map[string]any{}), "trash_name")
	if l, _ := admin.Files().Trash(ctx); len(l) != 2 {
		t.Fatalf("bad input changed the trash: %+v", l)
	}
	// The files themselves are untouched.
	if _, err := admin.Files().Stat(ctx, "Docs/plan.txt"); err != nil {
		t.Fatal(err)
	}

	decodeStructured(t, callTool(t, c, "nc_files_trash_empty", map[string]any{}), &out)
	if out.Count != 2 {
		t.Fatalf("emptied %+v", out)
	}
	if l, _ := admin.Files().Trash(ctx); len(l) != 0 {
		t.Fatalf("trash after empty %+v", l)
	}
	if _, err := admin.Files().Stat(ctx, "Docs/plan.txt"); err != nil {
		t.Fatalf("emptying the trash touched the files: %v", err)
	}
	wantError(t, callTool(t, c, "nc_files_trash_empty", map[string]any{"all": true}), "all")

	nc.SetDisabled("files_trashbin", true)
	wantError(t, callTool(t, c, "nc_files_trash_empty", map[string]any{}), "files_trashbin", "not enabled")
	wantError(t, callTool(t, c, "nc_files_trash_delete", map[string]any{"trash_name": "x.d1"}), "files_trashbin", "not enabled")
}
