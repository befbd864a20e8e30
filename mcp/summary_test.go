package mcp

import (
	"strings"
	"testing"
)

// The list summaries of the tools that share listSummary, empty and not, to the letter.
func TestListSummaries(t *testing.T) {
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
		{"no mail accounts", mailAccountsOut{}, "No mail accounts are set up in the Mail app."},
		{"mail accounts", mailAccountsOut{Accounts: []mailAccountOut{{ID: 1, Name: "Work", Email: "a@example.org"}}},
			"1 mail accounts:\n- #1 Work <a@example.org>"},
		{"no mailboxes", mailboxesOut{}, "0 mailboxes:"},
		{"mailboxes", mailboxesOut{Mailboxes: []mailboxOut{{ID: 2, Name: "INBOX", Role: "inbox", Unread: 3}, {ID: 5, Name: "Old"}}},
			"2 mailboxes:\n- #2 INBOX (inbox), 3 unread\n- #5 Old"},
		{"no messages", mailListOut{NextBefore: 9}, "No (more) messages."},
		{"messages", mailListOut{NextBefore: 9, Messages: []mailMessageOut{
			{ID: 10, Subject: "Hi", From: "b@example.org", Date: "2026-01-02", Flagged: true},
			{ID: 9, Subject: "Yo", From: "c@example.org", Date: "2026-01-01", Seen: true}}},
			"2 messages, newest first:\n- #10 Hi — b@example.org (2026-01-02) [unread] [flagged]\n- #9 Yo — c@example.org (2026-01-01)\nOlder messages: before=9"},
		{"no collectives", collectivesListOut{}, "No collectives."},
		{"collectives", collectivesListOut{Collectives: []collectiveOut{{ID: 3, Emoji: "📘", Name: "Docs"}, {ID: 4, Name: "Old", Trashed: true}}},
			"2 collectives:\n- #3 📘 Docs\n- #4 Old (in trash)"},
		{"no pages", collectivePagesOut{}, "No pages."},
		{"pages", collectivePagesOut{Collective: collectiveOut{Name: "Docs"}, Pages: []collectivePageOut{{ID: 1, Title: "Docs"}, {ID: 2, Title: "Sub", Emoji: "🌱", Depth: 1}}},
			"2 pages in Docs:\n- #1 Docs\n  - #2 🌱 Sub"},
		{"no hits", collectiveSearchOut{Query: "x"}, `No pages match "x".`},
		{"hits", collectiveSearchOut{Query: "x", Hits: []collectiveHit{{Collective: "Docs", PageID: 2, Title: "Sub"}}},
			"1 pages match \"x\":\n- Docs: page #2 Sub"},
	} {
		if got := tc.out.Summary(); got != tc.want {
			t.Errorf("%s: Summary() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOlderHint(t *testing.T) {
	if got := olderHint(3, "messages", "before", 0); got != "" {
		t.Errorf("no next page: %q", got)
	}
	if got := olderHint(0, "messages", "before", 9); got != "" {
		t.Errorf("empty page: %q", got)
	}
	if got := olderHint(2, "articles", "before_item_id", 42); got != "\nOlder articles: before_item_id=42" {
		t.Errorf("next page: %q", got)
	}
}

func TestClipRunesAndTruncatedMark(t *testing.T) {
	if s, cut := clipRunes("häßlich", 7); s != "häßlich" || cut {
		t.Errorf("short enough: %q %v", s, cut)
	}
	if s, cut := clipRunes("häßlich", 3); s != "häß" || !cut {
		t.Errorf("cut to 3 runes: %q %v", s, cut)
	}
	if truncatedMark(false) != "" || truncatedMark(true) != "\n[truncated]" {
		t.Errorf("truncatedMark: %q %q", truncatedMark(false), truncatedMark(true))
	}
}

func TestMoreHintAndWithText(t *testing.T) {
	if got := moreHint(0, "More: page=%d"); got != "" {
		t.Errorf("last page: %q", got)
	}
	if got := moreHint(int64(7), "More: since=%d"); got != "\nMore: since=7" {
		t.Errorf("next page: %q", got)
	}
	if got := withText("- [1] Hi", ""); got != "- [1] Hi" {
		t.Errorf("no text: %q", got)
	}
	if got := withText("- [1] Hi", "line one\nline two"); !strings.HasPrefix(got, "- [1] Hi: line one") || strings.Contains(got, "\n") {
		t.Errorf("text: %q", got)
	}
}
