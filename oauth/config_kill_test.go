package oauth

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsAndRefusals(t *testing.T) {
	base := func() Config {
		return Config{Issuer: "https://idp.example/realms/r/", ServerURL: "https://mcp.example/", ClientID: "srv", ClientSecret: "s"}
	}
	c := base()
	if err := c.defaults(); err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://idp.example/realms/r" || c.ServerURL != "https://mcp.example" || c.MCPPath != "/mcp" ||
		c.Audience != "srv" || c.NextcloudAudience != "nextcloud" || c.Upstream != UpstreamExchange || c.Opaque != OpaqueIntrospect ||
		c.UserClaim != "preferred_username" || c.Leeway != 30*time.Second || c.IntrospectionTTL != time.Minute ||
		c.ResourceName != "Nextcloud MCP Server" || c.DiscoveryRetry != 2*time.Second || c.HTTPClient == nil || c.Logger == nil {
		t.Fatalf("defaults = %+v", c)
	}
	set := base()
	set.MCPPath, set.Audience, set.NextcloudAudience, set.Upstream, set.Opaque = "api/mcp/", "aud", "nc", UpstreamPassthrough, OpaqueUserinfo
	set.UserClaim, set.Leeway, set.IntrospectionTTL, set.ResourceName, set.DiscoveryRetry = "uid", time.Second, time.Second, "R", time.Millisecond
	if err := set.defaults(); err != nil {
		t.Fatal(err)
	}
	if set.MCPPath != "/api/mcp" || set.Audience != "aud" || set.NextcloudAudience != "nc" || set.Upstream != UpstreamPassthrough ||
		set.Opaque != OpaqueUserinfo || set.UserClaim != "uid" || set.Leeway != time.Second || set.IntrospectionTTL != time.Second ||
		set.ResourceName != "R" || set.DiscoveryRetry != time.Millisecond {
		t.Fatalf("set values changed: %+v", set)
	}
	refused := map[string]func(c *Config){
		"OIDC_ISSUER is not set":                      func(c *Config) { c.Issuer = "" },
		"OIDC_ISSUER \"ftp://x\"":                     func(c *Config) { c.Issuer = "ftp://x" },
		"OIDC_ISSUER \"https://\"":                    func(c *Config) { c.Issuer = "https://" },
		"OIDC_ISSUER \"::\"":                          func(c *Config) { c.Issuer = "::" },
		"NEXTCLOUD_MCP_SERVER_URL is not set":         func(c *Config) { c.ServerURL = "" },
		"NEXTCLOUD_MCP_SERVER_URL \"mcp.example\"":    func(c *Config) { c.ServerURL = "mcp.example" },
		"NEXTCLOUD_MCP_SERVER_URL \"https://m/?a=b\"": func(c *Config) { c.ServerURL = "https://m/?a=b" },
		"NEXTCLOUD_MCP_SERVER_URL \"gopher://m\"":     func(c *Config) { c.ServerURL = "gopher://m" },
		"NEXTCLOUD_MCP_SERVER_URL \"https://\"":       func(c *Config) { c.ServerURL = "https://" },
		"OIDC_CLIENT_ID (or OIDC_AUDIENCE)":           func(c *Config) { c.ClientID = ""; c.Upstream = UpstreamPassthrough },
		"token exchange needs":                        func(c *Config) { c.ClientSecret = "" },
		"token exchange needs OIDC_CLIENT_ID":         func(c *Config) { c.ClientID = ""; c.Audience = "a" },
		"NEXTCLOUD_MCP_UPSTREAM \"both\"":             func(c *Config) { c.Upstream = "both" },
		"opaque token mode \"maybe\"":                 func(c *Config) { c.Opaque = "maybe" },
	}
	for want, change := range refused {
		c := base()
		change(&c)
		if err := c.defaults(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
	// http issuers and servers are allowed (local development).
	ok := base()
	ok.Issuer, ok.ServerURL = "http://kc:8080/realms/r", "http://localhost:8000"
	ok.ClientSecret, ok.Upstream, ok.Opaque = "", UpstreamPassthrough, OpaqueReject
	if err := ok.defaults(); err != nil {
		t.Fatalf("http URLs, passthrough without secret: %v", err)
	}
}
