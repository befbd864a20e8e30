package mcp

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type newsFixture struct {
	nc                  *nctest.Server
	tech                int64
	goFeed, brokenFeed  int64
	rootFeed            int64
	a1, a2, a3, a4, a5  int64
	bobFeed, bobArticle int64
}

func newsSeed(t *testing.T, opts ...nctest.Option) newsFixture {
	t.Helper()
	nc := commsNC(t, opts...)
	f := newsFixture{nc: nc}
	f.tech = nc.AddNewsFolder("admin", "Tech")
	f.goFeed = nc.AddNewsFeed("admin", f.tech, "Go Blog", "https://go.dev/blog/feed.atom")
	f.brokenFeed = nc.AddNewsFeed("admin", f.tech, "Dead Site", "https://dead.example/rss")
	nc.SetNewsFeedFailing(f.brokenFeed, 7, "cURL error 6: Could not resolve host: dead.example")
	f.rootFeed = nc.AddNewsFeed("admin", 0, "Local News", "https://local.example/feed")
	f.a1 = nc.AddNewsArticle(f.goFeed, "Go 1.25 released", "<p>The <b>Go team</b> is happy to announce <a href=\"https://go.dev/doc/go1.25\">Go 1.25</a>.</p><ul><li>faster</li><li>smaller</li></ul>", "https://go.dev/blog/go1.25", "The Go Team")
	f.a2 = nc.AddNewsArticle(f.rootFeed, "Town fair", "<div>Saturday at noon.<script>track()</script></div>", "https://local.example/fair", "")
	f.a3 = nc.AddNewsArticle(f.goFeed, "Range over func", "<p>Iterators!</p>", "https://go.dev/blog/range-functions", "Russ")
	f.a4 = nc.AddNewsArticle(f.rootFeed, "Road works", "<p>Main street closed.</p>", "https://local.example/road", "")
	f.a5 = nc.AddNewsArticle(f.goFeed, "Generics", "<p>Type parameters.</p>", "https://go.dev/blog/generics", "Ian")
	f.bobFeed = nc.AddNewsFeed("bob", 0, "Bob's feed", "https://bob.example/feed")
	f.bobArticle = nc.AddNewsArticle(f.bobFeed, "Bob only", "<p>private</p>", "https://bob.example/1", "")
	return f
}

func TestNewsToolsetListing(t *testing.T) {
	nc := commsNC(t)
	kinds := map[string]Kind{"nc_news_list_feeds": Read, "nc_news_list_items": Read, "nc_news_get_item": Read,
		"nc_news_mark_items": Write, "nc_news_mark_all_read": Write, "nc_news_status": Read}
	commsCheckToolset(t, nc, "news", kinds, toolScopes("news", kinds))
}

func TestNewsFeedsAndHealth(t *testing.T) {
	f := newsSeed(t)
	c := connectNC(t, f.nc)
	out, res := callRes[newsFeedsOut](t, c, "nc_news_list_feeds", map[string]any{})
	if len(out.Feeds) != 3 || len(out.Folders) != 1 || out.UnreadCount != 5 || out.FailingFeeds != 1 {
		t.Fatalf("feeds %+v", out)
	}
	byID := map[int64]newsFeedOut{}
	for _, fd := range out.Feeds {
		byID[fd.ID] = fd
	}
	if g := byID[f.goFeed]; g.Folder != "Tech" || g.UnreadCount != 3 || g.Health != "ok" || g.FolderID != f.tech {
		t.Fatalf("go feed %+v", g)
	}
	if b := byID[f.brokenFeed]; b.Health != "failing" || b.UpdateErrorCount != 7 || !strings.Contains(b.LastUpdateError, "Could not resolve host") {
		t.Fatalf("broken feed %+v", b)
	}
	if r := byID[f.rootFeed]; r.Folder != "" || r.FolderID != 0 {
		t.Fatalf("root feed %+v", r)
	}
	if out.Folders[0].Name != "Tech" || out.Folders[0].UnreadCount != 3 {
		t.Fatalf("folders %+v", out.Folders)
	}
	if !strings.Contains(resultText(res), "FAILING 7 times") {
		t.Fatalf("summary %s", resultText(res))
	}
	decodeStructured(t, callTool(t, c, "nc_news_list_feeds", map[string]any{"failing_only": true}), &out)
	if len(out.Feeds) != 1 || out.Feeds[0].ID != f.brokenFeed {
		t.Fatalf("failing only %+v", out.Feeds)
	}
}

func TestNewsItemsPagingAndMarking(t *testing.T) {
	f := newsSeed(t)
	c := connectNC(t, f.nc)

	page := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"limit": 2})
	if len(page.Items) != 2 || page.Items[0].ID != f.a5 || page.Items[1].ID != f.a4 || page.NextBefore != f.a4 {
		t.Fatalf("page 1 %+v", page)
	}
	if page.Items[0].Feed != "Go Blog" || page.Items[0].Excerpt != "Type parameters." || !page.Items[0].Unread {
		t.Fatalf("item %+v", page.Items[0])
	}
	decodeStructured(t, callTool(t, c, "nc_news_list_items", map[string]any{"limit": 2, "before_item_id": page.NextBefore}), &page)
	if len(page.Items) != 2 || page.Items[0].ID != f.a3 || page.Items[1].ID != f.a2 {
		t.Fatalf("page 2 %+v", page)
	}
	last := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"limit": 2, "before_item_id": page.NextBefore})
	if len(last.Items) != 1 || last.Items[0].ID != f.a1 || last.NextBefore != 0 {
		t.Fatalf("page 3 %+v", last)
	}
	if !strings.Contains(last.Items[0].Excerpt, "Go team is happy to announce Go 1.25 (https://go.dev/doc/go1.25).") {
		t.Fatalf("excerpt %q", last.Items[0].Excerpt)
	}

	// Per feed and per folder.
	feedItems := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"feed_id": f.rootFeed})
	if len(feedItems.Items) != 2 || feedItems.Items[0].ID != f.a4 {
		t.Fatalf("root feed items %+v", feedItems)
	}
	decodeStructured(t, callTool(t, c, "nc_news_list_items", map[string]any{"folder_id": f.tech}), &feedItems)
	if len(feedItems.Items) != 3 {
		t.Fatalf("folder items %+v", feedItems)
	}

	// Mark read and starred, then filter.
	mark := call[newsMarkOut](t, c, "nc_news_mark_items", map[string]any{"item_ids": []int64{f.a1, f.a4}, "read": true, "starred": true})
	if strings.Join(mark.Changes, ",") != "read,star" {
		t.Fatalf("changes %v", mark.Changes)
	}
	if unread, starred := f.nc.NewsItemState(f.a1); unread || !starred {
		t.Fatalf("a1 unread %v starred %v", unread, starred)
	}
	decodeStructured(t, callTool(t, c, "nc_news_mark_items", map[string]any{"item_ids": []int64{f.a4}, "read": false}), &mark)
	if unread, _ := f.nc.NewsItemState(f.a4); !unread {
		t.Fatal("a4 still read")
	}
	starred := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"filter": "starred"})
	if len(starred.Items) != 2 || starred.Items[0].ID != f.a4 || starred.Items[1].ID != f.a1 {
		t.Fatalf("starred %+v", starred)
	}
	decodeStructured(t, callTool(t, c, "nc_news_list_items", map[string]any{"filter": "starred", "feed_id": f.goFeed}), &starred)
	if len(starred.Items) != 1 || starred.Items[0].ID != f.a1 {
		t.Fatalf("starred in go feed %+v", starred)
	}
	unread := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"feed_id": f.goFeed})
	if len(unread.Items) != 2 {
		t.Fatalf("unread in go feed %+v", unread)
	}
	all := call[newsItemsOut](t, c, "nc_news_list_items", map[string]any{"feed_id": f.goFeed, "filter": "all"})
	if len(all.Items) != 3 {
		t.Fatalf("all in go feed %+v", all)
	}

	// Mark a feed, then everything, read.
	ma := call[newsMarkAllOut](t, c, "nc_news_mark_all_read", map[string]any{"feed_id": f.goFeed})
	if ma.UnreadLeft != 2 {
		t.Fatalf("after feed read %+v", ma)
	}
	decodeStructured(t, callTool(t, c, "nc_news_mark_all_read", map[string]any{"folder_id": f.tech}), &ma)
	decodeStructured(t, callTool(t, c, "nc_news_mark_all_read", map[string]any{"all": true}), &ma)
	if ma.UnreadLeft != 0 {
		t.Fatalf("after all read %+v", ma)
	}
	if unread, _ := f.nc.NewsItemState(f.bobArticle); !unread {
		t.Fatal("marking all read touched another user's article")
	}
}

func TestNewsGetItem(t *testing.T) {
	f := newsSeed(t)
	c := connectNC(t, f.nc)
	out := call[newsItemResult](t, c, "nc_news_get_item", map[string]any{"item_id": f.a1})
	want := "The Go team is happy to announce Go 1.25 (https://go.dev/doc/go1.25).\n\n- faster\n- smaller"
	if out.Item.Text != want || out.Item.Author != "The Go Team" || out.Item.Feed != "Go Blog" {
		t.Fatalf("item %+v\ntext %q", out.Item, out.Item.Text)
	}
	if unread, _ := f.nc.NewsItemState(f.a1); !unread {
		t.Fatal("reading marked the article read")
	}
	decodeStructured(t, callTool(t, c, "nc_news_get_item", map[string]any{"item_id": f.a2}), &out)
	if out.Item.Text != "Saturday at noon." {
		t.Fatalf("script not dropped: %q", out.Item.Text)
	}
	decodeStructured(t, callTool(t, c, "nc_news_get_item", map[string]any{"item_id": f.a1, "max_chars": 7}), &out)
	if out.Item.Text != "The Go " || !out.Item.Truncated {
		t.Fatalf("truncated %+v", out.Item)
	}
}

func TestNewsBadInput(t *testing.T) {
	f := newsSeed(t)
	c := connectNC(t, f.nc)
	cases := []badCall{
		{"nc_news_get_item", map[string]any{}, []string{"item_id"}},
		{"nc_news_get_item", map[string]any{"item_id": "one"}, []string{"item_id"}},
		{"nc_news_get_item", map[string]any{"item_id": 0}, []string{"item_id"}},
		{"nc_news_get_item", map[string]any{"item_id": 99999}, []string{"article 99999 not found"}},
		{"nc_news_get_item", map[string]any{"item_id": f.bobArticle}, []string{"not found"}},
		{"nc_news_list_items", map[string]any{"filter": "new"}, []string{"unread, starred or all"}},
		{"nc_news_list_items", map[string]any{"feed_id": 1, "folder_id": 2}, []string{"not both"}},
		{"nc_news_list_items", map[string]any{"feed_id": 4242}, []string{"no feed 4242"}},
		{"nc_news_list_items", map[string]any{"folder_id": 4242}, []string{"no folder 4242"}},
		{"nc_news_list_items", map[string]any{"limit": 1000}, []string{"limit"}},
		{"nc_news_mark_items", map[string]any{"item_ids": []int64{f.a1}}, []string{"read and/or starred"}},
		{"nc_news_mark_items", map[string]any{"item_ids": []int64{}, "read": true}, []string{"item_ids is empty"}},
		{"nc_news_mark_items", map[string]any{"item_ids": "1", "read": true}, []string{"item_ids"}},
		{"nc_news_mark_items", map[string]any{"item_ids": []int64{77777}, "read": true}, []string{"not found", "404"}},
		{"nc_news_mark_all_read", map[string]any{}, []string{"exactly one"}},
		{"nc_news_mark_all_read", map[string]any{"feed_id": 4242}, []string{"feed 4242 not found"}},
		{"nc_news_mark_all_read", map[string]any{"feed_id": f.goFeed, "all": true}, []string{"exactly one"}},
	}
	wantBadCalls(t, c, cases)
}

func TestNewsServerErrorsAndMissingApp(t *testing.T) {
	f := newsSeed(t)
	calls := []toolCall{
		{"nc_news_list_feeds", map[string]any{}},
		{"nc_news_list_items", map[string]any{}},
		{"nc_news_get_item", map[string]any{"item_id": f.a1}},
		{"nc_news_mark_items", map[string]any{"item_ids": []int64{f.a1}, "read": true}},
		{"nc_news_mark_all_read", map[string]any{"all": true}},
		{"nc_news_status", map[string]any{}},
	}
	appMissingChecks(t, f.nc, "news", "News", "/index.php/apps/news/", calls, func() any {
		unread, starred := f.nc.NewsItemState(f.a1)
		return [2]bool{unread, starred}
	})
}

func TestNewsStatus(t *testing.T) {
	f := newsSeed(t)
	c := connectNC(t, f.nc)
	out, res := callRes[newsStatusOut](t, c, "nc_news_status", map[string]any{})
	if out.Version == "" || !out.CronOK || !out.DBCharsetOK || out.Feeds != 3 || out.FailingFeeds != 1 || out.UnreadArticles != 5 {
		t.Fatalf("status %+v", out)
	}
	if strings.Contains(resultText(res), "Warning") {
		t.Fatalf("summary warns without cause: %s", resultText(res))
	}
	f.nc.SetNewsCronBroken(true)
	out = newsStatusOut{}
	res = callTool(t, c, "nc_news_status", map[string]any{})
	decodeStructured(t, res, &out)
	if out.CronOK || !strings.Contains(resultText(res), "cron") {
		t.Fatalf("broken cron not reported: %+v %s", out, resultText(res))
	}
	wantError(t, callTool(t, c, "nc_news_status", map[string]any{"verbose": true}), "verbose")
}
