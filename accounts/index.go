package accounts

import (
	"context"
	"strconv"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// IndexBackend serves the index tools for the signed-in caller; nil
// without an index.
func (o *Offline) IndexBackend() mcp.IndexBackend {
	if o == nil || o.Index == nil {
		return nil
	}
	return indexBackend{o}
}

// indexBackend is mcp.IndexBackend over the token database's index, for
// the signed-in caller only.
type indexBackend struct{ o *Offline }

// indexJobApps maps index job names to the apps they sync.
var indexJobApps = map[string][]string{
	jobs.IndexNotesJob: {storage.AppNotes}, jobs.IndexFilesJob: {storage.AppFiles},
	jobs.IndexCalendarJob: {storage.AppCalendar, storage.AppTasks}, jobs.IndexContactsJob: {storage.AppContacts},
	jobs.IndexDeckJob: {storage.AppDeck},
}

func (b indexBackend) Status(ctx context.Context) (mcp.IndexStatus, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return mcp.IndexStatus{}, err
	}
	st, err := b.o.Index.Status(ctx, user)
	if err != nil {
		return mcp.IndexStatus{}, err
	}
	out := mcp.IndexStatus{User: user, Paused: st.Paused, Items: st.Items}
	running := map[string]bool{}
	if b.o.Runner != nil {
		for _, js := range b.o.Runner.Status(user) {
			for _, app := range indexJobApps[js.Job] {
				running[app] = js.Running
			}
		}
	}
	for _, a := range st.Apps {
		out.Apps = append(out.Apps, mcp.IndexAppStatus{App: a.App, Items: a.Items, LastRun: a.LastRun, LastSuccess: a.LastSuccess, LastError: a.LastError, Running: running[a.App]})
	}
	enrolled := b.o.enrolled(ctx, user)
	out.Syncing = enrolled && !st.Paused
	if !enrolled {
		out.Hint = "background jobs do not run for you: open /oauth/login on this server and grant offline access (nc_auth_grant_offline_access)"
	}
	return out, nil
}

func (b indexBackend) SetPaused(ctx context.Context, paused bool) error {
	user, err := SignedInUser(ctx)
	if err != nil {
		return err
	}
	return b.o.Index.SetPaused(ctx, user, paused)
}

func (b indexBackend) Wipe(ctx context.Context) (int64, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return 0, err
	}
	return b.o.Index.Wipe(ctx, user)
}

func (b indexBackend) Search(ctx context.Context, q mcp.IndexQuery) ([]mcp.IndexHit, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := b.o.Index.Search(ctx, user, storage.IndexQuery{Text: q.Text, Apps: q.Apps, From: q.From, To: q.To, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]mcp.IndexHit, len(hits))
	for i, h := range hits {
		out[i] = mcp.IndexHit{App: h.App, ID: h.ID, Title: h.Title, Snippet: h.Snippet, Extra: h.Extra, Date: h.Date, URL: h.URL}
	}
	return out, nil
}

// IndexState describes user's index for nc_auth_status (AuthStatus.Index).
func (o *Offline) IndexState(ctx context.Context, user string) string {
	if o == nil || o.Index == nil {
		return "no local index on this server"
	}
	st, err := o.Index.Status(ctx, user)
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
