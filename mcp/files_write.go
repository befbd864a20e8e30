package mcp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type filesWriteIn struct {
	Path          string  `json:"path" jsonschema:"file path relative to the files root, e.g. Documents/notes.md; missing folders are created"`
	Content       *string `json:"content,omitempty" jsonschema:"the new content as text (UTF-8)"`
	ContentBase64 *string `json:"content_base64,omitempty" jsonschema:"the new content as base64, for binary files; give this or content"`
	IfMatch       string  `json:"if_match,omitempty" jsonschema:"overwrite only if the file still has this etag (from nc_files_read, nc_files_stat or nc_files_list)"`
	CreateOnly    bool    `json:"create_only,omitempty" jsonschema:"refuse to overwrite an existing file"`
}

func (in *filesWriteIn) Validate() error {
	if _, err := filesCleanArg("path", in.Path, false); err != nil {
		return err
	}
	if (in.Content == nil) == (in.ContentBase64 == nil) {
		return fmt.Errorf("give exactly one of content (text) or content_base64 (binary)")
	}
	if in.ContentBase64 != nil {
		if _, err := base64.StdEncoding.DecodeString(*in.ContentBase64); err != nil {
			return fmt.Errorf("content_base64 is not valid base64: %v", err)
		}
	}
	if in.IfMatch != "" && in.CreateOnly {
		return fmt.Errorf("if_match and create_only contradict each other: if_match overwrites an existing version, create_only refuses to overwrite")
	}
	return nil
}

type filesWriteOut struct {
	File    filesEntry `json:"file" jsonschema:"the file as it is now"`
	Created bool       `json:"created" jsonschema:"true if the file is new, false if it was overwritten"`
	Folders []string   `json:"created_folders,omitempty" jsonschema:"folders created on the way"`
}

func (o filesWriteOut) Summary() string {
	verb := "Overwrote"
	if o.Created {
		verb = "Created"
	}
	s := fmt.Sprintf("%s %s", verb, o.File.line())
	if len(o.Folders) > 0 {
		s += "; created folders " + strings.Join(o.Folders, ", ")
	}
	return s + ", new etag " + o.File.ETag
}

func filesWrite() Tool {
	return NewTool(Spec{Name: "nc_files_write", Title: "Write file",
		Description: "Create a file or overwrite it with new content (text, or base64 for binary files). Missing folders are created. Pass if_match with the etag you read to overwrite only that version, or create_only to never overwrite.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in filesWriteIn) (filesWriteOut, error) {
			p, _ := nextcloud.CleanFilePath(in.Path)
			var data []byte
			if in.Content != nil {
				data = []byte(*in.Content)
			} else {
				data, _ = base64.StdEncoding.DecodeString(*in.ContentBase64)
			}
			opts := nextcloud.WriteOptions{IfMatch: in.IfMatch, CreateOnly: in.CreateOnly}
			var out filesWriteOut
			res, err := nc.Files().Write(ctx, p, data, opts)
			var ne *nextcloud.Error
			if err != nil && errors.As(err, &ne) && ne.Status == http.StatusConflict && in.IfMatch == "" {
				// The parent folder is missing: create it, then write again.
				if dir := path.Dir(p); dir != "." {
					created, merr := nc.Files().MakeFolderAll(ctx, dir)
					if merr != nil {
						return filesWriteOut{}, merr
					}
					out.Folders = created
					res, err = nc.Files().Write(ctx, p, data, opts)
				}
			}
			if err != nil {
				switch {
				case errors.Is(err, nextcloud.ErrExists):
					return filesWriteOut{}, fmt.Errorf("%w; leave out create_only to overwrite it", err)
				case errors.As(err, &ne) && ne.Status == http.StatusPreconditionFailed:
					return filesWriteOut{}, fmt.Errorf("/%s changed since it was read (its etag is no longer %s) or does not exist; nothing was written. Read it again and retry with the new etag: %w", p, in.IfMatch, err)
				}
				return filesWriteOut{}, err
			}
			fi, err := nc.Files().Stat(ctx, p)
			if err != nil {
				return filesWriteOut{}, fmt.Errorf("the file was written but reading its details failed: %w", err)
			}
			out.File, out.Created = filesEntryOf(fi), res.Created
			return out, nil
		})
}

type filesMkdirOut struct {
	Folder  filesEntry `json:"folder" jsonschema:"the folder"`
	Created []string   `json:"created" jsonschema:"folders created, parents first; empty if it existed"`
}

func (o filesMkdirOut) Summary() string {
	if len(o.Created) == 0 {
		return "Folder /" + o.Folder.Path + " already exists."
	}
	return "Created " + strings.Join(o.Created, ", ") + "."
}

func filesMkdir() Tool {
	return NewTool(Spec{Name: "nc_files_mkdir", Title: "Create folder",
		Description: "Create a folder, with any missing parent folders. An existing folder is not an error.",
		Scope:       "files:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesMkdirOut, error) {
			created, err := nc.Files().MakeFolderAll(ctx, in.Path)
			if err != nil {
				if errors.Is(err, nextcloud.ErrExists) {
					return filesMkdirOut{}, fmt.Errorf("%w; choose another name", err)
				}
				return filesMkdirOut{}, err
			}
			fi, err := nc.Files().Stat(ctx, in.Path)
			if err != nil {
				return filesMkdirOut{}, err
			}
			if created == nil {
				created = []string{}
			}
			return filesMkdirOut{Folder: filesEntryOf(fi), Created: created}, nil
		})
}

type filesMoveIn struct {
	Source      string `json:"source" jsonschema:"file or folder to move or copy, relative to the files root"`
	Destination string `json:"destination" jsonschema:"new path; end it with / to keep the name in that folder. Missing folders are created"`
	Overwrite   bool   `json:"overwrite,omitempty" jsonschema:"replace an existing item at the destination (default false)"`
}

func (in *filesMoveIn) Validate() error {
	s, err := filesCleanArg("source", in.Source, false)
	if err != nil {
		return err
	}
	d, err := filesCleanArg("destination", filesMoveTarget(in.Source, in.Destination), false)
	if err != nil {
		return err
	}
	if s == d {
		return fmt.Errorf("source and destination are the same (%s)", s)
	}
	if strings.HasPrefix(d, s+"/") {
		return fmt.Errorf("destination %s is inside the source folder %s", d, s)
	}
	return nil
}

// filesMoveTarget puts the source's name after a destination ending in "/".
func filesMoveTarget(src, dst string) string {
	if strings.HasSuffix(dst, "/") && strings.Trim(dst, "/") != "" {
		return dst + path.Base(strings.TrimRight(src, "/"))
	}
	if strings.Trim(dst, "/") == "" && dst != "" {
		return path.Base(strings.TrimRight(src, "/"))
	}
	return dst
}

type filesMoveOut struct {
	Source      string     `json:"source" jsonschema:"where the item was"`
	Destination filesEntry `json:"destination" jsonschema:"the item at its destination"`
	Overwrote   bool       `json:"overwrote" jsonschema:"true if an existing item was replaced"`
	Action      string     `json:"action" jsonschema:"moved or copied"`
}

func (o filesMoveOut) Summary() string {
	s := fmt.Sprintf("%s /%s to %s", strings.ToUpper(o.Action[:1])+o.Action[1:], o.Source, o.Destination.line())
	if o.Overwrote {
		s += ", replacing what was there"
	}
	return s + "."
}

func filesMove() Tool {
	return NewTool(Spec{Name: "nc_files_move", Title: "Move or rename",
		Description: "Move or rename a file or folder. End destination with / to move into that folder. An existing destination is only replaced with overwrite.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in filesMoveIn) (filesMoveOut, error) {
			return filesMoveCopy(ctx, nc, in, false)
		})
}

func filesCopy() Tool {
	return NewTool(Spec{Name: "nc_files_copy", Title: "Copy",
		Description: "Copy a file or folder (with its content). End destination with / to copy into that folder. An existing destination is only replaced with overwrite.",
		Scope:       "files:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in filesMoveIn) (filesMoveOut, error) {
			return filesMoveCopy(ctx, nc, in, true)
		})
}

func filesMoveCopy(ctx context.Context, nc *nextcloud.Client, in filesMoveIn, copying bool) (filesMoveOut, error) {
	src, _ := nextcloud.CleanFilePath(in.Source)
	dst, _ := nextcloud.CleanFilePath(filesMoveTarget(in.Source, in.Destination))
	if dir := path.Dir(dst); dir != "." {
		if _, err := nc.Files().Stat(ctx, dir); errors.Is(err, nextcloud.ErrNotFound) {
			if _, err := nc.Files().MakeFolderAll(ctx, dir); err != nil {
				return filesMoveOut{}, err
			}
		}
	}
	op, action := nc.Files().Move, "moved"
	if copying {
		op, action = nc.Files().Copy, "copied"
	}
	created, err := op(ctx, src, dst, in.Overwrite)
	if err != nil {
		if errors.Is(err, nextcloud.ErrExists) {
			return filesMoveOut{}, fmt.Errorf("%w; pass overwrite: true to replace it, or end destination with / to put the item into that folder", err)
		}
		return filesMoveOut{}, err
	}
	fi, err := nc.Files().Stat(ctx, dst)
	if err != nil {
		return filesMoveOut{}, fmt.Errorf("the item was %s but reading its details failed: %w", action, err)
	}
	return filesMoveOut{Source: src, Destination: filesEntryOf(fi), Overwrote: !created, Action: action}, nil
}

type filesDeleteOut struct {
	Path string `json:"path" jsonschema:"the deleted item"`
	Type string `json:"type" jsonschema:"file or folder"`
}

func (o filesDeleteOut) Summary() string {
	return fmt.Sprintf("Deleted %s /%s. While the Deleted files app is on, Nextcloud keeps it in the trash bin: nc_files_trash_list and nc_files_trash_restore bring it back.", o.Type, o.Path)
}

func filesDelete() Tool {
	return NewTool(Spec{Name: "nc_files_delete", Title: "Delete",
		Description: "Delete a file or folder (a folder with everything in it). Nextcloud moves it to the trash bin, from where nc_files_trash_restore brings it back.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesDeleteOut, error) {
			fi, err := nc.Files().Stat(ctx, in.Path)
			if err != nil {
				return filesDeleteOut{}, err
			}
			if err := nc.Files().Delete(ctx, fi.Path); err != nil {
				return filesDeleteOut{}, err
			}
			return filesDeleteOut{Path: fi.Path, Type: filesEntryOf(fi).Type}, nil
		})
}
