package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // hashes of the RS/PS/ES algorithms
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// compactJWS is a JWS in compact serialization, split once: the header
// fields verification needs, the payload, and the signing input as the
// token carries it (so nothing is re-encoded to check the signature).
type compactJWS struct {
	alg     jose.SignatureAlgorithm
	kid     string
	payload []byte
	input   []byte // header "." payload, as sent
	sig     []byte
}

var errMalformed = errors.New("token is not a well-formed JWT")
var errAlgNotAllowed = errors.New("token signature algorithm is not allowed")

// parseCompact splits and decodes raw. It refuses algorithms outside
// allowedAlgs and any "crit" header (RFC 7515 §4.1.11: extensions this
// server does not implement, such as unencoded payloads).
func parseCompact(raw string) (*compactJWS, error) {
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, errMalformed
	}
	hb, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, errMalformed
	}
	var hdr struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, errMalformed
	}
	if hdr.Crit != nil {
		return nil, errMalformed
	}
	alg := jose.SignatureAlgorithm(hdr.Alg)
	if !slices.Contains(allowedAlgs, alg) {
		return nil, errAlgNotAllowed
	}
	jws := &compactJWS{alg: alg, kid: hdr.Kid, input: []byte(raw[:len(h)+1+len(p)])}
	if jws.payload, err = base64.RawURLEncoding.DecodeString(p); err != nil {
		return nil, errMalformed
	}
	if jws.sig, err = base64.RawURLEncoding.DecodeString(s); err != nil || len(jws.sig) == 0 {
		return nil, errMalformed
	}
	return jws, nil
}

var errBadSignature = errors.New("token signature does not verify")

// verifyWith checks jws's signature with key, the same checks go-jose's
// verifiers make (hash by algorithm, curve matching the algorithm, fixed
// ECDSA signature size), straight on the standard library.
func (jws *compactJWS) verifyWith(key any) error {
	var hash crypto.Hash
	switch jws.alg {
	case jose.RS256, jose.PS256, jose.ES256:
		hash = crypto.SHA256
	case jose.RS384, jose.PS384, jose.ES384:
		hash = crypto.SHA384
	case jose.RS512, jose.PS512, jose.ES512:
		hash = crypto.SHA512
	case jose.EdDSA:
		pub, ok := key.(ed25519.PublicKey)
		if !ok || !ed25519.Verify(pub, jws.input, jws.sig) {
			return errBadSignature
		}
		return nil
	default:
		return errAlgNotAllowed
	}
	h := hash.New()
	h.Write(jws.input)
	digest := h.Sum(nil)
	switch jws.alg {
	case jose.RS256, jose.RS384, jose.RS512:
		if pub, ok := key.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(pub, hash, digest, jws.sig) == nil {
			return nil
		}
	case jose.PS256, jose.PS384, jose.PS512:
		if pub, ok := key.(*rsa.PublicKey); ok && rsa.VerifyPSS(pub, hash, digest, jws.sig, nil) == nil {
			return nil
		}
	default: // ES*
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return errBadSignature
		}
		curve, size := elliptic.P256(), 32
		switch jws.alg {
		case jose.ES384:
			curve, size = elliptic.P384(), 48
		case jose.ES512:
			curve, size = elliptic.P521(), 66
		}
		if pub.Curve != curve || len(jws.sig) != 2*size {
			return errBadSignature
		}
		r, s := new(big.Int).SetBytes(jws.sig[:size]), new(big.Int).SetBytes(jws.sig[size:])
		if ecdsa.Verify(pub, digest, r, s) {
			return nil
		}
	}
	return errBadSignature
}
