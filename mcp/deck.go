package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// ---- outputs ----

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

type deckBoardsOut struct {
	Boards []deckBoardOut `json:"boards" jsonschema:"the boards"`
	Count  int            `json:"count" jsonschema:"number of boards listed"`
}

func (o deckBoardsOut) Summary() string {
	if o.Count == 0 {
		return "No Deck boards match."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d Deck board(s):", o.Count)
	for _, x := range o.Boards {
		fmt.Fprintf(&b, "\n- #%d %s", x.ID, x.Title)
		if x.Archived {
			b.WriteString(" (archived)")
		}
		if x.SharedWithMe {
			fmt.Fprintf(&b, " (shared by %s)", x.Owner)
		}
	}
	return b.String()
}

type deckStackOut struct {
	ID                int64           `json:"id" jsonschema:"stack id"`
	Title             string          `json:"title" jsonschema:"stack title"`
	Order             int             `json:"order" jsonschema:"position from left to right"`
	CardCount         int             `json:"card_count" jsonschema:"active cards in the stack"`
	ArchivedCardCount int             `json:"archived_card_count" jsonschema:"archived cards in the stack"`
	OverdueCount      int             `json:"overdue_count" jsonschema:"active cards past their due date"`
	Cards             []deckCardBrief `json:"cards,omitempty" jsonschema:"the stack's cards, when asked for"`
}

type deckBoardDetailOut struct {
	Board             deckBoardOut    `json:"board" jsonschema:"the board"`
	Labels            []deckLabelOut  `json:"labels" jsonschema:"labels defined on the board"`
	Members           []deckMemberOut `json:"members" jsonschema:"users with access to the board"`
	Stacks            []deckStackOut  `json:"stacks" jsonschema:"stacks in order, with card counts"`
	CardCount         int             `json:"card_count" jsonschema:"active cards on the board"`
	ArchivedCardCount int             `json:"archived_card_count" jsonschema:"archived cards on the board"`
	URL               string          `json:"url" jsonschema:"link to the board in the Deck web app"`
}

func (o deckBoardDetailOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Board #%d %s: %d active card(s), %d archived.", o.Board.ID, o.Board.Title, o.CardCount, o.ArchivedCardCount)
	for _, s := range o.Stacks {
		fmt.Fprintf(&b, "\n- stack #%d %s: %d card(s)", s.ID, s.Title, s.CardCount)
		if s.OverdueCount > 0 {
			fmt.Fprintf(&b, ", %d overdue", s.OverdueCount)
		}
	}
	if len(o.Labels) > 0 {
		names := make([]string, len(o.Labels))
		for i, l := range o.Labels {
			names[i] = l.Title
		}
		fmt.Fprintf(&b, "\nLabels: %s", strings.Join(names, ", "))
	}
	return b.String()
}

type deckStacksOut struct {
	BoardID int64          `json:"board_id" jsonschema:"board id"`
	Stacks  []deckStackOut `json:"stacks" jsonschema:"stacks in order"`
}

func (o deckStacksOut) Summary() string {
	if len(o.Stacks) == 0 {
		return fmt.Sprintf("Board #%d has no such stacks.", o.BoardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d stack(s) on board #%d:", len(o.Stacks), o.BoardID)
	for _, s := range o.Stacks {
		fmt.Fprintf(&b, "\n- #%d %s (%d card(s), %d archived)", s.ID, s.Title, s.CardCount, s.ArchivedCardCount)
	}
	return b.String()
}

type deckStackOneOut struct {
	BoardID int64        `json:"board_id" jsonschema:"board id"`
	Stack   deckStackOut `json:"stack" jsonschema:"the stack"`
}

func (o deckStackOneOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stack #%d %s on board #%d (order %d), %d card(s)", o.Stack.ID, o.Stack.Title, o.BoardID, o.Stack.Order, o.Stack.CardCount)
	for _, c := range o.Stack.Cards {
		fmt.Fprintf(&b, "\n- #%d %s", c.ID, c.Title)
	}
	return b.String()
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

type deckCardsOut struct {
	BoardID   int64           `json:"board_id" jsonschema:"board id"`
	Cards     []deckCardBrief `json:"cards" jsonschema:"matching cards"`
	Total     int             `json:"total" jsonschema:"number of matching cards"`
	Truncated bool            `json:"truncated" jsonschema:"more cards match than were returned; raise limit or narrow the filters"`
}

func (o deckCardsOut) Summary() string {
	if o.Total == 0 {
		return fmt.Sprintf("No cards on board #%d match.", o.BoardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d card(s) on board #%d", o.Total, o.BoardID)
	if o.Truncated {
		fmt.Fprintf(&b, " (showing %d)", len(o.Cards))
	}
	b.WriteString(":")
	for _, c := range o.Cards {
		fmt.Fprintf(&b, "\n- #%d %s [%s]", c.ID, c.Title, c.StackTitle)
		if c.DueDate != "" {
			fmt.Fprintf(&b, " due %s", c.DueDate)
		}
		if len(c.Labels) > 0 {
			fmt.Fprintf(&b, " labels: %s", strings.Join(c.Labels, ", "))
		}
		if len(c.Assignees) > 0 {
			fmt.Fprintf(&b, " assigned: %s", strings.Join(c.Assignees, ", "))
		}
	}
	return b.String()
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

type deckMoveOut struct {
	Card          deckCardBrief `json:"card" jsonschema:"the card after the move"`
	LabelsCarried []string      `json:"labels_carried,omitempty" jsonschema:"labels re-applied on the target board (same title)"`
	LabelsDropped []string      `json:"labels_dropped,omitempty" jsonschema:"labels the target board lacks, so the card lost them"`
}

func (o deckMoveOut) Summary() string {
	s := fmt.Sprintf("Moved card #%d %s to stack #%d %s on board #%d at position %d.", o.Card.ID, o.Card.Title, o.Card.StackID, o.Card.StackTitle, o.Card.BoardID, o.Card.Order)
	if len(o.LabelsDropped) > 0 {
		s += " Labels dropped (not on the target board): " + strings.Join(o.LabelsDropped, ", ") + "."
	}
	return s
}

type deckCommentOut struct {
	ID         int64  `json:"id" jsonschema:"comment id"`
	Message    string `json:"message" jsonschema:"comment text"`
	Author     string `json:"author" jsonschema:"user id of the author"`
	AuthorName string `json:"author_name" jsonschema:"display name of the author"`
	Created    string `json:"created" jsonschema:"creation time"`
	ReplyTo    int64  `json:"reply_to,omitempty" jsonschema:"id of the comment this one answers"`
}

type deckCommentsOut struct {
	CardID   int64            `json:"card_id" jsonschema:"card id"`
	Comments []deckCommentOut `json:"comments" jsonschema:"comments, newest first"`
}

func (o deckCommentsOut) Summary() string {
	if len(o.Comments) == 0 {
		return fmt.Sprintf("Card #%d has no comments here.", o.CardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d comment(s) on card #%d:", len(o.Comments), o.CardID)
	for _, c := range o.Comments {
		fmt.Fprintf(&b, "\n- #%d %s (%s): %s", c.ID, c.AuthorName, c.Created, c.Message)
	}
	return b.String()
}

type deckAddCommentOut struct {
	CardID   int64            `json:"card_id" jsonschema:"card id"`
	Comments []deckCommentOut `json:"comments" jsonschema:"the comments created, in order; a long message becomes several numbered parts"`
	Parts    int              `json:"parts" jsonschema:"number of comments created"`
}

func (o deckAddCommentOut) Summary() string {
	if o.Parts == 1 {
		return fmt.Sprintf("Added comment #%d to card #%d.", o.Comments[0].ID, o.CardID)
	}
	ids := make([]string, len(o.Comments))
	for i, c := range o.Comments {
		ids[i] = "#" + strconv.FormatInt(c.ID, 10)
	}
	return fmt.Sprintf("The message exceeded Deck's limit of %d characters, so it was added to card #%d as %d numbered comments: %s.",
		nextcloud.DeckCommentMaxLength, o.CardID, o.Parts, strings.Join(ids, ", "))
}

type deckCommentOneOut struct {
	CardID  int64          `json:"card_id" jsonschema:"card id"`
	Comment deckCommentOut `json:"comment" jsonschema:"the comment"`
}

func (o deckCommentOneOut) Summary() string {
	return fmt.Sprintf("Comment #%d on card #%d: %s", o.Comment.ID, o.CardID, o.Comment.Message)
}

type deckAttachmentsOut struct {
	CardID      int64               `json:"card_id" jsonschema:"card id"`
	Attachments []deckAttachmentOut `json:"attachments" jsonschema:"attachments"`
}

func (o deckAttachmentsOut) Summary() string {
	if len(o.Attachments) == 0 {
		return fmt.Sprintf("Card #%d has no attachments.", o.CardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d attachment(s) on card #%d:", len(o.Attachments), o.CardID)
	for _, a := range o.Attachments {
		fmt.Fprintf(&b, "\n- #%d %s (%s)", a.ID, a.Name, a.Type)
		if a.Path != "" {
			fmt.Fprintf(&b, " %s", a.Path)
		}
	}
	return b.String()
}

type deckAttachmentOneOut struct {
	CardID     int64             `json:"card_id" jsonschema:"card id"`
	Attachment deckAttachmentOut `json:"attachment" jsonschema:"the attachment"`
}

func (o deckAttachmentOneOut) Summary() string {
	return fmt.Sprintf("Attached %s to card #%d as attachment #%d.", o.Attachment.Name, o.CardID, o.Attachment.ID)
}

type deckLabelsOut struct {
	BoardID int64          `json:"board_id" jsonschema:"board id"`
	Labels  []deckLabelOut `json:"labels" jsonschema:"labels"`
}

func (o deckLabelsOut) Summary() string {
	if len(o.Labels) == 0 {
		return fmt.Sprintf("Board #%d has no labels.", o.BoardID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d label(s) on board #%d:", len(o.Labels), o.BoardID)
	for _, l := range o.Labels {
		fmt.Fprintf(&b, "\n- #%d %s (#%s)", l.ID, l.Title, l.Color)
	}
	return b.String()
}

type deckLabelOneOut struct {
	BoardID int64        `json:"board_id" jsonschema:"board id"`
	Label   deckLabelOut `json:"label" jsonschema:"the label"`
}

func (o deckLabelOneOut) Summary() string {
	return fmt.Sprintf("Label #%d %s (#%s) on board #%d.", o.Label.ID, o.Label.Title, o.Label.Color, o.BoardID)
}

// deckDoneOut reports a change that returns nothing else worth showing.
type deckDoneOut struct {
	Message string `json:"message" jsonschema:"what was done"`
}

func (o deckDoneOut) Summary() string { return o.Message }

type deckBoardOneOut struct {
	Board deckBoardOut `json:"board" jsonschema:"the board"`
}

func (o deckBoardOneOut) Summary() string {
	s := fmt.Sprintf("Board #%d %s (color #%s)", o.Board.ID, o.Board.Title, o.Board.Color)
	if o.Board.Archived {
		s += ", archived"
	}
	return s + "."
}

// ---- conversions ----

func deckBoardFrom(b *nextcloud.DeckBoard, me string) deckBoardOut {
	return deckBoardOut{
		ID: b.ID, Title: b.Title, Color: b.Color, Archived: b.Archived, Owner: b.Owner.UID,
		SharedWithMe: b.Owner.UID != "" && b.Owner.UID != me,
		CanEdit:      b.Permissions.Edit, CanManage: b.Permissions.Manage,
	}
}

func deckLabelsFrom(ls []nextcloud.DeckLabel) []deckLabelOut {
	out := make([]deckLabelOut, 0, len(ls))
	for _, l := range ls {
		out = append(out, deckLabelOut{ID: l.ID, Title: l.Title, Color: l.Color})
	}
	return out
}

func deckUnix(sec int64) string {
	if sec <= 0 {
		return ""
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

func deckDueTime(s *string) (time.Time, bool) {
	if s == nil || *s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, *s)
	return t, err == nil
}

func deckBriefFrom(c *nextcloud.DeckCard, boardID int64, stackTitle string) deckCardBrief {
	b := deckCardBrief{
		ID: c.ID, Title: c.Title, BoardID: boardID, StackID: c.StackID, StackTitle: stackTitle, Order: c.Order,
		Done: c.Done != nil && *c.Done != "", Archived: c.Archived, Labels: []string{}, Assignees: []string{},
		CommentsCount: c.CommentsCount, AttachmentCount: c.AttachmentCount,
	}
	if c.Duedate != nil {
		b.DueDate = *c.Duedate
		if t, ok := deckDueTime(c.Duedate); ok && t.Before(time.Now()) && !b.Done {
			b.Overdue = true
		}
	}
	for _, l := range c.Labels {
		b.Labels = append(b.Labels, l.Title)
	}
	for _, a := range c.AssignedUsers {
		b.Assignees = append(b.Assignees, a.Participant.UID)
	}
	return b
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

func deckCommentFrom(c nextcloud.DeckComment) deckCommentOut {
	out := deckCommentOut{ID: int64(c.ID), Message: c.Message, Author: c.ActorID, AuthorName: c.ActorDisplayName, Created: c.CreationDateTime}
	if c.ReplyTo != nil {
		out.ReplyTo = int64(c.ReplyTo.ID)
	}
	return out
}

func deckURL(nc *nextcloud.Client, boardID, cardID int64) string {
	u := nc.BaseURL().String() + fmt.Sprintf("/index.php/apps/deck/board/%d", boardID)
	if cardID > 0 {
		u += fmt.Sprintf("/card/%d", cardID)
	}
	return u
}

var deckColorRe = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// deckColor accepts "ff0000", "#FF0000" or "#f00" and returns six hex digits.
func deckColor(arg, c string) (string, error) {
	c = strings.TrimPrefix(strings.TrimSpace(c), "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if !deckColorRe.MatchString(c) {
		return "", Argf("%s must be a hex color like \"0082c9\" or \"#0082c9\", not %q", arg, c)
	}
	return strings.ToLower(c), nil
}

// deckDueDate reads a due date given as RFC 3339 date-time or as a plain
// date (taken as midnight UTC) and returns Deck's ISO-8601 form.
func deckDueDate(arg, s string) (string, error) {
	t, err := deckParseDue(arg, s)
	if err != nil {
		return "", err
	}
	return t.Format(time.RFC3339), nil
}

func deckParseDue(arg, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Argf("%s must be a date like 2025-03-31 or a date-time like 2025-03-31T17:00:00+02:00, not %q", arg, s)
}

// ---- shared lookups ----

type deckTools struct {
	cache *nextcloud.DeckCache
}

func (t *deckTools) deck(nc *nextcloud.Client) *nextcloud.DeckClient { return nc.Deck(t.cache) }

// stackTitles maps the board's stack ids to titles.
func deckStackTitles(stacks []nextcloud.DeckStack) map[int64]string {
	m := map[int64]string{}
	for _, s := range stacks {
		m[s.ID] = s.Title
	}
	return m
}

// findCard returns a card with its stack: from stackID when given, else by
// looking through the board's active and archived cards.
func (t *deckTools) findCard(ctx context.Context, d *nextcloud.DeckClient, boardID, cardID, stackID int64) (*nextcloud.DeckCard, error) {
	if stackID <= 0 {
		stacks, err := d.Stacks(ctx, boardID)
		if err != nil {
			return nil, err
		}
		for _, s := range stacks {
			for _, c := range s.Cards {
				if c.ID == cardID {
					stackID = s.ID
				}
			}
		}
		if stackID <= 0 {
			archived, err := d.ArchivedStacks(ctx, boardID)
			if err != nil {
				return nil, err
			}
			for _, s := range archived {
				for _, c := range s.Cards {
					if c.ID == cardID {
						stackID = s.ID
					}
				}
			}
		}
		if stackID <= 0 {
			return nil, Argf("card %d is not on board %d (neither among its active nor its archived cards); find cards with nc_deck_list_cards", cardID, boardID)
		}
	}
	return d.Card(ctx, boardID, stackID, cardID)
}

func (t *deckTools) stackOn(ctx context.Context, d *nextcloud.DeckClient, boardID, stackID int64) (*nextcloud.DeckStack, []nextcloud.DeckStack, error) {
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return nil, nil, err
	}
	for i := range stacks {
		if stacks[i].ID == stackID {
			return &stacks[i], stacks, nil
		}
	}
	names := make([]string, 0, len(stacks))
	for _, s := range stacks {
		names = append(names, fmt.Sprintf("#%d %s", s.ID, s.Title))
	}
	if len(names) == 0 {
		return nil, stacks, Argf("board %d has no stack %d, and no stacks at all; create one with nc_deck_create_stack", boardID, stackID)
	}
	return nil, stacks, Argf("board %d has no stack %d; its stacks are: %s", boardID, stackID, strings.Join(names, ", "))
}

// resolveLabel finds a board label by title (case-insensitive) or id.
func deckResolveLabel(board *nextcloud.DeckBoard, ref string) (nextcloud.DeckLabel, error) {
	ref = strings.TrimSpace(ref)
	for _, l := range board.Labels {
		if strings.EqualFold(l.Title, ref) {
			return l, nil
		}
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil {
		for _, l := range board.Labels {
			if l.ID == id {
				return l, nil
			}
		}
	}
	names := make([]string, 0, len(board.Labels))
	for _, l := range board.Labels {
		names = append(names, fmt.Sprintf("%q (#%d)", l.Title, l.ID))
	}
	if len(names) == 0 {
		return nextcloud.DeckLabel{}, Argf("board %d has no labels; create one with nc_deck_create_label", board.ID)
	}
	return nextcloud.DeckLabel{}, Argf("board %d has no label %q; its labels are %s (create one with nc_deck_create_label)", board.ID, ref, strings.Join(names, ", "))
}

func (t *deckTools) cardOut(ctx context.Context, nc *nextcloud.Client, d *nextcloud.DeckClient, boardID int64, c *nextcloud.DeckCard) (deckCardOut, error) {
	stackTitle := ""
	if stacks, err := d.Stacks(ctx, boardID); err == nil {
		stackTitle = deckStackTitles(stacks)[c.StackID]
	}
	out := deckCardOut{
		deckCardBrief: deckBriefFrom(c, boardID, stackTitle),
		Description:   c.Description, Owner: c.Owner.UID,
		CreatedAt: deckUnix(c.CreatedAt), Modified: deckUnix(c.LastModified),
		LabelsFull: deckLabelsFrom(c.Labels), Assigned: []deckMemberOut{}, Attachments: []deckAttachmentOut{},
		URL: deckURL(nc, boardID, c.ID),
	}
	for _, a := range c.AssignedUsers {
		out.Assigned = append(out.Assigned, deckMemberOut{UserID: a.Participant.UID, DisplayName: a.Participant.DisplayName})
	}
	for _, a := range c.Attachments {
		if a.DeletedAt == 0 {
			out.Attachments = append(out.Attachments, deckAttachmentFrom(a))
		}
	}
	out.AttachmentCount = len(out.Attachments)
	return out, nil
}

func (t *deckTools) boardDetail(ctx context.Context, nc *nextcloud.Client, boardID int64) (deckBoardDetailOut, error) {
	d := t.deck(nc)
	b, err := d.Board(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	stacks, err := d.Stacks(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	archived, err := d.ArchivedStacks(ctx, boardID)
	if err != nil {
		return deckBoardDetailOut{}, err
	}
	out := deckBoardDetailOut{
		Board: deckBoardFrom(b, nc.User()), Labels: deckLabelsFrom(b.Labels), Members: []deckMemberOut{},
		Stacks: []deckStackOut{}, URL: deckURL(nc, boardID, 0),
	}
	seen := map[string]bool{}
	addMember := func(u nextcloud.DeckUser) {
		if u.UID != "" && !seen[u.UID] {
			seen[u.UID] = true
			out.Members = append(out.Members, deckMemberOut{UserID: u.UID, DisplayName: u.DisplayName})
		}
	}
	addMember(b.Owner)
	for _, u := range b.Users {
		addMember(u)
	}
	for _, a := range b.ACL {
		if a.Type == 0 {
			addMember(a.Participant)
		}
	}
	archivedCount := map[int64]int{}
	for _, s := range archived {
		archivedCount[s.ID] = len(s.Cards)
		out.ArchivedCardCount += len(s.Cards)
	}
	now := time.Now()
	for _, s := range stacks {
		so := deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), ArchivedCardCount: archivedCount[s.ID]}
		for _, c := range s.Cards {
			if due, ok := deckDueTime(c.Duedate); ok && due.Before(now) && (c.Done == nil || *c.Done == "") {
				so.OverdueCount++
			}
		}
		out.CardCount += len(s.Cards)
		out.Stacks = append(out.Stacks, so)
	}
	return out, nil
}

func deckResourceJSON(uri string, v any) ([]mcpgo.ResourceContents, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func deckTemplateID(req mcpgo.ReadResourceRequest, name string) (int64, error) {
	v := req.Params.Arguments[name]
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []string:
		if len(x) > 0 {
			s = x[0]
		}
	case []any:
		if len(x) > 0 {
			s = fmt.Sprint(x[0])
		}
	default:
		s = fmt.Sprint(x)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s in %s must be a positive number", name, req.Params.URI)
	}
	return id, nil
}

// ---- inputs ----

func deckPositive(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].(string)
		if v, _ := pairs[i+1].(int64); v <= 0 {
			return Argf("%s must be a positive id (got %d)", name, v)
		}
	}
	return nil
}

// deckTitleArg checks a title against Deck's length limit (100 for boards
// and stacks, 255 for cards).
func deckTitleArg(t string, max int) error {
	if strings.TrimSpace(t) == "" {
		return Argf("title must not be empty")
	}
	if n := len([]rune(t)); n > max {
		return Argf("title has %d characters; Deck allows at most %d", n, max)
	}
	return nil
}

type deckListBoardsIn struct {
	Archived     bool `json:"archived,omitempty" jsonschema:"true lists only archived boards; by default only active boards are listed"`
	SharedWithMe bool `json:"shared_with_me,omitempty" jsonschema:"true lists only boards other users shared with you"`
}

type deckBoardIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
}

func (in deckBoardIn) Validate() error { return deckPositive("board_id", in.BoardID) }

type deckCreateBoardIn struct {
	Title string `json:"title" jsonschema:"board title, at most 100 characters"`
	Color string `json:"color,omitempty" jsonschema:"hex color like 0082c9 (default 0082c9)"`
}

func (in deckCreateBoardIn) Validate() error {
	return deckTitleArg(in.Title, 100)
}

type deckUpdateBoardIn struct {
	BoardID  int64   `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
	Title    *string `json:"title,omitempty" jsonschema:"new title, at most 100 characters"`
	Color    *string `json:"color,omitempty" jsonschema:"new hex color like ff0000"`
	Archived *bool   `json:"archived,omitempty" jsonschema:"true archives the board, false unarchives it"`
}

func (in deckUpdateBoardIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID); err != nil {
		return err
	}
	if in.Title == nil && in.Color == nil && in.Archived == nil {
		return Argf("nothing to change: give title, color or archived")
	}
	if in.Title != nil {
		return deckTitleArg(*in.Title, 100)
	}
	return nil
}

type deckListStacksIn struct {
	BoardID  int64 `json:"board_id" jsonschema:"board id, from nc_deck_list_boards"`
	Archived bool  `json:"archived,omitempty" jsonschema:"true lists the stacks that hold archived cards, counting those"`
}

func (in deckListStacksIn) Validate() error { return deckPositive("board_id", in.BoardID) }

type deckStackIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	StackID int64 `json:"stack_id" jsonschema:"stack id, from nc_deck_get_board or nc_deck_list_stacks"`
}

func (in deckStackIn) Validate() error {
	return deckPositive("board_id", in.BoardID, "stack_id", in.StackID)
}

type deckCreateStackIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	Title   string `json:"title" jsonschema:"stack title, at most 100 characters"`
	Order   *int   `json:"order,omitempty" jsonschema:"position from the left; default after the last stack"`
}

func (in deckCreateStackIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID); err != nil {
		return err
	}
	return deckTitleArg(in.Title, 100)
}

type deckUpdateStackIn struct {
	BoardID int64   `json:"board_id" jsonschema:"board id"`
	StackID int64   `json:"stack_id" jsonschema:"stack id"`
	Title   *string `json:"title,omitempty" jsonschema:"new title"`
	Order   *int    `json:"order,omitempty" jsonschema:"new order value (lower is further left)"`
}

func (in deckUpdateStackIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "stack_id", in.StackID); err != nil {
		return err
	}
	if in.Title == nil && in.Order == nil {
		return Argf("nothing to change: give title or order")
	}
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return Argf("title must not be empty")
	}
	return nil
}

type deckReorderStacksIn struct {
	BoardID  int64   `json:"board_id" jsonschema:"board id"`
	StackIDs []int64 `json:"stack_ids" jsonschema:"stack ids in the wanted order from left to right; stacks not listed keep their relative order after these"`
}

func (in deckReorderStacksIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID); err != nil {
		return err
	}
	if len(in.StackIDs) == 0 {
		return Argf("stack_ids must list at least one stack id")
	}
	seen := map[int64]bool{}
	for _, id := range in.StackIDs {
		if seen[id] {
			return Argf("stack_ids lists stack %d twice", id)
		}
		seen[id] = true
	}
	return nil
}

type deckListCardsIn struct {
	BoardID   int64  `json:"board_id" jsonschema:"board id"`
	StackID   int64  `json:"stack_id,omitempty" jsonschema:"only cards in this stack"`
	Label     string `json:"label,omitempty" jsonschema:"only cards carrying this label (title or id)"`
	Assignee  string `json:"assignee,omitempty" jsonschema:"only cards assigned to this user (user id or display name)"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only cards due before this date (2025-03-31) or date-time (RFC 3339)"`
	Text      string `json:"text,omitempty" jsonschema:"only cards whose title or description contains this text (case-insensitive)"`
	Archived  bool   `json:"archived,omitempty" jsonschema:"true lists archived cards instead of active ones"`
	Limit     int    `json:"limit,omitempty" jsonschema:"at most this many cards (default 100, max 500)"`
}

func (in deckListCardsIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID); err != nil {
		return err
	}
	if in.StackID < 0 {
		return Argf("stack_id must be a positive id")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return Argf("limit must be between 1 and 500")
	}
	if in.DueBefore != "" {
		if _, err := deckDueDate("due_before", in.DueBefore); err != nil {
			return err
		}
	}
	return nil
}

type deckCardIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	CardID  int64 `json:"card_id" jsonschema:"card id, from nc_deck_list_cards"`
	StackID int64 `json:"stack_id,omitempty" jsonschema:"the card's stack id if known; looked up otherwise"`
}

func (in deckCardIn) Validate() error {
	return deckPositive("board_id", in.BoardID, "card_id", in.CardID)
}

type deckCreateCardIn struct {
	BoardID     int64  `json:"board_id" jsonschema:"board id"`
	StackID     int64  `json:"stack_id" jsonschema:"stack to put the card in"`
	Title       string `json:"title" jsonschema:"card title, at most 255 characters"`
	Description string `json:"description,omitempty" jsonschema:"Markdown description"`
	DueDate     string `json:"due_date,omitempty" jsonschema:"due date: 2025-03-31 (midnight UTC) or RFC 3339 date-time"`
	Order       *int   `json:"order,omitempty" jsonschema:"position in the stack (0 is the top; default the bottom)"`
}

func (in deckCreateCardIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "stack_id", in.StackID); err != nil {
		return err
	}
	if err := deckTitleArg(in.Title, 255); err != nil {
		return err
	}
	if in.DueDate != "" {
		if _, err := deckDueDate("due_date", in.DueDate); err != nil {
			return err
		}
	}
	return nil
}

type deckUpdateCardIn struct {
	BoardID      int64   `json:"board_id" jsonschema:"board id"`
	CardID       int64   `json:"card_id" jsonschema:"card id"`
	StackID      int64   `json:"stack_id,omitempty" jsonschema:"the card's current stack id if known (use nc_deck_move_card to move it)"`
	Title        *string `json:"title,omitempty" jsonschema:"new title"`
	Description  *string `json:"description,omitempty" jsonschema:"new Markdown description (replaces the old one)"`
	DueDate      *string `json:"due_date,omitempty" jsonschema:"new due date: 2025-03-31 or RFC 3339 date-time"`
	ClearDueDate bool    `json:"clear_due_date,omitempty" jsonschema:"true removes the due date"`
	Order        *int    `json:"order,omitempty" jsonschema:"new order value within the stack"`
}

func (in deckUpdateCardIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID); err != nil {
		return err
	}
	if in.Title == nil && in.Description == nil && in.DueDate == nil && !in.ClearDueDate && in.Order == nil {
		return Argf("nothing to change: give title, description, due_date, clear_due_date or order")
	}
	if in.DueDate != nil && in.ClearDueDate {
		return Argf("give either due_date or clear_due_date, not both")
	}
	if in.Title != nil {
		if err := deckTitleArg(*in.Title, 255); err != nil {
			return err
		}
	}
	if in.DueDate != nil {
		if _, err := deckDueDate("due_date", *in.DueDate); err != nil {
			return err
		}
	}
	return nil
}

type deckMoveCardIn struct {
	BoardID   int64 `json:"board_id" jsonschema:"board the card is on now"`
	CardID    int64 `json:"card_id" jsonschema:"card id"`
	StackID   int64 `json:"stack_id,omitempty" jsonschema:"the card's current stack id if known"`
	ToStackID int64 `json:"to_stack_id" jsonschema:"stack to move the card to"`
	ToBoardID int64 `json:"to_board_id,omitempty" jsonschema:"board of to_stack_id when moving to another board"`
	Order     *int  `json:"order,omitempty" jsonschema:"position in the target stack (0 is the top; default the bottom)"`
}

func (in deckMoveCardIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID, "to_stack_id", in.ToStackID); err != nil {
		return err
	}
	if in.Order != nil && *in.Order < 0 {
		return Argf("order must not be negative")
	}
	return nil
}

type deckCardUserIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	UserID  string `json:"user_id" jsonschema:"Nextcloud user id of a board member"`
}

func (in deckCardUserIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID); err != nil {
		return err
	}
	if strings.TrimSpace(in.UserID) == "" {
		return Argf("user_id must not be empty")
	}
	return nil
}

type deckCardLabelIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	Label   string `json:"label" jsonschema:"label title (as on the board) or label id"`
}

func (in deckCardLabelIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Label) == "" {
		return Argf("label must not be empty")
	}
	return nil
}

type deckListCommentsIn struct {
	CardID int64 `json:"card_id" jsonschema:"card id"`
	Limit  int   `json:"limit,omitempty" jsonschema:"at most this many comments (default 20, max 200)"`
	Offset int   `json:"offset,omitempty" jsonschema:"skip this many of the newest comments"`
}

func (in deckListCommentsIn) Validate() error {
	if err := deckPositive("card_id", in.CardID); err != nil {
		return err
	}
	if in.Limit < 0 || in.Limit > 200 {
		return Argf("limit must be between 1 and 200")
	}
	if in.Offset < 0 {
		return Argf("offset must not be negative")
	}
	return nil
}

type deckAddCommentIn struct {
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	Message string `json:"message" jsonschema:"comment text; longer than 1000 characters it is posted as several numbered comments"`
	ReplyTo int64  `json:"reply_to,omitempty" jsonschema:"id of a comment on the same card to answer"`
}

func (in deckAddCommentIn) Validate() error {
	if err := deckPositive("card_id", in.CardID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Message) == "" {
		return Argf("message must not be empty")
	}
	if in.ReplyTo < 0 {
		return Argf("reply_to must be a positive comment id")
	}
	return nil
}

type deckUpdateCommentIn struct {
	CardID    int64  `json:"card_id" jsonschema:"card id"`
	CommentID int64  `json:"comment_id" jsonschema:"comment id, from nc_deck_list_comments"`
	Message   string `json:"message" jsonschema:"new text, at most 1000 characters"`
}

func (in deckUpdateCommentIn) Validate() error {
	if err := deckPositive("card_id", in.CardID, "comment_id", in.CommentID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Message) == "" {
		return Argf("message must not be empty")
	}
	if n := len([]rune(in.Message)); n > nextcloud.DeckCommentMaxLength {
		return Argf("message has %d characters; Deck allows at most %d per comment. Shorten it, or add the rest with nc_deck_add_comment (which splits long text)", n, nextcloud.DeckCommentMaxLength)
	}
	return nil
}

type deckCommentIn struct {
	CardID    int64 `json:"card_id" jsonschema:"card id"`
	CommentID int64 `json:"comment_id" jsonschema:"comment id"`
}

func (in deckCommentIn) Validate() error {
	return deckPositive("card_id", in.CardID, "comment_id", in.CommentID)
}

type deckAttachFileIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	Path    string `json:"path" jsonschema:"path of the file in your Nextcloud files, like /Documents/plan.pdf"`
}

func (in deckAttachFileIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID); err != nil {
		return err
	}
	p := strings.TrimSpace(in.Path)
	if p == "" || p == "/" {
		return Argf("path must name a file, like /Documents/plan.pdf")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return Argf("path must not contain \"..\"")
		}
	}
	return nil
}

type deckDeleteAttachmentIn struct {
	BoardID      int64  `json:"board_id" jsonschema:"board id"`
	CardID       int64  `json:"card_id" jsonschema:"card id"`
	StackID      int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	AttachmentID int64  `json:"attachment_id" jsonschema:"attachment id, from nc_deck_list_attachments"`
	Type         string `json:"type,omitempty" jsonschema:"attachment type (file or deck_file); looked up when omitted"`
}

func (in deckDeleteAttachmentIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "card_id", in.CardID, "attachment_id", in.AttachmentID); err != nil {
		return err
	}
	if in.Type != "" && in.Type != "file" && in.Type != "deck_file" {
		return Argf("type must be file or deck_file, not %q", in.Type)
	}
	return nil
}

type deckCreateLabelIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	Title   string `json:"title" jsonschema:"label title, unique on the board"`
	Color   string `json:"color" jsonschema:"hex color like 31cc7c"`
}

func (in deckCreateLabelIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Title) == "" {
		return Argf("title must not be empty")
	}
	_, err := deckColor("color", in.Color)
	return err
}

type deckUpdateLabelIn struct {
	BoardID int64   `json:"board_id" jsonschema:"board id"`
	LabelID int64   `json:"label_id" jsonschema:"label id, from nc_deck_list_labels"`
	Title   *string `json:"title,omitempty" jsonschema:"new title"`
	Color   *string `json:"color,omitempty" jsonschema:"new hex color"`
}

func (in deckUpdateLabelIn) Validate() error {
	if err := deckPositive("board_id", in.BoardID, "label_id", in.LabelID); err != nil {
		return err
	}
	if in.Title == nil && in.Color == nil {
		return Argf("nothing to change: give title or color")
	}
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return Argf("title must not be empty")
	}
	if in.Color != nil {
		if _, err := deckColor("color", *in.Color); err != nil {
			return err
		}
	}
	return nil
}

type deckLabelIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	LabelID int64 `json:"label_id" jsonschema:"label id"`
}

func (in deckLabelIn) Validate() error {
	return deckPositive("board_id", in.BoardID, "label_id", in.LabelID)
}

// ---- the toolset ----

// DeckToolset offers Deck boards, stacks, cards, labels, comments and
// attachments, plus the boards and cards as resources.
func DeckToolset(env *Env) Toolset {
	t := &deckTools{cache: nextcloud.NewDeckCache(512)}
	const read, write = "deck:read", "deck:write"
	return Toolset{
		Name:        "deck",
		Description: "Deck: kanban boards, stacks, cards, labels, comments and attachments",
		Capability:  "deck",
		Tools: []Tool{
			NewTool(Spec{Name: "nc_deck_list_boards", Title: "List Deck boards",
				Description: "List the Deck boards you own or that are shared with you. By default only active boards; set archived to list archived ones, shared_with_me to list only boards of other users.",
				Scope:       read, Kind: Read}, t.listBoards),
			NewTool(Spec{Name: "nc_deck_get_board", Title: "Get Deck board",
				Description: "Show a Deck board: its stacks in order with card counts (active, archived, overdue), its labels and members.",
				Scope:       read, Kind: Read}, t.getBoard),
			NewTool(Spec{Name: "nc_deck_create_board", Title: "Create Deck board",
				Description: "Create a Deck board. Deck adds four default labels (Finished, To review, Action needed, Later); add stacks with nc_deck_create_stack.",
				Scope:       write, Kind: Create}, t.createBoard),
			NewTool(Spec{Name: "nc_deck_update_board", Title: "Update Deck board",
				Description: "Rename a Deck board, change its color, or archive/unarchive it. Fields not given stay as they are.",
				Scope:       write, Kind: Write}, t.updateBoard),
			NewTool(Spec{Name: "nc_deck_delete_board", Title: "Delete Deck board",
				Description: "Delete a Deck board with all its stacks and cards. Deck keeps it restorable for a short while in its web app.",
				Scope:       write, Kind: Destroy}, t.deleteBoard),

			NewTool(Spec{Name: "nc_deck_list_stacks", Title: "List Deck stacks",
				Description: "List a board's stacks (columns) in order with their card counts. With archived, list the stacks that hold archived cards.",
				Scope:       read, Kind: Read}, t.listStacks),
			NewTool(Spec{Name: "nc_deck_get_stack", Title: "Get Deck stack",
				Description: "Show one stack of a board with its active cards.",
				Scope:       read, Kind: Read}, t.getStack),
			NewTool(Spec{Name: "nc_deck_create_stack", Title: "Create Deck stack",
				Description: "Add a stack (column) to a board, by default after the last one.",
				Scope:       write, Kind: Create}, t.createStack),
			NewTool(Spec{Name: "nc_deck_update_stack", Title: "Update Deck stack",
				Description: "Rename a stack or change its order value.",
				Scope:       write, Kind: Write}, t.updateStack),
			NewTool(Spec{Name: "nc_deck_delete_stack", Title: "Delete Deck stack",
				Description: "Delete a stack and all cards in it.",
				Scope:       write, Kind: Destroy}, t.deleteStack),
			NewTool(Spec{Name: "nc_deck_reorder_stacks", Title: "Reorder Deck stacks",
				Description: "Put a board's stacks in a new left-to-right order: list the stack ids in the wanted order (stacks not listed follow, keeping their order).",
				Scope:       write, Kind: Write}, t.reorderStacks),

			NewTool(Spec{Name: "nc_deck_list_cards", Title: "List Deck cards",
				Description: "List the cards of a board, or of one stack, with optional filters: label, assignee, due before a date, text in title or description. Archived cards are listed instead of active ones when archived is true.",
				Scope:       read, Kind: Read}, t.listCards),
			NewTool(Spec{Name: "nc_deck_get_card", Title: "Get Deck card",
				Description: "Show a card: description, due date, labels, assigned users, attachments and comment count.",
				Scope:       read, Kind: Read}, t.getCard),
			NewTool(Spec{Name: "nc_deck_create_card", Title: "Create Deck card",
				Description: "Create a card in a stack, with optional description (Markdown), due date and position.",
				Scope:       write, Kind: Create}, t.createCard),
			NewTool(Spec{Name: "nc_deck_update_card", Title: "Update Deck card",
				Description: "Change a card's title, description, due date or order. Fields not given stay as they are. To move a card use nc_deck_move_card.",
				Scope:       write, Kind: Write}, t.updateCard),
			NewTool(Spec{Name: "nc_deck_move_card", Title: "Move Deck card",
				Description: "Move a card to another stack, on the same board or (with to_board_id) on another board, at a given position. On another board, labels with the same title are kept; others are dropped.",
				Scope:       write, Kind: Write}, t.moveCard),
			NewTool(Spec{Name: "nc_deck_archive_card", Title: "Archive Deck card",
				Description: "Archive a card: it leaves the board view but can be found with nc_deck_list_cards archived=true and unarchived.",
				Scope:       write, Kind: Write}, t.archiveCard(true)),
			NewTool(Spec{Name: "nc_deck_unarchive_card", Title: "Unarchive Deck card",
				Description: "Bring an archived card back to its stack.",
				Scope:       write, Kind: Write}, t.archiveCard(false)),
			NewTool(Spec{Name: "nc_deck_delete_card", Title: "Delete Deck card",
				Description: "Delete a card.",
				Scope:       write, Kind: Destroy}, t.deleteCard),
			NewTool(Spec{Name: "nc_deck_assign_user", Title: "Assign user to Deck card",
				Description: "Assign a board member to a card (resolve names to user ids first, e.g. from nc_deck_get_board members).",
				Scope:       write, Kind: Write}, t.assignUser(true)),
			NewTool(Spec{Name: "nc_deck_unassign_user", Title: "Unassign user from Deck card",
				Description: "Remove a user's assignment from a card.",
				Scope:       write, Kind: Write}, t.assignUser(false)),
			NewTool(Spec{Name: "nc_deck_add_label", Title: "Add label to Deck card",
				Description: "Put one of the board's labels on a card, by label title or id.",
				Scope:       write, Kind: Write}, t.cardLabel(true)),
			NewTool(Spec{Name: "nc_deck_remove_label", Title: "Remove label from Deck card",
				Description: "Take a label off a card, by label title or id.",
				Scope:       write, Kind: Write}, t.cardLabel(false)),

			NewTool(Spec{Name: "nc_deck_list_comments", Title: "List Deck card comments",
				Description: "List the comments on a card, newest first, paged with limit and offset.",
				Scope:       read, Kind: Read}, t.listComments),
			NewTool(Spec{Name: "nc_deck_add_comment", Title: "Comment on Deck card",
				Description: "Add a comment to a card. Deck limits a comment to 1000 characters; longer text is posted as several comments numbered (1/n), (2/n) ...",
				Scope:       write, Kind: Create}, t.addComment),
			NewTool(Spec{Name: "nc_deck_update_comment", Title: "Edit Deck card comment",
				Description: "Replace the text of one of your comments on a card (at most 1000 characters).",
				Scope:       write, Kind: Write}, t.updateComment),
			NewTool(Spec{Name: "nc_deck_delete_comment", Title: "Delete Deck card comment",
				Description: "Delete one of your comments on a card.",
				Scope:       write, Kind: Destroy}, t.deleteComment),

			NewTool(Spec{Name: "nc_deck_list_attachments", Title: "List Deck card attachments",
				Description: "List the files attached to a card.",
				Scope:       read, Kind: Read}, t.listAttachments),
			NewTool(Spec{Name: "nc_deck_attach_file", Title: "Attach file to Deck card",
				Description: "Attach a file from your Nextcloud files to a card (Deck shares the file with the card; the file stays where it is).",
				Scope:       write, Kind: Create}, t.attachFile),
			NewTool(Spec{Name: "nc_deck_delete_attachment", Title: "Remove Deck card attachment",
				Description: "Remove an attachment from a card. A Nextcloud file attachment is only unshared from the card; the file itself stays in your files.",
				Scope:       write, Kind: Destroy}, t.deleteAttachment),

			NewTool(Spec{Name: "nc_deck_list_labels", Title: "List Deck labels",
				Description: "List the labels defined on a board.",
				Scope:       read, Kind: Read}, t.listLabels),
			NewTool(Spec{Name: "nc_deck_create_label", Title: "Create Deck label",
				Description: "Define a new label on a board.",
				Scope:       write, Kind: Create}, t.createLabel),
			NewTool(Spec{Name: "nc_deck_update_label", Title: "Update Deck label",
				Description: "Rename a board label or change its color.",
				Scope:       write, Kind: Write}, t.updateLabel),
			NewTool(Spec{Name: "nc_deck_delete_label", Title: "Delete Deck label",
				Description: "Delete a label from a board; it disappears from all cards.",
				Scope:       write, Kind: Destroy}, t.deleteLabel),
		},
		Templates: []ResourceTemplate{
			{
				Template: mcpgo.NewResourceTemplate("nextcloud://deck/boards/{id}", "Deck board",
					mcpgo.WithTemplateDescription("A Deck board with its stacks, card counts, labels and members"),
					mcpgo.WithTemplateMIMEType("application/json")),
				Scope: read,
				Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
					id, err := deckTemplateID(req, "id")
					if err != nil {
						return nil, err
					}
					out, err := t.boardDetail(ctx, nc, id)
					if err != nil {
						return nil, err
					}
					return deckResourceJSON(req.Params.URI, out)
				},
			},
			{
				Template: mcpgo.NewResourceTemplate("nextcloud://deck/boards/{boardId}/cards/{cardId}", "Deck card",
					mcpgo.WithTemplateDescription("A Deck card with description, labels, assignees and attachments"),
					mcpgo.WithTemplateMIMEType("application/json")),
				Scope: read,
				Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
					boardID, err := deckTemplateID(req, "boardId")
					if err != nil {
						return nil, err
					}
					cardID, err := deckTemplateID(req, "cardId")
					if err != nil {
						return nil, err
					}
					out, err := t.getCard(ctx, nc, deckCardIn{BoardID: boardID, CardID: cardID})
					if err != nil {
						return nil, err
					}
					return deckResourceJSON(req.Params.URI, out)
				},
			},
		},
	}
}

// ---- handlers ----

func (t *deckTools) listBoards(ctx context.Context, nc *nextcloud.Client, in deckListBoardsIn) (deckBoardsOut, error) {
	boards, err := t.deck(nc).Boards(ctx)
	if err != nil {
		return deckBoardsOut{}, err
	}
	out := deckBoardsOut{Boards: []deckBoardOut{}}
	for i := range boards {
		b := deckBoardFrom(&boards[i], nc.User())
		if boards[i].DeletedAt > 0 || b.Archived != in.Archived || (in.SharedWithMe && !b.SharedWithMe) {
			continue
		}
		out.Boards = append(out.Boards, b)
	}
	sort.SliceStable(out.Boards, func(i, j int) bool {
		return strings.ToLower(out.Boards[i].Title) < strings.ToLower(out.Boards[j].Title)
	})
	out.Count = len(out.Boards)
	return out, nil
}

func (t *deckTools) getBoard(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckBoardDetailOut, error) {
	return t.boardDetail(ctx, nc, in.BoardID)
}

func (t *deckTools) createBoard(ctx context.Context, nc *nextcloud.Client, in deckCreateBoardIn) (deckBoardOneOut, error) {
	color := "0082c9"
	if in.Color != "" {
		c, err := deckColor("color", in.Color)
		if err != nil {
			return deckBoardOneOut{}, err
		}
		color = c
	}
	b, err := t.deck(nc).CreateBoard(ctx, strings.TrimSpace(in.Title), color)
	if err != nil {
		return deckBoardOneOut{}, err
	}
	return deckBoardOneOut{Board: deckBoardFrom(b, nc.User())}, nil
}

func (t *deckTools) updateBoard(ctx context.Context, nc *nextcloud.Client, in deckUpdateBoardIn) (deckBoardOneOut, error) {
	d := t.deck(nc)
	b, err := d.Board(ctx, in.BoardID)
	if err != nil {
		return deckBoardOneOut{}, err
	}
	title, color, archived := b.Title, b.Color, b.Archived
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if in.Color != nil {
		if color, err = deckColor("color", *in.Color); err != nil {
			return deckBoardOneOut{}, err
		}
	}
	if in.Archived != nil {
		archived = *in.Archived
	}
	nb, err := d.UpdateBoard(ctx, in.BoardID, title, color, archived)
	if err != nil {
		return deckBoardOneOut{}, err
	}
	return deckBoardOneOut{Board: deckBoardFrom(nb, nc.User())}, nil
}

func (t *deckTools) deleteBoard(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckDoneOut, error) {
	d := t.deck(nc)
	b, err := d.Board(ctx, in.BoardID)
	if err != nil {
		return deckDoneOut{}, err
	}
	if err := d.DeleteBoard(ctx, in.BoardID); err != nil {
		return deckDoneOut{}, err
	}
	return deckDoneOut{Message: fmt.Sprintf("Deleted board #%d %s.", b.ID, b.Title)}, nil
}

func (t *deckTools) listStacks(ctx context.Context, nc *nextcloud.Client, in deckListStacksIn) (deckStacksOut, error) {
	d := t.deck(nc)
	active, err := d.Stacks(ctx, in.BoardID)
	if err != nil {
		return deckStacksOut{}, err
	}
	archived, err := d.ArchivedStacks(ctx, in.BoardID)
	if err != nil {
		return deckStacksOut{}, err
	}
	archivedCount := map[int64]int{}
	for _, s := range archived {
		archivedCount[s.ID] = len(s.Cards)
	}
	out := deckStacksOut{BoardID: in.BoardID, Stacks: []deckStackOut{}}
	for _, s := range active {
		if in.Archived && archivedCount[s.ID] == 0 {
			continue
		}
		out.Stacks = append(out.Stacks, deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), ArchivedCardCount: archivedCount[s.ID]})
	}
	return out, nil
}

func (t *deckTools) getStack(ctx context.Context, nc *nextcloud.Client, in deckStackIn) (deckStackOneOut, error) {
	d := t.deck(nc)
	s, _, err := t.stackOn(ctx, d, in.BoardID, in.StackID)
	if err != nil {
		return deckStackOneOut{}, err
	}
	so := deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order, CardCount: len(s.Cards), Cards: []deckCardBrief{}}
	for i := range s.Cards {
		so.Cards = append(so.Cards, deckBriefFrom(&s.Cards[i], in.BoardID, s.Title))
	}
	return deckStackOneOut{BoardID: in.BoardID, Stack: so}, nil
}

func (t *deckTools) createStack(ctx context.Context, nc *nextcloud.Client, in deckCreateStackIn) (deckStackOneOut, error) {
	d := t.deck(nc)
	order := 0
	if in.Order != nil {
		order = *in.Order
	} else {
		stacks, err := d.Stacks(ctx, in.BoardID)
		if err != nil {
			return deckStackOneOut{}, err
		}
		for _, s := range stacks {
			if s.Order >= order {
				order = s.Order + 1
			}
		}
	}
	s, err := d.CreateStack(ctx, in.BoardID, strings.TrimSpace(in.Title), order)
	if err != nil {
		return deckStackOneOut{}, err
	}
	return deckStackOneOut{BoardID: in.BoardID, Stack: deckStackOut{ID: s.ID, Title: s.Title, Order: s.Order}}, nil
}

func (t *deckTools) updateStack(ctx context.Context, nc *nextcloud.Client, in deckUpdateStackIn) (deckStackOneOut, error) {
	d := t.deck(nc)
	s, _, err := t.stackOn(ctx, d, in.BoardID, in.StackID)
	if err != nil {
		return deckStackOneOut{}, err
	}
	title, order := s.Title, s.Order
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if in.Order != nil {
		order = *in.Order
	}
	ns, err := d.UpdateStack(ctx, in.BoardID, in.StackID, title, order)
	if err != nil {
		return deckStackOneOut{}, err
	}
	return deckStackOneOut{BoardID: in.BoardID, Stack: deckStackOut{ID: ns.ID, Title: ns.Title, Order: ns.Order, CardCount: len(s.Cards)}}, nil
}

func (t *deckTools) deleteStack(ctx context.Context, nc *nextcloud.Client, in deckStackIn) (deckDoneOut, error) {
	d := t.deck(nc)
	s, _, err := t.stackOn(ctx, d, in.BoardID, in.StackID)
	if err != nil {
		return deckDoneOut{}, err
	}
	if err := d.DeleteStack(ctx, in.BoardID, in.StackID); err != nil {
		return deckDoneOut{}, err
	}
	return deckDoneOut{Message: fmt.Sprintf("Deleted stack #%d %s with its %d active card(s).", s.ID, s.Title, len(s.Cards))}, nil
}

func (t *deckTools) reorderStacks(ctx context.Context, nc *nextcloud.Client, in deckReorderStacksIn) (deckStacksOut, error) {
	d := t.deck(nc)
	stacks, err := d.Stacks(ctx, in.BoardID)
	if err != nil {
		return deckStacksOut{}, err
	}
	byID := map[int64]nextcloud.DeckStack{}
	for _, s := range stacks {
		byID[s.ID] = s
	}
	listed := map[int64]bool{}
	var order []nextcloud.DeckStack
	for _, id := range in.StackIDs {
		s, ok := byID[id]
		if !ok {
			_, _, err := t.stackOn(ctx, d, in.BoardID, id)
			return deckStacksOut{}, err
		}
		listed[id] = true
		order = append(order, s)
	}
	for _, s := range stacks { // already sorted by Deck
		if !listed[s.ID] {
			order = append(order, s)
		}
	}
	out := deckStacksOut{BoardID: in.BoardID, Stacks: []deckStackOut{}}
	for i, s := range order {
		if s.Order != i {
			if _, err := d.UpdateStack(ctx, in.BoardID, s.ID, s.Title, i); err != nil {
				return deckStacksOut{}, err
			}
		}
		out.Stacks = append(out.Stacks, deckStackOut{ID: s.ID, Title: s.Title, Order: i, CardCount: len(s.Cards)})
	}
	return out, nil
}

func (t *deckTools) listCards(ctx context.Context, nc *nextcloud.Client, in deckListCardsIn) (deckCardsOut, error) {
	d := t.deck(nc)
	var stacks []nextcloud.DeckStack
	var err error
	if in.Archived {
		stacks, err = d.ArchivedStacks(ctx, in.BoardID)
	} else {
		stacks, err = d.Stacks(ctx, in.BoardID)
	}
	if err != nil {
		return deckCardsOut{}, err
	}
	if in.StackID > 0 {
		if _, _, err := t.stackOn(ctx, d, in.BoardID, in.StackID); err != nil {
			return deckCardsOut{}, err
		}
	}
	var labelFilter *nextcloud.DeckLabel
	if in.Label != "" {
		b, err := d.Board(ctx, in.BoardID)
		if err != nil {
			return deckCardsOut{}, err
		}
		l, err := deckResolveLabel(b, in.Label)
		if err != nil {
			return deckCardsOut{}, err
		}
		labelFilter = &l
	}
	var dueBefore time.Time
	if in.DueBefore != "" {
		dueBefore, _ = deckParseDue("due_before", in.DueBefore) // checked in Validate
	}
	text := strings.ToLower(in.Text)
	assignee := strings.ToLower(strings.TrimSpace(in.Assignee))
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	out := deckCardsOut{BoardID: in.BoardID, Cards: []deckCardBrief{}}
	for _, s := range stacks {
		if in.StackID > 0 && s.ID != in.StackID {
			continue
		}
		for i := range s.Cards {
			c := &s.Cards[i]
			if labelFilter != nil && !deckHasLabel(c, labelFilter.ID) {
				continue
			}
			if assignee != "" && !deckAssigned(c, assignee) {
				continue
			}
			if !dueBefore.IsZero() {
				due, ok := deckDueTime(c.Duedate)
				if !ok || !due.Before(dueBefore) {
					continue
				}
			}
			if text != "" && !strings.Contains(strings.ToLower(c.Title), text) && !strings.Contains(strings.ToLower(c.Description), text) {
				continue
			}
			out.Total++
			if len(out.Cards) < limit {
				out.Cards = append(out.Cards, deckBriefFrom(c, in.BoardID, s.Title))
			}
		}
	}
	out.Truncated = out.Total > len(out.Cards)
	return out, nil
}

func deckHasLabel(c *nextcloud.DeckCard, id int64) bool {
	for _, l := range c.Labels {
		if l.ID == id {
			return true
		}
	}
	return false
}

func deckAssigned(c *nextcloud.DeckCard, who string) bool {
	for _, a := range c.AssignedUsers {
		if strings.ToLower(a.Participant.UID) == who || strings.ToLower(a.Participant.DisplayName) == who {
			return true
		}
	}
	return false
}

func (t *deckTools) getCard(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckCardOut{}, err
	}
	return t.cardOut(ctx, nc, d, in.BoardID, c)
}

func (t *deckTools) createCard(ctx context.Context, nc *nextcloud.Client, in deckCreateCardIn) (deckCardOut, error) {
	d := t.deck(nc)
	s, _, err := t.stackOn(ctx, d, in.BoardID, in.StackID)
	if err != nil {
		return deckCardOut{}, err
	}
	req := nextcloud.DeckCardCreate{Title: strings.TrimSpace(in.Title), Description: in.Description}
	if in.Order != nil {
		req.Order = *in.Order
	} else {
		req.Order = 0
		for _, c := range s.Cards {
			if c.Order >= req.Order {
				req.Order = c.Order + 1
			}
		}
	}
	if in.DueDate != "" {
		due, _ := deckDueDate("due_date", in.DueDate)
		req.Duedate = &due
	}
	c, err := d.CreateCard(ctx, in.BoardID, in.StackID, req)
	if err != nil {
		return deckCardOut{}, err
	}
	full, err := d.Card(ctx, in.BoardID, in.StackID, c.ID)
	if err != nil {
		return deckCardOut{}, err
	}
	return t.cardOut(ctx, nc, d, in.BoardID, full)
}

func (t *deckTools) updateCard(ctx context.Context, nc *nextcloud.Client, in deckUpdateCardIn) (deckCardOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckCardOut{}, err
	}
	if c.Archived {
		return deckCardOut{}, Argf("card %d is archived; unarchive it with nc_deck_unarchive_card before changing it", c.ID)
	}
	u := nextcloud.CardUpdateFrom(c)
	if in.Title != nil {
		u.Title = strings.TrimSpace(*in.Title)
	}
	if in.Description != nil {
		u.Description = *in.Description
	}
	if in.DueDate != nil {
		due, _ := deckDueDate("due_date", *in.DueDate)
		u.Duedate = &due
	}
	if in.ClearDueDate {
		u.Duedate = nil
	}
	if in.Order != nil {
		u.Order = *in.Order
	}
	// The stack in the URL is where Deck puts the card: keep its own.
	if _, err := d.UpdateCard(ctx, in.BoardID, c.StackID, c.ID, u); err != nil {
		return deckCardOut{}, err
	}
	full, err := d.Card(ctx, in.BoardID, c.StackID, c.ID)
	if err != nil {
		return deckCardOut{}, err
	}
	return t.cardOut(ctx, nc, d, in.BoardID, full)
}

func (t *deckTools) moveCard(ctx context.Context, nc *nextcloud.Client, in deckMoveCardIn) (deckMoveOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckMoveOut{}, err
	}
	if c.Archived {
		return deckMoveOut{}, Argf("card %d is archived; Deck cannot move archived cards, unarchive it first with nc_deck_unarchive_card", c.ID)
	}
	toBoard := in.BoardID
	if in.ToBoardID > 0 {
		toBoard = in.ToBoardID
	}
	target, _, err := t.stackOn(ctx, d, toBoard, in.ToStackID)
	if err != nil {
		return deckMoveOut{}, err
	}
	order := len(target.Cards)
	if target.ID == c.StackID {
		order = len(target.Cards) - 1
	}
	if in.Order != nil {
		order = *in.Order
	}
	out := deckMoveOut{}
	crossBoard := toBoard != in.BoardID
	var oldLabels []nextcloud.DeckLabel
	if crossBoard {
		// Labels belong to a board; Deck's reorder would leave the old
		// board's labels on the card, so take them off and re-apply the
		// target board's labels of the same title afterwards.
		oldLabels = c.Labels
		for _, l := range oldLabels {
			if err := d.RemoveLabel(ctx, in.BoardID, c.StackID, c.ID, l.ID); err != nil {
				return deckMoveOut{}, err
			}
		}
	}
	if _, err := d.ReorderCard(ctx, in.BoardID, c.StackID, c.ID, target.ID, order); err != nil {
		return deckMoveOut{}, err
	}
	if crossBoard && len(oldLabels) > 0 {
		tb, err := d.Board(ctx, toBoard)
		if err != nil {
			return deckMoveOut{}, err
		}
		for _, l := range oldLabels {
			found := false
			for _, nl := range tb.Labels {
				if strings.EqualFold(nl.Title, l.Title) {
					if err := d.AssignLabel(ctx, toBoard, target.ID, c.ID, nl.ID); err != nil {
						return deckMoveOut{}, err
					}
					found = true
					break
				}
			}
			if found {
				out.LabelsCarried = append(out.LabelsCarried, l.Title)
			} else {
				out.LabelsDropped = append(out.LabelsDropped, l.Title)
			}
		}
	}
	moved, err := d.Card(ctx, toBoard, target.ID, c.ID)
	if err != nil {
		return deckMoveOut{}, err
	}
	out.Card = deckBriefFrom(moved, toBoard, target.Title)
	return out, nil
}

func (t *deckTools) archiveCard(archive bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckCardOut, error) {
		d := t.deck(nc)
		c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
		if err != nil {
			return deckCardOut{}, err
		}
		if c.Archived != archive {
			if _, err := d.ArchiveCard(ctx, in.BoardID, c.StackID, c.ID, archive); err != nil {
				return deckCardOut{}, err
			}
			if c, err = d.Card(ctx, in.BoardID, c.StackID, c.ID); err != nil {
				return deckCardOut{}, err
			}
		}
		return t.cardOut(ctx, nc, d, in.BoardID, c)
	}
}

func (t *deckTools) deleteCard(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckDoneOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckDoneOut{}, err
	}
	if err := d.DeleteCard(ctx, in.BoardID, c.StackID, c.ID); err != nil {
		return deckDoneOut{}, err
	}
	return deckDoneOut{Message: fmt.Sprintf("Deleted card #%d %s.", c.ID, c.Title)}, nil
}

func (t *deckTools) assignUser(assign bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardUserIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardUserIn) (deckCardOut, error) {
		d := t.deck(nc)
		c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
		if err != nil {
			return deckCardOut{}, err
		}
		user := strings.TrimSpace(in.UserID)
		already := false
		for _, a := range c.AssignedUsers {
			if a.Participant.UID == user {
				already = true
			}
		}
		switch {
		case assign && !already:
			if _, err := d.AssignUser(ctx, in.BoardID, c.StackID, c.ID, user); err != nil {
				return deckCardOut{}, err
			}
		case !assign && already:
			if err := d.UnassignUser(ctx, in.BoardID, c.StackID, c.ID, user); err != nil {
				return deckCardOut{}, err
			}
		case !assign && !already:
			ids := make([]string, 0, len(c.AssignedUsers))
			for _, a := range c.AssignedUsers {
				ids = append(ids, a.Participant.UID)
			}
			if len(ids) == 0 {
				return deckCardOut{}, Argf("%q is not assigned to card %d; nobody is", user, c.ID)
			}
			return deckCardOut{}, Argf("%q is not assigned to card %d; assigned are: %s", user, c.ID, strings.Join(ids, ", "))
		}
		full, err := d.Card(ctx, in.BoardID, c.StackID, c.ID)
		if err != nil {
			return deckCardOut{}, err
		}
		return t.cardOut(ctx, nc, d, in.BoardID, full)
	}
}

func (t *deckTools) cardLabel(add bool) func(ctx context.Context, nc *nextcloud.Client, in deckCardLabelIn) (deckCardOut, error) {
	return func(ctx context.Context, nc *nextcloud.Client, in deckCardLabelIn) (deckCardOut, error) {
		d := t.deck(nc)
		c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
		if err != nil {
			return deckCardOut{}, err
		}
		b, err := d.Board(ctx, in.BoardID)
		if err != nil {
			return deckCardOut{}, err
		}
		l, err := deckResolveLabel(b, in.Label)
		if err != nil {
			return deckCardOut{}, err
		}
		has := deckHasLabel(c, l.ID)
		if c.Archived && add != has {
			return deckCardOut{}, Argf("card %d is archived; unarchive it with nc_deck_unarchive_card before changing its labels", c.ID)
		}
		switch {
		case add && !has:
			err = d.AssignLabel(ctx, in.BoardID, c.StackID, c.ID, l.ID)
		case !add && has:
			err = d.RemoveLabel(ctx, in.BoardID, c.StackID, c.ID, l.ID)
		}
		if err != nil {
			return deckCardOut{}, err
		}
		full, err := d.Card(ctx, in.BoardID, c.StackID, c.ID)
		if err != nil {
			return deckCardOut{}, err
		}
		return t.cardOut(ctx, nc, d, in.BoardID, full)
	}
}

func (t *deckTools) listComments(ctx context.Context, nc *nextcloud.Client, in deckListCommentsIn) (deckCommentsOut, error) {
	limit := in.Limit
	if limit == 0 {
		limit = 20
	}
	cs, err := t.deck(nc).Comments(ctx, in.CardID, limit, in.Offset)
	if err != nil {
		return deckCommentsOut{}, err
	}
	out := deckCommentsOut{CardID: in.CardID, Comments: []deckCommentOut{}}
	for _, c := range cs {
		out.Comments = append(out.Comments, deckCommentFrom(c))
	}
	return out, nil
}

func (t *deckTools) addComment(ctx context.Context, nc *nextcloud.Client, in deckAddCommentIn) (deckAddCommentOut, error) {
	d := t.deck(nc)
	parts := nextcloud.SplitDeckComment(in.Message, nextcloud.DeckCommentMaxLength)
	out := deckAddCommentOut{CardID: in.CardID, Comments: []deckCommentOut{}}
	for i, p := range parts {
		c, err := d.CreateComment(ctx, in.CardID, p, in.ReplyTo)
		if err != nil {
			if i > 0 {
				return deckAddCommentOut{}, fmt.Errorf("posted %d of %d comment parts, then: %w", i, len(parts), err)
			}
			return deckAddCommentOut{}, err
		}
		out.Comments = append(out.Comments, deckCommentFrom(*c))
	}
	out.Parts = len(out.Comments)
	return out, nil
}

func (t *deckTools) updateComment(ctx context.Context, nc *nextcloud.Client, in deckUpdateCommentIn) (deckCommentOneOut, error) {
	c, err := t.deck(nc).UpdateComment(ctx, in.CardID, in.CommentID, in.Message)
	if err != nil {
		return deckCommentOneOut{}, err
	}
	return deckCommentOneOut{CardID: in.CardID, Comment: deckCommentFrom(*c)}, nil
}

func (t *deckTools) deleteComment(ctx context.Context, nc *nextcloud.Client, in deckCommentIn) (deckDoneOut, error) {
	if err := t.deck(nc).DeleteComment(ctx, in.CardID, in.CommentID); err != nil {
		return deckDoneOut{}, err
	}
	return deckDoneOut{Message: fmt.Sprintf("Deleted comment #%d from card #%d.", in.CommentID, in.CardID)}, nil
}

func (t *deckTools) listAttachments(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckAttachmentsOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckAttachmentsOut{}, err
	}
	as, err := d.Attachments(ctx, in.BoardID, c.StackID, c.ID)
	if err != nil {
		return deckAttachmentsOut{}, err
	}
	out := deckAttachmentsOut{CardID: c.ID, Attachments: []deckAttachmentOut{}}
	for _, a := range as {
		if a.DeletedAt == 0 {
			out.Attachments = append(out.Attachments, deckAttachmentFrom(a))
		}
	}
	return out, nil
}

func (t *deckTools) attachFile(ctx context.Context, nc *nextcloud.Client, in deckAttachFileIn) (deckAttachmentOneOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckAttachmentOneOut{}, err
	}
	p := "/" + strings.Trim(strings.TrimSpace(in.Path), "/")
	id, err := d.AttachFile(ctx, c.ID, p)
	if err != nil {
		return deckAttachmentOneOut{}, err
	}
	as, err := d.Attachments(ctx, in.BoardID, c.StackID, c.ID)
	if err != nil {
		return deckAttachmentOneOut{}, err
	}
	for _, a := range as {
		if a.ID == id && a.Type == "file" {
			return deckAttachmentOneOut{CardID: c.ID, Attachment: deckAttachmentFrom(a)}, nil
		}
	}
	return deckAttachmentOneOut{CardID: c.ID, Attachment: deckAttachmentOut{ID: id, Type: "file", Name: p[strings.LastIndex(p, "/")+1:], Path: p}}, nil
}

func (t *deckTools) deleteAttachment(ctx context.Context, nc *nextcloud.Client, in deckDeleteAttachmentIn) (deckDoneOut, error) {
	d := t.deck(nc)
	c, err := t.findCard(ctx, d, in.BoardID, in.CardID, in.StackID)
	if err != nil {
		return deckDoneOut{}, err
	}
	as, err := d.Attachments(ctx, in.BoardID, c.StackID, c.ID)
	if err != nil {
		return deckDoneOut{}, err
	}
	var found *nextcloud.DeckAttachment
	for i := range as {
		if as[i].ID == in.AttachmentID && as[i].DeletedAt == 0 && (in.Type == "" || as[i].Type == in.Type) {
			found = &as[i]
			break
		}
	}
	if found == nil {
		names := make([]string, 0, len(as))
		for _, a := range as {
			if a.DeletedAt == 0 {
				names = append(names, fmt.Sprintf("#%d %s (%s)", a.ID, a.Data, a.Type))
			}
		}
		if len(names) == 0 {
			return deckDoneOut{}, Argf("card %d has no attachment %d; it has no attachments at all", c.ID, in.AttachmentID)
		}
		return deckDoneOut{}, Argf("card %d has no attachment %d; its attachments are %s", c.ID, in.AttachmentID, strings.Join(names, ", "))
	}
	if err := d.DeleteAttachment(ctx, in.BoardID, c.StackID, c.ID, found.Type, found.ID); err != nil {
		return deckDoneOut{}, err
	}
	msg := fmt.Sprintf("Removed attachment #%d %s from card #%d.", found.ID, found.Data, c.ID)
	if found.Type == "file" {
		msg += " The file itself is still in its owner's Nextcloud files."
	}
	return deckDoneOut{Message: msg}, nil
}

func (t *deckTools) listLabels(ctx context.Context, nc *nextcloud.Client, in deckBoardIn) (deckLabelsOut, error) {
	b, err := t.deck(nc).Board(ctx, in.BoardID)
	if err != nil {
		return deckLabelsOut{}, err
	}
	return deckLabelsOut{BoardID: in.BoardID, Labels: deckLabelsFrom(b.Labels)}, nil
}

func (t *deckTools) createLabel(ctx context.Context, nc *nextcloud.Client, in deckCreateLabelIn) (deckLabelOneOut, error) {
	d := t.deck(nc)
	color, _ := deckColor("color", in.Color)
	b, err := d.Board(ctx, in.BoardID)
	if err != nil {
		return deckLabelOneOut{}, err
	}
	for _, l := range b.Labels {
		if strings.EqualFold(l.Title, strings.TrimSpace(in.Title)) {
			return deckLabelOneOut{}, Argf("board %d already has a label %q (#%d)", in.BoardID, l.Title, l.ID)
		}
	}
	l, err := d.CreateLabel(ctx, in.BoardID, strings.TrimSpace(in.Title), color)
	if err != nil {
		return deckLabelOneOut{}, err
	}
	return deckLabelOneOut{BoardID: in.BoardID, Label: deckLabelOut{ID: l.ID, Title: l.Title, Color: l.Color}}, nil
}

func (t *deckTools) findLabel(ctx context.Context, d *nextcloud.DeckClient, boardID, labelID int64) (nextcloud.DeckLabel, error) {
	b, err := d.Board(ctx, boardID)
	if err != nil {
		return nextcloud.DeckLabel{}, err
	}
	for _, l := range b.Labels {
		if l.ID == labelID {
			return l, nil
		}
	}
	_, err = deckResolveLabel(b, "#"+strconv.FormatInt(labelID, 10))
	return nextcloud.DeckLabel{}, err
}

func (t *deckTools) updateLabel(ctx context.Context, nc *nextcloud.Client, in deckUpdateLabelIn) (deckLabelOneOut, error) {
	d := t.deck(nc)
	l, err := t.findLabel(ctx, d, in.BoardID, in.LabelID)
	if err != nil {
		return deckLabelOneOut{}, err
	}
	title, color := l.Title, l.Color
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if in.Color != nil {
		color, _ = deckColor("color", *in.Color)
	}
	nl, err := d.UpdateLabel(ctx, in.BoardID, in.LabelID, title, color)
	if err != nil {
		return deckLabelOneOut{}, err
	}
	return deckLabelOneOut{BoardID: in.BoardID, Label: deckLabelOut{ID: nl.ID, Title: nl.Title, Color: nl.Color}}, nil
}

func (t *deckTools) deleteLabel(ctx context.Context, nc *nextcloud.Client, in deckLabelIn) (deckDoneOut, error) {
	d := t.deck(nc)
	l, err := t.findLabel(ctx, d, in.BoardID, in.LabelID)
	if err != nil {
		return deckDoneOut{}, err
	}
	if err := d.DeleteLabel(ctx, in.BoardID, in.LabelID); err != nil {
		return deckDoneOut{}, err
	}
	return deckDoneOut{Message: fmt.Sprintf("Deleted label #%d %s from board #%d and its cards.", l.ID, l.Title, in.BoardID)}, nil
}
