package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
		user, err := signedInUser(ctx)
		if err != nil {
			return nil, err
		}
		return m.ClientFor(ctx, user)
	}, nil
}

// authBackend answers the nc_auth_* tools in OAuth mode.
type authBackend struct{ a *app }

// signedInUser is the user id the OAuth middleware put on the request.
func signedInUser(ctx context.Context) (string, error) {
	if u := oauth.UserIDFrom(ctx); u != "" {
		return u, nil
	}
	return "", errors.New("this request carries no signed-in user")
}

func (b authBackend) Status(ctx context.Context) (mcp.AuthStatus, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return mcp.AuthStatus{}, err
	}
	a := b.a
	st := mcp.AuthStatus{User: user, AuthMode: a.cfg.Auth, Scopes: oauth.ScopesFrom(ctx), Upstream: a.cfg.Upstream, NextcloudAccess: "not-needed"}
	if a.loginFlow != nil {
		ps, err := a.loginFlow.Status(ctx, user)
		if err != nil {
			return st, err
		}
		st.NextcloudAccess, st.LoginURL = ps.State, ps.LoginURL
		switch ps.State {
		case "none":
			st.Notes = append(st.Notes, "call nc_auth_provision_access to let this server reach Nextcloud for you")
			if ps.LastError != "" {
				st.Notes = append(st.Notes, "last attempt: "+ps.LastError)
			}
		case "pending":
			st.Notes = append(st.Notes, "open the login link and approve access in Nextcloud")
		}
	}
	if a.offline != nil {
		if tok, err := a.offline.store.Token(ctx, user); err == nil {
			st.OfflineAccess, st.OfflineSince = true, tok.CreatedAt
		} else {
			st.Notes = append(st.Notes, "call nc_auth_grant_offline_access to let background jobs keep your search index fresh")
		}
		if a.indexState != nil {
			st.Index = a.indexState(ctx, user)
		}
	}
	return st, nil
}

func (b authBackend) ProvisionAccess(ctx context.Context) (mcp.AccessLink, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return mcp.AccessLink{}, err
	}
	if b.a.loginFlow == nil {
		return mcp.AccessLink{State: "ready", Message: "This server reaches Nextcloud with your sign-in (" + b.a.cfg.Upstream + "); there is nothing to provision."}, nil
	}
	ps, err := b.a.loginFlow.Provision(ctx, user)
	if err != nil {
		return mcp.AccessLink{State: "failed", Message: err.Error()}, err
	}
	if ps.State == "ready" {
		return mcp.AccessLink{State: "ready", Message: "This server already has Nextcloud access for you (app password of " + ps.LoginName + ")."}, nil
	}
	return mcp.AccessLink{State: "pending", URL: ps.LoginURL, Message: "Open the link, log in to Nextcloud as yourself and grant access; it expires at " + ps.Expires.UTC().Format("15:04 MST") + "."}, nil
}

func (b authBackend) RevokeAccess(ctx context.Context) (string, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return "", err
	}
	if b.a.loginFlow == nil {
		return "", errors.New("this server holds no Nextcloud app password for you: it uses your sign-in token (" + b.a.cfg.Upstream + ")")
	}
	had, err := b.a.loginFlow.Revoke(ctx, user)
	if err != nil {
		return "", err
	}
	if !had {
		return "This server held no Nextcloud app password for you; nothing to revoke.", nil
	}
	return "The app password was deleted at Nextcloud and here. Call nc_auth_provision_access to grant access again.", nil
}

func (b authBackend) GrantOfflineAccess(ctx context.Context) (mcp.AccessLink, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return mcp.AccessLink{}, err
	}
	a := b.a
	if a.offline == nil {
		return mcp.AccessLink{State: "failed", Message: "offline access is not enabled on this server"}, errors.New("offline access is not enabled on this server; the operator can set ENABLE_OFFLINE_ACCESS=true with TOKEN_ENCRYPTION_KEY")
	}
	if _, err := a.offline.store.Token(ctx, user); err == nil {
		return mcp.AccessLink{State: "ready", Message: "Offline access is already granted; background jobs run for you."}, nil
	}
	return mcp.AccessLink{State: "pending", URL: strings.TrimRight(a.cfg.ServerURL, "/") + "/oauth/login",
		Message: "Open the link and sign in to grant offline access (a refresh token kept encrypted on this server) for background jobs."}, nil
}

func (b authBackend) RevokeOfflineAccess(ctx context.Context) (string, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return "", err
	}
	a := b.a
	if a.offline == nil {
		return "", errors.New("offline access is not enabled on this server, so nothing is stored for you")
	}
	tok, terr := a.offline.store.Token(ctx, user)
	if terr == nil && tok.RefreshToken != "" {
		if err := oauth.RevokeRefreshToken(ctx, oauth.TokensCLI{Issuer: a.cfg.OIDCIssuer, ClientID: a.cfg.OIDCClientID, ClientSecret: a.cfg.OIDCClientSecret}, tok.RefreshToken); err != nil {
			a.log.Warn("could not revoke the refresh token at the identity provider; deleting it here", "user", user, "err", err)
		}
	}
	had, err := a.offline.store.DeleteToken(ctx, user)
	if err != nil {
		return "", err
	}
	a.offline.chain.Forget(user)
	// No more background jobs by impersonation either, until they sign in again.
	if err := a.offline.store.ForgetUser(ctx, user); err != nil {
		return "", err
	}
	msg := "Offline access was removed."
	if !had {
		msg = "No offline grant was stored for you."
	}
	if a.wipeIndex != nil {
		if err := a.wipeIndex(ctx, user); err != nil {
			return msg, fmt.Errorf("offline access removed, but wiping your search index failed: %w", err)
		}
		msg += " Your local search index was wiped."
	}
	return msg, nil
}

var _ mcp.AuthBackend = authBackend{}
