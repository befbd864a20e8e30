package nctest

import (
	"net/http"
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
	nextPoll   int64
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
	polls        []*talkPoll
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
	t.mux.HandleFunc("GET "+v4+"/{token}", t.onRoom(t.getRoom))
	t.mux.HandleFunc("GET "+v4+"/{token}/participants", t.onRoom(t.listParticipants))
	t.mux.HandleFunc("POST "+v4+"/{token}/participants", t.onRoom(t.addParticipant))
	t.mux.HandleFunc("GET "+v1+"chat/{token}", t.onRoom(t.receive))
	t.mux.HandleFunc("POST "+v1+"chat/{token}", t.onRoom(t.send))
	t.mux.HandleFunc("POST "+v1+"chat/{token}/read", t.onRoom(t.markRead))
	t.mux.HandleFunc("GET "+v1+"reaction/{token}/{messageId}", t.onReaction(t.reactions))
	t.mux.HandleFunc("POST "+v1+"reaction/{token}/{messageId}", t.onReaction(t.react))
	t.mux.HandleFunc("DELETE "+v1+"reaction/{token}/{messageId}", t.onReaction(t.unreact))
	t.pollRoutes(v1)
	t.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOCSInvalid(w, r)
	})
	s.mux.Handle(talkPrefix, t)
	s.AddSearchProvider(SearchProvider{ID: "talk-conversations", AppID: "spreed", Name: "Conversations", Order: 25, Search: t.searchRooms})
	s.AddSearchProvider(SearchProvider{ID: "talk-message", AppID: "spreed", Name: "Messages", Order: 30, Search: t.searchMessages})
}

func (t *talkStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.mux.ServeHTTP(w, r) }

func randomToken(n int) string { return randomString("abcdefghijklmnopqrstuvwxyz0123456789", n) }

// onRoom serves a route on conversation {token} the user takes part in,
// with the store locked; other conversations answer 404 as Talk does.
func (t *talkStandIn) onRoom(fn func(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uid := UserOf(r)
		t.mu.Lock()
		defer t.mu.Unlock()
		room, a := t.roomFor(r.PathValue("token"), uid)
		if room == nil {
			writeOCS(w, r, http.StatusNotFound, 404, "", nil)
			return
		}
		fn(w, r, uid, room, a)
	}
}

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
