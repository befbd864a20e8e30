package nctest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The users stand-in serves the collaborator autocomplete
// (/ocs/v2.php/core/autocomplete/get, core's AutoCompleteController) and the
// provisioning API's group lists (/ocs/v2.php/cloud/groups[/details]), and
// keeps the groups other stand-ins (sharing) consult.

type ncGroup struct {
	display string
	members map[string]bool
}

type usersStandIn struct {
	s      *Server
	mu     sync.Mutex
	groups map[string]*ncGroup
}

const usersGroupsPath = "/ocs/v2.php/cloud/groups"

func (s *Server) registerUsers() {
	u := &usersStandIn{s: s, groups: map[string]*ncGroup{"admin": {display: "admin", members: map[string]bool{}}}}
	s.apps.users = u
	s.mu.Lock()
	for _, acc := range s.users {
		if acc.userID == "admin" {
			u.groups["admin"].members["admin"] = true
		}
	}
	s.mu.Unlock()
	// The state is the handler itself so that this file needs no field in
	// the shared Server struct; usersState finds it again.
	s.mux.Handle("GET "+usersGroupsPath, u)
	s.mux.Handle("GET "+usersGroupsPath+"/details", u)
	s.mux.Handle("GET /ocs/v1.php/cloud/groups", u)
	s.mux.Handle("GET /ocs/v2.php/core/autocomplete/get", u)
	s.mux.Handle("GET /ocs/v1.php/core/autocomplete/get", u)
}

// AddGroup creates a group (or adds members to it). Members are user ids.
func (s *Server) AddGroup(gid, displayName string, members ...string) {
	u := s.apps.users
	u.mu.Lock()
	defer u.mu.Unlock()
	g := u.groups[gid]
	if g == nil {
		g = &ncGroup{display: gid, members: map[string]bool{}}
		u.groups[gid] = g
	}
	if displayName != "" {
		g.display = displayName
	}
	for _, m := range members {
		g.members[m] = true
	}
}

// SetDisplayName changes the display name of the user with this login.
func (s *Server) SetDisplayName(login, display string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if acc, ok := s.users[login]; ok {
		acc.display = display
		s.users[login] = acc
	}
}

// groupExists reports a group id.
func (u *usersStandIn) groupExists(gid string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.groups[gid] != nil
}

// groupDisplay returns a group's display name.
func (u *usersStandIn) groupDisplay(gid string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if g := u.groups[gid]; g != nil {
		return g.display
	}
	return gid
}

// inGroup reports whether user is a member of gid.
func (u *usersStandIn) inGroup(user, gid string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	g := u.groups[gid]
	return g != nil && g.members[user]
}

func (u *usersStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/autocomplete/get") {
		u.autocomplete(w, r)
		return
	}
	u.listGroups(w, r)
}

func (u *usersStandIn) listGroups(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	if !u.inGroup(me, "admin") {
		// The provisioning API lists groups to admins and group admins.
		writeOCS(w, r, http.StatusForbidden, 403, "Logged in account must be an admin or sub admin", nil)
		return
	}
	q := r.URL.Query()
	search := strings.ToLower(q.Get("search"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	u.mu.Lock()
	var ids []string
	for gid, g := range u.groups {
		if search == "" || strings.Contains(strings.ToLower(gid), search) || strings.Contains(strings.ToLower(g.display), search) {
			ids = append(ids, gid)
		}
	}
	sort.Strings(ids)
	if offset > len(ids) {
		offset = len(ids)
	}
	ids = ids[offset:]
	if limit > 0 && limit < len(ids) {
		ids = ids[:limit]
	}
	details := []any{}
	for _, gid := range ids {
		g := u.groups[gid]
		details = append(details, map[string]any{"id": gid, "displayname": g.display, "usercount": len(g.members), "disabled": 0, "canAdd": true, "canRemove": true})
	}
	u.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/details") {
		writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"groups": details})
		return
	}
	if ids == nil {
		ids = []string{}
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"groups": ids})
}

func (u *usersStandIn) autocomplete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("search") {
		writeOCS(w, r, http.StatusBadRequest, 400, "Missing parameter search", nil)
		return
	}
	search := strings.TrimSpace(q.Get("search"))
	low := strings.ToLower(search)
	types := []int{0}
	if vs := q["shareTypes[]"]; len(vs) > 0 {
		types = nil
		for _, v := range vs {
			n, err := strconv.Atoi(v)
			if err != nil {
				writeOCS(w, r, http.StatusBadRequest, 400, "shareTypes must be integers", nil)
				return
			}
			types = append(types, n)
		}
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	type hit struct {
		exact bool
		res   map[string]any
	}
	var hits []hit
	add := func(exact bool, id, label, source, icon, unique string) {
		hits = append(hits, hit{exact, map[string]any{
			"id": id, "label": label, "icon": icon, "source": source, "status": "", "subline": "", "shareWithDisplayNameUnique": unique,
		}})
	}
	if slices.Contains(types, 0) {
		u.s.mu.Lock()
		var accs []account
		for _, acc := range u.s.users {
			accs = append(accs, acc)
		}
		u.s.mu.Unlock()
		sort.Slice(accs, func(i, j int) bool { return accs[i].userID < accs[j].userID })
		for _, acc := range accs {
			email := acc.userID + "@example.com"
			fields := []string{strings.ToLower(acc.userID), strings.ToLower(acc.display), email}
			match := low == ""
			exact := false
			for _, f := range fields {
				match = match || strings.Contains(f, low)
				exact = exact || (low != "" && f == low)
			}
			if match {
				add(exact, acc.userID, acc.display, "users", "icon-user", email)
			}
		}
	}
	if slices.Contains(types, 1) {
		u.mu.Lock()
		var gids []string
		for gid := range u.groups {
			gids = append(gids, gid)
		}
		sort.Strings(gids)
		for _, gid := range gids {
			g := u.groups[gid]
			if low == "" || strings.Contains(strings.ToLower(gid), low) || strings.Contains(strings.ToLower(g.display), low) {
				add(strings.EqualFold(gid, search) || strings.EqualFold(g.display, search), gid, g.display, "groups", "", gid)
			}
		}
		u.mu.Unlock()
	}
	at := strings.LastIndex(search, "@")
	looksLikeAddress := at > 0 && at < len(search)-1 && !strings.ContainsAny(search, " ,;")
	if looksLikeAddress && slices.Contains(types, 4) {
		add(true, search, search, "emails", "icon-mail", search)
	}
	if looksLikeAddress && strings.Contains(search[at+1:], ".") && slices.Contains(types, 6) {
		add(true, search, search, "remotes", "icon-share", search)
	}
	// Exact matches come first, as the controller merges them in front.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].exact && !hits[j].exact })
	out := []any{}
	for i, h := range hits {
		if limit > 0 && i >= limit {
			break
		}
		out = append(out, h.res)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", out)
}
