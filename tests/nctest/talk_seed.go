package nctest

// Seed and inspect methods of the Talk stand-in.

// AddTalkRoom creates a conversation owned by owner with the given members
// (type 2 group, 3 public; 1 one-to-one with exactly one member) and
// returns its token.
func (s *Server) AddTalkRoom(owner string, typ int, name string, members ...string) string {
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

// AddTalkMessage posts a chat message as user and returns its id.
func (s *Server) AddTalkMessage(token, user, message string) int64 {
	t := s.apps.talk
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.post(t.mustRoom(token), user, message, "comment", "", 0).id
}

// mustRoom is the seeded room token; callers hold t.mu.
func (t *talkStandIn) mustRoom(token string) *talkRoom {
	room := t.rooms[token]
	if room == nil {
		panic("nctest: no Talk room " + token)
	}
	return room
}

// AddTalkSystemMessage posts a system message (e.g. "conversation_created").
func (s *Server) AddTalkSystemMessage(token, user, system, text string) int64 {
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
