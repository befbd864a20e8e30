package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Indexer keeps each user's full-text index (storage.Index) in step with
// Nextcloud: one job per app, each an incremental sync that skips what did
// not change (notes by pruneBefore and ETag, files by folder ETags,
// calendars and address books by collection sync token, else object ETags,
// Deck by card ETags) and removes what was deleted.
type Indexer struct {
	idx *storage.Index
	now func() time.Time
	// MaxFileBytes bounds the text files whose content is indexed.
	MaxFileBytes int64
	// FetchConcurrency bounds the file reads of the files index in flight.
	FetchConcurrency int
	// deck caches Deck answers (ETags) between runs.
	deck     *nextcloud.DeckCache
	dav      *nextcloud.DAVCache
	davOnce  sync.Once
	deckOnce sync.Once
}

// DefaultFetchConcurrency is FetchConcurrency unless configured.
const DefaultFetchConcurrency = 8

// NewIndexer returns an Indexer writing to idx.
func NewIndexer(idx *storage.Index) *Indexer {
	return &Indexer{idx: idx, now: time.Now, MaxFileBytes: 256 << 10, FetchConcurrency: DefaultFetchConcurrency}
}

// Index is the index the jobs write.
func (x *Indexer) Index() *storage.Index { return x.idx }

// Index job names, one per app.
const (
	IndexNotesJob    = "index_notes"
	IndexFilesJob    = "index_files"
	IndexCalendarJob = "index_calendar"
	IndexContactsJob = "index_contacts"
	IndexDeckJob     = "index_deck"
)

// Jobs returns the index sync jobs, each running every interval.
func (x *Indexer) Jobs(interval time.Duration) []Job {
	mk := func(name string, sync func(context.Context, *nextcloud.Client) error, apps ...string) Job {
		return Job{Name: name, Interval: interval, Timeout: 10 * time.Minute, Run: func(ctx context.Context, nc *nextcloud.Client) error {
			return x.run(ctx, nc, sync, apps...)
		}}
	}
	return []Job{
		mk(IndexNotesJob, x.SyncNotes, storage.AppNotes),
		mk(IndexFilesJob, x.SyncFiles, storage.AppFiles),
		mk(IndexCalendarJob, x.SyncCalendars, storage.AppCalendar, storage.AppTasks),
		mk(IndexContactsJob, x.SyncContacts, storage.AppContacts),
		mk(IndexDeckJob, x.SyncDeck, storage.AppDeck),
	}
}

// run skips paused users and records the outcome per app.
func (x *Indexer) run(ctx context.Context, nc *nextcloud.Client, sync func(context.Context, *nextcloud.Client) error, apps ...string) error {
	user := nc.User()
	if user == "" {
		return errors.New("index sync: the client has no user")
	}
	paused, err := x.idx.Paused(ctx, user)
	if err != nil {
		return err
	}
	if paused {
		return nil
	}
	start := x.now()
	runErr := sync(ctx, nc)
	if ctx.Err() != nil && runErr != nil {
		return runErr
	}
	for _, app := range apps {
		if err := x.idx.RecordSync(ctx, user, app, start, runErr); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}

func appLink(nc *nextcloud.Client, path string) string {
	u := nc.BaseURL()
	u.Path = strings.TrimRight(u.Path, "/") + path
	return u.String()
}

// notesBatch is the chunk size of note listings and index writes.
const notesBatch = 200

// SyncNotes brings the notes of nc's user into the index. After a first
// full listing it asks only for notes changed since the last listing
// (pruneBefore), so an unchanged account costs one request; notes absent
// from the answer were deleted.
func (x *Indexer) SyncNotes(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	known, err := x.idx.ETags(ctx, user, storage.AppNotes, "")
	if err != nil {
		return err
	}
	state, err := x.idx.SyncState(ctx, user, storage.AppNotes)
	if err != nil {
		return err
	}
	since, _ := strconv.ParseInt(state["last_modified"], 10, 64)
	if len(known) == 0 {
		since = 0
	}
	err = x.syncNotes(ctx, nc, known, since)
	if errors.Is(err, errResync) {
		err = x.syncNotes(ctx, nc, known, 0)
	}
	if err != nil {
		if errors.Is(err, nextcloud.ErrNotFound) || errors.Is(err, nextcloud.ErrAppNotEnabled) {
			return fmt.Errorf("index notes of %s: the Notes app is not installed or not enabled: %w", user, err)
		}
		return fmt.Errorf("index notes of %s: %w", user, err)
	}
	return nil
}

// errResync asks for a listing without pruneBefore: a pruned note was not
// in the index.
var errResync = errors.New("index out of step; full listing needed")

func (x *Indexer) syncNotes(ctx context.Context, nc *nextcloud.Client, known map[string]string, since int64) error {
	user := nc.User()
	opts := nextcloud.NotesListOptions{ChunkSize: notesBatch, PruneBefore: since}
	seen := map[string]bool{}
	var lastModified time.Time
	for page, err := range nc.Notes().Pages(ctx, opts) {
		if err != nil {
			return err
		}
		if lastModified.IsZero() {
			lastModified = page.LastModified
		}
		var ch storage.IndexChange
		ch.App = storage.AppNotes
		for _, n := range page.Notes {
			id := strconv.FormatInt(n.ID, 10)
			seen[id] = true
			if known[id] == n.ETag && n.ETag != "" {
				continue
			}
			ch.Upsert = append(ch.Upsert, storage.IndexItem{ID: id, Title: n.Title, Body: n.Content, Extra: n.Category,
				Date: n.ModifiedTime(), ETag: n.ETag, URL: appLink(nc, "/apps/notes/note/"+id)})
		}
		for _, p := range page.PrunedIDs {
			id := strconv.FormatInt(p, 10)
			if _, ok := known[id]; !ok && !seen[id] {
				return errResync
			}
			seen[id] = true
		}
		if len(ch.Upsert) > 0 {
			if err := x.apply(ctx, user, ch); err != nil {
				return err
			}
		}
	}
	ch := storage.IndexChange{App: storage.AppNotes, State: map[string]string{}}
	for id := range known {
		if !seen[id] {
			ch.Delete = append(ch.Delete, id)
		}
	}
	if !lastModified.IsZero() {
		ch.State["last_modified"] = strconv.FormatInt(lastModified.Unix(), 10)
	}
	return x.apply(ctx, user, ch)
}

// apply writes ch to the index and counts it for the run's report.
func (x *Indexer) apply(ctx context.Context, user string, ch storage.IndexChange) error {
	if err := x.idx.Apply(ctx, user, ch); err != nil {
		return err
	}
	Count(ctx, "indexed", len(ch.Upsert))
	Count(ctx, "removed", len(ch.Delete))
	return nil
}
