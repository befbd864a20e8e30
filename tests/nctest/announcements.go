package nctest

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Announcement center stand-in following lib/Controller/APIController.php
// of nextcloud/announcementcenter: GET/POST
// /ocs/v2.php/apps/announcementcenter/api/v1/announcements (offset is the
// last id seen, limit defaults to 7; only administrators see "groups" and
// may post) and DELETE .../announcements/{id} (administrators; an unknown
// id still answers 200). Everyone sees announcements for "everyone" and
// for their groups.

const announcementsBase = "/ocs/v2.php/apps/announcementcenter/api/v1/announcements"

type announcement struct {
	id               int64
	author           string
	at               int64
	subject, message string
	groups           []string
	comments         bool
}

type announcementsStandIn struct {
	s    *Server
	mu   sync.Mutex
	next int64
	all  map[int64]*announcement
}

func (s *Server) registerAnnouncements() {
	a := &announcementsStandIn{s: s, all: map[int64]*announcement{}}
	s.apps.announcements = a
	s.mux.HandleFunc("GET "+announcementsBase, a.api(a.list))
	s.mux.HandleFunc("POST "+announcementsBase, a.api(a.add))
	s.mux.HandleFunc("DELETE "+announcementsBase+"/{id}", a.api(a.remove))
	s.mux.HandleFunc("/ocs/v2.php/apps/announcementcenter/", writeOCSInvalid)
}

func (a *announcementsStandIn) api(fn apiFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, e := runLocked(&a.mu, r, fn)
		if e != nil {
			key := "message"
			if e.status == http.StatusBadRequest {
				key = "error"
			}
			writeOCS(w, r, e.status, e.status, "", map[string]any{key: e.msg})
			return
		}
		writeOCS(w, r, http.StatusOK, 200, "OK", data)
	}
}

func (a *announcementsStandIn) isAdmin(user string) bool {
	return a.s.apps.users.inGroup(user, "admin")
}

func (a *announcementsStandIn) visible(x *announcement, user string) bool {
	for _, g := range x.groups {
		if g == "everyone" || a.s.apps.users.inGroup(user, g) {
			return true
		}
	}
	return false
}

func (a *announcementsStandIn) render(x *announcement, admin bool) map[string]any {
	var comments any = false
	if x.comments {
		comments = 0
	}
	out := map[string]any{
		"id": x.id, "author_id": x.author, "author": a.s.displayNameOr(x.author), "time": x.at,
		"subject": x.subject, "message": x.message, "groups": nil, "comments": comments,
		"schedule_time": nil, "delete_time": nil,
	}
	if admin {
		groups := []any{}
		for _, g := range x.groups {
			groups = append(groups, map[string]any{"id": g, "name": a.s.apps.users.groupDisplay(g)})
		}
		out["groups"] = groups
		out["notifications"] = false
	}
	return out
}

func (a *announcementsStandIn) list(_ *http.Request, user string, p params) (any, *apiErr) {
	offset, _ := p.int("offset", 0)
	limit, _ := p.int("limit", 7)
	admin := a.isAdmin(user)
	out := []any{}
	ids := sortedIDs(a.all, func(id int64, x *announcement) bool { return (offset == 0 || id < offset) && a.visible(x, user) })
	for i := len(ids) - 1; i >= 0 && int64(len(out)) < limit; i-- {
		out = append(out, a.render(a.all[ids[i]], admin))
	}
	return out, nil
}

func (a *announcementsStandIn) add(_ *http.Request, user string, p params) (any, *apiErr) {
	if !a.isAdmin(user) {
		return nil, errStatus(http.StatusForbidden, "Logged in user must be an admin")
	}
	subject := strings.TrimSpace(p.str("subject"))
	if subject == "" || utf8.RuneCountInString(subject) > 512 {
		return nil, errBad("The subject is too long or empty")
	}
	var groups []string
	if gs, ok := p["groups"].([]any); ok {
		for _, g := range gs {
			if id, ok := g.(string); ok && (id == "everyone" || a.s.apps.users.groupExists(id)) && !slices.Contains(groups, id) {
				groups = append(groups, id)
			}
		}
	}
	if len(groups) == 0 {
		groups = []string{"everyone"}
	}
	a.next++
	x := &announcement{id: a.next, author: user, at: time.Now().Unix(), subject: subject, message: p.str("message"), groups: groups, comments: p.bool("comments")}
	a.all[x.id] = x
	return a.render(x, true), nil
}

func (a *announcementsStandIn) remove(r *http.Request, user string, _ params) (any, *apiErr) {
	if !a.isAdmin(user) {
		return nil, errStatus(http.StatusForbidden, "Logged in user must be an admin")
	}
	delete(a.all, pathID(r, "id"))
	return nil, nil
}

// AddAnnouncement publishes an announcement by author for groups (none:
// everyone) and returns its id.
func (s *Server) AddAnnouncement(author, subject, message string, groups ...string) int64 {
	a := s.apps.announcements
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(groups) == 0 {
		groups = []string{"everyone"}
	}
	a.next++
	a.all[a.next] = &announcement{id: a.next, author: author, at: time.Now().Unix(), subject: subject, message: message, groups: groups}
	return a.next
}

// AnnouncementIDs lists all announcement ids, oldest first.
func (s *Server) AnnouncementIDs() []int64 {
	a := s.apps.announcements
	a.mu.Lock()
	defer a.mu.Unlock()
	return sortedIDs(a.all, func(int64, *announcement) bool { return true })
}
