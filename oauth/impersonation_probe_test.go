package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// exchangeKinds is a provider with a client (secret "s") for each way
// Keycloak's exchange can be set up: v1 (service account, legacy V1
// impersonation and exchange), v2 (service account, Standard Token
// Exchange V2 only), noexchange (service account only) and nosa (exchange
// without service account); plus Nextcloud's client and the user alice.
func exchangeKinds(t *testing.T) *oidctest.Provider {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: "v1", Secret: "s", ServiceAccount: true, Impersonation: true, TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "v2", Secret: "s", ServiceAccount: true, TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "noexchange", Secret: "s", ServiceAccount: true})
	p.AddClient(oidctest.Client{ID: "nosa", Secret: "s", TokenExchange: true, Impersonation: true})
	p.AddUser(oidctest.User{Username: "alice"})
	return p
}

// saExchanger is the service account and exchanger of an exchangeKinds client.
func saExchanger(t *testing.T, p *oidctest.Provider, client string) (*ServiceAccount, *Exchanger) {
	t.Helper()
	sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: client, ClientSecret: "s", HTTPClient: p.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return sa, NewExchanger(p.TokenURL(), client, "s", p.HTTPClient())
}

// TestProbeImpersonation asks the in-process provider in each of the ways
// Keycloak can be set up and checks what the probe concludes.
func TestProbeImpersonation(t *testing.T) {
	ctx := context.Background()
	p := exchangeKinds(t)

	probe := func(client, secret string) ProbeResult {
		sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: p.TokenURL(), ClientID: client, ClientSecret: secret, HTTPClient: p.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		return ProbeImpersonation(ctx, sa, NewExchanger(p.TokenURL(), client, secret, p.HTTPClient()), []string{"nextcloud"})
	}
	tests := []struct {
		name, client, secret string
		want                 ProbeState
		words                []string
	}{
		{"legacy V1", "v1", "s", ProbeAvailable, []string{"legacy token exchange V1"}},
		{"V2 only", "v2", "s", ProbeUnavailable, []string{"Standard Token Exchange V2 only", "--features=token-exchange:v1,admin-fine-grained-authz:v1", "client policy naming v2", "/oauth/login"}},
		{"no exchange for the client", "noexchange", "s", ProbeUnavailable, []string{"token exchange is not enabled for client noexchange", "--features=token-exchange:v1,admin-fine-grained-authz:v1"}},
		{"no service account", "nosa", "s", ProbeUnavailable, []string{"service-account login failed", "Service accounts roles"}},
		{"wrong secret", "v1", "wrong", ProbeUnavailable, []string{"service-account login failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := p.Count(oidctest.CountGrantExchange)
			got := probe(tt.client, tt.secret)
			if got.State != tt.want {
				t.Fatalf("state %v, want %v (%s)", got.State, tt.want, got.Detail)
			}
			for _, w := range tt.words {
				if !strings.Contains(got.Detail, w) {
					t.Errorf("detail lacks %q: %s", w, got.Detail)
				}
			}
			if strings.Contains(got.Detail, "wrong") {
				t.Errorf("detail shows the secret: %s", got.Detail)
			}
			if tt.client == "v1" && tt.secret == "s" && p.Count(oidctest.CountGrantExchange)-before != 1 {
				t.Errorf("%d exchanges, want 1", p.Count(oidctest.CountGrantExchange)-before)
			}
		})
	}

	// An IdP that is down is not a verdict: ask again later.
	p.Down(true)
	if got := probe("v1", "s"); got.State != ProbeUnknown {
		t.Fatalf("IdP down: %v (%s)", got.State, got.Detail)
	}
	// A 5xx from the exchange itself (after a good login) is not one either.
	p.Down(false)
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.PostForm.Get("requested_subject") == "" {
			return false
		}
		http.Error(w, "busy", http.StatusBadGateway)
		return true
	})
	if got := probe("v1", "s"); got.State != ProbeUnknown || !strings.Contains(got.Detail, "502") {
		t.Fatalf("exchange 502: %v (%s)", got.State, got.Detail)
	}
	// Nor is a 5xx or 429 from the service-account login; a 4xx is.
	for status, want := range map[int]ProbeState{500: ProbeUnknown, 503: ProbeUnknown, 429: ProbeUnknown, 499: ProbeUnavailable, 401: ProbeUnavailable} {
		p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
			if r.PostForm.Get("grant_type") != "client_credentials" {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"server_error"}`))
			return true
		})
		if got := probe("v1", "s"); got.State != want {
			t.Errorf("service-account login answering %d: %v (%s), want %v", status, got.State, got.Detail, want)
		}
	}
	p.SetFault(nil)
}

// Keycloak answers the probe's unknown user in ways oidctest does not all
// produce; the classification follows Keycloak's texts.
func TestClassifyProbeKeycloakAnswers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want ProbeState
	}{
		{"V1 hides unknown users behind access_denied", &ExchangeError{Status: 403, Code: "access_denied", Description: "Client not allowed to exchange", Impersonation: true}, ProbeAvailable},
		{"V1 user not found", &ExchangeError{Status: 400, Code: "invalid_request", Description: "Requested subject not found", Impersonation: true}, ProbeAvailable},
		{"V2 refuses the parameter", &ExchangeError{Status: 400, Code: "invalid_request", Description: "Parameter 'requested_subject' is not supported for standard token exchange", Impersonation: true}, ProbeUnavailable},
		{"no exchange feature", &ExchangeError{Status: 400, Code: "unsupported_grant_type", Description: "Unsupported grant_type", Impersonation: true}, ProbeUnavailable},
		{"bad client", &ExchangeError{Status: 401, Code: "invalid_client", Description: "Invalid client or Invalid client credentials", Impersonation: true}, ProbeUnavailable},
		{"server error", &ExchangeError{Status: 500, Code: "unknown_error", Impersonation: true}, ProbeUnknown},
		{"rate limited", &ExchangeError{Status: 429, Impersonation: true}, ProbeUnknown},
		{"network", errors.New("dial tcp: connection refused"), ProbeUnknown},
		{"something else", &ExchangeError{Status: 400, Code: "invalid_scope", Impersonation: true}, ProbeUnavailable},
	}
	for _, tt := range tests {
		if got := classifyProbe(tt.err, "mcp-server"); got.State != tt.want {
			t.Errorf("%s: %v, want %v (%s)", tt.name, got.State, tt.want, got.Detail)
		}
	}
	got := classifyProbe(&ExchangeError{Status: 400, Code: "unsupported_grant_type"}, "mcp-server")
	if !strings.Contains(got.Detail, "does not support token exchange at all") || !strings.Contains(got.Detail, LegacyExchangeFeatures) {
		t.Errorf("no-exchange detail: %s", got.Detail)
	}
}

// TestImpersonationGate: an unavailable answer stops the grant chain from
// sending exchanges that cannot succeed; an unknown one is asked again
// after the retry interval, not before.
func TestImpersonationGate(t *testing.T) {
	ctx := context.Background()
	p := exchangeKinds(t)
	chainFor := func(client string) *GrantChain {
		sa, ex := saExchanger(t, p, client)
		aud := []string{"nextcloud"}
		gate := NewImpersonationGate(func(ctx context.Context) ProbeResult { return ProbeImpersonation(ctx, sa, ex, aud) }, time.Minute, nil)
		return &GrantChain{ServiceAccount: sa, Impersonate: ex.Impersonate(aud), Gate: gate}
	}

	// V2 only: one probe exchange, then none however often jobs ask.
	v2 := chainFor("v2")
	if v2.Gate.Probe(ctx).State != ProbeUnavailable || v2.CanImpersonate() {
		t.Fatalf("V2 probe: %+v, CanImpersonate %v", v2.Gate.State(), v2.CanImpersonate())
	}
	before := p.Count(oidctest.CountGrantExchange)
	for range 3 {
		_, _, err := v2.Token(ctx, "alice")
		if !errors.Is(err, ErrNoGrant) {
			t.Fatalf("V2 chain: %v", err)
		}
		for _, w := range []string{"impersonation: unavailable", "--features=token-exchange:v1,admin-fine-grained-authz:v1"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q: %v", w, err)
			}
		}
	}
	if n := p.Count(oidctest.CountGrantExchange) - before; n != 0 {
		t.Fatalf("%d exchanges sent after the probe found V2 only", n)
	}

	// V1: the probe opens the gate and the chain impersonates.
	v1 := chainFor("v1")
	if v1.Gate.Probe(ctx).State != ProbeAvailable || !v1.CanImpersonate() {
		t.Fatalf("V1 probe: %+v", v1.Gate.State())
	}
	if tok, grant, err := v1.Token(ctx, "alice"); err != nil || grant != GrantImpersonation || jwtClaim(tok.AccessToken, "preferred_username") != "alice" {
		t.Fatalf("V1 chain: %v %s", err, grant)
	}

	// Unknown (IdP down at start): retried only after the interval.
	down := chainFor("v1")
	now := time.Unix(1_000_000, 0)
	down.Gate.now = func() time.Time { return now }
	p.Down(true)
	if down.Gate.Probe(ctx).State != ProbeUnknown || !down.CanImpersonate() {
		t.Fatalf("down probe: %+v", down.Gate.State())
	}
	p.Down(false)
	before = p.Count(oidctest.CountGrantExchange)
	if _, _, err := down.Token(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "not yet known") {
		t.Fatalf("before the retry interval: %v", err)
	}
	if n := p.Count(oidctest.CountGrantExchange) - before; n != 0 {
		t.Fatalf("%d exchanges before the retry interval", n)
	}
	now = now.Add(time.Minute)
	if tok, _, err := down.Token(ctx, "alice"); err != nil || jwtClaim(tok.AccessToken, "preferred_username") != "alice" {
		t.Fatalf("after the retry interval: %v", err)
	}
	if down.Gate.State().State != ProbeAvailable {
		t.Fatalf("state after recovery: %+v", down.Gate.State())
	}

	// Switched off: no service account is asked, the reason names the setting.
	off := &GrantChain{ImpersonationOff: "turned off (OIDC_IMPERSONATION=off)"}
	if _, _, err := off.Token(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "impersonation: turned off (OIDC_IMPERSONATION=off)") || off.CanImpersonate() {
		t.Fatalf("off: %v", err)
	}
}
