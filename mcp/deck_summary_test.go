package mcp

import "testing"

// The list summaries of Deck tools, empty and not, to the letter.
func TestDeckListSummaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		out  interface{ Summary() string }
		want string
	}{
		{"no attachments", deckAttachmentsOut{CardID: 7}, "Card #7 has no attachments."},
		{"attachments", deckAttachmentsOut{CardID: 7, Attachments: []deckAttachmentOut{
			{ID: 1, Name: "plan.pdf", Type: "file", Path: "/Documents/plan.pdf"}, {ID: 2, Name: "x.png", Type: "deck_file"}}},
			"2 attachment(s) on card #7:\n- #1 plan.pdf (file) /Documents/plan.pdf\n- #2 x.png (deck_file)"},
		{"no comments", deckCommentsOut{CardID: 7}, "Card #7 has no comments here."},
		{"comments", deckCommentsOut{CardID: 7, Comments: []deckCommentOut{{ID: 3, AuthorName: "Bob", Created: "2026-01-02T03:04:05Z", Message: "hi"}}},
			"1 comment(s) on card #7:\n- #3 Bob (2026-01-02T03:04:05Z): hi"},
		{"no labels", deckLabelsOut{BoardID: 4}, "Board #4 has no labels."},
		{"labels", deckLabelsOut{BoardID: 4, Labels: []deckLabelOut{{ID: 5, Title: "Later", Color: "F1DB50"}, {ID: 6, Title: "Done", Color: "31CC7C"}}},
			"2 label(s) on board #4:\n- #5 Later (#F1DB50)\n- #6 Done (#31CC7C)"},
		{"no stacks", deckStacksOut{BoardID: 4}, "Board #4 has no such stacks."},
		{"stacks", deckStacksOut{BoardID: 4, Stacks: []deckStackOut{{ID: 8, Title: "To do", CardCount: 3, ArchivedCardCount: 1}}},
			"1 stack(s) on board #4:\n- #8 To do (3 card(s), 1 archived)"},
	} {
		if got := tc.out.Summary(); got != tc.want {
			t.Errorf("%s: Summary() = %q, want %q", tc.name, got, tc.want)
		}
	}
}
