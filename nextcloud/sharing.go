package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const sharesAPI = "/ocs/v2.php/apps/files_sharing/api/v1/shares"

// ShareType is the kind of recipient of a share, with the numeric codes of
// the OCS Share API (OCP\Share\IShare::TYPE_*).
type ShareType int

// Share types of the OCS Share API.
const (
	ShareTypeUser           ShareType = 0
	ShareTypeGroup          ShareType = 1
	ShareTypePublicLink     ShareType = 3
	ShareTypeEmail          ShareType = 4
	ShareTypeFederated      ShareType = 6
	ShareTypeCircle         ShareType = 7
	ShareTypeGuest          ShareType = 8
	ShareTypeFederatedGroup ShareType = 9
	ShareTypeTalk           ShareType = 10
	ShareTypeDeck           ShareType = 12
	ShareTypeScienceMesh    ShareType = 15
)

var shareTypeNames = map[ShareType]string{
	ShareTypeUser: "user", ShareTypeGroup: "group", ShareTypePublicLink: "public_link", ShareTypeEmail: "email",
	ShareTypeFederated: "federated", ShareTypeCircle: "circle", ShareTypeGuest: "guest", ShareTypeFederatedGroup: "federated_group",
	ShareTypeTalk: "talk", ShareTypeDeck: "deck", ShareTypeScienceMesh: "sciencemesh",
}

// String is the share type's name ("user", "public_link" …).
func (t ShareType) String() string {
	if n, ok := shareTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type_%d", int(t))
}

// CreatableShareTypes are the types a share can be created with by name.
var CreatableShareTypes = []ShareType{ShareTypeUser, ShareTypeGroup, ShareTypePublicLink, ShareTypeEmail, ShareTypeFederated, ShareTypeCircle, ShareTypeTalk}

// ParseShareType reads a share type name; "link" and "team"/"room" are
// accepted as the names Nextcloud's UI uses.
func ParseShareType(name string) (ShareType, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "link", "public", "publiclink", "public-link":
		return ShareTypePublicLink, nil
	case "team", "teams":
		return ShareTypeCircle, nil
	case "room", "conversation", "spreed":
		return ShareTypeTalk, nil
	case "mail", "e-mail":
		return ShareTypeEmail, nil
	case "remote", "federated_cloud":
		return ShareTypeFederated, nil
	}
	for t, tn := range shareTypeNames {
		if tn == n {
			return t, nil
		}
	}
	names := make([]string, 0, len(CreatableShareTypes))
	for _, t := range CreatableShareTypes {
		names = append(names, t.String())
	}
	return 0, fmt.Errorf("unknown share type %q; use one of %s", name, strings.Join(names, ", "))
}

// Share permissions of the OCS Share API (OCP\Constants::PERMISSION_*).
const (
	PermRead   = 1
	PermUpdate = 2
	PermCreate = 4
	PermDelete = 8
	PermShare  = 16
	PermAll    = 31
)

var permNames = []struct {
	bit  int
	name string
}{{PermRead, "read"}, {PermUpdate, "update"}, {PermCreate, "create"}, {PermDelete, "delete"}, {PermShare, "share"}}

// PermissionNames spells a permission bitmask as names in fixed order.
func PermissionNames(mask int) []string {
	out := []string{}
	for _, p := range permNames {
		if mask&p.bit != 0 {
			out = append(out, p.name)
		}
	}
	return out
}

// ParsePermissions turns names (read, update, create, delete, share, or
// all; "edit"/"write" mean update) into the bitmask.
func ParsePermissions(names []string) (int, error) {
	mask := 0
	for _, raw := range names {
		n := strings.ToLower(strings.TrimSpace(raw))
		switch n {
		case "all":
			mask |= PermAll
			continue
		case "edit", "write":
			n = "update"
		case "reshare":
			n = "share"
		}
		found := false
		for _, p := range permNames {
			if p.name == n {
				mask |= p.bit
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown permission %q; use read, update, create, delete, share or all", raw)
		}
	}
	return mask, nil
}

// flexBool reads the 0/1 integers, booleans and "true" strings the Share
// API mixes.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	*b = flexBool(s == "1" || strings.EqualFold(s, "true"))
	return nil
}

// Share is one share as the OCS Share API describes it.
type Share struct {
	ID                   string    `json:"id"`
	ShareType            ShareType `json:"share_type"`
	UIDOwner             string    `json:"uid_owner"`
	DisplayNameOwner     string    `json:"displayname_owner"`
	UIDFileOwner         string    `json:"uid_file_owner"`
	DisplayNameFileOwner string    `json:"displayname_file_owner"`
	Permissions          int       `json:"permissions"`
	CanEdit              bool      `json:"can_edit"`
	CanDelete            bool      `json:"can_delete"`
	STime                int64     `json:"stime"`
	// Expiration is "YYYY-MM-DD hh:mm:ss" or empty.
	Expiration           string   `json:"expiration"`
	Token                string   `json:"token"`
	Note                 string   `json:"note"`
	Label                string   `json:"label"`
	Path                 string   `json:"path"`
	ItemType             string   `json:"item_type"`
	MimeType             string   `json:"mimetype"`
	FileSource           int64    `json:"file_source"`
	FileTarget           string   `json:"file_target"`
	ShareWith            string   `json:"share_with"`
	ShareWithDisplayName string   `json:"share_with_displayname"`
	URL                  string   `json:"url"`
	HideDownload         flexBool `json:"hide_download"`
	MailSend             flexBool `json:"mail_send"`
	// Password is the stored hash, never the password; tools only tell
	// whether one is set.
	Password string `json:"password"`
}

// HasPassword reports whether the share is password protected.
func (s *Share) HasPassword() bool { return s.Password != "" }

// ExpireDate is the expiry date as YYYY-MM-DD, or "".
func (s *Share) ExpireDate() string {
	d, _, _ := strings.Cut(s.Expiration, " ")
	return d
}

// ShareListOptions select the shares ListShares returns.
type ShareListOptions struct {
	// Path limits the list to the shares of one file or folder.
	Path string
	// SharedWithMe lists the shares others made with the user.
	SharedWithMe bool
	// Reshares also lists shares others made of the user's files (or,
	// with Path, all shares of the item).
	Reshares bool
	// Subfiles lists the shares of the items inside the folder Path.
	Subfiles bool
}

// ShareCreate describes a new share.
type ShareCreate struct {
	Path      string
	ShareType ShareType
	// ShareWith is the user or group id, email address, federated cloud
	// id, team id or Talk conversation token; empty for public links.
	ShareWith string
	// Permissions is a bitmask; 0 leaves Nextcloud's default.
	Permissions  int
	Password     string
	ExpireDate   string // YYYY-MM-DD
	Note         string
	Label        string
	HideDownload bool
	// SendMail asks Nextcloud to mail the recipient (user and email
	// shares); nil leaves Nextcloud's default.
	SendMail *bool
}

// ShareUpdate changes a share; nil fields stay as they are. An empty
// Password removes the password, an empty ExpireDate the expiry date.
type ShareUpdate struct {
	Permissions  *int
	Password     *string
	ExpireDate   *string
	Note         *string
	Label        *string
	HideDownload *bool
}

func (u ShareUpdate) empty() bool {
	return u.Permissions == nil && u.Password == nil && u.ExpireDate == nil && u.Note == nil && u.Label == nil && u.HideDownload == nil
}

// SharingClient is the OCS Share API (the files_sharing app).
type SharingClient struct{ app App }

// Sharing returns the Share API client.
func (c *Client) Sharing() *SharingClient {
	return &SharingClient{app: c.AppOf(SharingApp, nil)}
}

func (c *SharingClient) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	_, err := c.app.Call(ctx, Request{Method: method, Path: sharesAPI + path, Query: query, Body: body, OCS: true}, out)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		// The Share API answers 404 for bad dates and missing recipients
		// too; the generic "no such item" hint only fits missing items.
		m := strings.ToLower(e.Message)
		if !strings.Contains(m, "share id") && !strings.Contains(m, "path") && !strings.Contains(m, "does not exist") && e.Message != "" {
			e.Hint = ""
		}
	}
	return err
}

func boolParam(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// List lists shares as the OCS Share API's GET /shares does.
func (c *SharingClient) List(ctx context.Context, o ShareListOptions) ([]Share, error) {
	q := url.Values{}
	if o.Path != "" {
		sp, err := sharePath(o.Path)
		if err != nil {
			return nil, err
		}
		q.Set("path", sp)
	}
	if o.SharedWithMe {
		q.Set("shared_with_me", "true")
	}
	if o.Reshares {
		q.Set("reshares", "true")
	}
	if o.Subfiles {
		q.Set("subfiles", "true")
	}
	var out []Share
	if err := c.call(ctx, http.MethodGet, "", q, nil, &out); err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].STime < out[j].STime })
	return out, nil
}

// Get returns one share.
func (c *SharingClient) Get(ctx context.Context, id string) (*Share, error) {
	var out []Share
	esc, err := EscapedSegment("id", id)
	if err != nil {
		return nil, err
	}
	if err := c.call(ctx, http.MethodGet, "/"+esc, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get share %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("get share %s: %w", id, &Error{Method: http.MethodGet, Path: sharesAPI + "/" + id, Status: http.StatusNotFound, Message: "Wrong share ID, share does not exist", Hint: hintFor(http.StatusNotFound), App: "files_sharing"})
	}
	return &out[0], nil
}

// sharePath makes a path absolute in the user's files as the API wants;
// it is cleaned like every file path, so it cannot leave them.
func sharePath(p string) (string, error) {
	rel, err := CleanPath(strings.TrimSpace(p))
	if err != nil {
		return "", err
	}
	return "/" + rel, nil
}

// Create shares a file or folder. Hiding the download is a separate
// update, as the API only accepts it there.
func (c *SharingClient) Create(ctx context.Context, s ShareCreate) (*Share, error) {
	sp, err := sharePath(s.Path)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"path": sp, "shareType": int(s.ShareType)}
	setNonZero(body, "shareWith", s.ShareWith)
	setNonZero(body, "permissions", s.Permissions)
	setNonZero(body, "password", s.Password)
	setNonZero(body, "expireDate", s.ExpireDate)
	setNonZero(body, "note", s.Note)
	setNonZero(body, "label", s.Label)
	if s.SendMail != nil {
		body["sendMail"] = boolParam(*s.SendMail)
	}
	var out Share
	if err := c.call(ctx, http.MethodPost, "", nil, body, &out); err != nil {
		return nil, fmt.Errorf("share %s with %s %s: %w", sp, s.ShareType, s.ShareWith, err)
	}
	if s.HideDownload {
		t := true
		upd, err := c.Update(ctx, out.ID, ShareUpdate{HideDownload: &t})
		if err != nil {
			return &out, fmt.Errorf("share %s was created, but hiding its download failed: %w", out.ID, err)
		}
		out = *upd
	}
	return &out, nil
}

// Update changes a share and returns it as it is now.
func (c *SharingClient) Update(ctx context.Context, id string, u ShareUpdate) (*Share, error) {
	if u.empty() {
		return nil, fmt.Errorf("update share %s: nothing to change", id)
	}
	body := map[string]any{}
	SetGiven(body, "permissions", u.Permissions)
	SetGiven(body, "password", u.Password)
	SetGiven(body, "expireDate", u.ExpireDate)
	SetGiven(body, "note", u.Note)
	SetGiven(body, "label", u.Label)
	if u.HideDownload != nil {
		body["hideDownload"] = boolParam(*u.HideDownload)
	}
	var out Share
	esc, err := EscapedSegment("id", id)
	if err != nil {
		return nil, err
	}
	if err := c.call(ctx, http.MethodPut, "/"+esc, nil, body, &out); err != nil {
		return nil, fmt.Errorf("update share %s: %w", id, err)
	}
	return &out, nil
}

// Delete removes a share (or, for a share with the user, leaves it).
func (c *SharingClient) Delete(ctx context.Context, id string) error {
	esc, err := EscapedSegment("id", id)
	if err != nil {
		return err
	}
	if err := c.call(ctx, http.MethodDelete, "/"+esc, nil, nil, nil); err != nil {
		return fmt.Errorf("delete share %s: %w", id, err)
	}
	return nil
}
