package mcp

import (
	"context"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// appOf returns the capability key that shows ts's app is installed
// ("" when it publishes none, or for core features) and the app's name for
// "app not enabled".
func appOf(ts Toolset) (capability, name string) {
	return ts.App.Capability(), ts.App.Name
}

// capsCache keeps each user's capabilities for a short time, so listing
// tools does not cost a request to Nextcloud every time.
type capsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]capsEntry
}

type capsEntry struct {
	caps    *nextcloud.Capabilities
	expires time.Time
}

func newCapsCache(ttl time.Duration) *capsCache {
	return &capsCache{ttl: ttl, m: map[string]capsEntry{}}
}

func (c *capsCache) get(ctx context.Context, nc *nextcloud.Client) (*nextcloud.Capabilities, error) {
	key := nc.BaseURL().String() + "\x00" + nc.User()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.caps, nil
	}
	caps, err := nc.Capabilities(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		c.m = map[string]capsEntry{} // bound memory on very busy servers
	}
	c.m[key] = capsEntry{caps: caps, expires: time.Now().Add(c.ttl)}
	c.mu.Unlock()
	return caps, nil
}
