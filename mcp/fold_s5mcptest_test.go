package mcp

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Set-up and waiting shared by the protocol tests (sessions, logging,
// progress, subscriptions, faults, prompts).

// sink collects the notifications of one method a client receives, each
// made a T, so that a test can wait for what it expects.
type sink[T any] struct {
	mu  sync.Mutex
	got []T
}

// listen collects c's notifications of method, each made a T by conv from
// the notification's params.
func (s *sink[T]) listen(c *client.Client, method string, conv func(params map[string]any) T) {
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method != method {
			return
		}
		v := conv(n.Params.AdditionalFields)
		s.mu.Lock()
		s.got = append(s.got, v)
		s.mu.Unlock()
	})
}

// await returns (and forgets) what arrived once done holds for it; after
// 10s the test fails with "waited 10s for " what.
func (s *sink[T]) await(t testing.TB, what string, done func([]T) bool) []T {
	t.Helper()
	var out []T
	ok := eventually(func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !done(s.got) {
			return false
		}
		out, s.got = s.got, nil
		return true
	})
	if !ok {
		t.Fatalf("waited 10s for %s", what)
	}
	return out
}

// eventually reports whether cond holds within 10s, asking every 5ms; the
// bound only ends a failing test.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// ask sends one request with do, bounded by 20s, and fails the test on a
// protocol error, saying what was asked.
func ask[R any](t testing.TB, what string, do func(context.Context) (R, error)) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := do(ctx)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return res
}

// createNote creates a note through c for a test's set-up.
func createNote(t testing.TB, c *nextcloud.Client, title, content string) *nextcloud.Note {
	t.Helper()
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		t.Fatalf("create note %q: %v", title, err)
	}
	return n
}

// startAt starts c, closed when the test ends, and initializes it asking
// for protocol version, declaring caps when given; kind names the
// transport in failures.
func startAt(t testing.TB, c *client.Client, kind, version string, caps ...mcpgo.ClientCapabilities) *mcpgo.InitializeResult {
	t.Helper()
	// Start's context lives as long as the SSE stream, so not a bounded one.
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("%s start: %v", kind, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = version
	init.Params.ClientInfo = mcpgo.Implementation{Name: "test", Version: "1"}
	for _, cp := range caps {
		init.Params.Capabilities = cp
	}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatalf("%s initialize: %v", kind, err)
	}
	return res
}
