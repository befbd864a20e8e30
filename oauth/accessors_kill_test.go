package oauth_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
)

// The small accessors other packages build on (tools read the caller from
// the context, sessions are bound to Identity, the consent flow asks
// Identify), checked here where they are defined.

func TestIdentityFromContext(t *testing.T) {
	ctx := context.Background()
	if oauth.UserIDFrom(ctx) != "" || oauth.TokenFrom(ctx) != "" || oauth.ScopesFrom(ctx) != nil {
		t.Fatal("a context without identity has a caller")
	}
	if _, ok := oauth.IdentityFrom(oauth.WithIdentity(ctx, nil)); ok {
		t.Fatal("a nil identity counts as a caller")
	}
	id := &oauth.Identity{UserID: "alice", Token: "tok-alice", Scopes: []string{"notes:read"}}
	ctx = oauth.WithIdentity(ctx, id)
	if oauth.UserIDFrom(ctx) != "alice" || oauth.TokenFrom(ctx) != "tok-alice" || !slices.Equal(oauth.ScopesFrom(ctx), []string{"notes:read"}) {
		t.Fatalf("caller %q %q %v", oauth.UserIDFrom(ctx), oauth.TokenFrom(ctx), oauth.ScopesFrom(ctx))
	}
	oauth.ScopesFrom(ctx)[0] = "files:write"
	if id.Scopes[0] != "notes:read" {
		t.Fatal("ScopesFrom handed out the identity's own slice")
	}
}

func TestErrorAndStateTexts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&oauth.AuthError{Code: "invalid_token"}, "invalid_token"},
		{&oauth.AuthError{Code: "invalid_token", Description: "expired"}, "invalid_token: expired"},
		{&oauth.RateLimitError{RetryAfter: time.Second}, "too many unknown tokens from this address; try again later"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	for s, want := range map[oauth.ProbeState]string{oauth.ProbeAvailable: "available", oauth.ProbeUnavailable: "unavailable", oauth.ProbeState(99): "unknown"} {
		if s.String() != want {
			t.Errorf("ProbeState(%d) = %q, want %q", int(s), s.String(), want)
		}
	}
}

// Identity and Identify name the caller of a request with a valid token,
// and nobody for a request without one or with a refused one.
func TestIdentityAndIdentify(t *testing.T) {
	e := newEnv(t, nil, nil)
	tok := e.p.UserToken(t, "alice", mcpClient, "notes:read")
	req := func(auth string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, e.url+"/mcp", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	if u, ok := e.rs.Identify(req("Bearer " + tok)); !ok || u != "alice" {
		t.Fatalf("Identify = %q, %v; want alice", u, ok)
	}
	for name, auth := range map[string]string{"no token": "", "bad token": "Bearer " + tok[:len(tok)-4] + "AAAA"} {
		if u, ok := e.rs.Identify(req(auth)); ok || u != "" {
			t.Errorf("%s: Identify = %q, %v; want nobody", name, u, ok)
		}
	}
	if got := e.rs.Identity(req("")); got != "" {
		t.Errorf("Identity without a caller = %q", got)
	}
	r := req("").WithContext(oauth.WithIdentity(context.Background(), &oauth.Identity{Issuer: "https://idp", Subject: "sub-1", UserID: "alice"}))
	if got := e.rs.Identity(r); got != "https://idp\nsub-1\nalice" {
		t.Errorf("Identity = %q", got)
	}
	if e.rs.Exchanger() == nil || e.rs.Config().Issuer != e.p.Issuer() || e.rs.Config().ClientID != serverClient {
		t.Errorf("Exchanger %v, Config %+v", e.rs.Exchanger(), e.rs.Config())
	}
}

// Config.Check takes the issuer from a shared IdP when none is set, and
// reports a bad configuration without asking anyone.
func TestConfigCheck(t *testing.T) {
	p := newProvider(t)
	idp, err := oauth.NewIdP(context.Background(), oauth.IdPConfig{Issuer: p.Issuer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	good := oauth.Config{IdP: idp, ClientID: serverClient, ClientSecret: serverSecret, ServerURL: "https://mcp.example"}
	if err := good.Check(); err != nil {
		t.Fatalf("Check with the issuer from the IdP: %v", err)
	}
	if err := (oauth.Config{ClientID: serverClient, ClientSecret: serverSecret, ServerURL: "https://mcp.example"}).Check(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "issuer") {
		t.Fatalf("Check without an issuer = %v, want an error naming it", err)
	}
}

// The metadata document answers CORS preflights and refuses other methods
// than GET and HEAD, naming the allowed ones.
func TestMetadataMethods(t *testing.T) {
	e := newEnv(t, nil, nil)
	for method, want := range map[string]struct {
		status int
		header string
		value  string
	}{
		http.MethodOptions: {http.StatusNoContent, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"},
		http.MethodPost:    {http.StatusMethodNotAllowed, "Allow", "GET, HEAD, OPTIONS"},
		http.MethodDelete:  {http.StatusMethodNotAllowed, "Allow", "GET, HEAD, OPTIONS"},
		http.MethodHead:    {http.StatusOK, "Access-Control-Allow-Origin", "*"},
	} {
		req, _ := http.NewRequest(method, e.url+oauth.WellKnownPath+"/mcp", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want.status || resp.Header.Get(want.header) != want.value || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d, %s: %q; want %d and %q", method, resp.StatusCode, want.header, resp.Header.Get(want.header), want.status, want.value)
		}
	}
}

// ClientFor refuses a caller it cannot act for: a server without a
// Nextcloud client, or a token naming no Nextcloud user.
func TestClientForRefusals(t *testing.T) {
	e := newEnv(t, nil, nil)
	noNC, err := oauth.New(context.Background(), e.rs.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(noNC.Close)
	ctx := oauth.WithIdentity(context.Background(), &oauth.Identity{UserID: "alice", Subject: "a", Token: "tok"})
	if c, err := noNC.ClientFor(ctx); c != nil || err == nil || !strings.Contains(err.Error(), "no Nextcloud client configured") {
		t.Fatalf("ClientFor without a Nextcloud client = %v, %v", c, err)
	}
	ctx = oauth.WithIdentity(context.Background(), &oauth.Identity{Subject: "a", Token: "tok"})
	if c, err := e.rs.ClientFor(ctx); c != nil || err == nil || !strings.Contains(err.Error(), "names no Nextcloud user") {
		t.Fatalf("ClientFor without a user id = %v, %v", c, err)
	}
}

// Issuer and server URL must be http(s) URLs with a host; a scheme that
// merely starts with http is not one.
func TestConfigURLSchemes(t *testing.T) {
	base := oauth.Config{Issuer: "https://idp.example", ClientID: serverClient, ClientSecret: serverSecret, ServerURL: "https://mcp.example"}
	for name, tc := range map[string]struct {
		edit func(c *oauth.Config)
		want string
	}{
		"http issuer":         {func(c *oauth.Config) { c.Issuer = "http://idp.example" }, ""},
		"httpx issuer":        {func(c *oauth.Config) { c.Issuer = "httpx://idp.example" }, "OIDC_ISSUER"},
		"httpsx issuer":       {func(c *oauth.Config) { c.Issuer = "httpsx://idp.example" }, "OIDC_ISSUER"},
		"issuer without host": {func(c *oauth.Config) { c.Issuer = "https:///realms/x" }, "OIDC_ISSUER"},
		"http server":         {func(c *oauth.Config) { c.ServerURL = "http://mcp.example" }, ""},
		"httpx server":        {func(c *oauth.Config) { c.ServerURL = "httpx://mcp.example" }, "NEXTCLOUD_MCP_SERVER_URL"},
		"httpsx server":       {func(c *oauth.Config) { c.ServerURL = "httpsx://mcp.example" }, "NEXTCLOUD_MCP_SERVER_URL"},
		"server without host": {func(c *oauth.Config) { c.ServerURL = "https://" }, "NEXTCLOUD_MCP_SERVER_URL"},
		"server with query":   {func(c *oauth.Config) { c.ServerURL = "https://mcp.example/?x=1" }, "NEXTCLOUD_MCP_SERVER_URL"},
	} {
		c := base
		tc.edit(&c)
		err := c.Check()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
