package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type deckAttachmentsOut struct {
	CardID      int64               `json:"card_id" jsonschema:"card id"`
	Attachments []deckAttachmentOut `json:"attachments" jsonschema:"attachments"`
}

func (o deckAttachmentsOut) Summary() string {
	return listSummary(o.Attachments, fmt.Sprintf("Card #%d has no attachments.", o.CardID),
		fmt.Sprintf("%d attachment(s) on card #%d:", len(o.Attachments), o.CardID),
		func(a deckAttachmentOut) string {
			if a.Path != "" {
				return fmt.Sprintf("- #%d %s (%s) %s", a.ID, a.Name, a.Type, a.Path)
			}
			return fmt.Sprintf("- #%d %s (%s)", a.ID, a.Name, a.Type)
		})
}

func deckListAttachments(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_list_attachments", Title: "List Deck card attachments", Scope: deckRead, Kind: Read,
		Description: "List the files attached to a card."},
		func(ctx context.Context, nc *nextcloud.Client, in deckCardIn) (deckAttachmentsOut, error) {
			c, as, err := nc.Deck(cache).CardAttachments(ctx, in.BoardID, in.CardID, in.StackID)
			if err != nil {
				return deckAttachmentsOut{}, err
			}
			return deckAttachmentsOut{CardID: c.ID, Attachments: deckLiveAttachments(as)}, nil
		})
}

type deckAttachmentOneOut struct {
	CardID     int64             `json:"card_id" jsonschema:"card id"`
	Attachment deckAttachmentOut `json:"attachment" jsonschema:"the attachment"`
}

func (o deckAttachmentOneOut) Summary() string {
	return fmt.Sprintf("Attached %s to card #%d as attachment #%d.", o.Attachment.Name, o.CardID, o.Attachment.ID)
}

type deckAttachFileIn struct {
	BoardID int64  `json:"board_id" jsonschema:"board id"`
	CardID  int64  `json:"card_id" jsonschema:"card id"`
	StackID int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	Path    string `json:"path" jsonschema:"path of the file in your Nextcloud files, like /Documents/plan.pdf"`
}

func (in deckAttachFileIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, "")); err != nil {
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

func deckAttachFile(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_attach_file", Title: "Attach file to Deck card", Scope: deckWrite, Kind: Create,
		Description: "Attach a file from your Nextcloud files to a card (Deck shares the file with the card; the file stays where it is)."},
		func(ctx context.Context, nc *nextcloud.Client, in deckAttachFileIn) (deckAttachmentOneOut, error) {
			return deckAttachPath(ctx, nc.Deck(cache), in)
		})
}

// deckAttachPath shares a file of the user with a card and returns the
// attachment as the card lists it.
func deckAttachPath(ctx context.Context, d *nextcloud.DeckClient, in deckAttachFileIn) (deckAttachmentOneOut, error) {
	c, err := d.FindCard(ctx, in.BoardID, in.CardID, in.StackID)
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

type deckAttachNoteIn struct {
	BoardID int64 `json:"board_id" jsonschema:"board id"`
	CardID  int64 `json:"card_id" jsonschema:"card id"`
	StackID int64 `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	NoteID  int64 `json:"note_id" jsonschema:"the note id, from nc_notes_list"`
}

func (in deckAttachNoteIn) Validate() error {
	return cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""), idArg("note_id", in.NoteID, ""))
}

func deckAttachNote(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_attach_note", Title: "Attach note to Deck card", Scope: deckWrite, Kind: Create,
		Description: "Attach a note from the Notes app to a card: Deck shares the note's file with the card, so everyone on the board can open it; the note stays where it is."},
		func(ctx context.Context, nc *nextcloud.Client, in deckAttachNoteIn) (deckAttachmentOneOut, error) {
			n, err := nc.Notes().Get(ctx, in.NoteID)
			if err != nil {
				return deckAttachmentOneOut{}, explainNotFound(err, fmt.Sprintf("note %d", in.NoteID), "not found; nc_notes_list lists your notes")
			}
			p, err := nc.Notes().FilePath(ctx, n)
			if err != nil {
				return deckAttachmentOneOut{}, err
			}
			if _, err := nc.Files().Stat(ctx, p); err != nil {
				return deckAttachmentOneOut{}, explainNotFound(err, fmt.Sprintf("note %d's file /%s", in.NoteID, p), "was not found in your files")
			}
			return deckAttachPath(ctx, nc.Deck(cache), deckAttachFileIn{BoardID: in.BoardID, CardID: in.CardID, StackID: in.StackID, Path: "/" + p})
		})
}

type deckDeleteAttachmentIn struct {
	BoardID      int64  `json:"board_id" jsonschema:"board id"`
	CardID       int64  `json:"card_id" jsonschema:"card id"`
	StackID      int64  `json:"stack_id,omitempty" jsonschema:"the card's stack id if known"`
	AttachmentID int64  `json:"attachment_id" jsonschema:"attachment id, from nc_deck_list_attachments"`
	Type         string `json:"type,omitempty" jsonschema:"attachment type (file or deck_file); looked up when omitted"`
}

func (in deckDeleteAttachmentIn) Validate() error {
	if err := cmp.Or(idArg("board_id", in.BoardID, ""), idArg("card_id", in.CardID, ""), idArg("attachment_id", in.AttachmentID, "")); err != nil {
		return err
	}
	if in.Type != "" && in.Type != "file" && in.Type != "deck_file" {
		return Argf("type must be file or deck_file, not %q", in.Type)
	}
	return nil
}

func deckDeleteAttachment(cache *nextcloud.DeckCache) Tool {
	return NewTool(Spec{Name: "nc_deck_delete_attachment", Title: "Remove Deck card attachment", Scope: deckWrite, Kind: Destroy,
		Description: "Remove an attachment from a card. A Nextcloud file attachment is only unshared from the card; the file itself stays in your files."},
		func(ctx context.Context, nc *nextcloud.Client, in deckDeleteAttachmentIn) (deckDoneOut, error) {
			d := nc.Deck(cache)
			c, as, err := d.CardAttachments(ctx, in.BoardID, in.CardID, in.StackID)
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
		})
}
