package mcp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDeckComments(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "Discuss", nil).ID

	first := call[deckAddCommentOut](t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": "Looks good"})
	if first.Parts != 1 || first.Comments[0].Message != "Looks good" || first.Comments[0].Author != "admin" {
		t.Fatalf("short comment: %+v", first)
	}
	reply := call[deckAddCommentOut](t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": "Thanks", "reply_to": first.Comments[0].ID})
	if reply.Comments[0].ReplyTo != first.Comments[0].ID {
		t.Fatalf("reply: %+v", reply)
	}

	// A long message becomes numbered parts within Deck's limit.
	var sb strings.Builder
	for i := 0; sb.Len() < 2600; i++ {
		fmt.Fprintf(&sb, "Sentence number %d says something about the plan. ", i)
	}
	long := strings.TrimSpace(sb.String())
	res := callTool(t, c, "nc_deck_add_comment", map[string]any{"card_id": card, "message": long})
	var parts deckAddCommentOut
	decodeStructured(t, res, &parts)
	if parts.Parts != 3 || !strings.Contains(resultText(res), "3 numbered comments") {
		t.Fatalf("long comment split into %d parts: %s", parts.Parts, resultText(res))
	}
	var joined []string
	for i, p := range parts.Comments {
		prefix := fmt.Sprintf("(%d/3) ", i+1)
		if !strings.HasPrefix(p.Message, prefix) || utf8.RuneCountInString(p.Message) > 1000 {
			t.Fatalf("part %d: %d chars, starts %q", i+1, utf8.RuneCountInString(p.Message), p.Message[:10])
		}
		joined = append(joined, strings.TrimPrefix(p.Message, prefix))
	}
	if strings.Join(joined, " ") != long {
		t.Fatal("the parts do not add up to the message")
	}

	list := call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card})
	if len(list.Comments) != 5 || list.Comments[0].ID != parts.Comments[2].ID {
		t.Fatalf("list: %d comments, first %+v", len(list.Comments), list.Comments[0])
	}
	page := call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card, "limit": 2, "offset": 3})
	if len(page.Comments) != 2 || page.Comments[1].ID != first.Comments[0].ID {
		t.Fatalf("page: %+v", page)
	}

	ed := call[deckCommentOneOut](t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID, "message": "Looks great"})
	if ed.Comment.Message != "Looks great" {
		t.Fatalf("edit: %+v", ed)
	}
	wantError(t, callTool(t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID, "message": strings.Repeat("x", 1001)}), "1001 characters", "at most 1000")
	wantError(t, callTool(t, c, "nc_deck_update_comment", map[string]any{"card_id": card, "comment_id": 987654, "message": "x"}), "No comment found")

	// Only authors may change a comment.
	shareDeckBoard(t, nc, "admin", b, "bob", true)
	bobComment, err := nc.Client(t, "bob").Deck(nil).CreateComment(context.Background(), card, "bob was here", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, callTool(t, c, "nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": int64(bobComment.ID)}), "Only authors")

	call[deckDoneOut](t, c, "nc_deck_delete_comment", map[string]any{"card_id": card, "comment_id": first.Comments[0].ID})
	if n := len(call[deckCommentsOut](t, c, "nc_deck_list_comments", map[string]any{"card_id": card, "limit": 50}).Comments); n != 5 {
		t.Fatalf("%d comments after delete", n)
	}
	wantError(t, callTool(t, c, "nc_deck_list_comments", map[string]any{"card_id": 999999}), "does not exist or you have no access")
}

func TestDeckAttachments(t *testing.T) {
	nc, c := newDeckTest(t)
	b := deckBoard(t, c, "B")
	s := deckStack(t, c, b, "S")
	card := deckCard(t, c, b, s, "With files", nil).ID

	// The file must exist in admin's files (the WebDAV stand-in answers
	// the share provider's check).
	ac := nc.Client(t, "admin")
	for _, step := range []struct{ method, path, body string }{
		{"MKCOL", "/remote.php/dav/files/admin/Documents", ""},
		{"PUT", "/remote.php/dav/files/admin/Documents/plan.pdf", "%PDF-1.4 plan"},
	} {
		req, err := ac.NewRequest(context.Background(), step.method, step.path, step.body)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ac.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", step.method, step.path, err)
		}
		resp.Body.Close()
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/Documents/missing.pdf"}), "Wrong path, file/folder does not exist")

	empty := call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card})
	if len(empty.Attachments) != 0 {
		t.Fatalf("new card has attachments: %+v", empty)
	}
	att := call[deckAttachmentOneOut](t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "Documents/plan.pdf"})
	if att.Attachment.Type != "file" || att.Attachment.Name != "plan.pdf" || att.Attachment.Path != "/Documents/plan.pdf" || att.Attachment.Mimetype != "application/pdf" {
		t.Fatalf("attached %+v", att)
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "/Documents/plan.pdf"}), "already shared")
	list := call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card})
	if len(list.Attachments) != 1 || list.Attachments[0].ID != att.Attachment.ID {
		t.Fatalf("list %+v", list)
	}
	got := call[deckCardOut](t, c, "nc_deck_get_card", map[string]any{"board_id": b, "card_id": card})
	if got.AttachmentCount != 1 || got.Attachments[0].Name != "plan.pdf" {
		t.Fatalf("card attachments %+v", got.Attachments)
	}
	wantError(t, callTool(t, c, "nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": 777777}), "no attachment 777777", "plan.pdf")
	del := call[deckDoneOut](t, c, "nc_deck_delete_attachment", map[string]any{"board_id": b, "card_id": card, "attachment_id": att.Attachment.ID})
	if !strings.Contains(del.Message, "still in") {
		t.Fatalf("delete message %q", del.Message)
	}
	if n := len(call[deckAttachmentsOut](t, c, "nc_deck_list_attachments", map[string]any{"board_id": b, "card_id": card}).Attachments); n != 0 {
		t.Fatalf("%d attachments after delete", n)
	}
	wantError(t, callTool(t, c, "nc_deck_attach_file", map[string]any{"board_id": b, "card_id": card, "path": "../etc/passwd"}), "..")
}
