package nctest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// Teams stand-in: the OCS routes of the Circles app's LocalController
// (appinfo/routes.php and lib/Controller/LocalController.php of
// nextcloud/circles): /ocs/v2.php/apps/circles/circles[/{circleId}
// [/members[/{memberId}]]]; create takes name and personal, memberAdd
// userId and type (1 user, 2 group, 4 mail), answers are the serialized
// circle or member, failures an OCSException with the error's code.
// Not verified (the controller passes the services' exceptions through):
// the exact messages and codes, here 404 "Circle not found" / "Member not
// found" / "user not found", 403 "Insufficient rights" for members below
// moderator, 400 "member already exists".

const teamsPrefix = "/ocs/v2.php/apps/circles/"

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

type teamsStandIn struct {
	s     *Server
	mu    sync.Mutex
	teams map[string]*teamRec
}

type teamRec struct {
	id, name, description string
	personal              bool
	created               int64
	members               []*teamMemberRec
}

type teamMemberRec struct {
	id, userID  string
	typ, level  int
	displayName string
}

func (s *Server) registerTeams() {
	t := &teamsStandIn{s: s, teams: map[string]*teamRec{}}
	s.apps.teams = t
	b := teamsPrefix + "circles"
	h := func(fn apiFn) http.HandlerFunc {
		return lockedHandler(&t.mu, fn, func(w http.ResponseWriter, r *http.Request, data any) { writeOCS(w, r, http.StatusOK, 200, "OK", data) },
			func(w http.ResponseWriter, r *http.Request, e *apiErr) {
				writeOCS(w, r, e.status, e.status, e.msg, nil)
			})
	}
	s.mux.HandleFunc("GET "+b, h(t.list))
	s.mux.HandleFunc("POST "+b, h(t.create))
	s.mux.HandleFunc("GET "+b+"/{id}", h(on(t.find, t.get)))
	s.mux.HandleFunc("GET "+b+"/{id}/members", h(on(t.find, t.members)))
	s.mux.HandleFunc("POST "+b+"/{id}/members", h(on(t.moderated, t.addMember)))
	s.mux.HandleFunc("DELETE "+b+"/{id}/members/{mid}", h(on(t.moderated, t.removeMember)))
}

func (t *teamsStandIn) memberOf(tm *teamRec, uid string) *teamMemberRec {
	for _, m := range tm.members {
		if m.typ == 1 && m.userID == uid {
			return m
		}
	}
	return nil
}

func (t *teamsStandIn) memberJSON(tm *teamRec, m *teamMemberRec) map[string]any {
	return map[string]any{"id": m.id, "circleId": tm.id, "singleId": m.id, "userId": m.userID, "userType": m.typ,
		"instance": "", "displayName": m.displayName, "level": m.level, "status": "Member", "note": map[string]any{}}
}

func (t *teamsStandIn) json(tm *teamRec, uid string) map[string]any {
	config := 0
	if tm.personal {
		config = 2 // Circle::CFG_PERSONAL
	}
	out := map[string]any{"id": tm.id, "name": tm.name, "displayName": tm.name, "sanitizedName": tm.name, "description": tm.description,
		"population": len(tm.members), "config": config, "creation": tm.created, "source": 16, "url": "/apps/contacts/circle/" + tm.id}
	for _, m := range tm.members {
		if m.level == 9 {
			out["owner"] = t.memberJSON(tm, m)
		}
	}
	if me := t.memberOf(tm, uid); me != nil {
		out["initiator"] = t.memberJSON(tm, me)
	}
	return out
}

func (t *teamsStandIn) list(r *http.Request, uid string, _ params) (any, *apiErr) {
	var picked []*teamRec
	for _, tm := range t.teams {
		if t.memberOf(tm, uid) != nil {
			picked = append(picked, tm)
		}
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i].created < picked[j].created })
	return jsonList(picked, func(tm *teamRec) any { return t.json(tm, uid) }), nil
}

func (t *teamsStandIn) find(r *http.Request, uid string) (*teamRec, *apiErr) {
	tm := t.teams[r.PathValue("id")]
	if tm == nil || t.memberOf(tm, uid) == nil {
		return nil, errStatus(http.StatusNotFound, "Circle not found")
	}
	return tm, nil
}

func (t *teamsStandIn) get(_ *http.Request, uid string, _ params, tm *teamRec) (any, *apiErr) {
	return t.json(tm, uid), nil
}

func (t *teamsStandIn) create(r *http.Request, uid string, p params) (any, *apiErr) {
	name := p.str("name")
	if len([]rune(name)) < 3 {
		return nil, errBad("Circle name is too short")
	}
	tm := t.add(uid, name, p.bool("personal"))
	return t.json(tm, uid), nil
}

func (t *teamsStandIn) add(owner, name string, personal bool) *teamRec {
	tm := &teamRec{id: randomString(idAlphabet, 31), name: name, personal: personal, created: time.Now().UnixNano()}
	tm.members = append(tm.members, &teamMemberRec{id: randomString(idAlphabet, 31), userID: owner, typ: 1, level: 9,
		displayName: t.s.displayNameOr(owner)})
	t.teams[tm.id] = tm
	return tm
}

func (t *teamsStandIn) members(_ *http.Request, _ string, _ params, tm *teamRec) (any, *apiErr) {
	return jsonList(tm.members, func(m *teamMemberRec) any { return t.memberJSON(tm, m) }), nil
}

func (t *teamsStandIn) moderated(r *http.Request, uid string) (*teamRec, *apiErr) {
	tm, e := t.find(r, uid)
	if e != nil {
		return nil, e
	}
	if t.memberOf(tm, uid).level < 4 {
		return nil, errStatus(http.StatusForbidden, "Insufficient rights")
	}
	return tm, nil
}

func (t *teamsStandIn) addMember(_ *http.Request, _ string, p params, tm *teamRec) (any, *apiErr) {
	who := p.str("userId")
	typ, ok := p.num("type")
	if !ok {
		return nil, errBad("type must be an integer")
	}
	if tm.personal && typ != 1 {
		return nil, errBad("personal circles accept only users")
	}
	display := who
	switch typ {
	case 1:
		d, exists := t.s.userDisplay(who)
		if !exists {
			return nil, errStatus(http.StatusNotFound, "user not found")
		}
		display = d
	case 2:
		if u := t.s.apps.users; u == nil || !u.groupExists(who) {
			return nil, errStatus(http.StatusNotFound, "group not found")
		}
		display = t.s.apps.users.groupDisplay(who)
	case 4:
		if !validMail(who) {
			return nil, errBad("invalid mail address")
		}
	default:
		return nil, errBad("unsupported member type %d", typ)
	}
	if slices.ContainsFunc(tm.members, func(m *teamMemberRec) bool { return m.typ == int(typ) && m.userID == who }) {
		return nil, errBad("member already exists")
	}
	m := &teamMemberRec{id: randomString(idAlphabet, 31), userID: who, typ: int(typ), level: 1, displayName: display}
	tm.members = append(tm.members, m)
	return t.memberJSON(tm, m), nil
}

func validMail(s string) bool {
	at := slices.Index([]byte(s), '@')
	return at > 0 && at < len(s)-1
}

func (t *teamsStandIn) removeMember(r *http.Request, uid string, _ params, tm *teamRec) (any, *apiErr) {
	i := slices.IndexFunc(tm.members, func(m *teamMemberRec) bool { return m.id == r.PathValue("mid") })
	if i < 0 {
		return nil, errStatus(http.StatusNotFound, "Member not found")
	}
	if tm.members[i].level == 9 {
		return nil, errBad("The owner cannot be removed")
	}
	tm.members = slices.Delete(tm.members, i, i+1)
	return t.json(tm, uid), nil
}

// AddTeam creates a team owned by owner with members (user ids) and
// returns its id.
func (s *Server) AddTeam(owner, name string, members ...string) string {
	t := s.apps.teams
	t.mu.Lock()
	defer t.mu.Unlock()
	tm := t.add(owner, name, false)
	for _, m := range members {
		tm.members = append(tm.members, &teamMemberRec{id: randomString(idAlphabet, 31), userID: m, typ: 1, level: 1, displayName: s.displayNameOr(m)})
	}
	return tm.id
}

// SetTeamLevel sets a user member's level (1 member, 4 moderator, 8
// admin).
func (s *Server) SetTeamLevel(teamID, user string, level int) {
	t := s.apps.teams
	t.mu.Lock()
	defer t.mu.Unlock()
	t.memberOf(t.teams[teamID], user).level = level
}

// Teams renders every team and its members ("type:userId@level"), for
// tests that check what changed.
func (s *Server) Teams() map[string]string {
	t := s.apps.teams
	return lockedMap(&t.mu, t.teams, func(_ string, tm *teamRec) string {
		var ms []string
		for _, m := range tm.members {
			ms = append(ms, fmt.Sprintf("%d:%s@%d", m.typ, m.userID, m.level))
		}
		return fmt.Sprintf("%s|personal=%v|%v", tm.name, tm.personal, ms)
	})
}
