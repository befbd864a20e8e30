package jobs

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

func newTestIndex(t testing.TB) *storage.Index {
	t.Helper()
	return storetest.Index(t, storetest.TokenStore(t))
}

// indexRunner runs the index jobs for users against nc.
func indexRunner(t *testing.T, nc *nctest.Server, x *Indexer, clk *clock, users ...string) *Runner {
	t.Helper()
	r, err := New(Options{
		Now:      clk.Now,
		Accounts: testAccounts{client: func(_ context.Context, user string) (*nextcloud.Client, error) { return nc.Client(t, user), nil }, users: func(context.Context) ([]string, error) { return users, nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range x.Jobs(time.Minute) {
		if err := r.Register(j); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// wantNoHits fails with what when user's index finds anything for q.
func wantNoHits(t *testing.T, idx *storage.Index, user, q, what string) {
	t.Helper()
	if got := search(t, idx, user, q); len(got) != 0 {
		t.Fatalf("%s: %v", what, got)
	}
}

// wantHits fails unless user's search for q finds exactly want (app:title,
// sorted); what says which check failed.
func wantHits(t *testing.T, idx *storage.Index, user, q, what string, want ...string) {
	t.Helper()
	if got := search(t, idx, user, q); !slices.Equal(got, want) {
		t.Fatalf("%s: %q = %v, want %v", what, q, got, want)
	}
}

func search(t *testing.T, idx *storage.Index, user, q string, apps ...string) []string {
	t.Helper()
	hits, err := idx.Search(context.Background(), user, storage.IndexQuery{Text: q, Apps: apps, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.App+":"+h.Title)
	}
	sort.Strings(out)
	return out
}

// indexedOnce runs the index jobs of alice and bob once into a new index
// (clock at 2026-03-01 08:00 UTC) and fails unless each of jobs succeeded
// for alice.
func indexedOnce(t *testing.T, nc *nctest.Server, jobs ...string) (*storage.Index, *Indexer, *Runner, *clock) {
	t.Helper()
	idx := newTestIndex(t)
	x := NewIndexer(idx)
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	r := indexRunner(t, nc, x, clk, "alice", "bob")
	r.RunDue(context.Background())
	for _, j := range jobs {
		if s := jobStatus(r, "alice", j); s.LastOutcome != OutcomeOK {
			t.Fatalf("first %s run: %+v", j, s)
		}
	}
	return idx, x, r, clk
}

// deckStack creates a board (red) with one stack for the Deck client's user.
func deckStack(t testing.TB, dk *nextcloud.DeckClient, board, stack string) (*nextcloud.DeckBoard, *nextcloud.DeckStack) {
	t.Helper()
	b, err := dk.CreateBoard(context.Background(), board, "ff0000")
	if err != nil {
		t.Fatal(err)
	}
	st, err := dk.CreateStack(context.Background(), b.ID, stack, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

func jobStatus(r *Runner, user, job string) Status {
	for _, s := range r.Status(user) {
		if s.Job == job {
			return s
		}
	}
	return Status{}
}

func TestIndexNotesSync(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	str := func(s string) *string { return &s }
	alice, bob := nc.Client(t, "alice"), nc.Client(t, "bob")
	var aliceIDs []int64
	for i := range 250 { // more than one chunk
		n, err := alice.Notes().Create(ctx, nextcloud.NoteInput{Title: str(fmt.Sprintf("Note %d", i)), Category: str("Work"), Content: str(fmt.Sprintf("body zebra%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		aliceIDs = append(aliceIDs, n.ID)
	}
	if _, err := bob.Notes().Create(ctx, nextcloud.NoteInput{Title: str("Bob plans"), Content: str("zebra0 secret")}); err != nil {
		t.Fatal(err)
	}
	// Notes changed in the second of a listing are listed again (pruning
	// is by whole seconds): start the first sync in a later second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	idx, x, r, clk := indexedOnce(t, nc, IndexNotesJob)
	wantHits(t, idx, "alice", "zebra0", "alice's note", "notes:Note 0")
	wantHits(t, idx, "bob", "zebra0", "bob's note", "notes:Bob plans")
	if st, _ := idx.Status(ctx, "alice"); st.Items != 250 {
		t.Fatalf("alice has %d notes indexed, want 250", st.Items)
	}

	// Nothing changed: one request per user.
	key := "GET /index.php/apps/notes/api/v1/notes"
	before := nc.RequestCount(key)
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	if d := nc.RequestCount(key) - before; d != 2 {
		t.Fatalf("unchanged sync of two users took %d note listings, want 2", d)
	}

	// An edit, a new note, a deletion.
	if _, err := alice.Notes().Update(ctx, aliceIDs[1], nextcloud.NoteInput{Content: str("now about giraffes")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := alice.Notes().Delete(ctx, aliceIDs[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Notes().Create(ctx, nextcloud.NoteInput{Title: str("Fresh"), Content: str("giraffes too")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	wantHits(t, idx, "alice", "giraffes", "after edits", "notes:Fresh", "notes:Note 1")
	if got := search(t, idx, "alice", "zebra2"); slices.Contains(got, "notes:Note 2") {
		t.Fatalf("deleted note still found: %v", got)
	}
	if got := search(t, idx, "alice", "zebra1"); slices.Contains(got, "notes:Note 1") {
		t.Fatalf("old content of an edited note still found: %v", got)
	}

	// Paused: no requests, no changes; resumed: catches up.
	if err := idx.SetPaused(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Notes().Create(ctx, nextcloud.NoteInput{Title: str("While paused"), Content: str("okapi")}); err != nil {
		t.Fatal(err)
	}
	before = nc.RequestCount(key)
	r = indexRunner(t, nc, x, clk, "alice")
	r.RunDue(ctx)
	if d := nc.RequestCount(key) - before; d != 0 {
		t.Fatalf("paused sync made %d requests", d)
	}
	wantNoHits(t, idx, "alice", "okapi", "paused index changed")
	if err := idx.SetPaused(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	r = indexRunner(t, nc, x, clk, "alice")
	r.RunDue(ctx)
	if got := search(t, idx, "alice", "okapi"); len(got) != 1 {
		t.Fatalf("resumed sync missed a note: %v", got)
	}
	st, err := idx.Status(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if st.Apps[0].App != storage.AppNotes || st.Apps[0].LastSuccess.IsZero() || st.Apps[0].Items != 251 {
		t.Fatalf("status = %+v", st.Apps[0])
	}

	// A sync counts what it wrote for the run's report: an edit and a
	// deletion, not the unchanged notes listed again.
	if _, err := alice.Notes().Update(ctx, aliceIDs[3], nextcloud.NoteInput{Content: str("now about lemurs")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := alice.Notes().Delete(ctx, aliceIDs[4]); err != nil {
		t.Fatal(err)
	}
	tl := &tallies{}
	if err := x.SyncNotes(context.WithValue(ctx, talliesKey{}, tl), alice); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tl.list, []Tally{{"indexed", 1}, {"removed", 1}}) {
		t.Fatalf("sync counted %v, want 1 indexed and 1 removed", tl.list)
	}
}

func TestIndexNotesAppMissing(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithDisabledApp("notes"))
	idx := newTestIndex(t)
	r := indexRunner(t, nc, NewIndexer(idx), &clock{t: time.Now()}, "alice")
	r.RunDue(ctx)
	s := jobStatus(r, "alice", IndexNotesJob)
	if s.LastOutcome != OutcomeError || s.LastError == "" {
		t.Fatalf("status = %+v, want an error", s)
	}
	st, _ := idx.Status(ctx, "alice")
	if st.Apps[0].LastError == "" || !st.Apps[0].LastSuccess.IsZero() {
		t.Fatalf("index status = %+v, want the error recorded", st.Apps[0])
	}
}

func TestIndexFilesSync(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	nc.RecordRequests()
	countPropfinds := func() int {
		return len(nc.Requests(func(r nctest.Request) bool {
			return r.Method == "PROPFIND" && strings.HasPrefix(r.Path, "/remote.php/dav/files/alice")
		}))
	}
	alice := nc.Client(t, "alice")
	write := func(c *nextcloud.Client, p, body string) {
		t.Helper()
		if _, err := c.Files().MakeFolderAll(ctx, path.Dir(p)); err != nil && path.Dir(p) != "." {
			t.Fatal(err)
		}
		if _, err := c.Files().Write(ctx, p, []byte(body), nextcloud.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	write(alice, "Projects/alpha/plan.md", "# Plan\nlaunch the walrus project")
	write(alice, "Projects/beta/readme.txt", "beta notes about pelicans")
	write(alice, "Photos/holiday.jpg", "\xff\xd8 not text walrus")
	write(alice, "top.md", "top level flamingo")
	write(nc.Client(t, "bob"), "secret.md", "bob's walrus")

	idx, _, r, clk := indexedOnce(t, nc, IndexFilesJob)
	if got := search(t, idx, "alice", "walrus", storage.AppFiles); !slices.Equal(got, []string{"files:plan.md"}) {
		t.Fatalf("walrus = %v (binary content must not be indexed, bob's file must not show)", got)
	}
	wantHits(t, idx, "alice", "holiday", "file names", "files:holiday.jpg")
	if got := search(t, idx, "alice", "beta"); !slices.Contains(got, "files:beta") {
		t.Fatalf("folder names: %v", got)
	}

	// Nothing changed: one PROPFIND (the root) for alice.
	before, rootBefore := countPropfinds(), nc.RequestCount("PROPFIND /remote.php/dav/files/alice")
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	if d := countPropfinds() - before; d != 1 {
		t.Fatalf("unchanged files sync took %d PROPFINDs, want 1", d)
	}
	if d := nc.RequestCount("PROPFIND /remote.php/dav/files/alice") - rootBefore; d != 1 {
		t.Fatalf("root PROPFIND count grew by %d, want 1", d)
	}

	// A change deep in one folder: only that branch is walked.
	write(alice, "Projects/beta/readme.txt", "beta notes about otters now")
	if err := alice.Files().Delete(ctx, "Projects/alpha"); err != nil {
		t.Fatal(err)
	}
	before = countPropfinds()
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	// root, Projects, Projects/beta; Photos is skipped by its ETag.
	if d := countPropfinds() - before; d != 3 {
		t.Fatalf("sync after a change took %d PROPFINDs, want 3", d)
	}
	wantHits(t, idx, "alice", "otters", "changed file", "files:readme.txt")
	wantNoHits(t, idx, "alice", "pelicans", "old content still found")
	wantNoHits(t, idx, "alice", "walrus plan", "deleted folder's files still found")
}

func TestIndexCalendarAndContactsSync(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	ev := func(uid, summary, loc string) string {
		return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20260101T000000Z\nDTSTART:20260305T100000Z\nDTEND:20260305T110000Z\nSUMMARY:" + summary + "\nLOCATION:" + loc + "\nEND:VEVENT\nEND:VCALENDAR\n"
	}
	nc.AddCalendarObject(t, "alice", "personal", "e1.ics", ev("e1", "Dentist appointment", "Harbour street"))
	nc.AddCalendarObject(t, "alice", "personal", "e2.ics", ev("e2", "Team lunch", "Canteen"))
	nc.AddCalendarObject(t, "bob", "personal", "b1.ics", ev("b1", "Bob dentist", "Elsewhere"))
	nc.AddVCard(t, "alice", "contacts", "c1.vcf", "BEGIN:VCARD\nVERSION:3.0\nUID:c1\nFN:Ada Lovelace\nEMAIL:ada@example.org\nORG:Analytical Engines\nEND:VCARD\n")

	idx, _, r, clk := indexedOnce(t, nc, IndexCalendarJob, IndexContactsJob)
	wantHits(t, idx, "alice", "dentist", "event by title", "calendar:Dentist appointment")
	if got := search(t, idx, "alice", "harbour"); len(got) != 1 {
		t.Fatalf("location not indexed: %v", got)
	}
	hits, err := idx.Search(ctx, "alice", storage.IndexQuery{Text: "lunch", From: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(hits) != 1 {
		t.Fatalf("event date filter: %v %v", hits, err)
	}
	wantHits(t, idx, "alice", "ada@example.org", "contact by email", "contacts:Ada Lovelace")
	if got := search(t, idx, "alice", "analytical", storage.AppContacts); len(got) != 1 {
		t.Fatalf("contact by org = %v", got)
	}

	// Edit and delete: the incremental sync picks both up.
	nc.AddCalendarObject(t, "alice", "personal", "e2.ics", ev("e2", "Team dinner", "Canteen"))
	d, err := nc.Client(t, "alice").CalDAV(ctx, nextcloud.NewDAVCache())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "/remote.php/dav/calendars/alice/personal/e1.ics", ""); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	if got := search(t, idx, "alice", "dinner"); len(got) != 1 {
		t.Fatalf("edited event: %v", got)
	}
	wantNoHits(t, idx, "alice", "lunch", "old summary still found")
	wantNoHits(t, idx, "alice", "dentist", "deleted event still found")
}

func TestIndexDeckSync(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	dk := nc.Client(t, "alice").Deck(nil)
	board, stack := deckStack(t, dk, "Renovation", "Todo")
	paint, err := dk.CreateCard(ctx, board.ID, stack.ID, nextcloud.DeckCardCreate{Title: "Paint the hallway", Type: "plain", Description: "buy turquoise paint"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dk.CreateCard(ctx, board.ID, stack.ID, nextcloud.DeckCardCreate{Title: "Fix the tap", Type: "plain"}); err != nil {
		t.Fatal(err)
	}
	idx, _, r, clk := indexedOnce(t, nc, IndexDeckJob)
	wantHits(t, idx, "alice", "turquoise", "card by description", "deck:Paint the hallway")
	wantHits(t, idx, "alice", "renovation tap", "board title as extra field", "deck:Fix the tap")
	wantNoHits(t, idx, "bob", "turquoise", "bob sees alice's card")
	if err := dk.DeleteCard(ctx, board.ID, stack.ID, paint.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	wantNoHits(t, idx, "alice", "turquoise", "deleted card still found")
	if err := dk.DeleteBoard(ctx, board.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	wantNoHits(t, idx, "alice", "tap", "card of a deleted board still found")
}
