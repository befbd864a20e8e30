package main

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// indexBackend is mcp.IndexBackend over the token database's index, for
// the signed-in caller only.
type indexBackend struct {
	idx *storage.Index
	// enrolled reports whether background jobs run for user.
	enrolled func(ctx context.Context, user string) bool
	// runner shows which index jobs are running (progress).
	runner *jobs.Runner
}

// indexBackend serves the index tools from the offline state.
func (o *offlineState) indexBackend() *indexBackend {
	return &indexBackend{idx: o.index, runner: o.runner, enrolled: func(ctx context.Context, user string) bool {
		_, err := o.store.Token(ctx, user)
		return err == nil
	}}
}

// indexJobApps maps index job names to the apps they sync.
var indexJobApps = map[string][]string{
	jobs.IndexNotesJob: {storage.AppNotes}, jobs.IndexFilesJob: {storage.AppFiles},
	jobs.IndexCalendarJob: {storage.AppCalendar, storage.AppTasks}, jobs.IndexContactsJob: {storage.AppContacts},
	jobs.IndexDeckJob: {storage.AppDeck},
}

func (b *indexBackend) Status(ctx context.Context) (mcp.IndexStatus, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return mcp.IndexStatus{}, err
	}
	st, err := b.idx.Status(ctx, user)
	if err != nil {
		return mcp.IndexStatus{}, err
	}
	out := mcp.IndexStatus{User: user, Paused: st.Paused, Items: st.Items}
	running := map[string]bool{}
	if b.runner != nil {
		for _, js := range b.runner.Status(user) {
			for _, app := range indexJobApps[js.Job] {
				running[app] = js.Running
			}
		}
	}
	for _, a := range st.Apps {
		out.Apps = append(out.Apps, mcp.IndexAppStatus{App: a.App, Items: a.Items, LastRun: a.LastRun, LastSuccess: a.LastSuccess, LastError: a.LastError, Running: running[a.App]})
	}
	if b.enrolled != nil {
		out.Syncing = b.enrolled(ctx, user) && !st.Paused
		if !b.enrolled(ctx, user) {
			out.Hint = "background jobs do not run for you: open /oauth/login on this server and grant offline access (nc_auth_grant_offline_access)"
		}
	}
	return out, nil
}

func (b *indexBackend) SetPaused(ctx context.Context, paused bool) error {
	user, err := signedInUser(ctx)
	if err != nil {
		return err
	}
	return b.idx.SetPaused(ctx, user, paused)
}

func (b *indexBackend) Wipe(ctx context.Context) (int64, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return 0, err
	}
	return b.idx.Wipe(ctx, user)
}

func (b *indexBackend) Search(ctx context.Context, q mcp.IndexQuery) ([]mcp.IndexHit, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := b.idx.Search(ctx, user, storage.IndexQuery{Text: q.Text, Apps: q.Apps, From: q.From, To: q.To, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]mcp.IndexHit, len(hits))
	for i, h := range hits {
		out[i] = mcp.IndexHit{App: h.App, ID: h.ID, Title: h.Title, Snippet: h.Snippet, Extra: h.Extra, Date: h.Date, URL: h.URL}
	}
	return out, nil
}

// setupIndex opens the search index in db and registers its sync jobs;
// without FTS5 in this build it logs why and leaves search live-only.
func (a *app) setupIndex(ctx context.Context, db *storage.DB, runner *jobs.Runner) (*storage.Index, error) {
	idx, err := db.OpenIndex(ctx)
	if errors.Is(err, storage.ErrNoFTS5) {
		a.log.Error("local search index disabled", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	x := jobs.NewIndexer(idx)
	x.FetchConcurrency = a.cfg.IndexFetchConcurrency
	for _, j := range x.Jobs(a.cfg.JobInterval) {
		if err := runner.Register(j); err != nil {
			return nil, err
		}
	}
	// nc_auth_status shows the index; nc_auth_revoke wipes it.
	o := &offlineState{index: idx}
	a.indexState, a.wipeIndex = o.IndexState, o.WipeIndex
	return idx, nil
}

// IndexState describes user's index for nc_auth_status (AuthStatus.Index).
func (o *offlineState) IndexState(ctx context.Context, user string) string {
	if o == nil || o.index == nil {
		return "no local index on this server"
	}
	st, err := o.index.Status(ctx, user)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	var newest time.Time
	for _, a := range st.Apps {
		if a.LastSuccess.After(newest) {
			newest = a.LastSuccess
		}
	}
	s := "empty"
	if st.Items > 0 || !newest.IsZero() {
		s = strconv.Itoa(st.Items) + " items, last synced " + newest.UTC().Format(time.RFC3339)
	}
	if st.Paused {
		s += ", paused"
	}
	return s
}

// WipeIndex removes user's index (nc_auth_revoke with RevokeOfflineAccess).
func (o *offlineState) WipeIndex(ctx context.Context, user string) error {
	if o == nil || o.index == nil {
		return nil
	}
	_, err := o.index.Wipe(ctx, user)
	return err
}
