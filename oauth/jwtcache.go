package oauth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// jwtCache remembers JWTs whose signature and claims were verified, keyed
// by the token's hash, so a client sending the same token on every
// request costs one RSA verification, not one per request. An entry lives
// until the token expires (plus leeway) and at most jwtCacheTTL, which
// bounds how long a key removed from the JWKS keeps validating.
type jwtCache struct {
	mu      sync.Mutex
	entries map[[32]byte]jwtEntry
}

type jwtEntry struct {
	id    Identity
	until time.Time
	// keys is when the JWKS that verified the token was fetched: after a
	// refresh (a key may have been withdrawn) the token is checked again.
	keys time.Time
}

const (
	jwtCacheTTL = time.Minute
	jwtCacheMax = 10000
)

func newJWTCache() *jwtCache { return &jwtCache{entries: map[[32]byte]jwtEntry{}} }

func (c *jwtCache) get(tok string, now, keys time.Time) (*Identity, bool) {
	key := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) || !e.keys.Equal(keys) {
		return nil, false
	}
	id := e.id
	return &id, true
}

func (c *jwtCache) put(tok string, id *Identity, leeway time.Duration, now, keys time.Time) {
	until := now.Add(jwtCacheTTL)
	if !id.Expiry.IsZero() && id.Expiry.Add(leeway).Before(until) {
		until = id.Expiry.Add(leeway)
	}
	key := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= jwtCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= jwtCacheMax {
			clear(c.entries)
		}
	}
	c.entries[key] = jwtEntry{id: *id, until: until, keys: keys}
}
