package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Tokens is a token endpoint answer.
type Tokens struct {
	AccessToken     string `json:"access_token"`
	TokenType       string `json:"token_type"`
	RefreshToken    string `json:"refresh_token,omitempty"`
	IDToken         string `json:"id_token,omitempty"`
	ExpiresIn       uint64 `json:"expires_in"`
	Scope           string `json:"scope,omitempty"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// TokenError is an OAuth error answer from the token endpoint.
type TokenError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint answered %d %s: %s", e.Status, e.Code, e.Description)
}

// Browser returns an HTTP client that behaves like the user's browser: at
// the provider's login step it is logged in as user; it follows redirects,
// including the final one to the client's redirect_uri (so a consent flow
// reaches the application's callback handler).
func (p *Provider) Browser(user string) *http.Client {
	base := p.srv.Client().Transport
	host := p.srv.Listener.Addr().String()
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == host {
			r = r.Clone(r.Context())
			r.Header.Set(loginUserHeader, user)
		}
		return base.RoundTrip(r)
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Authorize drives an authorization request URL (as an application built
// it) through the provider with user logged in and consenting, and returns
// the URL the provider finally redirects to (the redirect_uri with code and
// state, or with error=access_denied when the user refuses) without
// requesting it.
func (p *Provider) Authorize(ctx context.Context, authURL, user string) (*url.URL, error) {
	host := p.srv.Listener.Addr().String()
	hc := p.Browser(user)
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host {
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, fmt.Errorf("authorize request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("authorize: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return nil, fmt.Errorf("authorize: provider answered %d without redirecting to the client: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("authorize: bad redirect %q: %w", loc, err)
	}
	return u, nil
}

// LoginRequest describes an authorization code flow for Login.
type LoginRequest struct {
	ClientID string
	User     string
	Scopes   []string
	// RedirectURI defaults to DefaultRedirectURI.
	RedirectURI string
	// NoPKCE leaves out code_challenge (to see the provider refuse it).
	NoPKCE bool
	// Extra parameters for the authorization request (resource, prompt …).
	Extra url.Values
}

// Login runs the authorization code flow with PKCE S256 over HTTP: the
// authorization request, the login of User, and the code exchange (with the
// client's secret if it has one). Ask for offline_access to get a refresh
// token.
func (p *Provider) Login(ctx context.Context, lr LoginRequest) (*Tokens, error) {
	c, err := p.st.client(lr.ClientID)
	if err != nil {
		return nil, err
	}
	redirect := lr.RedirectURI
	if redirect == "" {
		redirect = DefaultRedirectURI
	}
	scopes := lr.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID}
	}
	state := rand.Text()
	verifier := rand.Text() + rand.Text()
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {lr.ClientID},
		"redirect_uri":  {redirect},
		"scope":         {strings.Join(scopes, " ")},
		"state":         {state},
		"login_hint":    {lr.User},
	}
	if !lr.NoPKCE {
		sum := sha256.Sum256([]byte(verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	for k, v := range lr.Extra {
		q[k] = v
	}
	back, err := p.Authorize(ctx, p.AuthorizeURL()+"?"+q.Encode(), lr.User)
	if err != nil {
		return nil, err
	}
	bq := back.Query()
	if e := bq.Get("error"); e != "" {
		return nil, fmt.Errorf("authorization refused: %s: %s", e, bq.Get("error_description"))
	}
	if bq.Get("state") != state {
		return nil, fmt.Errorf("authorization answered state %q, want %q", bq.Get("state"), state)
	}
	form := url.Values{
		"grant_type":   {string(oidc.GrantTypeCode)},
		"code":         {bq.Get("code")},
		"redirect_uri": {redirect},
	}
	if !lr.NoPKCE {
		form.Set("code_verifier", verifier)
	}
	return p.PostToken(ctx, c.ID, c.Secret, form)
}

// UserToken logs user in at client (auth code flow with PKCE) and returns the
// access token; the test fails if that does not work.
func (p *Provider) UserToken(t testing.TB, user, clientID string, scopes ...string) string {
	t.Helper()
	tok, err := p.Login(context.Background(), LoginRequest{ClientID: clientID, User: user, Scopes: append([]string{oidc.ScopeOpenID}, scopes...)})
	if err != nil {
		t.Fatalf("oidctest: log %s in at %s: %v", user, clientID, err)
	}
	return tok.AccessToken
}

// Refresh uses a refresh token (client authenticated with its secret). The
// answer carries a new refresh token; the old one is spent.
func (p *Provider) Refresh(ctx context.Context, clientID, refreshToken string, scopes ...string) (*Tokens, error) {
	c, err := p.st.client(clientID)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {string(oidc.GrantTypeRefreshToken)}, "refresh_token": {refreshToken}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return p.PostToken(ctx, c.ID, c.Secret, form)
}

// ClientCredentials gets a service account token for a ServiceAccount client.
func (p *Provider) ClientCredentials(ctx context.Context, clientID string, scopes ...string) (*Tokens, error) {
	c, err := p.st.client(clientID)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {string(oidc.GrantTypeClientCredentials)}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return p.PostToken(ctx, c.ID, c.Secret, form)
}

// ExchangeRequest is an RFC 8693 request for Exchange.
type ExchangeRequest struct {
	SubjectToken string
	// SubjectTokenType defaults to urn:ietf:params:oauth:token-type:access_token.
	SubjectTokenType   string
	RequestedTokenType string
	Audience           []string
	Scopes             []string
	// RequestedSubject asks for impersonation (Keycloak legacy V1 only).
	RequestedSubject string
}

// Exchange performs a token exchange as clientID (with its secret).
func (p *Provider) Exchange(ctx context.Context, clientID string, er ExchangeRequest) (*Tokens, error) {
	c, err := p.st.client(clientID)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type":         {string(oidc.GrantTypeTokenExchange)},
		"subject_token":      {er.SubjectToken},
		"subject_token_type": {string(oidc.AccessTokenType)},
	}
	if er.SubjectTokenType != "" {
		form.Set("subject_token_type", er.SubjectTokenType)
	}
	if er.RequestedTokenType != "" {
		form.Set("requested_token_type", er.RequestedTokenType)
	}
	for _, a := range er.Audience {
		form.Add("audience", a)
	}
	if len(er.Scopes) > 0 {
		form.Set("scope", strings.Join(er.Scopes, " "))
	}
	if er.RequestedSubject != "" {
		form.Set("requested_subject", er.RequestedSubject)
	}
	return p.PostToken(ctx, c.ID, c.Secret, form)
}

// PostToken posts form to the token endpoint, authenticating with HTTP basic
// when secret is set and sending client_id in the form otherwise. Errors
// from the provider are *TokenError.
func (p *Provider) PostToken(ctx context.Context, clientID, secret string, form url.Values) (*Tokens, error) {
	var out Tokens
	if err := p.post(ctx, p.TokenURL(), clientID, secret, form, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Introspect asks the introspection endpoint about token as clientID.
func (p *Provider) Introspect(ctx context.Context, clientID, token string) (map[string]any, error) {
	c, err := p.st.client(clientID)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := p.post(ctx, p.IntrospectionURL(), c.ID, c.Secret, url.Values{"token": {token}}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Revoke revokes an access or refresh token as clientID.
func (p *Provider) Revoke(ctx context.Context, clientID, token string) error {
	c, err := p.st.client(clientID)
	if err != nil {
		return err
	}
	return p.post(ctx, p.RevocationURL(), c.ID, c.Secret, url.Values{"token": {token}}, nil)
}

func (p *Provider) post(ctx context.Context, endpoint, clientID, secret string, form url.Values, out any) error {
	if secret == "" {
		form.Set("client_id", clientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read answer of %s: %w", endpoint, err)
	}
	if resp.StatusCode/100 != 2 {
		te := &TokenError{Status: resp.StatusCode}
		if json.Unmarshal(body, te) != nil || te.Code == "" {
			te.Description = strings.TrimSpace(string(body))
		}
		return te
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode answer of %s: %w", endpoint, err)
	}
	return nil
}
