package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestBookmarksClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	folder := nc.AddBookmarkFolder("admin", "F", -1)
	id := nc.AddBookmark("admin", "https://a.example/", "A", "", []string{"x y"}, folder)
	c := nc.Client(t, "admin").Bookmarks()
	ctx := context.Background()

	b, err := c.Get(ctx, id)
	if err != nil || b.URL != "https://a.example/" || len(b.Folders) != 1 || int64(b.Folders[0]) != folder {
		t.Fatalf("get %+v %v", b, err)
	}
	found, err := c.List(ctx, nextcloud.BookmarkQuery{URL: "https://a.example/"})
	if err != nil || len(found) != 1 || int64(found[0].ID) != id {
		t.Fatalf("by url %+v %v", found, err)
	}
	// A tag with a space travels escaped in the path.
	nc.RecordRequests()
	if err := c.RenameTag(ctx, "x y", "z"); err != nil {
		t.Fatal(err)
	}
	reqs := nc.Requests(func(r nctest.Request) bool { return r.Method == http.MethodPut })
	if len(reqs) != 1 || !strings.HasSuffix(reqs[0].Path, "/tag/x y") {
		t.Fatalf("rename sent %+v", reqs)
	}
	if tags, err := c.Tags(ctx); err != nil || len(tags) != 1 || tags[0] != "z" {
		t.Fatalf("tags %v %v", tags, err)
	}
	// The app's 404 {"status":"error","data":"Not found"} is a missing item.
	_, err = c.Get(ctx, 999)
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.Status != 404 || ne.Message != "Not found" || !errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("missing bookmark: %v", err)
	}
	// A refusal with a list of messages reads them all.
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"status":"error","data":["Unsupported operation","try later"]}`))
		return true
	})
	if err := c.DeleteFolder(ctx, folder); err == nil || !strings.Contains(err.Error(), "Unsupported operation; try later") {
		t.Fatalf("list message: %v", err)
	}
	// An error status inside a 200 answer is an error too.
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"error","data":"Insufficient permissions"}`))
		return true
	})
	if _, err := c.Create(ctx, nextcloud.BookmarkChange{}); err == nil || !strings.Contains(err.Error(), "Insufficient permissions") {
		t.Fatalf("200 error: %v", err)
	}
	nc.SetDisabled("bookmarks", true)
	nc.SetFault(nil)
	if _, err := c.Tags(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("app off: %v", err)
	}
}
