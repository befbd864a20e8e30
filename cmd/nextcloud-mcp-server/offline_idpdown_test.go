package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// TestOfflineModeStartsWhileIdPDown: with offline access on and the IdP
// down at start, the server still starts (one shared discovery, retried in
// the background), the consent page says the IdP is unavailable, and once
// the IdP is back the consent flow redirects to it.
func TestOfflineModeStartsWhileIdPDown(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret", TokenExchange: true})
	nc := nctest.New(t)
	env := tokenStore(t)
	env["ENABLE_OFFLINE_ACCESS"] = "true"
	p.Down(true)
	s := startHTTP(t, []string{"--auth", "oauth"}, func(base string) map[string]string { return oauthEnv(nc, p, base, env) })
	defer s.stop()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func() *http.Response {
		resp, err := noRedirect.Get(s.base + "/oauth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := login(); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("consent while the IdP is down: %d, want 503", resp.StatusCode)
	}
	p.Down(false)
	var resp *http.Response
	for range 150 {
		if resp = login(); resp.StatusCode == http.StatusFound {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), p.AuthorizeURL()) {
		t.Fatalf("consent after the IdP came back: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
