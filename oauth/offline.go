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

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// OfflineConfig configures OfflineGrants.
type OfflineConfig struct {
	Store    *storage.DB
	TokenURL string
	// IdP, when set, is asked for the token endpoint at each refresh
	// instead of TokenURL (the shared *IdP: no discovery of its own, and
	// an IdP down at start is no failure).
	IdP          TokenEndpointer
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client
	Logger       *slog.Logger
	Now          func() time.Time
}

// OfflineGrants turns stored offline refresh tokens into access tokens.
// A refresh that rotates the refresh token stores the new one before the
// access token is handed out; invalid_grant deletes the stored grant.
type OfflineGrants struct {
	store    *storage.DB
	cfg      oauth2.Config
	endpoint TokenEndpointer
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	cache map[string]*oauth2.Token
}

// NewOfflineGrants builds OfflineGrants over a token store.
func NewOfflineGrants(c OfflineConfig) (*OfflineGrants, error) {
	if c.Store == nil {
		return nil, errors.New("offline access needs the token store (TOKEN_STORAGE_DB and TOKEN_ENCRYPTION_KEY)")
	}
	ep, err := endpointFor("offline access", c.IdP, c.TokenURL, c.ClientID)
	if err != nil {
		return nil, err
	}
	clientDefaults(&c.HTTPClient, &c.Logger, &c.Now)
	return &OfflineGrants{
		store: c.Store,
		cfg: oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			Endpoint: oauth2.Endpoint{AuthStyle: oauth2.AuthStyleInHeader}},
		endpoint: ep,
		hc:       c.HTTPClient, log: c.Logger, now: c.Now,
		locks: map[string]*sync.Mutex{}, cache: map[string]*oauth2.Token{},
	}, nil
}

func (o *OfflineGrants) userLock(user string) *sync.Mutex {
	o.mu.Lock()
	defer o.mu.Unlock()
	l, ok := o.locks[user]
	if !ok {
		l = &sync.Mutex{}
		o.locks[user] = l
	}
	return l
}

// Forget drops the cached access token of user (after a new consent or a
// revocation).
func (o *OfflineGrants) Forget(user string) {
	o.mu.Lock()
	delete(o.cache, user)
	o.mu.Unlock()
}

// refreshTimeout bounds one refresh of an offline grant, IdP round trip
// and store write together.
const refreshTimeout = 30 * time.Second

// usable reports whether tok is valid for at least 30 more seconds.
func usable(tok *oauth2.Token, now time.Time) bool {
	return tok != nil && tok.AccessToken != "" && (tok.Expiry.IsZero() || now.Add(30*time.Second).Before(tok.Expiry))
}

// AccessToken returns an access token for user from the stored offline
// grant, refreshing it at the IdP when the cached one is near expiry.
// Errors wrap storage.ErrNotFound (no grant), storage.ErrUndecryptable or
// storage.ErrRevoked (the grant was deleted).
func (o *OfflineGrants) AccessToken(ctx context.Context, user string) (*oauth2.Token, error) {
	l := o.userLock(user)
	l.Lock()
	defer l.Unlock()
	o.mu.Lock()
	tok := o.cache[user]
	o.mu.Unlock()
	if usable(tok, o.now()) {
		return tok, nil
	}
	var fresh *oauth2.Token
	// A refresh once started is finished and stored even if the caller
	// gives up (shutdown, a job's lease or timeout): cut off after the IdP
	// rotated the token, it would leave only the spent one stored.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	err := o.store.Refresh(rctx, user, func(ctx context.Context, t storage.Token) (storage.Rotation, error) {
		tokenURL, err := o.endpoint.TokenEndpoint(ctx)
		if err != nil {
			return storage.Rotation{}, fmt.Errorf("refresh the offline grant of user %s: %w", user, err)
		}
		cfg := o.cfg
		cfg.Endpoint.TokenURL = tokenURL
		src := cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, o.hc), &oauth2.Token{RefreshToken: t.RefreshToken})
		nt, err := src.Token()
		if err != nil {
			if isInvalidGrant(err) {
				return storage.Rotation{}, fmt.Errorf("the identity provider no longer accepts the offline grant of user %s (%s): %w", user, describeGrantError(err, ""), storage.ErrRevoked)
			}
			return storage.Rotation{}, fmt.Errorf("refresh the offline grant of user %s: %s", user, describeGrantError(err, hintRefresh))
		}
		fresh = nt
		var rot storage.Rotation
		if nt.RefreshToken != "" && nt.RefreshToken != t.RefreshToken {
			rot.RefreshToken = nt.RefreshToken
		}
		if secs := extraSeconds(nt, "refresh_expires_in"); secs > 0 {
			rot.ExpiresAt = o.now().Add(time.Duration(secs) * time.Second)
		}
		if sc, ok := nt.Extra("scope").(string); ok && sc != "" {
			rot.Scopes = strings.Fields(sc)
		}
		return rot, nil
	})
	if err != nil {
		o.Forget(user)
		if errors.Is(err, storage.ErrRevoked) {
			o.log.Warn("offline grant revoked at the identity provider; deleted it", "user", user)
		}
		return nil, err
	}
	o.mu.Lock()
	o.cache[user] = fresh
	o.mu.Unlock()
	return fresh, nil
}

// Has reports whether user has a stored, readable offline grant.
func (o *OfflineGrants) Has(ctx context.Context, user string) bool {
	_, err := o.store.Token(ctx, user)
	return err == nil
}

// extraSeconds reads a numeric field of the token response.
func extraSeconds(t *oauth2.Token, key string) int64 {
	switch v := t.Extra(key).(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	case string:
		var n int64
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return 0
}
