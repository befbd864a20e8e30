package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestGrantChainImpersonation runs the chain's second step against the
// provider: service-account token plus requested_subject, as Keycloak's
// legacy V1 allows and Standard Token Exchange V2 refuses.
func TestGrantChainImpersonation(t *testing.T) {
	ctx := context.Background()
	p := exchangeKinds(t)

	chainFor := func(client string, audience []string, scopes ...string) *GrantChain {
		sa, ex := saExchanger(t, p, client)
		return &GrantChain{ServiceAccount: sa, Impersonate: ex.Impersonate(audience, scopes...)}
	}

	tests := []struct {
		name     string
		chain    *GrantChain
		user     string
		wantAud  string
		wantScp  string
		wantErrs []string
	}{
		{name: "legacy V1 with audience", chain: chainFor("v1", []string{"nextcloud"}), user: "alice", wantAud: "nextcloud"},
		{name: "legacy V1 without audience", chain: chainFor("v1", nil), user: "alice"},
		{name: "legacy V1 with scope", chain: chainFor("v1", []string{"nextcloud"}, "openid"), user: "alice", wantAud: "nextcloud", wantScp: "openid"},
		{name: "standard V2 refuses impersonation", chain: chainFor("v2", []string{"nextcloud"}), user: "alice",
			wantErrs: []string{"impersonation", "Standard Token Exchange V2", "offline access: disabled"}},
		{name: "unknown user", chain: chainFor("v1", []string{"nextcloud"}), user: "mallory", wantErrs: []string{"impersonation:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, grant, err := tt.chain.Token(ctx, tt.user)
			if tt.wantErrs != nil {
				wantNoGrant(t, err, tt.wantErrs...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if grant != GrantImpersonation || jwtClaim(tok.AccessToken, "preferred_username") != tt.user {
				t.Fatalf("grant %s, token of %q", grant, jwtClaim(tok.AccessToken, "preferred_username"))
			}
			if aud := tokenAudiences(t, tok.AccessToken); tt.wantAud != "" && aud != tt.wantAud {
				t.Fatalf("aud = %q, want %q", aud, tt.wantAud)
			}
			if scp := jwtClaim(tok.AccessToken, "scope"); scp != tt.wantScp {
				t.Fatalf("scope = %q, want %q", scp, tt.wantScp)
			}
		})
	}

	// Client builds a user-scoped Nextcloud client whose requests carry
	// the impersonated token; the exchange is done once and reused.
	chain := chainFor("v1", []string{"nextcloud"})
	var seen []string
	nc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, jwtClaim(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "preferred_username"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"ok","statuscode":200},"data":{"id":"alice"}}}`))
	}))
	defer nc.Close()
	base, _ := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	before := p.Count(oidctest.CountGrantExchange)
	c, err := chain.Client(ctx, base, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.CurrentUser(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(seen, ",") != "alice,alice,alice" || c.User() != "alice" {
		t.Fatalf("requests carried tokens of %v", seen)
	}
	if n := p.Count(oidctest.CountGrantExchange) - before; n != 1 {
		t.Fatalf("%d exchanges for 3 requests, want 1", n)
	}
	if _, err := chainFor("v2", nil).Client(ctx, base, "alice"); !errors.Is(err, ErrNoGrant) {
		t.Fatalf("client without a working grant: %v", err)
	}

	// The doctor tries impersonation when asked to.
	ex := NewExchanger(p.TokenURL(), "v2", "s", p.HTTPClient())
	checks := RunDoctor(ctx, DoctorConfig{Issuer: p.Issuer(), ClientID: "v2", ClientSecret: "s", HTTPClient: p.HTTPClient(),
		Impersonate: ex.Impersonate([]string{"nextcloud"}), ImpersonateUser: "alice"})
	var b strings.Builder
	if WriteDoctor(&b, checks) || !strings.Contains(b.String(), "FAIL impersonation") {
		t.Fatalf("doctor did not report refused impersonation:\n%s", b.String())
	}
}

// jwtClaims reads a JWT's claims without checking its signature.
func jwtClaims(t testing.TB, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func tokenAudiences(t *testing.T, tok string) string {
	t.Helper()
	switch a := jwtClaims(t, tok)["aud"].(type) {
	case string:
		return a
	case []any:
		var out []string
		for _, v := range a {
			out = append(out, fmt.Sprint(v))
		}
		return strings.Join(out, " ")
	}
	return ""
}
