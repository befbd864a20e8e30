package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type newsFolderOut struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	UnreadCount int    `json:"unread_count"`
}

type newsFeedOut struct {
	ID               int64  `json:"id" jsonschema:"feed id for nc_news_list_items"`
	Title            string `json:"title"`
	URL              string `json:"url" jsonschema:"the feed's address"`
	Link             string `json:"link,omitempty" jsonschema:"the site the feed belongs to"`
	FolderID         int64  `json:"folder_id,omitempty"`
	Folder           string `json:"folder,omitempty"`
	UnreadCount      int    `json:"unread_count"`
	Health           string `json:"health" jsonschema:"ok, or failing when its last updates failed"`
	UpdateErrorCount int    `json:"update_error_count" jsonschema:"failed updates in a row"`
	LastUpdateError  string `json:"last_update_error,omitempty"`
	Added            string `json:"added,omitempty"`
}

type newsItemOut struct {
	ID        int64  `json:"id" jsonschema:"article id for nc_news_get_item and nc_news_mark_items"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Author    string `json:"author,omitempty"`
	Published string `json:"published,omitempty"`
	FeedID    int64  `json:"feed_id"`
	Feed      string `json:"feed,omitempty"`
	Unread    bool   `json:"unread"`
	Starred   bool   `json:"starred"`
	Excerpt   string `json:"excerpt,omitempty" jsonschema:"the start of the article as plain text"`
	// Text is the whole article as plain text (nc_news_get_item only).
	Text       string `json:"text,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	Attachment string `json:"attachment,omitempty" jsonschema:"enclosure link (podcast audio, video ...)"`
}

func toNewsItem(it *nextcloud.NewsItem, feeds map[int64]string) newsItemOut {
	out := newsItemOut{ID: it.ID, Title: newsStr(it.Title), URL: newsStr(it.URL), Author: newsStr(it.Author),
		FeedID: it.FeedID, Feed: feeds[it.FeedID], Unread: it.Unread, Starred: it.Starred, Attachment: newsStr(it.EnclosureLink)}
	if it.PubDate != nil {
		out.Published = fmtEpoch(*it.PubDate)
	}
	if out.Title == "" {
		out.Title = "(untitled)"
	}
	return out
}

func newsStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// newsNotFound explains a 404 from News.
func newsNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found (list them with nc_news_list_feeds / nc_news_list_items)")
}

func newsFeedTitles(ctx context.Context, nc *nextcloud.Client) (map[int64]string, *nextcloud.NewsFeeds, error) {
	feeds, err := nc.News().Feeds(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := map[int64]string{}
	for _, f := range feeds.Feeds {
		m[f.ID] = f.Title
	}
	return m, feeds, nil
}

// NewsToolset offers the News feed reader.
func NewsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "news",
		Description: "Nextcloud News: feeds, folders and articles",
		App:         nextcloud.NewsApp,
		Tools: []Tool{
			newsListFeeds(env),
			newsListItems(env),
			newsGetItem(env),
			newsMarkItems(env),
			newsMarkAllRead(env),
			newsStatus(env),
		},
	}
}

// News: folders, feeds with their update health, articles, read/starred.

type newsFeedsIn struct {
	FailingOnly bool `json:"failing_only,omitempty" jsonschema:"only feeds whose last updates failed"`
}

type newsFeedsOut struct {
	Folders      []newsFolderOut `json:"folders"`
	Feeds        []newsFeedOut   `json:"feeds"`
	UnreadCount  int             `json:"unread_count"`
	StarredCount int             `json:"starred_count"`
	FailingFeeds int             `json:"failing_feeds"`
}

func (o newsFeedsOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d feeds in %d folders, %d unread, %d starred, %d failing:\n", len(o.Feeds), len(o.Folders), o.UnreadCount, o.StarredCount, o.FailingFeeds)
	for _, f := range o.Feeds {
		fmt.Fprintf(&b, "- #%d %s", f.ID, f.Title)
		if f.Folder != "" {
			fmt.Fprintf(&b, " [%s]", f.Folder)
		}
		fmt.Fprintf(&b, ", %d unread", f.UnreadCount)
		if f.Health != "ok" {
			fmt.Fprintf(&b, ", FAILING %d times: %s", f.UpdateErrorCount, f.LastUpdateError)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func newsListFeeds(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_news_list_feeds", Title: "List News feeds",
		Description: "List the News folders and subscribed feeds with unread counts and each feed's health: how often its updates failed in a row and the last error.",
		Scope:       "news:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in newsFeedsIn) (newsFeedsOut, error) {
		folders, err := nc.News().Folders(ctx)
		if err != nil {
			return newsFeedsOut{}, err
		}
		feeds, err := nc.News().Feeds(ctx)
		if err != nil {
			return newsFeedsOut{}, err
		}
		names := map[int64]string{}
		out := newsFeedsOut{Folders: []newsFolderOut{}, Feeds: []newsFeedOut{}, StarredCount: feeds.StarredCount}
		unread := map[int64]int{}
		for _, f := range folders {
			names[f.ID] = f.Name
		}
		for i := range feeds.Feeds {
			f := &feeds.Feeds[i]
			out.UnreadCount += f.UnreadCount
			unread[f.Folder()] += f.UnreadCount
			health := "ok"
			if f.UpdateErrorCount > 0 {
				health = "failing"
				out.FailingFeeds++
			}
			if in.FailingOnly && health == "ok" {
				continue
			}
			out.Feeds = append(out.Feeds, newsFeedOut{ID: f.ID, Title: f.Title, URL: f.URL, Link: f.Link,
				FolderID: f.Folder(), Folder: names[f.Folder()], UnreadCount: f.UnreadCount, Health: health,
				UpdateErrorCount: f.UpdateErrorCount, LastUpdateError: f.UpdateError(), Added: fmtEpoch(f.Added)})
		}
		for _, f := range folders {
			out.Folders = append(out.Folders, newsFolderOut{ID: f.ID, Name: f.Name, UnreadCount: unread[f.ID]})
		}
		return out, nil
	})
}

type newsItemsIn struct {
	Filter   string `json:"filter,omitempty" jsonschema:"unread (default), starred or all"`
	FeedID   int64  `json:"feed_id,omitempty" jsonschema:"only this feed (from nc_news_list_feeds)"`
	FolderID int64  `json:"folder_id,omitempty" jsonschema:"only the feeds of this folder"`
	Limit    int    `json:"limit,omitempty" jsonschema:"articles per page, 1-100 (default 20)"`
	Before   int64  `json:"before_item_id,omitempty" jsonschema:"only articles older than this id: pass next_before_item_id of the previous page"`
}

func (in *newsItemsIn) Validate() error {
	switch in.Filter {
	case "", "unread", "starred", "all":
	default:
		return fmt.Errorf("filter must be unread, starred or all, not %q", in.Filter)
	}
	if in.FeedID != 0 && in.FolderID != 0 {
		return fmt.Errorf("give feed_id or folder_id, not both")
	}
	return firstErr(optIDArg("feed_id", in.FeedID), optIDArg("folder_id", in.FolderID),
		optIDArg("before_item_id", in.Before), limitArg("limit", in.Limit, 100))
}

type newsItemsOut struct {
	Items      []newsItemOut `json:"items" jsonschema:"newest first"`
	NextBefore int64         `json:"next_before_item_id,omitempty" jsonschema:"pass as before_item_id for older articles"`
}

func (o newsItemsOut) Summary() string {
	return listSummary(o.Items, "No (more) articles.", fmt.Sprintf("%d articles, newest first:", len(o.Items)), func(it newsItemOut) string {
		flags := ""
		if it.Unread {
			flags += " unread"
		}
		if it.Starred {
			flags += " starred"
		}
		return fmt.Sprintf("- #%d %s (%s, %s%s) %s", it.ID, it.Title, it.Feed, it.Published, flags, it.URL)
	}) + olderHint(len(o.Items), "articles", "before_item_id", o.NextBefore)
}

func newsListItems(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_news_list_items", Title: "List News articles",
		Description: "List News articles, newest first: unread (default), starred or all, from every feed, one feed or one folder, a page at a time (pass next_before_item_id as before_item_id for older ones).",
		Scope:       "news:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in newsItemsIn) (newsItemsOut, error) {
		titles, _, err := newsFeedTitles(ctx, nc)
		if err != nil {
			return newsItemsOut{}, err
		}
		if in.FeedID != 0 {
			if _, ok := titles[in.FeedID]; !ok {
				return newsItemsOut{}, Argf("no feed %d; list feeds with nc_news_list_feeds", in.FeedID)
			}
		}
		if in.FolderID != 0 {
			folders, err := nc.News().Folders(ctx)
			if err != nil {
				return newsItemsOut{}, err
			}
			found := false
			for _, f := range folders {
				found = found || f.ID == in.FolderID
			}
			if !found {
				return newsItemsOut{}, Argf("no folder %d; list folders with nc_news_list_feeds", in.FolderID)
			}
		}
		limit := cmp.Or(in.Limit, 20)
		q := nextcloud.NewsItemQuery{Type: nextcloud.NewsTypeAll, GetRead: in.Filter != "" && in.Filter != "unread", Offset: in.Before}
		switch {
		case in.FeedID != 0:
			q.Type, q.ID = nextcloud.NewsTypeFeed, in.FeedID
		case in.FolderID != 0:
			q.Type, q.ID = nextcloud.NewsTypeFolder, in.FolderID
		case in.Filter == "starred":
			q.Type = nextcloud.NewsTypeStarred
		}
		page, err := nc.News().ItemsPage(ctx, q, limit, in.Filter == "starred" && q.Type != nextcloud.NewsTypeStarred)
		if err != nil {
			return newsItemsOut{}, newsNotFound(err, "feed or folder")
		}
		out := newsItemsOut{Items: []newsItemOut{}, NextBefore: page.NextBefore}
		for i := range page.Items {
			it := toNewsItem(&page.Items[i], titles)
			if b := page.Items[i].Body; b != nil {
				it.Excerpt = clipLine(nextcloud.HTMLText(*b), 300)
			}
			out.Items = append(out.Items, it)
		}
		return out, nil
	})
}

type newsItemIn struct {
	ID       int64 `json:"item_id" jsonschema:"article id, from nc_news_list_items"`
	MaxChars int   `json:"max_chars,omitempty" jsonschema:"cut the text after this many characters (default 20000)"`
}

func (in *newsItemIn) Validate() error {
	return firstErr(idArg("item_id", in.ID, "nc_news_list_items"), optPositiveArg("max_chars", in.MaxChars))
}

type newsItemResult struct {
	Item newsItemOut `json:"item"`
}

func (o newsItemResult) Summary() string {
	it := o.Item
	s := fmt.Sprintf("%s\n%s — %s, %s\n%s\n\n%s", it.Title, it.Feed, it.Author, it.Published, it.URL, it.Text)
	return s + truncatedMark(it.Truncated)
}

func newsGetItem(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_news_get_item", Title: "Read News article",
		Description: "Read one News article in full, its HTML turned into plain text. Reading does not mark it read; use nc_news_mark_items.",
		Scope:       "news:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in newsItemIn) (newsItemResult, error) {
		it, err := nc.News().Item(ctx, in.ID)
		if err != nil {
			return newsItemResult{}, newsNotFound(err, fmt.Sprintf("article %d", in.ID))
		}
		titles, _, err := newsFeedTitles(ctx, nc)
		if err != nil {
			return newsItemResult{}, err
		}
		out := toNewsItem(it, titles)
		out.Text = nextcloud.HTMLText(newsStr(it.Body))
		limit := cmp.Or(in.MaxChars, 20000)
		out.Text, out.Truncated = clipRunes(out.Text, limit)
		return newsItemResult{Item: out}, nil
	})
}

type newsMarkIn struct {
	ItemIDs []int64 `json:"item_ids" jsonschema:"article ids, from nc_news_list_items"`
	Read    *bool   `json:"read,omitempty" jsonschema:"true marks them read, false unread"`
	Starred *bool   `json:"starred,omitempty" jsonschema:"true stars them, false unstars"`
}

func (in *newsMarkIn) Validate() error {
	return firstErr(idsArg("item_ids", in.ItemIDs, 1000), changeArg("read and/or starred", in.Read, in.Starred))
}

type newsMarkOut struct {
	ItemIDs []int64  `json:"item_ids"`
	Changes []string `json:"changes" jsonschema:"what was done: read, unread, star, unstar"`
}

func (o newsMarkOut) Summary() string {
	return fmt.Sprintf("Marked %d articles: %s.", len(o.ItemIDs), strings.Join(o.Changes, ", "))
}

func newsMarkItems(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_news_mark_items", Title: "Mark News articles",
		Description: "Mark News articles read or unread and/or starred or unstarred.",
		Scope:       "news:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in newsMarkIn) (newsMarkOut, error) {
		out := newsMarkOut{ItemIDs: in.ItemIDs, Changes: []string{}}
		var actions []string
		if in.Read != nil {
			actions = append(actions, map[bool]string{true: "read", false: "unread"}[*in.Read])
		}
		if in.Starred != nil {
			actions = append(actions, map[bool]string{true: "star", false: "unstar"}[*in.Starred])
		}
		for _, a := range actions {
			if err := nc.News().Mark(ctx, a, in.ItemIDs); err != nil {
				if len(out.Changes) > 0 {
					err = fmt.Errorf("%w (already done: %s)", err, strings.Join(out.Changes, ", "))
				}
				return newsMarkOut{}, newsNotFound(err, "article")
			}
			out.Changes = append(out.Changes, a)
		}
		return out, nil
	})
}

type newsMarkAllIn struct {
	FeedID   int64 `json:"feed_id,omitempty" jsonschema:"mark this feed's articles read"`
	FolderID int64 `json:"folder_id,omitempty" jsonschema:"mark the articles of this folder's feeds read"`
	All      bool  `json:"all,omitempty" jsonschema:"set to true, without feed_id or folder_id, to mark every article read"`
}

func (in *newsMarkAllIn) Validate() error {
	n := 0
	if in.FeedID != 0 {
		n++
	}
	if in.FolderID != 0 {
		n++
	}
	if in.All {
		n++
	}
	if n != 1 {
		return fmt.Errorf("give exactly one of feed_id, folder_id or all=true")
	}
	return firstErr(optIDArg("feed_id", in.FeedID), optIDArg("folder_id", in.FolderID))
}

type newsMarkAllOut struct {
	Scope        string `json:"scope"`
	NewestItemID int64  `json:"newest_item_id" jsonschema:"articles up to this id were marked read; newer ones arriving meanwhile stay unread"`
	UnreadLeft   int    `json:"unread_left"`
}

func (o newsMarkAllOut) Summary() string {
	return fmt.Sprintf("Marked %s read up to article #%d; %d unread articles left overall.", o.Scope, o.NewestItemID, o.UnreadLeft)
}

func newsMarkAllRead(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_news_mark_all_read", Title: "Mark News feed read",
		Description: "Mark every article of a feed, of a folder, or (all=true) everywhere read, up to the newest article known now.",
		Scope:       "news:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in newsMarkAllIn) (newsMarkAllOut, error) {
		_, feeds, err := newsFeedTitles(ctx, nc)
		if err != nil {
			return newsMarkAllOut{}, err
		}
		typ, id, scope := nextcloud.NewsTypeAll, int64(0), "all articles"
		switch {
		case in.FeedID != 0:
			typ, id, scope = nextcloud.NewsTypeFeed, in.FeedID, fmt.Sprintf("feed %d", in.FeedID)
		case in.FolderID != 0:
			typ, id, scope = nextcloud.NewsTypeFolder, in.FolderID, fmt.Sprintf("folder %d", in.FolderID)
		}
		if err := nc.News().MarkAllRead(ctx, typ, id, feeds.NewestItemID); err != nil {
			return newsMarkAllOut{}, newsNotFound(err, scope)
		}
		out := newsMarkAllOut{Scope: scope, NewestItemID: feeds.NewestItemID}
		if after, err := nc.News().Feeds(ctx); err == nil {
			for _, f := range after.Feeds {
				out.UnreadLeft += f.UnreadCount
			}
		}
		return out, nil
	})
}

type newsStatusOut struct {
	Version        string `json:"version" jsonschema:"the News app's version"`
	CronOK         bool   `json:"cron_ok" jsonschema:"false when Nextcloud's background jobs do not run, so feeds are not updated"`
	DBCharsetOK    bool   `json:"db_charset_ok" jsonschema:"false when the database charset cannot store all article text"`
	Feeds          int    `json:"feeds"`
	FailingFeeds   int    `json:"failing_feeds" jsonschema:"feeds whose last update failed"`
	UnreadArticles int    `json:"unread_articles"`
	Starred        int    `json:"starred_articles"`
}

func (o newsStatusOut) Summary() string {
	s := fmt.Sprintf("News %s: %d feeds (%d failing), %d unread, %d starred articles.", o.Version, o.Feeds, o.FailingFeeds, o.UnreadArticles, o.Starred)
	if !o.CronOK {
		s += " Warning: background jobs are not set up right, so feeds are not updated; an administrator must fix cron."
	}
	if !o.DBCharsetOK {
		s += " Warning: the database charset cannot store all article text."
	}
	return s
}

func newsStatus(env *Env) Tool {
	return NewTool(Spec{Name: "nc_news_status", Title: "News status",
		Description: "Show the state of the News app: its version, whether feeds are being updated (cron) and the database is set up right, and how many feeds, failing feeds, unread and starred articles you have.",
		Scope:       "news:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ noIn) (newsStatusOut, error) {
			st, err := nc.News().Status(ctx)
			if err != nil {
				return newsStatusOut{}, err
			}
			feeds, err := nc.News().Feeds(ctx)
			if err != nil {
				return newsStatusOut{}, err
			}
			out := newsStatusOut{Version: st.Version, CronOK: !st.Warnings.ImproperlyConfiguredCron, DBCharsetOK: !st.Warnings.IncorrectDBCharset,
				Feeds: len(feeds.Feeds), Starred: feeds.StarredCount}
			for _, f := range feeds.Feeds {
				out.UnreadArticles += f.UnreadCount
				if f.UpdateErrorCount > 0 {
					out.FailingFeeds++
				}
			}
			return out, nil
		})
}
