package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// allowedAlgs are the asymmetric JWS algorithms accepted for access tokens;
// "none" and the HMAC algorithms (which a public key could forge) are not.
var allowedAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

var errUnknownKey = errors.New("token signed with a key the identity provider does not publish")

// keySet caches the IdP's JWKS. An unknown kid triggers one refresh (key
// rotation); after a refresh that still misses, further unknown kids are
// refused without fetching for missBackoff, so forged kids cannot make the
// server hammer the IdP.
type keySet struct {
	url         string
	hc          *http.Client
	maxAge      time.Duration
	missBackoff time.Duration
	now         func() time.Time

	mu       sync.RWMutex
	keys     []jose.JSONWebKey
	fetched  time.Time
	lastMiss time.Time
	// lastFail is when a background refresh last failed; refreshing
	// waits missBackoff after it so a down IdP is not asked per request.
	lastFail time.Time

	fetchMu    sync.Mutex
	refreshing atomic.Bool
}

func newKeySet(url string, hc *http.Client) *keySet {
	return &keySet{url: url, hc: hc, maxAge: time.Hour, missBackoff: 10 * time.Second, now: time.Now}
}

// generation is when the current keys were fetched.
func (k *keySet) generation() time.Time {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.fetched
}

// candidates returns the keys that may have signed a token with kid.
func (k *keySet) candidates(kid string) (out []jose.JSONWebKey, fetched time.Time) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, key := range k.keys {
		if kid == "" || key.KeyID == kid {
			out = append(out, key)
		}
	}
	return out, k.fetched
}

// verify checks jws's signature and returns its payload.
func (k *keySet) verify(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	kid := jws.Signatures[0].Header.KeyID
	keys, fetched := k.candidates(kid)
	stale := fetched.IsZero() || k.now().Sub(fetched) > k.maxAge
	if len(keys) > 0 && stale {
		// Known key, old cache: verify now with it and refresh in the
		// background, so a slow or down IdP never delays requests.
		k.refreshInBackground(fetched)
	} else if len(keys) == 0 {
		k.mu.RLock()
		backoff := !k.lastMiss.IsZero() && k.now().Sub(k.lastMiss) < k.missBackoff
		k.mu.RUnlock()
		if len(keys) == 0 && backoff && !fetched.IsZero() {
			return nil, errUnknownKey
		}
		if err := k.refresh(ctx, fetched); err != nil {
			if len(keys) == 0 {
				return nil, err
			}
			// A stale cache still verifies while the IdP is unreachable.
		}
		keys, _ = k.candidates(kid)
		if len(keys) == 0 {
			k.mu.Lock()
			k.lastMiss = k.now()
			k.mu.Unlock()
			return nil, errUnknownKey
		}
	}
	alg := jws.Signatures[0].Header.Algorithm
	for _, key := range keys {
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		if key.Algorithm != "" && key.Algorithm != alg {
			continue
		}
		if payload, err := jws.Verify(&key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("token signature does not verify")
}

// refreshInBackground starts at most one refresh at a time, and none
// within missBackoff of a failed one.
func (k *keySet) refreshInBackground(seen time.Time) {
	k.mu.RLock()
	recentFail := !k.lastFail.IsZero() && k.now().Sub(k.lastFail) < k.missBackoff
	k.mu.RUnlock()
	if recentFail || !k.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer k.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := k.refresh(ctx, seen); err != nil {
			k.mu.Lock()
			k.lastFail = k.now()
			k.mu.Unlock()
		}
	}()
}

// refresh fetches the JWKS unless another caller did since seen.
func (k *keySet) refresh(ctx context.Context, seen time.Time) error {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	k.mu.RLock()
	already := k.fetched.After(seen)
	k.mu.RUnlock()
	if already {
		return nil
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.keys, k.fetched = keys, k.now()
	k.mu.Unlock()
	return nil
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("build JWKS request for %s: %w", k.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch signing keys from %s: %w", k.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read signing keys from %s: %w", k.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch signing keys from %s: HTTP %d", k.url, resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("signing keys from %s are not a JWKS: %w", k.url, err)
	}
	// Only public keys: a JWKS that leaks private or symmetric keys is not
	// used for verification.
	var out []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.IsPublic() && key.Valid() {
			out = append(out, key)
		}
	}
	return out, nil
}
