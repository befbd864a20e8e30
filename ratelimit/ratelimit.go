// Package ratelimit bounds what one client address can make the server do
// on its behalf (identity-provider calls for unknown tokens, Nextcloud
// checks of wrong passwords): a token bucket per address, where the
// caller refunds calls that turned out to be legitimate so only failures
// count.
package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// PerClient is a token bucket per client key. It is safe for concurrent use.
type PerClient struct {
	burst float64
	every time.Duration // one call back per every

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxClients bounds the table; idle (full) buckets go first.
const maxClients = 10000

// New allows burst calls per client, given back at burst per period.
func New(burst int, period time.Duration) *PerClient {
	return &PerClient{burst: float64(burst), every: period / time.Duration(burst), buckets: map[string]*bucket{}}
}

func (l *PerClient) refill(b *bucket, now time.Time) {
	if now.After(b.at) {
		b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
		b.at = now
	}
}

// Take spends one call for client; when none is left it returns false and
// how long until one is.
func (l *PerClient) Take(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxClients {
			for k, old := range l.buckets {
				if l.refill(old, now); old.tokens >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxClients {
				clear(l.buckets)
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return true, 0
}

// Refund gives back a call that turned out not to count (a valid token,
// right credentials, an upstream failure).
func (l *PerClient) Refund(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[client]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// ClientAddress keys a limiter: the peer's IP, IPv6 by its /64 (one host
// usually holds a whole /64). Behind a reverse proxy every client shares
// the proxy's address.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
