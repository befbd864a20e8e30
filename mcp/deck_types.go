package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Outputs and conversions that several Deck tools share.

type deckLabelOut struct {
	ID    int64  `json:"id" jsonschema:"label id"`
	Title string `json:"title" jsonschema:"label title"`
	Color string `json:"color" jsonschema:"hex color without #"`
}

type deckMemberOut struct {
	UserID      string `json:"user_id" jsonschema:"Nextcloud user id"`
	DisplayName string `json:"display_name" jsonschema:"display name"`
}

type deckBoardOut struct {
	ID           int64  `json:"id" jsonschema:"board id"`
	Title        string `json:"title" jsonschema:"board title"`
	Color        string `json:"color" jsonschema:"hex color without #"`
	Archived     bool   `json:"archived" jsonschema:"whether the board is archived"`
	Owner        string `json:"owner" jsonschema:"user id of the owner"`
	SharedWithMe bool   `json:"shared_with_me" jsonschema:"true when someone else owns the board and shared it with you"`
	CanEdit      bool   `json:"can_edit" jsonschema:"you may change cards"`
	CanManage    bool   `json:"can_manage" jsonschema:"you may change the board, its stacks and labels"`
}

type deckCardBrief struct {
	ID              int64    `json:"id" jsonschema:"card id"`
	Title           string   `json:"title" jsonschema:"card title"`
	BoardID         int64    `json:"board_id" jsonschema:"board id"`
	StackID         int64    `json:"stack_id" jsonschema:"stack id"`
	StackTitle      string   `json:"stack_title,omitempty" jsonschema:"stack title"`
	Order           int      `json:"order" jsonschema:"position in the stack"`
	DueDate         string   `json:"due_date,omitempty" jsonschema:"due date, ISO-8601"`
	Overdue         bool     `json:"overdue" jsonschema:"the due date has passed"`
	Done            bool     `json:"done" jsonschema:"marked as done"`
	Archived        bool     `json:"archived" jsonschema:"archived"`
	Labels          []string `json:"labels" jsonschema:"label titles"`
	Assignees       []string `json:"assignees" jsonschema:"user ids of the assigned users"`
	CommentsCount   int      `json:"comments_count" jsonschema:"number of comments"`
	AttachmentCount int      `json:"attachment_count" jsonschema:"number of attachments"`
}

type deckAttachmentOut struct {
	ID        int64  `json:"id" jsonschema:"attachment id"`
	Type      string `json:"type" jsonschema:"file (a Nextcloud file shared with the card) or deck_file (stored by Deck)"`
	Name      string `json:"name" jsonschema:"file name"`
	Path      string `json:"path,omitempty" jsonschema:"path in the owner's Nextcloud files (type file)"`
	Mimetype  string `json:"mimetype,omitempty" jsonschema:"MIME type"`
	Size      int64  `json:"size" jsonschema:"size in bytes"`
	CreatedBy string `json:"created_by" jsonschema:"user who attached it"`
	CreatedAt string `json:"created_at" jsonschema:"when it was attached"`
}

type deckCardOut struct {
	deckCardBrief
	Description string              `json:"description" jsonschema:"Markdown description"`
	Owner       string              `json:"owner" jsonschema:"user id of the card's owner"`
	CreatedAt   string              `json:"created_at" jsonschema:"creation time"`
	Modified    string              `json:"last_modified" jsonschema:"last change"`
	LabelsFull  []deckLabelOut      `json:"label_details" jsonschema:"labels with ids and colors"`
	Assigned    []deckMemberOut     `json:"assigned_users" jsonschema:"assigned users"`
	Attachments []deckAttachmentOut `json:"attachments" jsonschema:"attachments"`
	URL         string              `json:"url" jsonschema:"link to the card in the Deck web app"`
}

func (o deckCardOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Card #%d %s (board #%d, stack #%d %s)", o.ID, o.Title, o.BoardID, o.StackID, o.StackTitle)
	if o.Archived {
		b.WriteString(", archived")
	}
	if o.Done {
		b.WriteString(", done")
	}
	if o.DueDate != "" {
		fmt.Fprintf(&b, "\nDue: %s", o.DueDate)
		if o.Overdue {
			b.WriteString(" (overdue)")
		}
	}
	if len(o.Labels) > 0 {
		fmt.Fprintf(&b, "\nLabels: %s", strings.Join(o.Labels, ", "))
	}
	if len(o.Assignees) > 0 {
		fmt.Fprintf(&b, "\nAssigned: %s", strings.Join(o.Assignees, ", "))
	}
	fmt.Fprintf(&b, "\nComments: %d, attachments: %d", o.CommentsCount, len(o.Attachments))
	if o.Description != "" {
		fmt.Fprintf(&b, "\n\n%s", o.Description)
	}
	return b.String()
}

// deckDoneOut reports a change that returns nothing else worth showing.
type deckDoneOut struct {
	Message string `json:"message" jsonschema:"what was done"`
}

func (o deckDoneOut) Summary() string { return o.Message }

func deckBoardFrom(b *nextcloud.DeckBoard, me string) deckBoardOut {
	return deckBoardOut{
		ID: b.ID, Title: b.Title, Color: b.Color, Archived: b.Archived, Owner: b.Owner.UID,
		SharedWithMe: b.Owner.UID != "" && b.Owner.UID != me,
		CanEdit:      b.Permissions.Edit, CanManage: b.Permissions.Manage,
	}
}

func deckLabelFrom(l *nextcloud.DeckLabel) deckLabelOut {
	return deckLabelOut{ID: l.ID, Title: l.Title, Color: l.Color}
}

func deckLabelsFrom(ls []nextcloud.DeckLabel) []deckLabelOut {
	out := make([]deckLabelOut, 0, len(ls))
	for i := range ls {
		out = append(out, deckLabelFrom(&ls[i]))
	}
	return out
}

func deckUnix(sec int64) string {
	if sec <= 0 {
		return ""
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

func deckBriefFrom(c *nextcloud.DeckCard, boardID int64, stackTitle string) deckCardBrief {
	b := deckCardBrief{
		ID: c.ID, Title: c.Title, BoardID: boardID, StackID: c.StackID, StackTitle: stackTitle, Order: c.Order,
		Done: c.IsDone(), Archived: c.Archived, Labels: []string{}, Assignees: []string{},
		CommentsCount: c.CommentsCount, AttachmentCount: c.AttachmentCount,
	}
	if c.Duedate != nil {
		b.DueDate = *c.Duedate
		b.Overdue = c.OverdueAt(time.Now())
	}
	for _, l := range c.Labels {
		b.Labels = append(b.Labels, l.Title)
	}
	for _, a := range c.AssignedUsers {
		b.Assignees = append(b.Assignees, a.Participant.UID)
	}
	return b
}

// deckLiveAttachments converts the attachments not deleted (Deck keeps
// deleted ones for a while); never nil.
func deckLiveAttachments(as []nextcloud.DeckAttachment) []deckAttachmentOut {
	out := []deckAttachmentOut{}
	for _, a := range as {
		if a.DeletedAt == 0 {
			out = append(out, deckAttachmentFrom(a))
		}
	}
	return out
}

func deckAttachmentFrom(a nextcloud.DeckAttachment) deckAttachmentOut {
	name := a.ExtendedData.Info.Basename
	if name == "" {
		name = a.Data
	}
	return deckAttachmentOut{
		ID: a.ID, Type: a.Type, Name: name, Path: a.ExtendedData.Path, Mimetype: a.ExtendedData.Mimetype,
		Size: a.ExtendedData.Filesize, CreatedBy: a.CreatedBy, CreatedAt: deckUnix(a.CreatedAt),
	}
}

// deckCardFrom is the full card answer; it reads the board's stacks for
// the stack title.
func deckCardFrom(ctx context.Context, nc *nextcloud.Client, d *nextcloud.DeckClient, boardID int64, c *nextcloud.DeckCard) deckCardOut {
	stackTitle := ""
	if stacks, err := d.Stacks(ctx, boardID); err == nil {
		for _, s := range stacks {
			if s.ID == c.StackID {
				stackTitle = s.Title
			}
		}
	}
	out := deckCardOut{
		deckCardBrief: deckBriefFrom(c, boardID, stackTitle),
		Description:   c.Description, Owner: c.Owner.UID,
		CreatedAt: deckUnix(c.CreatedAt), Modified: deckUnix(c.LastModified),
		LabelsFull: deckLabelsFrom(c.Labels), Assigned: []deckMemberOut{}, Attachments: deckLiveAttachments(c.Attachments),
		URL: deckURL(nc, boardID, c.ID),
	}
	for _, a := range c.AssignedUsers {
		out.Assigned = append(out.Assigned, deckMemberOut{UserID: a.Participant.UID, DisplayName: a.Participant.DisplayName})
	}
	out.AttachmentCount = len(out.Attachments)
	return out
}

// deckOnBoard is an input that names a board.
type deckOnBoard interface{ board() int64 }

// deckCardAnswer is the handler of the tools that answer with one card:
// step reads or changes the card and returns it as it is afterwards.
func deckCardAnswer[In deckOnBoard](cache *nextcloud.DeckCache, step func(context.Context, *nextcloud.DeckClient, In) (*nextcloud.DeckCard, error)) func(context.Context, *nextcloud.Client, In) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in In) (deckCardOut, error) {
		d := nc.Deck(cache)
		c, err := step(ctx, d, in)
		if err != nil {
			return deckCardOut{}, err
		}
		return deckCardFrom(ctx, nc, d, in.board(), c), nil
	}
}
