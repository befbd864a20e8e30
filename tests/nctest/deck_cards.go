package nctest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"
)

// Deck cards: moves, archiving, labels, assignees and attachments.

// deckOrderDue reads a card's order (def when missing) and due date.
func deckOrderDue(in params, def int64) (int64, *string, *apiErr) {
	order := def
	if v, ok := in["order"]; ok {
		if order, ok = scalarInt(v); !ok {
			return 0, nil, errBad("order must be a number")
		}
	}
	due, err := deckDuedate(in["duedate"])
	return order, due, err
}

func deckDuedate(v any) (*string, *apiErr) {
	if v == nil {
		return nil, nil
	}
	s, _ := scalarString(v)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, errBad("duedate must be an ISO-8601 date")
	}
	out := t.Format("2006-01-02T15:04:05-07:00")
	return &out, nil
}

func (h *deckHandlers) createCard(r *http.Request, user string, in params) (any, *apiErr) {
	s, b, err := h.st.stack(user, pathID(r, "stackId"), deckEdit)
	if err != nil {
		return nil, err
	}
	if b.archived {
		return nil, errBad("Operation not allowed. This board is archived.")
	}
	title, err := deckTitle(in, 255)
	if err != nil {
		return nil, err
	}
	typ := "plain"
	if t, ok := in.text("type"); ok && t != "" {
		typ = t
	}
	order, due, err := deckOrderDue(in, 999)
	if err != nil {
		return nil, err
	}
	desc, _ := in.text("description")
	c := &deckCardRec{id: h.st.id(), stackID: s.id, title: title, description: desc, typ: typ, owner: user,
		order: int(order), duedate: due, created: deckNow(), modified: deckNow()}
	h.st.cards[c.id] = c
	s.modified = deckNow()
	h.st.touch(b.id)
	out := h.cardJSON(c, false, "v1.0")
	out["owner"] = user // a new card's owner is the plain user id
	return out, nil
}

// cardFn handles a request on one card.
type cardFn func(r *http.Request, user string, in params, c *deckCardRec) (any, *apiErr)

// onCard runs fn on the path's card, which the caller must be allowed to
// use with perm (like onBoard).
func (h *deckHandlers) onCard(perm int, fn cardFn) deckFn {
	return on(func(r *http.Request, user string) (*deckCardRec, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), perm)
		return c, err
	}, fn)
}

func (h *deckHandlers) getCard(r *http.Request, user string, _ params, c *deckCardRec) (any, *apiErr) {
	return h.cardJSON(c, true, r.PathValue("ver")), nil
}

func (h *deckHandlers) changed(c *deckCardRec) {
	c.modified = deckNow()
	if s := h.st.stacks[c.stackID]; s != nil {
		s.modified = deckNow()
		h.st.touch(s.boardID)
	}
}

func (h *deckHandlers) updateCard(r *http.Request, user string, in params) (any, *apiErr) {
	c, _, b, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
	// The card's stack comes from the URL.
	target, tb, err := h.st.stack(user, pathID(r, "stackId"), deckEdit)
	if err != nil {
		return nil, err
	}
	if b.archived || tb.archived {
		return nil, errBad("Operation not allowed. This board is archived.")
	}
	title, err := deckTitle(in, 255)
	if err != nil {
		return nil, err
	}
	typ, _ := in.text("type")
	if typ == "" {
		return nil, errBad("type must be provided")
	}
	owner, _ := in.text("owner")
	if owner == "" {
		return nil, errBad("owner must be provided")
	}
	order, due, err := deckOrderDue(in, 0)
	if err != nil {
		return nil, err
	}
	if v, ok := in["archived"]; ok && v != nil {
		a, _ := scalarBool(v)
		if a && c.archived {
			return nil, errCardArchived()
		}
		c.archived = a
	}
	// Deck clears the done mark unless the request carries it.
	c.done = nil
	if v, ok := in["done"]; ok && v != nil {
		d, _ := scalarString(v)
		c.done = &d
	}
	desc, _ := in.text("description")
	c.title, c.typ, c.owner, c.order, c.duedate, c.description = title, typ, owner, int(order), due, desc
	c.stackID = target.id
	h.changed(c)
	return h.cardJSON(c, false, "v1.0"), nil
}

func (h *deckHandlers) deleteCard(r *http.Request, user string, _ params, c *deckCardRec) (any, *apiErr) {
	c.deletedAt = deckNow()
	h.changed(c)
	return h.cardJSON(c, false, "v1.0"), nil
}

func (h *deckHandlers) reorderCard(r *http.Request, user string, in params, c *deckCardRec) (any, *apiErr) {
	stackID, ok := in.num("stackId")
	if !ok {
		return nil, errBad("stackId must be a number")
	}
	order, ok := in.num("order")
	if !ok {
		return nil, errBad("order must be a number")
	}
	target, _, err := h.st.stack(user, stackID, deckEdit)
	if err != nil {
		return nil, err
	}
	if c.archived {
		return nil, errCardArchived()
	}
	h.changed(c) // the old stack changes too
	c.stackID = target.id
	var cards []*deckCardRec
	for _, x := range h.st.cards {
		if x.stackID == target.id && x.deletedAt == 0 && !x.archived {
			cards = append(cards, x)
		}
	}
	sortByOrder(cards, func(c *deckCardRec) (int, int64) { return c.order, c.id })
	i := 0
	out := []any{}
	for _, x := range cards {
		if x.id == c.id {
			continue
		}
		if i == int(order) {
			i++
		}
		x.order = i
		i++
	}
	c.order = int(order)
	h.changed(c)
	sort.Slice(cards, func(i, j int) bool { return cards[i].order < cards[j].order })
	for _, x := range cards {
		out = append(out, h.cardJSON(x, false, "v1.0"))
	}
	return out, nil
}

func (h *deckHandlers) archiveCard(archived bool) func(r *http.Request, user string, _ params) (any, *apiErr) {
	return func(r *http.Request, user string, _ params) (any, *apiErr) {
		c, _, b, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
		if err != nil {
			return nil, err
		}
		if b.archived {
			return nil, errBad("Operation not allowed. This board is archived.")
		}
		c.archived = archived
		h.changed(c)
		return h.cardJSON(c, false, "v1.0"), nil
	}
}

func (h *deckHandlers) cardLabel(add bool) cardFn {
	return func(_ *http.Request, _ string, in params, c *deckCardRec) (any, *apiErr) {
		labelID, ok := in.num("labelId")
		if !ok {
			return nil, errBad("labelId must be a number")
		}
		if h.st.labels[labelID] == nil {
			return nil, deckDenied()
		}
		if c.archived {
			return nil, errCardArchived()
		}
		c.labelIDs = slices.DeleteFunc(slices.Clone(c.labelIDs), func(id int64) bool { return id == labelID })
		if add {
			c.labelIDs = append(c.labelIDs, labelID)
		}
		h.changed(c)
		return nil, nil
	}
}

func (h *deckHandlers) assignUser(r *http.Request, user string, in params) (any, *apiErr) {
	c, _, b, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
	uid, _ := in.text("userId")
	if uid == "" {
		return nil, errBad("user id must be provided")
	}
	if !h.exists(uid) || !h.st.can(uid, b, deckRead) {
		return nil, errBad("The user is not part of the board")
	}
	for _, a := range h.st.assignments {
		if a.cardID == c.id && a.user == uid {
			return nil, errBad("The user is already assigned to the card")
		}
	}
	a := &deckAssignRec{id: h.st.id(), cardID: c.id, user: uid}
	h.st.assignments[a.id] = a
	h.changed(c)
	return h.assignmentJSON(a), nil
}

func (h *deckHandlers) unassignUser(r *http.Request, user string, in params, c *deckCardRec) (any, *apiErr) {
	uid, _ := in.text("userId")
	for id, a := range h.st.assignments {
		if a.cardID == c.id && a.user == uid {
			delete(h.st.assignments, id)
			h.changed(c)
			return h.assignmentJSON(a), nil
		}
	}
	return nil, &apiErr{http.StatusNotFound, fmt.Sprintf("No assignment for %s found.", uid)}
}

func (h *deckHandlers) listAttachments(r *http.Request, user string, _ params, c *deckCardRec) (any, *apiErr) {
	return h.attachmentsJSON(c.id, r.PathValue("ver")), nil
}

func (h *deckHandlers) deleteAttachment(r *http.Request, user string, _ params) (any, *apiErr) {
	if r.PathValue("ver") != "v1.1" {
		return nil, &apiErr{http.StatusNotFound, "Not found"}
	}
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
	a := h.st.attachments[pathID(r, "attachmentId")]
	if a == nil || a.cardID != c.id || a.typ != r.PathValue("type") || a.deletedAt != 0 {
		return nil, &apiErr{http.StatusNotFound, "Attachment not found"}
	}
	if a.typ == "file" {
		delete(h.st.attachments, a.id) // unshares the file
	} else {
		a.deletedAt = deckNow()
	}
	h.changed(c)
	return map[string]any{"id": a.id, "cardId": c.id, "type": a.typ, "deletedAt": a.deletedAt}, nil
}
