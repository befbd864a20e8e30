package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// AuthBackend answers the auth tools for the caller of ctx. The command
// wires it from the oauth and storage packages, which mcp does not import.
type AuthBackend interface {
	Status(ctx context.Context) (AuthStatus, error)
	// ProvisionAccess starts or joins Nextcloud Login Flow v2 for the caller.
	ProvisionAccess(ctx context.Context) (AccessLink, error)
	// RevokeAccess deletes the caller's app password here and at Nextcloud.
	RevokeAccess(ctx context.Context) (string, error)
	// GrantOfflineAccess returns the consent link that stores a refresh
	// token for background jobs.
	GrantOfflineAccess(ctx context.Context) (AccessLink, error)
	// RevokeOfflineAccess removes the stored grant and the caller's index.
	RevokeOfflineAccess(ctx context.Context) (string, error)
}

// AuthStatus is what the caller has granted this server.
type AuthStatus struct {
	User            string    `json:"user" jsonschema:"the caller's Nextcloud user id"`
	AuthMode        string    `json:"auth_mode" jsonschema:"basic, basic-passthrough or oauth"`
	Scopes          []string  `json:"scopes,omitempty" jsonschema:"OAuth scopes of the caller's token"`
	Upstream        string    `json:"upstream,omitempty" jsonschema:"how the server calls Nextcloud for the caller: exchange, passthrough, login-flow or basic"`
	NextcloudAccess string    `json:"nextcloud_access" jsonschema:"ready, pending (waiting for the Nextcloud login), none, or not-needed"`
	LoginURL        string    `json:"login_url,omitempty" jsonschema:"the Nextcloud login link while access is pending"`
	OfflineAccess   bool      `json:"offline_access" jsonschema:"whether a refresh token for background jobs is stored"`
	OfflineSince    time.Time `json:"offline_since,omitzero" jsonschema:"when the offline grant was stored; absent without one"`
	Index           string    `json:"index,omitempty" jsonschema:"state of the caller's local search index"`
	Notes           []string  `json:"notes,omitempty" jsonschema:"hints about what to do next"`
}

// Summary implements Summarizer.
func (s AuthStatus) Summary() string {
	parts := []string{"user " + s.User, "auth " + s.AuthMode, "Nextcloud access " + s.NextcloudAccess}
	if s.OfflineAccess {
		parts = append(parts, "offline access granted")
	}
	if s.LoginURL != "" {
		parts = append(parts, "log in at "+s.LoginURL)
	}
	return strings.Join(append(parts, s.Notes...), "; ")
}

// AccessLink is a link the user must open to grant something.
type AccessLink struct {
	State   string `json:"state" jsonschema:"ready (nothing to do), pending (open the URL) or failed"`
	URL     string `json:"url,omitempty" jsonschema:"the link the user must open in a browser"`
	Message string `json:"message" jsonschema:"what happened and what the user should do"`
	// Elicited is true when the link was shown to the user by the client
	// through an MCP URL elicitation.
	Elicited bool `json:"elicited" jsonschema:"whether the client showed the link to the user itself"`
}

// Summary implements Summarizer.
func (a AccessLink) Summary() string {
	if a.URL != "" && !a.Elicited {
		return a.Message + " Open this link in your browser: " + a.URL
	}
	return a.Message
}

type noArgs struct{}

type revokeOut struct {
	Message string `json:"message"`
}

func (r revokeOut) Summary() string { return r.Message }

// AuthToolset offers the auth tools; it is empty without a backend.
func AuthToolset(env *Env) Toolset {
	ts := Toolset{Name: "auth", Description: "What you have granted this server, and granting or revoking access"}
	if env == nil || env.Auth == nil {
		return ts
	}
	ts.Tools = []Tool{authStatus(env.Auth), authProvisionAccess(env.Auth), authRevokeAccess(env.Auth), authGrantOfflineAccess(env.Auth), authRevoke(env.Auth)}
	return ts
}

// authStatus is nc_auth_status (access status).
func authStatus(b AuthBackend) Tool {
	return NewTool(Spec{Name: "nc_auth_status", Title: "Access status", NoClient: true, Kind: Read,
		Description: "Show what you have granted this server: your user id, OAuth scopes, whether it can reach Nextcloud for you, offline access for background jobs, and your search index state."},
		func(ctx context.Context, _ *nextcloud.Client, _ noArgs) (AuthStatus, error) { return b.Status(ctx) })
}

// authProvisionAccess is nc_auth_provision_access (grant Nextcloud access).
func authProvisionAccess(b AuthBackend) Tool {
	return linkTool(Spec{Name: "nc_auth_provision_access", Title: "Grant Nextcloud access", NoClient: true, Kind: Write,
		Description: "Start Nextcloud's login flow so this server gets an app password to act for you in Nextcloud. Returns a link to open (or shows it through the client). Call nc_auth_status afterwards to check it worked."},
		b.ProvisionAccess, "Log in to Nextcloud to let this server act for you")
}

// authRevokeAccess is nc_auth_revoke_access (revoke Nextcloud access).
func authRevokeAccess(b AuthBackend) Tool {
	return revokeTool(Spec{Name: "nc_auth_revoke_access", Title: "Revoke Nextcloud access", NoClient: true, Kind: Destroy,
		Description: "Delete the app password this server holds for you, both here and at Nextcloud."},
		b.RevokeAccess)
}

// authGrantOfflineAccess is nc_auth_grant_offline_access (grant offline access).
func authGrantOfflineAccess(b AuthBackend) Tool {
	return linkTool(Spec{Name: "nc_auth_grant_offline_access", Title: "Grant offline access", NoClient: true, Kind: Write,
		Description: "Let this server keep your search index fresh while you are away: returns the consent link (or shows it through the client) that stores a refresh token for background jobs."},
		b.GrantOfflineAccess, "Grant offline access so background jobs can keep your data fresh")
}

// authRevoke is nc_auth_revoke (revoke offline access).
func authRevoke(b AuthBackend) Tool {
	return revokeTool(Spec{Name: "nc_auth_revoke", Title: "Revoke offline access", NoClient: true, Kind: Destroy,
		Description: "Remove the stored offline grant (refresh token) and wipe your local search index."},
		b.RevokeOfflineAccess)
}

// revokeTool is a tool that withdraws something and says what it did.
func revokeTool(spec Spec, revoke func(context.Context) (string, error)) Tool {
	return NewTool(spec, func(ctx context.Context, _ *nextcloud.Client, _ noArgs) (revokeOut, error) {
		msg, err := revoke(ctx)
		return revokeOut{Message: msg}, err
	})
}

// linkElicitation keys the URL elicitation in a multi round-trip result.
const linkElicitation = "open-link"

// linkTool is a tool whose result may be a link the user must open. When
// the client supports URL elicitation the tool asks it to show the link
// (as a multi round-trip input request, which mcp-go turns into an
// elicitation/create request for clients before protocol 2026-07-28),
// and finishes once the client answers; otherwise the link is in the result.
func linkTool(spec Spec, get func(context.Context) (AccessLink, error), message string) Tool {
	t := NewTool(spec, func(context.Context, *nextcloud.Client, noArgs) (AccessLink, error) { return AccessLink{}, nil })
	t.Handler = func(ctx context.Context, _ *nextcloud.Client, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		if _, err := decodeIn[noArgs](req); err != nil {
			return nil, err
		}
		l, err := get(ctx)
		if err != nil {
			return nil, err
		}
		if l.State != "pending" || l.URL == "" {
			return StructuredResult(l), nil
		}
		if res := server.ElicitationResponse(req.Params.InputResponses, linkElicitation); res != nil {
			if res.Action == mcpgo.ElicitationResponseActionAccept {
				l.Elicited = true
				l.Message += " The link was opened for the user; call nc_auth_status once they have finished."
			} else {
				l.Message += " The user did not open the link now."
			}
			return StructuredResult(l), nil
		}
		if !clientOpensURLs(ctx) {
			return StructuredResult(l), nil
		}
		var id [8]byte
		_, _ = rand.Read(id[:])
		return server.NewInputRequestBuilder("").Elicit(linkElicitation, mcpgo.ElicitationParams{
			Mode: mcpgo.ElicitationModeURL, Message: message, ElicitationID: hex.EncodeToString(id[:]), URL: l.URL,
		}).ToolResult(), nil
	}
	return t
}

// clientOpensURLs reports whether the session's client declared URL
// elicitation; unknown means no, and the link goes into the result.
func clientOpensURLs(ctx context.Context) bool {
	ci, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok {
		return false
	}
	caps := ci.GetClientCapabilities()
	return caps.Elicitation != nil && caps.Elicitation.URL != nil
}
