package nextcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestShareTypeNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want nextcloud.ShareType
	}{
		{"user", 0}, {"group", 1}, {"public_link", 3}, {"link", 3}, {"email", 4}, {"federated", 6}, {"circle", 7}, {"team", 7}, {"talk", 10}, {" Room ", 10},
	} {
		got, err := nextcloud.ParseShareType(tc.name)
		if err != nil || got != tc.want {
			t.Errorf("ParseShareType(%q) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := nextcloud.ParseShareType("robot"); err == nil {
		t.Error("robot is no share type")
	}
	for _, st := range nextcloud.CreatableShareTypes {
		if back, err := nextcloud.ParseShareType(st.String()); err != nil || back != st {
			t.Errorf("%v does not round-trip: %v %v", st, back, err)
		}
	}
	if nextcloud.ShareType(42).String() != "type_42" {
		t.Errorf("unknown type name: %s", nextcloud.ShareType(42))
	}
}

func TestPermissionNames(t *testing.T) {
	for _, tc := range []struct {
		names []string
		mask  int
	}{
		{[]string{"read"}, 1}, {[]string{"read", "update"}, 3}, {[]string{"edit", "Read"}, 3}, {[]string{"all"}, 31},
		{[]string{"read", "create", "delete"}, 13}, {[]string{"share", "reshare"}, 16}, {nil, 0},
	} {
		got, err := nextcloud.ParsePermissions(tc.names)
		if err != nil || got != tc.mask {
			t.Errorf("ParsePermissions(%v) = %d, %v; want %d", tc.names, got, err, tc.mask)
		}
	}
	if _, err := nextcloud.ParsePermissions([]string{"read", "execute"}); err == nil {
		t.Error("execute is no permission")
	}
	for mask := 0; mask <= 31; mask++ {
		back, err := nextcloud.ParsePermissions(nextcloud.PermissionNames(mask))
		if err != nil || back != mask {
			t.Errorf("mask %d does not round-trip: %v %d %v", mask, nextcloud.PermissionNames(mask), back, err)
		}
	}
	if fmt.Sprint(nextcloud.PermissionNames(19)) != "[read update share]" {
		t.Errorf("19 = %v", nextcloud.PermissionNames(19))
	}
}

func TestShareDecodesAPIShapes(t *testing.T) {
	var s nextcloud.Share
	in := `{"id":"7","share_type":3,"uid_owner":"admin","permissions":1,"stime":1700000000,"expiration":"2030-01-02 00:00:00",
		"token":"abc","label":null,"note":"","path":"/Docs","item_type":"folder","file_source":12,"share_with":"$2y$10$hash",
		"url":"https://cloud/s/abc","hide_download":1,"mail_send":0,"password":"$2y$10$hash","parent":null}`
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != "7" || s.ShareType != nextcloud.ShareTypePublicLink || !bool(s.HideDownload) || bool(s.MailSend) || s.ExpireDate() != "2030-01-02" ||
		!s.HasPassword() || s.FileSource != 12 || s.Label != "" {
		t.Fatalf("decoded %+v", s)
	}
}

func TestSharingClient(t *testing.T) {
	ctx := context.Background()
	srv := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("alice", "alice-pass"))
	c := srv.Client(t, "admin")
	if err := c.Files().MakeFolder(ctx, "Docs"); err != nil {
		t.Fatal(err)
	}
	// Hiding the download takes a second request the client makes itself.
	link, err := c.Sharing().Create(ctx, nextcloud.ShareCreate{Path: "Docs", ShareType: nextcloud.ShareTypePublicLink, Password: "a long passphrase", HideDownload: true, Label: "L"})
	if err != nil || !bool(link.HideDownload) || !link.HasPassword() || link.URL == "" || link.Label != "L" {
		t.Fatalf("link: %+v %v", link, err)
	}
	if n := srv.RequestCount("PUT /ocs/v2.php/apps/files_sharing/api/v1/shares/" + link.ID); n != 1 {
		t.Fatalf("hide download took %d PUTs", n)
	}
	user, err := c.Sharing().Create(ctx, nextcloud.ShareCreate{Path: "/Docs/", ShareType: nextcloud.ShareTypeUser, ShareWith: "alice", Permissions: nextcloud.PermRead | nextcloud.PermShare})
	if err != nil || user.Permissions != 17 || user.ShareWith != "alice" {
		t.Fatalf("user share: %+v %v", user, err)
	}
	got, err := c.Sharing().Get(ctx, user.ID)
	if err != nil || got.ID != user.ID {
		t.Fatalf("get: %+v %v", got, err)
	}
	incoming, err := srv.Client(t, "alice").Sharing().List(ctx, nextcloud.ShareListOptions{SharedWithMe: true})
	if err != nil || len(incoming) != 1 || incoming[0].ID != user.ID {
		t.Fatalf("alice's shares: %+v %v", incoming, err)
	}
	note := "hi"
	if upd, err := c.Sharing().Update(ctx, user.ID, nextcloud.ShareUpdate{Note: &note}); err != nil || upd.Note != "hi" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	if _, err := c.Sharing().Update(ctx, user.ID, nextcloud.ShareUpdate{}); err == nil {
		t.Fatal("an empty update must fail before asking Nextcloud")
	}
	if err := c.Sharing().Delete(ctx, user.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sharing().Get(ctx, user.ID); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	var apiErr *nextcloud.Error
	_, err = c.Sharing().Create(ctx, nextcloud.ShareCreate{Path: "Docs", ShareType: nextcloud.ShareTypeUser, ShareWith: "nobody"})
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.App != "files_sharing" || apiErr.Hint != "" {
		t.Fatalf("unknown recipient: %#v", err)
	}
	_, err = c.Sharing().List(ctx, nextcloud.ShareListOptions{Path: "nothing-here"})
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Hint == "" {
		t.Fatalf("unknown path keeps the not-found hint: %v", err)
	}
}

func TestSharingAppDisabled(t *testing.T) {
	c := nctest.New(t, nctest.WithDisabledApp("files_sharing")).Client(t, "admin")
	if _, err := c.Sharing().List(context.Background(), nextcloud.ShareListOptions{}); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("want ErrAppNotEnabled, got %v", err)
	}
}
