package storage

import (
	"context"
	"slices"
	"testing"
)

// TestSearchContractOnBothStores: the same items and queries give the same
// hits on SQLite (FTS5) and PostgreSQL (tsvector): all words required,
// the last one also a prefix, case and accents folded, words split at
// punctuation (an e-mail address is three words), and a title hit ranked
// above an extra-field hit above a body hit.
func TestSearchContractOnBothStores(t *testing.T) {
	items := []IndexItem{
		{ID: "body", Title: "Weekly notes", Body: "the budget review is on friday"},
		{ID: "title", Title: "Budget review", Body: "numbers for next year"},
		{ID: "extra", Title: "Meeting", Body: "agenda", Extra: "budget"},
		{ID: "accent", Title: "Café Über", Body: "crème brûlée recipe"},
		{ID: "mail", Title: "Contact", Extra: "alice@example.com"},
		{ID: "other", Title: "Unrelated", Body: "nothing to see"},
	}
	queries := []struct {
		text string
		want []string // in rank order
	}{
		{"budget", []string{"title", "extra", "body"}},
		{"budget review", []string{"title", "body"}},
		{"bud", []string{"title", "extra", "body"}},     // prefix of the last word
		{"budget ", []string{"title", "extra", "body"}}, // trailing space: exact word only
		{"budg ", nil},
		{"cafe uber", []string{"accent"}},            // accents folded
		{"CRÈME", []string{"accent"}},                // case folded
		{"example", []string{"mail"}},                // e-mail split into words
		{"alice example com", []string{"mail"}},      //
		{"review friday", []string{"body"}},          // all words required
		{"zeppelin", nil},                            //
		{"budget-review", []string{"title", "body"}}, // punctuation splits
		{"n", nil}, // one letter: no prefix, and no word "n"
	}
	backends(t, func(t *testing.T) {
		ctx := context.Background()
		x := openIndex(t)
		must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: items}))
		for _, q := range queries {
			hits, err := x.Search(ctx, "alice", IndexQuery{Text: q.text, Limit: 50})
			if err != nil {
				t.Fatalf("%q: %v", q.text, err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.ID)
			}
			if !slices.Equal(got, q.want) {
				t.Errorf("%q: hits %v, want %v", q.text, got, q.want)
			}
		}
	})
}
