package mcp

import (
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// notifySink collects one kind of notification a test client gets, each
// as a T.
type notifySink[T any] struct {
	mu  sync.Mutex
	got []T
}

// listen records each notification of method that c gets, converted by of.
func (s *notifySink[T]) listen(c *client.Client, method string, of func(mcpgo.JSONRPCNotification) T) {
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method != method {
			return
		}
		v := of(n)
		s.mu.Lock()
		s.got = append(s.got, v)
		s.mu.Unlock()
	})
}

// waitUntil returns (and forgets) what arrived once done holds for it; after
// 10s the test fails, waiting for what.
func (s *notifySink[T]) waitUntil(t *testing.T, what string, done func([]T) bool) []T {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		if done(s.got) {
			out := s.got
			s.got = nil
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
