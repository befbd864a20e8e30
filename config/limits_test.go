package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

// The work bounds: defaults, flags, and refused values naming the setting.
func TestWorkBoundSettings(t *testing.T) {
	c, err := Load(nil, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpstream != 64 || c.SessionIdleTTL != 30*time.Minute || c.IndexFetchConcurrency != 8 {
		t.Fatalf("defaults: upstream %d, idle %s, index fetch %d", c.MaxUpstream, c.SessionIdleTTL, c.IndexFetchConcurrency)
	}
	c, err = Load([]string{"--max-upstream-requests", "5", "--session-idle-ttl", "90s", "--index-fetch-concurrency", "2"}, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpstream != 5 || c.SessionIdleTTL != 90*time.Second || c.IndexFetchConcurrency != 2 {
		t.Fatalf("flags: upstream %d, idle %s, index fetch %d", c.MaxUpstream, c.SessionIdleTTL, c.IndexFetchConcurrency)
	}
	for env_, bad := range map[string]string{
		"NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS":   "0",
		"NEXTCLOUD_MCP_SESSION_IDLE_TTL":        "forever",
		"NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY": "-3",
	} {
		e := basicEnv()
		e[env_] = bad
		_, err := Load(nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), env_+" must be a positive") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s=%s: %v", env_, bad, err)
		}
	}
}
