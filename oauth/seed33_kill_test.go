package oauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
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
