package oauth

import (
	"context"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestDoctorReportsWhatIsEnabled: the doctor's "enabled" line says exactly
// which of V2 exchange, V1 impersonation and offline access the server gets
// from this IdP and these settings.
func TestDoctorReportsWhatIsEnabled(t *testing.T) {
	ctx := context.Background()
	p := exchangeKinds(t)
	tests := []struct {
		name, client, secret, mode string
		offline                    bool
		want                       string
		lines                      []string
	}{
		{"V1 and V2", "v1", "s", "", true, "standard token exchange (V2): yes; impersonation (V1): yes; offline access: yes",
			[]string{"OK   token exchange (V2)", "OK   impersonation (V1): legacy token exchange V1 answers requested_subject"}},
		{"V2 only", "v2", "s", "auto", true, "standard token exchange (V2): yes; impersonation (V1): no; offline access: yes",
			[]string{"WARN impersonation (V1): Keycloak answers with Standard Token Exchange V2 only", "--features=token-exchange:v1,admin-fine-grained-authz:v1"}},
		{"no exchange, offline off", "noexchange", "s", "", false, "standard token exchange (V2): no; impersonation (V1): no; offline access: no",
			[]string{"WARN token exchange (V2)", "standard.token.exchange.enabled=true", "WARN offline access: no (ENABLE_OFFLINE_ACCESS is not true)"}},
		{"impersonation off", "v1", "s", "off", true, "standard token exchange (V2): yes; impersonation (V1): no; offline access: yes",
			[]string{"OK   impersonation (V1): not used: OIDC_IMPERSONATION=off"}},
		{"no secret", "v1", "", "", true, "standard token exchange (V2): no; impersonation (V1): no; offline access: yes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := p.Count(oidctest.CountGrantExchange)
			checks := RunDoctor(ctx, DoctorConfig{Issuer: p.Issuer(), ClientID: tt.client, ClientSecret: tt.secret, HTTPClient: p.HTTPClient(),
				NextcloudAudience: "nextcloud", OfflineAccess: tt.offline, Impersonation: tt.mode})
			var b strings.Builder
			if !WriteDoctor(&b, checks) {
				t.Errorf("doctor failed:\n%s", b.String())
			}
			out := b.String()
			if !strings.Contains(out, "OK   enabled: "+tt.want+"\n") {
				t.Errorf("want enabled line %q in:\n%s", tt.want, out)
			}
			for _, l := range tt.lines {
				if !strings.Contains(out, l) {
					t.Errorf("output lacks %q:\n%s", l, out)
				}
			}
			if tt.mode == "off" && p.Count(oidctest.CountGrantExchange)-before != 1 {
				t.Errorf("with impersonation off the doctor sent %d exchanges, want only the V2 trial", p.Count(oidctest.CountGrantExchange)-before)
			}
		})
	}
}
