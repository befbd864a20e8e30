package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// RFC 8693 identifiers.
const (
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken  = "urn:ietf:params:oauth:token-type:refresh_token"
)

// ExchangeRequest is one RFC 8693 token exchange.
type ExchangeRequest struct {
	SubjectToken string
	// SubjectTokenType defaults to TokenTypeAccessToken.
	SubjectTokenType string
	// RequestedTokenType defaults to TokenTypeAccessToken.
	RequestedTokenType string
	// Audience names the client(s) the new token is for ("nextcloud").
	Audience []string
	// Scopes narrow the new token's scopes (optional).
	Scopes []string
	// RequestedSubject asks for a token of another user (impersonation, by
	// user id or username). Keycloak supports it only with legacy token
	// exchange V1; Standard Token Exchange V2 refuses it.
	RequestedSubject string
}

// Exchanger performs RFC 8693 token exchanges at the IdP's token endpoint,
// authenticating as a confidential client with HTTP basic auth. It is safe
// for concurrent use.
type Exchanger struct {
	endpoint     TokenEndpointer
	clientID     string
	clientSecret string
	hc           *http.Client
}

// NewExchanger returns an exchanger for tokenURL; hc nil means a client with
// a 30s timeout.
func NewExchanger(tokenURL, clientID, clientSecret string, hc *http.Client) *Exchanger {
	if hc == nil {
		hc = defaultHTTPClient()
	}
	return &Exchanger{
		endpoint:     fixedEndpoint(tokenURL),
		clientID:     clientID,
		clientSecret: clientSecret,
		hc:           hc,
	}
}

// defaultHTTPClient is the IdP client of a constructor given none.
func defaultHTTPClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// formRequest is a form POST to an IdP endpoint, with the client's
// credentials in HTTP basic auth (RFC 6749 2.3.1 form-encodes them) when
// secret is set.
func formRequest(ctx context.Context, endpoint string, form url.Values, clientID, secret string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	return req, nil
}

// ExchangeError is an exchange the IdP refused. Its text carries the IdP's
// error and error_description and a hint at the usual fix.
type ExchangeError struct {
	Status      int
	Code        string
	Description string
	// Impersonation is set when the refused request used requested_subject.
	Impersonation bool
	// ClientID is the client that asked.
	ClientID string
}

func (e *ExchangeError) Error() string {
	msg := fmt.Sprintf("the identity provider refused the token exchange (HTTP %d", e.Status)
	if e.Code != "" {
		msg += ", " + e.Code
	}
	msg += ")"
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if h := e.hint(); h != "" {
		msg += "; " + h
	}
	return msg
}

// LegacyExchangeFeatures is the Keycloak start flag that legacy token
// exchange V1 (impersonation with requested_subject) needs. Both versions
// matter: on Keycloak 26.2+ an unversioned admin-fine-grained-authz selects
// FGAP v2, which has no token-exchange permissions.
const LegacyExchangeFeatures = "--features=token-exchange:v1,admin-fine-grained-authz:v1"

func (e *ExchangeError) hint() string {
	d := strings.ToLower(e.Description)
	switch {
	case e.Impersonation && (e.Code == "access_denied" || strings.Contains(d, "not allowed")):
		return "Keycloak's legacy token exchange V1 answered but does not let client " + e.ClientID + " impersonate this user: " +
			"give the realm's Users \"impersonate\" permission a client policy naming " + e.ClientID + " (and check that the user exists)"
	case e.Impersonation:
		return "impersonation (requested_subject) is refused by Keycloak's Standard Token Exchange V2; it needs legacy token exchange V1 " +
			"(start Keycloak with " + LegacyExchangeFeatures + " and give the realm's Users \"impersonate\" permission a client policy naming " +
			e.ClientID + "), or let users grant offline access instead"
	case strings.Contains(d, "not within the token audience"):
		return "add an audience mapper that puts " + e.ClientID + " into the aud of the users' tokens"
	case strings.Contains(d, "audience"):
		return "the requested audience must be an existing client the subject token may reach (check NEXTCLOUD_OIDC_AUDIENCE and the client's audience mappers)"
	case e.Code == "unauthorized_client" || strings.Contains(d, "not enabled"):
		return "enable Standard Token Exchange on client " + e.ClientID + " (attribute standard.token.exchange.enabled=true)"
	case e.Code == "invalid_client" || e.Status == http.StatusUnauthorized:
		return "check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"
	}
	return ""
}

// Exchange sends one token exchange request. The result's Extra holds
// issued_token_type and scope as the IdP sent them.
func (e *Exchanger) Exchange(ctx context.Context, r ExchangeRequest) (*oauth2.Token, error) {
	if r.SubjectToken == "" {
		return nil, errors.New("token exchange needs a subject token")
	}
	endpoint, err := e.endpoint.TokenEndpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("token exchange: %w", err)
	}
	form := url.Values{
		"grant_type":           {GrantTypeTokenExchange},
		"subject_token":        {r.SubjectToken},
		"subject_token_type":   {orDefault(r.SubjectTokenType, TokenTypeAccessToken)},
		"requested_token_type": {orDefault(r.RequestedTokenType, TokenTypeAccessToken)},
	}
	for _, a := range r.Audience {
		form.Add("audience", a)
	}
	if len(r.Scopes) > 0 {
		form.Set("scope", strings.Join(r.Scopes, " "))
	}
	if r.RequestedSubject != "" {
		form.Set("requested_subject", r.RequestedSubject)
	}
	req, err := formRequest(ctx, endpoint, form, e.clientID, e.clientSecret)
	if err != nil {
		return nil, fmt.Errorf("build token exchange request: %w", err)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token exchange at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read token exchange answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		ee := &ExchangeError{Status: resp.StatusCode, Impersonation: r.RequestedSubject != "", ClientID: e.clientID}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &oe) == nil {
			ee.Code, ee.Description = oe.Error, oe.Description
		}
		return nil, ee
	}
	var out struct {
		AccessToken     string          `json:"access_token"`
		TokenType       string          `json:"token_type"`
		RefreshToken    string          `json:"refresh_token"`
		ExpiresIn       json.Number     `json:"expires_in"`
		IssuedTokenType string          `json:"issued_token_type"`
		Scope           json.RawMessage `json:"scope"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("token exchange answer is not JSON: %w", err)
	}
	if out.AccessToken == "" {
		return nil, errors.New("token exchange answer has no access_token")
	}
	tok := &oauth2.Token{AccessToken: out.AccessToken, TokenType: out.TokenType, RefreshToken: out.RefreshToken}
	if secs, err := out.ExpiresIn.Int64(); err == nil && secs > 0 && secs < 10*365*24*3600 {
		tok.Expiry = time.Now().Add(time.Duration(secs) * time.Second)
	}
	scope := ""
	if len(out.Scope) > 0 {
		// Some IdPs send scope as a list.
		var s string
		var list []string
		if json.Unmarshal(out.Scope, &s) == nil {
			scope = s
		} else if json.Unmarshal(out.Scope, &list) == nil {
			scope = strings.Join(list, " ")
		}
	}
	return tok.WithExtra(map[string]any{"issued_token_type": out.IssuedTokenType, "scope": scope}), nil
}

// Impersonate exchanges serviceToken (this client's own token, e.g. from
// client_credentials) for a token of user with the given audience and
// scopes; Keycloak needs legacy token exchange V1 for it. The returned
// function suits GrantChain.Impersonate.
func (e *Exchanger) Impersonate(audience []string, scopes ...string) ImpersonateFunc {
	return func(ctx context.Context, serviceToken, user string) (*oauth2.Token, error) {
		return e.Exchange(ctx, ExchangeRequest{SubjectToken: serviceToken, RequestedSubject: user, Audience: audience, Scopes: scopes})
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ExchangeCache keeps exchanged tokens per user and request (audience,
// scopes, requested subject) until shortly before they expire; concurrent
// requests for the same key share one exchange.
type ExchangeCache struct {
	ex    *Exchanger
	early time.Duration
	now   func() time.Time
	// Observe, when set, hears "exchange" "hit" or "miss" per lookup.
	Observe func(cache, result string)

	mu      sync.Mutex
	entries map[string]*oauth2.Token
	flights map[string]*flight
}

type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
	// waiters counts callers that joined an exchange in progress.
	waiters int
}

// NewExchangeCache caches ex's results; a token is renewed early before its
// expiry (default 30s).
func NewExchangeCache(ex *Exchanger, early time.Duration) *ExchangeCache {
	if early <= 0 {
		early = 30 * time.Second
	}
	return &ExchangeCache{ex: ex, early: early, now: time.Now, entries: map[string]*oauth2.Token{}, flights: map[string]*flight{}}
}

// untimedTTL is how long a token without expires_in is reused.
const untimedTTL = time.Minute

func cacheKey(user string, r ExchangeRequest) string {
	aud := slices.Clone(r.Audience)
	slices.Sort(aud)
	sc := slices.Clone(r.Scopes)
	slices.Sort(sc)
	return strings.Join([]string{user, strings.Join(aud, " "), strings.Join(sc, " "), r.RequestedSubject, r.RequestedTokenType}, "\x00")
}

// Token returns a cached token for (user, r) or exchanges r. user must
// identify whose subject token r carries (issuer and subject, plus anything
// that changes what the exchange yields); it is part of the key.
func (c *ExchangeCache) Token(ctx context.Context, user string, r ExchangeRequest) (*oauth2.Token, error) {
	key := cacheKey(user, r)
	c.mu.Lock()
	if tok, ok := c.entries[key]; ok {
		if c.now().Before(tok.Expiry.Add(-c.early)) {
			c.mu.Unlock()
			c.observe("hit")
			return tok, nil
		}
		delete(c.entries, key)
	}
	c.observe("miss")
	f, inFlight := c.flights[key]
	if inFlight {
		f.waiters++
	} else {
		f = &flight{done: make(chan struct{})}
		c.flights[key] = f
		// The exchange outlives a caller that gives up, so that the others
		// sharing it still get the token.
		go c.run(context.WithoutCancel(ctx), key, r, f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *ExchangeCache) observe(result string) {
	if c.Observe != nil {
		c.Observe("exchange", result)
	}
}

func (c *ExchangeCache) run(ctx context.Context, key string, r ExchangeRequest, f *flight) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tok, err := c.ex.Exchange(ctx, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.flights, key)
	if err == nil {
		if tok.Expiry.IsZero() {
			tok.Expiry = c.now().Add(untimedTTL + c.early)
		}
		c.entries[key] = tok
		c.pruneLocked()
	}
	f.tok, f.err = tok, err
	close(f.done)
}

// pruneLocked drops expired tokens once the map grows.
func (c *ExchangeCache) pruneLocked() {
	if len(c.entries) < 4096 {
		return
	}
	now := c.now()
	for k, t := range c.entries {
		if !now.Before(t.Expiry.Add(-c.early)) {
			delete(c.entries, k)
		}
	}
}

// Forget drops every cached token of user (e.g. after Nextcloud refused one).
func (c *ExchangeCache) Forget(user string) {
	prefix := user + "\x00"
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
}
