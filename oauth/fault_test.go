package oauth_test

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// localBearer lets the test Nextcloud check bearer tokens itself against
// signing keys it was given (as user_oidc does with its own JWKS cache),
// so that Nextcloud keeps working while the IdP is down and only this
// server's dependence on the IdP is under test.
type localBearer struct {
	mu   sync.Mutex
	keys []*rsa.PublicKey
}

func (l *localBearer) add(k *rsa.PublicKey) {
	l.mu.Lock()
	l.keys = append(l.keys, k)
	l.mu.Unlock()
}

func (l *localBearer) auth(tok string) (string, bool) {
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", false
	}
	l.mu.Lock()
	keys := slices.Clone(l.keys)
	l.mu.Unlock()
	for _, k := range keys {
		payload, err := jws.Verify(k)
		if err != nil {
			continue
		}
		var c struct {
			Aud  any    `json:"aud"`
			Exp  int64  `json:"exp"`
			User string `json:"preferred_username"`
		}
		if json.Unmarshal(payload, &c) != nil || time.Unix(c.Exp, 0).Before(time.Now()) {
			return "", false
		}
		aud, _ := c.Aud.([]any)
		if c.Aud != "nextcloud" && !slices.Contains(aud, any("nextcloud")) {
			return "", false
		}
		return c.User, c.User != ""
	}
	return "", false
}

// TestIdPDownThroughMCP takes the identity provider down while the MCP
// server runs: tokens whose signing key is cached keep validating (in the
// open session and in new ones) and their cached exchanged tokens keep
// reaching Nextcloud, without a request to the IdP; a user who needs a new
// exchange gets a clear error result and the session stays usable; a token
// signed with a key the server has not seen gets 503 (try again), not 401;
// when the IdP is back everything works, with no failure cached.
func TestIdPDownThroughMCP(t *testing.T) {
	e := newMCPEnv(t)
	nc := &localBearer{}
	nc.add(e.p.PublicKey())
	e.nc.SetBearerAuth(nc.auth)

	aliceTok := e.p.UserToken(t, "alice", mcpClient, "files:read")
	bobTok := e.p.UserToken(t, "bob", mcpClient, "files:read")
	alice, err := e.session(t, aliceTok)
	if err != nil {
		t.Fatal(err)
	}
	var out whoamiOut
	if res := call(t, alice, "nc_test_whoami", nil, &out); res.IsError || out.User != "alice" {
		t.Fatalf("before the outage: %s", testutil.ResultText(res))
	}

	e.p.Down(true)
	e.p.ResetCounts()

	t.Run("known token, open session", func(t *testing.T) {
		var out whoamiOut
		if res := call(t, alice, "nc_test_whoami", nil, &out); res.IsError || out.User != "alice" {
			t.Fatalf("with the IdP down: %s", testutil.ResultText(res))
		}
	})
	t.Run("known token, new session", func(t *testing.T) {
		c, err := e.session(t, aliceTok)
		if err != nil {
			t.Fatalf("new session with a cached key while the IdP is down: %v", err)
		}
		var out whoamiOut
		if res := call(t, c, "nc_test_whoami", nil, &out); res.IsError || out.User != "alice" {
			t.Fatalf("with the IdP down: %s", testutil.ResultText(res))
		}
	})
	if n := e.p.Count(oidctest.CountJWKS) + e.p.Count(oidctest.CountDiscovery) + e.p.Count(oidctest.CountToken); n != 0 {
		t.Errorf("cached keys and exchanged tokens still caused %d requests to the IdP", n)
	}

	bob, err := e.session(t, bobTok)
	if err != nil {
		t.Fatalf("bob's token is signed by the cached key, so the session should open: %v", err)
	}
	t.Run("new exchange needed", func(t *testing.T) {
		res := call(t, bob, "nc_test_whoami", nil, nil)
		text := testutil.ResultText(res)
		if !res.IsError || !strings.Contains(text, "token exchange") || !strings.Contains(text, "503") {
			t.Fatalf("want an error result naming the failed token exchange, got %v: %s", res.IsError, text)
		}
		t.Logf("error result: %s", text)
		if strings.Contains(text, bobTok) {
			t.Errorf("error text contains the token")
		}
		// The session survives the failure.
		var out whoamiOut
		if res := call(t, alice, "nc_test_whoami", nil, &out); res.IsError || out.User != "alice" {
			t.Fatalf("alice after bob's failure: %s", testutil.ResultText(res))
		}
	})

	// A key rotated while the IdP is down: the server cannot fetch it.
	e.p.RotateKey(true)
	nc.add(e.p.PublicKey())
	claims := decodePart(t, strings.Split(aliceTok, ".")[1])
	newKid := e.p.SignJWT(claims)
	t.Run("unknown key while down is 503, not 401", func(t *testing.T) {
		resp := testutil.PostMCP(t, e.url, newKid, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("status %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if e.p.Count(oidctest.CountJWKS) == 0 {
			t.Errorf("the unknown kid did not make the server try to fetch the keys")
		}
	})

	e.p.Down(false)
	t.Run("IdP back", func(t *testing.T) {
		var out whoamiOut
		if res := call(t, bob, "nc_test_whoami", nil, &out); res.IsError || out.User != "bob" {
			t.Fatalf("bob after recovery (no failure may be cached): %s", testutil.ResultText(res))
		}
		c, err := e.session(t, newKid)
		if err != nil {
			t.Fatalf("token with the rotated key after recovery: %v", err)
		}
		if res := call(t, c, "nc_test_whoami", nil, &out); res.IsError || out.User != "alice" {
			t.Fatalf("rotated-key token after recovery: %s", testutil.ResultText(res))
		}
	})
}
