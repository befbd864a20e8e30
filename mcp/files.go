package mcp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

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

func filesEntryOf(fi nextcloud.FileInfo) filesEntry {
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

type filesListIn struct {
	Path   string `json:"path,omitempty" jsonschema:"folder to list, relative to the files root, e.g. Documents/Projects; empty for the root"`
	Limit  int    `json:"limit,omitempty" jsonschema:"most entries to return, 1 to 1000 (default 200)"`
	Offset int    `json:"offset,omitempty" jsonschema:"entries to skip, for paging"`
}

func (in *filesListIn) Validate() error {
	if _, err := filesCleanArg("path", in.Path, true); err != nil {
		return err
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return fmt.Errorf("limit must be between 1 and 1000, not %d", in.Limit)
	}
	if in.Offset < 0 {
		return fmt.Errorf("offset must not be negative")
	}
	return nil
}

type filesListOut struct {
	Path  string       `json:"path" jsonschema:"the folder listed"`
	Items []filesEntry `json:"items" jsonschema:"folders first, then files, by name"`
	Total int          `json:"total" jsonschema:"number of entries in the folder"`
	More  bool         `json:"more" jsonschema:"true if more entries follow; call again with a larger offset"`
}

func (o filesListOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "/%s holds %d entries", o.Path, o.Total)
	if o.More {
		fmt.Fprintf(&b, " (showing %d; use offset for more)", len(o.Items))
	}
	b.WriteString(":\n")
	for _, e := range o.Items {
		b.WriteString("- " + e.line() + "\n")
	}
	return b.String()
}

type filesPathIn struct {
	Path string `json:"path" jsonschema:"path relative to the files root, e.g. Documents/report.pdf"`
}

func (in *filesPathIn) Validate() error { _, err := filesCleanArg("path", in.Path, true); return err }

type filesItemIn struct {
	Path string `json:"path" jsonschema:"path of a file or folder relative to the files root, e.g. Documents/report.pdf"`
}

func (in *filesItemIn) Validate() error { _, err := filesCleanArg("path", in.Path, false); return err }

type filesReadOut struct {
	Path     string `json:"path" jsonschema:"the file read"`
	MimeType string `json:"mime_type" jsonschema:"the file's MIME type"`
	Size     int64  `json:"size" jsonschema:"size in bytes"`
	ETag     string `json:"etag" jsonschema:"the version read; pass as if_match to nc_files_write to overwrite only this version"`
	Encoding string `json:"encoding" jsonschema:"text: content is in text; binary: content is attached as an embedded resource (base64)"`
	Text     string `json:"text,omitempty" jsonschema:"the content of a text file"`
}

func (o filesReadOut) Summary() string {
	if o.Encoding == "text" {
		return fmt.Sprintf("/%s (%s, %s, etag %s):\n\n%s", o.Path, o.MimeType, filesHumanBytes(o.Size), o.ETag, o.Text)
	}
	return fmt.Sprintf("/%s is a binary file (%s, %s, etag %s); its content is attached as an embedded resource.", o.Path, o.MimeType, filesHumanBytes(o.Size), o.ETag)
}

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

type filesMoveIn struct {
	Source      string `json:"source" jsonschema:"file or folder to move or copy, relative to the files root"`
	Destination string `json:"destination" jsonschema:"new path; end it with / to put the item into that folder under its current name. Missing folders are created"`
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

type filesDeleteOut struct {
	Path string `json:"path" jsonschema:"the deleted item"`
	Type string `json:"type" jsonschema:"file or folder"`
}

func (o filesDeleteOut) Summary() string {
	return fmt.Sprintf("Deleted %s /%s. While the Deleted files app is on, Nextcloud keeps it in the trash bin: nc_files_trash_list and nc_files_trash_restore bring it back.", o.Type, o.Path)
}

type filesSearchIn struct {
	Name           string `json:"name,omitempty" jsonschema:"part of the file name, case-insensitive; * and ? are wildcards (e.g. *.pdf)"`
	MimeType       string `json:"mime_type,omitempty" jsonschema:"MIME type like application/pdf, or a group like image/*"`
	ModifiedAfter  string `json:"modified_after,omitempty" jsonschema:"only items changed at or after this time (RFC 3339 or YYYY-MM-DD)"`
	ModifiedBefore string `json:"modified_before,omitempty" jsonschema:"only items changed before this time (RFC 3339 or YYYY-MM-DD)"`
	Path           string `json:"path,omitempty" jsonschema:"folder to search in, with its subfolders; empty for all files"`
	FilesOnly      bool   `json:"files_only,omitempty" jsonschema:"leave folders out of the results"`
	Limit          int    `json:"limit,omitempty" jsonschema:"most results, 1 to 500 (default 50)"`
}

func filesParseWhen(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date like 2025-01-31 or 2025-01-31T14:00:00Z", name, v)
}

func (in *filesSearchIn) Validate() error {
	if _, err := filesCleanArg("path", in.Path, true); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" && strings.TrimSpace(in.MimeType) == "" && in.ModifiedAfter == "" && in.ModifiedBefore == "" {
		return fmt.Errorf("give at least one of name, mime_type, modified_after, modified_before")
	}
	if mt := strings.TrimSpace(in.MimeType); mt != "" && !strings.Contains(mt, "/") {
		return fmt.Errorf("mime_type %q is not a MIME type like application/pdf or image/*", mt)
	}
	after, err := filesParseWhen("modified_after", in.ModifiedAfter)
	if err != nil {
		return err
	}
	before, err := filesParseWhen("modified_before", in.ModifiedBefore)
	if err != nil {
		return err
	}
	if !after.IsZero() && !before.IsZero() && !after.Before(before) {
		return fmt.Errorf("modified_after must be earlier than modified_before")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return fmt.Errorf("limit must be between 1 and 500, not %d", in.Limit)
	}
	return nil
}

type filesFoundOut struct {
	Items []filesEntry `json:"items" jsonschema:"the items found"`
	Count int          `json:"count" jsonschema:"number of items returned"`
	More  bool         `json:"more" jsonschema:"true if the limit was reached and more may exist"`
}

func (o filesFoundOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d items", o.Count)
	if o.More {
		b.WriteString(" (limit reached; narrow the search or raise limit)")
	}
	b.WriteString(":\n")
	for _, e := range o.Items {
		b.WriteString("- " + e.line() + "\n")
	}
	return b.String()
}

type filesFavoritesIn struct {
	Path string `json:"path,omitempty" jsonschema:"folder to look in, with its subfolders; empty for all files"`
}

func (in *filesFavoritesIn) Validate() error {
	_, err := filesCleanArg("path", in.Path, true)
	return err
}

type filesTrashListIn struct{}

type filesTrashEntry struct {
	TrashName        string `json:"trash_name" jsonschema:"the item's name in the trash bin; pass it to nc_files_trash_restore"`
	Name             string `json:"name" jsonschema:"the original file or folder name"`
	OriginalLocation string `json:"original_location" jsonschema:"where it was deleted from, relative to the files root"`
	DeletedAt        string `json:"deleted_at,omitempty" jsonschema:"when it was deleted, RFC 3339"`
	Type             string `json:"type" jsonschema:"file or folder"`
	Size             int64  `json:"size" jsonschema:"size in bytes"`
	MimeType         string `json:"mime_type,omitempty" jsonschema:"MIME type of a file"`
}

type filesTrashListOut struct {
	Items []filesTrashEntry `json:"items" jsonschema:"deleted items, most recently deleted first"`
	Count int               `json:"count" jsonschema:"number of items"`
}

func (o filesTrashListOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d items in the trash bin:\n", o.Count)
	for _, e := range o.Items {
		fmt.Fprintf(&b, "- %s (%s, from /%s, deleted %s) trash_name %q\n", e.Name, e.Type, e.OriginalLocation, e.DeletedAt, e.TrashName)
	}
	return b.String()
}

type filesTrashRestoreIn struct {
	TrashName string `json:"trash_name" jsonschema:"the trash_name from nc_files_trash_list"`
}

func (in *filesTrashRestoreIn) Validate() error {
	if strings.TrimSpace(in.TrashName) == "" {
		return fmt.Errorf("trash_name must not be empty; nc_files_trash_list shows the names")
	}
	if strings.Contains(in.TrashName, "/") {
		return fmt.Errorf("trash_name %q is a path; give the trash_name from nc_files_trash_list", in.TrashName)
	}
	_, err := filesCleanArg("trash_name", in.TrashName, false)
	return err
}

type filesTrashRestoreOut struct {
	TrashName        string `json:"trash_name" jsonschema:"the restored trash bin item"`
	OriginalLocation string `json:"original_location" jsonschema:"where it was deleted from"`
	RestoredTo       string `json:"restored_to,omitempty" jsonschema:"where it is now, when confirmed"`
}

func (o filesTrashRestoreOut) Summary() string {
	if o.RestoredTo != "" {
		return fmt.Sprintf("Restored %q to /%s.", o.TrashName, o.RestoredTo)
	}
	return fmt.Sprintf("Restored %q; it was deleted from /%s, but Nextcloud put it elsewhere (that folder is gone or the name is taken): search for it with nc_files_search.", o.TrashName, o.OriginalLocation)
}

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

// FilesToolset offers the user's files over WebDAV.
func FilesToolset(env *Env) Toolset {
	limit := env.maxRead()
	return Toolset{
		Name:        "files",
		Description: "Nextcloud Files: folders, files, search, favorites and the trash bin (WebDAV)",
		Capability:  "files",
		Tools: []Tool{
			NewTool(Spec{Name: "nc_files_list", Title: "List folder",
				Description: "List a folder's files and subfolders with type, size, modified time, etag, file id, MIME type and favorite flag. Paths are relative to the user's files root.",
				Scope:       "files:read", Kind: Read}, filesList),
			NewTool(Spec{Name: "nc_files_stat", Title: "File details",
				Description: "Show one file's or folder's details (type, size, modified, etag, file id, MIME type, favorite) without downloading it.",
				Scope:       "files:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in filesPathIn) (filesEntry, error) {
					fi, err := nc.Files().Stat(ctx, in.Path)
					if err != nil {
						return filesEntry{}, err
					}
					return filesEntryOf(*fi), nil
				}),
			filesToolWithContent(Spec{Name: "nc_files_read", Title: "Read file",
				Description: fmt.Sprintf("Read a file. Text comes back as text; binary files (images, PDFs, ...) come back as an embedded resource with their MIME type. Files over %s are refused; use nc_files_stat to see a file's size first.", filesHumanBytes(limit)),
				Scope:       "files:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesReadOut, []mcpgo.Content, error) {
					return filesRead(ctx, nc, in, limit)
				}),
			NewTool(Spec{Name: "nc_files_write", Title: "Write file",
				Description: "Create a file or overwrite it with new content (text, or base64 for binary files). Missing folders are created. Pass if_match with the etag you read to overwrite only that version, or create_only to never overwrite.",
				Scope:       "files:write", Kind: Destroy}, filesWrite),
			NewTool(Spec{Name: "nc_files_mkdir", Title: "Create folder",
				Description: "Create a folder, with any missing parent folders. An existing folder is not an error.",
				Scope:       "files:write", Kind: Write}, filesMkdir),
			NewTool(Spec{Name: "nc_files_move", Title: "Move or rename",
				Description: "Move or rename a file or folder. End destination with / to move into that folder. An existing destination is only replaced with overwrite.",
				Scope:       "files:write", Kind: Destroy},
				func(ctx context.Context, nc *nextcloud.Client, in filesMoveIn) (filesMoveOut, error) {
					return filesMoveCopy(ctx, nc, in, false)
				}),
			NewTool(Spec{Name: "nc_files_copy", Title: "Copy",
				Description: "Copy a file or folder (with its content). End destination with / to copy into that folder. An existing destination is only replaced with overwrite.",
				Scope:       "files:write", Kind: Create},
				func(ctx context.Context, nc *nextcloud.Client, in filesMoveIn) (filesMoveOut, error) {
					return filesMoveCopy(ctx, nc, in, true)
				}),
			NewTool(Spec{Name: "nc_files_delete", Title: "Delete",
				Description: "Delete a file or folder (a folder with everything in it). Nextcloud moves it to the trash bin, from where nc_files_trash_restore brings it back.",
				Scope:       "files:write", Kind: Destroy}, filesDelete),
			NewTool(Spec{Name: "nc_files_search", Title: "Search files",
				Description: "Search files and folders by name (part of the name or a * pattern), MIME type (application/pdf, image/*) and modified date, in all files or one folder. Newest first.",
				Scope:       "files:read", Kind: Read}, filesSearch),
			NewTool(Spec{Name: "nc_files_favorites", Title: "List favorites",
				Description: "List the files and folders the user marked as favorites, in all files or below one folder.",
				Scope:       "files:read", Kind: Read},
				func(ctx context.Context, nc *nextcloud.Client, in filesFavoritesIn) (filesFoundOut, error) {
					fis, err := nc.Files().Favorites(ctx, in.Path)
					if err != nil {
						return filesFoundOut{}, err
					}
					out := filesFoundOut{Items: make([]filesEntry, 0, len(fis))}
					for _, fi := range fis {
						out.Items = append(out.Items, filesEntryOf(fi))
					}
					sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Path < out.Items[j].Path })
					out.Count = len(out.Items)
					return out, nil
				}),
			NewTool(Spec{Name: "nc_files_trash_list", Title: "List trash bin",
				Description: "List deleted files and folders in the trash bin with where they were deleted from and when.",
				Scope:       "files:read", Kind: Read}, filesTrashList),
			NewTool(Spec{Name: "nc_files_trash_restore", Title: "Restore from trash bin",
				Description: "Restore a deleted file or folder from the trash bin to where it was deleted from. Use the trash_name from nc_files_trash_list.",
				Scope:       "files:write", Kind: Create}, filesTrashRestore),
		},
		Templates: []ResourceTemplate{{
			Template: mcpgo.NewResourceTemplate("nextcloud://files/{path}", "Nextcloud file",
				mcpgo.WithTemplateDescription("A file's content by its URI-encoded path relative to the files root, e.g. nextcloud://files/Documents%2Freport.md")),
			Scope: "files:read",
			Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				raw, _ := strings.CutPrefix(req.Params.URI, "nextcloud://files/")
				p, err := url.PathUnescape(raw)
				if err != nil {
					return nil, Argf("%q is not a file URI like nextcloud://files/Documents%%2Freport.md", req.Params.URI)
				}
				out, extra, err := filesRead(ctx, nc, filesItemIn{Path: p}, limit)
				if err != nil {
					return nil, err
				}
				if out.Encoding == "text" {
					return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: req.Params.URI, MIMEType: out.MimeType, Text: out.Text}}, nil
				}
				blob := extra[0].(mcpgo.EmbeddedResource).Resource.(mcpgo.BlobResourceContents)
				blob.URI = req.Params.URI
				return []mcpgo.ResourceContents{blob}, nil
			},
		}},
	}
}

func filesList(ctx context.Context, nc *nextcloud.Client, in filesListIn) (filesListOut, error) {
	self, children, err := nc.Files().List(ctx, in.Path)
	if err != nil {
		return filesListOut{}, err
	}
	if !self.IsDir {
		return filesListOut{}, Argf("%s is a file, not a folder; use nc_files_stat or nc_files_read", self.Path)
	}
	sort.Slice(children, func(i, j int) bool {
		if children[i].IsDir != children[j].IsDir {
			return children[i].IsDir
		}
		return strings.ToLower(children[i].Name) < strings.ToLower(children[j].Name)
	})
	limit := in.Limit
	if limit == 0 {
		limit = 200
	}
	out := filesListOut{Path: self.Path, Items: []filesEntry{}, Total: len(children)}
	for i := in.Offset; i < len(children) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, filesEntryOf(children[i]))
	}
	out.More = in.Offset+len(out.Items) < len(children)
	return out, nil
}

// filesTextual reports whether a MIME type is text a model can read.
func filesTextual(mt string) bool {
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-javascript", "application/x-yaml",
		"application/yaml", "application/x-sh", "application/sql", "application/x-php", "application/toml", "application/ld+json":
		return true
	}
	return false
}

func filesLooksLikeText(b []byte) bool {
	return utf8.Valid(b) && !strings.ContainsRune(string(b), 0)
}

func filesTooLarge(p string, size, limit int64) error {
	return fmt.Errorf("file /%s is %s, more than the %s this server returns in one read; it was not downloaded (open it in Nextcloud, or ask the administrator to raise the read limit)", p, filesHumanBytes(size), filesHumanBytes(limit))
}

func filesRead(ctx context.Context, nc *nextcloud.Client, in filesItemIn, limit int64) (filesReadOut, []mcpgo.Content, error) {
	fi, err := nc.Files().Stat(ctx, in.Path)
	if err != nil {
		return filesReadOut{}, nil, err
	}
	if fi.IsDir {
		return filesReadOut{}, nil, Argf("%s is a folder; use nc_files_list to see its content", fi.Path)
	}
	if fi.Size > limit {
		return filesReadOut{}, nil, filesTooLarge(fi.Path, fi.Size, limit)
	}
	fc, err := nc.Files().Read(ctx, fi.Path, limit)
	if err != nil {
		var tl *nextcloud.TooLargeError
		if errors.As(err, &tl) {
			return filesReadOut{}, nil, filesTooLarge(fi.Path, tl.Size, limit)
		}
		return filesReadOut{}, nil, err
	}
	mt := fi.ContentType
	if mt == "" {
		mt, _, _ = mime.ParseMediaType(fc.ContentType)
	}
	if mt == "" {
		mt = "application/octet-stream"
	}
	etag := fc.ETag
	if etag == "" {
		etag = fi.ETag
	}
	out := filesReadOut{Path: fi.Path, MimeType: mt, Size: int64(len(fc.Data)), ETag: etag}
	isText := filesTextual(mt) || mt == "application/octet-stream"
	if isText && filesLooksLikeText(fc.Data) {
		out.Encoding, out.Text = "text", string(fc.Data)
		return out, nil, nil
	}
	out.Encoding = "binary"
	blob := mcpgo.NewEmbeddedResource(mcpgo.BlobResourceContents{URI: filesURI(fi.Path), MIMEType: mt, Blob: base64.StdEncoding.EncodeToString(fc.Data)})
	return out, []mcpgo.Content{blob}, nil
}

func filesWrite(ctx context.Context, nc *nextcloud.Client, in filesWriteIn) (filesWriteOut, error) {
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
	out.File, out.Created = filesEntryOf(*fi), res.Created
	return out, nil
}

func filesMkdir(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesMkdirOut, error) {
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
	return filesMkdirOut{Folder: filesEntryOf(*fi), Created: created}, nil
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
	return filesMoveOut{Source: src, Destination: filesEntryOf(*fi), Overwrote: !created, Action: action}, nil
}

func filesDelete(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesDeleteOut, error) {
	fi, err := nc.Files().Stat(ctx, in.Path)
	if err != nil {
		return filesDeleteOut{}, err
	}
	if err := nc.Files().Delete(ctx, fi.Path); err != nil {
		return filesDeleteOut{}, err
	}
	return filesDeleteOut{Path: fi.Path, Type: filesEntryOf(*fi).Type}, nil
}

func filesSearch(ctx context.Context, nc *nextcloud.Client, in filesSearchIn) (filesFoundOut, error) {
	after, _ := filesParseWhen("modified_after", in.ModifiedAfter)
	before, _ := filesParseWhen("modified_before", in.ModifiedBefore)
	limit := in.Limit
	if limit == 0 {
		limit = 50
	}
	fis, err := nc.Files().Search(ctx, nextcloud.FileSearch{Folder: in.Path, Name: strings.TrimSpace(in.Name), MimeType: strings.TrimSpace(in.MimeType),
		ModifiedAfter: after, ModifiedBefore: before, FilesOnly: in.FilesOnly, Limit: limit})
	if err != nil {
		return filesFoundOut{}, err
	}
	out := filesFoundOut{Items: make([]filesEntry, 0, len(fis))}
	for _, fi := range fis {
		out.Items = append(out.Items, filesEntryOf(fi))
	}
	out.Count = len(out.Items)
	out.More = out.Count >= limit
	return out, nil
}

func filesTrashEntryOf(it nextcloud.TrashItem) filesTrashEntry {
	e := filesTrashEntry{TrashName: it.TrashName, Name: it.Name, OriginalLocation: it.OriginalLocation, Type: "file", Size: it.Size, MimeType: it.ContentType}
	if it.IsDir {
		e.Type, e.MimeType = "folder", ""
	}
	if !it.DeletedAt.IsZero() {
		e.DeletedAt = it.DeletedAt.Format(time.RFC3339)
	}
	return e
}

func filesTrashList(ctx context.Context, nc *nextcloud.Client, _ filesTrashListIn) (filesTrashListOut, error) {
	items, err := nc.Files().Trash(ctx)
	if err != nil {
		return filesTrashListOut{}, err
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].DeletedAt.After(items[j].DeletedAt) })
	out := filesTrashListOut{Items: make([]filesTrashEntry, 0, len(items)), Count: len(items)}
	for _, it := range items {
		out.Items = append(out.Items, filesTrashEntryOf(it))
	}
	return out, nil
}

func filesTrashRestore(ctx context.Context, nc *nextcloud.Client, in filesTrashRestoreIn) (filesTrashRestoreOut, error) {
	items, err := nc.Files().Trash(ctx)
	if err != nil {
		return filesTrashRestoreOut{}, err
	}
	var item *nextcloud.TrashItem
	for i := range items {
		if items[i].TrashName == in.TrashName {
			item = &items[i]
		}
	}
	if item == nil {
		return filesTrashRestoreOut{}, fmt.Errorf("no item %q in the trash bin; nc_files_trash_list shows the trash_name of each item: %w", in.TrashName, nextcloud.ErrNotFound)
	}
	if err := nc.Files().RestoreFromTrash(ctx, in.TrashName); err != nil {
		return filesTrashRestoreOut{}, err
	}
	out := filesTrashRestoreOut{TrashName: in.TrashName, OriginalLocation: item.OriginalLocation}
	if fi, err := nc.Files().Stat(ctx, item.OriginalLocation); err == nil && (item.FileID == 0 || fi.FileID == item.FileID) {
		out.RestoredTo = fi.Path
	}
	return out, nil
}
