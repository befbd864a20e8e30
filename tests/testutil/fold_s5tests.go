package testutil

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// PostMCP posts one JSON-RPC message to base's /mcp endpoint with a
// bearer token, as a streamable-HTTP client sends it, and gives the answer
// (its body closed).
func PostMCP(t testing.TB, base, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// ReadJSON decodes the JSON file at path into v; a missing or malformed
// file ends the test.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

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
