package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func openIndex(t testing.TB) *Index {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), fmt.Sprintf("%s/idx.db", t.TempDir()), Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	x, err := d.OpenIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func ids(hits []IndexHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.App + ":" + h.ID
	}
	return out
}

func TestIndexSearch(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{
		{ID: "1", Title: "Budget planning", Body: "numbers for the year", Extra: "Work", Date: day(1), ETag: "a"},
		{ID: "2", Title: "Groceries", Body: "milk, eggs and the budget for food", Extra: "Home", Date: day(10), ETag: "b"},
		{ID: "3", Title: "Holiday", Body: "Café in Zürich", Date: day(20), ETag: "c"},
	}}))
	must(x.Apply(ctx, "alice", IndexChange{App: AppFiles, Upsert: []IndexItem{
		{ID: "Documents/budget.md", Title: "budget.md", Body: "spreadsheet", Parent: "Documents", Date: day(5), ETag: "f1"},
		{ID: "Documents/sub/x.txt", Title: "x.txt", Body: "budget in a subfolder", Parent: "Documents/sub", Date: day(5), ETag: "f2"},
	}}))
	must(x.Apply(ctx, "bob", IndexChange{App: AppNotes, Upsert: []IndexItem{
		{ID: "1", Title: "Bob's secret budget", Body: "budget budget budget", Date: day(1), ETag: "z"},
	}}))

	tests := []struct {
		name string
		user string
		q    IndexQuery
		want []string
		// ordered: want is the exact ranking
		ordered bool
	}{
		{"title ranks above body", "alice", IndexQuery{Text: "budget", Apps: []string{AppNotes}}, []string{"notes:1", "notes:2"}, true},
		{"all apps", "alice", IndexQuery{Text: "budget"}, []string{"files:Documents/budget.md", "files:Documents/sub/x.txt", "notes:1", "notes:2"}, false},
		{"app filter", "alice", IndexQuery{Text: "budget", Apps: []string{AppFiles}}, []string{"files:Documents/budget.md", "files:Documents/sub/x.txt"}, false},
		{"date range", "alice", IndexQuery{Text: "budget", From: day(2), To: day(12)}, []string{"files:Documents/budget.md", "files:Documents/sub/x.txt", "notes:2"}, false},
		{"diacritics folded", "alice", IndexQuery{Text: "zurich cafe"}, []string{"notes:3"}, false},
		{"prefix of last word", "alice", IndexQuery{Text: "grocer"}, []string{"notes:2"}, false},
		{"extra field", "alice", IndexQuery{Text: "work"}, []string{"notes:1"}, false},
		{"fts syntax is literal", "alice", IndexQuery{Text: `budget" OR owner:*`}, nil, false},
		{"other user only own rows", "bob", IndexQuery{Text: "budget"}, []string{"notes:1"}, false},
		{"unknown user nothing", "carol", IndexQuery{Text: "budget"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := x.Search(ctx, tc.user, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(hits)
			if !tc.ordered {
				sort.Strings(got)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("hits = %v, want %v", got, tc.want)
			}
			for _, h := range hits {
				if tc.user == "alice" && strings.Contains(h.Title, "Bob") {
					t.Fatalf("alice got bob's item %+v", h)
				}
			}
		})
	}
	hits, err := x.Search(ctx, "alice", IndexQuery{Text: "eggs"})
	must(err)
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "**eggs**") {
		t.Fatalf("snippet = %+v, want the hit highlighted", hits)
	}

	// Deletions: a folder subtree, an item; then a wipe of alice only.
	must(x.Apply(ctx, "alice", IndexChange{App: AppFiles, DeleteUnder: []string{"Documents/sub"}}))
	must(x.Apply(ctx, "alice", IndexChange{App: AppNotes, Delete: []string{"2"}}))
	hits, err = x.Search(ctx, "alice", IndexQuery{Text: "budget"})
	must(err)
	if got := ids(hits); len(got) != 2 || slices.Contains(got, "notes:2") || slices.Contains(got, "files:Documents/sub/x.txt") {
		t.Fatalf("after deletes hits = %v", got)
	}
	n, err := x.Wipe(ctx, "alice")
	must(err)
	if n != 3 {
		t.Fatalf("wiped %d items, want 3", n)
	}
	if hits, _ := x.Search(ctx, "alice", IndexQuery{Text: "budget"}); len(hits) != 0 {
		t.Fatalf("alice still has %v after wipe", ids(hits))
	}
	if hits, _ := x.Search(ctx, "bob", IndexQuery{Text: "budget"}); len(hits) != 1 {
		t.Fatalf("bob lost his items in alice's wipe: %v", ids(hits))
	}
}

func TestIndexStateAndStatus(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := x.Apply(ctx, "alice", IndexChange{App: AppFiles, State: map[string]string{"dir:": "e1", "dir:A": "e2", "dir:A/B": "e3"}}); err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(ctx, "alice", IndexChange{App: AppFiles, DeleteStatePrefix: []string{"dir:A/"}, State: map[string]string{"dir:A": ""}}); err != nil {
		t.Fatal(err)
	}
	st, err := x.SyncState(ctx, "alice", AppFiles)
	if err != nil || len(st) != 1 || st["dir:"] != "e1" {
		t.Fatalf("state = %v (%v)", st, err)
	}
	if s, _ := x.SyncState(ctx, "bob", AppFiles); len(s) != 0 {
		t.Fatalf("bob sees alice's state %v", s)
	}
	if err := x.RecordSync(ctx, "alice", AppFiles, now, nil); err != nil {
		t.Fatal(err)
	}
	if err := x.RecordSync(ctx, "alice", AppFiles, now.Add(time.Hour), fmt.Errorf("boom")); err != nil {
		t.Fatal(err)
	}
	if err := x.SetPaused(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	s, err := x.Status(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var files AppStatus
	for _, a := range s.Apps {
		if a.App == AppFiles {
			files = a
		}
	}
	if !s.Paused || !files.LastSuccess.Equal(now) || !files.LastRun.Equal(now.Add(time.Hour)) || files.LastError != "boom" {
		t.Fatalf("status = %+v", s)
	}
	if p, _ := x.Paused(ctx, "bob"); p {
		t.Fatal("bob paused by alice")
	}
}

// benchWords is a small vocabulary for synthetic notes.
var benchWords = strings.Fields(`alpha budget meeting project report invoice travel family garden recipe
	kitchen server backup release planning design review customer contract holiday birthday music
	football weather library history science school lesson doctor insurance taxes car bicycle train`)

func benchText(r *rand.Rand, zipf *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		// One word in ten from the small vocabulary (each then in about
		// a quarter of the notes), the rest Zipf-distributed over 20,000
		// words, roughly like prose.
		if r.IntN(10) == 0 {
			b.WriteString(benchWords[r.IntN(len(benchWords))])
		} else {
			fmt.Fprintf(&b, "w%d", zipf.Uint64())
		}
	}
	return b.String()
}

func benchItems(n int, seed uint64) []IndexItem {
	r := rand.New(rand.NewPCG(seed, 1))
	zipf := rand.NewZipf(r, 1.1, 1, 20000)
	items := make([]IndexItem, n)
	for i := range items {
		items[i] = IndexItem{App: AppNotes, ID: fmt.Sprint(i), Title: benchText(r, zipf, 4), Body: benchText(r, zipf, 120),
			Extra: benchWords[r.IntN(len(benchWords))], Date: time.Unix(1.7e9+int64(i)*60, 0), ETag: fmt.Sprint(i)}
	}
	return items
}

// BenchmarkIndexNotes10k indexes 10,000 notes of about 120 words in
// batches of 200 (as the notes sync writes them).
func BenchmarkIndexNotes10k(b *testing.B) {
	items := benchItems(10000, 1)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		x := openIndex(b)
		b.StartTimer()
		for i := 0; i < len(items); i += 200 {
			if err := x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: items[i:min(i+200, len(items))]}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkIndexSearch100k searches 100,000 items (of 10 users, the
// searching user owning 10,000) and reports the p95 latency.
func BenchmarkIndexSearch100k(b *testing.B) {
	ctx := context.Background()
	x := openIndex(b)
	items := benchItems(100000, 2)
	for u := range 10 {
		user := fmt.Sprintf("user%d", u)
		for i := u * 10000; i < (u+1)*10000; i += 1000 {
			if err := x.Apply(ctx, user, IndexChange{App: AppNotes, Upsert: items[i : i+1000]}); err != nil {
				b.Fatal(err)
			}
		}
	}
	queries := []string{"budget", "meeting project", "holiday travel", "invoice w42", "garden recipe kitchen", "rep", "w1234"}
	var lat []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := x.Search(ctx, "user3", IndexQuery{Text: queries[i%len(queries)], Limit: 20}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	}
}
