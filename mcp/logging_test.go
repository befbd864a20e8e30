package mcp

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// logSink collects the notifications/message a client receives.
type logSink struct {
	mu   sync.Mutex
	msgs []string // "level: text"
}

func (l *logSink) attach(c *client.Client) {
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method != "notifications/message" {
			return
		}
		level, _ := n.Params.AdditionalFields["level"].(string)
		data, _ := n.Params.AdditionalFields["data"].(string)
		l.mu.Lock()
		l.msgs = append(l.msgs, level+": "+data)
		l.mu.Unlock()
	})
}

// wait returns (and forgets) the messages so far once there are at least n.
func (l *logSink) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		if len(l.msgs) >= n {
			out := l.msgs
			l.msgs = nil
			l.mu.Unlock()
			return out
		}
		l.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %d notifications/message", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
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
	title, content := "Logged", "body"
	note, err := seed.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		t.Fatal(err)
	}
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
