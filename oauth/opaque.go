package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// opaqueCache remembers introspection answers by SHA-256 of the token, so
// the raw token is never a map key.
type opaqueCache struct {
	mu      sync.Mutex
	entries map[[32]byte]opaqueEntry
}

type opaqueEntry struct {
	id      *Identity // nil: refused
	refusal error
	until   time.Time
}

const opaqueCacheMax = 10000

func newOpaqueCache() *opaqueCache { return &opaqueCache{entries: map[[32]byte]opaqueEntry{}} }

func (c *opaqueCache) get(key [32]byte, now time.Time) (opaqueEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.After(e.until) {
		return opaqueEntry{}, false
	}
	return e, true
}

func (c *opaqueCache) put(key [32]byte, e opaqueEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= opaqueCacheMax {
		for k, old := range c.entries {
			if now.After(old.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= opaqueCacheMax {
			clear(c.entries)
		}
	}
	c.entries[key] = e
}

// negativeTTL is how long a refused opaque token is remembered.
const negativeTTL = 10 * time.Second

func (rs *ResourceServer) validateOpaque(ctx context.Context, ep *endpoints, tok, client string) (*Identity, error) {
	if rs.cfg.Opaque == OpaqueReject {
		return nil, invalidf("token is not a JWT and this server accepts only JWT access tokens")
	}
	key := sha256.Sum256([]byte(tok))
	now := rs.now()
	e, ok := rs.opaque.get(key, now)
	if obs := rs.cfg.CacheObserver; obs != nil {
		obs("introspection", map[bool]string{true: "hit", false: "miss"}[ok])
	}
	if ok {
		if e.id == nil {
			return nil, e.refusal
		}
		cp := *e.id
		return &cp, nil
	}
	if client != "" {
		if ok, wait := rs.misses.Take(client, now); !ok {
			// Debug, not Warn: a flood of these must not flood the log too.
			rs.log.Debug("too many unknown opaque tokens from one address; refusing without asking the identity provider", "client", client)
			return nil, &RateLimitError{RetryAfter: wait}
		}
	}
	var (
		id  *Identity
		err error
	)
	if rs.cfg.Opaque == OpaqueUserinfo {
		id, err = rs.userinfo(ctx, ep, tok)
	} else {
		id, err = rs.introspect(ctx, ep, tok)
	}
	var te *tokenError
	refused := errors.As(err, &te)
	if client != "" && !refused {
		// Only refused tokens count; valid ones and IdP failures do not.
		rs.misses.Refund(client)
	}
	if err != nil {
		if refused {
			rs.opaque.put(key, opaqueEntry{refusal: err, until: now.Add(negativeTTL)}, now)
		}
		return nil, err
	}
	until := now.Add(rs.cfg.IntrospectionTTL)
	if !id.Expiry.IsZero() && id.Expiry.Before(until) {
		until = id.Expiry
	}
	rs.opaque.put(key, opaqueEntry{id: id, until: until}, now)
	cp := *id
	return &cp, nil
}

// introspect asks the RFC 7662 endpoint, authenticated as this server.
func (rs *ResourceServer) introspect(ctx context.Context, ep *endpoints, tok string) (*Identity, error) {
	if ep.introspection == "" {
		return nil, fmt.Errorf("the identity provider announces no introspection_endpoint, so opaque tokens cannot be checked; use JWT access tokens or the userinfo mode")
	}
	if rs.cfg.ClientID == "" || rs.cfg.ClientSecret == "" {
		return nil, fmt.Errorf("introspecting opaque tokens needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
	}
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := formRequest(ctx, ep.introspection, form, rs.cfg.ClientID, rs.cfg.ClientSecret)
	if err != nil {
		return nil, fmt.Errorf("build introspection request: %w", err)
	}
	claims, err := rs.askJSON(req, "introspection")
	if err != nil {
		return nil, err
	}
	if active, _ := claims["active"].(bool); !active {
		return nil, invalidf("token is not active (expired, revoked or unknown to the identity provider)")
	}
	if iss, ok := claims["iss"].(string); ok && iss != rs.cfg.Issuer {
		return nil, invalidf("token issuer %q is not the configured issuer %q", iss, rs.cfg.Issuer)
	}
	now := rs.now()
	if exp, ok := numericDate(claims["exp"]); ok {
		if now.After(exp.Add(rs.cfg.Leeway)) {
			return nil, invalidf("token expired at %s", exp.UTC().Format(time.RFC3339))
		}
		if err := checkIssuedAt(claims, exp, now, rs.cfg.Leeway, rs.cfg.MaxTokenLifetime); err != nil {
			return nil, err
		}
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && now.Add(rs.cfg.Leeway).Before(nbf) {
		return nil, invalidf("token is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	aud := stringList(claims["aud"])
	if !slices.Contains(aud, rs.cfg.Audience) && !(rs.cfg.AcceptAZPAudience && authorizedParty(claims) == rs.cfg.Audience) {
		return nil, invalidf("token audience %v (client %q) does not include %q", aud, authorizedParty(claims), rs.cfg.Audience)
	}
	if str(claims["sub"]) == "" {
		return nil, invalidf("introspection names no subject for the token")
	}
	return rs.identityFrom(claims, true)
}

// userinfo validates a token by using it at the userinfo endpoint.
func (rs *ResourceServer) userinfo(ctx context.Context, ep *endpoints, tok string) (*Identity, error) {
	if ep.userinfo == "" {
		return nil, fmt.Errorf("the identity provider announces no userinfo_endpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.userinfo, nil)
	if err != nil {
		return nil, fmt.Errorf("build userinfo request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	claims, err := rs.askJSON(req, "userinfo")
	if err != nil {
		return nil, err
	}
	if str(claims["sub"]) == "" {
		return nil, invalidf("userinfo names no subject for the token")
	}
	claims["scope"] = strings.Join(rs.cfg.UserinfoScopes, " ")
	return rs.identityFrom(claims, true)
}

// askJSON sends req to the IdP. 401/403 from userinfo mean the token is
// refused; other failures are the IdP's.
func (rs *ResourceServer) askJSON(req *http.Request, what string) (map[string]any, error) {
	resp, err := rs.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s request to the identity provider failed: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s answer: %w", what, err)
	}
	switch {
	case what == "userinfo" && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		return nil, invalidf("the identity provider does not accept the token (userinfo answered %d)", resp.StatusCode)
	case resp.StatusCode == http.StatusUnauthorized && what == "introspection":
		return nil, fmt.Errorf("the identity provider refused this server's client credentials for introspection (HTTP 401); check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s at the identity provider answered HTTP %d", what, resp.StatusCode)
	}
	claims, err := decodeClaims(body)
	if err != nil {
		return nil, fmt.Errorf("%s answer is not a JSON object", what)
	}
	return claims, nil
}
