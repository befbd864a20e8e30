package nextcloud

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// BusyError is a request refused because the process already had its
// limit of Nextcloud requests in flight for longer than the request could
// wait (Options.MaxInFlight).
type BusyError struct{ InFlight int }

func (e *BusyError) Error() string {
	return fmt.Sprintf("Nextcloud is busy: %d requests in flight; try again", e.InFlight)
}

// limiter bounds the Nextcloud requests in flight across every copy of a
// Client: a slot is held from sending a request until its response body is
// closed, so memory follows the work done, not the callers waiting.
type limiter struct {
	slots chan struct{}
	wait  time.Duration
}

func newLimiter(n int, wait time.Duration) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{slots: make(chan struct{}, n), wait: wait}
}

// acquire waits for a slot until ctx ends or l.wait passes.
func (l *limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &BusyError{InFlight: len(l.slots)}
	case <-t.C:
		return &BusyError{InFlight: len(l.slots)}
	}
}

func (l *limiter) release() { <-l.slots }

// releaseBody gives the slot back when the body is closed (once).
type releaseBody struct {
	io.ReadCloser
	once sync.Once
	l    *limiter
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.l.release)
	return err
}
