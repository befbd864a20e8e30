package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Activity app, OCS API v2 (docs/endpoint-v2.md of nextcloud/activity):
// GET /ocs/v2.php/apps/activity/api/v2/activity[/{filter}] pages with
// since/limit; the Link header (rel="next") says there is more and
// X-Activity-Last-Given is the since of the next page; 304 is the end.

// ActivityClient is the Activity app's OCS API.
type ActivityClient struct{ app App }

// Activity returns the activity API of the user.
func (c *Client) Activity() *ActivityClient {
	return &ActivityClient{app: c.AppOf(ActivityApp, nil)}
}

const activityBase = "/ocs/v2.php/apps/activity/api/v2/activity"

// ActivityEvent is one entry of the activity stream.
type ActivityEvent struct {
	ID         int64           `json:"activity_id"`
	Datetime   string          `json:"datetime"`
	App        string          `json:"app"`
	Type       string          `json:"type"`
	User       string          `json:"user"`
	Subject    string          `json:"subject"`
	Message    string          `json:"message"`
	Link       string          `json:"link"`
	ObjectType string          `json:"object_type"`
	ObjectRaw  json.RawMessage `json:"object_id"`
	ObjectName string          `json:"object_name"`
}

// ObjectID is the object id as text (the API sends a number or a string).
func (e *ActivityEvent) ObjectID() string {
	s := strings.TrimSpace(string(e.ObjectRaw))
	if s == "null" {
		return ""
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// ActivityFilter is a type filter of the stream ("all", "self", "files" …).
type ActivityFilter struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Priority int    `json:"priority"`
}

// ActivityQuery selects a page of the stream.
type ActivityQuery struct {
	// Filter is a type filter id; empty is "all". Objects need "filter".
	Filter string
	// Since is the activity id the previous page ended with (0: newest).
	Since int64
	Limit int
	// ObjectType and ObjectID select one object's activities.
	ObjectType, ObjectID string
}

// ActivityPage is one page of the stream.
type ActivityPage struct {
	Activities []ActivityEvent
	// Next is the Since of the next page, 0 when this one is the last.
	Next int64
}

// Page fetches one page of the stream, newest first.
func (a *ActivityClient) Page(ctx context.Context, q ActivityQuery) (*ActivityPage, error) {
	path := activityBase
	if q.Filter != "" {
		seg, err := EscapedSegment("filter", q.Filter)
		if err != nil {
			return nil, err
		}
		path += "/" + seg
	}
	v := url.Values{}
	setQuery(v, "since", q.Since)
	setQuery(v, "limit", q.Limit)
	if q.ObjectType != "" {
		v.Set("object_type", q.ObjectType)
		v.Set("object_id", q.ObjectID)
	}
	out := &ActivityPage{}
	rep, err := a.app.Call(ctx, Request{Method: http.MethodGet, Path: path, Query: v, OCS: true}, &out.Activities)
	if err != nil {
		return nil, fmt.Errorf("read the activity stream: %w", err)
	}
	// 304 (the end was reached) and 204 (nothing selected) carry no page.
	if rep.Status == http.StatusOK && hasNextLink(rep.Header.Values("Link")) {
		out.Next, _ = strconv.ParseInt(rep.Header.Get("X-Activity-Last-Given"), 10, 64)
	}
	return out, nil
}

// hasNextLink reports a Link header with rel="next" (RFC 8288).
func hasNextLink(links []string) bool {
	for _, l := range links {
		for _, part := range strings.Split(l, ",") {
			for _, p := range strings.Split(part, ";")[1:] {
				if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "rel") && slices.ContainsFunc(strings.Fields(strings.Trim(v, `"`)), isNext) {
					return true
				}
			}
		}
	}
	return false
}

func isNext(rel string) bool { return strings.EqualFold(rel, "next") }

// Filters lists the stream's type filters.
func (a *ActivityClient) Filters(ctx context.Context) ([]ActivityFilter, error) {
	return fetch[[]ActivityFilter](ctx, a.app, Request{Method: http.MethodGet, Path: activityBase + "/filters", OCS: true}, "list activity filters")
}
