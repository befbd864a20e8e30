package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// prunedNotesServer answers the Notes list like the Notes app does with
// pruneBefore: notes with modified < pruneBefore come back as bare ids.
type prunedNotesServer struct {
	mu      sync.Mutex
	notes   []NoteMeta
	queries []string
}

func (s *prunedNotesServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, r.URL.RawQuery)
	prune, _ := strconv.ParseInt(r.URL.Query().Get("pruneBefore"), 10, 64)
	out := []map[string]any{}
	for _, n := range s.notes {
		if prune > 0 && n.Modified < prune {
			out = append(out, map[string]any{"id": n.ID})
			continue
		}
		out = append(out, map[string]any{"id": n.ID, "title": n.Title, "category": n.Category, "modified": n.Modified, "favorite": n.Favorite})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Last-Modified", time.Unix(100, 0).UTC().Format(http.TimeFormat))
	_ = json.NewEncoder(w).Encode(out)
}

// testAccounts are Accounts made of a user list and a client function.
type testAccounts struct {
	users  func(ctx context.Context) ([]string, error)
	client func(ctx context.Context, user string) (*nextcloud.Client, error)
}

func (a testAccounts) Users(ctx context.Context) ([]string, error) { return a.users(ctx) }
func (a testAccounts) Client(ctx context.Context, user string) (*nextcloud.Client, error) {
	return a.client(ctx, user)
}

func clientFor(t *testing.T, url string) func(ctx context.Context, user string) (*nextcloud.Client, error) {
	base, err := nextcloud.New(nextcloud.Options{BaseURL: url, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return func(_ context.Context, user string) (*nextcloud.Client, error) {
		if strings.HasPrefix(user, "nogrant") {
			return nil, errors.New("no way to act as this user in the background " + user + ": offline access: user has not granted it")
		}
		return base.WithUser(user, nextcloud.BasicAuth{Username: user, Password: "pw"}), nil
	}
}

func TestNotesIndexJob(t *testing.T) {
	ctx := context.Background()
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"), nctest.WithUser("bob", "pw-b"))
	nc.RecordRequests()
	prunes := func() []string {
		var out []string
		for _, r := range nc.Requests(func(r nctest.Request) bool {
			return r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/notes")
		}) {
			out = append(out, r.Query.Get("pruneBefore"))
		}
		return out
	}
	str := func(s string) *string { return &s }
	alice, bob := nc.Client(t, "alice"), nc.Client(t, "bob")
	groceries, err := alice.Notes().Create(ctx, nextcloud.NoteInput{Title: str("Groceries"), Category: str("Home"), Content: str("milk")})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct {
		c               *nextcloud.Client
		title, category string
	}{{alice, "Meeting notes", "Work/2026"}, {bob, "Ideas", ""}} {
		if _, err := in.c.Notes().Create(ctx, nextcloud.NoteInput{Title: str(in.title), Category: str(in.category), Content: str("x")}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	cache := NewNotesCache()
	cache.now = clk.Now
	users := []string{"alice", "bob"}
	var repMu sync.Mutex
	reports := map[string][]Tally{}
	counted := func(user string) []Tally {
		repMu.Lock()
		defer repMu.Unlock()
		c := reports[user]
		delete(reports, user)
		return c
	}
	r, err := New(Options{
		Accounts: testAccounts{client: func(_ context.Context, user string) (*nextcloud.Client, error) { return nc.Client(t, user), nil }, users: func(context.Context) ([]string, error) { return users, nil }},
		Now:      clk.Now,
		OnDone: func(rep Report) {
			repMu.Lock()
			reports[rep.User] = rep.Counts
			repMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(cache.Job(10 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(cache.Job(time.Minute)); err == nil {
		t.Fatal("duplicate job name accepted")
	}
	r.RunDue(ctx)
	if a, b := counted("alice"), counted("bob"); !slices.Equal(a, []Tally{{"notes new or changed", 2}}) || !slices.Equal(b, []Tally{{"notes new or changed", 1}}) {
		t.Fatalf("first run counted alice %v, bob %v", a, b)
	}
	notes, updated, ok := cache.Get("alice")
	if !ok || len(notes) != 2 || !updated.Equal(clk.Now()) {
		t.Fatalf("alice's cache = %+v %v %v", notes, updated, ok)
	}
	if found, _ := cache.Search("alice", "work meeting"); len(found) != 1 || found[0].Title != "Meeting notes" {
		t.Fatalf("search = %+v", found)
	}
	if cats, _ := cache.Categories("alice"); strings.Join(cats, ",") != "Home,Work/2026" {
		t.Fatalf("categories = %v", cats)
	}
	if notes, _, _ := cache.Get("bob"); len(notes) != 1 || notes[0].Title != "Ideas" {
		t.Fatalf("bob's cache = %+v", notes)
	}
	if _, _, ok := cache.Get("carol"); ok {
		t.Fatal("unknown user has a cache")
	}
	st := r.Status("alice")
	if len(st) != 1 || st[0].LastOutcome != OutcomeOK || !st[0].NextRun.Equal(clk.Now().Add(10*time.Minute)) {
		t.Fatalf("status = %+v", st)
	}
	// Not due yet: nothing runs.
	r.RunDue(ctx)
	if pruneQueries := prunes(); len(pruneQueries) != 2 || pruneQueries[0] != "" {
		t.Fatalf("list requests (pruneBefore) = %q, want two full lists", pruneQueries)
	}
	// Changes show up at the next run, which asks only for changes.
	if err := alice.Notes().Delete(ctx, groceries.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Notes().Create(ctx, nextcloud.NoteInput{Title: str("New plan"), Content: str("y")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	r.RunDue(ctx)
	if notes, _, _ := cache.Get("alice"); len(notes) != 1 || notes[0].Title != "Meeting notes" {
		t.Fatalf("deleted note still cached: %+v", notes)
	}
	if notes, _, _ := cache.Get("bob"); len(notes) != 2 {
		t.Fatalf("bob's new note missing: %+v", notes)
	}
	if a, b := counted("alice"), counted("bob"); !slices.Equal(a, []Tally{{"notes gone", 1}}) || !slices.Equal(b, []Tally{{"notes new or changed", 1}}) {
		t.Fatalf("refresh counted alice %v, bob %v", a, b)
	}
	if pruneQueries := prunes(); len(pruneQueries) != 4 || pruneQueries[2] == "" || pruneQueries[3] == "" {
		t.Fatalf("refresh did not send pruneBefore: %q", pruneQueries)
	}
	// A user who leaves the list is dropped from the status.
	users = []string{"alice"}
	clk.Advance(2 * time.Minute)
	r.RunDue(ctx)
	for _, s := range r.Status("") {
		if s.User == "bob" {
			t.Fatalf("bob still scheduled: %+v", s)
		}
	}
	// With the Notes app off the job fails with a clear reason.
	nc.SetDisabled("notes", true)
	clk.Advance(10 * time.Minute)
	r.RunDue(ctx)
	if st := r.Status("alice"); st[0].LastOutcome != OutcomeError || !strings.Contains(st[0].LastError, "not installed or not enabled") {
		t.Fatalf("disabled app: %+v", st)
	}
}

func TestNotesPrunedIDsKeepCachedMeta(t *testing.T) {
	ctx := context.Background()
	fs := &prunedNotesServer{notes: []NoteMeta{{ID: 1, Title: "Old", Category: "A", Modified: 50}, {ID: 2, Title: "Fresh", Modified: 150}}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	nc := clientFor(t, srv.URL)
	c, _ := nc(ctx, "alice")
	cache := NewNotesCache()
	if err := cache.Refresh(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Second run: note 1 is pruned (modified before Last-Modified 100) and
	// keeps its cached title; note 3 is new.
	fs.mu.Lock()
	fs.notes = append(fs.notes, NoteMeta{ID: 3, Title: "Newest", Modified: 200})
	fs.mu.Unlock()
	if err := cache.Refresh(ctx, c); err != nil {
		t.Fatal(err)
	}
	notes, _, _ := cache.Get("alice")
	titles := []string{}
	for _, n := range notes {
		titles = append(titles, n.Title)
	}
	if strings.Join(titles, ",") != "Newest,Fresh,Old" {
		t.Fatalf("titles = %v", titles)
	}
	if !strings.Contains(fs.queries[1], "pruneBefore=100") {
		t.Fatalf("second query = %q", fs.queries[1])
	}
	// A pruned id the cache does not know forces one full listing.
	fresh := NewNotesCache()
	fresh.byUser["alice"] = &notesEntry{lastModified: time.Unix(100, 0)}
	if err := fresh.Refresh(ctx, c); err != nil {
		t.Fatal(err)
	}
	if notes, _, _ := fresh.Get("alice"); len(notes) != 3 || notes[2].Title != "Old" {
		t.Fatalf("after unknown pruned id: %+v", notes)
	}
	if last := fs.queries[len(fs.queries)-1]; strings.Contains(last, "pruneBefore") {
		t.Fatalf("fallback still pruned: %q", last)
	}
}

func TestBackoffAndRecovery(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	failing := true
	users := []string{"alice", "nogrant-bob"}
	r, _ := New(Options{
		Accounts:   testAccounts{client: clientFor(t, "http://nextcloud.invalid"), users: func(context.Context) ([]string, error) { return users, nil }},
		Now:        clk.Now,
		MaxBackoff: 30 * time.Minute,
	})
	_ = r.Register(Job{Name: "flaky", Interval: 5 * time.Minute, Run: func(context.Context, *nextcloud.Client) error {
		if failing {
			return errors.New("nextcloud unavailable")
		}
		return nil
	}})
	wantDelays := []time.Duration{5, 10, 20, 30, 30}
	for i, d := range wantDelays {
		r.RunDue(ctx)
		for _, st := range r.Status("") {
			if st.Failures != i+1 || !st.NextRun.Equal(clk.Now().Add(d*time.Minute)) {
				t.Fatalf("failure %d of %s: failures=%d next in %v, want %v", i+1, st.User, st.Failures, st.NextRun.Sub(clk.Now()), d*time.Minute)
			}
			want := OutcomeError
			if st.User == "nogrant-bob" {
				want = OutcomeNoGrant
				if !strings.Contains(st.LastError, "has not granted") {
					t.Errorf("no-grant reason lost: %q", st.LastError)
				}
			}
			if st.LastOutcome != want {
				t.Fatalf("%s outcome = %s, want %s", st.User, st.LastOutcome, want)
			}
		}
		clk.Advance(d * time.Minute)
	}
	failing = false
	r.RunDue(ctx)
	st := r.Status("alice")[0]
	if st.Failures != 0 || st.LastOutcome != OutcomeOK || st.LastError != "" || !st.NextRun.Equal(clk.Now().Add(5*time.Minute)) {
		t.Fatalf("after recovery: %+v", st)
	}
}

func TestPerUserConcurrencyOfOne(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	var mu sync.Mutex
	inFlight := map[string]int{}
	maxPerUser, maxTotal, total := 0, 0, 0
	release := make(chan struct{})
	started := make(chan string, 16)
	job := func(name string) Job {
		return Job{Name: name, Interval: time.Minute, Run: func(_ context.Context, nc *nextcloud.Client) error {
			mu.Lock()
			inFlight[nc.User()]++
			total++
			maxPerUser = max(maxPerUser, inFlight[nc.User()])
			maxTotal = max(maxTotal, total)
			mu.Unlock()
			started <- nc.User()
			<-release
			mu.Lock()
			inFlight[nc.User()]--
			total--
			mu.Unlock()
			return nil
		}}
	}
	r, _ := New(Options{Accounts: testAccounts{client: clientFor(t, "http://nextcloud.invalid"), users: func(context.Context) ([]string, error) { return []string{"alice", "bob"}, nil }}, Now: clk.Now})
	_ = r.Register(job("a"))
	_ = r.Register(job("b"))
	r.dispatch(ctx, true)
	// One job of each user starts; the users run side by side.
	got := map[string]bool{<-started: true, <-started: true}
	if !got["alice"] || !got["bob"] {
		t.Fatalf("started %v, want alice and bob", got)
	}
	// Dispatching again while busy starts nothing new.
	clk.Advance(2 * time.Minute)
	r.dispatch(ctx, false)
	running := 0
	for _, st := range r.Status("") {
		if st.Running {
			running++
		}
	}
	if running != 2 {
		t.Fatalf("%d runs in flight, want 2", running)
	}
	close(release)
	r.wg.Wait()
	if maxPerUser != 1 || maxTotal != 2 {
		t.Fatalf("max per user %d (want 1), max total %d (want 2)", maxPerUser, maxTotal)
	}
	for _, st := range r.Status("") {
		if st.LastOutcome != OutcomeOK {
			t.Fatalf("job %s of %s: %+v", st.Job, st.User, st)
		}
	}
}

func TestPanicAndStatusOfUnknownUser(t *testing.T) {
	ctx := context.Background()
	r, _ := New(Options{Accounts: testAccounts{client: clientFor(t, "http://nextcloud.invalid"), users: func(context.Context) ([]string, error) { return []string{"alice"}, nil }}})
	_ = r.Register(Job{Name: "boom", Interval: time.Hour, Run: func(context.Context, *nextcloud.Client) error { panic("bad") }})
	r.RunDue(ctx)
	st := r.Status("alice")
	if len(st) != 1 || st[0].LastOutcome != OutcomeError || !strings.Contains(st[0].LastError, "crashed") {
		t.Fatalf("status = %+v", st)
	}
	if st := r.Status("zoe"); len(st) != 1 || !st[0].LastRun.IsZero() || !st[0].NextRun.IsZero() {
		t.Fatalf("unknown user status = %+v", st)
	}
	if err := r.Register(Job{Name: "x"}); err == nil {
		t.Fatal("job without run function accepted")
	}
}

func TestRunStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 1)
	r, _ := New(Options{Accounts: testAccounts{client: clientFor(t, "http://nextcloud.invalid"), users: func(context.Context) ([]string, error) { return []string{"alice"}, nil }}, Tick: time.Hour})
	_ = r.Register(Job{Name: "once", Interval: time.Hour, Run: func(context.Context, *nextcloud.Client) error {
		ran <- struct{}{}
		return nil
	}})
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	<-ran // the interval is not above the tick, so the first run is immediate
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestOnDoneReports: every finished run is reported once, with its user,
// outcome, reason and what it counted; a run without a grant is a
// no_credentials report.
func TestOnDoneReports(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	got := map[string]Report{}
	r, _ := New(Options{
		Accounts: testAccounts{client: clientFor(t, "http://nextcloud.invalid"), users: func(context.Context) ([]string, error) {
			return []string{"alice", "carol", "nogrant-bob"}, nil
		}},
		Now: clk.Now,
		OnDone: func(rep Report) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := got[rep.User]; dup {
				t.Errorf("%s reported twice", rep.User)
			}
			got[rep.User] = rep
		},
	})
	_ = r.Register(Job{Name: "sync", Interval: 5 * time.Minute, Run: func(ctx context.Context, nc *nextcloud.Client) error {
		if nc.User() == "carol" {
			Count(ctx, "indexed", 2)
			return errors.New("nextcloud unavailable")
		}
		Count(ctx, "indexed", 2)
		Count(ctx, "removed", 0)
		Count(ctx, "indexed", 1)
		return nil
	}})
	r.RunDue(ctx)
	if len(got) != 3 {
		t.Fatalf("reports: %+v", got)
	}
	a := got["alice"]
	if a.Job != "sync" || a.Outcome != OutcomeOK || a.Err != nil || len(a.Counts) != 1 || a.Counts[0] != (Tally{"indexed", 3}) ||
		!a.NextRun.Equal(clk.Now().Add(5*time.Minute)) {
		t.Errorf("alice: %+v", a)
	}
	if c := got["carol"]; c.Outcome != OutcomeError || c.Err == nil || !strings.Contains(c.Err.Error(), "unavailable") {
		t.Errorf("carol: %+v", c)
	}
	if b := got["nogrant-bob"]; b.Outcome != OutcomeNoGrant || b.Err == nil || len(b.Counts) != 0 {
		t.Errorf("nogrant-bob: %+v", b)
	}
	// Counting outside a run does nothing (and does not panic).
	Count(ctx, "indexed", 1)
}
