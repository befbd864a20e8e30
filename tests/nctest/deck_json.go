package nctest

import (
	"mime"
	"path"
	"strconv"
	"strings"
	"time"
)

// Deck's JSON shapes of boards, stacks, cards, labels and comments.

func (h *deckHandlers) exists(uid string) bool { _, ok := h.s.userDisplay(uid); return ok }

func (h *deckHandlers) userObj(uid string) map[string]any {
	display := h.s.displayNameOr(uid)
	return map[string]any{"primaryKey": uid, "uid": uid, "displayname": display, "type": 0}
}

func deckLabelJSON(l *deckLabelRec, cardID any) map[string]any {
	return map[string]any{"id": l.id, "title": l.title, "color": l.color, "boardId": l.boardID, "cardId": cardID, "lastModified": 0, "ETag": ""}
}

func (h *deckHandlers) boardJSON(user string, b *deckBoardRec) map[string]any {
	st := h.st
	var labels []any
	ids := sortedIDs(st.labels, func(_ int64, l *deckLabelRec) bool { return l.boardID == b.id })
	for _, id := range ids {
		// Deck sends the board id of labels as a string in board details.
		lj := deckLabelJSON(st.labels[id], nil)
		lj["boardId"] = strconv.FormatInt(b.id, 10)
		labels = append(labels, lj)
	}
	acl := []any{}
	users := []any{h.userObj(b.owner)}
	for _, a := range st.sortedACLs(b.id) {
		acl = append(acl, map[string]any{
			"id": a.id, "participant": h.userObj(a.participant), "type": a.typ, "boardId": b.id,
			"permissionEdit": a.edit, "permissionShare": a.share, "permissionManage": a.manage, "owner": false,
		})
		users = append(users, h.userObj(a.participant))
	}
	shared := 0
	if b.owner != user {
		shared = 1
	}
	if labels == nil {
		labels = []any{}
	}
	return map[string]any{
		"id": b.id, "title": b.title, "owner": h.userObj(b.owner), "color": b.color, "archived": b.archived,
		"labels": labels, "acl": acl,
		"permissions": map[string]any{
			"PERMISSION_READ": st.can(user, b, deckRead), "PERMISSION_EDIT": st.can(user, b, deckEdit),
			"PERMISSION_MANAGE": st.can(user, b, deckManage), "PERMISSION_SHARE": st.can(user, b, deckShare),
		},
		"users": users, "shared": shared, "deletedAt": b.deletedAt, "lastModified": b.modified,
		"settings": map[string]any{"notify-due": "off", "calendar": true},
		"ETag":     recordETag(b.id, b.modified),
	}
}

func (st *deckStore) sortedACLs(boardID int64) []*deckACLRec {
	return recordsByID(st.acls, func(a *deckACLRec) bool { return a.boardID == boardID })
}

func (h *deckHandlers) cardJSON(c *deckCardRec, withAttachments bool, ver string) map[string]any {
	st := h.st
	labels := []any{}
	for _, lid := range c.labelIDs {
		if l := st.labels[lid]; l != nil {
			labels = append(labels, deckLabelJSON(l, c.id))
		}
	}
	assigned := []any{}
	for _, a := range recordsByID(st.assignments, func(a *deckAssignRec) bool { return a.cardID == c.id }) {
		assigned = append(assigned, h.assignmentJSON(a))
	}
	attachCount := len(sortedIDs(st.attachments, func(_ int64, a *deckAttachRec) bool { return a.cardID == c.id && a.deletedAt == 0 }))
	comments := len(sortedIDs(st.comments, func(_ int64, cm *deckCommentRec) bool { return cm.cardID == c.id }))
	overdue := 0
	if c.duedate != nil {
		if t, err := time.Parse(time.RFC3339, *c.duedate); err == nil && t.Before(time.Now()) {
			overdue = 3
		}
	}
	out := map[string]any{
		"id": c.id, "title": c.title, "description": c.description, "stackId": c.stackID, "type": c.typ,
		"lastModified": c.modified, "lastEditor": nil, "createdAt": c.created, "labels": labels,
		"assignedUsers": assigned, "attachments": nil, "attachmentCount": attachCount,
		"owner": h.userObj(c.owner), "order": c.order, "archived": c.archived, "done": c.done,
		"duedate": c.duedate, "deletedAt": c.deletedAt, "commentsUnread": 0, "commentsCount": comments,
		"overdue": overdue, "ETag": recordETag(c.id, c.modified),
	}
	if withAttachments {
		out["attachments"] = h.attachmentsJSON(c.id, ver)
	}
	return out
}

func (h *deckHandlers) assignmentJSON(a *deckAssignRec) map[string]any {
	return map[string]any{"id": a.id, "participant": h.userObj(a.user), "cardId": a.cardID, "type": 0}
}

func (h *deckHandlers) attachmentsJSON(cardID int64, ver string) []any {
	ids := sortedIDs(h.st.attachments, func(_ int64, a *deckAttachRec) bool {
		return a.cardID == cardID && a.deletedAt == 0 && (ver == "v1.1" || a.typ == "deck_file")
	})
	out := []any{}
	for _, id := range ids {
		a := h.st.attachments[id]
		base := path.Base(a.path)
		ext := strings.TrimPrefix(path.Ext(base), ".")
		mt := mime.TypeByExtension(path.Ext(base))
		if mt == "" {
			mt = "application/octet-stream"
		}
		out = append(out, map[string]any{
			"id": a.id, "cardId": a.cardID, "type": a.typ, "data": base, "lastModified": a.created,
			"createdAt": a.created, "createdBy": a.createdBy, "deletedAt": a.deletedAt,
			"extendedData": map[string]any{
				"filesize": 0, "mimetype": mt, "fileid": a.id + 1000, "path": a.path, "hasPreview": false,
				"info": map[string]any{"dirname": path.Dir(a.path), "basename": base, "extension": ext, "filename": strings.TrimSuffix(base, path.Ext(base))},
			},
		})
	}
	return out
}

func (h *deckHandlers) stackJSON(s *deckStackRec, archived bool) map[string]any {
	var cards []*deckCardRec
	for _, c := range h.st.cards {
		if c.stackID == s.id && c.deletedAt == 0 && c.archived == archived {
			cards = append(cards, c)
		}
	}
	sortByOrder(cards, func(c *deckCardRec) (int, int64) { return c.order, c.id })
	out := map[string]any{
		"id": s.id, "title": s.title, "boardId": s.boardID, "deletedAt": s.deletedAt,
		"lastModified": s.modified, "order": s.order,
		"ETag": recordETag(s.id, s.modified),
	}
	if len(cards) > 0 {
		cj := make([]any, len(cards))
		for i, c := range cards {
			cj[i] = h.cardJSON(c, false, "v1.0")
		}
		out["cards"] = cj
	}
	return out
}

func (h *deckHandlers) commentJSON(c *deckCommentRec, withReply bool) map[string]any {
	u := h.userObj(c.actor)
	out := map[string]any{
		"id": c.id, "objectId": c.cardID, "message": c.message, "actorId": c.actor, "actorType": "users",
		"actorDisplayName": u["displayname"], "creationDateTime": c.created.Format("2006-01-02T15:04:05-07:00"),
		"mentions": []any{},
	}
	if withReply && c.parentID != 0 {
		if p := h.st.comments[c.parentID]; p != nil {
			out["replyTo"] = h.commentJSON(p, false)
		}
	}
	return out
}
