package config

import (
	"io"
	"testing"
	"time"
)

// The subscription poll interval: default, variable, flag, and refused
// values (under a second would hammer Nextcloud).
func TestSubscriptionPollSetting(t *testing.T) {
	c, err := Load(nil, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.SubscriptionPoll != time.Minute {
		t.Fatalf("default poll interval %s, want 1m", c.SubscriptionPoll)
	}
	e := basicEnv()
	e["NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL"] = "5m"
	if c, err = Load(nil, env(e), io.Discard); err != nil || c.SubscriptionPoll != 5*time.Minute {
		t.Fatalf("variable 5m: %v, %v", c, err)
	}
	if c, err = Load([]string{"--subscription-poll-interval", "2s"}, env(e), io.Discard); err != nil || c.SubscriptionPoll != 2*time.Second {
		t.Fatalf("flag 2s over variable 5m: %v, %v", c, err)
	}
	for _, bad := range []string{"500ms", "0", "often"} {
		wantRefused(t, "NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL", bad, "NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL must be a duration of at least 1s")
	}
}
