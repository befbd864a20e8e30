package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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
	notes []NoteMeta
	// lastModified is the list's Last-Modified: the next refresh asks
	// Nextcloud to send only notes changed since (pruneBefore).
	lastModified time.Time
	updated      time.Time
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
	return slices.Sorted(maps.Keys(set)), true
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

// notesChunk bounds the notes per answer of a refresh.
const notesChunk = 200

// Refresh syncs the note list of nc's user without content. After the
// first run it sends pruneBefore, so unchanged notes come back as bare ids
// and keep their cached title and category; notes missing from the
// answer were deleted.
func (c *NotesCache) Refresh(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	c.mu.RLock()
	prev := map[int64]NoteMeta{}
	var since time.Time
	if e := c.byUser[user]; e != nil {
		for _, n := range e.notes {
			prev[n.ID] = n
		}
		since = e.lastModified
	}
	c.mu.RUnlock()

	notes, lm, complete, err := fetchNotes(ctx, nc, since, prev)
	if err == nil && !complete {
		// A pruned id we do not know: fetch everything once.
		notes, lm, _, err = fetchNotes(ctx, nc, time.Time{}, nil)
	}
	if err != nil {
		if errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
			return fmt.Errorf("the Notes app is not installed or not enabled for %s: %w", user, err)
		}
		return fmt.Errorf("refresh the notes index of %s: %w", user, err)
	}
	sort.SliceStable(notes, func(i, j int) bool {
		if notes[i].Modified != notes[j].Modified {
			return notes[i].Modified > notes[j].Modified
		}
		return notes[i].ID < notes[j].ID
	})
	c.mu.Lock()
	c.byUser[user] = &notesEntry{notes: notes, lastModified: lm, updated: c.now()}
	c.mu.Unlock()
	// Counted for the run's report: notes new or changed, and gone.
	changed, kept := 0, 0
	for _, n := range notes {
		if p, ok := prev[n.ID]; ok {
			kept++
			if p == n {
				continue
			}
		}
		changed++
	}
	Count(ctx, "notes new or changed", changed)
	Count(ctx, "notes gone", len(prev)-kept)
	return nil
}

// fetchNotes lists every chunk; complete is false when a pruned id is not
// in prev.
func fetchNotes(ctx context.Context, nc *nextcloud.Client, since time.Time, prev map[int64]NoteMeta) (notes []NoteMeta, lastModified time.Time, complete bool, err error) {
	opts := nextcloud.NotesListOptions{Exclude: []string{"content"}, ChunkSize: notesChunk}
	if !since.IsZero() {
		opts.PruneBefore = since.Unix()
	}
	full := map[int64]bool{}
	var pruned []int64
	notes = []NoteMeta{}
	for page, err := range nc.Notes().Pages(ctx, opts) {
		if err != nil {
			return nil, time.Time{}, false, err
		}
		if lastModified.IsZero() {
			lastModified = page.LastModified
		}
		for _, n := range page.Notes {
			if !full[n.ID] {
				full[n.ID] = true
				notes = append(notes, NoteMeta{ID: n.ID, Title: n.Title, Category: n.Category, Modified: n.Modified, Favorite: n.Favorite})
			}
		}
		pruned = append(pruned, page.PrunedIDs...)
	}
	for _, id := range pruned {
		if full[id] {
			continue
		}
		m, ok := prev[id]
		if !ok {
			return nil, time.Time{}, false, nil
		}
		full[id] = true
		notes = append(notes, m)
	}
	return notes, lastModified, true, nil
}
