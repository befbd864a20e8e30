package oauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// Either sign alone means the exchange is not enabled for the client:
// Keycloak's unauthorized_client code with another text, or the text with
// another code.
func TestClassifyProbeNotEnabledEitherSign(t *testing.T) {
	for _, ee := range []*ExchangeError{
		{Status: 403, Code: "unauthorized_client", Description: "Client not allowed to exchange", Impersonation: true},
		{Status: 400, Code: "invalid_request", Description: "Token exchange feature is not enabled", Impersonation: true},
	} {
		got := classifyProbe(ee, "mcp-server")
		if got.State != ProbeUnavailable || !strings.Contains(got.Detail, "token exchange is not enabled for client mcp-server") {
			t.Errorf("%s / %q: %v (%s); want unavailable, not enabled for the client", ee.Code, ee.Description, got.State, got.Detail)
		}
	}
}

// failingBody hands out a complete-looking token answer, then fails: the
// connection broke before the body ended.
type failingBody struct{ r io.Reader }

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
func (b *failingBody) Close() error { return nil }

type brokenAnswer struct{ body string }

func (a brokenAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: &failingBody{strings.NewReader(a.body)}, Request: r}, nil
}

// An answer cut off in transit is an error even when the part that came
// parses: the token may be truncated or not the one the IdP meant.
func TestExchangeRefusesABrokenAnswer(t *testing.T) {
	body := `{"access_token":"nc-token","token_type":"Bearer","expires_in":300,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}`
	ex := NewExchanger("http://idp.invalid/token", "mcp-server", "secret", &http.Client{Transport: brokenAnswer{body}})
	tok, err := ex.Exchange(context.Background(), ExchangeRequest{SubjectToken: "subj", Audience: []string{"nextcloud"}})
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "read token exchange answer") {
		t.Fatalf("Exchange over a broken answer = %v, %v; want the read error", tok, err)
	}
}

// onceIdP discovers once; later discoveries fail (the IdP went down).
type onceIdP struct {
	asked int
}

func (o *onceIdP) TokenEndpoint(context.Context) (string, error) {
	return "https://idp.invalid/token", nil
}

func (o *onceIdP) Provider(ctx context.Context) (*oidc.Provider, error) {
	o.asked++
	if o.asked > 1 {
		return nil, errors.New("IdP down")
	}
	pc := &oidc.ProviderConfig{IssuerURL: "https://idp.invalid", AuthURL: "https://idp.invalid/auth", TokenURL: "https://idp.invalid/token",
		JWKSURL: "https://idp.invalid/certs", Algorithms: []string{"RS256"}}
	return pc.NewProvider(ctx), nil
}

// The consent flow discovers the IdP once and keeps it: later sign-ins
// neither ask again nor fail when discovery would fail now.
func TestConsentKeepsTheDiscoveredIdP(t *testing.T) {
	db := storetest.TokenStore(t)
	idp := &onceIdP{}
	c, err := NewConsent(context.Background(), ConsentConfig{Store: db, Issuer: "https://idp.invalid", ClientID: "c",
		RedirectURL: "https://mcp/oauth/callback", IdP: idp})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		w := httptest.NewRecorder()
		c.ServeLogin(w, httptest.NewRequest(http.MethodGet, "/oauth/login", nil))
		if loc := w.Header().Get("Location"); w.Code/100 != 3 || !strings.HasPrefix(loc, "https://idp.invalid/auth?") {
			t.Fatalf("sign-in %d: HTTP %d to %q; want a redirect to the IdP", i+1, w.Code, loc)
		}
	}
	if idp.asked != 1 {
		t.Errorf("discovery asked %d times; want once", idp.asked)
	}
}

// Error codes are matched exactly: a code that merely starts with a known
// one (invalid_client_metadata is RFC 7591's) is an unexplained refusal.
func TestClassifyProbeNearMissCodes(t *testing.T) {
	for _, code := range []string{"invalid_client_metadata", "unauthorized_client_x", "unsupported_grant_type_x", "access_denied_x"} {
		got := classifyProbe(&ExchangeError{Status: 400, Code: code, Description: "refused", Impersonation: true}, "mcp-server")
		if got.State != ProbeUnavailable || !strings.Contains(got.Detail, "the identity provider refused impersonation") {
			t.Errorf("%s: %v (%s); want unavailable, an unexplained refusal", code, got.State, got.Detail)
		}
	}
}
