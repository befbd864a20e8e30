package nextcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
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

// Due is the card's due date, if it has one Deck wrote (RFC 3339).
func (c *DeckCard) Due() (time.Time, bool) {
	if c.Duedate == nil || *c.Duedate == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, *c.Duedate)
	return t, err == nil
}

// IsDone reports whether the card is marked done.
func (c *DeckCard) IsDone() bool { return c.Done != nil && *c.Done != "" }

// OverdueAt reports whether the card is due before now and not done.
func (c *DeckCard) OverdueAt(now time.Time) bool {
	due, ok := c.Due()
	return ok && due.Before(now) && !c.IsDone()
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
