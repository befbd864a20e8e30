package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// tokenError is a token the server refuses; its text goes to the client in
// error_description, so it never contains the token.
type tokenError struct{ msg string }

func (e *tokenError) Error() string { return e.msg }

func invalidf(format string, a ...any) error { return &tokenError{msg: fmt.Sprintf(format, a...)} }

// looksLikeJWT tells JWTs (three base64url parts) from opaque tokens.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// jwtCheck says what a JWT must satisfy besides a valid signature.
type jwtCheck struct {
	issuer string
	// audience must be in aud, or equal azp when allowAZP is set.
	audience string
	allowAZP bool
	leeway   time.Duration
	// maxLifetime bounds exp − iat (exp − now without iat); 0: no bound.
	maxLifetime time.Duration
	now         time.Time
}

// verifyJWT checks the algorithm, the claims and then the signature (claims
// first, so junk tokens cost no key lookup) and returns the claims.
func verifyJWT(ctx context.Context, keys *keySet, raw string, c jwtCheck) (map[string]any, error) {
	jws, err := jose.ParseSignedCompact(raw, allowedAlgs)
	if err != nil {
		if strings.Contains(err.Error(), "unexpected signature algorithm") {
			return nil, invalidf("token signature algorithm is not allowed (only asymmetric algorithms such as RS256 or ES256)")
		}
		return nil, invalidf("token is not a well-formed JWT")
	}
	if len(jws.Signatures) != 1 {
		return nil, invalidf("token must have exactly one signature")
	}
	claims, err := decodeClaims(jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return nil, invalidf("token payload is not a JSON object")
	}
	if err := checkClaims(claims, c); err != nil {
		return nil, err
	}
	if _, err := keys.verify(ctx, jws); err != nil {
		if errors.Is(err, errUnknownKey) {
			return nil, invalidf("%s", errUnknownKey.Error())
		}
		var te *tokenError
		if errors.As(err, &te) {
			return nil, err
		}
		if strings.Contains(err.Error(), "signature does not verify") {
			return nil, invalidf("token signature does not verify")
		}
		// The IdP's keys could not be fetched: not the token's fault.
		return nil, fmt.Errorf("verify token signature: %w", err)
	}
	return claims, nil
}

func decodeClaims(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, errors.New("not a JSON object")
	}
	return claims, nil
}

func checkClaims(claims map[string]any, c jwtCheck) error {
	if iss, _ := claims["iss"].(string); iss != c.issuer {
		return invalidf("token issuer %q is not the configured issuer %q", iss, c.issuer)
	}
	// ID and refresh tokens are not access tokens even when aud matches.
	switch typ, _ := claims["typ"].(string); strings.ToLower(typ) {
	case "id", "refresh", "offline", "logout":
		return invalidf("token is a %s token, not an access token", typ)
	}
	if _, ok := claims["at_hash"]; ok {
		return invalidf("token is an ID token, not an access token")
	}
	if _, ok := claims["nonce"]; ok {
		return invalidf("token is an ID token, not an access token")
	}
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return invalidf("token has no valid exp claim")
	}
	if c.now.After(exp.Add(c.leeway)) {
		return invalidf("token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if v, present := claims["nbf"]; present {
		nbf, ok := numericDate(v)
		if !ok {
			return invalidf("token has an invalid nbf claim")
		}
		if c.now.Add(c.leeway).Before(nbf) {
			return invalidf("token is not valid before %s", nbf.UTC().Format(time.RFC3339))
		}
	}
	if err := checkIssuedAt(claims, exp, c.now, c.leeway, c.maxLifetime); err != nil {
		return err
	}
	if sub, _ := claims["sub"].(string); sub == "" {
		return invalidf("token has no sub claim")
	}
	aud := stringList(claims["aud"])
	azp := authorizedParty(claims)
	if !slices.Contains(aud, c.audience) && !(c.allowAZP && azp == c.audience) {
		return invalidf("token audience %v (azp %q) does not include %q; configure an audience mapper adding %q to the tokens", aud, azp, c.audience, c.audience)
	}
	return nil
}

// checkIssuedAt refuses tokens issued in the future (beyond leeway) and
// tokens that live longer than maxLifetime: a stolen signing key or a
// misconfigured IdP should not yield tokens valid for years.
func checkIssuedAt(claims map[string]any, exp, now time.Time, leeway, maxLifetime time.Duration) error {
	start := now
	if v, present := claims["iat"]; present {
		iat, ok := numericDate(v)
		if !ok {
			return invalidf("token has an invalid iat claim")
		}
		if iat.After(now.Add(leeway)) {
			return invalidf("token is issued in the future (iat %s); check the clocks of the identity provider and this server", iat.UTC().Format(time.RFC3339))
		}
		start = iat
	}
	if maxLifetime > 0 && exp.Sub(start) > maxLifetime {
		return invalidf("token lifetime %s exceeds the %s this server accepts (OIDC_MAX_TOKEN_LIFETIME)", exp.Sub(start).Round(time.Second), maxLifetime)
	}
	return nil
}

func authorizedParty(claims map[string]any) string {
	if azp, _ := claims["azp"].(string); azp != "" {
		return azp
	}
	cid, _ := claims["client_id"].(string)
	return cid
}

// numericDate reads a JWT NumericDate (seconds since the epoch).
func numericDate(v any) (time.Time, bool) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return time.Time{}, false
		}
	case float64:
		f = n
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// stringList reads a claim that is a string or an array of strings.
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}

// scopesOf reads "scope" (space-delimited) or "scp" (array or string).
func scopesOf(claims map[string]any) []string {
	var out []string
	if s, ok := claims["scope"].(string); ok {
		out = strings.Fields(s)
	}
	switch v := claims["scp"].(type) {
	case string:
		out = append(out, strings.Fields(v)...)
	case []any:
		out = append(out, stringList(v)...)
	}
	return normalizeScopes(out)
}
