package nextcloud

import (
	"context"
	"time"
)

// EventKind says what happened to a request to Nextcloud.
type EventKind int

const (
	// EventAnswered: one attempt got an HTTP answer (Elapsed is its time).
	EventAnswered EventKind = iota + 1
	// EventRetry: an attempt failed and the request will be sent again
	// after Wait.
	EventRetry
)

// RequestEvent describes a request to Nextcloud for whoever watches the request's
// context (the MCP server tells the user about retries and slow answers).
// It carries no credentials, query strings or bodies.
type RequestEvent struct {
	Kind    EventKind
	Method  string
	Path    string
	Status  int // 0 when the attempt got no answer
	Attempt int // 1 for the first attempt
	Elapsed time.Duration
	Wait    time.Duration
}

type eventsKey struct{}

// WithEvents returns a context whose requests report to f. f runs on the
// request's goroutine and must not block.
func WithEvents(ctx context.Context, f func(RequestEvent)) context.Context {
	return context.WithValue(ctx, eventsKey{}, f)
}

func emit(ctx context.Context, e RequestEvent) {
	if f, ok := ctx.Value(eventsKey{}).(func(RequestEvent)); ok && f != nil {
		f(e)
	}
}
