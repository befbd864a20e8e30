package e2ekc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// mcpClientRedirect is a redirect URI the realm allows for the public
// MCP client (the MCP Inspector's); the login stops there with the code.
const mcpClientRedirect = "http://127.0.0.1:6274/oauth/callback"

// (a) A user logs in with code + PKCE through Keycloak's login form; an MCP
// client over streamable HTTP sees the tools its granted scopes allow, and
// its calls reach Nextcloud as that user with a token Nextcloud verified
// against Keycloak's JWKS with aud nextcloud. Checked through userinfo
// instead, the exchanged token is refused (no openid scope).
func TestLoginCodePKCEToolsReachNextcloudAsTheUser(t *testing.T) {
	kc := kctest.Start(t)
	for _, mode := range []struct {
		name string
		v    Verify
	}{{"jwks", VerifyJWKS}, {"userinfo", VerifyUserinfo}} {
		t.Run(mode.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			nc, bc := newNextcloud(t, kc, mode.v)
			for _, u := range []string{"alice", "bob"} {
				if _, err := nc.Client(t, u).Notes().Create(ctx, nextcloud.NoteInput{Title: new("note of " + u), Content: new("x")}); err != nil {
					t.Fatal(err)
				}
			}
			srv := startServer(t, oauthEnv(kc, nc))

			tok, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID, RedirectURI: mcpClientRedirect,
				Username: "alice", Scopes: []string{"openid", "notes:read"}})
			if err != nil {
				t.Fatal(err)
			}
			c := srv.mustSession(ctx, t, tok.AccessToken)
			tools, err := c.ListTools(ctx, mcpListTools())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, td := range tools.Tools {
				names = append(names, td.Name)
			}
			if !slices.Contains(names, "nc_notes_list") || slices.Contains(names, "nc_notes_create") || slices.Contains(names, "nc_files_list") {
				t.Fatalf("with notes:read granted, tools listed: %v", names)
			}

			res, err := callTool(ctx, c, "nc_notes_list", map[string]any{})
			if mode.v == VerifyUserinfo {
				// What a user_oidc checking bearer tokens through userinfo
				// does with them: Keycloak's exchanged token carries no
				// openid scope, so userinfo refuses it and Nextcloud answers
				// 401; the server passes that on as a tool error.
				if err != nil || !res.IsError || !strings.Contains(testutil.ResultText(res), "401") {
					t.Fatalf("nc_notes_list with userinfo validation: %v %s", err, testutil.ResultText(res))
				}
				seen := bc.Seen()
				if len(seen) == 0 || seen[0].OK || !strings.Contains(seen[0].Reason, "Missing openid scope") {
					t.Fatalf("Nextcloud's userinfo check: %+v", seen)
				}
				return
			}
			if err != nil || res.IsError {
				t.Fatalf("nc_notes_list: %v %s\nNextcloud's checks: %+v\n%s", err, testutil.ResultText(res), bc.Seen(), srv.Log())
			}
			if txt := testutil.ResultText(res); !strings.Contains(txt, "note of alice") || strings.Contains(txt, "note of bob") {
				t.Fatalf("alice's notes list: %s", txt)
			}
			// Nextcloud saw alice's token as issued by the exchange to
			// mcp-server, never the MCP client's own token.
			seen := bc.Seen()
			if len(seen) == 0 {
				t.Fatal("Nextcloud checked no bearer token")
			}
			for _, s := range seen {
				if !s.OK || s.User != "alice" {
					t.Fatalf("Nextcloud's bearer check: %+v", s)
				}
				if mode.v == VerifyJWKS && s.AZP != kc.ServerClientID {
					t.Fatalf("token given to Nextcloud was issued to %q, want the exchanged one (azp %s)", s.AZP, kc.ServerClientID)
				}
			}

			// A tool outside the granted scopes is refused by the server.
			res, err = callTool(ctx, c, "nc_notes_create", map[string]any{"title": "not allowed"})
			if err == nil && !res.IsError {
				t.Fatal("nc_notes_create succeeded with notes:read only")
			}
			if notes, err := nc.Client(t, "alice").Notes().All(ctx, nextcloud.NotesListOptions{}); err != nil || len(notes) != 1 {
				t.Fatalf("alice's notes after the refused create: %d %v", len(notes), err)
			}
		})
	}
}
