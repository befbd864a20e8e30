package nctest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Activity stand-in following docs/endpoint-v2.md of nextcloud/activity:
// GET /ocs/v2.php/apps/activity/api/v2/activity[/{filter}] with since,
// limit, object_type/object_id (only with the "filter" filter), newest
// first; a page that is not the last carries Link rel="next" and
// X-Activity-Last-Given; 304 once the end is reached; 404 for an unknown
// filter; 403 when since is another user's activity. GET .../filters lists
// the type filters.

const activityBase = "/ocs/v2.php/apps/activity/api/v2/activity"

type activityRec struct {
	id           int64
	affected, by string
	app, typ     string
	at           time.Time
	subject      string
	objectType   string
	objectID     int64
	objectName   string
}

type activityStandIn struct {
	mu   sync.Mutex
	next int64
	all  []*activityRec // ascending ids
}

// activityFilters are the type filters the stand-in knows, as the
// activity app's and files' own filters.
var activityFilters = []map[string]any{
	{"id": "all", "name": "All activities", "icon": "", "priority": 0},
	{"id": "self", "name": "By you", "icon": "", "priority": 1},
	{"id": "by", "name": "By others", "icon": "", "priority": 2},
	{"id": "files", "name": "File changes", "icon": "", "priority": 10},
	{"id": "calendar", "name": "Calendar", "icon": "", "priority": 40},
}

func (s *Server) registerActivity() {
	a := &activityStandIn{}
	s.apps.activity = a
	s.mux.HandleFunc("GET "+activityBase+"/filters", func(w http.ResponseWriter, r *http.Request) {
		writeOCS(w, r, http.StatusOK, 200, "OK", activityFilters)
	})
	s.mux.HandleFunc("GET "+activityBase, a.stream)
	s.mux.HandleFunc("GET "+activityBase+"/{filter}", a.stream)
	s.mux.HandleFunc("/ocs/v2.php/apps/activity/", writeOCSInvalid)
}

func (a *activityStandIn) keep(filter, user string, r *http.Request) (func(*activityRec) bool, bool) {
	switch filter {
	case "", "all":
		return func(*activityRec) bool { return true }, true
	case "self":
		return func(x *activityRec) bool { return x.by == user }, true
	case "by":
		return func(x *activityRec) bool { return x.by != user }, true
	case "files", "calendar":
		return func(x *activityRec) bool { return x.app == filter }, true
	case "filter":
		q := r.URL.Query()
		typ, id := q.Get("object_type"), q.Get("object_id")
		return func(x *activityRec) bool {
			return typ != "" && x.objectType == typ && strconv.FormatInt(x.objectID, 10) == id
		}, true
	}
	return nil, false
}

func (a *activityStandIn) stream(w http.ResponseWriter, r *http.Request) {
	user := UserOf(r)
	filter := r.PathValue("filter")
	keep, ok := a.keep(filter, user, r)
	if !ok {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	q := r.URL.Query()
	since, _ := strconv.ParseInt(q.Get("since"), 10, 64)
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 50
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if since > 0 {
		for _, x := range a.all {
			if x.id == since && x.affected != user {
				writeOCS(w, r, http.StatusForbidden, 403, "", nil)
				return
			}
		}
	}
	var page []any
	var last int64
	more := false
	for i := len(a.all) - 1; i >= 0; i-- {
		x := a.all[i]
		if x.affected != user || (since > 0 && x.id >= since) || !keep(x) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, x.json())
		last = x.id
	}
	if len(page) == 0 {
		if since > 0 {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("X-Activity-Last-Given", strconv.FormatInt(last, 10))
	if more {
		path := activityBase
		if filter != "" {
			path += "/" + filter
		}
		w.Header().Set("Link", fmt.Sprintf("<http://%s%s?since=%d&limit=%d>; rel=\"next\"", r.Host, path, last, limit))
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", page)
}

func (x *activityRec) json() map[string]any {
	return map[string]any{
		"activity_id": x.id, "datetime": x.at.UTC().Format(time.RFC3339), "app": x.app, "type": x.typ,
		"user": x.by, "affecteduser": x.affected, "subject": x.subject, "subject_rich": []any{x.subject, []any{}},
		"message": "", "message_rich": []any{"", []any{}}, "icon": "", "link": "",
		"object_type": x.objectType, "object_id": x.objectID, "object_name": x.objectName, "objects": map[string]any{},
	}
}

// AddActivity records an activity in affected's stream, done by by (app
// e.g. "files", type e.g. "file_created") about an object, and returns its
// id; later activities have higher ids.
func (s *Server) AddActivity(affected, by, app, typ, subject, objectType string, objectID int64, objectName string) int64 {
	a := s.apps.activity
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next++
	a.all = append(a.all, &activityRec{id: a.next, affected: affected, by: by, app: app, typ: typ,
		at: time.Now(), subject: subject, objectType: objectType, objectID: objectID, objectName: objectName})
	return a.next
}
