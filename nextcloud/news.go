package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// News app, external API v1-3 (docs/api/api-v1-3.md of nextcloud/news):
// plain JSON below /index.php/apps/news/api/v1-3/.

// NewsClient is the News app's external API.
type NewsClient struct{ app App }

// News returns the News API of the user.
func (c *Client) News() *NewsClient { return &NewsClient{app: c.AppOf(NewsApp, nil)} }

const newsBase = "/index.php/apps/news/api/v1-3/"

// NewsFolder is a feed folder.
type NewsFolder struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Opened bool   `json:"opened"`
}

// NewsFeed is a subscribed feed with its update health.
type NewsFeed struct {
	ID             int64  `json:"id"`
	URL            string `json:"url"`
	Title          string `json:"title"`
	FaviconLink    string `json:"faviconLink"`
	Added          int64  `json:"added"`
	NextUpdateTime int64  `json:"nextUpdateTime"`
	// FolderID is 0 or null for feeds at the root.
	FolderID    *int64 `json:"folderId"`
	UnreadCount int    `json:"unreadCount"`
	Ordering    int    `json:"ordering"`
	Link        string `json:"link"`
	Pinned      bool   `json:"pinned"`
	// UpdateErrorCount counts failed updates in a row (News 8.6+).
	UpdateErrorCount int `json:"updateErrorCount"`
	// LastUpdateError is the last update's error message, if any.
	LastUpdateError *string `json:"lastUpdateError"`
}

// Folder returns the folder id, 0 for the root.
func (f *NewsFeed) Folder() int64 {
	if f.FolderID == nil {
		return 0
	}
	return *f.FolderID
}

// UpdateError returns the last update error or "".
func (f *NewsFeed) UpdateError() string {
	if f.LastUpdateError == nil {
		return ""
	}
	return *f.LastUpdateError
}

// NewsFeeds is the answer of GET /feeds.
type NewsFeeds struct {
	Feeds        []NewsFeed `json:"feeds"`
	StarredCount int        `json:"starredCount"`
	NewestItemID int64      `json:"newestItemId"`
}

// NewsItem is one article.
type NewsItem struct {
	ID               int64   `json:"id"`
	GUID             string  `json:"guid"`
	GUIDHash         string  `json:"guidHash"`
	URL              *string `json:"url"`
	Title            *string `json:"title"`
	Author           *string `json:"author"`
	PubDate          *int64  `json:"pubDate"`
	Body             *string `json:"body"`
	EnclosureMime    *string `json:"enclosureMime"`
	EnclosureLink    *string `json:"enclosureLink"`
	MediaThumbnail   *string `json:"mediaThumbnail"`
	MediaDescription *string `json:"mediaDescription"`
	FeedID           int64   `json:"feedId"`
	Unread           bool    `json:"unread"`
	Starred          bool    `json:"starred"`
	RTL              bool    `json:"rtl"`
	Fingerprint      *string `json:"fingerprint"`
}

// NewsFolders lists the user's folders.
func (n *NewsClient) Folders(ctx context.Context) ([]NewsFolder, error) {
	var out struct {
		Folders []NewsFolder `json:"folders"`
	}
	if _, err := n.app.Call(ctx, Request{Method: http.MethodGet, Path: newsBase + "folders"}, &out); err != nil {
		return nil, fmt.Errorf("list News folders: %w", err)
	}
	return out.Folders, nil
}

// NewsFeeds lists the user's feeds with unread counts and update health.
func (n *NewsClient) Feeds(ctx context.Context) (*NewsFeeds, error) {
	return fetchOne[NewsFeeds](ctx, n.app, Request{Method: http.MethodGet, Path: newsBase + "feeds"}, "list News feeds")
}

// NewsStatus is the answer of GET /status.
type NewsStatus struct {
	Version  string `json:"version"`
	Warnings struct {
		ImproperlyConfiguredCron bool `json:"improperlyConfiguredCron"`
		IncorrectDBCharset       bool `json:"incorrectDbCharset"`
	} `json:"warnings"`
}

// Status reports the News app's version and its setup warnings.
func (n *NewsClient) Status(ctx context.Context) (*NewsStatus, error) {
	return fetchOne[NewsStatus](ctx, n.app, Request{Method: http.MethodGet, Path: newsBase + "status"}, "get News status")
}

// News item query types.
const (
	NewsTypeFeed    = 0
	NewsTypeFolder  = 1
	NewsTypeStarred = 2
	NewsTypeAll     = 3
)

// NewsItemQuery selects items (GET /items).
type NewsItemQuery struct {
	// Type is NewsTypeFeed, NewsTypeFolder, NewsTypeStarred or NewsTypeAll.
	Type int
	// ID is the feed or folder id (0 for starred and all).
	ID int64
	// GetRead includes read items; false returns only unread ones.
	GetRead bool
	// BatchSize is the page size; -1 or 0 returns all items.
	BatchSize int
	// Offset returns only items with ids below it (newest first) or above
	// it (OldestFirst).
	Offset      int64
	OldestFirst bool
}

// NewsItems lists items, newest first unless OldestFirst.
func (n *NewsClient) Items(ctx context.Context, q NewsItemQuery) ([]NewsItem, error) {
	batch := q.BatchSize
	if batch == 0 {
		batch = -1
	}
	v := url.Values{
		"type":        {strconv.Itoa(q.Type)},
		"id":          {strconv.FormatInt(q.ID, 10)},
		"getRead":     {strconv.FormatBool(q.GetRead)},
		"batchSize":   {strconv.Itoa(batch)},
		"offset":      {strconv.FormatInt(q.Offset, 10)},
		"oldestFirst": {strconv.FormatBool(q.OldestFirst)},
	}
	var out struct {
		Items []NewsItem `json:"items"`
	}
	if _, err := n.app.Call(ctx, Request{Method: http.MethodGet, Path: newsBase + "items", Query: v}, &out); err != nil {
		return nil, fmt.Errorf("list News items: %w", err)
	}
	return out.Items, nil
}

// NewsPage is one page of items, newest first.
type NewsPage struct {
	Items []NewsItem
	// NextBefore is the Offset of the next (older) page; 0 when there is
	// none.
	NextBefore int64
}

// ItemsPage reads up to limit items of q, newest first (q.BatchSize is
// set here). The API cannot ask for the starred items of one feed or
// folder: with starredOnly it pages through q (at most 20 requests) and
// keeps the starred ones.
func (n *NewsClient) ItemsPage(ctx context.Context, q NewsItemQuery, limit int, starredOnly bool) (*NewsPage, error) {
	q.BatchSize = limit
	if starredOnly {
		q.BatchSize = max(limit, 100)
	}
	want := func(it NewsItem) bool { return !starredOnly || it.Starred }
	out := &NewsPage{}
	var lastSeen int64
	exhausted := false
	for round := 0; round < 20 && len(out.Items) < limit; round++ {
		items, err := n.Items(ctx, q)
		if err != nil {
			return nil, err
		}
		seen := 0
		for seen < len(items) && len(out.Items) < limit {
			lastSeen = items[seen].ID
			if want(items[seen]) {
				out.Items = append(out.Items, items[seen])
			}
			seen++
		}
		// A short batch ends the list unless a wanted item of it is left.
		if len(items) < q.BatchSize && !slices.ContainsFunc(items[seen:], want) {
			exhausted = true
			break
		}
		if !starredOnly {
			break
		}
		q.Offset = lastSeen
	}
	if !exhausted && len(out.Items) > 0 {
		out.NextBefore = lastSeen
		if !starredOnly {
			out.NextBefore = out.Items[len(out.Items)-1].ID
		}
	}
	return out, nil
}

// NewsItem fetches one item. The API has no route for a single item, so
// it asks for the newest item below id+1 and checks that it is the one.
func (n *NewsClient) Item(ctx context.Context, id int64) (*NewsItem, error) {
	if id <= 0 {
		return nil, fmt.Errorf("news item id must be positive")
	}
	items, err := n.Items(ctx, NewsItemQuery{Type: NewsTypeAll, GetRead: true, BatchSize: 1, Offset: id + 1})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 || items[0].ID != id {
		return nil, &Error{Method: http.MethodGet, Path: newsBase + "items", Status: http.StatusNotFound,
			Message: fmt.Sprintf("no News item %d", id), Hint: hintFor(http.StatusNotFound), App: n.app.ID}
	}
	return &items[0], nil
}

// NewsMark changes the read or starred state of items: action is read,
// unread, star or unstar.
func (n *NewsClient) Mark(ctx context.Context, action string, ids []int64) error {
	switch action {
	case "read", "unread", "star", "unstar":
	default:
		return fmt.Errorf("unknown News item action %q", action)
	}
	if len(ids) == 0 {
		return nil
	}
	if len(ids) == 1 {
		p := newsBase + "items/" + strconv.FormatInt(ids[0], 10) + "/" + action
		if _, err := n.app.Call(ctx, Request{Method: http.MethodPost, Path: p}, nil); err != nil {
			return fmt.Errorf("mark News item %d %s: %w", ids[0], newsActionWord(action), err)
		}
		return nil
	}
	body := map[string][]int64{"itemIds": ids}
	if _, err := n.app.Call(ctx, Request{Method: http.MethodPost, Path: newsBase + "items/" + action + "/multiple", Body: body}, nil); err != nil {
		return fmt.Errorf("mark %d News items %s: %w", len(ids), newsActionWord(action), err)
	}
	return nil
}

func newsActionWord(action string) string {
	switch action {
	case "star":
		return "starred"
	case "unstar":
		return "unstarred"
	}
	return action
}

// NewsMarkAllRead marks every item up to newestItemID read, in a feed
// (NewsTypeFeed), a folder (NewsTypeFolder) or everywhere (NewsTypeAll).
func (n *NewsClient) MarkAllRead(ctx context.Context, typ int, id, newestItemID int64) error {
	var p string
	switch typ {
	case NewsTypeFeed:
		p = newsBase + "feeds/" + strconv.FormatInt(id, 10) + "/read"
	case NewsTypeFolder:
		p = newsBase + "folders/" + strconv.FormatInt(id, 10) + "/read"
	case NewsTypeAll:
		p = newsBase + "items/read"
	default:
		return fmt.Errorf("cannot mark News items of query type %d read", typ)
	}
	if _, err := n.app.Call(ctx, Request{Method: http.MethodPost, Path: p, Body: map[string]int64{"newestItemId": newestItemID}}, nil); err != nil {
		return fmt.Errorf("mark News items read: %w", err)
	}
	return nil
}
