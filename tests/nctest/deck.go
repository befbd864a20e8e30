package nctest

import (
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Deck stand-in: the REST API under /index.php/apps/deck/api/v1.0 (and
// v1.1, which also lists attachments of type "file"), the OCS comments API,
// and Deck's share provider for files shared with a card. It follows
// nextcloud/deck docs/API.md and the controllers' behaviour: ids that do not
// exist answer 403 "Permission denied" (Deck does not leak ids), validation
// errors 400 {"status":400,"message":...}, boards and stacks carry ETags
// and answer 304 to a matching If-None-Match.

type deckStore struct {
	mu          sync.Mutex
	nextID      int64
	boards      map[int64]*deckBoardRec
	stacks      map[int64]*deckStackRec
	cards       map[int64]*deckCardRec
	labels      map[int64]*deckLabelRec
	acls        map[int64]*deckACLRec
	assignments map[int64]*deckAssignRec
	attachments map[int64]*deckAttachRec
	comments    map[int64]*deckCommentRec
}

type deckBoardRec struct {
	id                  int64
	title, color, owner string
	archived            bool
	deletedAt, modified int64
}

type deckStackRec struct {
	id, boardID         int64
	title               string
	order               int
	deletedAt, modified int64
}

type deckCardRec struct {
	id, stackID        int64
	title, description string
	typ, owner         string
	order              int
	archived           bool
	duedate, done      *string
	deletedAt, created int64
	modified           int64
	labelIDs           []int64
}

type deckLabelRec struct {
	id, boardID  int64
	title, color string
}

type deckACLRec struct {
	id, boardID         int64
	participant         string
	typ                 int
	edit, share, manage bool
}

type deckAssignRec struct {
	id, cardID int64
	user       string
}

type deckAttachRec struct {
	id, cardID int64
	typ        string // "file" (share) or "deck_file"
	path       string
	createdBy  string
	created    int64
	deletedAt  int64
}

type deckCommentRec struct {
	id, cardID, parentID int64
	actor, message       string
	created              time.Time
}

const deckSharePath = "/index.php/apps/deck/nctest/share-provider"

func (s *Server) registerDeck() {
	st := &deckStore{
		boards: map[int64]*deckBoardRec{}, stacks: map[int64]*deckStackRec{}, cards: map[int64]*deckCardRec{},
		labels: map[int64]*deckLabelRec{}, acls: map[int64]*deckACLRec{}, assignments: map[int64]*deckAssignRec{},
		attachments: map[int64]*deckAttachRec{}, comments: map[int64]*deckCommentRec{},
	}
	h := &deckHandlers{s: s, st: st}
	s.apps.deck = h
	p := "/index.php/apps/deck/api/{ver}"
	s.mux.HandleFunc("GET "+p+"/boards", h.wrap(h.listBoards))
	s.mux.HandleFunc("POST "+p+"/boards", h.wrap(h.createBoard))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}", h.wrap(h.getBoard))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}", h.wrap(h.updateBoard))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}", h.wrap(h.deleteBoard))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/undo_delete", h.wrap(h.undoDeleteBoard))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/acl", h.wrap(h.addACL))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks", h.wrap(h.listStacks(false)))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks/archived", h.wrap(h.listStacks(true)))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.getStack))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/stacks", h.wrap(h.createStack))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.updateStack))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.deleteStack))
	c := p + "/boards/{boardId}/stacks/{stackId}/cards"
	s.mux.HandleFunc("POST "+c, h.wrap(h.createCard))
	s.mux.HandleFunc("GET "+c+"/{cardId}", h.wrap(h.getCard))
	s.mux.HandleFunc("PUT "+c+"/{cardId}", h.wrap(h.updateCard))
	s.mux.HandleFunc("DELETE "+c+"/{cardId}", h.wrap(h.deleteCard))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/reorder", h.wrap(h.reorderCard))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/archive", h.wrap(h.archiveCard(true)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/unarchive", h.wrap(h.archiveCard(false)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/assignLabel", h.wrap(h.cardLabel(true)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/removeLabel", h.wrap(h.cardLabel(false)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/assignUser", h.wrap(h.assignUser))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/unassignUser", h.wrap(h.unassignUser))
	s.mux.HandleFunc("GET "+c+"/{cardId}/attachments", h.wrap(h.listAttachments))
	s.mux.HandleFunc("DELETE "+c+"/{cardId}/attachments/{type}/{attachmentId}", h.wrap(h.deleteAttachment))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.getLabel))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/labels", h.wrap(h.createLabel))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.updateLabel))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.deleteLabel))

	o := "/ocs/v2.php/apps/deck/api/v1.0/cards/{cardId}/comments"
	s.mux.HandleFunc("GET "+o, h.listComments)
	s.mux.HandleFunc("POST "+o, h.createComment)
	s.mux.HandleFunc("PUT "+o+"/{commentId}", h.updateComment)
	s.mux.HandleFunc("DELETE "+o+"/{commentId}", h.deleteComment)

	s.mux.HandleFunc("POST "+deckSharePath, h.shareWithCard)
}

// ServeDeckShare answers a files_sharing "create share" request of share
// type 12 (a file shared with a Deck card), as Deck's share provider does
// inside Nextcloud's share manager. A files_sharing stand-in (or a test's
// Fault hook) hands such requests here.
func (s *Server) ServeDeckShare(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = deckSharePath
	s.ServeHTTP(w, r2)
}

// IsDeckShareRequest reports whether r creates a share of type 12 (Deck).
// It reads and restores the body.
func IsDeckShareRequest(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/apps/files_sharing/api/v1/shares") {
		return false
	}
	in, err := readParams(r)
	if err != nil {
		return false
	}
	n, ok := in.num("shareType")
	return ok && n == 12
}

type deckHandlers struct {
	s  *Server
	st *deckStore
}

func deckDenied() *apiErr { return &apiErr{http.StatusForbidden, "Permission denied"} }

// deckFn is a handler of Deck's REST API.
type deckFn = apiFn

// wrap serves a REST route: refusals as {"status","message"}, and GET
// answers with an ETag (304 on a matching If-None-Match), as Deck does.
func (h *deckHandlers) wrap(fn deckFn) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v := r.PathValue("ver"); v != "v1.0" && v != "v1.1" {
			http.NotFound(w, r)
			return
		}
		v, err := runLocked(&h.st.mu, r, apiFn(fn))
		switch {
		case err != nil:
			writeJSON(w, err.status, map[string]any{"status": err.status, "message": err.msg})
		case r.Method == http.MethodGet:
			writeJSONETag(w, r, v)
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
}

func (st *deckStore) id() int64 { st.nextID++; return st.nextID }

func deckNow() int64 { return time.Now().Unix() }

// permission levels
const (
	deckRead = iota
	deckEdit
	deckManage
	deckShare
)

func (st *deckStore) can(user string, b *deckBoardRec, perm int) bool {
	if b == nil {
		return false
	}
	if b.owner == user {
		return true
	}
	for _, a := range st.acls {
		if a.boardID == b.id && a.typ == 0 && a.participant == user {
			switch perm {
			case deckRead:
				return true
			case deckEdit:
				return a.edit
			case deckManage:
				return a.manage
			case deckShare:
				return a.share
			}
		}
	}
	return false
}

func (st *deckStore) board(user string, id int64, perm int) (*deckBoardRec, *apiErr) {
	b := st.boards[id]
	if b == nil || !st.can(user, b, perm) {
		return nil, deckDenied()
	}
	return b, nil
}

func (st *deckStore) stack(user string, id int64, perm int) (*deckStackRec, *deckBoardRec, *apiErr) {
	s := st.stacks[id]
	if s == nil || s.deletedAt != 0 {
		return nil, nil, deckDenied()
	}
	b, err := st.board(user, s.boardID, perm)
	if err != nil {
		return nil, nil, err
	}
	return s, b, nil
}

func (st *deckStore) card(user string, id int64, perm int) (*deckCardRec, *deckStackRec, *deckBoardRec, *apiErr) {
	c := st.cards[id]
	if c == nil || c.deletedAt != 0 {
		return nil, nil, nil, deckDenied()
	}
	s := st.stacks[c.stackID]
	if s == nil {
		return nil, nil, nil, deckDenied()
	}
	b, err := st.board(user, s.boardID, perm)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, s, b, nil
}

func (st *deckStore) touch(boardID int64) {
	if b := st.boards[boardID]; b != nil {
		b.modified = deckNow()
	}
}

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
	var aids []int64
	for id, a := range st.assignments {
		if a.cardID == c.id {
			aids = append(aids, id)
		}
	}
	sort.Slice(aids, func(i, j int) bool { return aids[i] < aids[j] })
	for _, id := range aids {
		a := st.assignments[id]
		assigned = append(assigned, map[string]any{"id": a.id, "participant": h.userObj(a.user), "cardId": c.id, "type": 0})
	}
	attachCount := 0
	for _, a := range st.attachments {
		if a.cardID == c.id && a.deletedAt == 0 {
			attachCount++
		}
	}
	comments := 0
	for _, cm := range st.comments {
		if cm.cardID == c.id {
			comments++
		}
	}
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
	sort.Slice(cards, func(i, j int) bool {
		if cards[i].order != cards[j].order {
			return cards[i].order < cards[j].order
		}
		return cards[i].id < cards[j].id
	})
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

func (h *deckHandlers) listBoards(r *http.Request, user string, _ params) (any, *apiErr) {
	ids := sortedIDs(h.st.boards, func(_ int64, b *deckBoardRec) bool { return h.st.can(user, b, deckRead) })
	out := []any{}
	for _, id := range ids {
		out = append(out, h.boardJSON(user, h.st.boards[id]))
	}
	return out, nil
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
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	color, err := deckColor(in)
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

func (h *deckHandlers) getBoard(r *http.Request, user string, _ params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckRead)
	if err != nil {
		return nil, err
	}
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) updateBoard(r *http.Request, user string, in params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckManage)
	if err != nil {
		return nil, err
	}
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	color, err := deckColor(in)
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

func (h *deckHandlers) deleteBoard(r *http.Request, user string, _ params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckManage)
	if err != nil {
		return nil, err
	}
	b.deletedAt, b.modified = deckNow(), deckNow()
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) undoDeleteBoard(r *http.Request, user string, _ params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckManage)
	if err != nil {
		return nil, err
	}
	b.deletedAt, b.modified = 0, deckNow()
	return h.boardJSON(user, b), nil
}

func (h *deckHandlers) addACL(r *http.Request, user string, in params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckShare)
	if err != nil {
		return nil, err
	}
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
	sort.Slice(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].id < out[j].id
	})
	return out
}

func (h *deckHandlers) listStacks(archived bool) func(r *http.Request, user string, _ params) (any, *apiErr) {
	return func(r *http.Request, user string, _ params) (any, *apiErr) {
		b, err := h.st.board(user, pathID(r, "boardId"), deckRead)
		if err != nil {
			return nil, err
		}
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

func (h *deckHandlers) getStack(r *http.Request, user string, _ params) (any, *apiErr) {
	s, _, err := h.st.stack(user, pathID(r, "stackId"), deckRead)
	if err != nil {
		return nil, err
	}
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) createStack(r *http.Request, user string, in params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckManage)
	if err != nil {
		return nil, err
	}
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	order, ok := in.num("order")
	if !ok {
		return nil, errBad("order must be a number")
	}
	s := &deckStackRec{id: h.st.id(), boardID: b.id, title: title, order: int(order), modified: deckNow()}
	h.st.stacks[s.id] = s
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) updateStack(r *http.Request, user string, in params) (any, *apiErr) {
	s, b, err := h.st.stack(user, pathID(r, "stackId"), deckManage)
	if err != nil {
		return nil, err
	}
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	order, ok := in.num("order")
	if !ok {
		return nil, errBad("order must be a number")
	}
	s.title, s.order, s.modified = title, int(order), deckNow()
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
}

func (h *deckHandlers) deleteStack(r *http.Request, user string, _ params) (any, *apiErr) {
	s, b, err := h.st.stack(user, pathID(r, "stackId"), deckManage)
	if err != nil {
		return nil, err
	}
	s.deletedAt, s.modified = deckNow(), deckNow()
	for _, c := range h.st.cards {
		if c.stackID == s.id {
			c.deletedAt = deckNow()
		}
	}
	h.st.touch(b.id)
	return h.stackJSON(s, false), nil
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
	order := int64(999)
	if v, ok := in["order"]; ok {
		if order, ok = scalarInt(v); !ok {
			return nil, errBad("order must be a number")
		}
	}
	due, err := deckDuedate(in["duedate"])
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

func (h *deckHandlers) getCard(r *http.Request, user string, _ params) (any, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
	if err != nil {
		return nil, err
	}
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
	order := int64(0)
	if v, ok := in["order"]; ok {
		if order, ok = scalarInt(v); !ok {
			return nil, errBad("order must be a number")
		}
	}
	due, err := deckDuedate(in["duedate"])
	if err != nil {
		return nil, err
	}
	if v, ok := in["archived"]; ok && v != nil {
		a, _ := scalarBool(v)
		if a && c.archived {
			return nil, &apiErr{http.StatusInternalServerError, "Operation not allowed. This card is archived."}
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

func (h *deckHandlers) deleteCard(r *http.Request, user string, _ params) (any, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
	c.deletedAt = deckNow()
	h.changed(c)
	return h.cardJSON(c, false, "v1.0"), nil
}

func (h *deckHandlers) reorderCard(r *http.Request, user string, in params) (any, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
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
		return nil, &apiErr{http.StatusInternalServerError, "Operation not allowed. This card is archived."}
	}
	h.changed(c) // the old stack changes too
	c.stackID = target.id
	var cards []*deckCardRec
	for _, x := range h.st.cards {
		if x.stackID == target.id && x.deletedAt == 0 && !x.archived {
			cards = append(cards, x)
		}
	}
	sort.Slice(cards, func(i, j int) bool {
		if cards[i].order != cards[j].order {
			return cards[i].order < cards[j].order
		}
		return cards[i].id < cards[j].id
	})
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

func (h *deckHandlers) cardLabel(add bool) func(r *http.Request, user string, in params) (any, *apiErr) {
	return func(r *http.Request, user string, in params) (any, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
		if err != nil {
			return nil, err
		}
		labelID, ok := in.num("labelId")
		if !ok {
			return nil, errBad("labelId must be a number")
		}
		if h.st.labels[labelID] == nil {
			return nil, deckDenied()
		}
		if c.archived {
			return nil, &apiErr{http.StatusInternalServerError, "Operation not allowed. This card is archived."}
		}
		kept := c.labelIDs[:0:0]
		for _, l := range c.labelIDs {
			if l != labelID {
				kept = append(kept, l)
			}
		}
		if add {
			kept = append(kept, labelID)
		}
		c.labelIDs = kept
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
	return map[string]any{"id": a.id, "participant": h.userObj(uid), "cardId": c.id, "type": 0}, nil
}

func (h *deckHandlers) unassignUser(r *http.Request, user string, in params) (any, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckEdit)
	if err != nil {
		return nil, err
	}
	uid, _ := in.text("userId")
	for id, a := range h.st.assignments {
		if a.cardID == c.id && a.user == uid {
			delete(h.st.assignments, id)
			h.changed(c)
			return map[string]any{"id": a.id, "participant": h.userObj(uid), "cardId": c.id, "type": 0}, nil
		}
	}
	return nil, &apiErr{http.StatusNotFound, fmt.Sprintf("No assignment for %s found.", uid)}
}

func (h *deckHandlers) listAttachments(r *http.Request, user string, _ params) (any, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
	if err != nil {
		return nil, err
	}
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

func (h *deckHandlers) boardLabel(r *http.Request, user string, perm int) (*deckLabelRec, *deckBoardRec, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), perm)
	if err != nil {
		return nil, nil, err
	}
	l := h.st.labels[pathID(r, "labelId")]
	if l == nil || l.boardID != b.id {
		return nil, nil, deckDenied()
	}
	return l, b, nil
}

func (h *deckHandlers) getLabel(r *http.Request, user string, _ params) (any, *apiErr) {
	l, _, err := h.boardLabel(r, user, deckRead)
	if err != nil {
		return nil, err
	}
	return deckLabelJSON(l, nil), nil
}

func (h *deckHandlers) createLabel(r *http.Request, user string, in params) (any, *apiErr) {
	b, err := h.st.board(user, pathID(r, "boardId"), deckManage)
	if err != nil {
		return nil, err
	}
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	color, err := deckColor(in)
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

func (h *deckHandlers) updateLabel(r *http.Request, user string, in params) (any, *apiErr) {
	l, b, err := h.boardLabel(r, user, deckManage)
	if err != nil {
		return nil, err
	}
	title, err := deckTitle(in, 100)
	if err != nil {
		return nil, err
	}
	color, err := deckColor(in)
	if err != nil {
		return nil, err
	}
	l.title, l.color = title, color
	h.st.touch(b.id)
	return deckLabelJSON(l, nil), nil
}

func (h *deckHandlers) deleteLabel(r *http.Request, user string, _ params) (any, *apiErr) {
	l, b, err := h.boardLabel(r, user, deckManage)
	if err != nil {
		return nil, err
	}
	delete(h.st.labels, l.id)
	for _, c := range h.st.cards {
		kept := c.labelIDs[:0:0]
		for _, id := range c.labelIDs {
			if id != l.id {
				kept = append(kept, id)
			}
		}
		c.labelIDs = kept
	}
	h.st.touch(b.id)
	return deckLabelJSON(l, nil), nil
}

// ocs serves a route of the OCS comments API.
func (h *deckHandlers) ocs(w http.ResponseWriter, r *http.Request, fn func(user string, in params) (any, *apiErr)) {
	v, err := runLocked(&h.st.mu, r, func(_ *http.Request, user string, in params) (any, *apiErr) { return fn(user, in) })
	if err != nil {
		writeOCS(w, r, err.status, err.status, err.msg, nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", v)
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

func (h *deckHandlers) listComments(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
		if err != nil {
			return nil, err
		}
		limit, offset := int64(20), int64(0)
		if v, ok := in.num("limit"); ok {
			limit = v
		}
		if v, ok := in.num("offset"); ok {
			offset = v
		}
		var list []*deckCommentRec
		for _, cm := range h.st.comments {
			if cm.cardID == c.id {
				list = append(list, cm)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].id > list[j].id }) // newest first
		out := []any{}
		for i, cm := range list {
			if int64(i) < offset || int64(len(out)) >= limit {
				continue
			}
			out = append(out, h.commentJSON(cm, true))
		}
		return out, nil
	})
}

func (h *deckHandlers) createComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
		if err != nil {
			return nil, err
		}
		msg, _ := in.text("message")
		if strings.TrimSpace(msg) == "" {
			return nil, errBad("Invalid input values")
		}
		if utf8.RuneCountInString(msg) > 1000 {
			return nil, errBad("Message exceeds allowed character limit of 1000")
		}
		parent := int64(0)
		if v, ok := in.num("parentId"); ok && v != 0 {
			p := h.st.comments[v]
			if p == nil || p.cardID != c.id {
				return nil, errBad("Invalid parent id: The parent comment was not found or belongs to a different card")
			}
			parent = v
		}
		cm := &deckCommentRec{id: h.st.id(), cardID: c.id, parentID: parent, actor: user, message: msg, created: time.Now()}
		h.st.comments[cm.id] = cm
		return h.commentJSON(cm, true), nil
	})
}

func (h *deckHandlers) ownComment(r *http.Request, user string) (*deckCommentRec, *apiErr) {
	c, _, _, err := h.st.card(user, pathID(r, "cardId"), deckRead)
	if err != nil {
		return nil, err
	}
	cm := h.st.comments[pathID(r, "commentId")]
	if cm == nil || cm.cardID != c.id {
		return nil, &apiErr{http.StatusNotFound, "No comment found."}
	}
	if cm.actor != user {
		return nil, &apiErr{http.StatusForbidden, "Only authors are allowed to edit their comment."}
	}
	return cm, nil
}

func (h *deckHandlers) updateComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		cm, err := h.ownComment(r, user)
		if err != nil {
			return nil, err
		}
		msg, _ := in.text("message")
		if utf8.RuneCountInString(msg) > 1000 {
			return nil, errBad("Message exceeds allowed character limit of 1000")
		}
		cm.message = msg
		return h.commentJSON(cm, false), nil
	})
}

func (h *deckHandlers) deleteComment(w http.ResponseWriter, r *http.Request) {
	h.ocs(w, r, func(user string, in params) (any, *apiErr) {
		cm, err := h.ownComment(r, user)
		if err != nil {
			return nil, err
		}
		delete(h.st.comments, cm.id)
		return []any{}, nil
	})
}

// shareWithCard is Deck's share provider behind files_sharing: it shares a
// file of the user with a card, which then lists it as a "file" attachment.
func (h *deckHandlers) shareWithCard(w http.ResponseWriter, r *http.Request) {
	in, err := readParams(r)
	if err != nil {
		writeOCS(w, r, http.StatusBadRequest, 400, err.Error(), nil)
		return
	}
	user := UserOf(r)
	p, _ := in.text("path")
	if p == "" {
		writeOCS(w, r, http.StatusNotFound, 404, "Please specify a file or folder path", nil)
		return
	}
	if !h.fileExists(r, user, p) {
		writeOCS(w, r, http.StatusNotFound, 404, "Wrong path, file/folder does not exist", nil)
		return
	}
	cardID, ok := in.num("shareWith")
	h.st.mu.Lock()
	var c *deckCardRec
	var derr *apiErr
	if ok {
		c, _, _, derr = h.st.card(user, cardID, deckEdit)
	}
	if !ok || derr != nil {
		h.st.mu.Unlock()
		writeOCS(w, r, http.StatusNotFound, 404, "Sharing "+path.Base(p)+" failed, because the card could not be found or is not editable", nil)
		return
	}
	for _, a := range h.st.attachments {
		if a.cardID == c.id && a.typ == "file" && a.path == "/"+strings.TrimLeft(p, "/") {
			h.st.mu.Unlock()
			writeOCS(w, r, http.StatusForbidden, 403, "Path is already shared with this card", nil)
			return
		}
	}
	a := &deckAttachRec{id: h.st.id(), cardID: c.id, typ: "file", path: "/" + strings.TrimLeft(p, "/"), createdBy: user, created: deckNow()}
	h.st.attachments[a.id] = a
	h.changed(c)
	title := c.title
	h.st.mu.Unlock()
	writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{
		"id": strconv.FormatInt(a.id, 10), "share_type": 12, "uid_owner": user, "displayname_owner": user,
		"permissions": 19, "stime": a.created, "path": a.path, "item_type": "file", "file_target": "/" + path.Base(a.path),
		"share_with": strconv.FormatInt(c.id, 10), "share_with_displayname": title,
	})
}

// fileExists asks the WebDAV stand-in, when one is mounted, whether the
// user has the file; without one every path counts as existing.
func (h *deckHandlers) fileExists(r *http.Request, user, p string) bool {
	req := httptest.NewRequest("PROPFIND", "/remote.php/dav/files/"+user+"/"+strings.TrimLeft(p, "/"), nil)
	req = req.WithContext(r.Context())
	req.Header.Set("Depth", "0")
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if _, pattern := h.s.mux.Handler(req); pattern == "" || pattern == "/" {
		return true
	}
	rec := httptest.NewRecorder()
	h.s.mux.ServeHTTP(rec, req)
	return rec.Code == http.StatusMultiStatus || rec.Code == http.StatusOK
}
