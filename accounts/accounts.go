// Package accounts is what the server holds for each user beyond one
// request: app passwords (login flow), offline grants, the search index
// and background jobs. It answers the auth, index and jobs tools
// (mcp.AuthBackend, mcp.IndexBackend, mcp.JobsBackend) for the signed-in
// caller, and decides whom background jobs run for.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
)

// Accounts answers the nc_auth_* tools in OAuth mode.
type Accounts struct {
	// Mode and Upstream are AUTH_MODE and NEXTCLOUD_MCP_UPSTREAM, shown
	// by nc_auth_status.
	Mode, Upstream string
	// ServerURL is this server's public URL (for /oauth/login links).
	ServerURL string
	// LoginFlow holds per-user app passwords (login-flow upstream); nil
	// otherwise.
	LoginFlow *oauth.LoginFlowManager
	// Offline is the background-access state; nil without offline access.
	Offline *Offline
}

// SignedInUser is the user id the OAuth middleware put on the request.
func SignedInUser(ctx context.Context) (string, error) {
	if u := oauth.UserIDFrom(ctx); u != "" {
		return u, nil
	}
	return "", errors.New("this request carries no signed-in user")
}

// Status answers nc_auth_status.
func (a *Accounts) Status(ctx context.Context) (mcp.AuthStatus, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return mcp.AuthStatus{}, err
	}
	st := mcp.AuthStatus{User: user, AuthMode: a.Mode, Scopes: oauth.ScopesFrom(ctx), Upstream: a.Upstream, NextcloudAccess: "not-needed"}
	if a.LoginFlow != nil {
		ps, err := a.LoginFlow.Status(ctx, user)
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
	if o := a.Offline; o != nil {
		if tok, err := o.Store.Token(ctx, user); err == nil {
			st.OfflineAccess, st.OfflineSince = true, tok.CreatedAt
		} else {
			st.Notes = append(st.Notes, "call nc_auth_grant_offline_access to let background jobs keep your search index fresh")
		}
		if o.Index != nil {
			st.Index = o.IndexState(ctx, user)
		}
	}
	return st, nil
}

// ProvisionAccess answers nc_auth_provision_access.
func (a *Accounts) ProvisionAccess(ctx context.Context) (mcp.AccessLink, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return mcp.AccessLink{}, err
	}
	if a.LoginFlow == nil {
		return mcp.AccessLink{State: "ready", Message: "This server reaches Nextcloud with your sign-in (" + a.Upstream + "); there is nothing to provision."}, nil
	}
	ps, err := a.LoginFlow.Provision(ctx, user)
	if err != nil {
		return mcp.AccessLink{State: "failed", Message: err.Error()}, err
	}
	if ps.State == "ready" {
		return mcp.AccessLink{State: "ready", Message: "This server already has Nextcloud access for you (app password of " + ps.LoginName + ")."}, nil
	}
	return mcp.AccessLink{State: "pending", URL: ps.LoginURL, Message: "Open the link, log in to Nextcloud as yourself and grant access; it expires at " + ps.Expires.UTC().Format("15:04 MST") + "."}, nil
}

// RevokeAccess answers nc_auth_revoke_access.
func (a *Accounts) RevokeAccess(ctx context.Context) (string, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return "", err
	}
	if a.LoginFlow == nil {
		return "", errors.New("this server holds no Nextcloud app password for you: it uses your sign-in token (" + a.Upstream + ")")
	}
	had, err := a.LoginFlow.Revoke(ctx, user)
	if err != nil {
		return "", err
	}
	if !had {
		return "This server held no Nextcloud app password for you; nothing to revoke.", nil
	}
	return "The app password was deleted at Nextcloud and here. Call nc_auth_provision_access to grant access again.", nil
}

// GrantOfflineAccess answers nc_auth_grant_offline_access.
func (a *Accounts) GrantOfflineAccess(ctx context.Context) (mcp.AccessLink, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return mcp.AccessLink{}, err
	}
	if a.Offline == nil {
		return mcp.AccessLink{State: "failed", Message: "offline access is not enabled on this server"}, errors.New("offline access is not enabled on this server; the operator can set ENABLE_OFFLINE_ACCESS=true with TOKEN_ENCRYPTION_KEY")
	}
	if _, err := a.Offline.Store.Token(ctx, user); err == nil {
		return mcp.AccessLink{State: "ready", Message: "Offline access is already granted; background jobs run for you."}, nil
	}
	return mcp.AccessLink{State: "pending", URL: strings.TrimRight(a.ServerURL, "/") + "/oauth/login",
		Message: "Open the link and sign in to grant offline access (a refresh token kept encrypted on this server) for background jobs."}, nil
}

// RevokeOfflineAccess answers nc_auth_revoke_offline_access: it revokes
// the refresh token at the IdP (best effort), deletes it here, stops
// impersonated jobs until the user signs in again and wipes the index.
func (a *Accounts) RevokeOfflineAccess(ctx context.Context) (string, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return "", err
	}
	o := a.Offline
	if o == nil {
		return "", errors.New("offline access is not enabled on this server, so nothing is stored for you")
	}
	tok, terr := o.Store.Token(ctx, user)
	if terr == nil && tok.RefreshToken != "" && o.IdP != nil {
		if err := o.IdP.RevokeRefreshToken(ctx, o.ClientID, o.ClientSecret, tok.RefreshToken); err != nil {
			o.log().Warn("could not revoke the refresh token at the identity provider; deleting it here", "user", user, "err", err)
		}
	}
	had, err := o.Store.DeleteToken(ctx, user)
	if err != nil {
		return "", err
	}
	if o.Chain != nil {
		o.Chain.Forget(user)
	}
	// No more background jobs by impersonation either, until they sign in again.
	if err := o.Store.ForgetUser(ctx, user); err != nil {
		return "", err
	}
	msg := "Offline access was removed."
	if !had {
		msg = "No offline grant was stored for you."
	}
	if o.Index != nil {
		if _, err := o.Index.Wipe(ctx, user); err != nil {
			return msg, fmt.Errorf("offline access removed, but wiping your search index failed: %w", err)
		}
		msg += " Your local search index was wiped."
	}
	return msg, nil
}

func (o *Offline) log() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

var _ mcp.AuthBackend = (*Accounts)(nil)
