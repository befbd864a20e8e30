package mcp

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Helpers shared by the tests of the everyday apps (notifications, user
// status, activity, announcements, admin).

// checkAppAbsent turns app off in nc and asserts that every call says the
// one "app not enabled" wording: from the app's 404 page without
// detection, and before any request with --detect-apps, which also hides
// the tools when the app has a capabilities key (capKey).
func checkAppAbsent(t *testing.T, nc *nctest.Server, app, capKey, appName string, calls []toolCall) {
	t.Helper()
	nc.SetDisabled(app, true)
	t.Cleanup(func() { nc.SetDisabled(app, false) })
	plain := connect(t, newTestServer(t, nc), "inprocess")
	for _, call := range calls {
		wantError(t, callTool(t, plain, call.tool, call.args), `"`+app+`"`, appName, "not installed or not enabled")
	}
	if capKey == "" {
		return
	}
	srv := newTestServer(t, nc, func(o *Options) { o.DetectApps = true })
	c := connect(t, srv, "inprocess")
	listed := listedTools(t, c)
	for _, call := range calls {
		if _, ok := listed[call.tool]; ok {
			t.Errorf("--detect-apps lists %s although %s is off", call.tool, app)
		}
		wantError(t, callTool(t, c, call.tool, call.args), call.tool+" cannot work", `"`+capKey+`"`, appName, "not installed or not enabled")
	}
}

// toolScopes gives each tool its scope: app:read for Read tools, app:write
// for the others.
func toolScopes(app string, kinds map[string]Kind) map[string]string {
	scopes := map[string]string{}
	for n, k := range kinds {
		scopes[n] = app + ":write"
		if k == Read {
			scopes[n] = app + ":read"
		}
	}
	return scopes
}

// connectAs connects an MCP client to a server acting as login.
func connectAs(t *testing.T, nc *nctest.Server, login string) *client.Client {
	t.Helper()
	nco := nc.Client(t, login)
	return connect(t, newTestServer(t, nc, func(o *Options) {
		o.Client = func(context.Context) (*nextcloud.Client, error) { return nco, nil }
	}), "inprocess")
}

// idsOf gives the ids of listed items, in order.
func idsOf[T any](items []T, id func(T) int64) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}
