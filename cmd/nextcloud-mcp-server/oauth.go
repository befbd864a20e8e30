package main

import (
	"context"
	"errors"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
)

// setupOAuth wires the OAuth resource server (bearer middleware, metadata,
// per-user Nextcloud clients) into the app.
func (a *app) setupOAuth(ctx context.Context) (mcp.ClientFunc, mcp.ScopeFunc, error) {
	return nil, nil, errors.New("oauth mode is not wired yet")
}
