package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ServiceAccountConfig configures the client_credentials login of this
// server's own client (Keycloak: "Service accounts roles" enabled).
type ServiceAccountConfig struct {
	TokenURL string
	// IdP, when set, is asked for the token endpoint at each login
	// instead of TokenURL (see OfflineConfig.IdP).
	IdP          TokenEndpointer
	ClientID     string
	ClientSecret string
	Scopes       []string
	// EndpointParams are extra form values (e.g. audience).
	EndpointParams map[string][]string
	// RenewBefore renews the cached token this long before it expires
	// (default 60s, at most half the token's lifetime).
	RenewBefore time.Duration
	HTTPClient  *http.Client
	Logger      *slog.Logger
	Now         func() time.Time
}

// ServiceAccount hands out the service-account access token, cached and
// renewed shortly before it expires.
type ServiceAccount struct {
	cfg      clientcredentials.Config
	endpoint TokenEndpointer
	renew    time.Duration
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time
	mu       sync.Mutex
	tok      *oauth2.Token
	issued   time.Time
}

// NewServiceAccount builds a ServiceAccount; no request is made yet.
func NewServiceAccount(c ServiceAccountConfig) (*ServiceAccount, error) {
	ep, err := endpointFor("service account", c.IdP, c.TokenURL, c.ClientID)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret == "" {
		return nil, errors.New("service account needs OIDC_CLIENT_SECRET (a confidential client)")
	}
	if c.RenewBefore <= 0 {
		c.RenewBefore = time.Minute
	}
	clientDefaults(&c.HTTPClient, &c.Logger, &c.Now)
	return &ServiceAccount{
		cfg: clientcredentials.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			Scopes: c.Scopes, EndpointParams: c.EndpointParams, AuthStyle: oauth2.AuthStyleInHeader,
		},
		endpoint: ep,
		renew:    c.RenewBefore, hc: c.HTTPClient, log: c.Logger, now: c.Now,
	}, nil
}

// fresh reports whether the cached token is good for a while yet.
func (s *ServiceAccount) fresh() bool {
	if s.tok == nil || s.tok.AccessToken == "" {
		return false
	}
	if s.tok.Expiry.IsZero() {
		return true
	}
	renew := s.renew
	if life := s.tok.Expiry.Sub(s.issued); life > 0 && renew > life/2 {
		renew = life / 2
	}
	return s.now().Add(renew).Before(s.tok.Expiry)
}

// Token returns a valid service-account access token, fetching a new one
// when the cached one is near its expiry. If renewal fails while the old
// token is still valid, the old one is returned.
func (s *ServiceAccount) Token(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh() {
		return s.tok, nil
	}
	issued := s.now()
	tok, err := s.login(ctx)
	if err != nil {
		if s.tok != nil && s.now().Before(s.tok.Expiry) {
			s.log.Warn("service-account token renewal failed; using the current token until it expires", "err", err)
			return s.tok, nil
		}
		return nil, err
	}
	s.tok, s.issued = tok, issued
	s.log.Debug("service-account token obtained", "client", s.cfg.ClientID, "expires", tok.Expiry)
	return tok, nil
}

// login asks the token endpoint for a new token (client_credentials).
func (s *ServiceAccount) login(ctx context.Context) (*oauth2.Token, error) {
	tokenURL, err := s.endpoint.TokenEndpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("service-account login (client_credentials as %s): %w", s.cfg.ClientID, err)
	}
	cfg := s.cfg
	cfg.TokenURL = tokenURL
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.hc))
	if err != nil {
		return nil, &loginError{msg: fmt.Sprintf("service-account login (client_credentials as %s) failed: %s", s.cfg.ClientID, describeGrantError(err, hintClientCredentials)), err: err}
	}
	return tok, nil
}

// loginError is a failed login in plain words that keeps the IdP's answer
// (*oauth2.RetrieveError) reachable for errors.As.
type loginError struct {
	msg string
	err error
}

func (e *loginError) Error() string { return e.msg }
func (e *loginError) Unwrap() error { return e.err }

// Invalidate drops the cached token (after the IdP rejected it).
func (s *ServiceAccount) Invalidate() {
	s.mu.Lock()
	s.tok = nil
	s.mu.Unlock()
}

// ClientID is the client the service account belongs to.
func (s *ServiceAccount) ClientID() string { return s.cfg.ClientID }

const (
	hintClientCredentials = "enable \"Client authentication\" and \"Service accounts roles\" on this client in Keycloak and check OIDC_CLIENT_SECRET"
	hintRefresh           = "the user must sign in again at /oauth/login"
)

// describeGrantError turns a token-endpoint failure into plain words,
// using the IdP's error and error_description (never the request).
func describeGrantError(err error, hint string) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		if errors.Is(err, context.DeadlineExceeded) {
			return "the identity provider did not answer in time"
		}
		return "cannot reach the identity provider: " + err.Error()
	}
	msg := re.ErrorCode
	if msg == "" && re.Response != nil {
		msg = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	if re.ErrorDescription != "" {
		msg += ": " + re.ErrorDescription
	}
	switch re.ErrorCode {
	case "unauthorized_client", "invalid_client", "unsupported_grant_type", "invalid_grant":
		if hint != "" {
			msg += " (" + hint + ")"
		}
	}
	return "the identity provider refused: " + strings.TrimSpace(msg)
}

// isInvalidGrant reports an OAuth invalid_grant answer.
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}
