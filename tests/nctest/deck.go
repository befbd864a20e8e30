package nctest

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
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
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}", h.wrap(h.onBoard(deckRead, h.getBoard)))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}", h.wrap(h.onBoard(deckManage, h.updateBoard)))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}", h.wrap(h.onBoard(deckManage, h.deleteBoard)))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/undo_delete", h.wrap(h.onBoard(deckManage, h.undoDeleteBoard)))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/acl", h.wrap(h.onBoard(deckShare, h.addACL)))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks", h.wrap(h.onBoard(deckRead, h.listStacks(false))))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks/archived", h.wrap(h.onBoard(deckRead, h.listStacks(true))))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.onStack(deckRead, h.getStack)))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/stacks", h.wrap(h.onBoard(deckManage, h.createStack)))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.onStack(deckManage, h.updateStack)))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}/stacks/{stackId}", h.wrap(h.onStack(deckManage, h.deleteStack)))
	c := p + "/boards/{boardId}/stacks/{stackId}/cards"
	s.mux.HandleFunc("POST "+c, h.wrap(h.createCard))
	s.mux.HandleFunc("GET "+c+"/{cardId}", h.wrap(h.onCard(deckRead, h.getCard)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}", h.wrap(h.updateCard))
	s.mux.HandleFunc("DELETE "+c+"/{cardId}", h.wrap(h.onCard(deckEdit, h.deleteCard)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/reorder", h.wrap(h.onCard(deckEdit, h.reorderCard)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/archive", h.wrap(h.archiveCard(true)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/unarchive", h.wrap(h.archiveCard(false)))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/assignLabel", h.wrap(h.onCard(deckEdit, h.cardLabel(true))))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/removeLabel", h.wrap(h.onCard(deckEdit, h.cardLabel(false))))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/assignUser", h.wrap(h.assignUser))
	s.mux.HandleFunc("PUT "+c+"/{cardId}/unassignUser", h.wrap(h.onCard(deckEdit, h.unassignUser)))
	s.mux.HandleFunc("GET "+c+"/{cardId}/attachments", h.wrap(h.onCard(deckRead, h.listAttachments)))
	s.mux.HandleFunc("DELETE "+c+"/{cardId}/attachments/{type}/{attachmentId}", h.wrap(h.deleteAttachment))
	s.mux.HandleFunc("GET "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.onLabel(deckRead, h.getLabel)))
	s.mux.HandleFunc("POST "+p+"/boards/{boardId}/labels", h.wrap(h.onBoard(deckManage, h.createLabel)))
	s.mux.HandleFunc("PUT "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.onLabel(deckManage, h.updateLabel)))
	s.mux.HandleFunc("DELETE "+p+"/boards/{boardId}/labels/{labelId}", h.wrap(h.onLabel(deckManage, h.deleteLabel)))

	o := "/ocs/v2.php/apps/deck/api/v1.0/cards/{cardId}/comments"
	s.mux.HandleFunc("GET "+o, h.listComments)
	s.mux.HandleFunc("POST "+o, h.createComment)
	s.mux.HandleFunc("PUT "+o+"/{commentId}", h.updateComment)
	s.mux.HandleFunc("DELETE "+o+"/{commentId}", h.deleteComment)

	s.mux.HandleFunc("POST "+deckSharePath, h.shareWithCard)
}

// ServeDeckShare answers a files_sharing "create share" request of share
// type 12 (a file shared with a Deck card), as Deck's share provider does
// inside Nextcloud's share manager.
//
// Deprecated: the files_sharing stand-in hands such requests to Deck
// itself; tests need not route them.
func (s *Server) ServeDeckShare(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = deckSharePath
	s.ServeHTTP(w, r2)
}

// IsDeckShareRequest reports whether r creates a share of type 12 (Deck).
// It reads and restores the body.
//
// Deprecated: see ServeDeckShare.
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

func errCardArchived() *apiErr {
	return errStatus(http.StatusInternalServerError, "Operation not allowed. This card is archived.")
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

// sortByOrder sorts stacks or cards as Deck lists them: by order, then id.
func sortByOrder[T any](list []T, key func(T) (int, int64)) {
	sort.Slice(list, func(i, j int) bool {
		oi, ii := key(list[i])
		oj, ij := key(list[j])
		if oi != oj {
			return oi < oj
		}
		return ii < ij
	})
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

// ocs serves a route of the OCS comments API.
func (h *deckHandlers) ocs(w http.ResponseWriter, r *http.Request, fn func(user string, in params) (any, *apiErr)) {
	v, err := runLocked(&h.st.mu, r, func(_ *http.Request, user string, in params) (any, *apiErr) { return fn(user, in) })
	if err != nil {
		writeOCS(w, r, err.status, err.status, err.msg, nil)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", v)
}
