package mcp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// logSink collects the notifications/message a client receives, each as
// "level: text".
type logSink struct{ notifySink[string] }

func (l *logSink) attach(c *client.Client) {
	l.listen(c, "notifications/message", func(n mcpgo.JSONRPCNotification) string {
		level, _ := n.Params.AdditionalFields["level"].(string)
		data, _ := n.Params.AdditionalFields["data"].(string)
		return level + ": " + data
	})
}

// wait returns (and forgets) the messages so far once there are at least n.
func (l *logSink) wait(t *testing.T, n int) []string {
	t.Helper()
	return l.waitUntil(t, fmt.Sprintf("%d notifications/message", n), func(got []string) bool { return len(got) >= n })
}

func setLevel(t *testing.T, c *client.Client, level mcpgo.LoggingLevel) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcpgo.SetLevelRequest{}
	req.Params.Level = level
	//lint:ignore SA1019 logging/setLevel is what clients before protocol 2026-07-28 send, and the issue asks for it
	if err := c.SetLevel(ctx, req); err != nil {
		t.Fatalf("logging/setLevel %s: %v", level, err)
	}
}

// TestLoggingThroughClient checks, over stdio, streamable HTTP and SSE, that the
// server declares logging, that a retried Nextcloud request and a slow
// answer reach the calling session as notifications/message at their level
// (warning, notice), that a session hears nothing below the level it set,
// that another session hears nothing of someone else's call, and that no
// credential is in any message.
func TestLoggingThroughClient(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	note, _ := addNote(t, seed, "Logged", "body")
	// The next notes request of the test answers 503 once, then works.
	var failNext atomic.Bool
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if isNotesAPI(r) && failNext.CompareAndSwap(true, false) {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	fc := faultClient(t, nc, 5*time.Second)
	getNote := func(t *testing.T, c *client.Client) {
		t.Helper()
		if res := callTool(t, c, "nc_notes_get", map[string]any{"id": note.ID}); res.IsError {
			t.Fatalf("nc_notes_get: %s", resultText(res))
		}
	}
	for _, kind := range []string{"stdio", "http", "sse"} {
		t.Run(kind, func(t *testing.T) {
			srv := newTestServer(t, nc, func(o *Options) {
				o.Client = func(context.Context) (*nextcloud.Client, error) { return fc, nil }
			})
			c := connect(t, srv, kind)
			if c.GetServerCapabilities().Logging == nil {
				t.Fatal("server does not declare the logging capability")
			}
			var mine logSink
			mine.attach(c)
			old := slowUpstream
			t.Cleanup(func() { slowUpstream = old })

			// Stdio sends notifications from a queue, so absence is shown
			// by the next expected message arriving alone (one FIFO queue).
			// Default level (error): a retry is only a warning, unheard.
			failNext.Store(true)
			getNote(t, c)
			// Without a fault nothing is said either.
			getNote(t, c)

			setLevel(t, c, mcpgo.LoggingLevelWarning)
			failNext.Store(true)
			getNote(t, c)
			got := mine.wait(t, 1)
			if len(got) != 1 || !strings.HasPrefix(got[0], "warning: ") || !strings.Contains(got[0], "HTTP 503") ||
				!strings.Contains(got[0], "retrying") || !strings.Contains(got[0], "/apps/notes/api/v1/notes/") {
				t.Fatalf("notifications = %q, want only one warning naming the request and HTTP 503", got)
			}
			if strings.Contains(got[0], "admin-pass") || strings.Contains(strings.ToLower(got[0]), "authorization") {
				t.Fatalf("message leaks credentials: %q", got[0])
			}

			// Slow answers are notices: unheard at warning, heard at notice.
			slowUpstream = time.Nanosecond
			getNote(t, c)
			setLevel(t, c, mcpgo.LoggingLevelNotice)
			getNote(t, c)
			got = mine.wait(t, 1)
			if len(got) != 1 || !strings.HasPrefix(got[0], "notice: Nextcloud is slow: GET /") {
				t.Fatalf("notifications = %q, want only one slow notice", got)
			}
			slowUpstream = old

			// A second session at debug hears nothing of the first's calls,
			// only its own (over HTTP: stdio has one session per process).
			other := connect(t, srv, "http")
			var theirs logSink
			theirs.attach(other)
			setLevel(t, other, mcpgo.LoggingLevelDebug)
			failNext.Store(true)
			getNote(t, c)
			if got := mine.wait(t, 1); len(got) != 1 || !strings.HasPrefix(got[0], "warning: ") {
				t.Fatalf("caller got %q, want the retry warning", got)
			}
			slowUpstream = time.Nanosecond
			getNote(t, other)
			slowUpstream = old
			if got := theirs.wait(t, 1); len(got) != 1 || !strings.HasPrefix(got[0], "notice: ") {
				t.Fatalf("other session got %q, want only the notice of its own call", got)
			}
		})
	}
}

// TestPartialResultWarns checks over stdio, streamable HTTP and SSE that a
// listing which left out unreadable objects tells the calling session so
// at warning level, and a complete listing says nothing.
func TestPartialResultWarns(t *testing.T) {
	nc := nctest.New(t)
	nc.AddBrokenCalendarObject(t, "admin", "personal", "corrupt.ics")
	for _, kind := range []string{"stdio", "http", "sse"} {
		t.Run(kind, func(t *testing.T) {
			c := connect(t, newTestServer(t, nc), kind)
			var sink logSink
			sink.attach(c)
			setLevel(t, c, mcpgo.LoggingLevelWarning)
			// Complete: no message (shown by the next one arriving alone).
			callTool(t, c, "nc_calendar_list_calendars", map[string]any{})
			res := callTool(t, c, "nc_calendar_list_events", map[string]any{"start": "2025-03-01", "end": "2025-03-31"})
			if res.IsError {
				t.Fatalf("list events: %s", resultText(res))
			}
			got := sink.wait(t, 1)
			if len(got) != 1 || got[0] != `warning: nc_calendar_list_events: 1 object(s) stored in Nextcloud could not be read and were left out of the result (listed under "skipped")` {
				t.Fatalf("notifications = %q, want one partial-result warning", got)
			}
		})
	}
}

// TestJobResultsLogged checks, over stdio and streamable HTTP, that a
// background job's result reaches the sessions of its user at info (done,
// with counts) or warning (failed, short reason), only at or above each
// session's level, and never another user's session.
func TestJobResultsLogged(t *testing.T) {
	nc := nctest.New(t)
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			srv := newTestServer(t, nc, func(o *Options) {
				o.User = func(ctx context.Context) string { u, _ := ctx.Value(userKey{}).(string); return u }
			})
			auth := HTTPOptions{Auth: userAuth{}}
			alice := connectLegacy(t, srv, kind, map[string]string{"X-User": "alice"}, auth)
			aliceWarn := connectLegacy(t, srv, "http", map[string]string{"X-User": "alice"}, auth)
			bob := connectLegacy(t, srv, "http", map[string]string{"X-User": "bob"}, auth)
			var a, aw, b logSink
			a.attach(alice)
			aw.attach(aliceWarn)
			b.attach(bob)
			setLevel(t, alice, mcpgo.LoggingLevelInfo)
			setLevel(t, aliceWarn, mcpgo.LoggingLevelWarning)
			setLevel(t, bob, mcpgo.LoggingLevelDebug)

			next := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
			srv.JobFinished("alice", JobResult{Job: "index_notes", Counts: []JobCount{{"indexed", 3}, {"removed", 1}}, NextRun: next})
			if got := a.wait(t, 1); len(got) != 1 || got[0] != "info: Background job index_notes finished: 3 indexed, 1 removed; next run 2026-12-08T01:00:00Z" {
				t.Fatalf("alice got %q", got)
			}
			long := "index notes of alice: Nextcloud answered 503 " + strings.Repeat("x", 400)
			srv.JobFinished("alice", JobResult{Job: "index_notes", Failed: true, Reason: long})
			if got := a.wait(t, 1); len(got) != 1 || !strings.HasPrefix(got[0], "warning: Background job index_notes failed: index notes of alice: Nextcloud answered 503") ||
				len(got[0]) > 300 {
				t.Fatalf("alice got %q", got)
			}
			// The warning-level session got the failure and not the
			// success before it (its first message).
			if got := aw.wait(t, 1); len(got) != 1 || !strings.HasPrefix(got[0], "warning: Background job index_notes failed") {
				t.Fatalf("alice's warning-level session got %q", got)
			}
			// bob's first message is his own job's: none of alice's
			// reached him.
			srv.JobFinished("bob", JobResult{Job: "notes_index", NoGrant: true})
			if got := b.wait(t, 1); len(got) != 1 || !strings.Contains(got[0], "warning: Background job notes_index did not run") || !strings.Contains(got[0], "/oauth/login") {
				t.Fatalf("bob got %q", got)
			}
			// A run that changed nothing is debug: bob (debug) hears his,
			// alice (info) does not hear hers.
			srv.JobFinished("alice", JobResult{Job: "index_deck"})
			srv.JobFinished("bob", JobResult{Job: "index_deck"})
			if got := b.wait(t, 1); len(got) != 1 || got[0] != "debug: Background job index_deck finished: nothing changed" {
				t.Fatalf("bob got %q, want only his own job", got)
			}
			srv.JobFinished("alice", JobResult{Job: "index_files", Counts: []JobCount{{"indexed", 1}}})
			if got := a.wait(t, 1); len(got) != 1 || got[0] != "info: Background job index_files finished: 1 indexed" {
				t.Fatalf("alice got %q, want only her own job with work done", got)
			}
			srv.JobFinished("carol", JobResult{Job: "index_deck", Failed: true, Reason: "x"})
			srv.JobFinished("alice", JobResult{Job: "index_files", Failed: true, Reason: "y"})
			if got := aw.wait(t, 1); len(got) != 1 || got[0] != "warning: Background job index_files failed: y" {
				t.Fatalf("alice's warning-level session got %q", got)
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.got) != 0 {
				t.Fatalf("bob heard %q", b.got)
			}
		})
	}
}

// TestPartialFailuresLogged checks, over stdio and streamable HTTP, that a
// tool that did only part of its work (a poll created with some of its
// options, a search some providers failed) tells the calling session at
// warning, and says nothing to a session at the default level (error).
func TestPartialFailuresLogged(t *testing.T) {
	nc, _ := searchNC(t)
	var optionPosts atomic.Int32
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/option"):
			// Every second option of a poll is refused.
			if optionPosts.Add(1)%2 == 0 {
				http.Error(w, `{"message":"refused"}`, http.StatusBadRequest)
				return true
			}
		case strings.HasSuffix(r.URL.Path, "/files/search"):
			commsFail500(w, r)
			return true
		}
		return false
	})
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			srv := newTestServer(t, nc, func(o *Options) {
				o.Client = func(context.Context) (*nextcloud.Client, error) { return faultClient(t, nc, 5*time.Second), nil }
			})
			c := connect(t, srv, kind)
			var sink logSink
			sink.attach(c)
			createPoll := func(options ...string) {
				t.Helper()
				optionPosts.Store(0)
				var opts []map[string]any
				for _, o := range options {
					opts = append(opts, map[string]any{"text": o})
				}
				res := callTool(t, c, "nc_polls_create", map[string]any{"title": "Lunch", "type": "text", "options": opts})
				if !res.IsError || !strings.Contains(resultText(res), "of") {
					t.Fatalf("poll with a refused option: %s", resultText(res))
				}
			}
			// Default level (error): unheard.
			createPoll("a", "b", "c")
			setLevel(t, c, mcpgo.LoggingLevelWarning)
			createPoll("a", "b")
			got := sink.wait(t, 1)
			if len(got) != 1 || !strings.HasPrefix(got[0], "warning: nc_polls_create: partly done: poll #") || !strings.HasSuffix(got[0], "was created with 1 of 2 options") {
				t.Fatalf("got %q", got)
			}
			res := callTool(t, c, "nc_search", map[string]any{"query": "budget", "providers": []string{"files", "talk-message"}})
			if res.IsError {
				t.Fatalf("nc_search: %s", resultText(res))
			}
			got = sink.wait(t, 1)
			if len(got) != 1 || got[0] != "warning: nc_search: partly done: 1 of 2 search providers answered; failed or unknown: files; timed out: none" {
				t.Fatalf("got %q", got)
			}
			// All providers fine: nothing said, so the next message is
			// the next poll's.
			callTool(t, c, "nc_search", map[string]any{"query": "budget", "providers": []string{"talk-message"}})
			createPoll("x", "y")
			if got := sink.wait(t, 1); len(got) != 1 || !strings.Contains(got[0], "nc_polls_create") {
				t.Fatalf("got %q", got)
			}
		})
	}
}
