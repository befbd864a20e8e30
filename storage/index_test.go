package storage

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func ids(hits []IndexHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.App + ":" + h.ID
	}
	return out
}

func TestIndexSearch(t *testing.T) { backends(t, testIndexSearch) }

func testIndexSearch(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{
		{ID: "1", Title: "Budget planning", Body: "numbers for the year", Extra: "Work", Date: day(1), ETag: "a"},
		{ID: "2", Title: "Groceries", Body: "milk, eggs and the budget for food", Extra: "Home", Date: day(10), ETag: "b"},
		{ID: "3", Title: "Holiday", Body: "Café in Zürich", Date: day(20), ETag: "c"},
	}}))
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppFiles, Upsert: []IndexItem{
		{ID: "Documents/budget.md", Title: "budget.md", Body: "spreadsheet", Parent: "Documents", Date: day(5), ETag: "f1"},
		{ID: "Documents/sub/x.txt", Title: "x.txt", Body: "budget in a subfolder", Parent: "Documents/sub", Date: day(5), ETag: "f2"},
	}}))
	must(t, x.Apply(ctx, "bob", IndexChange{App: AppNotes, Upsert: []IndexItem{
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
	must(t, err)
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "**eggs**") {
		t.Fatalf("snippet = %+v, want the hit highlighted", hits)
	}

	// Deletions: a folder subtree, an item; then a wipe of alice only.
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppFiles, DeleteUnder: []string{"Documents/sub"}}))
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Delete: []string{"2"}}))
	hits, err = x.Search(ctx, "alice", IndexQuery{Text: "budget"})
	must(t, err)
	if got := ids(hits); len(got) != 2 || slices.Contains(got, "notes:2") || slices.Contains(got, "files:Documents/sub/x.txt") {
		t.Fatalf("after deletes hits = %v", got)
	}
	n, err := x.Wipe(ctx, "alice")
	must(t, err)
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

// An upserted item that names its own app keeps it; the change's app is
// only the default (a calendar's REPORT brings events and tasks).
func TestIndexItemKeepsItsApp(t *testing.T) { backends(t, testIndexItemKeepsItsApp) }

func testIndexItemKeepsItsApp(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppCalendar, Upsert: []IndexItem{
		{ID: "cal/e.ics", Title: "okapi event"},
		{ID: "cal/t.ics", Title: "okapi task", App: AppTasks},
	}}))
	for app, want := range map[string]string{AppCalendar: "cal/e.ics", AppTasks: "cal/t.ics"} {
		hits, err := x.Search(ctx, "alice", IndexQuery{Text: "okapi", Apps: []string{app}})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != want || hits[0].App != app {
			t.Errorf("%s: %+v, want only %s", app, hits, want)
		}
	}
}

func TestIndexStateAndStatus(t *testing.T) { backends(t, testIndexStateAndStatus) }

func testIndexStateAndStatus(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppFiles, State: map[string]string{"dir:": "e1", "dir:A": "e2", "dir:A/B": "e3"}}))
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppFiles, DeleteStatePrefix: []string{"dir:A/"}, State: map[string]string{"dir:A": ""}}))
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

// TestIndexUpdatesAndFilters checks what the per-user tables must keep
// right: a changed item matches only its new words, deletions by parent
// leave no words behind, and filters reach past the first page of better
// ranked matches that they exclude.
func TestIndexUpdatesAndFilters(t *testing.T) { backends(t, testIndexUpdatesAndFilters) }

func testIndexUpdatesAndFilters(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	var notes []IndexItem
	for i := range 30 {
		notes = append(notes, IndexItem{ID: fmt.Sprint(i), Title: "Budget " + fmt.Sprint(i), Body: "numbers", Date: day(1)})
	}
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: notes}))
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppCalendar, Upsert: []IndexItem{
		{ID: "cal/a/1.ics", Title: "Review", Body: "the budget review", Parent: "cal/a", Date: day(20)},
		{ID: "cal/b/2.ics", Title: "Lunch", Body: "budget lunch", Parent: "cal/b", Date: day(21)},
	}}))
	search := func(q IndexQuery) []string {
		t.Helper()
		hits, err := x.Search(ctx, "alice", q)
		must(t, err)
		got := ids(hits)
		sort.Strings(got)
		return got
	}
	tests := []struct {
		name string
		q    IndexQuery
		want []string
	}{
		{"app filter past the page", IndexQuery{Text: "budget", Apps: []string{AppCalendar}, Limit: 5}, []string{"calendar:cal/a/1.ics", "calendar:cal/b/2.ics"}},
		{"date filter past the page", IndexQuery{Text: "budget", From: day(21), Limit: 5}, []string{"calendar:cal/b/2.ics"}},
	}
	for _, tc := range tests {
		if got := search(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: hits = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := search(IndexQuery{Text: "budget", Limit: 7}); len(got) != 7 {
		t.Errorf("limit 7 gave %d hits", len(got))
	}
	// Field weights: one title hit outranks four body hits, one hit in
	// extra outranks two in the body.
	must(t, x.Apply(ctx, "weights", IndexChange{App: AppNotes, Upsert: []IndexItem{
		{ID: "body", Title: "x", Body: "kiwi kiwi kiwi kiwi and some other words"},
		{ID: "title", Title: "kiwi", Body: "some other words and more words"},
		{ID: "body2", Title: "y", Body: "melon melon and some other words"},
		{ID: "extra", Title: "z", Body: "some other words and more words", Extra: "melon"},
	}}))
	for q, want := range map[string][]string{"kiwi": {"notes:title", "notes:body"}, "melon": {"notes:extra", "notes:body2"}} {
		hits, err := x.Search(ctx, "weights", IndexQuery{Text: q})
		must(t, err)
		if got := ids(hits); !slices.Equal(got, want) {
			t.Errorf("%s ranked %v, want %v", q, got, want)
		}
	}

	// Changing a note replaces its words.
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{{ID: "3", Title: "Garden", Body: "tomatoes"}}}))
	if got := search(IndexQuery{Text: "tomatoes"}); !slices.Equal(got, []string{"notes:3"}) {
		t.Errorf("new words: hits = %v", got)
	}
	if got := search(IndexQuery{Text: "budget", Apps: []string{AppNotes}, Limit: 100}); len(got) != 29 || slices.Contains(got, "notes:3") {
		t.Errorf("old words still match: %v", got)
	}
	// Removing a calendar removes its events' words.
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppCalendar, DeleteParents: []string{"cal/a"}}))
	if got := search(IndexQuery{Text: "review"}); len(got) != 0 {
		t.Errorf("deleted calendar still found: %v", got)
	}
	// FTS5 keeps words in a table apart from the items (PostgreSQL keeps
	// them in the item's row, gone with it).
	if !onPostgres(t) {
		tbl, err := x.userTable(ctx, x.d.db, "alice", false)
		must(t, err)
		var left int
		must(t, x.d.db.QueryRowContext(ctx, `SELECT count(*) FROM `+tbl+` WHERE `+tbl+` MATCH 'review'`).Scan(&left))
		if left != 0 {
			t.Errorf("the full-text table keeps %d deleted events", left)
		}
	}
	if got := search(IndexQuery{Text: "lunch"}); !slices.Equal(got, []string{"calendar:cal/b/2.ics"}) {
		t.Errorf("other calendar: hits = %v", got)
	}
}

// TestIndexUsersApart checks that users share no full-text data: a word
// only bob has finds nothing for alice, bob's items do not change alice's
// scores (BM25 statistics are per user), and a wipe drops only the
// wiped user's table, which the next sync makes again.
func TestIndexUsersApart(t *testing.T) { backends(t, testIndexUsersApart) }

func testIndexUsersApart(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	alice := []IndexItem{{ID: "1", Title: "Budget", Body: "plan"}, {ID: "2", Title: "Other", Body: "text"}}
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: alice}))
	before, err := x.Search(ctx, "alice", IndexQuery{Text: "budget"})
	must(t, err)
	var bobs []IndexItem
	for i := range 50 {
		bobs = append(bobs, IndexItem{ID: fmt.Sprint(i), Title: "budget budget", Body: "zeppelin"})
	}
	must(t, x.Apply(ctx, "bob", IndexChange{App: AppNotes, Upsert: bobs}))
	after, err := x.Search(ctx, "alice", IndexQuery{Text: "budget"})
	must(t, err)
	if len(before) != 1 || len(after) != 1 || before[0].Score != after[0].Score {
		t.Fatalf("alice's hits changed with bob's items: %+v, then %+v", before, after)
	}
	if hits, err := x.Search(ctx, "alice", IndexQuery{Text: "zeppelin"}); err != nil || len(hits) != 0 {
		t.Fatalf("alice found bob's word: %v %v", ids(hits), err)
	}
	tables := func() map[string]string {
		t.Helper()
		rows, err := x.d.db.QueryContext(ctx, `SELECT t.user_id, t.name FROM index_tables t JOIN sqlite_master m ON m.name = t.name`)
		must(t, err)
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var u, n string
			must(t, rows.Scan(&u, &n))
			out[u] = n
		}
		return out
	}
	// FTS5 tables per user are SQLite's; PostgreSQL has one table.
	if !onPostgres(t) {
		if tb := tables(); len(tb) != 2 || tb["alice"] == tb["bob"] {
			t.Fatalf("tables = %v, want one per user", tb)
		}
	}
	if _, err := x.Wipe(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if !onPostgres(t) {
		if tb := tables(); len(tb) != 1 || tb["bob"] == "" {
			t.Fatalf("after alice's wipe tables = %v, want bob's only", tb)
		}
	}
	if hits, err := x.Search(ctx, "bob", IndexQuery{Text: "zeppelin", Limit: 100}); err != nil || len(hits) != 50 {
		t.Fatalf("bob after alice's wipe: %d hits, %v", len(hits), err)
	}
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: alice}))
	if hits, err := x.Search(ctx, "alice", IndexQuery{Text: "plan"}); err != nil || len(hits) != 1 {
		t.Fatalf("alice after re-sync: %v %v", ids(hits), err)
	}
}

// legacyIndexSchema is the shared FTS5 table of schema version 2.
const legacyIndexSchema = `
CREATE VIRTUAL TABLE index_fts USING fts5(title, body, extra, owner,
	content='index_items', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER index_items_ai AFTER INSERT ON index_items BEGIN
	INSERT INTO index_fts(rowid, title, body, extra, owner) VALUES (new.id, new.title, new.body, new.extra, new.owner);
END;
CREATE TRIGGER index_items_ad AFTER DELETE ON index_items BEGIN
	INSERT INTO index_fts(index_fts, rowid, title, body, extra, owner) VALUES ('delete', old.id, old.title, old.body, old.extra, old.owner);
END;
CREATE TRIGGER index_items_au AFTER UPDATE ON index_items BEGIN
	INSERT INTO index_fts(index_fts, rowid, title, body, extra, owner) VALUES ('delete', old.id, old.title, old.body, old.extra, old.owner);
	INSERT INTO index_fts(rowid, title, body, extra, owner) VALUES (new.id, new.title, new.body, new.extra, new.owner);
END;`

// TestIndexMigratesFromSharedTable opens a schema version 2 database with
// an indexed user: the old table goes, the index and its sync state are
// cleared (so the next sync rebuilds it, and nc_search does not take the
// empty index for fresh), the pause flag stays, and a log line says so.
func TestIndexMigratesFromSharedTable(t *testing.T) {
	ctx := context.Background()
	path := fmt.Sprintf("%s/v2.db", t.TempDir())
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], migrations[1], legacyIndexSchema,
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version VALUES (2)`,
		`INSERT INTO index_items (user_id, app, item_id, title, owner) VALUES ('alice', 'notes', '1', 'Budget', 'u1')`,
		`INSERT INTO index_sync (user_id, app, key, value) VALUES ('alice', 'notes', 'pruneBefore', '1')`,
		`INSERT INTO index_apps (user_id, app, last_run, last_success) VALUES ('alice', 'notes', 1, 1)`,
		`INSERT INTO index_users (user_id, paused) VALUES ('alice', 1)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	d, err := Open(ctx, path, Options{Keys: key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	x := indexOf(t, d)
	var left int
	if err := d.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'index_fts%' OR name LIKE 'index_items_a%'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d old tables or triggers left (%v)", left, err)
	}
	if !strings.Contains(logs.String(), "next sync rebuilds") {
		t.Errorf("no log line about the rebuild: %q", logs.String())
	}
	st, err := x.Status(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range st.Apps {
		if !a.LastSuccess.IsZero() {
			t.Errorf("%s still counts as synced: %+v", a.App, a)
		}
	}
	if s, _ := x.SyncState(ctx, "alice", AppNotes); st.Items != 0 || !st.Paused || len(s) != 0 {
		t.Fatalf("after migration status = %+v, sync state %v", st, s)
	}
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: []IndexItem{{ID: "1", Title: "Budget"}}}))
	if hits, err := x.Search(ctx, "alice", IndexQuery{Text: "budget"}); err != nil || len(hits) != 1 {
		t.Fatalf("search after migration: %v %v", ids(hits), err)
	}
	d.Close()
	logs.Reset()
	d2, err := Open(ctx, path, Options{Keys: key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if _, err := d2.OpenIndex(ctx); err != nil || logs.Len() != 0 {
		t.Fatalf("reopening: %v, logs %q", err, logs.String())
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

// must stops the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
