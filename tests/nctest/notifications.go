package nctest

import (
	"net/http"
	"sync"
	"time"
)

// Notifications stand-in following docs/ocs-endpoint-v2.md of
// nextcloud/notifications (and its EndpointController): the OCS v2 list
// (newest first, with an ETag), DELETE of one notification (404 when it is
// not the user's) and DELETE of all.

const notificationsBase = "/ocs/v2.php/apps/notifications/api/v2/notifications"

type notification struct {
	id                   int64
	user, app            string
	at                   time.Time
	objectType, objectID string
	subject, message     string
	link                 string
}

type notificationsStandIn struct {
	mu   sync.Mutex
	next int64
	all  map[int64]*notification
}

func (s *Server) registerNotifications() {
	n := &notificationsStandIn{all: map[int64]*notification{}}
	s.apps.notifications = n
	s.mux.HandleFunc("GET "+notificationsBase, n.list)
	s.mux.HandleFunc("GET "+notificationsBase+"/{id}", n.get)
	s.mux.HandleFunc("DELETE "+notificationsBase+"/{id}", n.dismiss)
	s.mux.HandleFunc("DELETE "+notificationsBase, n.dismissAll)
	s.mux.HandleFunc("/ocs/v2.php/apps/notifications/", writeOCSInvalid)
}

func (n *notification) json() map[string]any {
	return map[string]any{
		"notification_id": n.id, "app": n.app, "user": n.user, "datetime": n.at.UTC().Format(time.RFC3339),
		"object_type": n.objectType, "object_id": n.objectID, "subject": n.subject,
		"subjectRich": "", "subjectRichParameters": []any{}, "message": n.message,
		"messageRich": "", "messageRichParameters": []any{}, "link": n.link, "icon": "",
		"shouldNotify": true, "actions": []any{},
	}
}

// mine lists user's notifications, newest first; callers hold n.mu.
func (n *notificationsStandIn) mine(user string) []*notification {
	var out []*notification
	for _, id := range sortedIDs(n.all, func(_ int64, x *notification) bool { return x.user == user }) {
		out = append([]*notification{n.all[id]}, out...)
	}
	return out
}

func (n *notificationsStandIn) list(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	data := []any{}
	for _, x := range n.mine(UserOf(r)) {
		data = append(data, x.json())
	}
	n.mu.Unlock()
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (n *notificationsStandIn) get(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	x := n.all[pathID(r, "id")]
	if x == nil || x.user != UserOf(r) {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", x.json())
}

func (n *notificationsStandIn) dismiss(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id := pathID(r, "id")
	x := n.all[id]
	if x == nil || x.user != UserOf(r) {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	delete(n.all, id)
	writeOCS(w, r, http.StatusOK, 200, "OK", nil)
}

func (n *notificationsStandIn) dismissAll(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, x := range n.mine(UserOf(r)) {
		delete(n.all, x.id)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", nil)
}

// AddNotification notifies user (from app, about an object) and returns
// the notification id.
func (s *Server) AddNotification(user, app, subject, message, objectType, objectID string) int64 {
	n := s.apps.notifications
	n.mu.Lock()
	defer n.mu.Unlock()
	n.next++
	n.all[n.next] = &notification{id: n.next, user: user, app: app, at: time.Now().Add(time.Duration(n.next) * time.Second),
		objectType: objectType, objectID: objectID, subject: subject, message: message, link: "/index.php/apps/" + app}
	return n.next
}

// NotificationIDs lists user's notification ids, newest first.
func (s *Server) NotificationIDs(user string) []int64 {
	n := s.apps.notifications
	n.mu.Lock()
	defer n.mu.Unlock()
	out := []int64{}
	for _, x := range n.mine(user) {
		out = append(out, x.id)
	}
	return out
}
