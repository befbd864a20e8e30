package mcp

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Helpers shared by the Bookmarks, Polls, Forms and Teams tests.

// asUser makes newTestServer act as the test Nextcloud's user login.
func asUser(nc *nctest.Server, t *testing.T, login string) func(*Options) {
	c := nc.Client(t, login)
	return func(o *Options) { o.Client = func(context.Context) (*nextcloud.Client, error) { return c, nil } }
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// othersUnchanged checks that only the ids in changed differ between the
// stores before and after.
func othersUnchanged[K comparable, V any](t *testing.T, before, after map[K]V, changed ...K) {
	t.Helper()
	for id, b := range before {
		if slices.Contains(changed, id) {
			continue
		}
		if a, ok := after[id]; !ok || !reflect.DeepEqual(a, b) {
			t.Errorf("record %v changed: %+v -> %+v", id, b, a)
		}
	}
	for id := range after {
		if _, ok := before[id]; !ok && !slices.Contains(changed, id) {
			t.Errorf("record %v appeared", id)
		}
	}
}

// appMissingChecks runs every call while the app's API fails (500), then
// with the app off: each call says the one "app not enabled" wording, and
// with app detection the tools are hidden (and listed while the app is
// on). state reads the app's store, which none of it may change.
func appMissingChecks(t *testing.T, nc *nctest.Server, appID, appName, prefix string, calls []toolCall, state func() any) {
	t.Helper()
	appMissing{id: appID, name: appName, capKey: appID, prefix: prefix, state: state}.check(t, nc, calls)
}

// appMissing is an app as the "app missing" checks see it.
type appMissing struct {
	id, name string
	capKey   string     // the capabilities key --detect-apps reads; "" when the app has none
	prefix   string     // the path prefix of the app's API
	state    func() any // reads the app's store; nil when the caller checks it
}

func (a appMissing) check(t *testing.T, nc *nctest.Server, calls []toolCall) {
	t.Helper()
	detecting := func() map[string]bool {
		names := map[string]bool{}
		for n := range listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.DetectApps = true }), "inprocess")) {
			names[n] = true
		}
		return names
	}
	if a.capKey != "" {
		on := detecting()
		for _, call := range calls {
			if !on[call.tool] {
				t.Errorf("%s hidden although %s is on", call.tool, a.name)
			}
		}
	}
	var before any
	if a.state != nil {
		before = a.state()
	}
	fail := commsFault(nc, a.prefix, commsFail500)
	c := connect(t, newTestServer(t, nc), "inprocess")
	fail.Store(true)
	for _, call := range calls {
		wantError(t, callTool(t, c, call.tool, call.args), "500", "Nextcloud failed internally")
	}
	fail.Store(false)
	nc.SetDisabled(a.id, true)
	defer nc.SetDisabled(a.id, false)
	for _, call := range calls {
		wantError(t, callTool(t, c, call.tool, call.args), `"`+a.id+`"`, a.name, "not installed or not enabled")
	}
	if a.capKey != "" {
		off := detecting()
		dc := connect(t, newTestServer(t, nc, func(o *Options) { o.DetectApps = true }), "inprocess")
		for _, call := range calls {
			if off[call.tool] {
				t.Errorf("%s listed although %s is off", call.tool, a.name)
			}
			wantError(t, callTool(t, dc, call.tool, call.args), call.tool+" cannot work", `app "`+a.capKey+`" (`+a.name+`) is not installed or not enabled`)
		}
	}
	if a.state == nil {
		return
	}
	if after := a.state(); !reflect.DeepEqual(before, after) {
		t.Errorf("%s data changed while its API failed or was off:\n%+v\n%+v", a.name, before, after)
	}
}
