package main

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestStartupImpersonationProbe: with offline access the server asks the
// IdP once at start whether it can impersonate (OIDC_IMPERSONATION=auto),
// says so in its log, and sends nothing with =off.
func TestStartupImpersonationProbe(t *testing.T) {
	tests := []struct {
		name      string
		client    oidctest.Client
		mode      string
		exchanges int
		logs      []string
	}{
		{"V2 only", oidctest.Client{TokenExchange: true}, "", 1,
			[]string{"impersonation unavailable", "--features=token-exchange:v1,admin-fine-grained-authz:v1", "impersonation=\"unavailable (probed)\""}},
		{"legacy V1", oidctest.Client{TokenExchange: true, Impersonation: true}, "auto", 1,
			[]string{"impersonation available", "impersonation=\"available (probed)\""}},
		{"off", oidctest.Client{TokenExchange: true, Impersonation: true}, "off", 0,
			[]string{"impersonation=\"turned off (OIDC_IMPERSONATION=off)\""}},
		{"on without probe", oidctest.Client{TokenExchange: true}, "on", 0,
			[]string{"impersonation=\"on (OIDC_IMPERSONATION=on, not probed)\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := oidctest.New(t)
			p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
			c := tt.client
			c.ID, c.Secret, c.ServiceAccount = "mcp-server", "srv-secret", true
			p.AddClient(c)
			nc := nctest.New(t)
			env := tokenStore(t)
			env["ENABLE_OFFLINE_ACCESS"], env["OIDC_IMPERSONATION"] = "true", tt.mode
			s := startHTTP(t, []string{"--auth", "oauth"}, func(base string) map[string]string { return oauthEnv(nc, p, base, env) })
			// The probe ran before the server listened; no user is known, so
			// no job has asked since.
			exchanges := p.Count(oidctest.CountGrantExchange)
			s.stop()
			if exchanges != tt.exchanges {
				t.Errorf("%d token exchanges at start, want %d", exchanges, tt.exchanges)
			}
			log := s.stderr.String()
			for _, w := range tt.logs {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if strings.Contains(log, "srv-secret") {
				t.Error("log shows the client secret")
			}
		})
	}
}
