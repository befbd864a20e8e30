package testutil

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// JWTClaims decodes a JWT's payload without verifying its signature: for
// tests that check what an issuer put in a token it signed.
func JWTClaims(t testing.TB, jwt string) map[string]any {
	t.Helper()
	return jwtPart(t, jwt, 1)
}

// JWTHeader decodes a JWT's header (alg, kid) likewise.
func JWTHeader(t testing.TB, jwt string) map[string]any {
	t.Helper()
	return jwtPart(t, jwt, 0)
}

func jwtPart(t testing.TB, jwt string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	return out
}

// Audience reads a claims set's aud, a string or a list of strings.
func Audience(c map[string]any) []string {
	switch a := c["aud"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
