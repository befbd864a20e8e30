package nctest

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Provisioning API stand-in (users and apps) following the Nextcloud admin
// manual's "User provisioning API" and apps/provisioning_api's
// UsersController and AppsController of nextcloud/server, OCS v2:
//   - GET cloud/users: admins get the matching ids, group admins the users
//     of their groups, everyone else an empty list (not a refusal);
//   - GET cloud/users/{id}: yourself, or any user for admins; else 403;
//   - POST cloud/users (admins): 102 "User already exists", 101 for a bad
//     id, 108 when neither password nor email is given;
//   - PUT cloud/users/{id}/enable|disable, POST/DELETE cloud/users/{id}/groups,
//     GET cloud/groups/{id}/users, GET/POST/DELETE cloud/apps[/{id}]: admins.
// Status codes below 200 become HTTP 400 in OCS v2, as V2Response does.
// Groups live in the users stand-in (users.go).

const provisioningBase = "/ocs/v2.php/cloud/"

type adminUserInfo struct {
	email    string
	disabled bool
	subadmin []string
}

type adminStandIn struct {
	s    *Server
	mu   sync.Mutex
	info map[string]*adminUserInfo // by user id
}

func (s *Server) registerAdmin() {
	a := &adminStandIn{s: s, info: map[string]*adminUserInfo{}}
	s.apps.admin = a
	b := provisioningBase
	s.mux.HandleFunc("GET "+b+"users", a.api(a.listUsers))
	s.mux.HandleFunc("POST "+b+"users", a.api(a.adminOnly(a.createUser)))
	s.mux.HandleFunc("GET "+b+"users/{userId}", a.api(a.getUser))
	s.mux.HandleFunc("PUT "+b+"users/{userId}/enable", a.api(a.adminOnly(a.setEnabled(true))))
	s.mux.HandleFunc("PUT "+b+"users/{userId}/disable", a.api(a.adminOnly(a.setEnabled(false))))
	s.mux.HandleFunc("GET "+b+"users/{userId}/groups", a.api(a.userGroups))
	s.mux.HandleFunc("POST "+b+"users/{userId}/groups", a.api(a.adminOnly(a.setMember(true))))
	s.mux.HandleFunc("DELETE "+b+"users/{userId}/groups", a.api(a.adminOnly(a.setMember(false))))
	s.mux.HandleFunc("GET "+b+"groups/{groupId}/users", a.api(a.adminOnly(a.groupMembers)))
	s.mux.HandleFunc("GET "+b+"apps", a.api(a.adminOnly(a.listApps)))
	s.mux.HandleFunc("POST "+b+"apps/{appId}", a.api(a.adminOnly(a.setApp(true))))
	s.mux.HandleFunc("DELETE "+b+"apps/{appId}", a.api(a.adminOnly(a.setApp(false))))
}

// ocsErr is an OCS failure with its own status code (101, 102 …); codes
// below 200 answer HTTP 400.
func ocsErr(code int, msg string) *apiErr { return &apiErr{status: code, msg: msg} }

func (a *adminStandIn) api(fn apiFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, e := runLocked(&a.mu, r, fn)
		if e != nil {
			httpStatus := e.status
			if httpStatus < 200 {
				httpStatus = http.StatusBadRequest
			}
			writeOCS(w, r, httpStatus, e.status, e.msg, nil)
			return
		}
		writeOCS(w, r, http.StatusOK, 200, "OK", data)
	}
}

func (a *adminStandIn) isAdmin(user string) bool { return a.s.apps.users.inGroup(user, "admin") }

func (a *adminStandIn) adminOnly(fn apiFn) apiFn {
	return func(r *http.Request, user string, p params) (any, *apiErr) {
		if !a.isAdmin(user) {
			return nil, errStatus(http.StatusForbidden, "Logged in account must be an admin")
		}
		return fn(r, user, p)
	}
}

func (a *adminStandIn) infoOf(uid string) *adminUserInfo {
	in := a.info[uid]
	if in == nil {
		in = &adminUserInfo{email: uid + "@example.com"}
		a.info[uid] = in
	}
	return in
}

func (a *adminStandIn) groupsOf(uid string) []string {
	u := a.s.apps.users
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for gid, g := range u.groups {
		if g.members[uid] {
			out = append(out, gid)
		}
	}
	sort.Strings(out)
	return out
}

func (a *adminStandIn) listUsers(_ *http.Request, user string, p params) (any, *apiErr) {
	search := strings.ToLower(p.str("search"))
	var ids []string
	mine := a.infoOf(user).subadmin
	for _, uid := range a.s.userIDs() {
		if search != "" && !strings.Contains(strings.ToLower(uid), search) {
			continue
		}
		if !a.isAdmin(user) && !slices.ContainsFunc(mine, func(g string) bool { return a.s.apps.users.inGroup(uid, g) }) {
			continue
		}
		ids = append(ids, uid)
	}
	offset, _ := p.int("offset", 0)
	limit, _ := p.int("limit", 0)
	ids = ids[min(int(offset), len(ids)):]
	if limit > 0 && int(limit) < len(ids) {
		ids = ids[:limit]
	}
	if ids == nil {
		ids = []string{}
	}
	return map[string]any{"users": ids}, nil
}

func (a *adminStandIn) getUser(r *http.Request, user string, _ params) (any, *apiErr) {
	uid := r.PathValue("userId")
	display, ok := a.s.userDisplay(uid)
	if !ok {
		return nil, errStatus(http.StatusNotFound, "User does not exist")
	}
	if uid != user && !a.isAdmin(user) {
		return nil, errStatus(http.StatusForbidden, "Logged in account must be an admin or sub admin")
	}
	in := a.infoOf(uid)
	groups := a.groupsOf(uid)
	if groups == nil {
		groups = []string{}
	}
	sub := in.subadmin
	if sub == nil {
		sub = []string{}
	}
	return map[string]any{
		"enabled": !in.disabled, "storageLocation": "/var/www/html/data/" + uid, "id": uid, "lastLogin": 0,
		"backend": "Database", "subadmin": sub, "quota": map[string]any{"quota": "none", "used": 0},
		"email": in.email, "displayname": display, "display-name": display, "groups": groups, "language": "en",
	}, nil
}

var validUserID = regexp.MustCompile(`^[a-zA-Z0-9 _.@\-']+$`)

func (a *adminStandIn) createUser(_ *http.Request, _ string, p params) (any, *apiErr) {
	uid := p.str("userid")
	if _, exists := a.s.userDisplay(uid); exists {
		return nil, ocsErr(102, "User already exists")
	}
	if !validUserID.MatchString(uid) || strings.TrimSpace(uid) != uid {
		return nil, ocsErr(101, "Only the following characters are allowed in a username: \"a-z\", \"A-Z\", \"0-9\", spaces and \"_.@-'\"")
	}
	email := p.str("email")
	if p.str("password") == "" && email == "" {
		return nil, ocsErr(108, "To send a password link to the user an email address is required.")
	}
	var groups []string
	if gs, ok := p["groups"].([]any); ok {
		for _, g := range gs {
			gid, _ := g.(string)
			if !a.s.apps.users.groupExists(gid) {
				return nil, ocsErr(104, "group "+gid+" does not exist")
			}
			groups = append(groups, gid)
		}
	}
	display := p.str("displayName")
	if display == "" {
		display = uid
	}
	a.s.mu.Lock()
	a.s.users[uid] = account{password: randHex(16), userID: uid, display: display}
	a.s.mu.Unlock()
	a.info[uid] = &adminUserInfo{email: email}
	for _, g := range groups {
		a.s.AddGroup(g, "", uid)
	}
	return map[string]any{"id": uid}, nil
}

func (a *adminStandIn) setEnabled(enabled bool) apiFn {
	return func(r *http.Request, user string, _ params) (any, *apiErr) {
		uid := r.PathValue("userId")
		if _, ok := a.s.userDisplay(uid); !ok {
			return nil, ocsErr(101, "User does not exist")
		}
		a.infoOf(uid).disabled = !enabled
		return nil, nil
	}
}

func (a *adminStandIn) userGroups(r *http.Request, user string, _ params) (any, *apiErr) {
	uid := r.PathValue("userId")
	if uid != user && !a.isAdmin(user) {
		return nil, errStatus(http.StatusForbidden, "Logged in account must be an admin or sub admin")
	}
	if _, ok := a.s.userDisplay(uid); !ok {
		return nil, errStatus(http.StatusNotFound, "User does not exist")
	}
	groups := a.groupsOf(uid)
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{"groups": groups}, nil
}

func (a *adminStandIn) setMember(member bool) apiFn {
	return func(r *http.Request, user string, p params) (any, *apiErr) {
		uid, gid := r.PathValue("userId"), p.str("groupid")
		if gid == "" {
			return nil, ocsErr(101, "")
		}
		if !a.s.apps.users.groupExists(gid) {
			return nil, ocsErr(102, "")
		}
		if _, ok := a.s.userDisplay(uid); !ok {
			return nil, ocsErr(103, "")
		}
		u := a.s.apps.users
		u.mu.Lock()
		defer u.mu.Unlock()
		if !member && gid == "admin" && uid == user {
			return nil, ocsErr(105, "Cannot remove yourself from the admin group")
		}
		if member {
			u.groups[gid].members[uid] = true
		} else {
			delete(u.groups[gid].members, uid)
		}
		return nil, nil
	}
}

func (a *adminStandIn) groupMembers(r *http.Request, _ string, _ params) (any, *apiErr) {
	gid := r.PathValue("groupId")
	u := a.s.apps.users
	u.mu.Lock()
	defer u.mu.Unlock()
	g := u.groups[gid]
	if g == nil {
		return nil, errStatus(http.StatusNotFound, "The requested group could not be found")
	}
	return map[string]any{"users": sortedKeys(g.members)}, nil
}

// standInApps are the app ids the test Nextcloud knows besides those
// with capabilities.
var standInApps = []string{"dav", "files", "provisioning_api", "calendar", "contacts", "tasks"}

func (a *adminStandIn) appIDs() []string {
	ids := slices.Clone(standInApps)
	for app := range appCapabilities {
		ids = append(ids, app)
	}
	sort.Strings(ids)
	return ids
}

func (a *adminStandIn) listApps(_ *http.Request, _ string, p params) (any, *apiErr) {
	filter := p.str("filter")
	out := []string{}
	for _, app := range a.appIDs() {
		off := a.s.isDisabled(app)
		if filter == "" || filter == "enabled" && !off || filter == "disabled" && off {
			out = append(out, app)
		}
	}
	if filter != "" && filter != "enabled" && filter != "disabled" {
		return nil, ocsErr(101, "")
	}
	return map[string]any{"apps": out}, nil
}

func (a *adminStandIn) setApp(enabled bool) apiFn {
	return func(r *http.Request, _ string, _ params) (any, *apiErr) {
		app := r.PathValue("appId")
		if !slices.Contains(a.appIDs(), app) {
			if enabled {
				return nil, errStatus(http.StatusNotFound, "The request app was not found")
			}
			return nil, nil
		}
		a.s.SetDisabled(app, !enabled)
		return nil, nil
	}
}

// UserEnabled reports whether a user's account is enabled and whether the
// user exists.
func (s *Server) UserEnabled(uid string) (enabled, exists bool) {
	if _, ok := s.userDisplay(uid); !ok {
		return false, false
	}
	a := s.apps.admin
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.infoOf(uid).disabled, true
}

// SetSubadmin makes uid a group administrator of the groups.
func (s *Server) SetSubadmin(uid string, groups ...string) {
	a := s.apps.admin
	a.mu.Lock()
	defer a.mu.Unlock()
	a.infoOf(uid).subadmin = groups
}

// GroupMemberIDs lists a group's members, sorted.
func (s *Server) GroupMemberIDs(gid string) []string {
	u := s.apps.users
	u.mu.Lock()
	defer u.mu.Unlock()
	if g := u.groups[gid]; g != nil {
		return sortedKeys(g.members)
	}
	return nil
}

// UserIDs lists every user id, sorted.
func (s *Server) UserIDs() []string { return s.userIDs() }
