package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Announcements (announcement center): read them; administrators post
// and delete.

// AnnouncementsToolset offers the announcement center. The app publishes
// no capabilities, so a missing app shows in its API's answer only.
func AnnouncementsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "announcements",
		Description: "Nextcloud announcement center: read announcements; administrators post and delete them",
		App:         nextcloud.AnnouncementsApp,
		Tools: []Tool{
			announcementsList(env),
			announcementsCreate(env),
			announcementsDelete(env),
		},
	}
}

type announcementOut struct {
	ID       int64    `json:"id"`
	Subject  string   `json:"subject"`
	Message  string   `json:"message,omitempty" jsonschema:"Markdown"`
	Author   string   `json:"author"`
	AuthorID string   `json:"author_id"`
	Time     string   `json:"time" jsonschema:"when it was posted, RFC 3339"`
	Groups   []string `json:"groups,omitempty" jsonschema:"the groups it is for (everyone for all); shown to administrators only"`
	Comments int      `json:"comments,omitempty" jsonschema:"number of comments, when comments are on"`
}

func toAnnouncement(a *nextcloud.Announcement) announcementOut {
	out := announcementOut{ID: a.ID, Subject: a.Subject, Message: a.Message, Author: a.Author, AuthorID: a.AuthorID, Time: fmtEpoch(a.Time)}
	for _, g := range a.Groups {
		out.Groups = append(out.Groups, g.ID)
	}
	if n := a.Comments(); n > 0 {
		out.Comments = n
	}
	return out
}

// adminOnly says what a 403 of the announcement center means.
func adminOnly(err error, what string) error {
	if errors.Is(err, nextcloud.ErrForbidden) {
		return fmt.Errorf("only Nextcloud administrators may %s: %w", what, err)
	}
	return err
}

type announcementsListIn struct {
	BeforeID int64 `json:"before_id,omitempty" jsonschema:"next_before of the previous page, for older announcements"`
	Limit    int   `json:"limit,omitempty" jsonschema:"announcements per page, 1-50 (default 10)"`
}

func (in *announcementsListIn) Validate() error {
	if in.BeforeID < 0 {
		return fmt.Errorf("before_id must be an announcement id, not %d", in.BeforeID)
	}
	return checkPage(in.Limit, 0, 50)
}

type announcementsListOut struct {
	Announcements []announcementOut `json:"announcements" jsonschema:"newest first"`
	NextBefore    int64             `json:"next_before,omitempty" jsonschema:"pass as before_id for older ones; absent when there are none"`
}

func (o announcementsListOut) Summary() string {
	return listSummary(o.Announcements, "No announcements.", fmt.Sprintf("%d announcements, newest first:", len(o.Announcements)),
		func(a announcementOut) string {
			return withText(fmt.Sprintf("- [%d] %s (%s, %s)", a.ID, a.Subject, a.Author, a.Time), a.Message)
		})
}

func announcementsList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_announcements_list", Title: "List announcements",
		Description: "List the announcements of your Nextcloud's administrators, newest first, a page at a time.",
		Scope:       "announcements:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in announcementsListIn) (announcementsListOut, error) {
		limit := orDefault(in.Limit, 10)
		// One more than asked tells whether there are older ones.
		page, err := nc.Announcements().List(ctx, in.BeforeID, limit+1)
		if err != nil {
			return announcementsListOut{}, err
		}
		out := announcementsListOut{Announcements: []announcementOut{}}
		for i := range page {
			if i == limit {
				out.NextBefore = page[i-1].ID
				break
			}
			out.Announcements = append(out.Announcements, toAnnouncement(&page[i]))
		}
		return out, nil
	})
}

type announcementsCreateIn struct {
	Subject       string   `json:"subject" jsonschema:"the headline, at most 512 characters"`
	Message       string   `json:"message,omitempty" jsonschema:"the text, Markdown"`
	Groups        []string `json:"groups,omitempty" jsonschema:"group ids it is for (from nc_users_search_groups); default everyone"`
	Notify        bool     `json:"notify,omitempty" jsonschema:"also send a notification and an activity to everyone it is for"`
	Email         bool     `json:"email,omitempty" jsonschema:"also send it by email"`
	AllowComments bool     `json:"allow_comments,omitempty" jsonschema:"let users comment on it"`
}

func (in *announcementsCreateIn) Validate() error {
	if err := textHintArg("subject", in.Subject, "give the announcement's headline"); err != nil {
		return err
	}
	if n := len([]rune(in.Subject)); n > 512 {
		return fmt.Errorf("subject is %d characters long; at most 512 are allowed", n)
	}
	for _, g := range in.Groups {
		if strings.TrimSpace(g) == "" {
			return errors.New("groups holds an empty group id")
		}
	}
	return nil
}

type announcementResult struct {
	Announcement announcementOut `json:"announcement"`
}

func (o announcementResult) Summary() string {
	return fmt.Sprintf("Announcement %d %q by %s, for %s.", o.Announcement.ID, o.Announcement.Subject, o.Announcement.Author, strings.Join(o.Announcement.Groups, ", "))
}

func announcementsCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_announcements_create", Title: "Post an announcement",
		Description: "Post an announcement to everyone or to some groups, optionally with a notification and email (Nextcloud administrators only).",
		Scope:       "announcements:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in announcementsCreateIn) (announcementResult, error) {
		groups := in.Groups
		if len(groups) == 0 {
			groups = []string{"everyone"}
		}
		a, err := nc.Announcements().Post(ctx, nextcloud.NewAnnouncement{Subject: strings.TrimSpace(in.Subject), Message: in.Message, PlainMessage: in.Message,
			Groups: groups, Activities: in.Notify, Notifications: in.Notify, Emails: in.Email, Comments: in.AllowComments})
		if err != nil {
			return announcementResult{}, adminOnly(err, "post announcements")
		}
		return announcementResult{Announcement: toAnnouncement(a)}, nil
	})
}

type announcementIDIn struct {
	ID int64 `json:"announcement_id" jsonschema:"the announcement id, from nc_announcements_list"`
}

func (in *announcementIDIn) Validate() error {
	return idArg("announcement_id", in.ID, "nc_announcements_list")
}

func announcementsDelete(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_announcements_delete", Title: "Delete an announcement",
		Description: "Delete an announcement with its notifications (Nextcloud administrators only).",
		Scope:       "announcements:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in announcementIDIn) (announcementResult, error) {
		api := nc.Announcements()
		// The API answers success for any id; look it up to say so.
		a, err := api.Find(ctx, in.ID)
		if err != nil {
			return announcementResult{}, err
		}
		if a == nil {
			return announcementResult{}, fmt.Errorf("announcement %d was not found (deleted already?); list them with nc_announcements_list: %w", in.ID, nextcloud.ErrNotFound)
		}
		if err := api.Delete(ctx, in.ID); err != nil {
			return announcementResult{}, adminOnly(err, "delete announcements")
		}
		return announcementResult{Announcement: toAnnouncement(a)}, nil
	})
}
