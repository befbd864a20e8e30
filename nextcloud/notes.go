package nextcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// notesAPI is the Notes app's REST API v1 root.
const notesAPI = "/index.php/apps/notes/api/v1"

// Note is a note as the Notes API v1 describes it. The etag attribute is
// unquoted; the ETag header and If-Match use the quoted form.
type Note struct {
	ID       int64  `json:"id"`
	ETag     string `json:"etag"`
	ReadOnly bool   `json:"readonly"`
	Modified int64  `json:"modified"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Content  string `json:"content"`
	Favorite bool   `json:"favorite"`
}

// ModifiedTime is the note's last change as a time.
func (n *Note) ModifiedTime() time.Time { return time.Unix(n.Modified, 0).UTC() }

// NotesListOptions select and page GET /notes.
type NotesListOptions struct {
	// Category filters by exact category; nil lists all, "" only
	// uncategorized notes.
	Category *string
	// Exclude names attributes to leave out ("content", "title", ...).
	Exclude []string
	// PruneBefore (Unix seconds) reduces notes unchanged since then to their id.
	PruneBefore int64
	// ChunkSize limits the number of full notes per answer; 0 sends all.
	ChunkSize int
	// ChunkCursor is the X-Notes-Chunk-Cursor of the previous chunk.
	ChunkCursor string
}

// NotesPage is one answer of GET /notes.
type NotesPage struct {
	// Notes are the full notes of this chunk, in the API's order.
	Notes []Note
	// PrunedIDs are the notes sent with their id only: pruned ones and, in
	// the last chunk, those sent in earlier chunks.
	PrunedIDs []int64
	// Cursor is the X-Notes-Chunk-Cursor for the next chunk; empty on the
	// last chunk.
	Cursor string
	// Pending is X-Notes-Chunk-Pending, the number of notes still to fetch.
	Pending int
	// ETag and LastModified are the list's validators.
	ETag         string
	LastModified time.Time
}

// NoteInput holds the writable attributes for create and update; nil
// fields are left out of the request (unchanged on update).
type NoteInput struct {
	Title    *string `json:"title,omitempty"`
	Content  *string `json:"content,omitempty"`
	Category *string `json:"category,omitempty"`
	Favorite *bool   `json:"favorite,omitempty"`
	Modified *int64  `json:"modified,omitempty"`
}

// NotesSettings are the user's Notes app settings (API 1.2).
type NotesSettings struct {
	NotesPath  string `json:"notesPath"`
	FileSuffix string `json:"fileSuffix"`
}

// NoteConflictError is a 412 on update: the note changed since the given
// ETag was read. Current is the note as Nextcloud has it now.
type NoteConflictError struct {
	ID      int64
	IfMatch string
	Current *Note
}

func (e *NoteConflictError) Error() string {
	msg := fmt.Sprintf("note %d changed since it was read (sent If-Match %s", e.ID, e.IfMatch)
	if e.Current != nil && e.Current.ETag != "" {
		msg += fmt.Sprintf(", current etag %q", e.Current.ETag)
	}
	return msg + "); nothing was overwritten: fetch the note again, re-apply the edit and send the new etag"
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *NoteConflictError) Is(target error) bool { return target == ErrConflict }

// QuoteETag returns an ETag in the quoted form HTTP headers use; the Notes
// API's etag attribute comes unquoted.
func QuoteETag(etag string) string {
	etag = strings.TrimSpace(etag)
	if etag == "" || strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}

// UnquoteETag strips the quotes (and a weak marker) from an ETag.
func UnquoteETag(etag string) string {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	return strings.Trim(etag, `"`)
}

// NotesClient is the Notes app's REST API v1.
type NotesClient struct{ app App }

// Notes returns the Notes API client.
func (c *Client) Notes() *NotesClient {
	return &NotesClient{app: c.AppOf(NotesApp, notesRules{})}
}

// notesRules reads the errorType the Notes app puts in its error bodies.
type notesRules struct{}

func (notesRules) Message(status int, body []byte) string { return notesMessage(status, body) }

// notesMessage turns the app's {"errorType": "OCA\\Notes\\..."} into words.
func notesMessage(status int, body []byte) string {
	var v struct {
		ErrorType string `json:"errorType"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.Message != "" {
		return v.Message
	}
	t := v.ErrorType
	if i := strings.LastIndex(t, `\`); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "NoteDoesNotExistException":
		return "the note does not exist"
	case "NoteNotWritableException":
		return "the note is read-only (shared without edit permission)"
	case "InsufficientStorageException":
		return "not enough free storage for the note"
	case "LockedException":
		return "the note's file is locked"
	case "":
		if status == http.StatusBadRequest {
			return "the Notes app rejected the request (the installed version may not support it)"
		}
		return ""
	}
	return t
}

// List fetches one chunk (or, without ChunkSize, all) of the notes.
func (c *NotesClient) List(ctx context.Context, opts NotesListOptions) (*NotesPage, error) {
	q := url.Values{}
	if opts.Category != nil {
		q.Set("category", *opts.Category)
	}
	if len(opts.Exclude) > 0 {
		q.Set("exclude", strings.Join(opts.Exclude, ","))
	}
	if opts.PruneBefore > 0 {
		q.Set("pruneBefore", strconv.FormatInt(opts.PruneBefore, 10))
	}
	if opts.ChunkSize > 0 {
		q.Set("chunkSize", strconv.Itoa(opts.ChunkSize))
	}
	if opts.ChunkCursor != "" {
		q.Set("chunkCursor", opts.ChunkCursor)
	}
	var raw []json.RawMessage
	rep, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: notesAPI + "/notes", Query: q}, &raw)
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	page := &NotesPage{Notes: []Note{}, Cursor: rep.Header.Get("X-Notes-Chunk-Cursor"), ETag: rep.Header.Get("ETag")}
	if p := rep.Header.Get("X-Notes-Chunk-Pending"); p != "" {
		page.Pending, _ = strconv.Atoi(p)
	}
	if lm := rep.Header.Get("Last-Modified"); lm != "" {
		page.LastModified, _ = http.ParseTime(lm)
	}
	for _, r := range raw {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil {
			return nil, fmt.Errorf("list notes: unexpected note in answer: %w", err)
		}
		var n Note
		if err := json.Unmarshal(r, &n); err != nil {
			return nil, fmt.Errorf("list notes: unexpected note in answer: %w", err)
		}
		if _, hasID := fields["id"]; hasID && len(fields) == 1 {
			page.PrunedIDs = append(page.PrunedIDs, n.ID)
			continue
		}
		page.Notes = append(page.Notes, n)
	}
	return page, nil
}

// maxNoteChunks bounds a paged listing, so that a Notes app that never
// ends its chunks cannot keep a caller looping.
const maxNoteChunks = 10000

// Pages lists the notes chunk by chunk (100 a chunk unless ChunkSize is
// set), following the chunk cursor from the first chunk on. It ends after
// the last chunk or with the first error; a cursor sent twice is an error,
// so that a caller never takes a partial listing for the whole.
func (c *NotesClient) Pages(ctx context.Context, opts NotesListOptions) iter.Seq2[*NotesPage, error] {
	return func(yield func(*NotesPage, error) bool) {
		if opts.ChunkSize <= 0 {
			opts.ChunkSize = 100
		}
		opts.ChunkCursor = ""
		for range maxNoteChunks {
			page, err := c.List(ctx, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.Cursor == "" {
				return
			}
			if page.Cursor == opts.ChunkCursor {
				yield(nil, errors.New("list notes: the Notes app sent the same chunk cursor twice"))
				return
			}
			opts.ChunkCursor = page.Cursor
		}
		yield(nil, errors.New("list notes: too many chunks"))
	}
}

// All fetches every note (of a category, when set) chunk by chunk.
func (c *NotesClient) All(ctx context.Context, opts NotesListOptions) ([]Note, error) {
	var all []Note
	seen := map[int64]bool{}
	for page, err := range c.Pages(ctx, opts) {
		if err != nil {
			return nil, err
		}
		for _, n := range page.Notes {
			if !seen[n.ID] {
				seen[n.ID] = true
				all = append(all, n)
			}
		}
	}
	return all, nil
}

func notePath(id int64) string { return notesAPI + "/notes/" + strconv.FormatInt(id, 10) }

// Get fetches one note with its content and ETag.
func (c *NotesClient) Get(ctx context.Context, id int64) (*Note, error) {
	var n Note
	rep, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: notePath(id)}, &n)
	if err != nil {
		return nil, fmt.Errorf("get note %d: %w", id, err)
	}
	if n.ETag == "" {
		n.ETag = UnquoteETag(rep.Header.Get("ETag"))
	}
	return &n, nil
}

// Create creates a note. Nextcloud sanitises the title and makes it
// unique in its category; the returned note has the title it chose.
func (c *NotesClient) Create(ctx context.Context, in NoteInput) (*Note, error) {
	var n Note
	if _, err := c.app.Call(ctx, Request{Method: http.MethodPost, Path: notesAPI + "/notes", Body: in}, &n); err != nil {
		return nil, fmt.Errorf("create note: %w", err)
	}
	return &n, nil
}

// Update changes the given attributes of a note. With ifMatch (the note's
// etag, quoted or not) Nextcloud refuses the change if the note changed
// meanwhile; that yields a *NoteConflictError carrying the current note.
// Without ifMatch the change is unconditional.
func (c *NotesClient) Update(ctx context.Context, id int64, in NoteInput, ifMatch string) (*Note, error) {
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", QuoteETag(ifMatch))
	}
	// A 412 carries the current note; it is read even when it is not one.
	var raw []byte
	rep, err := c.app.Call(ctx, Request{Method: http.MethodPut, Path: notePath(id), Header: h, Body: in, Raw: &raw, Pass: []int{http.StatusPreconditionFailed}}, nil)
	if err != nil {
		return nil, fmt.Errorf("update note %d: %w", id, err)
	}
	var n Note
	decodeErr := json.Unmarshal(raw, &n)
	if rep.Status == http.StatusPreconditionFailed {
		ce := &NoteConflictError{ID: id, IfMatch: QuoteETag(ifMatch)}
		if decodeErr == nil && n.ID != 0 {
			ce.Current = &n
		}
		return nil, fmt.Errorf("update note %d: %w", id, ce)
	}
	if decodeErr != nil {
		return nil, fmt.Errorf("nextcloud PUT %s: unexpected answer from the Notes app: %w", notePath(id), decodeErr)
	}
	return &n, nil
}

// Append adds text on a new line at the end of a note without rewriting
// what others changed meanwhile: the update is conditional on the etag
// and retried on a fresh copy, so the text lands exactly once. With
// ifMatch the note must still be at that etag, or a *NoteConflictError
// says it changed.
func (c *NotesClient) Append(ctx context.Context, id int64, text, ifMatch string) (*Note, error) {
	const attempts = 4
	for range attempts {
		cur, err := c.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if ifMatch != "" && UnquoteETag(ifMatch) != cur.ETag {
			return nil, &NoteConflictError{ID: id, IfMatch: QuoteETag(ifMatch), Current: cur}
		}
		want := appendLine(cur.Content, text)
		n, err := c.Update(ctx, id, NoteInput{Content: &want}, cur.ETag)
		if err == nil {
			return n, nil
		}
		var ce *NoteConflictError
		if !errors.As(err, &ce) {
			return nil, err
		}
		// A retried PUT whose first try landed sees its own change: done.
		if ce.Current != nil && ce.Current.Content == want {
			return ce.Current, nil
		}
		if ifMatch != "" {
			return nil, err
		}
	}
	return nil, fmt.Errorf("note %d kept changing while appending (%d attempts); nothing was appended, try again later: %w", id, attempts, ErrConflict)
}

// appendLine puts text on a new line after content.
func appendLine(content, text string) string {
	if content == "" || strings.HasSuffix(content, "\n") {
		return content + text
	}
	return content + "\n" + text
}

// Delete deletes a note.
func (c *NotesClient) Delete(ctx context.Context, id int64) error {
	if _, err := c.app.Call(ctx, Request{Method: http.MethodDelete, Path: notePath(id)}, nil); err != nil {
		return fmt.Errorf("delete note %d: %w", id, err)
	}
	return nil
}

// Settings reads the user's Notes settings.
func (c *NotesClient) Settings(ctx context.Context) (*NotesSettings, error) {
	var s NotesSettings
	if _, err := c.app.Call(ctx, Request{Method: http.MethodGet, Path: notesAPI + "/settings"}, &s); err != nil {
		return nil, fmt.Errorf("get notes settings: %w", err)
	}
	return &s, nil
}

// SetSettings changes the non-empty settings; Nextcloud sanitises the
// values, so the returned settings may differ from the request.
func (c *NotesClient) SetSettings(ctx context.Context, s NotesSettings) (*NotesSettings, error) {
	body := map[string]string{}
	if s.NotesPath != "" {
		body["notesPath"] = s.NotesPath
	}
	if s.FileSuffix != "" {
		body["fileSuffix"] = s.FileSuffix
	}
	var out NotesSettings
	if _, err := c.app.Call(ctx, Request{Method: http.MethodPut, Path: notesAPI + "/settings", Body: body}, &out); err != nil {
		return nil, fmt.Errorf("set notes settings: %w", err)
	}
	return &out, nil
}

// Attachment downloads a file a note embeds (Notes API 1.4, GET
// attachment/{noteid}?path=): path is relative to the note's folder, as
// the note's Markdown references it (".attachments.42/photo.png"). At most
// limit bytes are read.
func (c *NotesClient) Attachment(ctx context.Context, noteID int64, path string, limit int64) (*Download, error) {
	if path == "" || strings.HasPrefix(path, "/") || strings.Contains("/"+path+"/", "/../") {
		return nil, &InputError{Err: fmt.Errorf("attachment path %q must be relative to the note's folder, without \"..\", like .attachments.%d/photo.png", path, noteID)}
	}
	d, err := c.app.download(ctx, "/index.php/apps/notes/api/v1.4/attachment/"+strconv.FormatInt(noteID, 10), url.Values{"path": {path}}, limit)
	if err != nil {
		return nil, fmt.Errorf("get attachment %q of note %d: %w", path, noteID, err)
	}
	if d.Name == "" {
		d.Name = path[strings.LastIndex(path, "/")+1:]
	}
	return d, nil
}

// FilePath is where a note's file lives in the user's files: the notes
// folder, the category as subfolders, the title and the file suffix, as
// the Notes app names it (the note id is that file's id).
func (c *NotesClient) FilePath(ctx context.Context, n *Note) (string, error) {
	s, err := c.Settings(ctx)
	if err != nil {
		return "", err
	}
	suffix := s.FileSuffix
	if suffix == "" {
		suffix = ".md"
	}
	parts := []string{strings.Trim(s.NotesPath, "/")}
	if n.Category != "" {
		parts = append(parts, strings.Trim(n.Category, "/"))
	}
	parts = append(parts, n.Title+suffix)
	return CleanFilePath(strings.Join(parts, "/"))
}
