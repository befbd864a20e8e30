package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// SharingToolset manages shares of files and folders through the OCS
// Share API of the files_sharing app.
func SharingToolset(env *Env) Toolset {
	return Toolset{
		Name:        "sharing",
		Description: "Shares of files and folders: with users, groups, email addresses, other clouds, or as public links",
		App:         nextcloud.SharingApp,
		Tools: []Tool{
			sharingList(env),
			sharingGet(env),
			sharingCreate(env),
			sharingUpdate(env),
			sharingDelete(env),
		},
	}
}

type sharingListIn struct {
	Path         string `json:"path,omitempty" jsonschema:"only shares of this file or folder, e.g. Documents/report.pdf"`
	SharedWithMe bool   `json:"shared_with_me,omitempty" jsonschema:"list the shares others made with the user instead"`
	Reshares     bool   `json:"reshares,omitempty" jsonschema:"also list shares others made of the user's files"`
	Subfiles     bool   `json:"subfiles,omitempty" jsonschema:"list the shares of the items inside the folder path"`
}

func (in *sharingListIn) Validate() error {
	if in.Subfiles && strings.Trim(in.Path, "/ ") == "" {
		return errors.New("subfiles needs the folder as path")
	}
	if in.SharedWithMe && (in.Reshares || in.Subfiles) {
		return errors.New("shared_with_me cannot be combined with reshares or subfiles")
	}
	if in.Path != "" {
		if _, err := nextcloud.CleanPath(in.Path); err != nil {
			return err
		}
	}
	return nil
}

type sharesOut struct {
	Shares []shareOut `json:"shares"`
	What   string     `json:"-"`
}

func (o sharesOut) Summary() string {
	return listSummary(o.Shares, "No "+o.What+".", fmt.Sprintf("%d %s:", len(o.Shares), o.What), func(s shareOut) string { return "- " + s.line() })
}

// sharingList is nc_sharing_list_shares (list shares).
func sharingList(env *Env) Tool {
	return NewTool(Spec{Name: "nc_sharing_list_shares", Title: "List shares",
		Description: "List shares: by default those the user made; of one file or folder (path); of the items inside a folder (path and subfiles); " +
			"those others made with the user (shared_with_me); with reshares also shares others made of the user's files.",
		Scope: "sharing:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in sharingListIn) (sharesOut, error) {
			p, _ := nextcloud.CleanPath(in.Path)
			shares, err := nc.Sharing().List(ctx, nextcloud.ShareListOptions{Path: p, SharedWithMe: in.SharedWithMe, Reshares: in.Reshares, Subfiles: in.Subfiles})
			if err != nil {
				return sharesOut{}, err
			}
			what := "shares made by you"
			switch {
			case in.SharedWithMe:
				what = "shares with you"
			case in.Subfiles:
				what = "shares inside " + p
			case p != "":
				what = "shares of " + p
			}
			if in.Reshares {
				what += " (with reshares)"
			}
			return sharesOut{Shares: mapAll(shares, toShareOut), What: what}, nil
		})
}

// sharingGet is nc_sharing_get_share (get share).
func sharingGet(env *Env) Tool {
	return NewTool(Spec{Name: "nc_sharing_get_share", Title: "Get share",
		Description: "Show one share: what is shared with whom, permissions, link, expiry date, label and note.",
		Scope:       "sharing:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in shareIDIn) (shareResultOut, error) {
			_, s, err := sharingCurrent(ctx, nc, in.ID)
			if err != nil {
				return shareResultOut{}, err
			}
			return shareResultOut{Share: toShareOut(s)}, nil
		})
}

type sharingCreateIn struct {
	Path         string   `json:"path" jsonschema:"the file or folder to share, e.g. Documents/report.pdf"`
	ShareType    string   `json:"share_type" jsonschema:"user, group, public_link, email, federated, circle or talk"`
	ShareWith    string   `json:"share_with,omitempty" jsonschema:"the user id or group id (from nc_users_search), email address, federated cloud id (user@cloud.example.com), team id or Talk conversation token; leave out for public_link"`
	Permissions  []string `json:"permissions,omitempty" jsonschema:"read, update, create, delete, share or all (default: all for users and groups, read for links and email; files never get create or delete)"`
	Password     string   `json:"password,omitempty" jsonschema:"password for a public_link or email share"`
	ExpireDate   string   `json:"expire_date,omitempty" jsonschema:"last day the share works, YYYY-MM-DD"`
	Label        string   `json:"label,omitempty" jsonschema:"a name for a public_link or email share"`
	Note         string   `json:"note,omitempty" jsonschema:"a note for the recipient"`
	HideDownload bool     `json:"hide_download,omitempty" jsonschema:"hide the download button of a public_link or email share"`
}

func (in *sharingCreateIn) Validate() error {
	if _, err := nextcloud.CleanFilePath(in.Path); err != nil {
		return err
	}
	t, err := nextcloud.ParseShareType(in.ShareType)
	if err != nil {
		return err
	}
	creatable := false
	for _, c := range nextcloud.CreatableShareTypes {
		creatable = creatable || c == t
	}
	if !creatable {
		return fmt.Errorf("shares of type %s cannot be created here; use user, group, public_link, email, federated, circle or talk", t)
	}
	with := strings.TrimSpace(in.ShareWith)
	switch {
	case t == nextcloud.ShareTypePublicLink && with != "":
		return errors.New("a public_link is shared with nobody in particular: leave share_with out")
	case t != nextcloud.ShareTypePublicLink && with == "":
		return fmt.Errorf("share_with is needed for a %s share: %s", t, map[nextcloud.ShareType]string{
			nextcloud.ShareTypeUser: "give the user id (find it with nc_users_search)", nextcloud.ShareTypeGroup: "give the group id (find it with nc_users_search)",
			nextcloud.ShareTypeEmail: "give the email address", nextcloud.ShareTypeFederated: "give the federated cloud id like alice@cloud.example.com",
			nextcloud.ShareTypeCircle: "give the team id", nextcloud.ShareTypeTalk: "give the conversation token"}[t])
	case t == nextcloud.ShareTypeEmail:
		if a, err := mail.ParseAddress(with); err != nil || a.Address != with {
			return fmt.Errorf("share_with %q is not an email address", with)
		}
	case t == nextcloud.ShareTypeFederated && !strings.Contains(with, "@"):
		return fmt.Errorf("share_with %q is not a federated cloud id; write it like alice@cloud.example.com", with)
	}
	if name := sharingLinkOnly(t, in.Password != "", in.Label != "", in.HideDownload); name != "" {
		return fmt.Errorf("%s applies only to public_link and email shares, not to a %s share", name, t)
	}
	if len(in.Permissions) > 0 {
		if err := sharingCheckPermissions(in.Permissions, ""); err != nil {
			return err
		}
	}
	if in.ExpireDate != "" {
		return sharingCheckDate(in.ExpireDate)
	}
	return nil
}

// sharingCreate is nc_sharing_create_share (share a file or folder).
func sharingCreate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_sharing_create_share", Title: "Share a file or folder",
		Description: "Share a file or folder with a user, group, email address, federated cloud id, team (circle) or Talk conversation, or create a public link. " +
			"Find ids with nc_users_search. Links and email shares can have a password, label and hidden download.",
		Scope: "sharing:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in sharingCreateIn) (shareResultOut, error) {
			t, _ := nextcloud.ParseShareType(in.ShareType)
			p, _ := nextcloud.CleanFilePath(in.Path)
			mask, _ := nextcloud.ParsePermissions(in.Permissions)
			s, err := nc.Sharing().Create(ctx, nextcloud.ShareCreate{Path: p, ShareType: t, ShareWith: strings.TrimSpace(in.ShareWith), Permissions: mask,
				Password: in.Password, ExpireDate: in.ExpireDate, Note: in.Note, Label: in.Label, HideDownload: in.HideDownload})
			if err != nil {
				if s != nil {
					// Created, but a follow-up step failed: say both.
					return shareResultOut{}, fmt.Errorf("%w (the share exists: %s)", err, toShareOut(s).line())
				}
				return shareResultOut{}, err
			}
			return shareResultOut{Share: toShareOut(s)}, nil
		})
}

type sharingUpdateIn struct {
	ID           string   `json:"id" jsonschema:"the share id, from nc_sharing_list_shares"`
	Permissions  []string `json:"permissions,omitempty" jsonschema:"the new permissions: read, update, create, delete, share or all"`
	Password     *string  `json:"password,omitempty" jsonschema:"a new password for a public_link or email share; empty removes it"`
	ExpireDate   *string  `json:"expire_date,omitempty" jsonschema:"the new last day, YYYY-MM-DD; empty removes the expiry date"`
	Label        *string  `json:"label,omitempty" jsonschema:"a new label for a public_link or email share"`
	Note         *string  `json:"note,omitempty" jsonschema:"a new note for the recipient"`
	HideDownload *bool    `json:"hide_download,omitempty" jsonschema:"hide or show the download button of a public_link or email share"`
}

func (in *sharingUpdateIn) Validate() error {
	if err := sharingCheckID(in.ID); err != nil {
		return err
	}
	if in.Permissions == nil && in.Password == nil && in.ExpireDate == nil && in.Label == nil && in.Note == nil && in.HideDownload == nil {
		return errors.New("nothing to change: give permissions, password, expire_date, label, note or hide_download")
	}
	if in.Permissions != nil {
		if err := sharingCheckPermissions(in.Permissions, ", or delete the share"); err != nil {
			return err
		}
	}
	if in.ExpireDate != nil && *in.ExpireDate != "" {
		return sharingCheckDate(*in.ExpireDate)
	}
	return nil
}

// sharingUpdate is nc_sharing_update_share (change a share).
func sharingUpdate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_sharing_update_share", Title: "Change a share",
		Description: "Change a share's permissions, expiry date, password, label, note or hidden download; only the given fields change. " +
			"An empty password or expire_date removes it.",
		Scope: "sharing:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in sharingUpdateIn) (shareResultOut, error) {
			id, cur, err := sharingCurrent(ctx, nc, in.ID)
			if err != nil {
				return shareResultOut{}, err
			}
			if name := sharingLinkOnly(cur.ShareType, in.Password != nil, in.Label != nil, in.HideDownload != nil); name != "" {
				return shareResultOut{}, fmt.Errorf("%s applies only to public_link and email shares; share %s is a %s share", name, id, cur.ShareType)
			}
			u := nextcloud.ShareUpdate{Password: in.Password, ExpireDate: in.ExpireDate, Label: in.Label, Note: in.Note, HideDownload: in.HideDownload}
			if in.Permissions != nil {
				mask, _ := nextcloud.ParsePermissions(in.Permissions)
				u.Permissions = &mask
			}
			s, err := nc.Sharing().Update(ctx, id, u)
			if err != nil {
				return shareResultOut{}, err
			}
			return shareResultOut{Share: toShareOut(s)}, nil
		})
}

type shareDeletedOut struct {
	ID      string   `json:"id"`
	Deleted bool     `json:"deleted"`
	Share   shareOut `json:"share" jsonschema:"the share as it was"`
}

func (o shareDeletedOut) Summary() string { return "Deleted share " + o.Share.line() }

// sharingDelete is nc_sharing_delete_share (delete a share).
func sharingDelete(env *Env) Tool {
	return NewTool(Spec{Name: "nc_sharing_delete_share", Title: "Delete a share",
		Description: "Stop sharing: delete a share the user made, or leave a share made with the user. Public links stop working at once.",
		Scope:       "sharing:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in shareIDIn) (shareDeletedOut, error) {
			id, cur, err := sharingCurrent(ctx, nc, in.ID)
			if err != nil {
				return shareDeletedOut{}, err
			}
			if err := nc.Sharing().Delete(ctx, id); err != nil {
				return shareDeletedOut{}, err
			}
			return shareDeletedOut{ID: id, Deleted: true, Share: toShareOut(cur)}, nil
		})
}

type shareOut struct {
	ID              string   `json:"id" jsonschema:"the share id"`
	Type            string   `json:"type" jsonschema:"user, group, public_link, email, federated, circle, talk …"`
	ShareType       int      `json:"share_type" jsonschema:"the numeric OCS share type"`
	Path            string   `json:"path" jsonschema:"the shared item as the user sees it"`
	ItemType        string   `json:"item_type" jsonschema:"file or folder"`
	FileID          int64    `json:"file_id"`
	SharedWith      string   `json:"shared_with,omitempty" jsonschema:"the user id, group id, email address, cloud id or conversation token"`
	SharedWithName  string   `json:"shared_with_name,omitempty"`
	Owner           string   `json:"owner" jsonschema:"the user id who made the share"`
	OwnerName       string   `json:"owner_name,omitempty"`
	FileOwner       string   `json:"file_owner,omitempty" jsonschema:"the owner of the file, when someone else reshared it"`
	Permissions     []string `json:"permissions" jsonschema:"read, update, create, delete, share"`
	PermissionsMask int      `json:"permissions_mask" jsonschema:"the permissions as the OCS bitmask"`
	URL             string   `json:"url,omitempty" jsonschema:"the public link"`
	HasPassword     bool     `json:"has_password"`
	ExpireDate      string   `json:"expire_date,omitempty" jsonschema:"YYYY-MM-DD"`
	Label           string   `json:"label,omitempty"`
	Note            string   `json:"note,omitempty"`
	HideDownload    bool     `json:"hide_download"`
	Created         string   `json:"created,omitempty" jsonschema:"RFC 3339 time"`
	CanEdit         bool     `json:"can_edit" jsonschema:"whether the user may change or delete the share"`
}

func toShareOut(s *nextcloud.Share) shareOut {
	o := shareOut{ID: s.ID, Type: s.ShareType.String(), ShareType: int(s.ShareType), Path: s.Path, ItemType: s.ItemType,
		FileID: s.FileSource, SharedWith: s.ShareWith, SharedWithName: s.ShareWithDisplayName, Owner: s.UIDOwner, OwnerName: s.DisplayNameOwner,
		Permissions: nextcloud.PermissionNames(s.Permissions), PermissionsMask: s.Permissions, URL: s.URL,
		HasPassword: s.HasPassword(), ExpireDate: s.ExpireDate(), Label: s.Label, Note: s.Note, HideDownload: bool(s.HideDownload), CanEdit: s.CanEdit}
	if s.ShareType == nextcloud.ShareTypePublicLink {
		// The API puts the password hash into share_with of links.
		o.SharedWith, o.SharedWithName = "", ""
	}
	if s.UIDFileOwner != "" && s.UIDFileOwner != s.UIDOwner {
		o.FileOwner = s.UIDFileOwner
	}
	if s.STime > 0 {
		o.Created = time.Unix(s.STime, 0).UTC().Format(time.RFC3339)
	}
	return o
}

func (o shareOut) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s → ", o.ID, o.Path)
	switch o.Type {
	case "public_link":
		b.WriteString("public link")
		if o.URL != "" {
			b.WriteString(" " + o.URL)
		}
	default:
		b.WriteString(o.Type + " ")
		if o.SharedWithName != "" && o.SharedWithName != o.SharedWith {
			fmt.Fprintf(&b, "%s (%s)", o.SharedWithName, o.SharedWith)
		} else {
			b.WriteString(o.SharedWith)
		}
	}
	fmt.Fprintf(&b, ": %s", strings.Join(o.Permissions, ", "))
	if o.ExpireDate != "" {
		fmt.Fprintf(&b, "; expires %s", o.ExpireDate)
	}
	if o.HasPassword {
		b.WriteString("; password protected")
	}
	if o.HideDownload {
		b.WriteString("; download hidden")
	}
	if o.Label != "" {
		fmt.Fprintf(&b, "; label %q", o.Label)
	}
	if o.Owner != "" {
		fmt.Fprintf(&b, "; shared by %s", o.Owner)
	}
	return b.String()
}

type shareResultOut struct {
	Share shareOut `json:"share"`
}

func (o shareResultOut) Summary() string { return "Share " + o.Share.line() }

type shareIDIn struct {
	ID string `json:"id" jsonschema:"the share id, from nc_sharing_list_shares"`
}

func (in *shareIDIn) Validate() error { return sharingCheckID(in.ID) }

func sharingCheckID(id string) error {
	id = strings.TrimSpace(id)
	if id == "" || strings.ContainsAny(id, "/?#") {
		return fmt.Errorf("id %q is not a share id; take one from nc_sharing_list_shares", id)
	}
	return nil
}

// sharingCheckDate accepts YYYY-MM-DD.
func sharingCheckDate(d string) error {
	if _, err := time.Parse("2006-01-02", d); err != nil {
		return fmt.Errorf("expire_date %q must be a date as YYYY-MM-DD, e.g. 2030-12-31", d)
	}
	return nil
}

// linkLike share types carry a password, label and hidden download.
func sharingLinkLike(t nextcloud.ShareType) bool {
	return t == nextcloud.ShareTypePublicLink || t == nextcloud.ShareTypeEmail
}

// sharingLinkOnly names the first of the link-only fields given for a share
// type that is not link-like, or "" when there is none.
func sharingLinkOnly(t nextcloud.ShareType, password, label, hideDownload bool) string {
	switch {
	case sharingLinkLike(t):
		return ""
	case password:
		return "password"
	case label:
		return "label"
	case hideDownload:
		return "hide_download"
	}
	return ""
}

// sharingCheckPermissions checks permission names, of which at least one
// must be left; orElse ends the error text of an empty list.
func sharingCheckPermissions(names []string, orElse string) error {
	mask, err := nextcloud.ParsePermissions(names)
	if err != nil {
		return err
	}
	if mask == 0 {
		return fmt.Errorf("permissions is empty; give at least read%s", orElse)
	}
	return nil
}

// sharingCurrent reads the share an id argument names, as it is now.
func sharingCurrent(ctx context.Context, nc *nextcloud.Client, rawID string) (string, *nextcloud.Share, error) {
	id := strings.TrimSpace(rawID)
	cur, err := nc.Sharing().Get(ctx, id)
	return id, cur, err
}
