package mcp

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// stallingBody passes the first n bytes of an upload, then tells entered
// and waits for release before reading on; done is closed at the end.
type stallingBody struct {
	io.ReadCloser
	n                int
	entered, release chan struct{}
	done             chan struct{} // closed at the first read error or EOF
	err              error
	once, end        sync.Once
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		b.once.Do(func() { close(b.entered); <-b.release })
	} else if len(p) > b.n {
		p = p[:b.n]
	}
	n, err := b.ReadCloser.Read(p)
	b.n -= n
	if err != nil {
		b.end.Do(func() { b.err = err; close(b.done) })
	}
	return n, err
}

func within(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("waited 20s: %s", what)
	}
}

// TestCancelAbortsUpstream: a client cancelling a tool call (stdio and
// streamable HTTP on protocol 2026-07-28 as mcp-go's client does it:
// notifications/cancelled, or closing the request's stream; streamable
// HTTP and SSE before it with notifications/cancelled) aborts the
// Nextcloud request in flight — the tool call ends while the test
// Nextcloud still holds the upload — and the upload, cut off, leaves the
// file as it was.
func TestCancelAbortsUpstream(t *testing.T) {
	for _, tc := range []struct {
		kind     string
		legacy   bool // initialize on 2025-11-25 and send notifications/cancelled by hand
		explicit bool
	}{{"stdio", false, false}, {"http", false, false}, {"http", true, true}, {"sse", true, true}} {
		name := tc.kind
		if tc.legacy {
			name += "-legacy"
		}
		t.Run(name, func(t *testing.T) {
			nc := nctest.New(t)
			seed := nc.Client(t, "admin")
			ctx := context.Background()
			if _, err := seed.Files().Write(ctx, "doc.txt", []byte("old content"), nextcloud.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			ended := make(chan struct{})
			var endOnce sync.Once
			var outcome string
			srv := newTestServer(t, nc, func(o *Options) {
				o.Observe = func(tool, out string, _ time.Duration) {
					if tool == "nc_files_write" {
						endOnce.Do(func() { outcome = out; close(ended) })
					}
				}
			})
			ids := make(chan any, 1)
			srv.MCP().GetHooks().AddBeforeCallTool(func(_ context.Context, id any, _ *mcpgo.CallToolRequest) { ids <- id })
			var c *client.Client
			if tc.legacy {
				c = connectLegacy(t, srv, tc.kind, nil, HTTPOptions{})
			} else {
				c = connect(t, srv, tc.kind)
			}
			body := &stallingBody{n: 64 << 10, entered: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{})}
			nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/doc.txt") {
					body.ReadCloser = r.Body
					r.Body = body
				}
				return false
			})
			var releaseOnce sync.Once
			release := func() { releaseOnce.Do(func() { close(body.release) }) }
			t.Cleanup(release)
			callCtx, cancelCall := context.WithCancel(ctx)
			defer cancelCall()
			newContent := strings.Repeat("new content ", 250000)
			go func() {
				req := mcpgo.CallToolRequest{}
				req.Params.Name = "nc_files_write"
				req.Params.Arguments = map[string]any{"path": "doc.txt", "content": newContent}
				_, _ = c.CallTool(callCtx, req)
			}()
			within(t, "the upload to reach the test Nextcloud", body.entered)
			id := <-ids
			if tc.explicit {
				n := mcpgo.JSONRPCNotification{JSONRPC: mcpgo.JSONRPC_VERSION, Notification: mcpgo.Notification{
					Method: string(mcpgo.MethodNotificationCancelled),
					Params: mcpgo.NotificationParams{AdditionalFields: map[string]any{"requestId": id, "reason": "user pressed stop"}},
				}}
				if err := c.GetTransport().SendNotification(ctx, n); err != nil {
					t.Fatalf("send notifications/cancelled: %v", err)
				}
			} else {
				cancelCall()
			}
			// The tool call ends while the test Nextcloud still holds the
			// request: only an aborted upstream request lets it.
			within(t, "the tool call to end after the cancellation", ended)
			if outcome == "ok" {
				t.Fatalf("a cancelled upload ended %q", outcome)
			}
			release()
			// What was on the wire before the abort may still be read whole
			// (socket buffers); then the upload is complete. Either way the
			// file is never a part of it: the old content, or all the new.
			deadline := time.Now().Add(10 * time.Second)
			for {
				fc, err := seed.Files().Read(ctx, "doc.txt", 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				got := string(fc.Data)
				if got != "old content" && got != newContent {
					t.Fatalf("after a cancelled upload doc.txt holds %d bytes starting %.20q: neither the old content nor all the new", len(got), got)
				}
				select {
				case <-body.done:
				default:
					if time.Now().Before(deadline) {
						time.Sleep(10 * time.Millisecond)
						continue
					}
					t.Fatal("the test Nextcloud never finished reading the upload")
				}
				if body.err != io.EOF && got != "old content" {
					t.Fatalf("the upload was cut off (%v) but doc.txt changed", body.err)
				}
				break
			}
		})
	}
}
