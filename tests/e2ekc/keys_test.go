package e2ekc

import (
	"context"
	"net/http"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// kidOf reads the kid of a JWT's header.
func kidOf(t *testing.T, jwt string) string {
	t.Helper()
	kid, _ := testutil.JWTHeader(t, jwt)["kid"].(string)
	return kid
}

// postMCP sends one initialize request with token and returns the answer.
func postMCP(t *testing.T, s *mcpServer, token string) *http.Response {
	t.Helper()
	return testutil.PostMCP(t, s.Base, token, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2ekc","version":"1"}}}`)
}

// TestKeyRotation (e): Keycloak gets a new signing key (higher priority)
// and the old one is disabled, through the admin API; the running server
// accepts tokens signed with the new key after refreshing its JWKS, with
// no restart, and refuses tokens of the withdrawn key.
func TestKeyRotation(t *testing.T) {
	kc := kctest.Start(t)
	ctx := context.Background()
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	s := startServer(t, oauthEnv(kc, nc))

	before := userToken(t, kc, "alice", "notes:read")
	mustListNotes(ctx, t, s.mustSession(ctx, t, before), "before the rotation")

	if _, err := kc.Admin.RotateKey(ctx, kc.Realm); err != nil {
		t.Fatal(err)
	}
	after := userToken(t, kc, "alice", "notes:read")
	if kidOf(t, after) == kidOf(t, before) {
		t.Fatalf("Keycloak still signs with key %s after the rotation", kidOf(t, before))
	}
	n := acceptedCount(bc, "alice")
	c2, err := s.session(ctx, after)
	if err != nil {
		t.Fatalf("a token of the new key was refused: %v\n%s", err, s.Log())
	}
	mustListNotes(ctx, t, c2, "with a token of the new key")
	if acceptedCount(bc, "alice") <= n {
		t.Fatal("the call with the new token did not reach Nextcloud as alice")
	}
	// The old key is withdrawn: its tokens no longer verify.
	if resp := postMCP(t, s, before); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a token of the disabled key: HTTP %d, want 401", resp.StatusCode)
	}
}
