package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// IdPConfig configures an IdP.
type IdPConfig struct {
	// Issuer is the IdP's issuer URL (Keycloak: https://kc/realms/<realm>).
	Issuer string
	// DiscoveryRetry is the first delay between discovery attempts while
	// the IdP is down (default 2s, doubling up to a minute).
	DiscoveryRetry time.Duration
	HTTPClient     *http.Client
	Logger         *slog.Logger
}

// IdP is the identity provider, discovered once and shared by everything
// that talks to it: the resource server (keys, introspection, userinfo),
// token exchange, offline grants, the service account, the consent flow,
// revocation and the doctor. It is go-oidc's Provider plus readiness: an
// IdP down at start is retried in the background (NewIdP) or at each use
// (LazyIdP) instead of failing the caller.
type IdP struct {
	cfg  IdPConfig
	lazy bool

	mu        sync.RWMutex
	ep        *endpoints
	keys      *keySet
	lastErr   error
	readyCh   chan struct{}
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// endpoints are what discovery found.
type endpoints struct {
	token, introspection, userinfo, jwks, revocation string
	provider                                         *oidc.Provider
}

// Discovery is what token clients need of the IdP; *IdP implements it.
type Discovery interface {
	// TokenEndpoint is the discovered token endpoint.
	TokenEndpoint(ctx context.Context) (string, error)
	// Provider is the discovered go-oidc provider.
	Provider(ctx context.Context) (*oidc.Provider, error)
}

func (c *IdPConfig) defaults() error {
	if err := checkIssuer(&c.Issuer); err != nil {
		return err
	}
	if c.DiscoveryRetry <= 0 {
		c.DiscoveryRetry = 2 * time.Second
	}
	clientDefaults(&c.HTTPClient, &c.Logger, nil)
	return nil
}

// clientDefaults fills in what every IdP client of this package defaults
// alike: a 30s HTTP client, a logger that discards and (when now is not
// nil) the wall clock.
func clientDefaults(hc **http.Client, log **slog.Logger, now *func() time.Time) {
	if *hc == nil {
		*hc = defaultHTTPClient()
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if now != nil && *now == nil {
		*now = time.Now
	}
}

// endpointFor is where a client of the token endpoint posts: the IdP
// when one is shared, else the fixed tokenURL; what names the feature in
// the error when neither (or no client id) is set.
func endpointFor(what string, idp TokenEndpointer, tokenURL, clientID string) (TokenEndpointer, error) {
	if (tokenURL == "" && idp == nil) || clientID == "" {
		return nil, fmt.Errorf("%s needs the token endpoint and OIDC_CLIENT_ID", what)
	}
	if idp == nil {
		return fixedEndpoint(tokenURL), nil
	}
	return idp, nil
}

// checkIssuer validates OIDC_ISSUER and drops a trailing slash.
func checkIssuer(issuer *string) error {
	if *issuer == "" {
		return errors.New("OIDC_ISSUER is not set: the OAuth mode needs the identity provider's issuer URL (e.g. https://keycloak.example.com/realms/nextcloud)")
	}
	if u, err := url.Parse(*issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("OIDC_ISSUER %q is not an http(s) URL", *issuer)
	}
	*issuer = strings.TrimRight(*issuer, "/")
	return nil
}

// NewIdP validates cfg and discovers the IdP. When discovery fails it
// still returns the IdP: it logs the error (naming the URL), reports
// not ready and retries in the background until the IdP answers or Close
// is called. Configuration errors are returned.
func NewIdP(ctx context.Context, cfg IdPConfig) (*IdP, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &IdP{cfg: cfg, readyCh: make(chan struct{}), cancel: cancel}
	if err := p.discover(ctx); err != nil {
		cfg.Logger.Error("OIDC discovery failed; OAuth requests get 503 until the identity provider answers; retrying in the background", "err", err)
		go p.retryDiscovery(bg)
	} else {
		cancel()
	}
	return p, nil
}

// LazyIdP is an IdP for one-shot use (commands, a consent flow without a
// shared IdP): it discovers at first use, and again at each use until
// that works. Nothing runs in the background.
func LazyIdP(issuer string, hc *http.Client) *IdP {
	cfg := IdPConfig{Issuer: strings.TrimRight(issuer, "/"), HTTPClient: hc}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	return &IdP{cfg: cfg, lazy: true, readyCh: make(chan struct{}), cancel: func() {}}
}

// Close stops the background discovery retry.
func (p *IdP) Close() { p.closeOnce.Do(p.cancel) }

// Issuer is the issuer URL, without a trailing slash.
func (p *IdP) Issuer() string { return p.cfg.Issuer }

// DiscoveryURL is the IdP's OpenID configuration URL.
func (p *IdP) DiscoveryURL() string {
	return p.cfg.Issuer + "/.well-known/openid-configuration"
}

func (p *IdP) discover(ctx context.Context) error {
	ep, err := p.fetchDiscovery(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.lastErr = err
		return err
	}
	if p.ep == nil {
		p.ep = ep
		p.keys = newKeySet(ep.jwks, p.cfg.HTTPClient)
		close(p.readyCh)
	}
	p.lastErr = nil
	return nil
}

// fetchDiscovery is the one place the discovery document is read.
func (p *IdP) fetchDiscovery(ctx context.Context) (*endpoints, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.cfg.HTTPClient), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC discovery at %s failed: %w; check OIDC_ISSUER and that the identity provider is reachable from this server", p.DiscoveryURL(), err)
	}
	var doc struct {
		Token         string `json:"token_endpoint"`
		Introspection string `json:"introspection_endpoint"`
		Userinfo      string `json:"userinfo_endpoint"`
		JWKS          string `json:"jwks_uri"`
		Revocation    string `json:"revocation_endpoint"`
	}
	if err := prov.Claims(&doc); err != nil {
		return nil, fmt.Errorf("read OIDC discovery document from %s: %w", p.DiscoveryURL(), err)
	}
	if doc.JWKS == "" {
		return nil, fmt.Errorf("OIDC discovery document at %s names no jwks_uri", p.DiscoveryURL())
	}
	return &endpoints{token: doc.Token, introspection: doc.Introspection, userinfo: doc.Userinfo, jwks: doc.JWKS, revocation: doc.Revocation, provider: prov}, nil
}

func (p *IdP) retryDiscovery(ctx context.Context) {
	delay := p.cfg.DiscoveryRetry
	for {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := p.discover(ctx); err == nil {
			p.cfg.Logger.Info("OIDC discovery succeeded; OAuth mode ready", "issuer", p.cfg.Issuer)
			return
		} else if ctx.Err() == nil {
			p.cfg.Logger.Warn("OIDC discovery still failing", "err", err, "next_try_in", delay)
		}
		delay = min(delay*2, time.Minute)
	}
}

// Ready reports whether discovery has succeeded.
func (p *IdP) Ready() bool {
	select {
	case <-p.readyCh:
		return true
	default:
		return false
	}
}

// WaitReady blocks until discovery succeeded or ctx ends.
func (p *IdP) WaitReady(ctx context.Context) error {
	select {
	case <-p.readyCh:
		return nil
	case <-ctx.Done():
		if err := p.DiscoveryError(); err != nil {
			return err
		}
		return ctx.Err()
	}
}

// DiscoveryError is the last discovery failure, nil once discovery worked.
func (p *IdP) DiscoveryError() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.lastErr
}

// Check suits a readiness probe: nil once the IdP has been discovered.
func (p *IdP) Check(context.Context) error {
	if p.Ready() {
		return nil
	}
	if err := p.DiscoveryError(); err != nil {
		return err
	}
	return errors.New("OIDC discovery has not completed")
}

var errNotReady = errors.New("the identity provider has not been reached yet (OIDC discovery pending)")

// endpoints are the discovered endpoints and keys; a lazy IdP discovers
// here, another answers errNotReady until its discovery worked.
func (p *IdP) endpoints(ctx context.Context) (*endpoints, *keySet, error) {
	if p == nil {
		return nil, nil, errNotReady
	}
	p.mu.RLock()
	ep, keys := p.ep, p.keys
	p.mu.RUnlock()
	if ep != nil {
		return ep, keys, nil
	}
	if !p.lazy {
		return nil, nil, errNotReady
	}
	if err := p.discover(ctx); err != nil {
		return nil, nil, err
	}
	return p.endpoints(ctx)
}

// TokenEndpoint is the discovered token endpoint.
func (p *IdP) TokenEndpoint(ctx context.Context) (string, error) {
	ep, _, err := p.endpoints(ctx)
	if err != nil {
		return "", err
	}
	if ep.token == "" {
		return "", fmt.Errorf("the discovery document at %s names no token_endpoint", p.DiscoveryURL())
	}
	return ep.token, nil
}

// Provider is the discovered go-oidc provider (for verifiers, the
// authorization endpoint and the document's other claims).
func (p *IdP) Provider(ctx context.Context) (*oidc.Provider, error) {
	ep, _, err := p.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	return ep.provider, nil
}

// RevokeRefreshToken revokes a refresh token by RFC 7009 as the client
// clientID (public when clientSecret is empty).
func (p *IdP) RevokeRefreshToken(ctx context.Context, clientID, clientSecret, refreshToken string) error {
	ep, _, err := p.endpoints(ctx)
	if err != nil {
		return fmt.Errorf("discover %s: %w", p.cfg.Issuer, err)
	}
	if ep.revocation == "" {
		return errors.New("the identity provider publishes no revocation_endpoint")
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	if clientSecret == "" {
		form.Set("client_id", clientID)
	}
	req, err := formRequest(ctx, ep.revocation, form, clientID, clientSecret)
	if err != nil {
		return fmt.Errorf("build revocation request: %w", err)
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("revocation request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&oe)
		return fmt.Errorf("revocation endpoint answered %d %s %s", resp.StatusCode, oe.Error, oe.Desc)
	}
	return nil
}

// TokenEndpointer gives the token endpoint: an *IdP (discovered, maybe
// not yet) or a fixed URL.
type TokenEndpointer interface {
	TokenEndpoint(ctx context.Context) (string, error)
}

// fixedEndpoint is a token endpoint known without discovery (TokenURL).
type fixedEndpoint string

func (f fixedEndpoint) TokenEndpoint(context.Context) (string, error) { return string(f), nil }
