package nextcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Deck API roots. v1.1 differs from v1.0 only in that it also returns
// attachments of type "file" (files shared with a card, Deck >= 1.3).
const (
	deckAPI    = "/index.php/apps/deck/api/v1.0"
	deckAPI11  = "/index.php/apps/deck/api/v1.1"
	deckOCSAPI = "/ocs/v2.php/apps/deck/api/v1.0"
	// DeckCommentMaxLength is Deck's limit for one comment, in characters
	// (IComment::MAX_MESSAGE_LENGTH).
	DeckCommentMaxLength = 1000
	// deckShareType is the files_sharing share type of a file shared with a
	// Deck card (IShare::TYPE_DECK).
	deckShareType = 12
)

// DeckClient calls the Deck app's REST and OCS APIs, all through App.Call.
type DeckClient struct {
	app   App
	cache *DeckCache
}

// Deck returns a Deck API client; cache may be nil (no conditional GETs).
func (c *Client) Deck(cache *DeckCache) *DeckClient {
	return &DeckClient{app: c.AppOf(DeckApp, nil), cache: cache}
}

// deckFail adds what failed to err. Deck answers 403 "Permission denied"
// for ids that do not exist, so as not to leak them: that answer says both.
func deckFail(err error, format string, a ...any) error {
	what := fmt.Sprintf(format, a...)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden && strings.HasPrefix(e.Message, "Permission denied") {
		return fmt.Errorf("%s: it does not exist or you have no access to it: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// get reads a Deck JSON answer, revalidating a cached copy with its ETag.
func (d *DeckClient) get(ctx context.Context, path string, out any) error {
	var body []byte
	r := Request{Method: http.MethodGet, Path: path, Raw: &body}
	key, user := "", d.app.Client().user
	var cached deckCacheEntry
	var haveCached bool
	if d.cache != nil && user != "" {
		key = user + "\x00" + path
		if cached, haveCached = d.cache.get(key); haveCached {
			r.Header = http.Header{"If-None-Match": {cached.etag}}
		}
	}
	rep, err := d.app.Call(ctx, r, nil)
	if err != nil {
		return err
	}
	if rep.Status == http.StatusNotModified {
		if !haveCached {
			return fmt.Errorf("nextcloud GET %s: 304 Not Modified for a request that was not conditional", path)
		}
		body = cached.body
	} else if key != "" {
		d.cache.put(key, rep.Header.Get("ETag"), body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("nextcloud GET %s: unexpected answer: %w", path, err)
	}
	return nil
}

// send makes a change (or an uncached read) through Deck's REST API.
func (d *DeckClient) send(ctx context.Context, method, path string, body, out any) error {
	_, err := d.app.Call(ctx, Request{Method: method, Path: path, Body: body}, out)
	return err
}

// ocs calls Deck's OCS API (comments) or another OCS route for Deck.
func (d *DeckClient) ocs(ctx context.Context, method, path string, query url.Values, body, out any) error {
	_, err := d.app.Call(ctx, Request{Method: method, Path: path, Query: query, Body: body, OCS: true}, out)
	return err
}

func boardPath(boardID int64) string { return fmt.Sprintf("%s/boards/%d", deckAPI, boardID) }

func stackPath(boardID, stackID int64) string {
	return fmt.Sprintf("%s/stacks/%d", boardPath(boardID), stackID)
}

func cardPath(boardID, stackID, cardID int64) string {
	return fmt.Sprintf("%s/cards/%d", stackPath(boardID, stackID), cardID)
}

func cardPath11(boardID, stackID, cardID int64) string {
	return fmt.Sprintf("%s/boards/%d/stacks/%d/cards/%d", deckAPI11, boardID, stackID, cardID)
}

// DeckCache remembers Deck answers with their ETags, so that reading the
// same board or stacks again costs a 304 Not Modified instead of the whole
// board. Entries are per Nextcloud user. Safe for concurrent use.
type DeckCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]deckCacheEntry
	order   []string
}

type deckCacheEntry struct {
	etag string
	body []byte
}

// deckCacheMaxBody keeps huge boards out of the cache.
const deckCacheMaxBody = 2 << 20

// NewDeckCache returns a cache holding up to max answers (default 256).
func NewDeckCache(max int) *DeckCache {
	if max <= 0 {
		max = 256
	}
	return &DeckCache{max: max, entries: map[string]deckCacheEntry{}}
}

func (dc *DeckCache) get(key string) (deckCacheEntry, bool) {
	if dc == nil {
		return deckCacheEntry{}, false
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	e, ok := dc.entries[key]
	return e, ok
}

func (dc *DeckCache) put(key, etag string, body []byte) {
	if dc == nil || etag == "" || len(body) > deckCacheMaxBody {
		return
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if _, ok := dc.entries[key]; !ok {
		dc.order = append(dc.order, key)
	}
	dc.entries[key] = deckCacheEntry{etag: etag, body: body}
	for len(dc.order) > dc.max {
		delete(dc.entries, dc.order[0])
		dc.order = dc.order[1:]
	}
}

// Len reports how many answers are cached.
func (dc *DeckCache) Len() int {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	return len(dc.entries)
}
