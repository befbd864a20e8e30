package oauth

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// missLimiter is a token bucket per client address. It bounds how many
// identity-provider calls (introspection, userinfo) a client can cause
// with tokens the server has not seen: each call takes a token, a call
// that validated a token gives it back, so only refused tokens count.
type missLimiter struct {
	burst float64
	every time.Duration // one token back per every

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// missLimiterMax bounds the table; idle (full) buckets go first.
const missLimiterMax = 10000

func newMissLimiter(perMinute int) *missLimiter {
	return &missLimiter{burst: float64(perMinute), every: time.Minute / time.Duration(perMinute), buckets: map[string]*bucket{}}
}

func (l *missLimiter) refill(b *bucket, now time.Time) {
	if now.After(b.at) {
		b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
		b.at = now
	}
}

// take spends one call for client; when none is left it returns false and
// how long until one is.
func (l *missLimiter) take(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= missLimiterMax {
			for k, old := range l.buckets {
				if l.refill(old, now); old.tokens >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= missLimiterMax {
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

// refund gives back a call that turned out to be a valid token.
func (l *missLimiter) refund(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[client]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// clientAddress keys the limiter: the peer's IP, IPv6 by its /64 (one
// host usually holds a whole /64). Behind a reverse proxy every client
// shares the proxy's address.
func clientAddress(r *http.Request) string {
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

// RateLimitError is a request refused because its client caused too many
// identity-provider calls with unknown tokens; answered 429.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return "too many unknown tokens from this address; try again later"
}
