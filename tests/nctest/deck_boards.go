package nctest

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Deck boards, their sharing (ACL), stacks and labels.

func (h *deckHandlers) listBoards(r *http.Request, user string, _ params) (any, *apiErr) {
	boards := recordsByID(h.st.boards, func(b *deckBoardRec) bool { return h.st.can(user, b, deckRead) })
	return jsonList(boards, func(b *deckBoardRec) any { return h.boardJSON(user, b) }), nil
}

func deckTitle(in params, max int) (string, *apiErr) {
	t, _ := in.text("title")
	if strings.TrimSpace(t) == "" {
		return "", errBad("title must be provided")
	}
	if utf8.RuneCountInString(t) > max {
		return "", errBad("The title cannot exceed %d characters", max)
	}
	return t, nil
}

// deckTitleColor reads the title and colour boards and labels need.
func deckTitleColor(in params) (string, string, *apiErr) {
	t, err := deckTitle(in, 100)
	if err != nil {
		return "", "", err
	}
	c, err := deckColor(in)
	return t, c, err
}

func deckColor(in params) (string, *apiErr) {
	c, _ := in.text("color")
	if c == "" {
		return "", errBad("color must be provided")
	}
	if len(c) > 6 {
		return "", errBad("color must not be longer than 6 characters")
	}
	return c, nil
}

func (h *deckHandlers) createBoard(r *http.Request, user string, in params) (any, *apiErr) {
	title, color, err := deckTitleColor(in)
	if err != nil {
		return nil, err
	}
	b := &deckBoardRec{id: h.st.id(), title: title, color: color, owner: user, modified: deckNow()}
	h.st.boards[b.id] = b
	for _, l := range [][2]string{{"Finished", "31CC7C"}, {"To review", "317CCC"}, {"Action needed", "FF7A66"}, {"Later", "F1DB50"}} {
		lr := &deckLabelRec{id: h.st.id(), boardID: b.id, title: l[0], color: l[1]}
		h.st.labels[lr.id] = lr
	}
	return h.boardJSON(user, b), nil
}

// boardFn handles a request on one board.
type boardFn func(b *deckBoardRec, user string, in params) (any, *apiErr)

// onBoard runs fn on the path's board, which the caller must be allowed
// to use with perm (Deck's 403 otherwise).
func (h *deckHandlers) onBoard(perm int, fn boardFn) deckFn {
	return on(byPath("boardId", perm, h.st.board), func(_ *http.Request, user string, in params, b *deckBoardRec) (any, *apiErr) {
		return fn(b, user, in)
	})
}

// onStack runs fn on the path's stack and its board, like onBoard.
func (h *deckHandlers) onStack(perm int, fn func(s *deckStackRec, b *deckBoardRec, in params) (any, *apiErr)) deckFn {
	return func(r *http.Request, user string, in params) (any, *apiErr) {
		s, b, err := h.st.stack(user, pathID(r, "stackId"), perm)
		if err != nil {
			return nil, err
		}
		return fn(s, b, in)
	}
}

func (h *deckHandlers) getBoard(b *deckBoardRec, user string, _ params) (any, *apiErr) {
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) updateBoard(b *deckBoardRec, user string, in params) (any, *apiErr) {
	title, color, err := deckTitleColor(in)
	if err != nil {
		return nil, err
	}
	archived := false // Deck's default when the parameter is missing
	if v, ok := in["archived"]; ok {
		archived, _ = scalarBool(v)
	}
	b.title, b.color, b.archived, b.modified = title, color, archived, deckNow()
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) deleteBoard(b *deckBoardRec, user string, _ params) (any, *apiErr) {
	b.deletedAt, b.modified = deckNow(), deckNow()
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) undoDeleteBoard(b *deckBoardRec, user string, _ params) (any, *apiErr) {
	b.deletedAt, b.modified = 0, deckNow()
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) addACL(b *deckBoardRec, user string, in params) (any, *apiErr) {
	typ, _ := in.num("type")
	participant, _ := in.text("participant")
	if typ != 0 {
		return nil, errBad("only user participants (type 0) are supported")
	}
	if participant == "" || !h.exists(participant) {
		return nil, errBad("participant must be provided")
	}
	edit, _ := in.flag("permissionEdit")
	share, _ := in.flag("permissionShare")
	manage, _ := in.flag("permissionManage")
	a := &deckACLRec{id: h.st.id(), boardID: b.id, participant: participant, edit: edit, share: share, manage: manage}
	h.st.acls[a.id] = a
	h.st.touch(b.id)
	return map[string]any{
		"id": a.id, "participant": h.userObj(participant), "type": 0, "boardId": b.id,
		"permissionEdit": edit, "permissionShare": share, "permissionManage": manage, "owner": false,
	}, nil
}

func (h *deckHandlers) boardStacks(boardID int64) []*deckStackRec {
	var out []*deckStackRec
	for _, s := range h.st.stacks {
		if s.boardID == boardID && s.deletedAt == 0 {
			out = append(out, s)
		}
	}
	sortByOrder(out, func(s *deckStackRec) (int, int64) { return s.order, s.id })
	return out
}

func (h *deckHandlers) listStacks(archived bool) boardFn {
	return func(b *deckBoardRec, _ string, _ params) (any, *apiErr) {
		out := []any{}
		for _, s := range h.boardStacks(b.id) {
			sj := h.stackJSON(s, archived)
			if archived && sj["cards"] == nil {
				continue // Deck lists only stacks holding archived cards
			}
			out = append(out, sj)
		}
		return out, nil
	}
}

func (h *deckHandlers) getStack(s *deckStackRec, _ *deckBoardRec, _ params) (any, *apiErr) {
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) createStack(b *deckBoardRec, user string, in params) (any, *apiErr) {
	title, order, err := deckTitleOrder(in)
	if err != nil {
		return nil, err
	}
	s := &deckStackRec{id: h.st.id(), boardID: b.id, title: title, order: int(order), modified: deckNow()}
	h.st.stacks[s.id] = s
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) updateStack(s *deckStackRec, b *deckBoardRec, in params) (any, *apiErr) {
	title, order, err := deckTitleOrder(in)
	if err != nil {
		return nil, err
	}
	s.title, s.order, s.modified = title, int(order), deckNow()
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) deleteStack(s *deckStackRec, b *deckBoardRec, _ params) (any, *apiErr) {
	s.deletedAt, s.modified = deckNow(), deckNow()
	for _, c := range h.st.cards {
		if c.stackID == s.id {
			c.deletedAt = deckNow()
		}
	}
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
}

// deckTitleOrder reads the title and order a stack needs.
func deckTitleOrder(in params) (string, int64, *apiErr) {
	t, err := deckTitle(in, 100)
	if err != nil {
		return "", 0, err
	}
	order, ok := in.num("order")
	if !ok {
		return "", 0, errBad("order must be a number")
	}
	return t, order, nil
}

// onLabel runs fn on the path's label of the path's board.
func (h *deckHandlers) onLabel(perm int, fn func(l *deckLabelRec, b *deckBoardRec, in params) (any, *apiErr)) deckFn {
	return func(r *http.Request, user string, in params) (any, *apiErr) {
		return h.onBoard(perm, func(b *deckBoardRec, _ string, in params) (any, *apiErr) {
			l := h.st.labels[pathID(r, "labelId")]
			if l == nil || l.boardID != b.id {
				return nil, deckDenied()
			}
			return fn(l, b, in)
		})(r, user, in)
	}
}

func (h *deckHandlers) getLabel(l *deckLabelRec, _ *deckBoardRec, _ params) (any, *apiErr) {
	return deckLabelJSON(l, nil), nil
}

func (h *deckHandlers) createLabel(b *deckBoardRec, user string, in params) (any, *apiErr) {
	title, color, err := deckTitleColor(in)
	if err != nil {
		return nil, err
	}
	for _, l := range h.st.labels {
		if l.boardID == b.id && l.title == title {
			return nil, errBad("title must be unique")
		}
	}
	l := &deckLabelRec{id: h.st.id(), boardID: b.id, title: title, color: color}
	h.st.labels[l.id] = l
	h.st.touch(b.id)
	return deckLabelJSON(l, nil), nil
}

func (h *deckHandlers) updateLabel(l *deckLabelRec, b *deckBoardRec, in params) (any, *apiErr) {
	title, color, err := deckTitleColor(in)
	if err != nil {
		return nil, err
	}
	l.title, l.color = title, color
	h.st.touch(b.id)
	return deckLabelJSON(l, nil), nil
}

func (h *deckHandlers) deleteLabel(l *deckLabelRec, b *deckBoardRec, _ params) (any, *apiErr) {
	delete(h.st.labels, l.id)
	for _, c := range h.st.cards {
		c.labelIDs = slices.DeleteFunc(slices.Clone(c.labelIDs), func(id int64) bool { return id == l.id })
	}
	h.st.touch(b.id)
	return deckLabelJSON(l, nil), nil
}
