package mcp

import (
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Helpers shared by the tests of the everyday apps (notifications, user
// status, activity, announcements, admin).

// checkAppAbsent is appMissingChecks for an everyday app: its OCS API
// lies under /ocs/v2.php/apps/<app>/, and --detect-apps reads its
// capabilities key capKey ("" when it has none, so the tools stay listed).
// The callers compare the app's store themselves.
func checkAppAbsent(t *testing.T, nc *nctest.Server, app, capKey, appName string, calls []toolCall) {
	t.Helper()
	appMissing{id: app, name: appName, capKey: capKey, prefix: "/ocs/v2.php/apps/" + app + "/"}.check(t, nc, calls)
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
	return connect(t, newTestServer(t, nc, asUser(nc, t, login)), "inprocess")
}

// idsOf gives the ids of listed items, in order.
func idsOf[T any](items []T, id func(T) int64) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}
