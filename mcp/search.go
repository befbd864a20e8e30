package mcp

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

const (
	searchDefaultTimeout = 10 * time.Second
	searchMaxTimeout     = 60
	searchMaxLimit       = 25
	searchParallel       = 6
)

type searchProviderInfo struct {
	ID      string   `json:"id" jsonschema:"provider id to pass to nc_search"`
	Name    string   `json:"name" jsonschema:"display name"`
	App     string   `json:"app" jsonschema:"the Nextcloud app offering it"`
	Filters []string `json:"filters,omitempty" jsonschema:"filters the provider supports"`
}

type searchHit struct {
	Provider   string            `json:"provider" jsonschema:"id of the provider that found it"`
	Title      string            `json:"title"`
	Subline    string            `json:"subline,omitempty"`
	URL        string            `json:"url,omitempty" jsonschema:"link to the item in Nextcloud"`
	Attributes map[string]string `json:"attributes,omitempty" jsonschema:"provider specific details (file id, path, conversation token ...)"`
}

type searchProviderStatus struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Status is ok, timeout, error or unknown.
	Status     string `json:"status" jsonschema:"ok, timeout, error or unknown"`
	Error      string `json:"error,omitempty"`
	Count      int    `json:"count"`
	NextCursor string `json:"next_cursor,omitempty" jsonschema:"pass in cursors to get the provider's next page"`
	ElapsedMS  int64  `json:"elapsed_ms"`
}

// liveSearch runs a unified search over the providers in, asking them
// concurrently; a provider that fails or times out is reported, not fatal.
func liveSearch(ctx context.Context, nc *nextcloud.Client, in searchIn) (searchOut, error) {
	out := searchOut{Query: in.Query, Results: []searchHit{}, Providers: []searchProviderStatus{}}
	all, err := nc.Search().Providers(ctx)
	if err != nil {
		return out, err
	}
	known := map[string]nextcloud.SearchProvider{}
	ids := make([]string, 0, len(all))
	for _, p := range all {
		known[p.ID] = p
		ids = append(ids, p.ID)
	}
	wanted := in.Providers
	if len(wanted) == 0 && len(in.Cursors) > 0 {
		for p := range in.Cursors {
			wanted = append(wanted, p)
		}
		sort.Strings(wanted)
	} else if len(wanted) > 0 {
		for p := range in.Cursors {
			if !slices.Contains(wanted, p) {
				wanted = append(wanted, p)
			}
		}
	}
	if len(wanted) == 0 {
		wanted = ids
	}
	limit := cmp.Or(in.Limit, 5)
	var queries []nextcloud.ProviderQuery
	var unknown, denied, skipped []string
	seen := map[string]bool{}
	for _, id := range wanted {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := known[id]; !ok {
			unknown = append(unknown, id)
			continue
		}
		if app := providerScopeApp(known[id]); app != "" && !callerMay(ctx, app+":read") {
			if slices.Contains(in.Providers, id) {
				denied = append(denied, app+":read")
			}
			skipped = append(skipped, app+":read")
			continue
		}
		queries = append(queries, nextcloud.ProviderQuery{ProviderID: id,
			SearchQuery: nextcloud.SearchQuery{Term: in.Query, Limit: limit, Cursor: in.Cursors[id]}})
	}
	if len(queries) == 0 && len(unknown) == 0 && len(skipped) > 0 {
		denied = skipped
	}
	if len(denied) > 0 {
		slices.Sort(denied)
		return out, fmt.Errorf("insufficient_scope: these providers search apps your token may not read; they need the OAuth scope(s) %s; sign in again granting them or leave those providers out", strings.Join(slices.Compact(denied), ", "))
	}
	if len(unknown) > 0 && len(queries) == 0 {
		return out, Argf("unknown search provider(s) %s; this Nextcloud offers: %s", strings.Join(unknown, ", "), strings.Join(ids, ", "))
	}
	timeout := searchDefaultTimeout
	if in.TimeoutSeconds > 0 {
		timeout = time.Duration(in.TimeoutSeconds) * time.Second
	}
	base := nc.BaseURL()
	for _, o := range nc.Search().Many(ctx, queries, timeout, searchParallel) {
		st := searchProviderStatus{ID: o.ProviderID, Name: known[o.ProviderID].Name, Status: "ok", ElapsedMS: o.Elapsed.Milliseconds()}
		switch {
		case o.TimedOut:
			st.Status = "timeout"
			st.Error = fmt.Sprintf("no answer within %s; try it alone or with a longer timeout_seconds", timeout)
			out.TimedOut = append(out.TimedOut, o.ProviderID)
		case o.Err != nil:
			st.Status = "error"
			st.Error = ErrorText(o.Err)
			out.Failed = append(out.Failed, o.ProviderID)
		default:
			st.Count = len(o.Result.Entries)
			if o.Result.IsPaginated && o.Result.Cursor != "" && st.Count >= limit {
				st.NextCursor = string(o.Result.Cursor)
			}
			for _, e := range o.Result.Entries {
				out.Results = append(out.Results, searchHit{Provider: o.ProviderID, Title: e.Title, Subline: e.Subline,
					URL: searchLinkURL(base, e.ResourceURL), Attributes: e.Attributes})
			}
		}
		out.Providers = append(out.Providers, st)
	}
	for _, id := range unknown {
		out.Providers = append(out.Providers, searchProviderStatus{ID: id, Status: "unknown",
			Error: "this Nextcloud has no such search provider; see nc_search_providers"})
		out.Failed = append(out.Failed, id)
	}
	if bad := len(out.Failed) + len(out.TimedOut); bad > 0 && bad < len(out.Providers) {
		warnPartial(ctx, "nc_search", fmt.Sprintf("%d of %d search providers answered; failed or unknown: %s; timed out: %s",
			len(out.Providers)-bad, len(out.Providers), cmp.Or(strings.Join(out.Failed, ", "), "none"), cmp.Or(strings.Join(out.TimedOut, ", "), "none")))
	}
	return out, nil
}

// searchLinkURL resolves a link Nextcloud gave relative to its host.
func searchLinkURL(base *url.URL, link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.IsAbs() {
		return link
	}
	if !strings.HasPrefix(link, "/") {
		// Relative to the Nextcloud root, not the host.
		b := *base
		b.Path = strings.TrimRight(b.Path, "/") + "/"
		return b.ResolveReference(u).String()
	}
	return base.ResolveReference(u).String()
}

// SearchToolset offers Nextcloud's unified search across apps.
func SearchToolset(env *Env) Toolset { return searchToolset(env, env.index()) }

// providerScopeApp is the app whose <app>:read scope a unified search
// provider's results need ("" for providers of no such app, e.g.
// settings): the same data its own tools guard.
func providerScopeApp(p nextcloud.SearchProvider) string {
	app := p.AppID
	switch app {
	case "spreed":
		return "talk"
	case "comments", "fulltextsearch":
		return "files"
	}
	if !slices.Contains(scopedApps, app) {
		app, _, _ = strings.Cut(p.ID, "-")
	}
	if slices.Contains(scopedApps, app) {
		return app
	}
	return ""
}

// scopedApps are the apps with <app>:read scopes whose data unified
// search can return.
var scopedApps = []string{"notes", "files", "calendar", "tasks", "contacts", "deck", "tables", "cookbook", "talk", "mail", "news", "collectives"}

// searchToolset is SearchToolset with nc_search also answering from the
// local index idx (nil: live only).
func searchToolset(env *Env, idx IndexBackend) Toolset {
	return Toolset{
		Name:        "search",
		Description: "Nextcloud unified search across files, Talk, mail, news, collectives and other apps",
		Tools: []Tool{
			searchProviders(env, idx),
			search(env, idx),
		},
	}
}

type searchProvidersIn struct{}

type searchProvidersOut struct {
	Providers []searchProviderInfo `json:"providers"`
}

func (o searchProvidersOut) Summary() string {
	return listSummary(o.Providers, "This Nextcloud offers no unified search providers.", fmt.Sprintf("%d search providers:", len(o.Providers)),
		func(p searchProviderInfo) string { return fmt.Sprintf("- %s: %s (app %s)", p.ID, p.Name, p.App) })
}

// searchProviders is nc_search_providers (list search providers).
func searchProviders(env *Env, idx IndexBackend) Tool {
	return NewTool(Spec{
		Name: "nc_search_providers", Title: "List search providers",
		Description: "List the unified search providers this Nextcloud offers (files, talk-message, mail, ...), with the ids nc_search accepts.",
		Scope:       "search:read", Kind: Read,
	},
		func(ctx context.Context, nc *nextcloud.Client, _ searchProvidersIn) (searchProvidersOut, error) {
			ps, err := nc.Search().Providers(ctx)
			if err != nil {
				return searchProvidersOut{}, err
			}
			return searchProvidersOut{Providers: mapAll(ps, func(p *nextcloud.SearchProvider) searchProviderInfo {
				return searchProviderInfo{ID: p.ID, Name: p.Name, App: p.AppID, Filters: p.Filters.Names()}
			})}, nil
		})
}

// searchIn is nc_search's input; new search modes add fields here.
type searchIn struct {
	Query          string            `json:"query" jsonschema:"what to search for"`
	Providers      []string          `json:"providers,omitempty" jsonschema:"provider ids from nc_search_providers (e.g. files, talk-message, mail); empty searches every provider"`
	Limit          int               `json:"limit,omitempty" jsonschema:"results per provider, 1-25 (default 5)"`
	Cursors        map[string]string `json:"cursors,omitempty" jsonschema:"next page: provider id to the next_cursor a previous nc_search returned for it; providers defaults to these ids"`
	TimeoutSeconds int               `json:"timeout_seconds,omitempty" jsonschema:"how long to wait for each provider, 1-60 seconds (default 10); slower providers are reported as timed out"`
	Mode           string            `json:"mode,omitempty" jsonschema:"auto (default: the local index when it is fresh for you, else live), index (always the local index) or live (always Nextcloud)"`
	From           string            `json:"from,omitempty" jsonschema:"local index only: items dated on or after this day (YYYY-MM-DD or RFC 3339)"`
	To             string            `json:"to,omitempty" jsonschema:"local index only: items dated on or before this day (YYYY-MM-DD or RFC 3339)"`
}

func (in *searchIn) Validate() error {
	err := firstErr(textHintArg("query", in.Query, "give the words to search for"), limitArg("limit", in.Limit, searchMaxLimit),
		limitArg("timeout_seconds", in.TimeoutSeconds, searchMaxTimeout))
	if err != nil {
		return err
	}
	for i, p := range in.Providers {
		if err := textArg(fmt.Sprintf("providers[%d]", i), p); err != nil {
			return err
		}
	}
	for p, c := range in.Cursors {
		if p == "" || c == "" {
			return fmt.Errorf("cursors needs a provider id and a non-empty cursor for each entry")
		}
	}
	switch in.Mode {
	case "", searchModeAuto, searchModeIndex, searchModeLive:
	default:
		return fmt.Errorf("mode must be auto, index or live, not %q", in.Mode)
	}
	return nil
}

type searchOut struct {
	Query     string                 `json:"query"`
	Results   []searchHit            `json:"results"`
	Providers []searchProviderStatus `json:"providers"`
	TimedOut  []string               `json:"timed_out,omitempty" jsonschema:"providers that did not answer in time"`
	Failed    []string               `json:"failed,omitempty" jsonschema:"providers that failed or are unknown"`
	// Source and IndexFreshness say whether the local index answered.
	Source         string `json:"source,omitempty" jsonschema:"index (the local search index answered) or live (Nextcloud's unified search)"`
	IndexFreshness string `json:"index_freshness,omitempty" jsonschema:"how fresh the local index is for you"`
}

func (o searchOut) Summary() string {
	var b strings.Builder
	switch o.Source {
	case searchModeIndex:
		fmt.Fprintf(&b, "From the local index (%s): ", o.IndexFreshness)
	case searchModeLive:
		if o.IndexFreshness != "" {
			fmt.Fprintf(&b, "Live from Nextcloud (local index not used: %s): ", o.IndexFreshness)
		} else {
			b.WriteString("Live from Nextcloud: ")
		}
	}
	fmt.Fprintf(&b, "%d results for %q", len(o.Results), o.Query)
	if len(o.Results) > 0 {
		b.WriteString(":\n")
	} else {
		b.WriteString(".\n")
	}
	for _, h := range o.Results {
		fmt.Fprintf(&b, "- [%s] %s", h.Provider, h.Title)
		if h.Subline != "" {
			fmt.Fprintf(&b, " — %s", h.Subline)
		}
		if h.URL != "" {
			fmt.Fprintf(&b, " <%s>", h.URL)
		}
		b.WriteByte('\n')
	}
	for _, p := range o.Providers {
		switch {
		case p.Status == "timeout":
			fmt.Fprintf(&b, "Provider %s timed out: %s\n", p.ID, p.Error)
		case p.Status != "ok":
			fmt.Fprintf(&b, "Provider %s failed: %s\n", p.ID, p.Error)
		case p.NextCursor != "":
			fmt.Fprintf(&b, "More from %s: pass cursors {%q: %q}\n", p.ID, p.ID, p.NextCursor)
		}
	}
	return b.String()
}

// search is nc_search (search nextcloud).
func search(env *Env, idx IndexBackend) Tool {
	return NewTool(Spec{
		Name: "nc_search", Title: "Search Nextcloud",
		Description: "Search Nextcloud's unified search: asks the chosen providers (default all) at once and returns each hit's title, subline, link and provider; " +
			"slow or failing providers are listed under timed_out/failed. More of a provider: pass its next_cursor in cursors. " +
			"mode auto (default) answers from your local search index when it is fresh (with from/to date filters); source says which answered.",
		Scope: "search:read", Kind: Read,
	},
		func(ctx context.Context, nc *nextcloud.Client, in searchIn) (searchOut, error) {
			return searchWithMode(ctx, nc, idx, in)
		})
}
