package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// notesServer answers the Notes list per basic-auth user, with ETags.
type notesServer struct {
	mu    sync.Mutex
	notes map[string][]NoteMeta
	lists atomic.Int32
	full  atomic.Int32
}

func (s *notesServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, _, ok := r.BasicAuth()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/index.php/apps/notes/api/v1/notes" || r.URL.Query().Get("exclude") != "content" {
		http.NotFound(w, r)
		return
	}
	s.lists.Add(1)
	s.mu.Lock()
	notes := s.notes[user]
	s.mu.Unlock()
	if notes == nil {
		notes = []NoteMeta{}
	}
	b, _ := json.Marshal(notes)
	etag := fmt.Sprintf(`"%x"`, len(b)*31+len(notes))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func clientFor(t *testing.T, url string) ClientFunc {
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
	ns := &notesServer{notes: map[string][]NoteMeta{
		"alice": {{ID: 1, Title: "Groceries", Category: "Home", Modified: 10}, {ID: 2, Title: "Meeting notes", Category: "Work/2026", Modified: 20}},
		"bob":   {{ID: 7, Title: "Ideas", Modified: 5}},
	}}
	srv := httptest.NewServer(ns)
	defer srv.Close()
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	cache := NewNotesCache()
	cache.now = clk.Now
	users := []string{"alice", "bob"}
	r, err := New(Options{Client: clientFor(t, srv.URL), Users: func(context.Context) ([]string, error) { return users, nil }, Now: clk.Now})
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
	notes, updated, ok := cache.Get("alice")
	if !ok || len(notes) != 2 || notes[0].Title != "Meeting notes" || !updated.Equal(clk.Now()) {
		t.Fatalf("alice's cache = %+v %v %v", notes, updated, ok)
	}
	if found, _ := cache.Search("alice", "work meeting"); len(found) != 1 || found[0].ID != 2 {
		t.Fatalf("search = %+v", found)
	}
	if cats, _ := cache.Categories("alice"); strings.Join(cats, ",") != "Home,Work/2026" {
		t.Fatalf("categories = %v", cats)
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
	if n := ns.lists.Load(); n != 2 {
		t.Fatalf("%d list calls, want 2", n)
	}
	// Due again: unchanged lists are answered 304 and kept.
	clk.Advance(10 * time.Minute)
	ns.mu.Lock()
	ns.notes["bob"] = append(ns.notes["bob"], NoteMeta{ID: 8, Title: "New", Modified: 30})
	ns.mu.Unlock()
	r.RunDue(ctx)
	if ns.lists.Load() != 4 || ns.full.Load() != 3 {
		t.Fatalf("lists=%d full=%d, want 4 and 3 (alice unchanged)", ns.lists.Load(), ns.full.Load())
	}
	if notes, _, _ := cache.Get("alice"); len(notes) != 2 {
		t.Fatalf("alice's cache lost on 304: %+v", notes)
	}
	if notes, _, _ := cache.Get("bob"); len(notes) != 2 || notes[0].Title != "New" {
		t.Fatalf("bob's cache not refreshed: %+v", notes)
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
}

func TestBackoffAndRecovery(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	failing := true
	users := []string{"alice", "nogrant-bob"}
	r, _ := New(Options{
		Client:     clientFor(t, "http://nextcloud.invalid"),
		Users:      func(context.Context) ([]string, error) { return users, nil },
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
	r, _ := New(Options{Client: clientFor(t, "http://nextcloud.invalid"), Users: func(context.Context) ([]string, error) { return []string{"alice", "bob"}, nil }, Now: clk.Now})
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
	r, _ := New(Options{Client: clientFor(t, "http://nextcloud.invalid"), Users: func(context.Context) ([]string, error) { return []string{"alice"}, nil }})
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
	r, _ := New(Options{Client: clientFor(t, "http://nextcloud.invalid"), Users: func(context.Context) ([]string, error) { return []string{"alice"}, nil }, Tick: time.Hour})
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
