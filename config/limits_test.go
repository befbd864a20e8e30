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
		e := basicEnv()
		e[env_] = bad
		_, err := Load(nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), env_+" must be a positive") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s=%s: %v", env_, bad, err)
		}
	}
	// Job intervals under a second would hammer Nextcloud and the IdP.
	for _, bad := range []string{"500ms", "0", "soon"} {
		e := basicEnv()
		e["NEXTCLOUD_MCP_JOB_INTERVAL"] = bad
		_, err := Load(nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "NEXTCLOUD_MCP_JOB_INTERVAL must be a duration of at least 1s") || !strings.Contains(err.Error(), bad) {
			t.Errorf("NEXTCLOUD_MCP_JOB_INTERVAL=%s: %v", bad, err)
		}
	}
}
