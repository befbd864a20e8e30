package nctest

import (
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// User status stand-in following the Nextcloud developer manual's "OCS
// Status API" (client_apis/OCS/ocs-status-api.html) and
// apps/user_status/lib/Controller of nextcloud/server: the own status
// under /ocs/v2.php/apps/user_status/api/v1/user_status (404 while none is
// set), others' under statuses/{userId} (invisible shows as offline), the
// predefined statuses, and PUT status / message/predefined /
// message/custom, DELETE message. Messages are at most 80 characters.

const userStatusBase = "/ocs/v2.php/apps/user_status/api/v1/"

type userStatusRec struct {
	status        string
	userDefined   bool
	message, icon string
	messageID     string
	clearAt       int64
}

type userStatusStandIn struct {
	s   *Server
	mu  sync.Mutex
	all map[string]*userStatusRec
}

// predefinedStatuses are the ready-made messages, as PredefinedStatusService.
var predefinedStatuses = []map[string]any{
	{"id": "meeting", "icon": "📅", "message": "In a meeting", "clearAt": map[string]any{"type": "period", "time": 3600}},
	{"id": "commuting", "icon": "🚌", "message": "Commuting", "clearAt": map[string]any{"type": "period", "time": 1800}},
	{"id": "remote-work", "icon": "🏡", "message": "Working remotely", "clearAt": map[string]any{"type": "end-of", "time": "day"}},
	{"id": "sick-leave", "icon": "🤒", "message": "Out sick", "clearAt": map[string]any{"type": "end-of", "time": "day"}},
	{"id": "vacationing", "icon": "🌴", "message": "Vacationing", "clearAt": nil},
}

func predefinedStatus(id string) map[string]any {
	for _, p := range predefinedStatuses {
		if p["id"] == id {
			return p
		}
	}
	return nil
}

func (s *Server) registerUserStatus() {
	u := &userStatusStandIn{s: s, all: map[string]*userStatusRec{}}
	s.apps.userStatus = u
	b := userStatusBase
	s.mux.HandleFunc("GET "+b+"user_status", u.api(u.own))
	s.mux.HandleFunc("PUT "+b+"user_status/status", u.api(u.setStatus))
	s.mux.HandleFunc("PUT "+b+"user_status/message/predefined", u.api(u.setPredefined))
	s.mux.HandleFunc("PUT "+b+"user_status/message/custom", u.api(u.setCustom))
	s.mux.HandleFunc("DELETE "+b+"user_status/message", u.api(u.clearMessage))
	s.mux.HandleFunc("GET "+b+"statuses/{userId}", u.api(u.of))
	s.mux.HandleFunc("GET "+b+"predefined_statuses", u.api(func(*http.Request, string, params) (any, *apiErr) { return predefinedStatuses, nil }))
	s.mux.HandleFunc("/ocs/v2.php/apps/user_status/", writeOCSInvalid)
}

func (u *userStatusStandIn) api(fn apiFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, e := runLocked(&u.mu, r, fn)
		if e != nil {
			writeOCS(w, r, e.status, e.status, e.msg, nil)
			return
		}
		writeOCS(w, r, http.StatusOK, 200, "OK", data)
	}
}

// current drops a message whose clearAt passed; callers hold u.mu.
func (u *userStatusStandIn) current(user string) *userStatusRec {
	rec := u.all[user]
	if rec != nil && rec.clearAt > 0 && rec.clearAt <= time.Now().Unix() {
		rec.message, rec.icon, rec.messageID, rec.clearAt = "", "", "", 0
	}
	return rec
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (rec *userStatusRec) public(user string) map[string]any {
	status := rec.status
	if status == "invisible" {
		status = "offline"
	}
	var clearAt any
	if rec.clearAt > 0 {
		clearAt = rec.clearAt
	}
	return map[string]any{"userId": user, "message": orNil(rec.message), "icon": orNil(rec.icon), "clearAt": clearAt, "status": status}
}

func (u *userStatusStandIn) own(_ *http.Request, user string, _ params) (any, *apiErr) {
	rec := u.current(user)
	if rec == nil {
		return nil, errStatus(http.StatusNotFound, "No status for the current user")
	}
	out := rec.public(user)
	out["status"] = rec.status
	out["messageId"] = orNil(rec.messageID)
	out["messageIsPredefined"] = rec.messageID != ""
	out["statusIsUserDefined"] = rec.userDefined
	return out, nil
}

func (u *userStatusStandIn) of(r *http.Request, _ string, _ params) (any, *apiErr) {
	id := r.PathValue("userId")
	rec := u.current(id)
	if rec == nil {
		return nil, errStatus(http.StatusNotFound, "No status for the requested userId")
	}
	return rec.public(id), nil
}

func (u *userStatusStandIn) rec(user string) *userStatusRec {
	rec := u.current(user)
	if rec == nil {
		rec = &userStatusRec{status: "offline"}
		u.all[user] = rec
	}
	return rec
}

func (u *userStatusStandIn) setStatus(r *http.Request, user string, p params) (any, *apiErr) {
	st := p.str("statusType")
	if !slices.Contains([]string{"online", "away", "dnd", "invisible", "offline"}, st) {
		return nil, errBad("Invalid statusType %q: Status-type %q is not supported", st, st)
	}
	rec := u.rec(user)
	rec.status, rec.userDefined = st, true
	return u.own(r, user, p)
}

// clearAtOf reads clearAt: null is never, a time in the past is refused.
func clearAtOf(p params) (int64, *apiErr) {
	if !p.has("clearAt") {
		return 0, nil
	}
	at, ok := p.num("clearAt")
	if !ok {
		return 0, errBad("Invalid clearAt value")
	}
	if at < time.Now().Unix() {
		return 0, errBad("Invalid clearAt value: ClearAt is in the past")
	}
	return at, nil
}

func (u *userStatusStandIn) setPredefined(r *http.Request, user string, p params) (any, *apiErr) {
	id := p.str("messageId")
	pre := predefinedStatus(id)
	if pre == nil {
		return nil, errBad("Invalid messageId %q: The given messageId is invalid", id)
	}
	at, e := clearAtOf(p)
	if e != nil {
		return nil, e
	}
	rec := u.rec(user)
	rec.messageID, rec.message, rec.icon, rec.clearAt = id, pre["message"].(string), pre["icon"].(string), at
	return u.own(r, user, p)
}

func (u *userStatusStandIn) setCustom(r *http.Request, user string, p params) (any, *apiErr) {
	msg, icon := p.str("message"), p.str("statusIcon")
	if utf8.RuneCountInString(msg) > 80 {
		return nil, errBad("Message is too long (max 80 characters)")
	}
	if icon != "" && !singleEmoji(icon) {
		return nil, errBad("Invalid statusIcon: The given icon is not a single emoji")
	}
	at, e := clearAtOf(p)
	if e != nil {
		return nil, e
	}
	rec := u.rec(user)
	if msg == "" && icon == "" {
		rec.message, rec.icon, rec.messageID, rec.clearAt = "", "", "", 0
		return u.own(r, user, p)
	}
	rec.messageID, rec.message, rec.icon, rec.clearAt = "", msg, icon, at
	return u.own(r, user, p)
}

// singleEmoji approximates EmojiHelper::isValidSingleEmoji: a few runes,
// none of them plain text (letters, digits, ASCII).
func singleEmoji(s string) bool {
	n := 0
	for _, r := range s {
		n++
		if r < 0x2000 || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return n <= 8
}

func (u *userStatusStandIn) clearMessage(_ *http.Request, user string, _ params) (any, *apiErr) {
	if rec := u.current(user); rec != nil {
		rec.message, rec.icon, rec.messageID, rec.clearAt = "", "", "", 0
	}
	return nil, nil
}

// SetUserStatus gives user a status (online, away, dnd, invisible,
// offline) with a custom message and emoji.
func (s *Server) SetUserStatus(user, status, message, icon string) {
	u := s.apps.userStatus
	u.mu.Lock()
	defer u.mu.Unlock()
	u.all[user] = &userStatusRec{status: status, userDefined: true, message: message, icon: icon}
}

// UserStatusOf reads back user's status type, message, emoji, predefined
// message id and clear time (ok false when none is set).
func (s *Server) UserStatusOf(user string) (status, message, icon, messageID string, clearAt int64, ok bool) {
	u := s.apps.userStatus
	u.mu.Lock()
	defer u.mu.Unlock()
	rec := u.current(user)
	if rec == nil {
		return "", "", "", "", 0, false
	}
	return rec.status, rec.message, rec.icon, rec.messageID, rec.clearAt, true
}
