package oauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The fuzz targets below run their seeds as ordinary tests; run them longer
// with go test ./oauth -run '^$' -fuzz FuzzVerifyJWT -fuzztime 20s.

const (
	fuzzIssuer   = "https://idp.example/realms/test"
	fuzzAudience = "mcp-server"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fuzzVerifier holds an RSA (kid "rsa", RS256) and an EC (kid "ec", ES256)
// signing key whose public halves are cached in a key set; fetching more
// keys always fails, so nothing leaves the process.
type fuzzVerifier struct {
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	keys    *keySet
	now     time.Time
	fetches atomic.Int64
}

func newFuzzVerifier(f *testing.F) *fuzzVerifier {
	f.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	v := &fuzzVerifier{rsaKey: rk, ecKey: ek, now: time.Unix(1_750_000_000, 0)}
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		v.fetches.Add(1)
		return nil, errors.New("the fuzz identity provider is offline")
	})}
	v.keys = &keySet{url: "http://idp.invalid/keys", hc: hc, maxAge: 100 * 365 * 24 * time.Hour, missBackoff: time.Hour,
		now: func() time.Time { return v.now }, fetched: v.now,
		keys: []jose.JSONWebKey{
			{Key: &rk.PublicKey, KeyID: "rsa", Algorithm: string(jose.RS256), Use: "sig"},
			{Key: &ek.PublicKey, KeyID: "ec", Algorithm: string(jose.ES256), Use: "sig"},
		}}
	return v
}

func (v *fuzzVerifier) check() jwtCheck {
	return jwtCheck{issuer: fuzzIssuer, audience: fuzzAudience, leeway: 30 * time.Second, maxLifetime: 24 * time.Hour, now: v.now}
}

func b64(s []byte) string { return base64.RawURLEncoding.EncodeToString(s) }

// sign makes the signature of a compact JWS signing input.
func (v *fuzzVerifier) sign(t testing.TB, alg jose.SignatureAlgorithm, input string) []byte {
	h := sha256.Sum256([]byte(input))
	switch alg {
	case jose.RS256:
		sig, err := rsa.SignPKCS1v15(rand.Reader, v.rsaKey, crypto.SHA256, h[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case jose.ES256:
		r, s, err := ecdsa.Sign(rand.Reader, v.ecKey, h[:])
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
	t.Fatalf("cannot sign %s", alg)
	return nil
}

// validlySigned is the oracle, independent of go-jose: the token's third
// part is an RS256 or ES256 signature by one of the two keys over the first
// two parts exactly as sent.
func (v *fuzzVerifier) validlySigned(raw string) (string, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	sig, err2 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil {
		return "", false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &hdr) != nil {
		return "", false
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch hdr.Alg {
	case "RS256":
		return hdr.Alg, rsa.VerifyPKCS1v15(&v.rsaKey.PublicKey, crypto.SHA256, h[:], sig) == nil
	case "ES256":
		if len(sig) != 64 {
			return hdr.Alg, false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return hdr.Alg, ecdsa.Verify(&v.ecKey.PublicKey, h[:], r, s)
	}
	return hdr.Alg, false
}

// claimsAcceptable restates the claim rules an accepted access token must
// meet, read straight from the token's payload.
func (v *fuzzVerifier) claimsAcceptable(raw string) string {
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	if err != nil {
		return "payload is not base64url"
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var c map[string]any
	if dec.Decode(&c) != nil || c == nil {
		return "payload is not a JSON object"
	}
	if c["iss"] != fuzzIssuer {
		return "wrong iss"
	}
	if s, _ := c["sub"].(string); s == "" {
		return "no sub"
	}
	exp, ok := c["exp"].(json.Number)
	if !ok {
		return "exp is not a number"
	}
	if e, err := exp.Float64(); err != nil || e+30 < float64(v.now.Unix()) {
		return "expired"
	}
	start := float64(v.now.Unix())
	if iat, present := c["iat"]; present {
		n, ok := iat.(json.Number)
		if !ok {
			return "iat is not a number"
		}
		f, err := n.Float64()
		if err != nil || f > float64(v.now.Unix())+30 {
			return "iat in the future"
		}
		start = f
	}
	if e, _ := exp.Float64(); e-start > 24*3600 {
		return "lifetime over 24h"
	}
	// azp never stands in for aud (AcceptAZPAudience is off).
	if !slices.Contains(stringList(c["aud"]), fuzzAudience) {
		return "audience"
	}
	if _, ok := c["nonce"]; ok {
		return "ID token (nonce)"
	}
	return ""
}

// verifyOracle fails t when verifyJWT accepted raw although it is not
// validly signed or its claims break the rules.
func (v *fuzzVerifier) verifyOracle(t *testing.T, raw string) (accepted bool) {
	t.Helper()
	claims, err := verifyJWT(context.Background(), v.keys, raw, v.check())
	if err != nil {
		if claims != nil {
			t.Fatalf("rejected token returned claims")
		}
		var te *tokenError
		if !errors.As(err, &te) && !strings.Contains(err.Error(), "fuzz identity provider is offline") {
			t.Fatalf("rejection is neither a token error nor a key fetch failure: %v", err)
		}
		return false
	}
	if alg, ok := v.validlySigned(raw); !ok {
		t.Fatalf("accepted a token that is not validly signed (alg %q): %q", alg, raw)
	}
	if why := v.claimsAcceptable(raw); why != "" {
		t.Fatalf("accepted a token whose claims are not acceptable (%s): %q", why, raw)
	}
	if claims == nil {
		t.Fatalf("accepted without claims")
	}
	return true
}

func (v *fuzzVerifier) goodClaims() map[string]any {
	return map[string]any{"iss": fuzzIssuer, "sub": "u-1", "aud": []string{fuzzAudience}, "azp": "mcp-client",
		"exp": v.now.Add(time.Hour).Unix(), "iat": v.now.Unix(), "preferred_username": "alice", "scope": "openid notes:read", "typ": "Bearer"}
}

func (v *fuzzVerifier) token(t testing.TB, header, claims any, alg jose.SignatureAlgorithm) string {
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	in := b64(hb) + "." + b64(cb)
	return in + "." + b64(v.sign(t, alg, in))
}

// FuzzVerifyJWT feeds arbitrary strings to the JWT verifier: it must never
// panic, and accept only tokens validly signed by a cached key whose claims
// meet the rules.
func FuzzVerifyJWT(f *testing.F) {
	v := newFuzzVerifier(f)
	good := v.token(f, map[string]any{"alg": "RS256", "kid": "rsa", "typ": "JWT"}, v.goodClaims(), jose.RS256)
	goodEC := v.token(f, map[string]any{"alg": "ES256", "kid": "ec"}, v.goodClaims(), jose.ES256)
	parts := strings.Split(good, ".")
	seeds := []string{
		good, goodEC,
		v.token(f, map[string]any{"alg": "RS256"}, v.goodClaims(), jose.RS256), // no kid
		b64([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".",
		b64([]byte(`{"alg":"HS256","kid":"rsa"}`)) + "." + parts[1] + "." + parts[2],
		b64([]byte(`{"alg":"RS256","kid":"other"}`)) + "." + parts[1] + "." + parts[2],
		b64([]byte(`{"alg":"ES256","kid":"rsa"}`)) + "." + parts[1] + "." + parts[2],
		b64([]byte(`{"alg":"RS256","kid":"rsa","crit":["exp"]}`)) + "." + parts[1] + "." + parts[2],
		b64([]byte(`{"alg":"RS256","kid":"rsa","b64":false,"crit":["b64"]}`)) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + b64([]byte(`{"iss":"`+fuzzIssuer+`","sub":"x","aud":"mcp-server","exp":9999999999}`)) + "." + parts[2],
		parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4],
		parts[0] + "." + parts[1] + "." + parts[2] + "=",
		parts[0] + "=." + parts[1] + "." + parts[2],
		good + "." + parts[2],
		"a.b.c", "..", ".", "", "eyJ.eyJ.", strings.Repeat("A", 300) + "..",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		accepted := v.verifyOracle(t, raw)
		if (raw == good || raw == goodEC) && !accepted {
			_, err := verifyJWT(context.Background(), v.keys, raw, v.check())
			t.Fatalf("a valid token was refused: %v", err)
		}
	})
}

// FuzzJWTHeaderAndClaims builds compact tokens from arbitrary header and
// claims JSON, signed by a cached key (sign 1: RS256, 2: ES256) or carrying
// arbitrary signature bytes: whatever the header says (alg, kid, crit, jwk,
// b64) and whatever the claims hold, the verifier accepts only validly
// signed tokens with acceptable claims.
func FuzzJWTHeaderAndClaims(f *testing.F) {
	v := newFuzzVerifier(f)
	goodClaims, _ := json.Marshal(v.goodClaims())
	rsHdr, ecHdr := `{"alg":"RS256","kid":"rsa","typ":"JWT"}`, `{"alg":"ES256","kid":"ec"}`
	type seed struct {
		header, claims string
		sign           uint8
		sig            []byte
	}
	seeds := []seed{
		{rsHdr, string(goodClaims), 1, nil},
		{ecHdr, string(goodClaims), 2, nil},
		{`{"alg":"RS256"}`, string(goodClaims), 1, nil},
		{`{"alg":"none"}`, string(goodClaims), 0, nil},
		{`{"alg":"HS256","kid":"rsa"}`, string(goodClaims), 0, []byte("secret")},
		{`{"alg":"RS256","kid":"rsa","jwk":{"kty":"oct","k":"c2VjcmV0"}}`, string(goodClaims), 1, nil},
		{`{"alg":"RS256","kid":"rsa","crit":["exp"],"exp":1}`, string(goodClaims), 1, nil},
		{`{"alg":"RS256","kid":"rsa","b64":false,"crit":["b64"]}`, string(goodClaims), 1, nil},
		{`{"alg":"ES256","kid":"rsa"}`, string(goodClaims), 2, nil},
		{`{"alg":"RS256","kid":"ec"}`, string(goodClaims), 1, nil},
		{`{"alg":["RS256"],"kid":1}`, string(goodClaims), 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","sub":"u","aud":"mcp-server","exp":1e400}`, 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","sub":"u","azp":"mcp-server","exp":"9999999999"}`, 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","sub":"u","aud":["x","mcp-server"],"exp":9999999999,"nbf":-1}`, 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","sub":"u","aud":"mcp-server","exp":9999999999,"nonce":"n"}`, 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","sub":"u","aud":"mcp-server","exp":9999999999,"typ":"Refresh"}`, 1, nil},
		{rsHdr, `{"iss":"` + fuzzIssuer + `","iss":"https://evil","sub":"u","aud":"mcp-server","exp":9999999999}`, 1, nil},
		{rsHdr, `[1,2]`, 1, nil},
		{rsHdr, `null`, 1, nil},
		{rsHdr, ``, 0, []byte{0}},
		{`{`, `{`, 0, nil},
	}
	for _, s := range seeds {
		f.Add(s.header, s.claims, s.sign, s.sig)
	}
	f.Fuzz(func(t *testing.T, header, claims string, sign uint8, sig []byte) {
		in := b64([]byte(header)) + "." + b64([]byte(claims))
		switch sign % 3 {
		case 1:
			sig = v.sign(t, jose.RS256, in)
		case 2:
			sig = v.sign(t, jose.ES256, in)
		}
		raw := in + "." + b64(sig)
		accepted := v.verifyOracle(t, raw)
		if (header == rsHdr && sign%3 == 1 || header == ecHdr && sign%3 == 2) && claims == string(goodClaims) && !accepted {
			_, err := verifyJWT(context.Background(), v.keys, raw, v.check())
			t.Fatalf("a validly signed token with good claims was refused: %v", err)
		}
	})
}
