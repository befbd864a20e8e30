package mcp

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type filesListIn struct {
	Path   string `json:"path,omitempty" jsonschema:"folder to list, relative to the files root, e.g. Documents/Projects; empty for the root"`
	Limit  int    `json:"limit,omitempty" jsonschema:"most entries to return, 1 to 1000 (default 200)"`
	Offset int    `json:"offset,omitempty" jsonschema:"entries to skip, for paging"`
}

func (in *filesListIn) Validate() error {
	if _, err := filesCleanArg("path", in.Path, true); err != nil {
		return err
	}
	return cmp.Or(limitArg("limit", in.Limit, 1000), offsetArg("offset", in.Offset))
}

type filesListOut struct {
	Path  string       `json:"path" jsonschema:"the folder listed"`
	Items []filesEntry `json:"items" jsonschema:"folders first, then files, by name"`
	Total int          `json:"total" jsonschema:"number of entries in the folder"`
	More  bool         `json:"more" jsonschema:"true if more entries follow; call again with a larger offset"`
}

func (o filesListOut) Summary() string {
	head := fmt.Sprintf("/%s holds %d entries", o.Path, o.Total)
	if o.More {
		head += fmt.Sprintf(" (showing %d; use offset for more)", len(o.Items))
	}
	return entryLines(head, o.Items)
}

// entryLines is a summary of files: head, then one entry a line.
func entryLines(head string, items []filesEntry) string {
	var b strings.Builder
	b.WriteString(head + ":\n")
	for _, e := range items {
		b.WriteString("- " + e.line() + "\n")
	}
	return b.String()
}

func filesList() Tool {
	return NewTool(Spec{Name: "nc_files_list", Title: "List folder",
		Description: "List a folder's files and subfolders with type, size, modified time, etag, file id, MIME type and favorite flag. Paths are relative to the user's files root.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in filesListIn) (filesListOut, error) {
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
				out.Items = append(out.Items, filesEntryOf(&children[i]))
			}
			out.More = in.Offset+len(out.Items) < len(children)
			return out, nil
		})
}

func filesStat() Tool {
	return NewTool(Spec{Name: "nc_files_stat", Title: "File details",
		Description: "Show one file's or folder's details (type, size, modified, etag, file id, MIME type, favorite) without downloading it.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in filesPathIn) (filesEntry, error) {
			fi, err := nc.Files().Stat(ctx, in.Path)
			if err != nil {
				return filesEntry{}, err
			}
			return filesEntryOf(fi), nil
		})
}

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

func filesRead(limit int64) Tool {
	return filesToolWithContent(Spec{Name: "nc_files_read", Title: "Read file",
		Description: fmt.Sprintf("Read a file. Text comes back as text; binary files (images, PDFs, ...) come back as an embedded resource with their MIME type. Files over %s are refused; use nc_files_stat to see a file's size first.", filesHumanBytes(limit)),
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in filesItemIn) (filesReadOut, []mcpgo.Content, error) {
			return readFile(ctx, nc, in, limit)
		})
}

// filesResource serves a file's content as nextcloud://files/{path}.
func filesResource(limit int64) ResourceTemplate {
	return ResourceTemplate{
		Template: mcpgo.NewResourceTemplate("nextcloud://files/{path}", "Nextcloud file",
			mcpgo.WithTemplateDescription("A file's content by its URI-encoded path relative to the files root, e.g. nextcloud://files/Documents%2Freport.md")),
		Scope: "files:read",
		Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
			raw, _ := strings.CutPrefix(req.Params.URI, "nextcloud://files/")
			p, err := url.PathUnescape(raw)
			if err != nil {
				return nil, Argf("%q is not a file URI like nextcloud://files/Documents%%2Freport.md", req.Params.URI)
			}
			out, extra, err := readFile(ctx, nc, filesItemIn{Path: p}, limit)
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
	}
}

// readFile is nc_files_read and the file resource.
func readFile(ctx context.Context, nc *nextcloud.Client, in filesItemIn, limit int64) (filesReadOut, []mcpgo.Content, error) {
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

type filesSearchIn struct {
	Name           string `json:"name,omitempty" jsonschema:"part of the file name, case-insensitive; * and ? are wildcards (e.g. *.pdf)"`
	MimeType       string `json:"mime_type,omitempty" jsonschema:"MIME type like application/pdf, or a group like image/*"`
	ModifiedAfter  string `json:"modified_after,omitempty" jsonschema:"only items changed at or after this time (RFC 3339 or YYYY-MM-DD)"`
	ModifiedBefore string `json:"modified_before,omitempty" jsonschema:"only items changed before this time (RFC 3339 or YYYY-MM-DD)"`
	Path           string `json:"path,omitempty" jsonschema:"folder to search in, with its subfolders; empty for all files"`
	FilesOnly      bool   `json:"files_only,omitempty" jsonschema:"leave folders out of the results"`
	Limit          int    `json:"limit,omitempty" jsonschema:"most results, 1 to 500 (default 50)"`
}

// window reads modified_after and modified_before (zero when not given).
func (in *filesSearchIn) window() (after, before time.Time, err error) {
	for _, w := range []struct {
		name, v string
		t       *time.Time
	}{{"modified_after", in.ModifiedAfter, &after}, {"modified_before", in.ModifiedBefore, &before}} {
		if w.v == "" {
			continue
		}
		t, _, err := nextcloud.ParseTimeInput(w.v, time.UTC)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("%s %q is not a date like 2025-01-31 or 2025-01-31T14:00:00Z", w.name, w.v)
		}
		*w.t = t
	}
	return after, before, nil
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
	after, before, err := in.window()
	if err != nil {
		return err
	}
	if !after.IsZero() && !before.IsZero() && !after.Before(before) {
		return fmt.Errorf("modified_after must be earlier than modified_before")
	}
	if err := limitArg("limit", in.Limit, 500); err != nil {
		return err
	}
	return nil
}

type filesFoundOut struct {
	Items []filesEntry `json:"items" jsonschema:"the items found"`
	Count int          `json:"count" jsonschema:"number of items returned"`
	More  bool         `json:"more" jsonschema:"true if the limit was reached and more may exist"`
}

func (o filesFoundOut) Summary() string {
	head := fmt.Sprintf("%d items", o.Count)
	if o.More {
		head += " (limit reached; narrow the search or raise limit)"
	}
	return entryLines(head, o.Items)
}

func filesSearch() Tool {
	return NewTool(Spec{Name: "nc_files_search", Title: "Search files",
		Description: "Search files and folders by name (part of the name or a * pattern), MIME type (application/pdf, image/*) and modified date, in all files or one folder. Newest first.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in filesSearchIn) (filesFoundOut, error) {
			after, before, _ := in.window()
			limit := in.Limit
			if limit == 0 {
				limit = 50
			}
			fis, err := nc.Files().Search(ctx, nextcloud.FileSearch{Folder: in.Path, Name: strings.TrimSpace(in.Name), MimeType: strings.TrimSpace(in.MimeType),
				ModifiedAfter: after, ModifiedBefore: before, FilesOnly: in.FilesOnly, Limit: limit})
			if err != nil {
				return filesFoundOut{}, err
			}
			out := filesFoundOut{Items: mapAll(fis, filesEntryOf)}
			out.Count = len(out.Items)
			out.More = out.Count >= limit
			return out, nil
		})
}

type filesFavoritesIn struct {
	Path string `json:"path,omitempty" jsonschema:"folder to look in, with its subfolders; empty for all files"`
}

func (in *filesFavoritesIn) Validate() error {
	_, err := filesCleanArg("path", in.Path, true)
	return err
}

func filesFavorites() Tool {
	return NewTool(Spec{Name: "nc_files_favorites", Title: "List favorites",
		Description: "List the files and folders the user marked as favorites, in all files or below one folder.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in filesFavoritesIn) (filesFoundOut, error) {
			fis, err := nc.Files().Favorites(ctx, in.Path)
			if err != nil {
				return filesFoundOut{}, err
			}
			out := filesFoundOut{Items: mapAll(fis, filesEntryOf)}
			sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Path < out.Items[j].Path })
			out.Count = len(out.Items)
			return out, nil
		})
}
