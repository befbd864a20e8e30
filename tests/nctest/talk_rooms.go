package nctest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Talk conversations and their participants (api/v4/room).

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
	data := jsonList(rooms, func(room *talkRoom) any { return t.roomJSON(room, t.attendee(room, uid)) })
	w.Header().Set("X-Nextcloud-Talk-Modified-Before", strconv.FormatInt(time.Now().Unix(), 10))
	writeOCS(w, r, http.StatusOK, 200, "OK", data)
}

func (t *talkStandIn) getRoom(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
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

func (t *talkStandIn) listParticipants(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, _ *talkAttendee) {
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

func (t *talkStandIn) addParticipant(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, me *talkAttendee) {
	p := paramsOf(r)
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

func (t *talkStandIn) searchRooms(uid, term string) []SearchHit {
	t.mu.Lock()
	defer t.mu.Unlock()
	var hits []SearchHit
	for _, room := range t.roomsOf(uid) {
		name := t.displayName(room, uid)
		if matchFold(term, name, room.description) {
			hits = append(hits, SearchHit{Title: name, Subline: room.description, ResourceURL: "/call/" + room.token,
				Icon: "icon-contacts", Attributes: map[string]string{"conversation": room.token}})
		}
	}
	return hits
}

// roomsOf lists the rooms uid attends, oldest first.
func (t *talkStandIn) roomsOf(uid string) []*talkRoom {
	rooms := make([]*talkRoom, 0, len(t.rooms))
	for _, r := range t.rooms {
		if t.attendee(r, uid) != nil {
			rooms = append(rooms, r)
		}
	}
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].id < rooms[j].id })
	return rooms
}
