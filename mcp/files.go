package mcp

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// FilesToolset offers the user's files over WebDAV.
func FilesToolset(env *Env) Toolset {
	limit := env.maxRead()
	return Toolset{
		Name:        "files",
		Description: "Nextcloud Files: folders, files, search, favorites and the trash bin (WebDAV)",
		App:         nextcloud.FilesApp,
		Tools: []Tool{
			filesList(),
			filesStat(),
			filesRead(limit),
			filesWrite(),
			filesMkdir(),
			filesMove(),
			filesCopy(),
			filesDelete(),
			filesSearch(),
			filesFavorites(),
			filesTrashList(),
			filesTrashRestore(),
			filesTrashDelete(),
			filesTrashEmpty(),
		},
		Templates: []ResourceTemplate{filesResource(limit)},
	}
}

// filesEntry is a file or folder as the Files tools show it.
type filesEntry struct {
	Path     string `json:"path" jsonschema:"path relative to the user's files root"`
	Name     string `json:"name" jsonschema:"file or folder name"`
	Type     string `json:"type" jsonschema:"file or folder"`
	Size     int64  `json:"size" jsonschema:"size in bytes; for a folder the total of its content"`
	Modified string `json:"modified,omitempty" jsonschema:"last change, RFC 3339"`
	ETag     string `json:"etag,omitempty" jsonschema:"the entity tag; pass it as if_match to nc_files_write to overwrite only this version"`
	FileID   int64  `json:"file_id,omitempty" jsonschema:"Nextcloud's file id"`
	MimeType string `json:"mime_type,omitempty" jsonschema:"MIME type of a file"`
	Favorite bool   `json:"favorite" jsonschema:"whether the user marked it as favorite"`
}

func filesEntryOf(fi *nextcloud.FileInfo) filesEntry {
	e := filesEntry{Path: fi.Path, Name: fi.Name, Type: "file", Size: fi.Size, ETag: fi.ETag, FileID: fi.FileID, MimeType: fi.ContentType, Favorite: fi.Favorite}
	if fi.IsDir {
		e.Type, e.MimeType = "folder", ""
	}
	if e.Path == "" {
		e.Name = "/"
	}
	if !fi.Modified.IsZero() {
		e.Modified = fi.Modified.UTC().Format(time.RFC3339)
	}
	return e
}

func (e filesEntry) line() string {
	s := "/" + e.Path
	if e.Type == "folder" {
		s = strings.TrimRight(s, "/") + "/"
	}
	s += fmt.Sprintf(" (%s", e.Type)
	if e.Type == "file" {
		s += ", " + filesHumanBytes(e.Size)
		if e.MimeType != "" {
			s += ", " + e.MimeType
		}
	}
	if e.Modified != "" {
		s += ", modified " + e.Modified
	}
	if e.Favorite {
		s += ", favorite"
	}
	return s + ")"
}

func (e filesEntry) Summary() string {
	return e.line() + ", etag " + e.ETag + fmt.Sprintf(", file id %d", e.FileID)
}

func filesHumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// filesURI is the resource URI of a file: the whole path URI-encoded.
func filesURI(p string) string { return "nextcloud://files/" + url.PathEscape(p) }

func filesCleanArg(name, p string, root bool) (string, error) {
	var c string
	var err error
	if root {
		c, err = nextcloud.CleanPath(p)
	} else {
		c, err = nextcloud.CleanFilePath(p)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

type filesPathIn struct {
	Path string `json:"path" jsonschema:"path relative to the files root, e.g. Documents/report.pdf"`
}

func (in *filesPathIn) Validate() error { _, err := filesCleanArg("path", in.Path, true); return err }

type filesItemIn struct {
	Path string `json:"path" jsonschema:"path, e.g. Documents/report.pdf"`
}

func (in *filesItemIn) Validate() error { _, err := filesCleanArg("path", in.Path, false); return err }

// filesToolWithContent is NewTool for tools whose result carries extra
// content (an embedded resource) next to the structured output.
func filesToolWithContent[In any, Out any](spec Spec, fn func(ctx context.Context, nc *nextcloud.Client, in In) (Out, []mcpgo.Content, error)) Tool {
	t := NewTool(spec, func(ctx context.Context, nc *nextcloud.Client, in In) (Out, error) {
		out, _, err := fn(ctx, nc, in)
		return out, err
	})
	t.Handler = func(ctx context.Context, nc *nextcloud.Client, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		in, err := decodeIn[In](req)
		if err != nil {
			return nil, err
		}
		out, extra, err := fn(ctx, nc, in)
		if err != nil {
			return nil, err
		}
		res := StructuredResult(out)
		res.Content = append(res.Content, extra...)
		return res, nil
	}
	return t
}
