package storage

import (
	"context"
	"slices"
	"testing"
)

// The last word of a query is also a prefix from two letters on; a single
// letter is matched as a whole word only (it would match most of the index).
func TestIndexTwoLetterPrefix(t *testing.T) { backends(t, testIndexTwoLetterPrefix) }

func testIndexTwoLetterPrefix(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{
		{ID: "1", Title: "Plankton survey", Body: "sea water samples", ETag: "a"},
		{ID: "2", Title: "Budget", Body: "numbers for the year", ETag: "b"},
	}}))
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"pl", []string{"notes:1"}},
		{"sea pl", []string{"notes:1"}},
		{"p", nil},
		{"sea p", nil},
		{"pl ", nil}, // a trailing space ends the word
	} {
		hits, err := x.Search(ctx, "alice", IndexQuery{Text: tc.text})
		if err != nil {
			t.Fatalf("Search(%q): %v", tc.text, err)
		}
		if got := ids(hits); !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// pgQuery itself, so the boundary holds also where no PostgreSQL runs.
func TestPGQueryPrefixFromTwoLetters(t *testing.T) {
	wantEach(t, "pgQuery", pgQuery, map[string]string{
		"sea pl":  "'sea' & 'pl':*",
		"sea p":   "'sea' & 'p'",
		"sea pl ": "'sea' & 'pl'",
		"éc":      "'ec':*",
	})
}
