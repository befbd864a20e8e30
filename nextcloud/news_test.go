package nextcloud_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestHTMLText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "plain text &amp; entity", "plain text & entity"},
		{"paragraphs", "<p>one</p><p>two  \n words</p>", "one\n\ntwo words"},
		{"inline", "<p>This is <b>bold</b>, <i>it</i>alic</p>", "This is bold, italic"},
		{"link", `<a href="https://x.org/a">the site</a>`, "the site (https://x.org/a)"},
		{"bare link", `<a href="https://x.org/a">https://x.org/a</a>`, "https://x.org/a"},
		{"mailto", `<a href="mailto:a@b.c">a@b.c</a>`, "a@b.c"},
		{"br", "line<br>break<br/>again", "line\nbreak\nagain"},
		{"lists", "<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol>", "- a\n- b\n\n1. x\n2. y"},
		{"nested list", "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>", "- a\n  - a1\n- b"},
		{"drop", "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><p>kept</p></body></html>", "kept"},
		{"heading", "<h1>Title</h1>text", "Title\n\ntext"},
		{"quote", "<p>said:</p><blockquote><p>hello</p><p>there</p></blockquote><p>end</p>", "said:\n\n> hello\n> \n> there\n\nend"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a | b\nc | d"},
		{"pre", "<pre>  x := 1\n  y := 2</pre>", "x := 1\n  y := 2"},
		{"image", `<img src="a.png" alt="chart">`, "[image: chart]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextcloud.HTMLText(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewsClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	folder := nc.AddNewsFolder("admin", "F")
	feed := nc.AddNewsFeed("admin", folder, "Feed", "https://f.example/rss")
	root := nc.AddNewsFeed("admin", 0, "Root", "https://r.example/rss")
	a := nc.AddNewsArticle(feed, "A", "<p>a</p>", "https://f.example/a", "")
	b := nc.AddNewsArticle(root, "B", "<p>b</p>", "https://r.example/b", "")
	c := nc.Client(t, "admin")
	ctx := context.Background()

	feeds, err := c.News().Feeds(ctx)
	if err != nil || len(feeds.Feeds) != 2 || feeds.NewestItemID != b {
		t.Fatalf("feeds %+v %v", feeds, err)
	}
	if feeds.Feeds[0].Folder() != folder || feeds.Feeds[1].Folder() != 0 || feeds.Feeds[1].UpdateError() != "" {
		t.Fatalf("feed folders %+v", feeds.Feeds)
	}
	it, err := c.News().Item(ctx, a)
	if err != nil || it.ID != a || *it.Title != "A" {
		t.Fatalf("item %+v %v", it, err)
	}
	if _, err := c.News().Item(ctx, b+100); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if err := c.News().Mark(ctx, "star", []int64{a, b}); err != nil {
		t.Fatal(err)
	}
	items, err := c.News().Items(ctx, nextcloud.NewsItemQuery{Type: nextcloud.NewsTypeStarred, GetRead: true})
	if err != nil || len(items) != 2 {
		t.Fatalf("starred %+v %v", items, err)
	}
	if err := c.News().Mark(ctx, "read", []int64{a}); err != nil {
		t.Fatal(err)
	}
	items, err = c.News().Items(ctx, nextcloud.NewsItemQuery{Type: nextcloud.NewsTypeAll})
	if err != nil || len(items) != 1 || items[0].ID != b {
		t.Fatalf("unread %+v %v", items, err)
	}
	if err := c.News().Mark(ctx, "read", []int64{b + 100}); !errors.Is(err, nextcloud.ErrNotFound) || !strings.Contains(err.Error(), "Item not found") {
		t.Fatalf("mark missing: %v", err)
	}
	if err := c.News().Mark(ctx, "explode", []int64{a}); err == nil {
		t.Fatal("unknown action accepted")
	}
	if err := c.News().MarkAllRead(ctx, nextcloud.NewsTypeFolder, folder+1000, b); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("unknown folder: %v", err)
	}
	nc.SetDisabled("news", true)
	if _, err := c.News().Folders(ctx); !errors.Is(err, nextcloud.ErrAppNotEnabled) || !strings.Contains(err.Error(), `"news" (News)`) {
		t.Fatalf("disabled: %v", err)
	}
}

func TestNewsItemsPage(t *testing.T) {
	nc := nctest.New(t)
	feed := nc.AddNewsFeed("admin", 0, "Feed", "https://f.example/rss")
	var ids []int64
	for i := range 150 {
		ids = append(ids, nc.AddNewsArticle(feed, fmt.Sprint("A", i), "<p>a</p>", fmt.Sprint("https://f.example/", i), ""))
	}
	c := nc.Client(t, "admin")
	ctx := context.Background()
	// Two old starred items, far below the first batch of 100.
	if err := c.News().Mark(ctx, "star", []int64{ids[3], ids[10]}); err != nil {
		t.Fatal(err)
	}
	q := nextcloud.NewsItemQuery{Type: nextcloud.NewsTypeFeed, ID: feed, GetRead: true}
	page, err := c.News().ItemsPage(ctx, q, 1, true)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[10] || page.NextBefore != ids[10] {
		t.Fatalf("first starred page %+v %v", page, err)
	}
	q.Offset = page.NextBefore
	page, err = c.News().ItemsPage(ctx, q, 1, true)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[3] || page.NextBefore != 0 {
		t.Fatalf("last starred page %+v %v", page, err)
	}
	q.Offset = 0
	page, err = c.News().ItemsPage(ctx, q, 2, false)
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != ids[149] || page.NextBefore != ids[148] {
		t.Fatalf("plain page %+v %v", page, err)
	}
}
