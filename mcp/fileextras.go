package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// FileExtrasToolset offers comments, system tags and versions of files. It
// shares the app name "files" (and its scopes) with FilesToolset, so
// --apps files enables both.
func FileExtrasToolset(env *Env) Toolset {
	return Toolset{
		Name:        "files",
		Description: "Comments, collaborative tags, versions and reminders of files",
		Tools: []Tool{
			extrasListComments(),
			extrasAddComment(),
			extrasEditComment(),
			extrasDeleteComment(),
			extrasListTags(),
			extrasCreateTag(),
			extrasAssignTag(),
			extrasRemoveTag(),
			extrasDeleteTag(),
			extrasListVersions(),
			extrasRestoreVersion(),
			extrasGetReminder(),
			extrasSetReminder(),
			extrasRemoveReminder(),
		},
	}
}

// extrasFileRef names a file by path or id.
type extrasFileRef struct {
	Path   string `json:"path,omitempty" jsonschema:"file or folder path, e.g. Documents/report.pdf (or file_id)"`
	FileID int64  `json:"file_id,omitempty" jsonschema:"file id (from nc_files_stat), instead of path"`
}

func (f *extrasFileRef) check() error {
	hasPath := strings.Trim(strings.TrimSpace(f.Path), "/") != ""
	switch {
	case hasPath && f.FileID != 0:
		return errors.New("give either path or file_id, not both")
	case !hasPath && f.FileID == 0:
		if f.Path != "" {
			return errors.New("path names the root folder; give a file or folder inside it")
		}
		return errors.New("give the file's path (e.g. Documents/report.pdf) or its file_id")
	case f.FileID < 0:
		return fmt.Errorf("file_id must be a positive id, not %d", f.FileID)
	}
	if hasPath {
		if _, err := nextcloud.CleanFilePath(f.Path); err != nil {
			return err
		}
	}
	return nil
}

func (f *extrasFileRef) given() bool { return strings.TrimSpace(f.Path) != "" || f.FileID != 0 }

// resolve returns the file id and a name for messages.
func (f *extrasFileRef) resolve(ctx context.Context, nc *nextcloud.Client) (int64, string, error) {
	if f.FileID != 0 {
		return f.FileID, fmt.Sprintf("file %d", f.FileID), nil
	}
	p, _ := nextcloud.CleanFilePath(f.Path)
	id, err := nc.Files().ID(ctx, p)
	if err != nil {
		return 0, "", err
	}
	return id, p, nil
}

// ---- comments ----

type extrasCommentOut struct {
	ID         int64  `json:"id"`
	Author     string `json:"author" jsonschema:"the user id of the author"`
	AuthorName string `json:"author_name,omitempty"`
	Message    string `json:"message"`
	Created    string `json:"created,omitempty" jsonschema:"RFC 3339 time"`
	ReplyTo    int64  `json:"reply_to,omitempty" jsonschema:"the id of the comment this answers"`
}

type extrasCommentsOut struct {
	FileID   int64              `json:"file_id"`
	File     string             `json:"file"`
	Comments []extrasCommentOut `json:"comments"`
	Offset   int                `json:"offset"`
	HasMore  bool               `json:"has_more" jsonschema:"true if older comments follow: call again with offset = offset + len(comments)"`
}

func (o extrasCommentsOut) Summary() string {
	if len(o.Comments) == 0 {
		if o.Offset > 0 {
			return fmt.Sprintf("No more comments on %s.", o.File)
		}
		return fmt.Sprintf("No comments on %s.", o.File)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d comments on %s (newest first):", len(o.Comments), o.File)
	for _, c := range o.Comments {
		name := c.AuthorName
		if name == "" {
			name = c.Author
		}
		fmt.Fprintf(&b, "\n- [%d] %s, %s: %s", c.ID, name, c.Created, c.Message)
	}
	if o.HasMore {
		fmt.Fprintf(&b, "\nOlder comments follow: call again with offset %d.", o.Offset+len(o.Comments))
	}
	return b.String()
}

type extrasListCommentsIn struct {
	extrasFileRef
	Limit  int `json:"limit,omitempty" jsonschema:"most comments to return (default 20, at most 200)"`
	Offset int `json:"offset,omitempty" jsonschema:"comments to skip, for paging"`
}

func (in *extrasListCommentsIn) Validate() error {
	return cmp.Or(limitArg("limit", in.Limit, 200), offsetArg("offset", in.Offset), in.check())
}

func extrasTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func extrasListComments() Tool {
	return NewTool(Spec{Name: "nc_files_list_comments", Title: "List file comments",
		Description: "List the comments on a file or folder, newest first. Name the file by path or by file id.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in extrasListCommentsIn) (extrasCommentsOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasCommentsOut{}, err
			}
			limit := in.Limit
			if limit == 0 {
				limit = 20
			}
			// One more than asked tells whether more follow.
			cs, err := nc.Files().Comments(ctx, id, limit+1, in.Offset)
			if err != nil {
				return extrasCommentsOut{}, err
			}
			out := extrasCommentsOut{FileID: id, File: name, Offset: in.Offset, Comments: []extrasCommentOut{}}
			if len(cs) > limit {
				out.HasMore = true
				cs = cs[:limit]
			}
			for _, c := range cs {
				out.Comments = append(out.Comments, extrasCommentOut{ID: c.ID, Author: c.ActorID, AuthorName: c.ActorDisplayName,
					Message: c.Message, Created: extrasTime(c.Created), ReplyTo: c.ParentID})
			}
			return out, nil
		})
}

type extrasAddCommentIn struct {
	extrasFileRef
	Message string `json:"message" jsonschema:"the comment text; mention users as @userid"`
}

func (in *extrasAddCommentIn) Validate() error {
	if err := checkCommentMessage(in.Message); err != nil {
		return err
	}
	return in.check()
}

// checkCommentMessage checks a comment text against Nextcloud's limits.
func checkCommentMessage(m string) error {
	if err := textHintArg("message", m, "give the comment text"); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(m); n > nextcloud.MaxCommentLength {
		return fmt.Errorf("message is %d characters long; Nextcloud takes at most %d, so shorten it or split it into several comments", n, nextcloud.MaxCommentLength)
	}
	return nil
}

type extrasCommentAddedOut struct {
	FileID    int64  `json:"file_id"`
	File      string `json:"file"`
	CommentID int64  `json:"comment_id"`
	Message   string `json:"message"`
}

func (o extrasCommentAddedOut) Summary() string {
	return fmt.Sprintf("Added comment %d on %s.", o.CommentID, o.File)
}

func extrasAddComment() Tool {
	return NewTool(Spec{Name: "nc_files_add_comment", Title: "Comment on a file",
		Description: fmt.Sprintf("Add a comment to a file or folder, visible to everyone it is shared with (at most %d characters).", nextcloud.MaxCommentLength),
		Scope:       "files:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in extrasAddCommentIn) (extrasCommentAddedOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasCommentAddedOut{}, err
			}
			cid, err := nc.Files().AddComment(ctx, id, in.Message)
			if err != nil {
				return extrasCommentAddedOut{}, err
			}
			return extrasCommentAddedOut{FileID: id, File: name, CommentID: cid, Message: in.Message}, nil
		})
}

// ---- tags ----

type extrasTagOut struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	UserVisible    bool   `json:"user_visible" jsonschema:"whether all users see the tag"`
	UserAssignable bool   `json:"user_assignable" jsonschema:"whether all users may put the tag on files"`
	CanAssign      bool   `json:"can_assign" jsonschema:"whether the signed-in user may put the tag on files"`
}

func extrasTagsOut(tags []nextcloud.SystemTag) []extrasTagOut {
	return mapAll(tags, func(t *nextcloud.SystemTag) extrasTagOut {
		return extrasTagOut{ID: t.ID, Name: t.Name, UserVisible: t.UserVisible, UserAssignable: t.UserAssignable, CanAssign: t.CanAssign}
	})
}

type extrasTagsListOut struct {
	FileID int64          `json:"file_id,omitempty" jsonschema:"the file whose tags these are; absent when all tags are listed"`
	File   string         `json:"file,omitempty"`
	Tags   []extrasTagOut `json:"tags"`
}

func (o extrasTagsListOut) Summary() string {
	where := "Tags"
	if o.File != "" {
		where = "Tags of " + o.File
	}
	if len(o.Tags) == 0 {
		if o.File != "" {
			return o.File + " has no tags."
		}
		return "There are no tags yet."
	}
	names := make([]string, 0, len(o.Tags))
	for _, t := range o.Tags {
		names = append(names, fmt.Sprintf("%s (id %d)", t.Name, t.ID))
	}
	return where + ": " + strings.Join(names, ", ")
}

type extrasListTagsIn struct {
	extrasFileRef
}

func (in *extrasListTagsIn) Validate() error {
	if !in.given() {
		return nil
	}
	return in.check()
}

func extrasListTags() Tool {
	return NewTool(Spec{Name: "nc_files_list_tags", Title: "List tags",
		Description: "List collaborative (system) tags: those of one file when a path or file id is given, otherwise all tags the user can see.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in extrasListTagsIn) (extrasTagsListOut, error) {
			if !in.given() {
				tags, err := nc.Files().SystemTags(ctx)
				if err != nil {
					return extrasTagsListOut{}, err
				}
				return extrasTagsListOut{Tags: extrasTagsOut(tags)}, nil
			}
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasTagsListOut{}, err
			}
			tags, err := nc.Files().Tags(ctx, id)
			if err != nil {
				return extrasTagsListOut{}, err
			}
			return extrasTagsListOut{FileID: id, File: name, Tags: extrasTagsOut(tags)}, nil
		})
}

type extrasCreateTagIn struct {
	Name           string `json:"name" jsonschema:"the tag name"`
	UserVisible    *bool  `json:"user_visible,omitempty" jsonschema:"whether all users see the tag (default true; false needs an administrator)"`
	UserAssignable *bool  `json:"user_assignable,omitempty" jsonschema:"whether all users may assign the tag (default true; false needs an administrator)"`
}

func (in *extrasCreateTagIn) Validate() error {
	return textHintArg("name", in.Name, "give the tag's name")
}

type extrasTagCreatedOut struct {
	Tag extrasTagOut `json:"tag"`
}

func (o extrasTagCreatedOut) Summary() string {
	return fmt.Sprintf("Created tag %q with id %d.", o.Tag.Name, o.Tag.ID)
}

func extrasCreateTag() Tool {
	return NewTool(Spec{Name: "nc_files_create_tag", Title: "Create tag",
		Description: "Create a collaborative (system) tag that can then be put on files. Tag names are unique.",
		Scope:       "files:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in extrasCreateTagIn) (extrasTagCreatedOut, error) {
			visible, assignable := in.UserVisible == nil || *in.UserVisible, in.UserAssignable == nil || *in.UserAssignable
			name := strings.TrimSpace(in.Name)
			id, err := nc.Files().CreateSystemTag(ctx, name, visible, assignable)
			if err != nil {
				if errors.Is(err, nextcloud.ErrConflict) {
					return extrasTagCreatedOut{}, fmt.Errorf("a tag named %q exists already; use it as it is (see nc_files_list_tags): %w", name, err)
				}
				return extrasTagCreatedOut{}, err
			}
			return extrasTagCreatedOut{Tag: extrasTagOut{ID: id, Name: name, UserVisible: visible, UserAssignable: assignable, CanAssign: true}}, nil
		})
}

type extrasTagRefIn struct {
	extrasFileRef
	Tag   string `json:"tag,omitempty" jsonschema:"the tag's name (or give tag_id)"`
	TagID int64  `json:"tag_id,omitempty" jsonschema:"the tag's id, instead of its name"`
}

func (in *extrasTagRefIn) checkTag() error {
	if err := checkTagRef(in.Tag, in.TagID); err != nil {
		return err
	}
	return in.check()
}

// checkTagRef checks that a tag is named by exactly one of name and id.
func checkTagRef(name string, id int64) error {
	switch {
	case strings.TrimSpace(name) != "" && id != 0:
		return errors.New("give either tag or tag_id, not both")
	case strings.TrimSpace(name) == "" && id == 0:
		return errors.New("give the tag's name as tag, or its tag_id")
	case id < 0:
		return fmt.Errorf("tag_id must be a positive id, not %d", id)
	}
	return nil
}

// findTag resolves a tag name among the visible tags.
func extrasFindTag(ctx context.Context, nc *nextcloud.Client, name string) (*nextcloud.SystemTag, error) {
	tags, err := nc.Files().SystemTags(ctx)
	if err != nil {
		return nil, err
	}
	for i := range tags {
		if strings.EqualFold(tags[i].Name, name) {
			return &tags[i], nil
		}
	}
	return nil, nil
}

type extrasAssignTagIn struct {
	extrasTagRefIn
	CreateMissing bool `json:"create_missing,omitempty" jsonschema:"create the tag if no tag has this name"`
}

func (in *extrasAssignTagIn) Validate() error {
	if in.CreateMissing && in.TagID != 0 {
		return errors.New("create_missing needs the tag's name as tag, not tag_id")
	}
	return in.checkTag()
}

type extrasFileTagsOut struct {
	FileID  int64          `json:"file_id"`
	File    string         `json:"file"`
	Changed string         `json:"changed" jsonschema:"what was done"`
	Tags    []extrasTagOut `json:"tags" jsonschema:"the file's tags now"`
}

func (o extrasFileTagsOut) Summary() string {
	names := make([]string, 0, len(o.Tags))
	for _, t := range o.Tags {
		names = append(names, t.Name)
	}
	now := "no tags"
	if len(names) > 0 {
		now = "tags " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s. %s now has %s.", o.Changed, o.File, now)
}

func extrasAssignTag() Tool {
	return NewTool(Spec{Name: "nc_files_assign_tag", Title: "Tag a file",
		Description: "Put a collaborative tag on a file or folder, by tag name or id; with create_missing a tag of that name is created first. Tagging twice changes nothing.",
		Scope:       "files:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in extrasAssignTagIn) (extrasFileTagsOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasFileTagsOut{}, err
			}
			tagID, tagName := in.TagID, strings.TrimSpace(in.Tag)
			changed := ""
			if tagID == 0 {
				t, err := extrasFindTag(ctx, nc, tagName)
				if err != nil {
					return extrasFileTagsOut{}, err
				}
				switch {
				case t != nil:
					tagID, tagName = t.ID, t.Name
				case in.CreateMissing:
					if tagID, err = nc.Files().CreateSystemTag(ctx, tagName, true, true); err != nil {
						return extrasFileTagsOut{}, err
					}
					changed = fmt.Sprintf("Created tag %q (id %d). ", tagName, tagID)
				default:
					return extrasFileTagsOut{}, fmt.Errorf("no tag is named %q; see nc_files_list_tags for the existing tags, or pass create_missing: true to create it", tagName)
				}
			} else {
				tagName = fmt.Sprintf("tag %d", tagID)
			}
			if err := nc.Files().AssignTag(ctx, id, tagID); err != nil {
				var e *nextcloud.Error
				if errors.As(err, &e) && e.Status == 412 {
					return extrasFileTagsOut{}, fmt.Errorf("no tag has id %d; see nc_files_list_tags for the tag ids: %w", tagID, err)
				}
				return extrasFileTagsOut{}, err
			}
			tags, err := nc.Files().Tags(ctx, id)
			if err != nil {
				return extrasFileTagsOut{}, fmt.Errorf("%s was tagged, but listing its tags failed: %w", name, err)
			}
			for _, t := range tags {
				if t.ID == tagID {
					tagName = t.Name
				}
			}
			return extrasFileTagsOut{FileID: id, File: name, Changed: changed + fmt.Sprintf("Tagged %s with %q", name, tagName), Tags: extrasTagsOut(tags)}, nil
		})
}

type extrasRemoveTagIn struct {
	extrasTagRefIn
}

func (in *extrasRemoveTagIn) Validate() error { return in.checkTag() }

func extrasRemoveTag() Tool {
	return NewTool(Spec{Name: "nc_files_remove_tag", Title: "Remove tag from a file",
		Description: "Take a collaborative tag off a file or folder (the tag itself stays).",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in extrasRemoveTagIn) (extrasFileTagsOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasFileTagsOut{}, err
			}
			tagID, tagName := in.TagID, strings.TrimSpace(in.Tag)
			current, err := nc.Files().Tags(ctx, id)
			if err != nil {
				return extrasFileTagsOut{}, err
			}
			found := false
			for _, t := range current {
				if (tagID != 0 && t.ID == tagID) || (tagID == 0 && strings.EqualFold(t.Name, tagName)) {
					tagID, tagName, found = t.ID, t.Name, true
				}
			}
			if !found {
				what := fmt.Sprintf("%q", tagName)
				if in.TagID != 0 {
					what = fmt.Sprintf("with id %d", in.TagID)
				}
				return extrasFileTagsOut{}, fmt.Errorf("%s has no tag %s; its tags are listed by nc_files_list_tags", name, what)
			}
			if err := nc.Files().RemoveTag(ctx, id, tagID); err != nil {
				return extrasFileTagsOut{}, err
			}
			tags, err := nc.Files().Tags(ctx, id)
			if err != nil {
				return extrasFileTagsOut{}, fmt.Errorf("the tag was removed from %s, but listing its tags failed: %w", name, err)
			}
			return extrasFileTagsOut{FileID: id, File: name, Changed: fmt.Sprintf("Removed tag %q from %s", tagName, name), Tags: extrasTagsOut(tags)}, nil
		})
}

// ---- versions ----

type extrasVersionOut struct {
	ID       string `json:"id" jsonschema:"the version id for nc_files_restore_version"`
	Modified string `json:"modified" jsonschema:"when this version was saved, RFC 3339"`
	Size     int64  `json:"size"`
	Author   string `json:"author,omitempty" jsonschema:"the user id who saved it"`
	Label    string `json:"label,omitempty"`
}

type extrasVersionsOut struct {
	FileID   int64              `json:"file_id"`
	File     string             `json:"file"`
	Versions []extrasVersionOut `json:"versions"`
}

func (o extrasVersionsOut) Summary() string {
	head := fmt.Sprintf("%d older versions of %s (newest first):", len(o.Versions), o.File)
	return listSummary(o.Versions, fmt.Sprintf("%s has no older versions.", o.File), head, func(v extrasVersionOut) string {
		s := fmt.Sprintf("- %s: saved %s, %d bytes", v.ID, v.Modified, v.Size)
		if v.Author != "" {
			s += fmt.Sprintf(" by %s", v.Author)
		}
		if v.Label != "" {
			s += fmt.Sprintf(" %q", v.Label)
		}
		return s
	})
}

type extrasListVersionsIn struct {
	extrasFileRef
}

func (in *extrasListVersionsIn) Validate() error { return in.check() }

func extrasVersions(ctx context.Context, nc *nextcloud.Client, id int64, name string) (extrasVersionsOut, error) {
	vs, err := nc.Files().Versions(ctx, id)
	if err != nil {
		return extrasVersionsOut{}, err
	}
	return extrasVersionsOut{FileID: id, File: name, Versions: mapAll(vs, func(v *nextcloud.FileVersion) extrasVersionOut {
		return extrasVersionOut{ID: v.ID, Modified: extrasTime(v.Modified), Size: v.Size, Author: v.Author, Label: v.Label}
	})}, nil
}

func extrasListVersions() Tool {
	return NewTool(Spec{Name: "nc_files_list_versions", Title: "List file versions",
		Description: "List the older versions Nextcloud keeps of a file, newest first, with their ids for nc_files_restore_version.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in extrasListVersionsIn) (extrasVersionsOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasVersionsOut{}, err
			}
			return extrasVersions(ctx, nc, id, name)
		})
}

type extrasRestoreVersionIn struct {
	extrasFileRef
	VersionID string `json:"version_id" jsonschema:"the version id from nc_files_list_versions"`
}

func (in *extrasRestoreVersionIn) Validate() error {
	if strings.TrimSpace(in.VersionID) == "" || strings.ContainsAny(in.VersionID, "/\\") {
		return fmt.Errorf("version_id %q is not a version id; take one from nc_files_list_versions", in.VersionID)
	}
	return in.check()
}

type extrasRestoredOut struct {
	FileID   int64              `json:"file_id"`
	File     string             `json:"file"`
	Restored string             `json:"restored" jsonschema:"the version id now current"`
	Versions []extrasVersionOut `json:"versions" jsonschema:"the older versions now, including the content that was replaced"`
}

func (o extrasRestoredOut) Summary() string {
	return fmt.Sprintf("Restored version %s of %s; the content it replaced is kept as a version (%d versions now).", o.Restored, o.File, len(o.Versions))
}

func extrasRestoreVersion() Tool {
	return NewTool(Spec{Name: "nc_files_restore_version", Title: "Restore file version",
		Description: "Make an older version the file's current content. The content it replaces is kept as a version, so a restore can be undone.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in extrasRestoreVersionIn) (extrasRestoredOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasRestoredOut{}, err
			}
			vid := strings.TrimSpace(in.VersionID)
			if err := nc.Files().RestoreVersion(ctx, id, vid); err != nil {
				if errors.Is(err, nextcloud.ErrNotFound) {
					return extrasRestoredOut{}, fmt.Errorf("%s has no version %q (or no such file); nc_files_list_versions lists the versions: %w", name, vid, err)
				}
				return extrasRestoredOut{}, err
			}
			vs, err := extrasVersions(ctx, nc, id, name)
			if err != nil {
				return extrasRestoredOut{}, fmt.Errorf("version %s of %s was restored, but listing the versions failed: %w", vid, name, err)
			}
			return extrasRestoredOut{FileID: id, File: name, Restored: vid, Versions: vs.Versions}, nil
		})
}
