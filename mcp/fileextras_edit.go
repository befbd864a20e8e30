package mcp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Editing and deleting comments, deleting tags, and file reminders.

type extrasCommentRefIn struct {
	extrasFileRef
	CommentID int64 `json:"comment_id" jsonschema:"the comment id, from nc_files_list_comments"`
}

func (in *extrasCommentRefIn) checkComment() error {
	return cmp.Or(idArg("comment_id", in.CommentID, "nc_files_list_comments"), in.check())
}

// commentError explains the answers a comment change can get.
func commentError(err error, id int64, file, verb string) error {
	var ne *nextcloud.Error
	if errors.As(err, &ne) && ne.Status == 403 {
		return fmt.Errorf("only the author of comment %d may %s it: %w", id, verb, err)
	}
	return explainNotFound(err, fmt.Sprintf("comment %d on %s", id, file), "not found; nc_files_list_comments lists the comments")
}

type extrasEditCommentIn struct {
	extrasCommentRefIn
	Message string `json:"message" jsonschema:"the new comment text"`
}

func (in *extrasEditCommentIn) Validate() error {
	if err := checkCommentMessage(in.Message); err != nil {
		return err
	}
	return in.checkComment()
}

type extrasCommentDoneOut struct {
	FileID    int64  `json:"file_id"`
	File      string `json:"file"`
	CommentID int64  `json:"comment_id"`
	Message   string `json:"message,omitempty" jsonschema:"the comment text now (absent when deleted)"`
	Deleted   bool   `json:"deleted,omitempty"`
}

func (o extrasCommentDoneOut) Summary() string {
	if o.Deleted {
		return fmt.Sprintf("Deleted comment %d on %s.", o.CommentID, o.File)
	}
	return fmt.Sprintf("Edited comment %d on %s.", o.CommentID, o.File)
}

func extrasEditComment() Tool {
	return NewTool(Spec{Name: "nc_files_edit_comment", Title: "Edit a file comment",
		Description: "Replace the text of one of your comments on a file or folder.",
		Scope:       "files:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in extrasEditCommentIn) (extrasCommentDoneOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasCommentDoneOut{}, err
			}
			if err := nc.Files().EditComment(ctx, id, in.CommentID, in.Message); err != nil {
				return extrasCommentDoneOut{}, commentError(err, in.CommentID, name, "edit")
			}
			return extrasCommentDoneOut{FileID: id, File: name, CommentID: in.CommentID, Message: in.Message}, nil
		})
}

type extrasDeleteCommentIn struct {
	extrasCommentRefIn
}

func (in *extrasDeleteCommentIn) Validate() error { return in.checkComment() }

func extrasDeleteComment() Tool {
	return NewTool(Spec{Name: "nc_files_delete_comment", Title: "Delete a file comment",
		Description: "Delete one of your comments on a file or folder, for everyone.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in extrasDeleteCommentIn) (extrasCommentDoneOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasCommentDoneOut{}, err
			}
			if err := nc.Files().DeleteComment(ctx, id, in.CommentID); err != nil {
				return extrasCommentDoneOut{}, commentError(err, in.CommentID, name, "delete")
			}
			return extrasCommentDoneOut{FileID: id, File: name, CommentID: in.CommentID, Deleted: true}, nil
		})
}

type extrasDeleteTagIn struct {
	Tag   string `json:"tag,omitempty" jsonschema:"the tag's name (or give tag_id)"`
	TagID int64  `json:"tag_id,omitempty" jsonschema:"the tag's id from nc_files_list_tags, instead of its name"`
}

func (in *extrasDeleteTagIn) Validate() error { return checkTagRef(in.Tag, in.TagID) }

type extrasTagDeletedOut struct {
	TagID   int64  `json:"tag_id"`
	Tag     string `json:"tag,omitempty"`
	Deleted bool   `json:"deleted"`
}

func (o extrasTagDeletedOut) Summary() string {
	return fmt.Sprintf("Deleted tag %q (id %d); no file carries it any more.", o.Tag, o.TagID)
}

func extrasDeleteTag() Tool {
	return NewTool(Spec{Name: "nc_files_delete_tag", Title: "Delete a tag",
		Description: "Delete a collaborative (system) tag for everyone; it is taken off every file. Only administrators may delete tags.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in extrasDeleteTagIn) (extrasTagDeletedOut, error) {
			id, name := in.TagID, strings.TrimSpace(in.Tag)
			if id == 0 {
				t, err := extrasFindTag(ctx, nc, name)
				if err != nil {
					return extrasTagDeletedOut{}, err
				}
				if t == nil {
					return extrasTagDeletedOut{}, fmt.Errorf("no tag is named %q; nc_files_list_tags lists the tags: %w", name, nextcloud.ErrNotFound)
				}
				id, name = t.ID, t.Name
			}
			if err := nc.Files().DeleteSystemTag(ctx, id); err != nil {
				var ne *nextcloud.Error
				if errors.As(err, &ne) && ne.Status == 403 {
					return extrasTagDeletedOut{}, fmt.Errorf("only administrators may delete tags: %w", err)
				}
				return extrasTagDeletedOut{}, explainNotFound(err, fmt.Sprintf("tag %d", id), "not found; nc_files_list_tags lists the tags")
			}
			if name == "" {
				name = fmt.Sprintf("tag %d", id)
			}
			return extrasTagDeletedOut{TagID: id, Tag: name, Deleted: true}, nil
		})
}

// ---- reminders ----

type extrasReminderOut struct {
	FileID int64  `json:"file_id"`
	File   string `json:"file"`
	Due    string `json:"due,omitempty" jsonschema:"when Nextcloud will notify you, RFC 3339 (UTC); absent when there is no reminder"`
	Change string `json:"change,omitempty" jsonschema:"what was done: created, moved or removed"`
}

func (o extrasReminderOut) Summary() string {
	switch {
	case o.Change == "removed":
		return fmt.Sprintf("Removed the reminder on %s.", o.File)
	case o.Due == "":
		return fmt.Sprintf("No reminder is set on %s.", o.File)
	case o.Change != "":
		return fmt.Sprintf("Reminder on %s %s: due %s.", o.File, o.Change, o.Due)
	}
	return fmt.Sprintf("Reminder on %s due %s.", o.File, o.Due)
}

type extrasReminderIn struct {
	extrasFileRef
}

func (in *extrasReminderIn) Validate() error { return in.check() }

func extrasGetReminder() Tool {
	return NewTool(Spec{Name: "nc_files_get_reminder", Title: "Get file reminder",
		Description: "Show when you will be reminded of a file or folder (the File reminders app), if a reminder is set.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in extrasReminderIn) (extrasReminderOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasReminderOut{}, err
			}
			due, ok, err := nc.Reminders().Get(ctx, id)
			if err != nil {
				return extrasReminderOut{}, err
			}
			out := extrasReminderOut{FileID: id, File: name}
			if ok {
				out.Due = due.UTC().Format(time.RFC3339)
			}
			return out, nil
		})
}

type extrasSetReminderIn struct {
	extrasFileRef
	Due string `json:"due" jsonschema:"when to be reminded: RFC 3339 with offset (2026-03-10T09:00:00+01:00), or a date and time without offset, taken as UTC"`
}

// at is the due time; Validate has checked it.
func (in *extrasSetReminderIn) at() time.Time {
	t, _, _ := nextcloud.ParseTimeInput(in.Due, time.UTC)
	return t
}

func (in *extrasSetReminderIn) Validate() error {
	t, dateOnly, err := nextcloud.ParseTimeInput(in.Due, time.UTC)
	switch {
	case err != nil:
		return fmt.Errorf("due: %v", err)
	case dateOnly:
		return fmt.Errorf("due %q is a date; give a time too, e.g. %sT09:00:00Z", in.Due, strings.TrimSpace(in.Due))
	case !t.After(time.Now()):
		return fmt.Errorf("due %s is in the past; a reminder needs a future time", t.UTC().Format(time.RFC3339))
	}
	return in.check()
}

func extrasSetReminder() Tool {
	return NewTool(Spec{Name: "nc_files_set_reminder", Title: "Set file reminder",
		Description: "Have Nextcloud notify you about a file or folder at a given time (the File reminders app). A reminder set earlier on the same file is moved.",
		Scope:       "files:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in extrasSetReminderIn) (extrasReminderOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasReminderOut{}, err
			}
			due := in.at()
			created, err := nc.Reminders().Set(ctx, id, due)
			if err != nil {
				return extrasReminderOut{}, explainNotFound(err, name, "not found among your files")
			}
			change := "moved"
			if created {
				change = "created"
			}
			return extrasReminderOut{FileID: id, File: name, Due: due.UTC().Format(time.RFC3339), Change: change}, nil
		})
}

func extrasRemoveReminder() Tool {
	return NewTool(Spec{Name: "nc_files_remove_reminder", Title: "Remove file reminder",
		Description: "Remove your reminder on a file or folder (the File reminders app).",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in extrasReminderIn) (extrasReminderOut, error) {
			id, name, err := in.resolve(ctx, nc)
			if err != nil {
				return extrasReminderOut{}, err
			}
			if err := nc.Reminders().Remove(ctx, id); err != nil {
				return extrasReminderOut{}, explainNotFound(err, name, "has no reminder; nc_files_get_reminder shows it")
			}
			return extrasReminderOut{FileID: id, File: name, Change: "removed"}, nil
		})
}
