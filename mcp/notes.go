package mcp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// noteBrief is a note in lists, without its content unless asked for.
type noteBrief struct {
	ID       int64  `json:"id" jsonschema:"the note id"`
	Title    string `json:"title" jsonschema:"the note title"`
	Category string `json:"category" jsonschema:"the category (folder); empty for uncategorized notes"`
	Favorite bool   `json:"favorite" jsonschema:"whether the note is a favorite"`
	Modified string `json:"modified" jsonschema:"last change, RFC 3339"`
	ETag     string `json:"etag" jsonschema:"the note's etag; pass it to nc_notes_update to refuse the edit if the note changed meanwhile"`
	ReadOnly bool   `json:"readonly" jsonschema:"true if the note was shared without edit permission"`
	Content  string `json:"content,omitempty" jsonschema:"the note's Markdown content, when asked for"`
}

func noteBriefOf(n nextcloud.Note, withContent bool) noteBrief {
	b := noteBrief{ID: n.ID, Title: n.Title, Category: n.Category, Favorite: n.Favorite,
		Modified: n.ModifiedTime().Format(time.RFC3339), ETag: n.ETag, ReadOnly: n.ReadOnly}
	if withContent {
		b.Content = n.Content
	}
	return b
}

// noteOut is one whole note.
type noteOut struct {
	ID       int64  `json:"id" jsonschema:"the note id"`
	Title    string `json:"title" jsonschema:"the note title (Nextcloud may have sanitised it or added a number to make it unique)"`
	Category string `json:"category" jsonschema:"the category (folder); empty for uncategorized notes"`
	Favorite bool   `json:"favorite" jsonschema:"whether the note is a favorite"`
	Modified string `json:"modified" jsonschema:"last change, RFC 3339"`
	ETag     string `json:"etag" jsonschema:"the note's etag; pass it to nc_notes_update or nc_notes_append to refuse the edit if the note changed meanwhile"`
	ReadOnly bool   `json:"readonly" jsonschema:"true if the note was shared without edit permission"`
	Content  string `json:"content" jsonschema:"the note's Markdown content"`
	// Action says what the tool did, for the text summary.
	Action string `json:"action,omitempty" jsonschema:"what was done: created, updated, appended"`
}

func noteOutOf(n *nextcloud.Note, action string) noteOut {
	return noteOut{ID: n.ID, Title: n.Title, Category: n.Category, Favorite: n.Favorite,
		Modified: n.ModifiedTime().Format(time.RFC3339), ETag: n.ETag, ReadOnly: n.ReadOnly, Content: n.Content, Action: action}
}

func (o noteOut) Summary() string {
	var b strings.Builder
	if o.Action != "" {
		fmt.Fprintf(&b, "Note %d %s.\n", o.ID, o.Action)
	}
	fmt.Fprintf(&b, "# %s\n(id %d", o.Title, o.ID)
	if o.Category != "" {
		fmt.Fprintf(&b, ", category %q", o.Category)
	}
	if o.Favorite {
		b.WriteString(", favorite")
	}
	if o.ReadOnly {
		b.WriteString(", read-only")
	}
	fmt.Fprintf(&b, ", modified %s, etag %s)\n\n%s", o.Modified, o.ETag, o.Content)
	return b.String()
}

var noteCursorRE = regexp.MustCompile(`^\d+-\d+-\d+$`)

type noteIDIn struct {
	ID int64 `json:"id" jsonschema:"the note id, from nc_notes_list or nc_notes_search"`
}

func (in *noteIDIn) Validate() error { return validNoteID(in.ID) }

func validNoteID(id int64) error { return idArg("id", id, "nc_notes_list") }

type noteCategory struct {
	Name  string `json:"name" jsonschema:"the category; empty for uncategorized notes"`
	Count int    `json:"count" jsonschema:"number of notes in it"`
}

// NotesToolset offers the Notes app (REST API v1).
func NotesToolset(env *Env) Toolset {
	return Toolset{
		Name:        "notes",
		Description: "Nextcloud Notes: Markdown notes in categories",
		App:         nextcloud.NotesApp,
		Tools: []Tool{
			notesList(env),
			notesGet(env),
			notesSearch(env),
			notesCreate(env),
			notesUpdate(env),
			notesAppend(env),
			notesDelete(env),
			notesCategories(env),
			notesGetAttachment(env),
		},
		Templates: []ResourceTemplate{notesAttachmentResource(env), {
			Template: mcpgo.NewResourceTemplate("nextcloud://notes/{id}", "Nextcloud note",
				mcpgo.WithTemplateDescription("A note's Markdown content by note id"),
				mcpgo.WithTemplateMIMEType("text/markdown")),
			Scope: "notes:read",
			Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				raw, _ := strings.CutPrefix(req.Params.URI, "nextcloud://notes/")
				id, err := strconv.ParseInt(raw, 10, 64)
				if err != nil || id <= 0 {
					return nil, Argf("%q is not a note URI like nextcloud://notes/42", req.Params.URI)
				}
				n, err := nc.Notes().Get(ctx, id)
				if err != nil {
					return nil, err
				}
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: n.Content}}, nil
			},
		}},
	}
}

type notesListIn struct {
	Category       *string `json:"category,omitempty" jsonschema:"only notes of this exact category; an empty string lists uncategorized notes"`
	Limit          int     `json:"limit,omitempty" jsonschema:"notes per page, 1 to 500 (default 50)"`
	Cursor         string  `json:"cursor,omitempty" jsonschema:"next_cursor from the previous page; leave out for the first page"`
	IncludeContent bool    `json:"include_content,omitempty" jsonschema:"also return each note's content (default false: titles only)"`
}

func (in *notesListIn) Validate() error {
	if err := limitArg("limit", in.Limit, 500); err != nil {
		return err
	}
	if in.Cursor != "" && !noteCursorRE.MatchString(in.Cursor) {
		return fmt.Errorf("cursor %q is not a next_cursor from nc_notes_list; leave it out to start at the first page", in.Cursor)
	}
	return nil
}

type notesListOut struct {
	Notes      []noteBrief `json:"notes" jsonschema:"the notes of this page, oldest change first (the Notes API's paging order)"`
	NextCursor string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page; absent on the last page"`
	Pending    int         `json:"pending,omitempty" jsonschema:"how many notes the following pages hold"`
}

func (o notesListOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d notes", len(o.Notes))
	if o.NextCursor != "" {
		fmt.Fprintf(&b, " (%d more: call again with cursor %q)", o.Pending, o.NextCursor)
	}
	b.WriteString(":\n")
	for _, n := range o.Notes {
		fmt.Fprintf(&b, "- [%d] %s", n.ID, n.Title)
		if n.Category != "" {
			fmt.Fprintf(&b, " (%s)", n.Category)
		}
		fmt.Fprintf(&b, ", modified %s\n", n.Modified)
	}
	return b.String()
}

// notesList is nc_notes_list (list notes).
func notesList(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_list", Title: "List notes",
		Description: "List the user's notes (id, title, category, modified, etag), optionally of one category. Pages with a cursor: pass next_cursor back to get the next page. Use nc_notes_get for a note's content.",
		Scope:       "notes:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in notesListIn) (notesListOut, error) {
			limit := in.Limit
			if limit == 0 {
				limit = 50
			}
			opts := nextcloud.NotesListOptions{Category: in.Category, ChunkSize: limit, ChunkCursor: in.Cursor}
			if !in.IncludeContent {
				opts.Exclude = []string{"content"}
			}
			page, err := nc.Notes().List(ctx, opts)
			if err != nil {
				return notesListOut{}, err
			}
			brief := func(n *nextcloud.Note) noteBrief { return noteBriefOf(*n, in.IncludeContent) }
			return notesListOut{Notes: mapAll(page.Notes, brief), NextCursor: page.Cursor, Pending: page.Pending}, nil
		})
}

// notesGet is nc_notes_get (get note).
func notesGet(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_get", Title: "Get note",
		Description: "Get one note with its Markdown content and etag.",
		Scope:       "notes:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in noteIDIn) (noteOut, error) {
			n, err := nc.Notes().Get(ctx, in.ID)
			if err != nil {
				return noteOut{}, err
			}
			return noteOutOf(n, ""), nil
		})
}

type notesCreateIn struct {
	Title    string `json:"title" jsonschema:"the note title; Nextcloud removes characters like / : * ? and numbers duplicates"`
	Content  string `json:"content,omitempty" jsonschema:"the note's Markdown content"`
	Category string `json:"category,omitempty" jsonschema:"category (folder) for the note; use / for sub-categories; created if missing"`
	Favorite bool   `json:"favorite,omitempty" jsonschema:"mark the note as favorite"`
}

func (in *notesCreateIn) Validate() error {
	return textArg("title", in.Title)
}

// notesCreate is nc_notes_create (create note).
func notesCreate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_create", Title: "Create note",
		Description: "Create a note with a title, Markdown content and optional category. Returns the note with the title Nextcloud chose and its id and etag.",
		Scope:       "notes:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in notesCreateIn) (noteOut, error) {
			ni := nextcloud.NoteInput{Title: &in.Title, Content: &in.Content}
			if in.Category != "" {
				ni.Category = &in.Category
			}
			if in.Favorite {
				ni.Favorite = &in.Favorite
			}
			n, err := nc.Notes().Create(ctx, ni)
			if err != nil {
				return noteOut{}, err
			}
			return noteOutOf(n, "created"), nil
		})
}

type notesUpdateIn struct {
	ID       int64   `json:"id" jsonschema:"the note id"`
	Title    *string `json:"title,omitempty" jsonschema:"new title"`
	Content  *string `json:"content,omitempty" jsonschema:"new Markdown content, replacing the old content entirely"`
	Category *string `json:"category,omitempty" jsonschema:"new category; an empty string makes the note uncategorized"`
	Favorite *bool   `json:"favorite,omitempty" jsonschema:"mark or unmark as favorite"`
	ETag     string  `json:"etag,omitempty" jsonschema:"the etag you read (nc_notes_get); refused if the note changed since (default: the current etag)"`
}

func (in *notesUpdateIn) Validate() error {
	if err := validNoteID(in.ID); err != nil {
		return err
	}
	if in.Title == nil && in.Content == nil && in.Category == nil && in.Favorite == nil {
		return fmt.Errorf("nothing to change: give at least one of title, content, category, favorite")
	}
	return newTextArg("title", in.Title)
}

// notesUpdate is nc_notes_update (update note).
func notesUpdate(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_update", Title: "Update note",
		Description: "Change a note's title, content (replaced entirely), category or favorite flag. Refused, never overwritten, if the note changed meanwhile (etag). To add text at the end use nc_notes_append.",
		Scope:       "notes:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in notesUpdateIn) (noteOut, error) {
			etag := in.ETag
			if etag == "" {
				cur, err := nc.Notes().Get(ctx, in.ID)
				if err != nil {
					return noteOut{}, err
				}
				etag = cur.ETag
			}
			n, err := nc.Notes().Update(ctx, in.ID, nextcloud.NoteInput{Title: in.Title, Content: in.Content, Category: in.Category, Favorite: in.Favorite}, etag)
			if err != nil {
				return noteOut{}, noteConflictAdvice(err)
			}
			return noteOutOf(n, "updated"), nil
		})
}

type notesAppendIn struct {
	ID   int64  `json:"id" jsonschema:"the note id"`
	Text string `json:"text" jsonschema:"text to add at the end of the note; it starts on a new line"`
	ETag string `json:"etag,omitempty" jsonschema:"only append if the note still has this etag"`
}

func (in *notesAppendIn) Validate() error {
	if err := validNoteID(in.ID); err != nil {
		return err
	}
	if in.Text == "" {
		return fmt.Errorf("text must not be empty")
	}
	return nil
}

// notesAppend is nc_notes_append (append to note).
func notesAppend(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_append", Title: "Append to note",
		Description: "Add text at the end of a note (on a new line) without rewriting it. Safe against concurrent edits: the text lands exactly once.",
		Scope:       "notes:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in notesAppendIn) (noteOut, error) {
			n, err := nc.Notes().Append(ctx, in.ID, in.Text, in.ETag)
			if err != nil {
				return noteOut{}, noteConflictAdvice(err)
			}
			return noteOutOf(n, "appended"), nil
		})
}

type noteDeletedOut struct {
	ID      int64 `json:"id" jsonschema:"the deleted note's id"`
	Deleted bool  `json:"deleted" jsonschema:"true when the note was deleted"`
}

func (o noteDeletedOut) Summary() string { return fmt.Sprintf("Deleted note %d.", o.ID) }

// notesDelete is nc_notes_delete (delete note).
func notesDelete(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_delete", Title: "Delete note",
		Description: "Delete a note (its file goes to the Nextcloud trash bin).",
		Scope:       "notes:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in noteIDIn) (noteDeletedOut, error) {
			if err := nc.Notes().Delete(ctx, in.ID); err != nil {
				return noteDeletedOut{}, err
			}
			return noteDeletedOut{ID: in.ID, Deleted: true}, nil
		})
}

type notesCategoriesIn struct{}

type notesCategoriesOut struct {
	Categories []noteCategory `json:"categories" jsonschema:"categories in use, by name"`
	TotalNotes int            `json:"total_notes" jsonschema:"number of notes"`
}

func (o notesCategoriesOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d categories over %d notes:\n", len(o.Categories), o.TotalNotes)
	for _, c := range o.Categories {
		name := c.Name
		if name == "" {
			name = "(uncategorized)"
		}
		fmt.Fprintf(&b, "- %s: %d\n", name, c.Count)
	}
	return b.String()
}

// notesCategories is nc_notes_categories (list note categories).
func notesCategories(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_categories", Title: "List note categories",
		Description: "List the categories in use with the number of notes in each.",
		Scope:       "notes:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ notesCategoriesIn) (notesCategoriesOut, error) {
			notes, err := nc.Notes().All(ctx, nextcloud.NotesListOptions{Exclude: []string{"content", "title", "favorite", "modified", "readonly"}})
			if err != nil {
				return notesCategoriesOut{}, err
			}
			counts := map[string]int{}
			for _, n := range notes {
				counts[n.Category]++
			}
			out := notesCategoriesOut{Categories: make([]noteCategory, 0, len(counts)), TotalNotes: len(notes)}
			for name, c := range counts {
				out.Categories = append(out.Categories, noteCategory{Name: name, Count: c})
			}
			sort.Slice(out.Categories, func(i, j int) bool { return out.Categories[i].Name < out.Categories[j].Name })
			return out, nil
		})
}

// noteConflictAdvice adds what the model should do after a refused edit.
func noteConflictAdvice(err error) error {
	var ce *nextcloud.NoteConflictError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w. Read it with nc_notes_get, merge your change into the current content and update with its new etag", err)
	}
	return err
}
