package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Deck API roots. v1.1 differs from v1.0 only in that it also returns
// attachments of type "file" (files shared with a card, Deck >= 1.3).
const (
	deckAPI    = "/index.php/apps/deck/api/v1.0"
	deckAPI11  = "/index.php/apps/deck/api/v1.1"
	deckOCSAPI = "/ocs/v2.php/apps/deck/api/v1.0"
	// DeckCommentMaxLength is Deck's limit for one comment, in characters
	// (IComment::MAX_MESSAGE_LENGTH).
	DeckCommentMaxLength = 1000
	// deckShareType is the files_sharing share type of a file shared with a
	// Deck card (IShare::TYPE_DECK).
	deckShareType = 12
)

// DeckInt is an id that Deck sends sometimes as a number, sometimes as a
// string ("boardId": "10" in labels, comment ids in OCS answers).
type DeckInt int64

// UnmarshalJSON accepts 10, "10" and null.
func (d *DeckInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*d = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("deck id %s is not a number", b)
	}
	*d = DeckInt(n)
	return nil
}

// DeckUser is a Deck participant. Deck sends it as an object, but some
// answers (a freshly created card's owner) carry only the user id string.
type DeckUser struct {
	PrimaryKey  string `json:"primaryKey"`
	UID         string `json:"uid"`
	DisplayName string `json:"displayname"`
	// Type is 0 for users, 1 for groups, 7 for circles (teams).
	Type int `json:"type"`
}

// UnmarshalJSON accepts an object or a plain user id.
func (u *DeckUser) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var id string
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		*u = DeckUser{PrimaryKey: id, UID: id, DisplayName: id}
		return nil
	}
	if string(b) == "null" {
		*u = DeckUser{}
		return nil
	}
	type plain DeckUser
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*u = DeckUser(p)
	if u.UID == "" {
		u.UID = u.PrimaryKey
	}
	return nil
}

// DeckLabel is a board label, also listed on the cards that carry it.
type DeckLabel struct {
	ID      int64   `json:"id"`
	Title   string  `json:"title"`
	Color   string  `json:"color"`
	BoardID DeckInt `json:"boardId"`
	CardID  DeckInt `json:"cardId"`
}

// DeckPermissions are the caller's rights on a board.
type DeckPermissions struct {
	Read   bool `json:"PERMISSION_READ"`
	Edit   bool `json:"PERMISSION_EDIT"`
	Manage bool `json:"PERMISSION_MANAGE"`
	Share  bool `json:"PERMISSION_SHARE"`
}

// DeckACL is one sharing rule of a board.
type DeckACL struct {
	ID               int64    `json:"id"`
	Participant      DeckUser `json:"participant"`
	Type             int      `json:"type"`
	BoardID          DeckInt  `json:"boardId"`
	PermissionEdit   bool     `json:"permissionEdit"`
	PermissionShare  bool     `json:"permissionShare"`
	PermissionManage bool     `json:"permissionManage"`
	Owner            bool     `json:"owner"`
}

// DeckBoard is a Deck board.
type DeckBoard struct {
	ID           int64           `json:"id"`
	Title        string          `json:"title"`
	Owner        DeckUser        `json:"owner"`
	Color        string          `json:"color"`
	Archived     bool            `json:"archived"`
	Labels       []DeckLabel     `json:"labels"`
	ACL          []DeckACL       `json:"acl"`
	Permissions  DeckPermissions `json:"permissions"`
	Users        []DeckUser      `json:"users"`
	Shared       int             `json:"shared"`
	DeletedAt    int64           `json:"deletedAt"`
	LastModified int64           `json:"lastModified"`
	ETag         string          `json:"ETag"`
}

// DeckStack is a column of cards.
type DeckStack struct {
	ID           int64      `json:"id"`
	Title        string     `json:"title"`
	BoardID      DeckInt    `json:"boardId"`
	DeletedAt    int64      `json:"deletedAt"`
	LastModified int64      `json:"lastModified"`
	Order        int        `json:"order"`
	Cards        []DeckCard `json:"cards"`
	ETag         string     `json:"ETag"`
}

// DeckAssignment is a user (or group) assigned to a card.
type DeckAssignment struct {
	ID          int64    `json:"id"`
	Participant DeckUser `json:"participant"`
	CardID      DeckInt  `json:"cardId"`
	Type        int      `json:"type"`
}

// DeckAttachment is a file attached to a card: "deck_file" (stored by Deck,
// before Deck 1.3) or "file" (a Nextcloud file shared with the card).
type DeckAttachment struct {
	ID           int64  `json:"id"`
	CardID       int64  `json:"cardId"`
	Type         string `json:"type"`
	Data         string `json:"data"`
	LastModified int64  `json:"lastModified"`
	CreatedAt    int64  `json:"createdAt"`
	CreatedBy    string `json:"createdBy"`
	DeletedAt    int64  `json:"deletedAt"`
	ExtendedData struct {
		Filesize int64  `json:"filesize"`
		Mimetype string `json:"mimetype"`
		FileID   int64  `json:"fileid"`
		Path     string `json:"path"`
		Info     struct {
			Dirname   string `json:"dirname"`
			Basename  string `json:"basename"`
			Extension string `json:"extension"`
			Filename  string `json:"filename"`
		} `json:"info"`
	} `json:"extendedData"`
}

// DeckCard is a card. Duedate and Done are ISO-8601 strings or null.
type DeckCard struct {
	ID              int64            `json:"id"`
	Title           string           `json:"title"`
	Description     string           `json:"description"`
	StackID         int64            `json:"stackId"`
	Type            string           `json:"type"`
	LastModified    int64            `json:"lastModified"`
	CreatedAt       int64            `json:"createdAt"`
	Labels          []DeckLabel      `json:"labels"`
	AssignedUsers   []DeckAssignment `json:"assignedUsers"`
	Attachments     []DeckAttachment `json:"attachments"`
	AttachmentCount int              `json:"attachmentCount"`
	Owner           DeckUser         `json:"owner"`
	Order           int              `json:"order"`
	Archived        bool             `json:"archived"`
	Done            *string          `json:"done"`
	Duedate         *string          `json:"duedate"`
	DeletedAt       int64            `json:"deletedAt"`
	CommentsUnread  int              `json:"commentsUnread"`
	CommentsCount   int              `json:"commentsCount"`
	Overdue         int              `json:"overdue"`
	ETag            string           `json:"ETag"`
}

// DeckCardUpdate is the full card Deck's PUT requires: every field is
// written, so callers start from the current card (see CardUpdateFrom).
type DeckCardUpdate struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Type        string  `json:"type"`
	Owner       string  `json:"owner"`
	Order       int     `json:"order"`
	Duedate     *string `json:"duedate"`
	Archived    bool    `json:"archived"`
	// Done is sent as is: Deck clears the done mark when it is missing.
	Done *string `json:"done"`
}

// CardUpdateFrom returns the update that rewrites card unchanged.
func CardUpdateFrom(card *DeckCard) DeckCardUpdate {
	typ := card.Type
	if typ == "" {
		typ = "plain"
	}
	return DeckCardUpdate{
		Title: card.Title, Description: card.Description, Type: typ, Owner: card.Owner.UID,
		Order: card.Order, Duedate: card.Duedate, Archived: card.Archived, Done: card.Done,
	}
}

// DeckComment is a comment on a card (OCS API).
type DeckComment struct {
	ID               DeckInt `json:"id"`
	ObjectID         DeckInt `json:"objectId"`
	Message          string  `json:"message"`
	ActorID          string  `json:"actorId"`
	ActorType        string  `json:"actorType"`
	ActorDisplayName string  `json:"actorDisplayName"`
	CreationDateTime string  `json:"creationDateTime"`
	Mentions         []struct {
		MentionID          string `json:"mentionId"`
		MentionType        string `json:"mentionType"`
		MentionDisplayName string `json:"mentionDisplayName"`
	} `json:"mentions"`
	ReplyTo *DeckComment `json:"replyTo,omitempty"`
}

// DeckCache remembers Deck answers with their ETags, so that reading the
// same board or stacks again costs a 304 Not Modified instead of the whole
// board. Entries are per Nextcloud user. Safe for concurrent use.
type DeckCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]deckCacheEntry
	order   []string
}

type deckCacheEntry struct {
	etag string
	body []byte
}

// deckCacheMaxBody keeps huge boards out of the cache.
const deckCacheMaxBody = 2 << 20

// NewDeckCache returns a cache holding up to max answers (default 256).
func NewDeckCache(max int) *DeckCache {
	if max <= 0 {
		max = 256
	}
	return &DeckCache{max: max, entries: map[string]deckCacheEntry{}}
}

func (dc *DeckCache) get(key string) (deckCacheEntry, bool) {
	if dc == nil {
		return deckCacheEntry{}, false
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	e, ok := dc.entries[key]
	return e, ok
}

func (dc *DeckCache) put(key, etag string, body []byte) {
	if dc == nil || etag == "" || len(body) > deckCacheMaxBody {
		return
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if _, ok := dc.entries[key]; !ok {
		dc.order = append(dc.order, key)
	}
	dc.entries[key] = deckCacheEntry{etag: etag, body: body}
	for len(dc.order) > dc.max {
		delete(dc.entries, dc.order[0])
		dc.order = dc.order[1:]
	}
}

// Len reports how many answers are cached.
func (dc *DeckCache) Len() int {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	return len(dc.entries)
}

// DeckClient calls the Deck app's REST and OCS APIs.
type DeckClient struct {
	c     *Client
	cache *DeckCache
}

// Deck returns a Deck API client; cache may be nil (no conditional GETs).
func (c *Client) Deck(cache *DeckCache) *DeckClient {
	return &DeckClient{c: c, cache: cache}
}

// deckFail adds what failed to err and turns the answers that mean "Deck is
// not installed" or "no such item" into errors saying so.
func deckFail(err error, format string, a ...any) error {
	what := fmt.Sprintf(format, a...)
	var e *Error
	if errors.As(err, &e) {
		e.App = "deck"
		switch {
		case e.Status == http.StatusNotFound && (e.Message == "" || strings.HasPrefix(e.Message, "Invalid query")):
			return fmt.Errorf("%s: the Nextcloud app \"deck\" (Deck) is not installed or not enabled for this user; ask an administrator to enable it (%s %s answered 404): %w",
				what, e.Method, e.Path, ErrAppNotEnabled)
		case e.Status == http.StatusForbidden && strings.HasPrefix(e.Message, "Permission denied"):
			// Deck answers 403 for ids that do not exist, so as not to leak them.
			return fmt.Errorf("%s: it does not exist or you have no access to it: %w", what, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// get reads a Deck JSON answer, revalidating a cached copy with its ETag.
func (d *DeckClient) get(ctx context.Context, path string, out any) error {
	req, err := d.c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json")
	key := ""
	var cached deckCacheEntry
	var haveCached bool
	if d.cache != nil && d.c.user != "" {
		key = d.c.user + "\x00" + path
		cached, haveCached = d.cache.get(key)
		if haveCached {
			req.Header.Set("If-None-Match", cached.etag)
		}
	}
	resp, err := d.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body []byte
	if resp.StatusCode == http.StatusNotModified {
		if !haveCached {
			return fmt.Errorf("nextcloud GET %s: 304 Not Modified for a request that was not conditional", req.URL.Path)
		}
		body = cached.body
	} else {
		body, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err != nil {
			return fmt.Errorf("read answer of GET %s: %w", req.URL.Path, err)
		}
		if key != "" {
			d.cache.put(key, resp.Header.Get("ETag"), body)
		}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("nextcloud GET %s: unexpected answer: %w", req.URL.Path, err)
	}
	return nil
}

func (d *DeckClient) send(ctx context.Context, method, path string, body, out any) error {
	_, err := d.c.JSON(ctx, method, path, nil, nil, body, out)
	return err
}

func boardPath(boardID int64) string { return fmt.Sprintf("%s/boards/%d", deckAPI, boardID) }

func stackPath(boardID, stackID int64) string {
	return fmt.Sprintf("%s/stacks/%d", boardPath(boardID), stackID)
}

func cardPath(boardID, stackID, cardID int64) string {
	return fmt.Sprintf("%s/cards/%d", stackPath(boardID, stackID), cardID)
}

func cardPath11(boardID, stackID, cardID int64) string {
	return fmt.Sprintf("%s/boards/%d/stacks/%d/cards/%d", deckAPI11, boardID, stackID, cardID)
}

// Boards lists the boards the user owns or that are shared with them,
// including archived ones and recently deleted ones (DeletedAt > 0).
func (d *DeckClient) Boards(ctx context.Context) ([]DeckBoard, error) {
	var boards []DeckBoard
	if err := d.get(ctx, deckAPI+"/boards", &boards); err != nil {
		return nil, deckFail(err, "list deck boards")
	}
	return boards, nil
}

// Board returns one board with its labels, sharing rules and permissions.
func (d *DeckClient) Board(ctx context.Context, boardID int64) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.get(ctx, boardPath(boardID), &b); err != nil {
		return nil, deckFail(err, "get deck board %d", boardID)
	}
	return &b, nil
}

// CreateBoard creates a board; color is six hex digits without '#'.
func (d *DeckClient) CreateBoard(ctx context.Context, title, color string) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.send(ctx, http.MethodPost, deckAPI+"/boards", map[string]any{"title": title, "color": color}, &b); err != nil {
		return nil, deckFail(err, "create deck board %q", title)
	}
	return &b, nil
}

// UpdateBoard writes title, color and archived state (Deck needs all three).
func (d *DeckClient) UpdateBoard(ctx context.Context, boardID int64, title, color string, archived bool) (*DeckBoard, error) {
	var b DeckBoard
	if err := d.send(ctx, http.MethodPut, boardPath(boardID), map[string]any{"title": title, "color": color, "archived": archived}, &b); err != nil {
		return nil, deckFail(err, "update deck board %d", boardID)
	}
	return &b, nil
}

// DeleteBoard deletes a board (Deck keeps it restorable for a while).
func (d *DeckClient) DeleteBoard(ctx context.Context, boardID int64) error {
	if err := d.send(ctx, http.MethodDelete, boardPath(boardID), nil, nil); err != nil {
		return deckFail(err, "delete deck board %d", boardID)
	}
	return nil
}

// Stacks lists a board's stacks with their active (not archived) cards.
func (d *DeckClient) Stacks(ctx context.Context, boardID int64) ([]DeckStack, error) {
	var s []DeckStack
	if err := d.get(ctx, boardPath(boardID)+"/stacks", &s); err != nil {
		return nil, deckFail(err, "list stacks of deck board %d", boardID)
	}
	return s, nil
}

// ArchivedStacks lists a board's stacks with their archived cards.
func (d *DeckClient) ArchivedStacks(ctx context.Context, boardID int64) ([]DeckStack, error) {
	var s []DeckStack
	if err := d.get(ctx, boardPath(boardID)+"/stacks/archived", &s); err != nil {
		return nil, deckFail(err, "list archived cards of deck board %d", boardID)
	}
	return s, nil
}

// Stack returns one stack with its active cards.
func (d *DeckClient) Stack(ctx context.Context, boardID, stackID int64) (*DeckStack, error) {
	var s DeckStack
	if err := d.get(ctx, stackPath(boardID, stackID), &s); err != nil {
		return nil, deckFail(err, "get stack %d of deck board %d", stackID, boardID)
	}
	return &s, nil
}

// CreateStack adds a stack; order sorts stacks from left to right.
func (d *DeckClient) CreateStack(ctx context.Context, boardID int64, title string, order int) (*DeckStack, error) {
	var s DeckStack
	if err := d.send(ctx, http.MethodPost, boardPath(boardID)+"/stacks", map[string]any{"title": title, "order": order}, &s); err != nil {
		return nil, deckFail(err, "create stack %q on deck board %d", title, boardID)
	}
	return &s, nil
}

// UpdateStack writes a stack's title and order (Deck needs both).
func (d *DeckClient) UpdateStack(ctx context.Context, boardID, stackID int64, title string, order int) (*DeckStack, error) {
	var s DeckStack
	if err := d.send(ctx, http.MethodPut, stackPath(boardID, stackID), map[string]any{"title": title, "order": order}, &s); err != nil {
		return nil, deckFail(err, "update stack %d of deck board %d", stackID, boardID)
	}
	return &s, nil
}

// DeleteStack deletes a stack and its cards.
func (d *DeckClient) DeleteStack(ctx context.Context, boardID, stackID int64) error {
	if err := d.send(ctx, http.MethodDelete, stackPath(boardID, stackID), nil, nil); err != nil {
		return deckFail(err, "delete stack %d of deck board %d", stackID, boardID)
	}
	return nil
}

// Card returns a card with labels, assignees and attachments of all types.
func (d *DeckClient) Card(ctx context.Context, boardID, stackID, cardID int64) (*DeckCard, error) {
	var c DeckCard
	if err := d.send(ctx, http.MethodGet, cardPath11(boardID, stackID, cardID), nil, &c); err != nil {
		return nil, deckFail(err, "get deck card %d", cardID)
	}
	return &c, nil
}

// DeckCardCreate is a new card; Duedate is ISO-8601 or nil.
type DeckCardCreate struct {
	Title       string  `json:"title"`
	Type        string  `json:"type"`
	Order       int     `json:"order"`
	Description string  `json:"description,omitempty"`
	Duedate     *string `json:"duedate,omitempty"`
}

// CreateCard adds a card to a stack.
func (d *DeckClient) CreateCard(ctx context.Context, boardID, stackID int64, card DeckCardCreate) (*DeckCard, error) {
	if card.Type == "" {
		card.Type = "plain"
	}
	var c DeckCard
	if err := d.send(ctx, http.MethodPost, stackPath(boardID, stackID)+"/cards", card, &c); err != nil {
		return nil, deckFail(err, "create card %q in stack %d", card.Title, stackID)
	}
	return &c, nil
}

// UpdateCard rewrites a whole card; start from CardUpdateFrom(current).
func (d *DeckClient) UpdateCard(ctx context.Context, boardID, stackID, cardID int64, u DeckCardUpdate) (*DeckCard, error) {
	var c DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID), u, &c); err != nil {
		return nil, deckFail(err, "update deck card %d", cardID)
	}
	return &c, nil
}

// ReorderCard moves a card to position order of stack toStackID, which may
// be on another board. It returns the cards of the target stack.
func (d *DeckClient) ReorderCard(ctx context.Context, boardID, stackID, cardID, toStackID int64, order int) ([]DeckCard, error) {
	var cards []DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/reorder", map[string]any{"stackId": toStackID, "order": order}, &cards); err != nil {
		return nil, deckFail(err, "move deck card %d to stack %d", cardID, toStackID)
	}
	return cards, nil
}

// ArchiveCard archives (archived=true) or unarchives a card.
func (d *DeckClient) ArchiveCard(ctx context.Context, boardID, stackID, cardID int64, archived bool) (*DeckCard, error) {
	verb := "archive"
	if !archived {
		verb = "unarchive"
	}
	var c DeckCard
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/"+verb, nil, &c); err != nil {
		return nil, deckFail(err, "%s deck card %d", verb, cardID)
	}
	return &c, nil
}

// DeleteCard deletes a card.
func (d *DeckClient) DeleteCard(ctx context.Context, boardID, stackID, cardID int64) error {
	if err := d.send(ctx, http.MethodDelete, cardPath(boardID, stackID, cardID), nil, nil); err != nil {
		return deckFail(err, "delete deck card %d", cardID)
	}
	return nil
}

// AssignLabel puts a board label on a card.
func (d *DeckClient) AssignLabel(ctx context.Context, boardID, stackID, cardID, labelID int64) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/assignLabel", map[string]any{"labelId": labelID}, nil); err != nil {
		return deckFail(err, "add label %d to deck card %d", labelID, cardID)
	}
	return nil
}

// RemoveLabel takes a label off a card.
func (d *DeckClient) RemoveLabel(ctx context.Context, boardID, stackID, cardID, labelID int64) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/removeLabel", map[string]any{"labelId": labelID}, nil); err != nil {
		return deckFail(err, "remove label %d from deck card %d", labelID, cardID)
	}
	return nil
}

// AssignUser assigns a board member to a card.
func (d *DeckClient) AssignUser(ctx context.Context, boardID, stackID, cardID int64, userID string) (*DeckAssignment, error) {
	var a DeckAssignment
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/assignUser", map[string]any{"userId": userID}, &a); err != nil {
		return nil, deckFail(err, "assign %q to deck card %d", userID, cardID)
	}
	return &a, nil
}

// UnassignUser removes a user's assignment from a card.
func (d *DeckClient) UnassignUser(ctx context.Context, boardID, stackID, cardID int64, userID string) error {
	if err := d.send(ctx, http.MethodPut, cardPath(boardID, stackID, cardID)+"/unassignUser", map[string]any{"userId": userID}, nil); err != nil {
		return deckFail(err, "unassign %q from deck card %d", userID, cardID)
	}
	return nil
}

// CreateLabel adds a label to a board.
func (d *DeckClient) CreateLabel(ctx context.Context, boardID int64, title, color string) (*DeckLabel, error) {
	var l DeckLabel
	if err := d.send(ctx, http.MethodPost, boardPath(boardID)+"/labels", map[string]any{"title": title, "color": color}, &l); err != nil {
		return nil, deckFail(err, "create label %q on deck board %d", title, boardID)
	}
	return &l, nil
}

// UpdateLabel writes a label's title and color (Deck needs both).
func (d *DeckClient) UpdateLabel(ctx context.Context, boardID, labelID int64, title, color string) (*DeckLabel, error) {
	var l DeckLabel
	if err := d.send(ctx, http.MethodPut, fmt.Sprintf("%s/labels/%d", boardPath(boardID), labelID), map[string]any{"title": title, "color": color}, &l); err != nil {
		return nil, deckFail(err, "update label %d of deck board %d", labelID, boardID)
	}
	return &l, nil
}

// DeleteLabel deletes a label from a board and all its cards.
func (d *DeckClient) DeleteLabel(ctx context.Context, boardID, labelID int64) error {
	if err := d.send(ctx, http.MethodDelete, fmt.Sprintf("%s/labels/%d", boardPath(boardID), labelID), nil, nil); err != nil {
		return deckFail(err, "delete label %d of deck board %d", labelID, boardID)
	}
	return nil
}

// Attachments lists a card's attachments of all types.
func (d *DeckClient) Attachments(ctx context.Context, boardID, stackID, cardID int64) ([]DeckAttachment, error) {
	var a []DeckAttachment
	if err := d.send(ctx, http.MethodGet, cardPath11(boardID, stackID, cardID)+"/attachments", nil, &a); err != nil {
		return nil, deckFail(err, "list attachments of deck card %d", cardID)
	}
	return a, nil
}

// AttachFile attaches a file from the user's Nextcloud files to a card, the
// way Deck's "Share from Files" does: it shares the file with the card
// (share type 12). It returns the share id, which is the attachment id.
func (d *DeckClient) AttachFile(ctx context.Context, cardID int64, path string) (int64, error) {
	rel, err := CleanFilePath(path)
	if err != nil {
		return 0, err
	}
	path = "/" + rel
	var share struct {
		ID DeckInt `json:"id"`
	}
	body := map[string]any{"path": path, "shareType": deckShareType, "shareWith": strconv.FormatInt(cardID, 10), "permissions": 19}
	if err := d.c.OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/files_sharing/api/v1/shares", nil, body, &share); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound && e.Message != "" {
			return 0, fmt.Errorf("attach %s to deck card %d: %w", path, cardID, err)
		}
		return 0, deckFail(err, "attach %s to deck card %d", path, cardID)
	}
	return int64(share.ID), nil
}

// DeleteAttachment removes an attachment; for type "file" this unshares
// the file from the card and leaves the file itself in place.
func (d *DeckClient) DeleteAttachment(ctx context.Context, boardID, stackID, cardID int64, typ string, attachmentID int64) error {
	if _, err := Segment("type", typ); err != nil {
		return err
	}
	p := fmt.Sprintf("%s/attachments/%s/%d", cardPath11(boardID, stackID, cardID), url.PathEscape(typ), attachmentID)
	if err := d.send(ctx, http.MethodDelete, p, nil, nil); err != nil {
		return deckFail(err, "delete attachment %d of deck card %d", attachmentID, cardID)
	}
	return nil
}

// Comments lists a card's comments, newest first.
func (d *DeckClient) Comments(ctx context.Context, cardID int64, limit, offset int) ([]DeckComment, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var cs []DeckComment
	if err := d.c.OCS(ctx, http.MethodGet, fmt.Sprintf("%s/cards/%d/comments", deckOCSAPI, cardID), q, nil, &cs); err != nil {
		return nil, deckFail(err, "list comments of deck card %d", cardID)
	}
	return cs, nil
}

// CreateComment adds one comment (at most DeckCommentMaxLength characters);
// parentID > 0 makes it a reply.
func (d *DeckClient) CreateComment(ctx context.Context, cardID int64, message string, parentID int64) (*DeckComment, error) {
	body := map[string]any{"message": message, "parentId": nil}
	if parentID > 0 {
		body["parentId"] = parentID
	}
	var c DeckComment
	if err := d.c.OCS(ctx, http.MethodPost, fmt.Sprintf("%s/cards/%d/comments", deckOCSAPI, cardID), nil, body, &c); err != nil {
		return nil, deckFail(err, "comment on deck card %d", cardID)
	}
	return &c, nil
}

// UpdateComment replaces the text of one of the user's comments.
func (d *DeckClient) UpdateComment(ctx context.Context, cardID, commentID int64, message string) (*DeckComment, error) {
	var c DeckComment
	if err := d.c.OCS(ctx, http.MethodPut, fmt.Sprintf("%s/cards/%d/comments/%d", deckOCSAPI, cardID, commentID), nil, map[string]any{"message": message}, &c); err != nil {
		return nil, deckFail(err, "update comment %d of deck card %d", commentID, cardID)
	}
	return &c, nil
}

// DeleteComment deletes one of the user's comments.
func (d *DeckClient) DeleteComment(ctx context.Context, cardID, commentID int64) error {
	if err := d.c.OCS(ctx, http.MethodDelete, fmt.Sprintf("%s/cards/%d/comments/%d", deckOCSAPI, cardID, commentID), nil, nil, nil); err != nil {
		return deckFail(err, "delete comment %d of deck card %d", commentID, cardID)
	}
	return nil
}

// SplitDeckComment cuts a message into parts that each fit Deck's comment
// limit, numbered "(1/3) ", "(2/3) " ..., preferring to cut at paragraph,
// line, sentence and word boundaries. A message that fits is returned as is.
func SplitDeckComment(message string, limit int) []string {
	if limit <= 0 {
		limit = DeckCommentMaxLength
	}
	runes := []rune(message)
	if len(runes) <= limit {
		return []string{message}
	}
	// The prefix length depends on the number of parts; grow the guess
	// until the split is consistent.
	for n := 2; ; n++ {
		parts := splitRunes(runes, limit-len(fmt.Sprintf("(%d/%d) ", n, n)))
		if len(parts) <= n {
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = fmt.Sprintf("(%d/%d) %s", i+1, len(parts), p)
			}
			return out
		}
	}
}

func splitRunes(runes []rune, size int) []string {
	if size < 1 {
		size = 1
	}
	var parts []string
	for len(runes) > 0 {
		if len(runes) <= size {
			parts = append(parts, strings.TrimSpace(string(runes)))
			break
		}
		cut := deckCutPoint(runes[:size+1])
		parts = append(parts, strings.TrimSpace(string(runes[:cut])))
		runes = runes[cut:]
		for len(runes) > 0 && (runes[0] == ' ' || runes[0] == '\n') {
			runes = runes[1:]
		}
	}
	return parts
}

// deckCutPoint picks where to end a part within window (at most
// len(window)-1 runes go into the part); it never returns 0.
func deckCutPoint(window []rune) int {
	limit := len(window) - 1
	minCut := limit / 2 // do not make tiny parts to honour a boundary
	s := string(window)
	for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "} {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			continue
		}
		cut := len([]rune(s[:i])) + len([]rune(sep))
		if sep == "\n\n" || sep == "\n" || sep == " " {
			cut = len([]rune(s[:i]))
		}
		if cut > limit {
			cut = limit
		}
		if cut >= minCut && cut > 0 {
			return cut
		}
	}
	return limit
}
