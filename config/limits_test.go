package config

import (
	"io"
	"testing"
	"time"
)

// The work bounds: defaults, flags, and refused values naming the setting.
func TestWorkBoundSettings(t *testing.T) {
	c, err := Load(nil, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpstream != 64 || c.SessionIdleTTL != 30*time.Minute || c.IndexFetchConcurrency != 8 || c.JobInterval != 10*time.Minute {
		t.Fatalf("defaults: upstream %d, idle %s, index fetch %d", c.MaxUpstream, c.SessionIdleTTL, c.IndexFetchConcurrency)
	}
	c, err = Load([]string{"--max-upstream-requests", "5", "--session-idle-ttl", "90s", "--index-fetch-concurrency", "2", "--job-interval", "2s"}, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpstream != 5 || c.SessionIdleTTL != 90*time.Second || c.IndexFetchConcurrency != 2 || c.JobInterval != 2*time.Second {
		t.Fatalf("flags: upstream %d, idle %s, index fetch %d", c.MaxUpstream, c.SessionIdleTTL, c.IndexFetchConcurrency)
	}
	for env_, bad := range map[string]string{
		"NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS":   "0",
		"NEXTCLOUD_MCP_SESSION_IDLE_TTL":        "forever",
		"NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY": "-3",
	} {
		wantRefused(t, env_, bad, env_+" must be a positive")
	}
	// Job intervals under a second would hammer Nextcloud and the IdP.
	for _, bad := range []string{"500ms", "0", "soon"} {
		wantRefused(t, "NEXTCLOUD_MCP_JOB_INTERVAL", bad, "NEXTCLOUD_MCP_JOB_INTERVAL must be a duration of at least 1s")
	}
}
