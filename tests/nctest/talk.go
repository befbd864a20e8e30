package nctest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Talk (spreed) stand-in following docs/conversation.md, participant.md,
// chat.md and reaction.md of nextcloud/spreed: conversations under
// /ocs/v2.php/apps/spreed/api/v4/room, chat and reactions under api/v1.
// Like PHP it sends [] for empty maps (messageParameters, reactions,
// lastMessage) so clients must cope with that.

const talkPrefix = "/ocs/v2.php/apps/spreed/"

type talkStandIn struct {
	s   *Server
	mux *http.ServeMux

	mu         sync.Mutex
	nextRoom   int64
	nextMsg    int64
	nextAttend int64
	rooms      map[string]*talkRoom
}

type talkRoom struct {
	id           int64
	token        string
	typ          int
	name         string
	description  string
	attendees    []*talkAttendee
	messages     []*talkMsg // ascending ids
	lastActivity int64
}

type talkAttendee struct {
	id       int64
	actorID  string
	display  string
	partType int // 1 owner, 2 moderator, 3 user
	lastRead int64
	favorite bool
}

type talkMsg struct {
	id        int64
	actorID   string
	display   string
	ts        int64
	message   string
	params    map[string]map[string]any
	system    string
	msgType   string
	parent    int64
	refID     string
	reactions map[string][]talkReaction
}

type talkReaction struct {
	actorID string
	display string
	ts      int64
}

func (s *Server) registerTalk() {
	t := &talkStandIn{s: s, mux: http.NewServeMux(), rooms: map[string]*talkRoom{}}
	s.apps.talk = t
	v4 := "/ocs/v2.php/apps/spreed/api/v4/room"
	v1 := "/ocs/v2.php/apps/spreed/api/v1/"
	t.mux.HandleFunc("GET "+v4, t.listRooms)
	t.mux.HandleFunc("POST "+v4, t.createRoom)
	t.mux.HandleFunc("GET "+v4+"/{token}", t.getRoom)
	t.mux.HandleFunc("GET "+v4+"/{token}/participants", t.listParticipants)
	t.mux.HandleFunc("POST "+v4+"/{token}/participants", t.addParticipant)
	t.mux.HandleFunc("GET "+v1+"chat/{token}", t.receive)
	t.mux.HandleFunc("POST "+v1+"chat/{token}", t.send)
	t.mux.HandleFunc("POST "+v1+"chat/{token}/read", t.markRead)
	t.mux.HandleFunc("GET "+v1+"reaction/{token}/{messageId}", t.reactions)
	t.mux.HandleFunc("POST "+v1+"reaction/{token}/{messageId}", t.react)
	t.mux.HandleFunc("DELETE "+v1+"reaction/{token}/{messageId}", t.unreact)
	t.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOCSInvalid(w, r)
	})
	s.mux.Handle(talkPrefix, t)
	s.AddSearchProvider(SearchProvider{ID: "talk-conversations", AppID: "spreed", Name: "Conversations", Order: 25, Search: t.searchRooms})
	s.AddSearchProvider(SearchProvider{ID: "talk-message", AppID: "spreed", Name: "Messages", Order: 30, Search: t.searchMessages})
}

func (t *talkStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.mux.ServeHTTP(w, r) }

func randomToken(n int) string { return randomString("abcdefghijklmnopqrstuvwxyz0123456789", n) }

func (t *talkStandIn) attendee(room *talkRoom, uid string) *talkAttendee {
	for _, a := range room.attendees {
		if a.actorID == uid {
			return a
		}
	}
	return nil
}

// roomFor returns the room if uid takes part; callers hold t.mu.
func (t *talkStandIn) roomFor(token, uid string) (*talkRoom, *talkAttendee) {
	room := t.rooms[token]
	if room == nil {
		return nil, nil
	}
	a := t.attendee(room, uid)
	if a == nil {
		return nil, nil
	}
	return room, a
}

func (t *talkStandIn) addAttendee(room *talkRoom, uid string, partType int) *talkAttendee {
	if a := t.attendee(room, uid); a != nil {
		return a
	}
	display, _ := t.s.userDisplay(uid)
	t.nextAttend++
	a := &talkAttendee{id: t.nextAttend, actorID: uid, display: display, partType: partType}
	// A new participant has read what was said before joining.
	if n := len(room.messages); n > 0 {
		a.lastRead = room.messages[n-1].id
	}
	room.attendees = append(room.attendees, a)
	return a
}

func (t *talkStandIn) newRoom(typ int, name, owner string) *talkRoom {
	t.nextRoom++
	room := &talkRoom{id: t.nextRoom, token: randomToken(8), typ: typ, name: name, lastActivity: time.Now().Unix()}
	t.rooms[room.token] = room
	t.addAttendee(room, owner, 1)
	return room
}

func (t *talkStandIn) post(room *talkRoom, uid, text string, msgType, system string, parent int64) *talkMsg {
	display, _ := t.s.userDisplay(uid)
	t.nextMsg++
	m := &talkMsg{id: t.nextMsg, actorID: uid, display: display, ts: time.Now().Unix(), message: text,
		msgType: msgType, system: system, parent: parent, reactions: map[string][]talkReaction{}}
	switch msgType {
	case "comment":
		m.params = mentionParams(room, text)
		m.message = applyMentions(text, m.params)
	case "system":
		m.params = map[string]map[string]any{"actor": {"type": "user", "id": uid, "name": display}}
	}
	room.messages = append(room.messages, m)
	room.lastActivity = m.ts
	if a := t.attendee(room, uid); a != nil && msgType == "comment" {
		a.lastRead = m.id
	}
	return m
}

// mentionParams finds @user mentions of participants, as Talk's parser does.
func mentionParams(room *talkRoom, text string) map[string]map[string]any {
	params := map[string]map[string]any{}
	n := 0
	for _, a := range room.attendees {
		if strings.Contains(text, "@"+a.actorID) {
			n++
			params["mention-user"+strconv.Itoa(n)] = map[string]any{"type": "user", "id": a.actorID, "name": a.display}
		}
	}
	return params
}

func applyMentions(text string, params map[string]map[string]any) string {
	for k, p := range params {
		text = strings.ReplaceAll(text, "@"+p["id"].(string), "{"+k+"}")
	}
	return text
}

func (t *talkStandIn) displayName(room *talkRoom, uid string) string {
	if room.typ == 1 {
		for _, a := range room.attendees {
			if a.actorID != uid {
				return a.display
			}
		}
	}
	if room.typ == 6 {
		return "Note to self"
	}
	return room.name
}

func (t *talkStandIn) messageJSON(room *talkRoom, m *talkMsg, uid string, withParent bool) map[string]any {
	var params any = []any{}
	if len(m.params) > 0 {
		params = m.params
	}
	var reactions any = []any{}
	var self []string
	if len(m.reactions) > 0 {
		counts := map[string]int{}
		for emoji, rs := range m.reactions {
			counts[emoji] = len(rs)
			for _, r := range rs {
				if r.actorID == uid {
					self = append(self, emoji)
				}
			}
		}
		reactions = counts
	}
	out := map[string]any{
		"id": m.id, "token": room.token, "actorType": "users", "actorId": m.actorID,
		"actorDisplayName": m.display, "timestamp": m.ts, "message": m.message,
		"messageParameters": params, "systemMessage": m.system, "messageType": m.msgType,
		"isReplyable": m.msgType == "comment", "referenceId": m.refID, "expirationTimestamp": 0,
		"markdown": true, "reactions": reactions,
	}
	if len(self) > 0 {
		sort.Strings(self)
		out["reactionsSelf"] = self
	}
	if withParent && m.parent > 0 {
		if p := findMsg(room, m.parent); p != nil {
			out["parent"] = t.messageJSON(room, p, uid, false)
		} else {
			out["parent"] = map[string]any{"id": m.parent, "deleted": true}
		}
	}
	return out
}

func findMsg(room *talkRoom, id int64) *talkMsg {
	for _, m := range room.messages {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (t *talkStandIn) roomJSON(room *talkRoom, a *talkAttendee) map[string]any {
	unread := 0
	mention := false
	for _, m := range room.messages {
		if m.id > a.lastRead && m.msgType == "comment" && m.actorID != a.actorID {
			unread++
			for _, p := range m.params {
				if p["id"] == a.actorID {
					mention = true
				}
			}
		}
	}
	var last any = []any{}
	if n := len(room.messages); n > 0 {
		last = t.messageJSON(room, room.messages[n-1], a.actorID, false)
	}
	name := room.name
	if room.typ == 1 {
		for _, o := range room.attendees {
			if o.actorID != a.actorID {
				name = o.actorID
			}
		}
	}
	return map[string]any{
		"id": room.id, "token": room.token, "type": room.typ, "name": name,
		"displayName": t.displayName(room, a.actorID), "description": room.description,
		"participantType": a.partType, "attendeeId": a.id, "actorType": "users", "actorId": a.actorID,
		"permissions": 254, "attendeePermissions": 0, "callPermissions": 0, "defaultPermissions": 0,
		"participantFlags": 0, "readOnly": 0, "listable": 0, "messageExpiration": 0, "lastPing": 0,
		"sessionId": "0", "hasPassword": false, "hasCall": false, "callFlag": 0, "canStartCall": true,
		"canDeleteConversation": a.partType <= 2 && room.typ != 1, "canLeaveConversation": true,
		"lastActivity": room.lastActivity, "isFavorite": a.favorite, "notificationLevel": 1,
		"lobbyState": 0, "lobbyTimer": 0, "sipEnabled": 0, "canEnableSIP": false,
		"unreadMessages": unread, "unreadMention": mention, "unreadMentionDirect": mention,
		"lastReadMessage": a.lastRead, "lastCommonReadMessage": 0, "lastMessage": last,
		"objectType": "", "objectId": "", "breakoutRoomMode": 0, "breakoutRoomStatus": 0,
		"avatarVersion": "", "isCustomAvatar": false, "callStartTime": 0, "callRecording": 0,
	}
}

func (t *talkStandIn) listRooms(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	var rooms []*talkRoom
	for _, room := range t.rooms {
		if t.attendee(room, uid) != nil {
			rooms = append(rooms, room)
		}
	}
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].id < rooms[j].id })
	data := []any{}
	for _, room := range rooms {
		data = append(data, t.roomJSON(room, t.attendee(room, uid)))
	}
	w.Header().Set("X-Nextcloud-Talk-Modified-Before", strconv.FormatInt(time.Now().Unix(), 10))
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (t *talkStandIn) getRoom(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	room, a := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", t.roomJSON(room, a))
}

func (t *talkStandIn) createRoom(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	typ, ok := p.int("roomType", 0)
	if !ok {
		writeOCS(w, r, http.StatusBadRequest, 400, "", map[string]any{"error": "type"})
		return
	}
	invite := p.str("invite")
	name := strings.TrimSpace(p.str("roomName"))
	t.mu.Lock()
	defer t.mu.Unlock()
	switch typ {
	case 1:
		if _, found := t.s.userDisplay(invite); !found || invite == uid {
			writeOCS(w, r, http.StatusNotFound, 404, "", map[string]any{"error": "invite"})
			return
		}
		for _, room := range t.rooms {
			if room.typ == 1 && t.attendee(room, uid) != nil && t.attendee(room, invite) != nil {
				writeOCS(w, r, http.StatusOK, 200, "OK", t.roomJSON(room, t.attendee(room, uid)))
				return
			}
		}
		room := t.newRoom(1, "", uid)
		t.addAttendee(room, invite, 1)
		writeOCS(w, r, http.StatusCreated, 201, "Created", t.roomJSON(room, t.attendee(room, uid)))
	case 2, 3:
		if name == "" || len(name) > 255 {
			writeOCS(w, r, http.StatusBadRequest, 400, "", map[string]any{"error": "name"})
			return
		}
		var members []string
		if invite != "" {
			if src := p.str("source"); src != "" && src != "groups" {
				writeOCS(w, r, http.StatusBadRequest, 400, "", map[string]any{"error": "source"})
				return
			}
			// The test Nextcloud has one group, "users", holding everyone.
			if invite != "users" {
				writeOCS(w, r, http.StatusNotFound, 404, "", map[string]any{"error": "invite"})
				return
			}
			members = t.s.userIDs()
		}
		room := t.newRoom(int(typ), name, uid)
		for _, m := range members {
			t.addAttendee(room, m, 3)
		}
		writeOCS(w, r, http.StatusCreated, 201, "Created", t.roomJSON(room, t.attendee(room, uid)))
	default:
		writeOCS(w, r, http.StatusBadRequest, 400, "", map[string]any{"error": "type"})
	}
}

func (t *talkStandIn) listParticipants(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	room, _ := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	data := []any{}
	for _, a := range room.attendees {
		data = append(data, map[string]any{
			"attendeeId": a.id, "actorType": "users", "actorId": a.actorID, "displayName": a.display,
			"participantType": a.partType, "lastPing": 0, "inCall": 0, "permissions": 254,
			"attendeePermissions": 0, "sessionIds": []string{}, "status": "online",
			"statusIcon": nil, "statusMessage": nil,
		})
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (t *talkStandIn) addParticipant(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	room, me := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	if room.typ == 1 || room.typ == 5 || room.typ == 6 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	if me.partType > 2 {
		writeOCS(w, r, http.StatusForbidden, 403, "", nil)
		return
	}
	who := p.str("newParticipant")
	switch src := p.str("source"); src {
	case "", "users":
		if _, ok := t.s.userDisplay(who); !ok {
			writeOCS(w, r, http.StatusNotFound, 404, "", nil)
			return
		}
		t.addAttendee(room, who, 3)
	case "groups":
		if who != "users" {
			writeOCS(w, r, http.StatusNotFound, 404, "", nil)
			return
		}
		for _, u := range t.s.userIDs() {
			t.addAttendee(room, u, 3)
		}
	default:
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{"type": room.typ})
}

func (t *talkStandIn) receive(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	future, ok1 := p.int("lookIntoFuture", 0)
	limit, ok2 := p.int("limit", 100)
	lastKnown, ok3 := p.int("lastKnownMessageId", 0)
	setRead, ok4 := p.int("setReadMarker", 1)
	includeLast, ok5 := p.int("includeLastKnown", 0)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	limit = max(1, min(limit, 200))
	t.mu.Lock()
	defer t.mu.Unlock()
	room, a := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	var picked []*talkMsg
	if future == 1 {
		for _, m := range room.messages {
			if m.id > lastKnown || (includeLast == 1 && m.id == lastKnown) {
				picked = append(picked, m)
				if int64(len(picked)) == limit {
					break
				}
			}
		}
	} else {
		for i := len(room.messages) - 1; i >= 0; i-- {
			m := room.messages[i]
			if lastKnown == 0 || m.id < lastKnown || (includeLast == 1 && m.id == lastKnown) {
				picked = append(picked, m)
				if int64(len(picked)) == limit {
					break
				}
			}
		}
	}
	if len(picked) == 0 {
		// Real Talk long-polls for new messages; answering at once is enough here.
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if setRead == 1 {
		newest := picked[0].id
		if future == 1 {
			newest = picked[len(picked)-1].id
		}
		if newest > a.lastRead {
			a.lastRead = newest
		}
	}
	data := make([]any, 0, len(picked))
	for _, m := range picked {
		data = append(data, t.messageJSON(room, m, uid, true))
	}
	w.Header().Set("X-Chat-Last-Given", strconv.FormatInt(picked[len(picked)-1].id, 10))
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (t *talkStandIn) send(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	text := p.str("message")
	replyTo, ok := p.int("replyTo", 0)
	if !ok {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	room, _ := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	if strings.TrimSpace(text) == "" {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	if len([]rune(text)) > 32000 {
		writeOCS(w, r, http.StatusRequestEntityTooLarge, 413, "", nil)
		return
	}
	if replyTo > 0 {
		parent := findMsg(room, replyTo)
		if parent == nil || parent.msgType != "comment" {
			writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
			return
		}
	}
	m := t.post(room, uid, text, "comment", "", replyTo)
	m.refID = p.str("referenceId")
	writeOCS(w, r, http.StatusCreated, 201, "Created", t.messageJSON(room, m, uid, true))
}

func (t *talkStandIn) markRead(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	last, ok := p.int("lastReadMessage", 0)
	if !ok {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	room, a := t.roomFor(r.PathValue("token"), uid)
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", nil)
		return
	}
	if last <= 0 && len(room.messages) > 0 {
		last = room.messages[len(room.messages)-1].id
	}
	a.lastRead = last
	writeOCS(w, r, http.StatusOK, 200, "OK", t.roomJSON(room, a))
}

// reactionTarget resolves room and message of a reaction request; it has
// answered the request when ok is false. Callers hold t.mu.
func (t *talkStandIn) reactionTarget(w http.ResponseWriter, r *http.Request) (*talkRoom, *talkMsg, bool) {
	room, _ := t.roomFor(r.PathValue("token"), UserOf(r))
	if room == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
		return nil, nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("messageId"), 10, 64)
	if err != nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
		return nil, nil, false
	}
	m := findMsg(room, id)
	if m == nil {
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
		return nil, nil, false
	}
	return room, m, true
}

func reactionsJSON(m *talkMsg, only string) any {
	out := map[string]any{}
	for emoji, rs := range m.reactions {
		if only != "" && emoji != only {
			continue
		}
		list := []any{}
		for _, r := range rs {
			list = append(list, map[string]any{"actorType": "users", "actorId": r.actorID, "actorDisplayName": r.display, "timestamp": r.ts})
		}
		out[emoji] = list
	}
	// ReactionController::formatReactions sends {} for none in JSON.
	return out
}

func (t *talkStandIn) reactions(w http.ResponseWriter, r *http.Request) {
	p := paramsOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	_, m, ok := t.reactionTarget(w, r)
	if !ok {
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", reactionsJSON(m, p.str("reaction")))
}

func (t *talkStandIn) react(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	emoji := p.str("reaction")
	t.mu.Lock()
	defer t.mu.Unlock()
	_, m, ok := t.reactionTarget(w, r)
	if !ok {
		return
	}
	if emoji == "" || m.msgType != "comment" {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	if slices.ContainsFunc(m.reactions[emoji], func(x talkReaction) bool { return x.actorID == uid }) {
		writeOCS(w, r, http.StatusOK, 200, "OK", reactionsJSON(m, ""))
		return
	}
	display, _ := t.s.userDisplay(uid)
	m.reactions[emoji] = append(m.reactions[emoji], talkReaction{actorID: uid, display: display, ts: time.Now().Unix()})
	writeOCS(w, r, http.StatusCreated, 201, "Created", reactionsJSON(m, ""))
}

func (t *talkStandIn) unreact(w http.ResponseWriter, r *http.Request) {
	uid := UserOf(r)
	p := paramsOf(r)
	emoji := p.str("reaction")
	t.mu.Lock()
	defer t.mu.Unlock()
	_, m, ok := t.reactionTarget(w, r)
	if !ok {
		return
	}
	rs := m.reactions[emoji]
	i := slices.IndexFunc(rs, func(x talkReaction) bool { return x.actorID == uid })
	if i < 0 {
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
		return
	}
	rs = slices.Delete(rs, i, i+1)
	if len(rs) == 0 {
		delete(m.reactions, emoji)
	} else {
		m.reactions[emoji] = rs
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", reactionsJSON(m, ""))
}

func (t *talkStandIn) searchRooms(uid, term string) []SearchHit {
	t.mu.Lock()
	defer t.mu.Unlock()
	var hits []SearchHit
	for _, room := range t.sortedRooms() {
		if t.attendee(room, uid) == nil {
			continue
		}
		name := t.displayName(room, uid)
		if matchFold(term, name, room.description) {
			hits = append(hits, SearchHit{Title: name, Subline: room.description, ResourceURL: "/call/" + room.token,
				Icon: "icon-contacts", Attributes: map[string]string{"conversation": room.token}})
		}
	}
	return hits
}

func (t *talkStandIn) searchMessages(uid, term string) []SearchHit {
	t.mu.Lock()
	defer t.mu.Unlock()
	var hits []SearchHit
	for _, room := range t.sortedRooms() {
		if t.attendee(room, uid) == nil {
			continue
		}
		for i := len(room.messages) - 1; i >= 0; i-- {
			m := room.messages[i]
			if m.msgType != "comment" || !matchFold(term, m.message) {
				continue
			}
			hits = append(hits, SearchHit{Title: m.display, Subline: m.message,
				ResourceURL: "/call/" + room.token + "#message_" + strconv.FormatInt(m.id, 10), Rounded: true,
				Attributes: map[string]string{"conversation": room.token, "messageId": strconv.FormatInt(m.id, 10)}})
		}
	}
	return hits
}

func (t *talkStandIn) sortedRooms() []*talkRoom {
	rooms := make([]*talkRoom, 0, len(t.rooms))
	for _, r := range t.rooms {
		rooms = append(rooms, r)
	}
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].id < rooms[j].id })
	return rooms
}

// TalkRoom creates a conversation owned by owner with the given members
// (type 2 group, 3 public; 1 one-to-one with exactly one member) and
// returns its token.
func (s *Server) TalkRoom(owner string, typ int, name string, members ...string) string {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	room := t.newRoom(typ, name, owner)
	for _, m := range members {
		pt := 3
		if typ == 1 {
			pt = 1
		}
		t.addAttendee(room, m, pt)
	}
	return room.token
}

// TalkPost posts a chat message as user and returns its id.
func (s *Server) TalkPost(token, user, message string) int64 {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	room := t.rooms[token]
	if room == nil {
		panic("nctest: no Talk room " + token)
	}
	return t.post(room, user, message, "comment", "", 0).id
}

// TalkSystemMessage posts a system message (e.g. "conversation_created").
func (s *Server) TalkSystemMessage(token, user, system, text string) int64 {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.post(t.rooms[token], user, text, "system", system, 0).id
}

// TalkLastRead returns the read marker of user in a conversation.
func (s *Server) TalkLastRead(token, user string) int64 {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.rooms[token]; room != nil {
		if a := t.attendee(room, user); a != nil {
			return a.lastRead
		}
	}
	return -1
}
