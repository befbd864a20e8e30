package nctest

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Talk polls (nextcloud/spreed docs/poll.md and lib/Controller/PollController.php:
// POST /poll/{token} 201, GET and POST /poll/{token}/{pollId} 200, DELETE
// closes with 200; renderPoll hides the votes of an open poll from who has
// not voted on a public one, and gives details only for closed public
// polls), deleting a chat message (docs/chat.md "Deleting a chat message":
// 200 with the "message_deleted" system message whose parent is the
// deleted message, 403 for others' messages unless moderator, 405 for
// non-comments, 400 after six hours) and leaving a conversation
// (docs/participant.md "Remove yourself from a conversation": 400 for the
// last moderator while others stay).

type talkPoll struct {
	id         int64
	question   string
	options    []string
	actorID    string
	display    string
	status     int // 0 open, 1 closed
	resultMode int // 0 public, 1 hidden
	maxVotes   int
	votes      map[string][]int // voter => option ids
}

func (t *talkStandIn) pollRoutes(v1 string) {
	t.mux.HandleFunc("POST "+v1+"poll/{token}", t.onRoom(t.createPoll))
	t.mux.HandleFunc("GET "+v1+"poll/{token}/{pollId}", t.onPoll(t.showPoll))
	t.mux.HandleFunc("POST "+v1+"poll/{token}/{pollId}", t.onPoll(t.votePoll))
	t.mux.HandleFunc("DELETE "+v1+"poll/{token}/{pollId}", t.onPoll(t.closePoll))
	t.mux.HandleFunc("DELETE "+v1+"chat/{token}/{messageId}", t.onRoom(t.deleteMessage))
	t.mux.HandleFunc("DELETE /ocs/v2.php/apps/spreed/api/v4/room/{token}/participants/self", t.onRoom(t.leave))
}

func (t *talkStandIn) createPoll(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
	p := paramsOf(r)
	if room.typ != 2 && room.typ != 3 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	question := p.str("question")
	raw, isList := p["options"].([]any)
	mode, ok1 := p.int("resultMode", -1)
	maxVotes, ok2 := p.int("maxVotes", -1)
	var options []string
	for _, o := range raw {
		s, ok := o.(string)
		if !ok || s == "" {
			isList = false
		}
		options = append(options, s)
	}
	if question == "" || len(question) > 32000 || !isList || len(options) < 2 || !ok1 || !ok2 || (mode != 0 && mode != 1) || maxVotes < 0 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	t.nextPoll++
	poll := &talkPoll{id: t.nextPoll, question: question, options: options, actorID: uid, display: a.display,
		resultMode: int(mode), maxVotes: int(maxVotes), votes: map[string][]int{}}
	room.polls = append(room.polls, poll)
	// Talk shows a shared object as a comment "{object}" (object_shared).
	m := t.post(room, uid, "{object}", "comment", "", 0)
	m.params = map[string]map[string]any{"object": {"type": "talk-poll", "id": strconv.FormatInt(poll.id, 10), "name": question}}
	writeOCS(w, r, http.StatusCreated, 201, "Created", t.pollJSON(poll, a))
}

// onPoll serves a route on poll {pollId} of conversation {token}.
func (t *talkStandIn) onPoll(fn func(w http.ResponseWriter, r *http.Request, room *talkRoom, a *talkAttendee, poll *talkPoll)) http.HandlerFunc {
	return t.onRoom(func(w http.ResponseWriter, r *http.Request, _ string, room *talkRoom, a *talkAttendee) {
		id := pathID(r, "pollId")
		for _, poll := range room.polls {
			if poll.id == id {
				fn(w, r, room, a, poll)
				return
			}
		}
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
	})
}

func (t *talkStandIn) showPoll(w http.ResponseWriter, r *http.Request, _ *talkRoom, a *talkAttendee, poll *talkPoll) {
	writeOCS(w, r, http.StatusOK, 200, "OK", t.pollJSON(poll, a))
}

func (t *talkStandIn) votePoll(w http.ResponseWriter, r *http.Request, room *talkRoom, a *talkAttendee, poll *talkPoll) {
	p := paramsOf(r)
	if poll.status == 1 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	var ids []int
	if v, given := p["optionIds"]; given {
		raw, ok := v.([]any)
		if !ok {
			writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
			return
		}
		for _, x := range raw {
			n, ok := scalarInt(x)
			if !ok || n < 0 || int(n) >= len(poll.options) {
				writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
				return
			}
			ids = append(ids, int(n))
		}
	}
	if poll.maxVotes > 0 && len(ids) > poll.maxVotes {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	if len(ids) == 0 {
		delete(poll.votes, a.actorID)
	} else {
		sort.Ints(ids)
		poll.votes[a.actorID] = ids
	}
	if poll.resultMode == 0 {
		t.post(room, a.actorID, "Someone voted on the poll {poll}", "system", "poll_voted", 0)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", t.pollJSON(poll, a))
}

func (t *talkStandIn) closePoll(w http.ResponseWriter, r *http.Request, room *talkRoom, a *talkAttendee, poll *talkPoll) {
	if poll.status == 1 {
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	if poll.actorID != a.actorID && a.partType > 2 {
		writeOCS(w, r, http.StatusForbidden, 403, "", []any{})
		return
	}
	poll.status = 1
	t.post(room, a.actorID, "{actor} ended the poll {poll}", "system", "poll_closed", 0)
	writeOCS(w, r, http.StatusOK, 200, "OK", t.pollJSON(poll, a))
}

// pollJSON renders a poll for attendee a as PollController::renderPoll does.
func (t *talkStandIn) pollJSON(poll *talkPoll, a *talkAttendee) map[string]any {
	counts := map[string]int{}
	voters := make([]string, 0, len(poll.votes))
	for voter, ids := range poll.votes {
		voters = append(voters, voter)
		for _, id := range ids {
			counts["option-"+strconv.Itoa(id)]++
		}
	}
	sort.Strings(voters)
	self := poll.votes[a.actorID]
	if self == nil {
		self = []int{}
	}
	var votes any = counts
	if len(counts) == 0 {
		votes = []any{}
	}
	out := map[string]any{
		"id": poll.id, "question": poll.question, "options": poll.options, "votes": votes,
		"actorType": "users", "actorId": poll.actorID, "actorDisplayName": poll.display,
		"status": poll.status, "resultMode": poll.resultMode, "maxVotes": poll.maxVotes,
		"numVoters": len(poll.votes), "votedSelf": self,
	}
	canSeeSummary := len(self) > 0 && poll.resultMode == 0
	switch {
	case !canSeeSummary && poll.status == 0:
		out["votes"] = []any{}
		if a.partType > 2 && poll.actorID != a.actorID {
			out["numVoters"] = 0
		}
	case poll.resultMode == 0 && poll.status == 1:
		details := []any{}
		for _, voter := range voters {
			display, _ := t.s.userDisplay(voter)
			for _, id := range poll.votes[voter] {
				details = append(details, map[string]any{"actorType": "users", "actorId": voter, "actorDisplayName": display, "optionId": id})
			}
		}
		out["details"] = details
	}
	return out
}

func (t *talkStandIn) deleteMessage(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
	m := findMsg(room, pathID(r, "messageId"))
	switch {
	case m == nil:
		writeOCS(w, r, http.StatusNotFound, 404, "", []any{})
		return
	case m.msgType != "comment":
		writeOCS(w, r, http.StatusMethodNotAllowed, 405, "", []any{})
		return
	case m.actorID != uid && a.partType > 2:
		writeOCS(w, r, http.StatusForbidden, 403, "", []any{})
		return
	case time.Since(time.Unix(m.ts, 0)) > 6*time.Hour:
		writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
		return
	}
	display, _ := t.s.userDisplay(uid)
	m.msgType, m.message = "comment_deleted", "Message deleted by you"
	m.params = map[string]map[string]any{"actor": {"type": "user", "id": uid, "name": display}}
	m.reactions = map[string][]talkReaction{}
	sys := t.post(room, uid, "{actor} deleted a message", "system", "message_deleted", m.id)
	writeOCS(w, r, http.StatusOK, 200, "OK", t.messageJSON(room, sys, uid, true))
}

func (t *talkStandIn) leave(w http.ResponseWriter, r *http.Request, uid string, room *talkRoom, a *talkAttendee) {
	if room.typ != 1 && room.typ != 5 && (a.partType == 1 || a.partType == 2) {
		others, mods := 0, 0
		for _, o := range room.attendees {
			if o != a {
				others++
				if o.partType == 1 || o.partType == 2 {
					mods++
				}
			}
		}
		if others > 0 && mods == 0 {
			writeOCS(w, r, http.StatusBadRequest, 400, "", []any{})
			return
		}
	}
	for i, o := range room.attendees {
		if o == a {
			room.attendees = append(room.attendees[:i], room.attendees[i+1:]...)
			break
		}
	}
	if len(room.attendees) == 0 {
		delete(t.rooms, room.token)
	} else if room.typ != 1 {
		t.post(room, uid, "{actor} left the conversation", "system", "user_removed", 0)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", []any{})
}

// TalkPollVotes returns the option ids each user voted for.
func (s *Server) TalkPollVotes(token string, pollID int64) map[string][]int {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string][]int{}
	if room := t.rooms[token]; room != nil {
		for _, poll := range room.polls {
			if poll.id == pollID {
				for k, v := range poll.votes {
					out[k] = append([]int(nil), v...)
				}
			}
		}
	}
	return out
}

// AddTalkPoll creates a poll by user (resultMode 0 public, 1 hidden;
// maxVotes 0 unlimited) and returns its id.
func (s *Server) AddTalkPoll(token, user, question string, resultMode, maxVotes int, options ...string) int64 {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	room := t.mustRoom(token)
	display, _ := s.userDisplay(user)
	t.nextPoll++
	room.polls = append(room.polls, &talkPoll{id: t.nextPoll, question: question, options: options, actorID: user,
		display: display, resultMode: resultMode, maxVotes: maxVotes, votes: map[string][]int{}})
	return t.nextPoll
}

// SetTalkPollVote records user's votes on a poll.
func (s *Server) SetTalkPollVote(token string, pollID int64, user string, optionIDs ...int) {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, poll := range t.rooms[token].polls {
		if poll.id == pollID {
			poll.votes[user] = optionIDs
		}
	}
}

// TalkMessageType returns a message's messageType ("" when it is gone).
func (s *Server) TalkMessageType(token string, id int64) string {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.rooms[token]; room != nil {
		if m := findMsg(room, id); m != nil {
			return m.msgType
		}
	}
	return ""
}

// TalkAttendees lists the user ids taking part in a conversation (nil
// when it is gone).
func (s *Server) TalkAttendees(token string) []string {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	room := t.rooms[token]
	if room == nil {
		return nil
	}
	out := []string{}
	for _, a := range room.attendees {
		out = append(out, a.actorID)
	}
	return out
}
