package main

import (
	"context"
	"fmt"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/accounts"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// openStore opens the token database once per process; login flow and
// offline access share it.
func (a *app) openStore(ctx context.Context) (*storage.DB, error) {
	if a.store != nil {
		return a.store, nil
	}
	db, err := storage.Open(ctx, a.cfg.TokenStore(), storage.Options{Keys: a.cfg.TokenEncryptionKey, Logger: a.log})
	if err != nil {
		return nil, err
	}
	// A wrong key would leave every stored grant unreadable while the
	// server seems to run: refuse to start instead.
	if err := db.CheckKey(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.store = db
	a.closers = append(a.closers, func() { db.Close() })
	return db, nil
}

// setupLoginFlow makes Nextcloud calls use per-user app passwords from
// Login Flow v2 (NEXTCLOUD_MCP_UPSTREAM=login-flow).
func (a *app) setupLoginFlow(ctx context.Context) (mcp.ClientFunc, error) {
	db, err := a.openStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("login-flow upstream: %w", err)
	}
	m := oauth.NewLoginFlowManager(a.base, db, oauth.LoginFlowOptions{Logger: a.log})
	a.closers = append(a.closers, m.Close)
	a.loginFlow = m
	if n, err := m.PurgeExpired(ctx); err == nil && n > 0 {
		a.log.Info("removed expired pending logins", "count", n)
	}
	return func(ctx context.Context) (*nextcloud.Client, error) {
		user, err := accounts.SignedInUser(ctx)
		if err != nil {
			return nil, err
		}
		return m.ClientFor(ctx, user)
	}, nil
}
