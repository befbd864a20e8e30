package e2ekc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
)

// foreignToken is a well-formed token for the server signed with a key
// Keycloak never published: checking it needs a JWKS refresh.
func foreignToken(t *testing.T, kc *kctest.Keycloak, user string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "e2ekc-unknown-key"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(sig).Claims(map[string]any{"iss": kc.Issuer, "aud": kc.ServerClientID, "azp": kc.PublicClientID, "sub": "x",
		"preferred_username": user, "scope": "openid notes:read", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestKeycloakOutage (f): Keycloak stops mid-run and starts again. Cached
// tokens keep working; what needs Keycloak fails clearly (503 for a token
// that needs a JWKS refresh, a tool error naming the identity provider for
// a new exchange); stored grants survive; the server recovers without a
// restart of its own.
func TestKeycloakOutage(t *testing.T) {
	kc := kctest.Start(t)
	ctx := context.Background()
	nc, bc := newNextcloud(t, kc, VerifyJWKS)
	env, _ := withOffline(t, oauthEnv(kc, nc))
	env["OIDC_IMPERSONATION"] = "off"
	s := startServer(t, env)
	consent(t, s, kc, "alice")
	grant := storedGrant(t, env, "alice")

	alice := userToken(t, kc, "alice", "notes:read")
	bob := userToken(t, kc, "bob", "notes:read")
	ca := s.mustSession(ctx, t, alice)
	mustListNotes(ctx, t, ca, "before the outage")
	cb := s.mustSession(ctx, t, bob)

	if err := kc.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			if err := kc.Start(); err != nil {
				t.Errorf("start Keycloak again: %v", err)
			}
		}
	})

	// Cached: alice's token verifies with the cached JWKS and her exchanged
	// Nextcloud token is reused.
	n := acceptedCount(bc, "alice")
	if text, isErr, err := callText(ctx, ca, "nc_notes_list", map[string]any{}); err != nil || isErr {
		t.Fatalf("a cached token during the outage: %v %s", err, text)
	}
	if acceptedCount(bc, "alice") <= n {
		t.Fatal("the cached call did not reach Nextcloud")
	}
	// New: a key the server has not seen needs Keycloak: 503, clear words.
	req, _ := http.NewRequest(http.MethodPost, s.Base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Authorization", "Bearer "+foreignToken(t, kc, "alice"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "identity provider is unreachable") {
		t.Fatalf("a token needing a JWKS refresh during the outage: HTTP %d %q", resp.StatusCode, body)
	}
	// New exchange: bob's first call cannot get a Nextcloud token.
	text, isErr, err := callText(ctx, cb, "nc_notes_list", map[string]any{})
	if err != nil || !isErr || !strings.Contains(text, "token exchange") {
		t.Fatalf("a new exchange during the outage: err %v, isError %v, %q", err, isErr, text)
	}
	if acceptedCount(bc, "bob") != 0 {
		t.Fatal("bob reached Nextcloud without a token")
	}

	// A server restarted during the outage starts, and its background job
	// for alice fails to refresh without dropping her grant.
	s.Restart()
	eventually(t, 2*time.Minute, "alice's background job to try a refresh", func() bool {
		return strings.Contains(s.Log(), "background job failed") && strings.Contains(s.Log(), "user=alice")
	})
	if storedGrant(t, env, "alice") != grant {
		t.Fatal("the outage changed or lost alice's stored grant")
	}

	if err := kc.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	// Recovery on its own: bob's token now works on the restarted server.
	eventually(t, 2*time.Minute, "the server to recover", func() bool {
		c, err := s.session(ctx, bob)
		if err != nil {
			return false
		}
		_, isErr, err := callText(ctx, c, "nc_notes_list", map[string]any{})
		return err == nil && !isErr
	})
	if acceptedCount(bc, "bob") == 0 {
		t.Fatal("bob's call did not reach Nextcloud after the outage")
	}
	// No grant lost: alice's stored refresh token still works at Keycloak.
	conf := oauth2.Config{ClientID: kc.ServerClientID, ClientSecret: kc.ServerClientSecret, Endpoint: oauth2.Endpoint{TokenURL: kc.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: storedGrant(t, env, "alice")}).Token(); err != nil {
		t.Fatalf("alice's stored grant after the outage: %v", err)
	}
}
