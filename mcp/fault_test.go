package mcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// faultClient is a Nextcloud client with a short per-attempt timeout and
// three retries without real backoff, so faults show quickly.
func faultClient(t *testing.T, nc *nctest.Server, timeout time.Duration) *nextcloud.Client {
	t.Helper()
	c, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, Timeout: timeout, MaxRetries: 3, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c.WithUser("admin", nextcloud.BasicAuth{Username: "admin", Password: "admin-pass"})
}

func isNotesAPI(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "/apps/notes/api/v1/notes")
}

// resetConn drops the connection with a TCP reset instead of an answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// TestNextcloudFaultsThroughMCP injects faults into the test Nextcloud and
// calls tools through the MCP server over streamable HTTP: each fault gives
// a clear error result (or a transparent retry), idempotent requests are
// retried and others are not, and once the fault is gone the same session
// works again.
func TestNextcloudFaultsThroughMCP(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	content := "kept through every fault"
	note, _ := addNote(t, seed, "Fault", content)
	var current atomic.Pointer[nextcloud.Client]
	current.Store(faultClient(t, nc, 300*time.Millisecond))
	srv := newTestServer(t, nc, func(o *Options) {
		o.Client = func(context.Context) (*nextcloud.Client, error) { return current.Load(), nil }
	})
	c := connect(t, srv, "http")
	getNote := func(t *testing.T) *mcpgo.CallToolResult {
		t.Helper()
		return callTool(t, c, "nc_notes_get", map[string]any{"id": note.ID})
	}
	stillServes := func(t *testing.T) {
		t.Helper()
		nc.SetFault(nil)
		res := getNote(t)
		if res.IsError || !strings.Contains(resultText(res), content) {
			t.Fatalf("after the fault the server does not serve the note: %s", resultText(res))
		}
	}

	tests := []struct {
		name string
		// fault answers matching Notes API requests; n is the attempt (1-based).
		fault    func(w http.ResponseWriter, r *http.Request, n int32) bool
		call     func(t *testing.T) *mcpgo.CallToolResult
		attempts int32
		// maxAttempts, when set, allows more: net/http itself resends an
		// idempotent request once when a reused keep-alive connection fails.
		maxAttempts int32
		// want are fragments of the error text; none means success.
		want []string
	}{
		{
			name: "500 is not retried and carries Nextcloud's message",
			fault: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"message":"Internal error: disk I/O failed"}`)
				return true
			},
			call: getNote, attempts: 1,
			want: []string{"500", "disk I/O failed", "try again later or ask the administrator"},
		},
		{
			name: "503 is retried, then a clear error",
			fault: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `{"message":"Nextcloud is in maintenance mode"}`)
				return true
			},
			call: getNote, attempts: 4,
			want: []string{"503", "maintenance mode", "try again later"},
		},
		{
			name: "503 twice, then the retry succeeds unnoticed",
			fault: func(w http.ResponseWriter, r *http.Request, n int32) bool {
				if n > 2 {
					return false
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			},
			call: getNote, attempts: 3,
		},
		{
			name: "slow Nextcloud: each attempt times out, then a clear error",
			fault: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				<-r.Context().Done() // answers only when the client gives up
				return true
			},
			call: getNote, attempts: 4,
			want: []string{"timeout", "try again"},
		},
		{
			name: "reset connections on a read are retried, then a clear error",
			fault: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				resetConn(w)
				return true
			},
			call: getNote, attempts: 4, maxAttempts: 8,
			want: []string{"cannot reach", "reset", "Nextcloud is up"},
		},
		{
			name: "a reset connection on a create is not retried",
			fault: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				resetConn(w)
				return true
			},
			call: func(t *testing.T) *mcpgo.CallToolResult {
				return callTool(t, c, "nc_notes_create", map[string]any{"title": "never twice", "content": "x"})
			},
			attempts: 1,
			want:     []string{"cannot reach", "reset"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if !isNotesAPI(r) {
					return false
				}
				return tt.fault(w, r, n.Add(1))
			})
			res := tt.call(t)
			nc.SetFault(nil)
			text := resultText(res)
			if len(tt.want) == 0 && res.IsError {
				t.Fatalf("want success, got error: %s", text)
			}
			if len(tt.want) > 0 {
				if !res.IsError {
					t.Fatalf("want an error result, got success: %s", text)
				}
				t.Logf("error result: %s", text)
				for _, w := range tt.want {
					if !strings.Contains(text, w) {
						t.Errorf("error text %q lacks %q", text, w)
					}
				}
				if strings.Contains(text, "admin-pass") {
					t.Errorf("error text leaks the password: %s", text)
				}
			}
			if got := n.Load(); got < tt.attempts || got > max(tt.attempts, tt.maxAttempts) {
				t.Errorf("Nextcloud saw %d attempts, want %d (at most %d)", got, tt.attempts, max(tt.attempts, tt.maxAttempts))
			}
			stillServes(t)
		})
	}

	// The create that met a reset made nothing (the request never reached
	// the app) and nothing stored was lost.
	all, err := seed.Notes().All(context.Background(), nextcloud.NotesListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range all {
		if n.Title == "never twice" {
			t.Errorf("the reset create left a note behind")
		}
	}
	if len(all) != 1 || all[0].Content != content {
		t.Errorf("notes after the faults: %+v, want only the seeded one unchanged", all)
	}
}

// TestHangingCallDoesNotBlockOthers holds one call inside Nextcloud and
// checks that other calls on the same session and on a second session are
// answered meanwhile; the held call completes once Nextcloud answers.
func TestHangingCallDoesNotBlockOthers(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	title := "Held"
	note, err := seed.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan struct{})
	release := make(chan struct{})
	var once atomic.Bool
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if isNotesAPI(r) && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, fmt.Sprint(note.ID)) && once.CompareAndSwap(false, true) {
			close(held)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return false
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	srv := newTestServer(t, nc, func(o *Options) {
		c := faultClient(t, nc, time.Minute)
		o.Client = func(context.Context) (*nextcloud.Client, error) { return c, nil }
	})
	ts := connect(t, srv, "http")
	other := connect(t, srv, "http")

	done := make(chan *mcpgo.CallToolResult, 1)
	go func() {
		req := mcpgo.CallToolRequest{}
		req.Params.Name = "nc_notes_get"
		req.Params.Arguments = map[string]any{"id": note.ID}
		res, err := ts.CallTool(context.Background(), req)
		if err != nil {
			res = mcpgo.NewToolResultError("protocol error: " + err.Error())
		}
		done <- res
	}()
	<-held
	if res := callTool(t, ts, "nc_notes_list", map[string]any{}); res.IsError {
		t.Fatalf("same session, while a call hangs: %s", resultText(res))
	}
	if res := callTool(t, other, "nc_capabilities", map[string]any{}); res.IsError {
		t.Fatalf("other session, while a call hangs: %s", resultText(res))
	}
	select {
	case res := <-done:
		t.Fatalf("the held call finished before Nextcloud answered: %s", resultText(res))
	default:
	}
	close(release)
	if res := <-done; res.IsError {
		t.Fatalf("held call after release: %s", resultText(res))
	}
}
