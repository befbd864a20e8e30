package mcp

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type fakeAuth struct {
	revoked atomic.Int32
}

func (f *fakeAuth) Status(ctx context.Context) (AuthStatus, error) {
	return AuthStatus{User: "alice", AuthMode: "oauth", Upstream: "login-flow", NextcloudAccess: "none"}, nil
}
func (f *fakeAuth) ProvisionAccess(ctx context.Context) (AccessLink, error) {
	return AccessLink{State: "pending", URL: "https://cloud.example.com/login/v2/flow/abc", Message: "Open the link to log in to Nextcloud."}, nil
}
func (f *fakeAuth) RevokeAccess(ctx context.Context) (string, error) {
	f.revoked.Add(1)
	return "app password deleted", nil
}
func (f *fakeAuth) GrantOfflineAccess(ctx context.Context) (AccessLink, error) {
	return AccessLink{State: "ready", Message: "offline access is already granted"}, nil
}
func (f *fakeAuth) RevokeOfflineAccess(ctx context.Context) (string, error) {
	return "grant removed", nil
}

type urlElicitor struct{ got atomic.Value }

func (u *urlElicitor) Elicit(ctx context.Context, req mcpgo.ElicitationRequest) (*mcpgo.ElicitationResult, error) {
	u.got.Store(req.Params.URL)
	return &mcpgo.ElicitationResult{ElicitationResponse: mcpgo.ElicitationResponse{Action: mcpgo.ElicitationResponseActionAccept}}, nil
}

func TestAuthToolsWithoutElicitationReturnTheLink(t *testing.T) {
	nc := nctest.New(t)
	fa := &fakeAuth{}
	srv := newTestServer(t, nc, func(o *Options) { o.Toolsets = DefaultToolsets(&Env{Auth: fa}) })
	c := connect(t, srv, "http")
	var st AuthStatus
	decodeStructured(t, callTool(t, c, "nc_auth_status", map[string]any{}), &st)
	if st.User != "alice" || st.Upstream != "login-flow" {
		t.Fatalf("status %+v", st)
	}
	res := callTool(t, c, "nc_auth_provision_access", map[string]any{})
	var link AccessLink
	decodeStructured(t, res, &link)
	if link.Elicited || link.URL == "" {
		t.Fatalf("link %+v", link)
	}
	if !strings.Contains(resultText(res), "https://cloud.example.com/login/v2/flow/abc") {
		t.Fatalf("text lacks the link: %s", resultText(res))
	}
	callTool(t, c, "nc_auth_revoke_access", map[string]any{})
	if fa.revoked.Load() != 1 {
		t.Fatal("revoke not called")
	}
}

// TestAuthProvisionUsesURLElicitation: a client that declared URL
// elicitation is asked to open the link, on the protocol before
// 2026-07-28 (server-initiated elicitation/create) and on 2026-07-28
// (an input_required result the client answers on retry).
func TestAuthProvisionUsesURLElicitation(t *testing.T) {
	for _, version := range []string{"2025-11-25", mcpgo.LATEST_PROTOCOL_VERSION} {
		t.Run(version, func(t *testing.T) {
			nc := nctest.New(t)
			srv := newTestServer(t, nc, func(o *Options) { o.Toolsets = DefaultToolsets(&Env{Auth: &fakeAuth{}}) })
			ts := httptest.NewServer(srv.HTTPHandler(HTTPOptions{}))
			defer ts.Close()
			el := &urlElicitor{}
			tr, err := transport.NewStreamableHTTP(ts.URL + "/mcp")
			if err != nil {
				t.Fatal(err)
			}
			c := client.NewClient(tr, client.WithElicitationHandler(el))
			startAt(t, c, "http", version, mcpgo.ClientCapabilities{Elicitation: &mcpgo.ElicitationCapability{URL: &struct{}{}}})
			var link AccessLink
			decodeStructured(t, callTool(t, c, "nc_auth_provision_access", map[string]any{}), &link)
			if !link.Elicited {
				t.Fatalf("link not elicited: %+v", link)
			}
			if got, _ := el.got.Load().(string); got != "https://cloud.example.com/login/v2/flow/abc" {
				t.Fatalf("client was shown %q", got)
			}
		})
	}
}

// The optional backends' tools appear only with their backend.
func TestAuthToolsetAbsentWithoutBackend(t *testing.T) {
	for _, env := range []*Env{nil, {}} {
		for _, ts := range []Toolset{AuthToolset(env), IndexToolset(env), JobsToolset(env)} {
			if len(ts.Tools) != 0 {
				t.Errorf("%s tools without a backend: %d", ts.Name, len(ts.Tools))
			}
		}
	}
	with := &Env{Auth: &fakeAuth{}, Index: &fakeIndex{}, Jobs: JobsStatusFunc(nil)}
	for _, ts := range []Toolset{AuthToolset(with), IndexToolset(with), JobsToolset(with)} {
		if len(ts.Tools) == 0 {
			t.Errorf("%s toolset empty with its backend", ts.Name)
		}
	}
}
