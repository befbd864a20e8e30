package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
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

// notesAnswer is a Notes API answer read in full.
type notesAnswer struct {
	status int
	header http.Header
	body   []byte
}

// notesCall sends one request to the Notes API. It tells an app that is
// off (an HTML 404 page) from a missing note (a JSON 404) and reads the
// errorType the app puts in its error bodies. A 412 is returned as is so
// that the caller can read the current note from the body.
func (c *Client) notesCall(ctx context.Context, method, path string, query url.Values, header http.Header, body any) (*notesAnswer, error) {
	req, err := c.newJSONRequest(ctx, method, withQuery(notesAPI+path, query), header, body, "notes request body")
	if err != nil {
		return nil, err
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer of notes %s %s: %w", method, req.URL.Path, err)
	}
	ans := &notesAnswer{status: resp.StatusCode, header: resp.Header, body: data}
	if resp.StatusCode < 300 || resp.StatusCode == http.StatusPreconditionFailed {
		return ans, nil
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusNotFound && ct != "application/json" {
		return nil, fmt.Errorf("nextcloud %s %s: the Notes app (\"notes\") is not installed or not enabled on this Nextcloud; ask an administrator to enable it: %w",
			method, req.URL.Path, ErrAppNotEnabled)
	}
	e := &Error{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Hint: hintFor(resp.StatusCode), App: "notes"}
	e.Message = notesMessage(resp.StatusCode, data)
	if e.Message == "" {
		e.Message = messageFrom(resp.Header.Get("Content-Type"), data)
	}
	return nil, e
}

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

func decodeNote(method, path string, body []byte) (*Note, error) {
	var n Note
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("nextcloud %s %s%s: unexpected answer from the Notes app: %w", method, notesAPI, path, err)
	}
	return &n, nil
}

// ListNotes fetches one chunk (or, without ChunkSize, all) of the notes.
func (c *Client) ListNotes(ctx context.Context, opts NotesListOptions) (*NotesPage, error) {
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
	ans, err := c.notesCall(ctx, http.MethodGet, "/notes", q, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(ans.body, &raw); err != nil {
		return nil, fmt.Errorf("list notes: unexpected answer from the Notes app: %w", err)
	}
	page := &NotesPage{Notes: []Note{}, Cursor: ans.header.Get("X-Notes-Chunk-Cursor"), ETag: ans.header.Get("ETag")}
	if p := ans.header.Get("X-Notes-Chunk-Pending"); p != "" {
		page.Pending, _ = strconv.Atoi(p)
	}
	if lm := ans.header.Get("Last-Modified"); lm != "" {
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

// AllNotes fetches every note (of a category, when set) chunk by chunk.
func (c *Client) AllNotes(ctx context.Context, opts NotesListOptions) ([]Note, error) {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 100
	}
	opts.ChunkCursor = ""
	var all []Note
	seen := map[int64]bool{}
	for range 10000 {
		page, err := c.ListNotes(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, n := range page.Notes {
			if !seen[n.ID] {
				seen[n.ID] = true
				all = append(all, n)
			}
		}
		if page.Cursor == "" {
			return all, nil
		}
		if page.Cursor == opts.ChunkCursor {
			return nil, fmt.Errorf("list notes: the Notes app sent the same chunk cursor twice")
		}
		opts.ChunkCursor = page.Cursor
	}
	return nil, errors.New("list notes: too many chunks")
}

// GetNote fetches one note with its content and ETag.
func (c *Client) GetNote(ctx context.Context, id int64) (*Note, error) {
	path := "/notes/" + strconv.FormatInt(id, 10)
	ans, err := c.notesCall(ctx, http.MethodGet, path, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("get note %d: %w", id, err)
	}
	n, err := decodeNote(http.MethodGet, path, ans.body)
	if err != nil {
		return nil, err
	}
	if n.ETag == "" {
		n.ETag = UnquoteETag(ans.header.Get("ETag"))
	}
	return n, nil
}

// CreateNote creates a note. Nextcloud sanitises the title and makes it
// unique in its category; the returned note has the title it chose.
func (c *Client) CreateNote(ctx context.Context, in NoteInput) (*Note, error) {
	ans, err := c.notesCall(ctx, http.MethodPost, "/notes", nil, nil, in)
	if err != nil {
		return nil, fmt.Errorf("create note: %w", err)
	}
	return decodeNote(http.MethodPost, "/notes", ans.body)
}

// UpdateNote changes the given attributes of a note. With ifMatch (the
// note's etag, quoted or not) Nextcloud refuses the change if the note
// changed meanwhile; that yields a *NoteConflictError carrying the current
// note. Without ifMatch the change is unconditional.
func (c *Client) UpdateNote(ctx context.Context, id int64, in NoteInput, ifMatch string) (*Note, error) {
	path := "/notes/" + strconv.FormatInt(id, 10)
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", QuoteETag(ifMatch))
	}
	ans, err := c.notesCall(ctx, http.MethodPut, path, nil, h, in)
	if err != nil {
		return nil, fmt.Errorf("update note %d: %w", id, err)
	}
	if ans.status == http.StatusPreconditionFailed {
		ce := &NoteConflictError{ID: id, IfMatch: QuoteETag(ifMatch)}
		if cur, err := decodeNote(http.MethodPut, path, ans.body); err == nil && cur.ID != 0 {
			ce.Current = cur
		}
		return nil, fmt.Errorf("update note %d: %w", id, ce)
	}
	return decodeNote(http.MethodPut, path, ans.body)
}

// DeleteNote deletes a note.
func (c *Client) DeleteNote(ctx context.Context, id int64) error {
	if _, err := c.notesCall(ctx, http.MethodDelete, "/notes/"+strconv.FormatInt(id, 10), nil, nil, nil); err != nil {
		return fmt.Errorf("delete note %d: %w", id, err)
	}
	return nil
}

// GetNotesSettings reads the user's Notes settings.
func (c *Client) GetNotesSettings(ctx context.Context) (*NotesSettings, error) {
	ans, err := c.notesCall(ctx, http.MethodGet, "/settings", nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("get notes settings: %w", err)
	}
	var s NotesSettings
	if err := json.Unmarshal(bytes.TrimSpace(ans.body), &s); err != nil {
		return nil, fmt.Errorf("get notes settings: unexpected answer: %w", err)
	}
	return &s, nil
}

// SetNotesSettings changes the non-empty settings; Nextcloud sanitises the
// values, so the returned settings may differ from the request.
func (c *Client) SetNotesSettings(ctx context.Context, s NotesSettings) (*NotesSettings, error) {
	body := map[string]string{}
	if s.NotesPath != "" {
		body["notesPath"] = s.NotesPath
	}
	if s.FileSuffix != "" {
		body["fileSuffix"] = s.FileSuffix
	}
	ans, err := c.notesCall(ctx, http.MethodPut, "/settings", nil, nil, body)
	if err != nil {
		return nil, fmt.Errorf("set notes settings: %w", err)
	}
	var out NotesSettings
	if err := json.Unmarshal(ans.body, &out); err != nil {
		return nil, fmt.Errorf("set notes settings: unexpected answer: %w", err)
	}
	return &out, nil
}
