package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Unified search (OCS /ocs/v2.php/search), which every Nextcloud since 20
// offers; apps plug in providers (files, talk-message, mail, ...).

// SearchProvider is one provider the unified search offers.
type SearchProvider struct {
	ID          string        `json:"id"`
	AppID       string        `json:"appId"`
	Name        string        `json:"name"`
	Icon        string        `json:"icon"`
	Order       int           `json:"order"`
	Triggers    []string      `json:"triggers"`
	Filters     SearchFilters `json:"filters"`
	InAppSearch bool          `json:"inAppSearch"`
}

// SearchFilters maps a filter name (term, since, until, person ...) to its
// type. Older servers describe a filter as an object, newer ones as a
// string; PHP sends an empty list as [].
type SearchFilters map[string]string

// UnmarshalJSON accepts every shape the servers use.
func (f *SearchFilters) UnmarshalJSON(b []byte) error {
	m, err := phpStringMap(b, func(v json.RawMessage) (string, bool) {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s, true
		}
		var o struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(v, &o)
		return o.Type, true
	})
	if err != nil {
		return err
	}
	*f = m
	return nil
}

// phpStringMap decodes a JSON object into strings, each value through str
// (false leaves the key out). Anything but an object, such as the [] PHP
// sends for an empty one, is no map.
func phpStringMap[V any](b []byte, str func(V) (string, bool)) (map[string]string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, nil
	}
	var raw map[string]V
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := str(v); ok {
			out[k] = s
		}
	}
	return out, nil
}

// Names lists the filter names, sorted.
func (f SearchFilters) Names() []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SearchEntry is one search hit.
type SearchEntry struct {
	ThumbnailURL string           `json:"thumbnailUrl"`
	Title        string           `json:"title"`
	Subline      string           `json:"subline"`
	ResourceURL  string           `json:"resourceUrl"`
	Icon         string           `json:"icon"`
	Rounded      bool             `json:"rounded"`
	Attributes   SearchAttributes `json:"attributes"`
}

// SearchAttributes are the optional string attributes of an entry.
type SearchAttributes map[string]string

// UnmarshalJSON accepts [] for none and non-string values.
func (a *SearchAttributes) UnmarshalJSON(b []byte) error {
	m, err := phpStringMap(b, func(v any) (string, bool) {
		switch t := v.(type) {
		case string:
			return t, true
		case nil:
			return "", false
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), true
		default:
			bs, _ := json.Marshal(t)
			return string(bs), true
		}
	})
	if err != nil {
		return err
	}
	*a = m
	return nil
}

// SearchCursor is a provider's paging cursor: a number, a string or null.
type SearchCursor string

// UnmarshalJSON keeps the cursor's text whatever its JSON type.
func (c *SearchCursor) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*c = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = SearchCursor(s)
	default:
		*c = SearchCursor(b)
	}
	return nil
}

// SearchResult is one provider's page of hits.
type SearchResult struct {
	Name        string        `json:"name"`
	IsPaginated bool          `json:"isPaginated"`
	Entries     []SearchEntry `json:"entries"`
	Cursor      SearchCursor  `json:"cursor"`
}

// SearchQuery is what to search for in one provider.
type SearchQuery struct {
	Term string
	// Limit is the page size; Nextcloud caps it (25 by default) and uses 5
	// when it is zero.
	Limit int
	// Cursor continues a paginated result (the previous result's Cursor).
	Cursor string
	// Filters are further provider filters (since, until, person ...).
	Filters url.Values
}

// SearchClient is Nextcloud's unified search API.
type SearchClient struct{ app App }

// Search returns the unified search client.
func (c *Client) Search() *SearchClient { return &SearchClient{app: c.core()} }

// Providers lists the unified search providers available to the user.
func (c *SearchClient) Providers(ctx context.Context) ([]SearchProvider, error) {
	var out []SearchProvider
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: "/ocs/v2.php/search/providers", OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("list unified search providers: %w", err)
	}
	return out, nil
}

// Query asks one unified search provider.
func (c *SearchClient) Query(ctx context.Context, providerID string, q SearchQuery) (*SearchResult, error) {
	if providerID == "" {
		return nil, fmt.Errorf("search provider id is empty")
	}
	if strings.TrimSpace(q.Term) == "" {
		return nil, fmt.Errorf("search term is empty")
	}
	v := url.Values{}
	for k, vs := range q.Filters {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("term", q.Term)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	esc, err := EscapedSegment("provider", providerID)
	if err != nil {
		return nil, err
	}
	var out SearchResult
	p := "/ocs/v2.php/search/providers/" + esc + "/search"
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: p, Query: v, OCS: true}, &out); err != nil {
		return nil, fmt.Errorf("search provider %q: %w", providerID, err)
	}
	return &out, nil
}

// ProviderQuery is one provider's part of a fan-out search.
type ProviderQuery struct {
	ProviderID string
	SearchQuery
}

// ProviderOutcome is what one provider answered in a fan-out search.
type ProviderOutcome struct {
	ProviderID string
	Result     *SearchResult
	Err        error
	// TimedOut is set when the provider did not answer within its timeout;
	// Err is set too.
	TimedOut bool
	Elapsed  time.Duration
}

// ErrProviderTimeout is the error of a provider that answered too slowly.
var ErrProviderTimeout = errors.New("search provider did not answer in time")

// Many asks several providers concurrently (at most parallel at once,
// 6 if zero), each bounded by timeout so that one slow app does not hold
// back the others. Outcomes come back in the order of queries.
func (c *SearchClient) Many(ctx context.Context, queries []ProviderQuery, timeout time.Duration, parallel int) []ProviderOutcome {
	if parallel <= 0 {
		parallel = 6
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	out := make([]ProviderOutcome, len(queries))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].ProviderID = q.ProviderID
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i].Err = fmt.Errorf("search provider %q: %w", q.ProviderID, ctx.Err())
				return
			}
			defer func() { <-sem }()
			// The clock starts when the request does, not while queued.
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			res, err := c.Query(pctx, q.ProviderID, q.SearchQuery)
			out[i].Elapsed = time.Since(start)
			if err != nil && ctx.Err() == nil && errors.Is(pctx.Err(), context.DeadlineExceeded) {
				out[i].TimedOut = true
				err = fmt.Errorf("search provider %q: no answer within %s: %w", q.ProviderID, timeout, ErrProviderTimeout)
			}
			out[i].Result, out[i].Err = res, err
		}()
	}
	wg.Wait()
	return out
}
