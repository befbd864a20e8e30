package mcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

var sharingKinds = map[string]Kind{
	"nc_sharing_list_shares":  Read,
	"nc_sharing_get_share":    Read,
	"nc_sharing_create_share": Create,
	"nc_sharing_update_share": Write,
	"nc_sharing_delete_share": Destroy,
}

// sharingNextcloud has admin (with Docs/plan.txt, Docs/Sub/inner.txt),
// Alice, Bob and the group marketing (Alice and Bob).
func sharingNextcloud(t *testing.T) *nctest.Server {
	t.Helper()
	nc := usersTestNextcloud(t)
	c := nc.Client(t, "admin")
	for _, f := range []string{"Docs/plan.txt", "Docs/Sub/inner.txt"} {
		nfWrite(t, c, f, []byte("content of "+f))
	}
	return nc
}

func TestSharingToolsListed(t *testing.T) {
	collabToolsListed(t, "sharing", sharingKinds, func(t *testing.T, s listedClient) {
		var out sharesOut
		decodeStructured(t, callTool(t, s.c, "nc_sharing_list_shares", map[string]any{}), &out)
	})
}

func TestSharingLifecycle(t *testing.T) {
	nc := sharingNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	create := func(args map[string]any) shareOut {
		t.Helper()
		return call[shareResultOut](t, c, "nc_sharing_create_share", args).Share
	}
	expiry := time.Now().AddDate(0, 1, 0).Format("2006-01-02")

	user := create(map[string]any{"path": "Docs/plan.txt", "share_type": "user", "share_with": "alice", "permissions": []string{"read", "update"}, "note": "for review"})
	if user.Type != "user" || user.ShareType != 0 || user.SharedWith != "alice" || user.SharedWithName != "Alice Smith" || user.Path != "/Docs/plan.txt" ||
		fmt.Sprint(user.Permissions) != "[read update]" || user.PermissionsMask != 3 || user.ItemType != "file" || user.FileID == 0 || user.Note != "for review" || user.Owner != "admin" {
		t.Fatalf("user share: %+v", user)
	}
	group := create(map[string]any{"path": "/Docs/", "share_type": "group", "share_with": "marketing"})
	if group.Type != "group" || group.SharedWithName != "Marketing team" || fmt.Sprint(group.Permissions) != "[read update create delete share]" || group.ItemType != "folder" {
		t.Fatalf("group share: %+v", group)
	}
	var linkRes shareResultOut
	res := callTool(t, c, "nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "public_link", "password": "correct horse battery",
		"expire_date": expiry, "label": "For the customer", "hide_download": true, "permissions": []string{"read", "create"}})
	decodeStructured(t, res, &linkRes)
	link := linkRes.Share
	if link.Type != "public_link" || link.ShareType != 3 || !strings.Contains(link.URL, "/s/") || !link.HasPassword || link.ExpireDate != expiry ||
		link.Label != "For the customer" || !link.HideDownload || link.SharedWith != "" || fmt.Sprint(link.Permissions) != "[read create]" {
		t.Fatalf("link share: %+v", link)
	}
	if text := resultText(res); strings.Contains(text, "$2y$") || strings.Contains(text, "correct horse") {
		t.Fatalf("the result leaks the password or its hash: %s", text)
	}
	email := create(map[string]any{"path": "Docs/plan.txt", "share_type": "email", "share_with": "carol@example.org"})
	if email.Type != "email" || email.ShareType != 4 || fmt.Sprint(email.Permissions) != "[read]" {
		t.Fatalf("email share: %+v", email)
	}
	// Files never get create or delete, as in Nextcloud.
	fileAll := create(map[string]any{"path": "Docs/Sub/inner.txt", "share_type": "user", "share_with": "bob", "permissions": []string{"all"}})
	if fmt.Sprint(fileAll.Permissions) != "[read update share]" {
		t.Fatalf("file share with all permissions: %+v", fileAll)
	}

	ids := func(args map[string]any) string {
		t.Helper()
		out := call[sharesOut](t, c, "nc_sharing_list_shares", args)
		var s []string
		for _, sh := range out.Shares {
			s = append(s, sh.ID)
		}
		return strings.Join(s, ",")
	}
	all := strings.Join([]string{user.ID, group.ID, link.ID, email.ID, fileAll.ID}, ",")
	if got := ids(map[string]any{}); got != all {
		t.Fatalf("all shares: %s, want %s", got, all)
	}
	if got := ids(map[string]any{"path": "Docs"}); got != group.ID+","+link.ID {
		t.Fatalf("shares of Docs: %s", got)
	}
	if got := ids(map[string]any{"path": "Docs", "subfiles": true}); got != user.ID+","+email.ID {
		t.Fatalf("shares inside Docs: %s", got)
	}
	if got := ids(map[string]any{"reshares": true}); got != all {
		t.Fatalf("with reshares: %s", got)
	}

	// Alice sees what was shared with her, directly and through her group.
	alice := connect(t, newTestServer(t, nc, usersActingAs(t, nc, "alice")), "inprocess")
	res = callTool(t, alice, "nc_sharing_list_shares", map[string]any{"shared_with_me": true})
	mine := fresh(t, res, sharesOut{})
	if len(mine.Shares) != 2 || mine.Shares[0].ID != user.ID || mine.Shares[0].Path != "/plan.txt" || mine.Shares[1].ID != group.ID || mine.Shares[0].Owner != "admin" {
		t.Fatalf("alice's incoming shares: %+v", mine)
	}
	if !strings.Contains(resultText(res), "shares with you") {
		t.Fatalf("summary: %s", resultText(res))
	}
	// She cannot change them.
	wantError(t, callTool(t, alice, "nc_sharing_update_share", map[string]any{"id": user.ID, "permissions": []string{"all"}}), "403", "not allowed to edit incoming shares")

	got := call[shareResultOut](t, c, "nc_sharing_get_share", map[string]any{"id": link.ID})
	if got.Share.URL != link.URL || !got.Share.HasPassword {
		t.Fatalf("get link: %+v", got)
	}

	// Updates.
	upd := call[shareResultOut](t, c, "nc_sharing_update_share", map[string]any{"id": user.ID, "permissions": []string{"read"}, "expire_date": expiry})
	if fmt.Sprint(upd.Share.Permissions) != "[read]" || upd.Share.ExpireDate != expiry || upd.Share.Note != "for review" {
		t.Fatalf("updated user share: %+v", upd.Share)
	}
	upd = shareResultOut{} // decoding leaves fields the answer omits
	upd = call[shareResultOut](t, c, "nc_sharing_update_share", map[string]any{"id": user.ID, "expire_date": ""})
	if upd.Share.ExpireDate != "" {
		t.Fatalf("expiry not removed: %+v", upd.Share)
	}
	upd = call[shareResultOut](t, c, "nc_sharing_update_share", map[string]any{"id": link.ID, "password": "", "hide_download": false, "label": "Public", "note": "hello"})
	if upd.Share.HasPassword || upd.Share.HideDownload || upd.Share.Label != "Public" || upd.Share.Note != "hello" || upd.Share.ExpireDate != expiry {
		t.Fatalf("updated link: %+v", upd.Share)
	}
	upd = call[shareResultOut](t, c, "nc_sharing_update_share", map[string]any{"id": link.ID, "password": "another secret phrase"})
	if !upd.Share.HasPassword {
		t.Fatalf("password not set: %+v", upd.Share)
	}

	// Deleting: the owner deletes, a recipient leaves.
	del := call[shareDeletedOut](t, c, "nc_sharing_delete_share", map[string]any{"id": group.ID})
	if !del.Deleted || del.Share.Type != "group" {
		t.Fatalf("delete: %+v", del)
	}
	del = call[shareDeletedOut](t, alice, "nc_sharing_delete_share", map[string]any{"id": user.ID})
	if got := ids(map[string]any{}); got != strings.Join([]string{link.ID, email.ID, fileAll.ID}, ",") {
		t.Fatalf("after deletes: %s", got)
	}
	wantError(t, callTool(t, c, "nc_sharing_get_share", map[string]any{"id": group.ID}), "404", "Wrong share ID")
}

func TestSharingBadInput(t *testing.T) {
	nc := sharingNextcloud(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	user := call[shareResultOut](t, c, "nc_sharing_create_share", map[string]any{"path": "Docs/plan.txt", "share_type": "user", "share_with": "alice"})
	past := time.Now().AddDate(0, 0, -3).Format("2006-01-02")
	cases := []badCall{
		{"nc_sharing_create_share", map[string]any{"share_type": "user", "share_with": "alice"}, []string{"path"}},
		{"nc_sharing_create_share", map[string]any{"path": "/", "share_type": "public_link"}, []string{"root folder"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "robot"}, []string{`unknown share type "robot"`, "public_link"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": 0}, []string{"share_type"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user"}, []string{"share_with is needed", "nc_users_search"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "public_link", "share_with": "alice"}, []string{"leave share_with out"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user", "share_with": "bob", "password": "x"}, []string{"password applies only"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "email", "share_with": "not-an-address"}, []string{"not an email address"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user", "share_with": "bob", "permissions": []string{"execute"}}, []string{`unknown permission "execute"`}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user", "share_with": "bob", "permissions": "read"}, []string{"permissions"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "public_link", "expire_date": "31.12.2030"}, []string{"YYYY-MM-DD"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "public_link", "expire_date": past}, []string{"Expiration date is in the past"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user", "share_with": "zorro"}, []string{"valid account"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "group", "share_with": "nobody"}, []string{"valid group"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs/none.txt", "share_type": "public_link"}, []string{"Wrong path, file/folder does not exist"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "user", "share_with": "admin"}, []string{"Cannot share with yourself"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs/plan.txt", "share_type": "user", "share_with": "alice"}, []string{"already shared"}},
		{"nc_sharing_create_share", map[string]any{"path": "Docs", "share_type": "circle", "share_with": "abc"}, []string{"Team", "not enabled"}},
		{"nc_sharing_get_share", map[string]any{"id": "9999"}, []string{"404", "Wrong share ID"}},
		{"nc_sharing_get_share", map[string]any{"id": ""}, []string{"not a share id"}},
		{"nc_sharing_get_share", map[string]any{"id": 5}, []string{"id"}},
		{"nc_sharing_get_share", map[string]any{}, []string{"id"}},
		{"nc_sharing_update_share", map[string]any{"id": user.Share.ID}, []string{"nothing to change"}},
		{"nc_sharing_update_share", map[string]any{"id": user.Share.ID, "password": "x"}, []string{"password applies only", "user share"}},
		{"nc_sharing_update_share", map[string]any{"id": user.Share.ID, "permissions": []string{"read", "delete"}}, []string{"400", "Files cannot be shared with delete permissions"}},
		{"nc_sharing_update_share", map[string]any{"id": user.Share.ID, "permissions": []string{}}, []string{"permissions is empty"}},
		{"nc_sharing_update_share", map[string]any{"id": user.Share.ID, "expire_date": "tomorrow"}, []string{"YYYY-MM-DD"}},
		{"nc_sharing_update_share", map[string]any{"id": "9999", "note": "x"}, []string{"Wrong share ID"}},
		{"nc_sharing_delete_share", map[string]any{"id": "9999"}, []string{"Wrong share ID"}},
		{"nc_sharing_list_shares", map[string]any{"subfiles": true}, []string{"subfiles needs"}},
		{"nc_sharing_list_shares", map[string]any{"shared_with_me": true, "reshares": true}, []string{"cannot be combined"}},
		{"nc_sharing_list_shares", map[string]any{"path": "Docs/plan.txt", "subfiles": true}, []string{"400", "Not a directory"}},
		{"nc_sharing_list_shares", map[string]any{"path": "Nope"}, []string{"404", "Wrong path"}},
	}
	wantBadCalls(t, c, cases)
}

func TestSharingNextcloudFailures(t *testing.T) {
	t.Run("500", func(t *testing.T) {
		nc := sharingNextcloud(t)
		fail := commsFault(nc, "/ocs/v2.php/apps/files_sharing/", commsFail500)
		c := connect(t, newTestServer(t, nc), "inprocess")
		user := call[shareResultOut](t, c, "nc_sharing_create_share", map[string]any{"path": "Docs/plan.txt", "share_type": "user", "share_with": "alice"})
		fail.Store(true)
		for tool, args := range map[string]map[string]any{
			"nc_sharing_list_shares":  {},
			"nc_sharing_get_share":    {"id": user.Share.ID},
			"nc_sharing_create_share": {"path": "Docs", "share_type": "public_link"},
			"nc_sharing_update_share": {"id": user.Share.ID, "note": "x"},
			"nc_sharing_delete_share": {"id": user.Share.ID},
		} {
			wantError(t, callTool(t, c, tool, args), "500", "Nextcloud failed internally")
		}
	})
	t.Run("app disabled", func(t *testing.T) {
		nc := nctest.New(t, nctest.WithDisabledApp("files_sharing"))
		c := connect(t, newTestServer(t, nc), "inprocess")
		wantError(t, callTool(t, c, "nc_sharing_list_shares", map[string]any{}), `app "files_sharing" (Sharing) is not installed or not enabled`)
	})
}
