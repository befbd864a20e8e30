package nctest

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// Polls stand-in following docs/API_v1.0.md of nextcloud/polls and its
// lib/Controller/{Poll,Option,Vote}ApiController.php: plain JSON below
// /index.php/apps/polls/api/v1.0/, answers keyed by what they hold
// ({"polls"}, {"poll"}, {"options"}, {"option"}, {"votes"}, {"vote"}),
// created things with 201, refusals {"message": ...} (404 for an unknown
// poll or option, 403 without the right, 409 for a duplicate option).
// Not verified against the app (the docs are silent): the exact refusal
// wordings, and which user sees which private poll (here: its owner and
// the users it was shared with by AddPollShare).

const pollsPrefix = "/index.php/apps/polls/"

type pollsStandIn struct {
	s       *Server
	mu      sync.Mutex
	nextID  int64
	polls   map[int64]*pollRec
	options map[int64]*pollOptionRec
	votes   []*pollVoteRec
}

type pollRec struct {
	id                int64
	owner, typ, title string
	description       string
	access            string // private or open
	allowMaybe        bool
	expire, created   int64
	invited           []string
}

type pollOptionRec struct {
	id, pollID          int64
	owner, text         string
	timestamp, duration int64
	order               int
}

type pollVoteRec struct {
	id, pollID, optionID int64
	user, answer         string
}

func (s *Server) registerPolls() {
	p := &pollsStandIn{s: s, polls: map[int64]*pollRec{}, options: map[int64]*pollOptionRec{}}
	s.apps.polls = p
	b := pollsPrefix + "api/v1.0/"
	h := func(status int, fn apiFn) http.HandlerFunc {
		return lockedHandler(&p.mu, fn, func(w http.ResponseWriter, _ *http.Request, data any) { writeJSON(w, status, data) },
			func(w http.ResponseWriter, _ *http.Request, e *apiErr) {
				writeJSON(w, e.status, map[string]any{"message": e.msg})
			})
	}
	s.mux.HandleFunc("GET "+b+"polls", h(http.StatusOK, p.list))
	s.mux.HandleFunc("POST "+b+"poll", h(http.StatusCreated, p.create))
	s.mux.HandleFunc("GET "+b+"poll/{id}", h(http.StatusOK, on(p.find, p.get)))
	s.mux.HandleFunc("PUT "+b+"poll/{id}", h(http.StatusOK, on(p.owned, p.update)))
	s.mux.HandleFunc("PUT "+b+"poll/{id}/close", h(http.StatusOK, on(p.owned, p.close)))
	s.mux.HandleFunc("GET "+b+"poll/{id}/options", h(http.StatusOK, on(p.find, p.listOptions)))
	s.mux.HandleFunc("POST "+b+"poll/{id}/option", h(http.StatusCreated, on(p.owned, p.addOption)))
	s.mux.HandleFunc("GET "+b+"poll/{id}/votes", h(http.StatusOK, on(p.find, p.listVotes)))
	s.mux.HandleFunc("POST "+b+"vote", h(http.StatusOK, p.vote))
}

func (p *pollsStandIn) closed(pl *pollRec) bool {
	return pl.expire != 0 && pl.expire <= time.Now().Unix()
}

func (p *pollsStandIn) user(uid string) map[string]any {
	return map[string]any{"userId": uid, "displayName": p.s.displayNameOr(uid), "type": "user", "isNoUser": false}
}

func (p *pollsStandIn) json(pl *pollRec, uid string) map[string]any {
	owner := pl.owner == uid
	open := !p.closed(pl)
	return map[string]any{
		"id": pl.id, "type": pl.typ,
		"configuration": map[string]any{"title": pl.title, "description": pl.description, "access": pl.access,
			"allowComment": false, "allowMaybe": pl.allowMaybe, "allowProposals": "disallow", "anonymous": false,
			"autoReminder": false, "expire": pl.expire, "hideBookedUp": false, "proposalsExpire": 0,
			"showResults": "always", "useNo": true, "maxVotesPerOption": 0, "maxVotesPerUser": 0},
		"descriptionSafe": pl.description,
		"owner":           p.user(pl.owner),
		"status":          map[string]any{"lastInteraction": pl.created, "created": pl.created, "deleted": false, "expired": !open},
		"currentUserStatus": map[string]any{"userRole": map[bool]string{true: "owner", false: "user"}[owner],
			"isOwner": owner, "userId": uid},
		"permissions": map[string]any{"addOptions": owner && open, "archive": owner, "comment": true, "delete": owner,
			"edit": owner, "seeResults": true, "seeUsernames": true, "subscribe": true, "view": true, "vote": open},
	}
}

func (p *pollsStandIn) visible(pl *pollRec, uid string) bool {
	return pl.owner == uid || pl.access == "open" || slices.Contains(pl.invited, uid)
}

// find gives the poll of the path's id the user may see, or the refusal.
func (p *pollsStandIn) find(r *http.Request, uid string) (*pollRec, *apiErr) {
	pl := p.polls[pathID(r, "id")]
	if pl == nil {
		return nil, errStatus(http.StatusNotFound, "Poll not found")
	}
	if !p.visible(pl, uid) {
		return nil, errStatus(http.StatusForbidden, "Insufficient permissions")
	}
	return pl, nil
}

func (p *pollsStandIn) list(r *http.Request, uid string, _ params) (any, *apiErr) {
	polls := recordsByID(p.polls, func(pl *pollRec) bool { return p.visible(pl, uid) })
	return map[string]any{"polls": jsonList(polls, func(pl *pollRec) any { return p.json(pl, uid) })}, nil
}

func (p *pollsStandIn) get(_ *http.Request, uid string, _ params, pl *pollRec) (any, *apiErr) {
	return map[string]any{"poll": p.json(pl, uid)}, nil
}

func (p *pollsStandIn) create(r *http.Request, uid string, prm params) (any, *apiErr) {
	typ, title := prm.str("type"), prm.str("title")
	if typ != "textPoll" && typ != "datePoll" {
		return nil, errBad("Invalid poll type")
	}
	if title == "" {
		return nil, errBad("Title must not be empty")
	}
	pl := p.add(uid, typ, title, "private")
	return map[string]any{"poll": p.json(pl, uid)}, nil
}

func (p *pollsStandIn) add(owner, typ, title, access string) *pollRec {
	p.nextID++
	pl := &pollRec{id: p.nextID, owner: owner, typ: typ, title: title, access: access, created: time.Now().Unix()}
	p.polls[pl.id] = pl
	return pl
}

func (p *pollsStandIn) owned(r *http.Request, uid string) (*pollRec, *apiErr) {
	pl, e := p.find(r, uid)
	if e != nil {
		return nil, e
	}
	if pl.owner != uid {
		return nil, errStatus(http.StatusForbidden, "Insufficient permissions")
	}
	return pl, nil
}

func (p *pollsStandIn) update(_ *http.Request, uid string, prm params, pl *pollRec) (any, *apiErr) {
	cfg, ok := prm["poll"].(map[string]any)
	if !ok {
		return nil, errBad("poll configuration missing")
	}
	c := params(cfg)
	given(c, "title", &pl.title, params.str)
	given(c, "description", &pl.description, params.str)
	given(c, "allowMaybe", &pl.allowMaybe, params.bool)
	if c.has("expire") {
		pl.expire, _ = c.int("expire", 0)
	}
	return map[string]any{"poll": p.json(pl, uid)}, nil
}

func (p *pollsStandIn) close(_ *http.Request, uid string, _ params, pl *pollRec) (any, *apiErr) {
	pl.expire = time.Now().Unix() - 1
	return map[string]any{"poll": p.json(pl, uid)}, nil
}

func (p *pollsStandIn) optionJSON(o *pollOptionRec, uid string) map[string]any {
	counts := map[string]int{"yes": 0, "no": 0, "maybe": 0}
	mine := ""
	for _, v := range p.votes {
		if v.optionID == o.id {
			counts[v.answer]++
			if v.user == uid {
				mine = v.answer
			}
		}
	}
	return map[string]any{"id": o.id, "pollId": o.pollID, "text": o.text, "timestamp": o.timestamp, "deleted": 0,
		"order": o.order, "confirmed": 0, "duration": o.duration, "locked": false, "isOwner": o.owner == uid,
		"votes": map[string]any{"yes": counts["yes"], "no": counts["no"], "maybe": counts["maybe"],
			"count": counts["yes"] + counts["no"] + counts["maybe"], "currentUser": mine},
		"owner": p.user(o.owner)}
}

func (p *pollsStandIn) optionsOf(pollID int64) []*pollOptionRec {
	return recordsByID(p.options, func(o *pollOptionRec) bool { return o.pollID == pollID })
}

func (p *pollsStandIn) listOptions(_ *http.Request, uid string, _ params, pl *pollRec) (any, *apiErr) {
	return map[string]any{"options": jsonList(p.optionsOf(pl.id), func(o *pollOptionRec) any { return p.optionJSON(o, uid) })}, nil
}

func (p *pollsStandIn) addOption(_ *http.Request, uid string, prm params, pl *pollRec) (any, *apiErr) {
	if p.closed(pl) {
		return nil, errStatus(http.StatusForbidden, "Poll is closed")
	}
	ts, ok1 := prm.int("timestamp", 0)
	dur, ok2 := prm.int("duration", 0)
	if !ok1 || !ok2 {
		return nil, errBad("timestamp and duration must be integers")
	}
	text := prm.str("pollOptionText")
	if pl.typ == "datePoll" {
		if ts <= 0 {
			return nil, errBad("Invalid timestamp")
		}
		text = time.Unix(ts, 0).UTC().Format(time.RFC3339)
		if dur > 0 {
			text += " - " + time.Unix(ts+dur, 0).UTC().Format(time.RFC3339)
		}
	} else if text == "" {
		return nil, errBad("Option text must not be empty")
	}
	for _, o := range p.optionsOf(pl.id) {
		if o.text == text {
			return nil, errStatus(http.StatusConflict, "Option exists")
		}
	}
	o := p.addOpt(pl.id, uid, text, ts, dur)
	return map[string]any{"option": p.optionJSON(o, uid)}, nil
}

func (p *pollsStandIn) addOpt(pollID int64, owner, text string, ts, dur int64) *pollOptionRec {
	p.nextID++
	o := &pollOptionRec{id: p.nextID, pollID: pollID, owner: owner, text: text, timestamp: ts, duration: dur, order: len(p.optionsOf(pollID)) + 1}
	p.options[o.id] = o
	return o
}

func (p *pollsStandIn) voteJSON(v *pollVoteRec) map[string]any {
	return map[string]any{"id": v.id, "pollId": v.pollID, "optionId": v.optionID, "optionText": p.options[v.optionID].text,
		"answer": v.answer, "deleted": 0, "user": p.user(v.user)}
}

func (p *pollsStandIn) listVotes(_ *http.Request, _ string, _ params, pl *pollRec) (any, *apiErr) {
	out := []any{}
	for _, v := range p.votes {
		if v.pollID == pl.id {
			out = append(out, p.voteJSON(v))
		}
	}
	return map[string]any{"votes": out}, nil
}

func (p *pollsStandIn) vote(r *http.Request, uid string, prm params) (any, *apiErr) {
	oid, ok := prm.num("optionId")
	o := p.options[oid]
	if !ok || o == nil {
		return nil, errStatus(http.StatusNotFound, "Option not found")
	}
	pl := p.polls[o.pollID]
	if !p.visible(pl, uid) {
		return nil, errStatus(http.StatusForbidden, "Insufficient permissions")
	}
	if p.closed(pl) {
		return nil, errStatus(http.StatusForbidden, "Poll is closed")
	}
	answer := prm.str("setTo")
	switch {
	case answer == "yes", answer == "no", answer == "maybe" && pl.allowMaybe:
	default:
		return nil, errBad("Invalid answer")
	}
	v := p.setVote(pl.id, oid, uid, answer)
	return map[string]any{"vote": p.voteJSON(v)}, nil
}

func (p *pollsStandIn) setVote(pollID, optionID int64, user, answer string) *pollVoteRec {
	for _, v := range p.votes {
		if v.optionID == optionID && v.user == user {
			v.answer = answer
			return v
		}
	}
	p.nextID++
	v := &pollVoteRec{id: p.nextID, pollID: pollID, optionID: optionID, user: user, answer: answer}
	p.votes = append(p.votes, v)
	return v
}

// AddPoll adds a poll (typ textPoll or datePoll, access private or open)
// owned by owner and returns its id.
func (s *Server) AddPoll(owner, typ, title, access string) int64 {
	p := s.apps.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.add(owner, typ, title, access).id
}

// AddPollShare lets user see and vote in a private poll.
func (s *Server) AddPollShare(pollID int64, user string) {
	p := s.apps.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polls[pollID].invited = append(p.polls[pollID].invited, user)
}

// SetPollConfig sets a poll's description, whether "maybe" is an answer,
// and its expiry (Unix time; 0 none, a past one closes the poll).
func (s *Server) SetPollConfig(pollID int64, description string, allowMaybe bool, expire int64) {
	p := s.apps.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	pl := p.polls[pollID]
	pl.description, pl.allowMaybe, pl.expire = description, allowMaybe, expire
}

// AddPollOption adds an option (text for text polls; timestamp and
// duration for date polls) and returns its id.
func (s *Server) AddPollOption(pollID int64, text string, timestamp, duration int64) int64 {
	p := s.apps.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	if timestamp > 0 {
		text = time.Unix(timestamp, 0).UTC().Format(time.RFC3339)
	}
	return p.addOpt(pollID, p.polls[pollID].owner, text, timestamp, duration).id
}

// AddPollVote records user's answer to an option.
func (s *Server) AddPollVote(optionID int64, user, answer string) {
	p := s.apps.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setVote(p.options[optionID].pollID, optionID, user, answer)
}

// PollState is what the store holds of a poll, for tests.
type PollState struct {
	Title, Description string
	Closed             bool
	// Options maps option text to its votes by user ("alice": "yes").
	Options map[string]map[string]string
}

// Polls gives every poll's state by id.
func (s *Server) Polls() map[int64]PollState {
	p := s.apps.polls
	return lockedMap(&p.mu, p.polls, func(id int64, pl *pollRec) PollState {
		st := PollState{Title: pl.title, Description: pl.description, Closed: p.closed(pl), Options: map[string]map[string]string{}}
		for _, o := range p.optionsOf(id) {
			st.Options[o.text] = map[string]string{}
		}
		for _, v := range p.votes {
			if v.pollID == id {
				st.Options[p.options[v.optionID].text][v.user] = v.answer
			}
		}
		return st
	})
}
