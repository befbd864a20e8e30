package mcp

import (
	"context"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestDeckAttachNote(t *testing.T) {
	nc, c := newDeckTest(t)
	ctx := context.Background()
	ac := nc.Client(t, "admin")
	b := deckBoard(t, c, "Project")
	s := deckStack(t, c, b, "To do")
	card := deckCard(t, c, b, s, "Plan", nil).ID
	other := deckCard(t, c, b, s, "Other", nil).ID

	// The note's file is where the Notes settings put it.
	if _, err := ac.Notes().SetSettings(ctx, nextcloud.NotesSettings{NotesPath: "MyNotes", FileSuffix: ".md"}); err != nil {
		t.Fatal(err)
	}
	note := nfNote(t, ac, "Kick-off", "Work/Meetings", "# Kick-off")
	// The Notes app keeps the note as a file in the notes folder.
	nfWrite(t, ac, "MyNotes/Work/Meetings/Kick-off.md", []byte("# Kick-off"))
	att := call[deckAttachmentOneOut](t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card, "note_id": note.ID})
	if att.CardID != card || att.Attachment.Type != "file" || att.Attachment.Name != "Kick-off.md" || att.Attachment.Path != "/MyNotes/Work/Meetings/Kick-off.md" {
		t.Fatalf("attached %+v", att)
	}
	if n := len(call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": other}).Attachments); n != 0 {
		t.Fatalf("the other card got %d attachments", n)
	}

	// A note whose file is not where the Notes settings say.
	lost := nfNote(t, ac, "Lost", "", "x")
	wantError(t, callTool(t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card, "note_id": lost.ID}), "MyNotes/Lost.md", "was not found")
	wantError(t, callTool(t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card, "note_id": 999999}), "note 999999", "nc_notes_list")
	wantError(t, callTool(t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card}), "note_id")
	wantError(t, callTool(t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": 424242, "note_id": note.ID}), "424242")
	if n := len(call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card}).Attachments); n != 1 {
		t.Fatalf("%d attachments after the refused calls", n)
	}
}

func TestDeckAttachNoteWithoutNotesApp(t *testing.T) {
	_, c := newDeckTest(t, nctest.WithDisabledApp("notes"))
	b := deckBoard(t, c, "Project")
	card := deckCard(t, c, b, deckStack(t, c, b, "To do"), "Plan", nil).ID
	wantError(t, callTool(t, c, "nc_deck_attach_note", map[string]any{"board_id": b, "card_id": card, "note_id": 1}), `"notes"`, "not installed or not enabled")
}
