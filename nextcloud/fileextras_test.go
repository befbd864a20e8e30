package nextcloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestFileCommentsTagsVersions(t *testing.T) {
	ctx := context.Background()
	srv := nctest.New(t)
	c := srv.Client(t, "admin")
	id := srv.AddFile(t, "admin", "/Docs/plan.txt", []byte("second draft"))
	if _, err := c.Files().ID(ctx, "Docs/missing.txt"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}

	// Comments, newest first, with paging.
	for _, m := range []string{"first", "second", "third"} {
		if _, err := c.Files().AddComment(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := c.Files().Comments(ctx, id, 2, 0)
	if err != nil || len(cs) != 2 || cs[0].Message != "third" || cs[1].Message != "second" || cs[0].ActorID != "admin" || cs[0].Created.IsZero() {
		t.Fatalf("comments: %+v %v", cs, err)
	}
	if cs, _ := c.Files().Comments(ctx, id, 2, 2); len(cs) != 1 || cs[0].Message != "first" {
		t.Fatalf("second page: %+v", cs)
	}
	var apiErr *nextcloud.Error
	if _, err := c.Files().AddComment(ctx, id, strings.Repeat("x", nextcloud.MaxCommentLength+1)); !errors.As(err, &apiErr) || apiErr.Status != 413 || !strings.Contains(apiErr.Message, "1000") {
		t.Fatalf("long comment: %v", err)
	}
	if _, err := c.Files().Comments(ctx, 987654, 10, 0); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("comments of unknown file: %v", err)
	}

	// Tags.
	tagID, err := c.Files().CreateSystemTag(ctx, "urgent", true, true)
	if err != nil || tagID == 0 {
		t.Fatalf("create tag: %d %v", tagID, err)
	}
	if _, err := c.Files().CreateSystemTag(ctx, "Urgent", true, true); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("duplicate tag: %v", err)
	}
	if err := c.Files().AssignTag(ctx, id, tagID); err != nil {
		t.Fatal(err)
	}
	tags, err := c.Files().Tags(ctx, id)
	if err != nil || len(tags) != 1 || tags[0] != (nextcloud.SystemTag{ID: tagID, Name: "urgent", UserVisible: true, UserAssignable: true, CanAssign: true}) {
		t.Fatalf("file tags: %+v %v", tags, err)
	}
	if all, err := c.Files().SystemTags(ctx); err != nil || len(all) != 1 {
		t.Fatalf("all tags: %+v %v", all, err)
	}
	if err := c.Files().AssignTag(ctx, id, 999); !errors.As(err, &apiErr) || apiErr.Status != 412 {
		t.Fatalf("unknown tag: %v", err)
	}
	if err := c.Files().RemoveTag(ctx, id, tagID); err != nil {
		t.Fatal(err)
	}
	if err := c.Files().RemoveTag(ctx, id, tagID); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}

	// Versions.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	vid, err := srv.AddFileVersion("admin", "Docs/plan.txt", []byte("v1"), old)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := c.Files().Versions(ctx, id)
	if err != nil || len(vs) != 1 || vs[0].ID != vid || vs[0].Size != 2 || !vs[0].Modified.Equal(old) || vs[0].Author != "admin" {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	if err := c.Files().RestoreVersion(ctx, id, vid); err != nil {
		t.Fatal(err)
	}
	got, err := c.Files().Read(ctx, "Docs/plan.txt", 1<<10)
	if err != nil || string(got.Data) != "v1" {
		t.Fatalf("after restore: %q %v", got, err)
	}
	vs, _ = c.Files().Versions(ctx, id)
	if len(vs) != 1 || vs[0].ID == vid || vs[0].Size != int64(len("second draft")) {
		t.Fatalf("versions after restore: %+v", vs)
	}
	if err := c.Files().RestoreVersion(ctx, id, "12345"); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("unknown version: %v", err)
	}
}
