package mcp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// IndexApps are the apps the local index covers.
var IndexApps = []string{"notes", "files", "calendar", "tasks", "contacts", "deck"}

// IndexFreshFor is how old an app's last successful sync may be for the
// index to count as fresh.
const IndexFreshFor = 30 * time.Minute

// IndexAppStatus is the index state of one app for the caller.
type IndexAppStatus struct {
	App         string    `json:"app"`
	Items       int       `json:"items" jsonschema:"indexed items"`
	LastRun     time.Time `json:"last_run,omitzero" jsonschema:"when the last sync ran"`
	LastSuccess time.Time `json:"last_success,omitzero" jsonschema:"when the last successful sync ran: the index is as fresh as this"`
	LastError   string    `json:"last_error,omitempty" jsonschema:"why the last sync failed"`
	Fresh       bool      `json:"fresh" jsonschema:"whether the last success is recent enough to answer searches"`
	Running     bool      `json:"running" jsonschema:"whether a sync of this app is running now"`
}

func age(t time.Time) string {
	return time.Since(t).Round(time.Second).String()
}

// IndexQuery is a search of the caller's index.
type IndexQuery struct {
	Text     string
	Apps     []string
	From, To time.Time
	Limit    int
}

// IndexHit is one result from the index.
type IndexHit struct {
	App     string
	ID      string
	Title   string
	Snippet string
	Extra   string
	Date    time.Time
	URL     string
}

// IndexBackend is the caller's index (the caller comes from ctx).
type IndexBackend interface {
	Status(ctx context.Context) (IndexStatus, error)
	SetPaused(ctx context.Context, paused bool) error
	// Wipe removes the caller's indexed items and sync state.
	Wipe(ctx context.Context) (int64, error)
	Search(ctx context.Context, q IndexQuery) ([]IndexHit, error)
}

// markFresh sets Fresh on each app from its last success.
func markFresh(s *IndexStatus, now time.Time) {
	for i := range s.Apps {
		a := &s.Apps[i]
		a.Fresh = !a.LastSuccess.IsZero() && now.Sub(a.LastSuccess) <= IndexFreshFor
	}
}

type indexPauseOut struct {
	Message string `json:"message"`
}

func (o indexPauseOut) Summary() string { return o.Message }

// IndexToolset offers nc_index_status, nc_index_pause, nc_index_resume
// and nc_index_wipe over env.Index; it is empty without one.
func IndexToolset(env *Env) Toolset {
	ts := Toolset{Name: "index", Description: "Your local search index, kept fresh by background jobs"}
	idx := env.index()
	if idx == nil {
		return ts
	}
	ts.Tools = []Tool{
		indexStatus(idx),
		indexPause(idx),
		indexResume(idx),
		indexWipe(idx),
	}
	return ts
}

// IndexStatus is the caller's index state.
type IndexStatus struct {
	User   string           `json:"user"`
	Paused bool             `json:"paused" jsonschema:"whether syncing is paused"`
	Items  int              `json:"items" jsonschema:"indexed items in all apps"`
	Apps   []IndexAppStatus `json:"apps"`
	// Syncing is false when no background jobs run for the caller.
	Syncing bool   `json:"syncing" jsonschema:"whether background jobs keep the index fresh for this user"`
	Hint    string `json:"hint,omitempty"`
}

// Summary implements Summarizer.
func (s IndexStatus) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Search index of %s: %d items", s.User, s.Items)
	if s.Paused {
		b.WriteString(", syncing paused")
	}
	for _, a := range s.Apps {
		fmt.Fprintf(&b, "\n- %s: %d items, ", a.App, a.Items)
		switch {
		case a.LastSuccess.IsZero() && a.LastError == "":
			b.WriteString("not synced yet")
		case a.LastSuccess.IsZero():
			b.WriteString("never synced")
		default:
			fmt.Fprintf(&b, "synced %s ago", age(a.LastSuccess))
			if !a.Fresh {
				b.WriteString(" (stale)")
			}
		}
		if a.Running {
			b.WriteString("; syncing now")
		}
		if a.LastError != "" {
			fmt.Fprintf(&b, "; last error: %s", a.LastError)
		}
	}
	if s.Hint != "" {
		b.WriteString("\n" + s.Hint)
	}
	return b.String()
}

// indexStatus is nc_index_status (search index status).
func indexStatus(idx IndexBackend) Tool {
	return NewTool(Spec{Name: "nc_index_status", Title: "Search index status", NoClient: true, Kind: Read, Scope: "search:read",
		Description: "Show your local search index: items per app, when each app was last synced (how fresh nc_search answers from it are), the last sync error, and whether syncing is paused."},
		func(ctx context.Context, _ *nextcloud.Client, _ noArgs) (IndexStatus, error) {
			s, err := idx.Status(ctx)
			if err != nil {
				return s, fmt.Errorf("read the search index status: %w", err)
			}
			markFresh(&s, time.Now())
			return s, nil
		})
}

// indexPause is nc_index_pause (pause search index).
func indexPause(idx IndexBackend) Tool {
	return NewTool(Spec{Name: "nc_index_pause", Title: "Pause search index", NoClient: true, Kind: Write, Scope: "search:write",
		Description: "Stop background syncing of your search index. What is indexed stays searchable but grows stale; nc_search then answers live. Undo with nc_index_resume."},
		indexSetPaused(idx, true, "pause", "Index syncing paused; resume it with nc_index_resume."))
}

// indexResume is nc_index_resume (resume search index).
func indexResume(idx IndexBackend) Tool {
	return NewTool(Spec{Name: "nc_index_resume", Title: "Resume search index", NoClient: true, Kind: Write, Scope: "search:write",
		Description: "Resume background syncing of your search index; the next sync catches up with changes made meanwhile."},
		indexSetPaused(idx, false, "resume", "Index syncing resumed; it catches up at the next background run."))
}

// indexSetPaused is the handler of nc_index_pause and nc_index_resume.
func indexSetPaused(idx IndexBackend, paused bool, verb, done string) func(context.Context, *nextcloud.Client, noArgs) (indexPauseOut, error) {
	return func(ctx context.Context, _ *nextcloud.Client, _ noArgs) (indexPauseOut, error) {
		if err := idx.SetPaused(ctx, paused); err != nil {
			return indexPauseOut{}, fmt.Errorf("%s the search index: %w", verb, err)
		}
		return indexPauseOut{Message: done}, nil
	}
}

// indexWipe is nc_index_wipe (wipe search index).
func indexWipe(idx IndexBackend) Tool {
	return NewTool(Spec{Name: "nc_index_wipe", Title: "Wipe search index", NoClient: true, Kind: Destroy, Scope: "search:write",
		Description: "Delete everything in your local search index (nothing in Nextcloud is touched). Unless syncing is paused, the index is rebuilt from scratch at the next background run."},
		func(ctx context.Context, _ *nextcloud.Client, _ noArgs) (indexPauseOut, error) {
			n, err := idx.Wipe(ctx)
			if err != nil {
				return indexPauseOut{}, fmt.Errorf("wipe the search index: %w", err)
			}
			return indexPauseOut{Message: fmt.Sprintf("Removed %d items from your search index.", n)}, nil
		})
}

// Search modes of nc_search.
const (
	searchModeAuto  = "auto"
	searchModeIndex = "index"
	searchModeLive  = "live"
)

// parseSearchDate reads a from/to date through nextcloud.ParseTimeInput
// (YYYY-MM-DD, RFC 3339, or a UTC date-time); a date-only end means the
// end of that day.
func parseSearchDate(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, dateOnly, err := nextcloud.ParseTimeInput(s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	if end && dateOnly {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t, nil
}

// indexAppsFor maps provider ids to index apps; ok is false when some
// provider is not in the index (talk, mail ...).
func indexAppsFor(providers []string) (apps []string, ok bool) {
	for _, p := range providers {
		if !slices.Contains(IndexApps, p) {
			return nil, false
		}
		apps = append(apps, p)
	}
	return apps, true
}

// readableIndexApps keeps of apps (every index app when empty) those whose
// <app>:read scope the caller holds; denied are the ones it does not.
// all is true when apps was empty and nothing was left out, so the search
// need not name the apps.
func readableIndexApps(ctx context.Context, apps []string) (readable, denied []string, all bool) {
	asked := apps
	if len(asked) == 0 {
		asked = IndexApps
	}
	for _, a := range asked {
		if callerMay(ctx, a+":read") {
			readable = append(readable, a)
		} else {
			denied = append(denied, a)
		}
	}
	return readable, denied, len(apps) == 0 && len(denied) == 0
}

func readScopes(apps []string) string {
	s := make([]string, len(apps))
	for i, a := range apps {
		s[i] = a + ":read"
	}
	return strings.Join(s, ", ")
}

// indexFreshness says whether the index is fresh for apps (all when
// empty) and describes it.
func indexFreshness(s IndexStatus, apps []string, now time.Time) (fresh bool, desc string) {
	markFresh(&s, now)
	var oldest time.Time
	fresh = true
	var stale []string
	for _, a := range s.Apps {
		if len(apps) > 0 && !slices.Contains(apps, a.App) {
			continue
		}
		switch {
		case a.Fresh:
			if oldest.IsZero() || a.LastSuccess.Before(oldest) {
				oldest = a.LastSuccess
			}
		case a.LastSuccess.IsZero() && a.LastError != "" && a.LastRun.After(now.Add(-IndexFreshFor)):
			// The app is unavailable (not installed): nothing to index.
		default:
			fresh = false
			stale = append(stale, a.App)
		}
	}
	if oldest.IsZero() && fresh {
		return false, "the index holds nothing for these apps yet"
	}
	if s.Paused {
		fresh = false
	}
	desc = "oldest app synced " + func() string {
		if oldest.IsZero() {
			return "never"
		}
		return now.Sub(oldest).Round(time.Second).String() + " ago"
	}()
	if len(stale) > 0 {
		desc += "; stale or not yet synced: " + strings.Join(stale, ", ")
	}
	if s.Paused {
		desc += "; syncing is paused"
	}
	return fresh, desc
}

// indexSearch answers nc_search from the index.
func indexSearch(ctx context.Context, idx IndexBackend, in searchIn, apps []string, freshness string) (searchOut, error) {
	from, err := parseSearchDate(in.From, false)
	if err != nil {
		return searchOut{}, Argf("from: %v", err)
	}
	to, err := parseSearchDate(in.To, true)
	if err != nil {
		return searchOut{}, Argf("to: %v", err)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	hits, err := idx.Search(ctx, IndexQuery{Text: in.Query, Apps: apps, From: from, To: to, Limit: limit})
	if err != nil {
		return searchOut{}, fmt.Errorf("search the local index: %w", err)
	}
	out := searchOut{Query: in.Query, Results: []searchHit{}, Providers: []searchProviderStatus{}, Source: searchModeIndex, IndexFreshness: freshness}
	for _, h := range hits {
		attrs := map[string]string{"id": h.ID}
		if !h.Date.IsZero() {
			attrs["date"] = h.Date.UTC().Format(time.RFC3339)
		}
		if h.Extra != "" {
			attrs["details"] = h.Extra
		}
		out.Results = append(out.Results, searchHit{Provider: h.App, Title: h.Title, Subline: h.Snippet, URL: h.URL, Attributes: attrs})
	}
	return out, nil
}

// searchWithMode picks the index or live search for nc_search.
func searchWithMode(ctx context.Context, nc *nextcloud.Client, idx IndexBackend, in searchIn) (searchOut, error) {
	mode := in.Mode
	if mode == "" {
		mode = searchModeAuto
	}
	dated := in.From != "" || in.To != ""
	if mode == searchModeLive || idx == nil {
		if mode == searchModeIndex {
			return searchOut{}, errors.New("this server keeps no local search index (it needs ENABLE_OFFLINE_ACCESS); use mode live")
		}
		if dated {
			return searchOut{}, Argf("from/to filter only the local index; leave them out with mode live")
		}
		out, err := liveSearch(ctx, nc, in)
		out.Source = searchModeLive
		if idx == nil {
			out.IndexFreshness = "no local index on this server"
		}
		return out, err
	}
	apps, inIndex := indexAppsFor(in.Providers)
	if !inIndex && mode == searchModeIndex {
		return searchOut{}, Argf("the local index covers only %s; pick among them or use mode live", strings.Join(IndexApps, ", "))
	}
	// The index holds every app's text: answer only from the apps the
	// token may read, as their own tools would.
	readable, denied, all := readableIndexApps(ctx, apps)
	if mode == searchModeIndex && (len(readable) == 0 || (len(apps) > 0 && len(denied) > 0)) {
		return searchOut{}, fmt.Errorf("insufficient_scope: searching %s in the index needs the OAuth scope(s) %s, which your token does not carry; sign in again granting them or search other apps", strings.Join(denied, ", "), readScopes(denied))
	}
	if len(readable) == 0 || (len(apps) > 0 && len(denied) > 0) {
		inIndex = false // auto: live search applies the same rule per provider
	}
	if !all {
		apps = readable
	}
	if mode == searchModeIndex && len(in.Cursors) > 0 {
		return searchOut{}, Argf("cursors page live search; the index returns up to limit results at once")
	}
	st, err := idx.Status(ctx)
	if err != nil && mode == searchModeIndex {
		return searchOut{}, fmt.Errorf("read the local index state: %w", err)
	}
	var fresh bool
	desc := "index unavailable"
	if err == nil {
		fresh, desc = indexFreshness(st, apps, time.Now())
	}
	if mode == searchModeIndex || (inIndex && fresh && len(in.Cursors) == 0) {
		return indexSearch(ctx, idx, in, apps, desc)
	}
	out, lerr := liveSearch(ctx, nc, in)
	out.Source = searchModeLive
	out.IndexFreshness = desc
	if dated {
		out.IndexFreshness += "; from/to were not applied (live search has no date filter)"
	}
	return out, lerr
}
