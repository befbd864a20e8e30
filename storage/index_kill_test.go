package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// indexRowsOf dumps every index row of user: items, sync state, runs,
// pause flag, table registration, and what a search of its words finds.
func indexRowsOf(t *testing.T, x *Index, user string) []string {
	t.Helper()
	out := dumpRows(t, x.d, user,
		`SELECT app, item_id, title, body, extra, item_date, etag, url, parent FROM index_items WHERE user_id = ? ORDER BY app, item_id`,
		`SELECT app, key, value FROM index_sync WHERE user_id = ? ORDER BY app, key`,
		`SELECT app, last_run, last_success, last_error FROM index_apps WHERE user_id = ? ORDER BY app`,
		`SELECT paused FROM index_users WHERE user_id = ?`,
		`SELECT name FROM index_tables WHERE user_id = ?`)
	hits, err := x.Search(context.Background(), user, IndexQuery{Text: "shared", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(hits)
	sort.Strings(got)
	return append(out, fmt.Sprint(got))
}

// indexTwoUsers gives alice and bob the same items, state and runs.
func indexTwoUsers(t *testing.T, x *Index) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, u := range []string{"alice", "bob"} {
		err := x.Apply(ctx, u, IndexChange{App: AppFiles, Upsert: []IndexItem{
			{ID: "a", Title: "shared a", Body: "words of " + u, Parent: "", ETag: "e1"},
			{ID: "a/b", Title: "shared ab", Body: "deeper", Parent: "a", ETag: "e2"},
			{ID: "ab", Title: "shared sibling", Body: "next to a", Parent: "", ETag: "e3"},
		}, State: map[string]string{"etag:a": "1", "etag:ab": "2", "token": "t"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Apply(ctx, u, IndexChange{App: AppCalendar, Upsert: []IndexItem{
			{ID: "cal/1.ics", Title: "shared event", Parent: "cal/", Date: at},
		}}); err != nil {
			t.Fatal(err)
		}
		if err := x.RecordSync(ctx, u, AppFiles, at, nil); err != nil {
			t.Fatal(err)
		}
		if err := x.SetPaused(ctx, u, false); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIndexOperationsOnOneUserLeaveTheOtherAlone(t *testing.T) {
	backends(t, testIndexOperationsOnOneUserLeaveTheOtherAlone)
}

func testIndexOperationsOnOneUserLeaveTheOtherAlone(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ops := []struct {
		name  string
		op    func(x *Index, u string) error
		check func(t *testing.T, x *Index, u string)
	}{
		{"upsert", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "a", Title: "shared changed", ETag: "e9"}}})
		}, func(t *testing.T, x *Index, u string) {
			wantETags(t, x, u, AppFiles, "", map[string]string{"a": "e9", "a/b": "e2", "ab": "e3"})
		}},
		{"delete", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppFiles, Delete: []string{"ab"}})
		},
			func(t *testing.T, x *Index, u string) {
				wantETags(t, x, u, AppFiles, "", map[string]string{"a": "e1", "a/b": "e2"})
			}},
		{"delete under", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppFiles, DeleteUnder: []string{"a"}})
		},
			func(t *testing.T, x *Index, u string) {
				wantETags(t, x, u, AppFiles, "", map[string]string{"ab": "e3"})
			}},
		{"delete parents", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppCalendar, DeleteParents: []string{"cal/"}})
		}, func(t *testing.T, x *Index, u string) { wantETags(t, x, u, AppCalendar, "", map[string]string{}) }},
		{"state", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppFiles, State: map[string]string{"token": "", "etag:c": "3"}})
		}, func(t *testing.T, x *Index, u string) {
			wantState(t, x, u, map[string]string{"etag:a": "1", "etag:ab": "2", "etag:c": "3"})
		}},
		{"delete state prefix", func(x *Index, u string) error {
			return x.Apply(ctx, u, IndexChange{App: AppFiles, DeleteStatePrefix: []string{"etag:a"}})
		}, func(t *testing.T, x *Index, u string) { wantState(t, x, u, map[string]string{"token": "t"}) }},
		{"record failed sync", func(x *Index, u string) error {
			return x.RecordSync(ctx, u, AppFiles, at, errors.New("boom"))
		}, func(t *testing.T, x *Index, u string) {
			st, err := x.Status(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			a := st.Apps[slices.Index(IndexApps, AppFiles)]
			if !a.LastRun.Equal(at) || a.LastError != "boom" || !a.LastSuccess.Equal(at.Add(-24*time.Hour)) {
				t.Fatalf("files status = %+v", a)
			}
		}},
		{"pause", func(x *Index, u string) error { return x.SetPaused(ctx, u, true) }, func(t *testing.T, x *Index, u string) {
			if p, err := x.Paused(ctx, u); err != nil || !p {
				t.Fatalf("paused = %v, %v", p, err)
			}
		}},
		{"wipe", func(x *Index, u string) error {
			n, err := x.Wipe(ctx, u)
			if err == nil && n != 4 {
				err = fmt.Errorf("wiped %d items, want 4", n)
			}
			return err
		}, func(t *testing.T, x *Index, u string) {
			st, err := x.Status(ctx, u)
			if err != nil || st.Items != 0 {
				t.Fatalf("status after wipe = %+v, %v", st, err)
			}
			wantState(t, x, u, map[string]string{})
		}},
	}
	for _, pair := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
		u, other := pair[0], pair[1]
		for _, tc := range ops {
			t.Run(tc.name+" on "+u, func(t *testing.T) {
				x := openIndex(t)
				indexTwoUsers(t, x)
				before := indexRowsOf(t, x, other)
				if err := tc.op(x, u); err != nil {
					t.Fatal(err)
				}
				tc.check(t, x, u)
				if after := indexRowsOf(t, x, other); !reflect.DeepEqual(after, before) {
					t.Fatalf("%s on %s changed %s's index:\nbefore %v\nafter  %v", tc.name, u, other, before, after)
				}
			})
		}
	}
}

func wantETags(t *testing.T, x *Index, user, app, parent string, want map[string]string) {
	t.Helper()
	got, err := x.ETags(context.Background(), user, app, parent)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("etags of %s %s = %v, %v; want %v", user, app, got, err, want)
	}
}

func wantState(t *testing.T, x *Index, user string, want map[string]string) {
	t.Helper()
	got, err := x.SyncState(context.Background(), user, AppFiles)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("state of %s = %v, %v; want %v", user, got, err, want)
	}
}

// Reads return only the asking user's rows, and per app and parent.
func TestIndexReadsAreScoped(t *testing.T) { backends(t, testIndexReadsAreScoped) }

func testIndexReadsAreScoped(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	indexTwoUsers(t, x)
	if err := x.Apply(ctx, "bob", IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "bobs", Title: "shared", Parent: "a", ETag: "b"}},
		State: map[string]string{"bob-only": "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := x.RecordSync(ctx, "bob", AppNotes, time.Unix(100, 0), errors.New("bob failed")); err != nil {
		t.Fatal(err)
	}
	if err := x.SetPaused(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	wantETags(t, x, "alice", AppFiles, "", map[string]string{"a": "e1", "a/b": "e2", "ab": "e3"})
	wantETags(t, x, "alice", AppFiles, "a", map[string]string{"a/b": "e2"})
	wantETags(t, x, "alice", AppCalendar, "", map[string]string{"cal/1.ics": ""})
	wantState(t, x, "alice", map[string]string{"etag:a": "1", "etag:ab": "2", "token": "t"})
	st, err := x.Status(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if st.Paused || st.Items != 4 || len(st.Apps) != len(IndexApps) {
		t.Fatalf("status = %+v", st)
	}
	for _, a := range st.Apps {
		want := map[string]int{AppFiles: 3, AppCalendar: 1}[a.App]
		if a.Items != want || (a.App == AppNotes && (a.LastError != "" || !a.LastRun.IsZero())) {
			t.Errorf("alice's %s status = %+v, want %d items and no run", a.App, a, want)
		}
	}
	hits, err := x.Search(ctx, "alice", IndexQuery{Text: "shared", Limit: 100})
	if err != nil || len(hits) != 4 || slices.Contains(ids(hits), "files:bobs") {
		t.Fatalf("alice's search = %v, %v", ids(hits), err)
	}
	if p, err := x.Paused(ctx, "carol"); p || err != nil {
		t.Fatalf("carol paused = %v, %v", p, err)
	}
	if hits, err := x.Search(ctx, "carol", IndexQuery{Text: "shared"}); hits != nil || err != nil {
		t.Fatalf("carol, who has no index: %v, %v", hits, err)
	}
}

// DeleteUnder removes a folder and what is below it, not names that only
// start alike; DeleteStatePrefix only keys with the prefix.
func TestIndexDeleteUnderIsAPathPrefix(t *testing.T) { backends(t, testIndexDeleteUnderIsAPathPrefix) }

func testIndexDeleteUnderIsAPathPrefix(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	indexTwoUsers(t, x)
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppFiles, DeleteUnder: []string{"a"}, DeleteStatePrefix: []string{"etag:a"}}))
	wantETags(t, x, "alice", AppFiles, "", map[string]string{"ab": "e3"})
	wantState(t, x, "alice", map[string]string{"token": "t"})
	// Another app's items with the same ids stay.
	must(t, x.Apply(ctx, "bob", IndexChange{App: AppNotes, DeleteUnder: []string{"a"}, Delete: []string{"ab"}}))
	wantETags(t, x, "bob", AppFiles, "", map[string]string{"a": "e1", "a/b": "e2", "ab": "e3"})
}

func TestIndexSearchLimitsAndDates(t *testing.T) { backends(t, testIndexSearchLimitsAndDates) }

func testIndexSearchLimitsAndDates(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	var items []IndexItem
	for i := range 210 {
		items = append(items, IndexItem{ID: fmt.Sprint(i), Title: "kiwi", Date: day(1 + i%28)})
	}
	must(t, x.Apply(ctx, "alice", IndexChange{App: AppNotes, Upsert: items}))
	for limit, want := range map[int]int{0: 20, -1: 20, 1: 1, 200: 200, 201: 20} {
		hits, err := x.Search(ctx, "alice", IndexQuery{Text: "kiwi", Limit: limit})
		if err != nil || len(hits) != want {
			t.Errorf("limit %d: %d hits, %v; want %d", limit, len(hits), err, want)
		}
	}
	hits, err := x.Search(ctx, "alice", IndexQuery{Text: "kiwi", From: day(3), To: day(4), Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Date.Before(day(3)) || h.Date.After(day(4)) {
			t.Errorf("hit dated %v outside [3, 4]", h.Date)
		}
	}
	// Days 3 and 4 each hold 8 of the 210 items (inclusive bounds).
	if len(hits) != 16 {
		t.Errorf("%d hits from day 3 to day 4, want 16", len(hits))
	}
	for _, q := range []IndexQuery{{Text: "  "}, {Text: "!?"}} {
		if _, err := x.Search(ctx, "alice", q); err == nil || !strings.Contains(err.Error(), "no words") {
			t.Errorf("query %q: %v", q.Text, err)
		}
	}
	if _, err := x.Search(ctx, "", IndexQuery{Text: "kiwi"}); err == nil {
		t.Error("search without user")
	}
	if err := x.Apply(ctx, "", IndexChange{App: AppNotes}); err == nil {
		t.Error("apply without user")
	}
}

func TestFTSQueryAndSnippet(t *testing.T) {
	wantEach(t, "ftsQuery", ftsQuery, map[string]string{
		"budget plan":  `"budget" "plan"*`,
		"budget plan ": `"budget" "plan"`,
		"budget p":     `"budget" "p"`,
		`a"b OR c*`:    `"a" "b" "OR" "c"`,
		"":             "",
		"!!":           "",
		"ab":           `"ab"*`,
	})
	words := strings.Fields("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19")
	text := strings.Join(words, " ")
	for _, tc := range []struct {
		text  string
		query []string
		n     int
		want  string
	}{
		{text, []string{"W0"}, 4, "**w0** w1 w2 w3…"},
		{text, []string{"w8"}, 4, "…w7 **w8** w9 w10…"},
		{text, []string{"w8"}, 8, "…w6 w7 **w8** w9 w10 w11 w12 w13…"},
		{text, []string{"w18"}, 8, "…w16 w17 **w18** w19"},
		{"Café, in Zürich!", []string{"zur", "caf"}, 16, "**Café,** in Zürich!"},
		{"Café in Zürich!", []string{"zür"}, 16, "Café in **Zürich!**"},
		{text, []string{"nothing"}, 4, ""},
		{"", []string{"x"}, 4, ""},
		{"-- x", []string{""}, 4, "-- **x**"},
	} {
		if got := snippet(tc.text, tc.query, tc.n); got != tc.want {
			t.Errorf("snippet(%.20q, %v, %d) = %q, want %q", tc.text, tc.query, tc.n, got, tc.want)
		}
	}
}

// Failing index statements are reported naming what failed, and a failed
// Apply or Wipe changes nothing.
func TestIndexFailuresAreReported(t *testing.T) {
	ctx := context.Background()
	dropFTS := func(x *Index) string {
		tbl, err := x.userTable(ctx, x.d.db, "alice", false)
		if err != nil || tbl == "" {
			t.Fatalf("alice's table: %q %v", tbl, err)
		}
		return `DROP TABLE ` + tbl + `;`
	}
	apply := func(ch IndexChange) func(x *Index) error {
		return func(x *Index) error { return x.Apply(ctx, "alice", ch) }
	}
	upsert := apply(IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "n", Title: "new"}}})
	tests := []struct {
		name   string
		sql    func(x *Index) string
		errHas string
		op     func(x *Index) error
	}{
		{"upsert item", fixed(failOn("INSERT", "index_items")), "index item", upsert},
		{"upsert without item table", fixed(gone("index_items")), "prepare index update", upsert},
		{"upsert without word table", dropFTS, "prepare index update", upsert},
		{"upsert with a broken word table", func(x *Index) string {
			tbl := dropFTS(x)[len("DROP TABLE "):]
			tbl = strings.TrimSuffix(strings.TrimSuffix(tbl, ";"), `"`) + `_data"`
			return `DROP TABLE ` + tbl + `;`
		}, "index item words", upsert},
		{"first item: register table", func(*Index) string { return failOn("INSERT", "index_tables") }, "register the user's full-text table",
			func(x *Index) error {
				return x.Apply(ctx, "carol", IndexChange{App: AppFiles, Upsert: []IndexItem{{ID: "n"}}})
			}},
		{"table lookup", fixed(gone("index_tables")), "find the user's full-text table", upsert},
		{"delete item", fixed(failOn("DELETE", "index_items")), "remove index items", apply(IndexChange{App: AppFiles, Delete: []string{"ab"}})},
		{"delete words", dropFTS, "remove index item words", apply(IndexChange{App: AppFiles, Delete: []string{"ab"}})},
		{"delete under", fixed(failOn("DELETE", "index_items")), "remove index items", apply(IndexChange{App: AppFiles, DeleteUnder: []string{"a"}})},
		{"delete parents", fixed(failOn("DELETE", "index_items")), "remove index items", apply(IndexChange{App: AppCalendar, DeleteParents: []string{"cal/"}})},
		{"delete state prefix", fixed(failOn("DELETE", "index_sync")), "remove index sync state", apply(IndexChange{App: AppFiles, DeleteStatePrefix: []string{"etag:"}})},
		{"delete state key", fixed(failOn("DELETE", "index_sync")), "save index sync state", apply(IndexChange{App: AppFiles, State: map[string]string{"token": ""}})},
		{"set state key", fixed(failOn("UPDATE", "index_sync")), "save index sync state", apply(IndexChange{App: AppFiles, State: map[string]string{"token": "u"}})},
		{"wipe words", dropFTS, "drop the user's full-text table", func(x *Index) error { _, err := x.Wipe(ctx, "alice"); return err }},
		{"wipe items", fixed(failOn("DELETE", "index_items")), "wipe index items", func(x *Index) error { _, err := x.Wipe(ctx, "alice"); return err }},
		{"wipe state", fixed(failOn("DELETE", "index_apps")), "wipe index state", func(x *Index) error { _, err := x.Wipe(ctx, "alice"); return err }},
		{"wipe lookup", fixed(gone("index_tables")), "find the user's full-text table", func(x *Index) error { _, err := x.Wipe(ctx, "alice"); return err }},
		{"record sync", fixed(failOn("UPDATE", "index_apps")), "record index sync",
			func(x *Index) error { return x.RecordSync(ctx, "alice", AppFiles, time.Now(), nil) }},
		{"pause", fixed(failOn("UPDATE", "index_users")), "pause or resume the index", func(x *Index) error { return x.SetPaused(ctx, "alice", true) }},
		{"paused", fixed(gone("index_users")), "read index pause flag", func(x *Index) error { _, err := x.Paused(ctx, "alice"); return err }},
		{"status pause", fixed(gone("index_users")), "read index pause flag", func(x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"status items", fixed(gone("index_items")), "count index items", func(x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"status runs", fixed(gone("index_apps")), "read index runs", func(x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"status item scan", fixed(`ALTER TABLE index_items RENAME TO index_items_real;
			CREATE VIEW index_items AS SELECT user_id, NULL AS app, id, item_id FROM index_items_real;`),
			"count index items", func(x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"status run scan", fixed(`ALTER TABLE index_apps RENAME TO index_apps_real;
			CREATE VIEW index_apps AS SELECT user_id, NULL AS app, last_run, last_success, last_error FROM index_apps_real;`),
			"read index runs", func(x *Index) error { _, err := x.Status(ctx, "alice"); return err }},
		{"etags", fixed(gone("index_items")), "read index etags", func(x *Index) error { _, err := x.ETags(ctx, "alice", AppFiles, ""); return err }},
		{"sync state", fixed(gone("index_sync")), "read index sync state", func(x *Index) error { _, err := x.SyncState(ctx, "alice", AppFiles); return err }},
		{"etags scan", fixed(`ALTER TABLE index_items RENAME TO index_items_real;
			CREATE VIEW index_items AS SELECT user_id, app, item_id, NULL AS etag, parent FROM index_items_real;`),
			"read index etags", func(x *Index) error { _, err := x.ETags(ctx, "alice", AppFiles, ""); return err }},
		{"sync state scan", fixed(`ALTER TABLE index_sync RENAME TO index_sync_real;
			CREATE VIEW index_sync AS SELECT user_id, app, NULL AS key, value FROM index_sync_real;`),
			"read index sync state", func(x *Index) error { _, err := x.SyncState(ctx, "alice", AppFiles); return err }},
		{"search lookup", fixed(gone("index_tables")), "find the user's full-text table",
			func(x *Index) error { _, err := x.Search(ctx, "alice", IndexQuery{Text: "shared"}); return err }},
		{"search row scan", fixed(`ALTER TABLE index_items RENAME TO index_items_real;
			CREATE VIEW index_items AS SELECT id, user_id, app, item_id, NULL AS title, body, extra, item_date, url FROM index_items_real;`),
			"search the index", func(x *Index) error { _, err := x.Search(ctx, "alice", IndexQuery{Text: "shared"}); return err }},
		{"search words", dropFTS, "search the index",
			func(x *Index) error { _, err := x.Search(ctx, "alice", IndexQuery{Text: "shared"}); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := openIndex(t)
			indexTwoUsers(t, x)
			bob := indexRowsOf(t, x, "bob")
			if _, err := x.d.db.Exec(tc.sql(x)); err != nil {
				t.Fatal(err)
			}
			err := tc.op(x)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("err = %v, want an error naming %q", err, tc.errHas)
			}
			if strings.Contains(tc.sql(x), "TRIGGER") {
				if _, err := x.d.db.Exec(`DROP TRIGGER IF EXISTS fail_insert_index_items; DROP TRIGGER IF EXISTS fail_delete_index_items;
					DROP TRIGGER IF EXISTS fail_delete_index_sync; DROP TRIGGER IF EXISTS fail_update_index_sync;
					DROP TRIGGER IF EXISTS fail_delete_index_apps; DROP TRIGGER IF EXISTS fail_update_index_apps;
					DROP TRIGGER IF EXISTS fail_update_index_users; DROP TRIGGER IF EXISTS fail_insert_index_tables`); err != nil {
					t.Fatal(err)
				}
				if after := indexRowsOf(t, x, "bob"); !reflect.DeepEqual(after, bob) {
					t.Fatalf("bob's index changed:\n%v\n%v", bob, after)
				}
			}
		})
	}
}

func fixed(s string) func(*Index) string { return func(*Index) string { return s } }
