package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestCompactVerifyEveryAlgorithm signs with go-jose under every allowed
// algorithm and checks that parseCompact/verifyWith accept the token with
// the right key, and refuse it with the wrong key type, the wrong curve,
// a key of the other kind, or one flipped byte of payload or signature.
func TestCompactVerifyEveryAlgorithm(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rk2, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ek384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ek521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		alg       jose.SignatureAlgorithm
		priv, pub any
		wrong     []any
	}{
		{jose.RS256, rk, &rk.PublicKey, []any{&rk2.PublicKey, &ek256.PublicKey}},
		{jose.RS384, rk, &rk.PublicKey, []any{&rk2.PublicKey}},
		{jose.RS512, rk, &rk.PublicKey, []any{&rk2.PublicKey}},
		{jose.PS256, rk, &rk.PublicKey, []any{&rk2.PublicKey}},
		{jose.PS384, rk, &rk.PublicKey, []any{&rk2.PublicKey}},
		{jose.PS512, rk, &rk.PublicKey, []any{&rk2.PublicKey, edPub}},
		{jose.ES256, ek256, &ek256.PublicKey, []any{&ek384.PublicKey, &rk.PublicKey}},
		{jose.ES384, ek384, &ek384.PublicKey, []any{&ek256.PublicKey, &ek521.PublicKey}},
		{jose.ES512, ek521, &ek521.PublicKey, []any{&ek384.PublicKey}},
		{jose.EdDSA, edPriv, edPub, []any{&ek256.PublicKey, &rk.PublicKey}},
	}
	for _, tc := range cases {
		t.Run(string(tc.alg), func(t *testing.T) {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: tc.alg, Key: tc.priv}, nil)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := signer.Sign([]byte(`{"sub":"alice"}`))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := obj.CompactSerialize()
			jws, err := parseCompact(raw)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if jws.alg != tc.alg || string(jws.payload) != `{"sub":"alice"}` {
				t.Fatalf("parsed alg %s payload %q", jws.alg, jws.payload)
			}
			if err := jws.verifyWith(tc.pub); err != nil {
				t.Fatalf("right key: %v", err)
			}
			for i, k := range tc.wrong {
				if jws.verifyWith(k) == nil {
					t.Errorf("wrong key %d (%T) verified", i, k)
				}
			}
			for _, at := range []int{len(jws.input) - 1, len(raw) - 2} {
				b := []byte(raw)
				b[at] ^= 0x01
				if j2, err := parseCompact(string(b)); err == nil && j2.verifyWith(tc.pub) == nil {
					t.Errorf("token with byte %d changed verified", at)
				}
			}
		})
	}
}
