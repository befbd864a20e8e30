package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// News app, external API v1-3 (docs/api/api-v1-3.md of nextcloud/news):
// plain JSON below /index.php/apps/news/api/v1-3/.

var newsAPI = appAPI{id: "news", name: "News"}

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
func (c *Client) NewsFolders(ctx context.Context) ([]NewsFolder, error) {
	var out struct {
		Folders []NewsFolder `json:"folders"`
	}
	if _, err := newsAPI.call(ctx, c, http.MethodGet, newsBase+"folders", nil, nil, false, &out); err != nil {
		return nil, fmt.Errorf("list News folders: %w", err)
	}
	return out.Folders, nil
}

// NewsFeeds lists the user's feeds with unread counts and update health.
func (c *Client) NewsFeeds(ctx context.Context) (*NewsFeeds, error) {
	var out NewsFeeds
	if _, err := newsAPI.call(ctx, c, http.MethodGet, newsBase+"feeds", nil, nil, false, &out); err != nil {
		return nil, fmt.Errorf("list News feeds: %w", err)
	}
	return &out, nil
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
func (c *Client) NewsItems(ctx context.Context, q NewsItemQuery) ([]NewsItem, error) {
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
	if _, err := newsAPI.call(ctx, c, http.MethodGet, newsBase+"items", v, nil, false, &out); err != nil {
		return nil, fmt.Errorf("list News items: %w", err)
	}
	return out.Items, nil
}

// NewsItem fetches one item. The API has no route for a single item, so
// it asks for the newest item below id+1 and checks that it is the one.
func (c *Client) NewsItem(ctx context.Context, id int64) (*NewsItem, error) {
	if id <= 0 {
		return nil, fmt.Errorf("news item id must be positive")
	}
	items, err := c.NewsItems(ctx, NewsItemQuery{Type: NewsTypeAll, GetRead: true, BatchSize: 1, Offset: id + 1})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 || items[0].ID != id {
		return nil, &Error{Method: http.MethodGet, Path: newsBase + "items", Status: http.StatusNotFound,
			Message: fmt.Sprintf("no News item %d", id), Hint: hintFor(http.StatusNotFound), App: newsAPI.id}
	}
	return &items[0], nil
}

// NewsMark changes the read or starred state of items: action is read,
// unread, star or unstar.
func (c *Client) NewsMark(ctx context.Context, action string, ids []int64) error {
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
		if _, err := newsAPI.call(ctx, c, http.MethodPost, p, nil, nil, false, nil); err != nil {
			return fmt.Errorf("mark News item %d %s: %w", ids[0], newsActionWord(action), err)
		}
		return nil
	}
	body := map[string][]int64{"itemIds": ids}
	if _, err := newsAPI.call(ctx, c, http.MethodPost, newsBase+"items/"+action+"/multiple", nil, body, false, nil); err != nil {
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
func (c *Client) NewsMarkAllRead(ctx context.Context, typ int, id, newestItemID int64) error {
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
	if _, err := newsAPI.call(ctx, c, http.MethodPost, p, nil, map[string]int64{"newestItemId": newestItemID}, false, nil); err != nil {
		return fmt.Errorf("mark News items read: %w", err)
	}
	return nil
}

// HTMLText turns an HTML fragment or document into readable plain text:
// paragraphs and line breaks are kept, lists get dashes, links show their
// target, scripts and styles are dropped.
func HTMLText(src string) string {
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return src
	}
	w := &htmlTextWriter{}
	for _, n := range nodes {
		w.node(n)
	}
	return w.String()
}

type htmlTextWriter struct {
	b       strings.Builder
	pre     int
	pending string // separator waiting for the next text: "", " ", "\n", "\n\n"
	started bool
	listNum []int
}

func (w *htmlTextWriter) String() string { return strings.TrimSpace(w.b.String()) }

func (w *htmlTextWriter) brk(sep string) {
	if !w.started {
		return
	}
	if len(sep) > len(w.pending) || w.pending == " " {
		w.pending = sep
	}
}

func (w *htmlTextWriter) text(s string) {
	if w.pre == 0 {
		s = strings.Join(strings.Fields(s), " ")
		if s == "" {
			return
		}
	}
	if w.started && w.pending != "" {
		w.b.WriteString(w.pending)
	}
	w.pending = ""
	w.b.WriteString(s)
	w.started = true
}

// textWithSpaces keeps word boundaries at the edges of a text node.
func (w *htmlTextWriter) textWithSpaces(s string) {
	if w.pre > 0 {
		w.text(s)
		return
	}
	if s != "" && htmlSpace(s[0]) && w.started && w.pending == "" {
		w.pending = " "
	}
	w.text(s)
	if s != "" && htmlSpace(s[len(s)-1]) && w.started && w.pending == "" {
		w.pending = " "
	}
}

func htmlSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func (w *htmlTextWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func (w *htmlTextWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.textWithSpaces(n.Data)
		return
	case html.DocumentNode:
		w.children(n)
		return
	case html.ElementNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
		return
	case atom.Br:
		w.started = true
		w.b.WriteString(strings.TrimRight(w.pending, " "))
		w.b.WriteString("\n")
		w.pending = ""
		return
	case atom.Hr:
		w.brk("\n\n")
		w.text("----")
		w.brk("\n\n")
		return
	case atom.Img:
		if alt := strings.TrimSpace(htmlAttr(n, "alt")); alt != "" {
			w.text("[image: " + alt + "]")
		}
		return
	case atom.A:
		href := htmlAttr(n, "href")
		start := w.b.Len()
		w.children(n)
		label := strings.TrimSpace(w.b.String()[start:])
		if href != "" && !strings.HasPrefix(href, "#") && !strings.HasPrefix(strings.ToLower(href), "javascript:") && label != href && strings.TrimPrefix(href, "mailto:") != label {
			if label == "" {
				w.text(href)
			} else {
				w.b.WriteString(" (" + href + ")")
			}
		}
		return
	case atom.Pre:
		w.brk("\n\n")
		w.pre++
		w.children(n)
		w.pre--
		w.brk("\n\n")
		return
	case atom.Ul, atom.Ol:
		w.brk("\n")
		w.listNum = append(w.listNum, map[bool]int{true: 1, false: 0}[n.DataAtom == atom.Ol])
		w.children(n)
		w.listNum = w.listNum[:len(w.listNum)-1]
		if len(w.listNum) > 0 {
			w.brk("\n")
		} else {
			w.brk("\n\n")
		}
		return
	case atom.Li:
		w.brk("\n")
		indent := ""
		if d := len(w.listNum); d > 1 {
			indent = strings.Repeat("  ", d-1)
		}
		marker := "- "
		if d := len(w.listNum); d > 0 && w.listNum[d-1] > 0 {
			marker = strconv.Itoa(w.listNum[d-1]) + ". "
			w.listNum[d-1]++
		}
		if w.started {
			w.b.WriteString(w.pending)
		}
		w.pending = ""
		w.b.WriteString(indent + marker)
		w.started = true
		w.children(n)
		w.brk("\n")
		return
	case atom.Td, atom.Th:
		w.children(n)
		w.pending = " | "
		return
	case atom.Tr:
		w.brk("\n")
		w.children(n)
		w.pending = ""
		w.brk("\n")
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.brk("\n\n")
		w.children(n)
		w.brk("\n\n")
		return
	case atom.Blockquote:
		w.brk("\n\n")
		if w.started {
			w.b.WriteString(w.pending)
			w.pending = ""
		}
		start := w.b.Len()
		w.children(n)
		quoted := w.b.String()[start:]
		if strings.TrimSpace(quoted) != "" {
			lines := strings.Split(strings.TrimLeft(quoted, "\n"), "\n")
			for i, l := range lines {
				lines[i] = "> " + l
			}
			prefix := w.b.String()[:start]
			w.b.Reset()
			w.b.WriteString(prefix)
			w.b.WriteString(strings.Join(lines, "\n"))
		}
		w.brk("\n\n")
		return
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Table, atom.Figure, atom.Dl, atom.Dt, atom.Dd, atom.Main, atom.Nav, atom.Aside:
		w.brk("\n\n")
		w.children(n)
		w.brk("\n\n")
		return
	}
	w.children(n)
}
