package main

import (
	"context"
	"net/http"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
)

// setupOAuth wires the OAuth resource server (bearer middleware, metadata,
// per-user Nextcloud clients) into the app. An unreachable IdP does not stop
// the start: requests get 503 and /health/ready fails until discovery works.
func (a *app) setupOAuth(ctx context.Context) (mcp.ClientFunc, mcp.ScopeFunc, error) {
	cfg := a.cfg
	upstream := oauth.Upstream(cfg.Upstream)
	if cfg.Upstream == "login-flow" {
		// Tokens are still validated here; Nextcloud is then called with
		// the user's app password, so no exchange happens.
		upstream = oauth.UpstreamExchange
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	rsCfg := oauth.Config{
		Issuer:            cfg.OIDCIssuer,
		ClientID:          cfg.OIDCClientID,
		ClientSecret:      cfg.OIDCClientSecret,
		ServerURL:         cfg.ServerURL,
		Audience:          cfg.OIDCAudience,
		NextcloudAudience: cfg.NextcloudAud,
		Upstream:          upstream,
		UserClaim:         cfg.UserIDClaim,
		Opaque:            oauth.OpaqueMode(cfg.OpaqueTokens),
		AcceptAZPAudience: cfg.AcceptAZPAudience,
		MaxTokenLifetime:  cfg.MaxTokenLifetime,
		// Set once mcp.New has registered the tools; asked per request.
		ScopesSupported: func() []string {
			if a.mcp == nil {
				return nil
			}
			return a.mcp.ScopesSupported()
		},
		CacheObserver: func(cache, result string) { a.metrics.TokenCache.WithLabelValues(cache, result).Inc() },
		HTTPClient:    hc,
		Logger:        a.log,
	}
	if err := rsCfg.Check(); err != nil {
		return nil, nil, err
	}
	idp, err := oauth.NewIdP(ctx, oauth.IdPConfig{Issuer: cfg.OIDCIssuer, HTTPClient: hc, Logger: a.log})
	if err != nil {
		return nil, nil, err
	}
	rsCfg.IdP = idp
	rs, err := oauth.New(ctx, rsCfg, a.base)
	if err != nil {
		idp.Close()
		return nil, nil, err
	}
	a.closers = append(a.closers, idp.Close)
	a.idp = idp
	a.ready = append(a.ready, readyCheck{"identity_provider", idp.Check})
	a.auth = rs
	a.routes = append(a.routes, rs.RegisterMetadata)
	a.rs = rs
	a.log.Info("OAuth mode", "issuer", cfg.OIDCIssuer, "audience", rs.Config().Audience, "upstream", rs.Config().Upstream,
		"resource", rs.Resource(), "metadata", rs.ResourceMetadataURL("/mcp"), "idp_reachable", rs.Ready())
	if cfg.Upstream == "login-flow" {
		clientFor, err := a.setupLoginFlow(ctx)
		if err != nil {
			return nil, nil, err
		}
		return clientFor, rs.Scopes, nil
	}
	return rs.ClientFor, rs.Scopes, nil
}
