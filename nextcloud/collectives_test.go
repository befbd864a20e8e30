package nextcloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestCollectivePageFile(t *testing.T) {
	for _, tc := range []struct {
		page nextcloud.CollectivePage
		want string
	}{
		{nextcloud.CollectivePage{CollectivePath: "Collectives/Wiki", FileName: "Readme.md"}, "Collectives/Wiki/Readme.md"},
		{nextcloud.CollectivePage{CollectivePath: "Collectives/Wiki", FilePath: "Guide", FileName: "Setup.md"}, "Collectives/Wiki/Guide/Setup.md"},
		// Newer servers may leave collectivePath out: the default folder.
		{nextcloud.CollectivePage{FilePath: "A/B", FileName: "C.md"}, "Collectives/Wiki/A/B/C.md"},
	} {
		if got, err := nextcloud.CollectivePageFile(&tc.page, "Wiki"); err != nil || got != tc.want {
			t.Errorf("%+v: got %q, %v, want %q", tc.page, got, err, tc.want)
		}
	}
	// The parts name a WebDAV URL: none may climb out of the collective.
	for _, tc := range []struct {
		page nextcloud.CollectivePage
		name string
	}{
		{nextcloud.CollectivePage{CollectivePath: "Collectives/Wiki", FilePath: "../../Private", FileName: "Readme.md"}, "Wiki"},
		{nextcloud.CollectivePage{CollectivePath: "Collectives/Wiki", FilePath: "Guide", FileName: "%2e%2e"}, "Wiki"},
		{nextcloud.CollectivePage{CollectivePath: "Collectives/../Private", FileName: "Readme.md"}, "Wiki"},
		{nextcloud.CollectivePage{CollectivePath: "Collectives/Wiki"}, "Wiki"},
		{nextcloud.CollectivePage{FileName: "Readme.md"}, ".."},
		{nextcloud.CollectivePage{FileName: "Readme.md"}, "a/b"},
	} {
		got, err := nextcloud.CollectivePageFile(&tc.page, tc.name)
		var unsafe *nextcloud.UnsafeIDError
		if !errors.As(err, &unsafe) {
			t.Errorf("%+v in %q: got %q, %v, want an UnsafeIDError", tc.page, tc.name, got, err)
		}
	}
}

func TestCollectivesClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	ctx := context.Background()
	col, _, err := c.Collectives().Create(ctx, "Docs & Notes", "📚")
	if err != nil || col.Name != "Docs & Notes" || col.Emoji != "📚" || col.Trashed() {
		t.Fatalf("create: %+v %v", col, err)
	}
	if got, ok, err := c.Collectives().Find(ctx, col.ID, false); err != nil || !ok || got.ID != col.ID || got.Name != col.Name {
		t.Fatalf("find: %+v %v %v", got, ok, err)
	}
	if got, ok, err := c.Collectives().Find(ctx, col.ID, true); err != nil || ok || got != nil {
		t.Fatalf("an active collective found in the trash: %+v %v %v", got, ok, err)
	}
	if _, ok, err := c.Collectives().Find(ctx, col.ID+100, false); err != nil || ok {
		t.Fatalf("unknown id found: %v %v", ok, err)
	}
	pages, err := c.Collectives().Pages(ctx, col.ID)
	if err != nil || len(pages) != 1 || pages[0].ParentID != 0 || pages[0].FileName != "Readme.md" {
		t.Fatalf("pages %+v %v", pages, err)
	}
	p, err := c.Collectives().CreatePage(ctx, col.ID, pages[0].ID, "Ünïcode page")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Collectives().WritePageMarkdown(ctx, p, col.Name, "# Hi\n"); err != nil {
		t.Fatal(err)
	}
	md, truncated, err := c.Collectives().PageMarkdown(ctx, p, col.Name, 3)
	if err != nil || md != "# H" || !truncated {
		t.Fatalf("markdown %q %v %v", md, truncated, err)
	}
	if body, ok := nc.CollectiveFile("admin", "Collectives/Docs & Notes/Ünïcode page.md"); !ok || body != "# Hi\n" {
		t.Fatalf("file %q %v", body, ok)
	}
	found, err := c.Collectives().SearchPages(ctx, col.ID, "hi")
	if err != nil || len(found) != 1 || found[0].ID != p.ID {
		t.Fatalf("search %+v %v", found, err)
	}
	if _, err := c.Collectives().Page(ctx, col.ID, p.ID+100); !errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("missing page: %v", err)
	}
	nc.SetDisabled("collectives", true)
	if _, err := c.Collectives().List(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `"collectives" (Collectives)`) {
		t.Fatalf("disabled: %v", err)
	}
}
