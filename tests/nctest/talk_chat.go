package nctest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Talk chat (api/v1/chat) and reactions (api/v1/reaction).

func (t *talkStandIn) receive(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
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

func (t *talkStandIn) send(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, _ *talkAttendee) {
	p := paramsOf(r)
	text := p.str("message")
	replyTo, ok := p.int("replyTo", 0)
	if !ok {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
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

func (t *talkStandIn) markRead(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
	p := paramsOf(r)
	last, ok := p.int("lastReadMessage", 0)
	if !ok {
		writeOCS(w, r, http.StatusBadRequest, 400, "", nil)
		return
	}
	if last <= 0 && len(room.messages) > 0 {
		last = room.messages[len(room.messages)-1].id
	}
	a.lastRead = last
	writeOCS(w, r, http.StatusOK, 200, "OK", t.roomJSON(room, a))
}

// onReaction serves a route on message {messageId} of conversation
// {token}, with the store locked; fn gets the reaction parameter.
func (t *talkStandIn) onReaction(fn func(w http.ResponseWriter, r *http.Request, uid, emoji string, m *talkMsg)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uid, emoji := UserOf(r), paramsOf(r).str("reaction")
		t.mu.Lock()
		defer t.mu.Unlock()
		if _, m, ok := t.reactionTarget(w, r); ok {
			fn(w, r, uid, emoji, m)
		}
	}
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

func (t *talkStandIn) reactions(w http.ResponseWriter, r *http.Request, _, emoji string, m *talkMsg) {
	writeOCS(w, r, http.StatusOK, 200, "OK", reactionsJSON(m, emoji))
}

func (t *talkStandIn) react(w http.ResponseWriter, r *http.Request, uid, emoji string, m *talkMsg) {
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

func (t *talkStandIn) unreact(w http.ResponseWriter, r *http.Request, uid, emoji string, m *talkMsg) {
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

func (t *talkStandIn) searchMessages(uid, term string) []SearchHit {
	t.mu.Lock()
	defer t.mu.Unlock()
	var hits []SearchHit
	for _, room := range t.roomsOf(uid) {
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
