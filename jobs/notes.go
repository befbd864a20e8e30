package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// NoteMeta is what the notes index keeps of a note: no content.
type NoteMeta struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Modified int64  `json:"modified"`
	Favorite bool   `json:"favorite"`
}

type notesEntry struct {
	notes   []NoteMeta
	etag    string
	updated time.Time
}

// NotesCache keeps each user's note titles and categories, refreshed by
// the notes_index job, so listing and searching notes need not wait on
// Nextcloud. It lives in memory only: titles are user data.
type NotesCache struct {
	mu     sync.RWMutex
	byUser map[string]*notesEntry
	now    func() time.Time
}

// NewNotesCache returns an empty cache.
func NewNotesCache() *NotesCache {
	return &NotesCache{byUser: map[string]*notesEntry{}, now: time.Now}
}

// Get returns the cached notes of user (sorted by modification, newest
// first) and when they were fetched; ok is false if never fetched.
func (c *NotesCache) Get(user string) (notes []NoteMeta, updated time.Time, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.byUser[user]
	if !ok {
		return nil, time.Time{}, false
	}
	return append([]NoteMeta(nil), e.notes...), e.updated, true
}

// Search returns the cached notes whose title or category contains every
// word of query (case-insensitive).
func (c *NotesCache) Search(user, query string) ([]NoteMeta, bool) {
	notes, _, ok := c.Get(user)
	if !ok {
		return nil, false
	}
	words := strings.Fields(strings.ToLower(query))
	var out []NoteMeta
	for _, n := range notes {
		hay := strings.ToLower(n.Title + " " + n.Category)
		match := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				match = false
				break
			}
		}
		if match {
			out = append(out, n)
		}
	}
	return out, true
}

// Categories returns the user's distinct note categories, sorted.
func (c *NotesCache) Categories(user string) ([]string, bool) {
	notes, _, ok := c.Get(user)
	if !ok {
		return nil, false
	}
	set := map[string]bool{}
	for _, n := range notes {
		if n.Category != "" {
			set[n.Category] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, true
}

// Forget drops a user's cache (revocation).
func (c *NotesCache) Forget(user string) {
	c.mu.Lock()
	delete(c.byUser, user)
	c.mu.Unlock()
}

// NotesIndexJob is the name of the job Job returns.
const NotesIndexJob = "notes_index"

// Job refreshes the cache of the client's user every interval.
func (c *NotesCache) Job(interval time.Duration) Job {
	return Job{Name: NotesIndexJob, Interval: interval, Timeout: 2 * time.Minute, Run: c.Refresh}
}

// Refresh fetches the note list without content for nc's user; an
// unchanged list (ETag) costs Nextcloud no listing.
func (c *NotesCache) Refresh(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	c.mu.RLock()
	var etag string
	if e := c.byUser[user]; e != nil {
		etag = e.etag
	}
	c.mu.RUnlock()
	h := http.Header{}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	var notes []NoteMeta
	hdr, err := nc.JSON(ctx, http.MethodGet, "/index.php/apps/notes/api/v1/notes", map[string][]string{"exclude": {"content"}}, h, nil, &notes)
	if err != nil {
		if errors.Is(err, nextcloud.ErrNotFound) {
			return fmt.Errorf("the Notes app answers 404 for %s: it is probably not installed or not enabled: %w", user, err)
		}
		return fmt.Errorf("list notes of %s: %w", user, err)
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byUser[user]
	if e == nil {
		e = &notesEntry{}
		c.byUser[user] = e
	}
	// A 304 has no body, so notes stays nil; a real answer is at least [].
	if notes != nil || etag == "" {
		sort.SliceStable(notes, func(i, j int) bool { return notes[i].Modified > notes[j].Modified })
		e.notes = notes
		e.etag = hdr.Get("ETag")
	}
	e.updated = now
	return nil
}
