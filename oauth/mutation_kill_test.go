package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Tests written against the bugs a mutation run (make mutate) planted and
// the other tests let pass: near-miss issuer and audience, refused token
// types, exact expiry boundaries, scope prefixes, which JWKS keys verify.

const (
	mkIssuer = "https://idp.example/realms/r"
	mkAud    = "mcp-server"
)

var mkNow = time.Unix(1_760_000_000, 0)

func mkCheck(allowAZP bool) jwtCheck {
	return jwtCheck{issuer: mkIssuer, audience: mkAud, allowAZP: allowAZP, leeway: 30 * time.Second, now: mkNow}
}

func mkClaims() map[string]any {
	return map[string]any{"iss": mkIssuer, "sub": "u-1", "aud": []string{mkAud}, "azp": "mcp-client",
		"exp": mkNow.Add(time.Hour).Unix(), "iat": mkNow.Unix(), "typ": "Bearer", "preferred_username": "alice"}
}

// roundTrip gives claims the types a decoded token has (json.Number).
func roundTrip(t *testing.T, claims map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeClaims(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantTokenError fails unless err is a token error (the caller's fault,
// 401) that mentions has.
func wantTokenError(t *testing.T, err error, has string) {
	t.Helper()
	var te *tokenError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), has) {
		t.Fatalf("err = %v, want a token error mentioning %q", err, has)
	}
}

func TestCheckClaimsExactMatchesAndBoundaries(t *testing.T) {
	leeway := 30 * time.Second
	tests := []struct {
		name     string
		change   func(c map[string]any)
		allowAZP bool
		ok       bool
		errHas   string
	}{
		{"good", func(map[string]any) {}, false, true, ""},
		{"issuer with a suffix", func(c map[string]any) { c["iss"] = mkIssuer + "-evil" }, false, false, "issuer"},
		{"issuer with a slash", func(c map[string]any) { c["iss"] = mkIssuer + "/" }, false, false, "issuer"},
		{"issuer a prefix of the configured one", func(c map[string]any) { c["iss"] = "https://idp.example/realms" }, false, false, "issuer"},
		{"no issuer", func(c map[string]any) { delete(c, "iss") }, false, false, "issuer"},
		{"audience with a suffix", func(c map[string]any) { c["aud"] = []string{"mcp-server-x"} }, false, false, "audience"},
		{"audience a prefix", func(c map[string]any) { c["aud"] = "mcp" }, false, false, "audience"},
		{"audience among others", func(c map[string]any) { c["aud"] = []string{"other", mkAud} }, false, true, ""},
		{"audience as a string", func(c map[string]any) { c["aud"] = mkAud }, false, true, ""},
		{"near-miss among others", func(c map[string]any) { c["aud"] = []string{"other", "mcp-server-x", "x-mcp-server"} }, false, false, "audience"},
		{"azp when not allowed", func(c map[string]any) { c["aud"] = "other"; c["azp"] = mkAud }, false, false, "audience"},
		{"azp when allowed", func(c map[string]any) { c["aud"] = "other"; c["azp"] = mkAud }, true, true, ""},
		{"azp with a suffix", func(c map[string]any) { c["aud"] = "other"; c["azp"] = mkAud + "-x" }, true, false, "audience"},
		// Today's contract: without azp the client_id claim names the party.
		{"client_id when azp is absent", func(c map[string]any) { c["aud"] = "other"; delete(c, "azp"); c["client_id"] = mkAud }, true, true, ""},
		{"typ ID", func(c map[string]any) { c["typ"] = "ID" }, false, false, "not an access token"},
		{"typ id", func(c map[string]any) { c["typ"] = "id" }, false, false, "not an access token"},
		{"typ Refresh", func(c map[string]any) { c["typ"] = "Refresh" }, false, false, "not an access token"},
		{"typ Offline", func(c map[string]any) { c["typ"] = "Offline" }, false, false, "not an access token"},
		{"typ Logout", func(c map[string]any) { c["typ"] = "Logout" }, false, false, "not an access token"},
		{"typ absent", func(c map[string]any) { delete(c, "typ") }, false, true, ""},
		{"at_hash", func(c map[string]any) { c["at_hash"] = "x" }, false, false, "ID token"},
		{"nonce", func(c map[string]any) { c["nonce"] = "x" }, false, false, "ID token"},
		{"expired exactly the leeway ago", func(c map[string]any) { c["exp"] = mkNow.Add(-leeway).Unix() }, false, true, ""},
		{"expired one second past the leeway", func(c map[string]any) { c["exp"] = mkNow.Add(-leeway - time.Second).Unix() }, false, false, "expired"},
		{"expired a minute ago", func(c map[string]any) { c["exp"] = mkNow.Add(-time.Minute).Unix() }, false, false, "expired"},
		{"expiry with a fraction inside the leeway", func(c map[string]any) { c["exp"] = float64(mkNow.Add(-leeway).Unix()) + 0.5 }, false, true, ""},
		{"no exp", func(c map[string]any) { delete(c, "exp") }, false, false, "exp"},
		{"exp a string", func(c map[string]any) { c["exp"] = "tomorrow" }, false, false, "exp"},
		{"nbf exactly the leeway ahead", func(c map[string]any) { c["nbf"] = mkNow.Add(leeway).Unix() }, false, true, ""},
		{"nbf one second past the leeway", func(c map[string]any) { c["nbf"] = mkNow.Add(leeway + time.Second).Unix() }, false, false, "not valid before"},
		{"nbf in the past", func(c map[string]any) { c["nbf"] = mkNow.Add(-time.Hour).Unix() }, false, true, ""},
		{"nbf a string", func(c map[string]any) { c["nbf"] = "now" }, false, false, "nbf"},
		{"no sub", func(c map[string]any) { delete(c, "sub") }, false, false, "sub"},
		{"empty sub", func(c map[string]any) { c["sub"] = "" }, false, false, "sub"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mkClaims()
			tc.change(c)
			err := checkClaims(roundTrip(t, c), mkCheck(tc.allowAZP))
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantTokenError(t, err, tc.errHas)
		})
	}
}

func TestNumericDate(t *testing.T) {
	tests := []struct {
		in   any
		ok   bool
		want time.Time
	}{
		{json.Number("0"), true, time.Unix(0, 0)},
		{json.Number("1760000000"), true, time.Unix(1760000000, 0)},
		{json.Number("1.5"), true, time.Unix(1, 500_000_000)},
		{json.Number("100000000000"), true, time.Unix(1e11, 0)},
		{json.Number("100000000001"), false, time.Time{}},
		{json.Number("-1"), false, time.Time{}},
		{json.Number("soon"), false, time.Time{}},
		{float64(42), true, time.Unix(42, 0)},
		{math.NaN(), false, time.Time{}},
		{math.Inf(1), false, time.Time{}},
		{"42", false, time.Time{}},
		{nil, false, time.Time{}},
	}
	for _, tc := range tests {
		got, ok := numericDate(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("numericDate(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClaimHelpers(t *testing.T) {
	lists := []struct {
		in   any
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{[]any{"a", 1.0, "b"}, []string{"a", "b"}},
		{[]string{"x"}, []string{"x"}},
		{5, nil},
	}
	for _, tc := range lists {
		if got := stringList(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("stringList(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	sc := scopesOf(map[string]any{"scope": "openid notes.read", "scp": []any{"files:write", "notes:read"}})
	if !slices.Equal(sc, []string{"openid", "notes:read", "files:write"}) {
		t.Errorf("scopesOf = %v", sc)
	}
	if sc := scopesOf(map[string]any{"scp": "deck.write talk:read"}); !slices.Equal(sc, []string{"deck:write", "talk:read"}) {
		t.Errorf("scopesOf(scp string) = %v", sc)
	}
	if p := authorizedParty(map[string]any{"azp": "a", "client_id": "b"}); p != "a" {
		t.Errorf("authorizedParty = %q, want azp", p)
	}
	if p := authorizedParty(map[string]any{"azp": "", "client_id": "b"}); p != "b" {
		t.Errorf("authorizedParty = %q, want client_id", p)
	}
	for _, in := range []string{"null", "[1]", "1", "{"} {
		if _, err := decodeClaims([]byte(in)); err == nil {
			t.Errorf("decodeClaims(%s) accepted", in)
		}
	}
	if !looksLikeJWT("a.b.c") || looksLikeJWT("a.b") || looksLikeJWT("a.b.c.d") || looksLikeJWT("opaque") {
		t.Error("looksLikeJWT tells JWTs from opaque tokens wrongly")
	}
}

func TestHasScopeIsExact(t *testing.T) {
	tests := []struct {
		have []string
		want string
		ok   bool
	}{
		{[]string{"notes:read"}, "notes:read", true},
		{[]string{"notes:read"}, "notes.read", true},
		{[]string{"notes:write"}, "notes:read", true},
		{[]string{"notes:write"}, "notes:write", true},
		{[]string{"notes:read"}, "notes:write", false},
		{[]string{"notesx:write"}, "notes:read", false},
		{[]string{"notesx:read"}, "notes:read", false},
		{[]string{"notes:readx"}, "notes:read", false},
		{[]string{"notes:writex"}, "notes:read", false},
		{[]string{"xnotes:write"}, "notes:read", false},
		{[]string{"notes"}, "notes:read", false},
		{[]string{"files:write"}, "notes:read", false},
		{nil, "notes:read", false},
	}
	for _, tc := range tests {
		id := &Identity{Scopes: tc.have}
		if got := id.HasScope(tc.want); got != tc.ok {
			t.Errorf("%v HasScope(%q) = %v, want %v", tc.have, tc.want, got, tc.ok)
		}
	}
	var none *Identity
	if none.HasScope("notes:read") {
		t.Error("nil identity has a scope")
	}
	norm := map[string]string{"notes.read": "notes:read", "deck.write": "deck:write", ".read": ".read",
		"a.b.read": "a.b.read", "a/b.read": "a/b.read", "a:b.write": "a:b.write", "openid": "openid", "notes.readx": "notes.readx"}
	for in, want := range norm {
		if got := NormalizeScope(in); got != want {
			t.Errorf("NormalizeScope(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normalizeScopes([]string{"", "notes.read", "notes:read", "openid"}); !slices.Equal(got, []string{"notes:read", "openid"}) {
		t.Errorf("normalizeScopes = %v", got)
	}
}

// --- JWKS ---------------------------------------------------------------

type mkKey struct {
	priv *rsa.PrivateKey
	kid  string
}

func newMKKey(t *testing.T, kid string) *mkKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &mkKey{priv: k, kid: kid}
}

func (k *mkKey) public(use, alg string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Use: use, Algorithm: alg}
}

// sign signs claims with RS256 under kid (omitted when empty).
func (k *mkKey) sign(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.priv, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jwksServer serves a JWKS body the test sets, with a status.
type jwksServer struct {
	mu     sync.Mutex
	status int
	body   []byte
	hits   atomic.Int64
	down   atomic.Bool // connections fail
	srv    *httptest.Server
}

func newJWKSServer(t *testing.T, keys ...any) *jwksServer {
	s := &jwksServer{}
	s.set(t, http.StatusOK, keys...)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.WriteHeader(s.status)
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// set publishes keys (jose.JSONWebKey values, or raw JSON objects).
func (s *jwksServer) set(t *testing.T, status int, keys ...any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.status, s.body = status, b
	s.mu.Unlock()
}

// jwtRS is a resource server for mkIssuer and mkAud with a verified-token
// cache whose clock is *clock.
func jwtRS(clock *time.Time) *ResourceServer {
	return &ResourceServer{cfg: Config{Issuer: mkIssuer, Audience: mkAud, UserClaim: "preferred_username", Leeway: 30 * time.Second},
		now: func() time.Time { return *clock }, verified: newJWTCache()}
}

func (s *jwksServer) keySet(clock *time.Time) *keySet {
	inner := s.srv.Client().Transport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if s.down.Load() {
			return nil, errors.New("connection refused")
		}
		return inner.RoundTrip(r)
	})}
	ks := newKeySet(s.srv.URL, hc)
	ks.now = func() time.Time { return *clock }
	return ks
}

func verifyWith(t *testing.T, ks *keySet, raw string) error {
	t.Helper()
	_, err := verifyJWT(context.Background(), ks, raw, mkCheck(false))
	return err
}

func kidsOf(keys []jose.JSONWebKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.KeyID)
	}
	return out
}

// A JWKS that also carries private or symmetric keys is used for its public
// keys only; a token signed by a key published with its private half is
// not accepted through it.
func TestJWKSKeepsOnlyPublicKeys(t *testing.T) {
	pub, leaked := newMKKey(t, "pub"), newMKKey(t, "leaked")
	sym := jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "sym", Algorithm: "HS256", Use: "sig"}
	s := newJWKSServer(t, pub.public("sig", "RS256"), jose.JSONWebKey{Key: leaked.priv, KeyID: "leaked", Use: "sig"}, sym)
	clock := mkNow
	ks := s.keySet(&clock)
	keys, err := ks.fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := kidsOf(keys); !slices.Equal(got, []string{"pub"}) {
		t.Fatalf("usable keys = %v, want [pub]", got)
	}
	if err := verifyWith(t, ks, pub.sign(t, "pub", mkClaims())); err != nil {
		t.Fatalf("token of the public key: %v", err)
	}
	err = verifyWith(t, ks, leaked.sign(t, "leaked", mkClaims()))
	if !errors.Is(err, errUnknownKey) && (err == nil || !strings.Contains(err.Error(), errUnknownKey.Error())) {
		t.Fatalf("token of a key published with its private half: %v, want unknown key", err)
	}
}

// Keys published for encryption, or for another algorithm, do not verify
// signatures; a token without kid is tried against every signing key.
func TestJWKSKeyUseAndAlgorithm(t *testing.T) {
	enc, rs384, good := newMKKey(t, "enc"), newMKKey(t, "rs384"), newMKKey(t, "good")
	s := newJWKSServer(t, enc.public("enc", ""), rs384.public("sig", "RS384"), good.public("", "RS256"))
	clock := mkNow
	ks := s.keySet(&clock)
	for _, tc := range []struct {
		name string
		raw  string
		ok   bool
	}{
		{"signed by an encryption key", enc.sign(t, "enc", mkClaims()), false},
		{"RS256 by a key published for RS384", rs384.sign(t, "rs384", mkClaims()), false},
		{"signed by a signing key", good.sign(t, "good", mkClaims()), true},
		{"no kid, signing key", good.sign(t, "", mkClaims()), true},
		{"no kid, encryption key", enc.sign(t, "", mkClaims()), false},
		{"kid of one key, signed by another", enc.sign(t, "good", mkClaims()), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyWith(t, ks, tc.raw)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				wantTokenError(t, err, "does not verify")
			}
		})
	}
}

// A JWKS answer that is not 200, or not a JWKS, is an outage (not the
// token's fault) and is not cached: once the IdP answers properly the next
// request verifies without waiting for a backoff.
func TestJWKSFailedFetchIsNotCached(t *testing.T) {
	key := newMKKey(t, "k1")
	tok := key.sign(t, "k1", mkClaims())
	for _, tc := range []struct {
		name   string
		status int
		body   string
		errHas string
	}{
		{"HTTP 500 with a JWKS body", http.StatusInternalServerError, "", "HTTP 500"},
		{"HTTP 404 with a JWKS body", http.StatusNotFound, "", "HTTP 404"},
		{"not a JWKS", http.StatusOK, "<html>", "not a JWKS"},
		{"IdP down", 0, "", "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newJWKSServer(t, key.public("sig", "RS256"))
			if tc.status == 0 {
				s.down.Store(true)
			} else if tc.status != http.StatusOK {
				s.mu.Lock()
				s.status = tc.status // the body is still a valid JWKS
				s.mu.Unlock()
			} else {
				s.mu.Lock()
				s.body = []byte(tc.body)
				s.mu.Unlock()
			}
			clock := mkNow
			ks := s.keySet(&clock)
			err := verifyWith(t, ks, tok)
			var te *tokenError
			if err == nil || errors.As(err, &te) || errors.Is(err, errUnknownKey) || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), s.srv.URL) {
				t.Fatalf("err = %v, want an outage error naming %s and %q", err, s.srv.URL, tc.errHas)
			}
			if !ks.generation().IsZero() {
				t.Fatal("a failed fetch was recorded as a key set")
			}
			s.down.Store(false)
			s.set(t, http.StatusOK, key.public("sig", "RS256"))
			if err := verifyWith(t, ks, tok); err != nil {
				t.Fatalf("after the IdP recovered: %v", err)
			}
			if !ks.generation().Equal(clock) {
				t.Fatalf("generation = %v, want %v", ks.generation(), clock)
			}
		})
	}
}

// An unknown kid refreshes the keys once; further unknown kids within
// missBackoff are refused without asking the IdP, and from missBackoff on
// the IdP is asked again (key rotation).
func TestJWKSUnknownKidBackoff(t *testing.T) {
	k1, k2 := newMKKey(t, "k1"), newMKKey(t, "k2")
	s := newJWKSServer(t, k1.public("sig", "RS256"))
	clock := mkNow
	ks := s.keySet(&clock)
	if err := verifyWith(t, ks, k1.sign(t, "k1", mkClaims())); err != nil {
		t.Fatal(err)
	}
	if n := s.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1", n)
	}
	unknown := k2.sign(t, "k2", mkClaims())
	wantUnknown := func(what string) {
		t.Helper()
		err := verifyWith(t, ks, unknown)
		var te *tokenError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), errUnknownKey.Error()) {
			t.Fatalf("%s: err = %v, want unknown key", what, err)
		}
	}
	wantUnknown("unknown kid")
	if n := s.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after an unknown kid, want 2 (one refresh)", n)
	}
	clock = clock.Add(ks.missBackoff - time.Second)
	wantUnknown("within the backoff")
	if n := s.hits.Load(); n != 2 {
		t.Fatalf("%d fetches within the backoff, want 2", n)
	}
	s.set(t, http.StatusOK, k1.public("sig", "RS256"), k2.public("sig", "RS256"))
	clock = clock.Add(time.Second) // exactly missBackoff after the miss
	if err := verifyWith(t, ks, unknown); err != nil {
		t.Fatalf("rotated key after the backoff: %v", err)
	}
	if n := s.hits.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
	// A known key within maxAge needs no fetch.
	clock = clock.Add(ks.maxAge)
	if err := verifyWith(t, ks, k1.sign(t, "k1", mkClaims())); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // a wrongly started background refresh would show
	if n := s.hits.Load(); n != 3 {
		t.Fatalf("%d fetches for a key set exactly maxAge old, want 3", n)
	}
}

// verifyJWT: refused tokens are token errors naming the problem; a token
// whose claims fail costs no key lookup.
func TestVerifyJWTRefusals(t *testing.T) {
	key, other := newMKKey(t, "k1"), newMKKey(t, "k1")
	s := newJWKSServer(t, key.public("sig", "RS256"))
	clock := mkNow
	ks := s.keySet(&clock)
	hs := func() string {
		sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(mkClaims())
		jws, _ := sg.Sign(b)
		out, _ := jws.CompactSerialize()
		return out
	}()
	bad := mkClaims()
	bad["iss"] = mkIssuer + "-evil"
	for _, tc := range []struct{ name, raw, errHas string }{
		{"claims fail", key.sign(t, "unknown-kid", bad), "issuer"},
		{"HMAC", hs, "algorithm is not allowed"},
		{"not a JWT", "a.b.c", "not a well-formed JWT"},
		{"payload not an object", func() string {
			sg, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key.priv}, nil)
			jws, _ := sg.Sign([]byte(`[1,2]`))
			out, _ := jws.CompactSerialize()
			return out
		}(), "not a JSON object"},
		{"signed by another key with the same kid", other.sign(t, "k1", mkClaims()), "does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantTokenError(t, verifyWith(t, ks, tc.raw), tc.errHas)
		})
	}
	if n := s.hits.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches, want 1 (only the signature check fetches)", n)
	}
	claims, err := verifyJWT(context.Background(), ks, key.sign(t, "k1", mkClaims()), mkCheck(false))
	if err != nil || claims["preferred_username"] != "alice" {
		t.Fatalf("good token: %v, %v", claims, err)
	}
}

// A bearer token whose aud lacks this server is refused even when its azp
// is this server; AcceptAZPAudience lets azp (and only an exact azp)
// stand in for aud.
func TestValidateJWTAZPOnlyWithAcceptAZPAudience(t *testing.T) {
	key := newMKKey(t, "k1")
	s := newJWKSServer(t, key.public("sig", "RS256"))
	clock := mkNow
	rs := jwtRS(&clock)
	ks := s.keySet(&clock)
	c := mkClaims()
	c["aud"], c["azp"] = "other", mkAud
	azpTok := key.sign(t, "k1", c)
	if id, err := rs.validateJWT(context.Background(), ks, azpTok); err == nil || id != nil || !strings.Contains(err.Error(), "audience mapper") {
		t.Fatalf("azp-only token accepted by default: %+v, %v", id, err)
	}
	rs.cfg.AcceptAZPAudience = true
	id, err := rs.validateJWT(context.Background(), ks, azpTok)
	if err != nil || id.UserID != "alice" || id.ClientID != mkAud {
		t.Fatalf("azp token with AcceptAZPAudience: %+v, %v", id, err)
	}
	for _, azp := range []string{"someone-else", mkAud + "-x"} {
		c["azp"] = azp
		if _, err := rs.validateJWT(context.Background(), ks, key.sign(t, "k1", c)); err == nil {
			t.Fatalf("token for another audience and party %q accepted", azp)
		}
	}
}
