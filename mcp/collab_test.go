package mcp

// Helpers shared by the tests of the sharing, cookbook, file extras and
// users toolsets.

import (
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// collabCheckTools asserts that the client lists exactly the write/read
// split expected: every tool in names is listed with a title, an input
// schema and annotations matching its kind.
func collabCheckTools(t *testing.T, listed map[string]mcpgo.Tool, kinds map[string]Kind) {
	t.Helper()
	for name, kind := range kinds {
		tl, ok := listed[name]
		if !ok {
			t.Errorf("tool %s is not listed", name)
			continue
		}
		a := tl.Annotations
		if a.Title == "" || tl.Description == "" {
			t.Errorf("tool %s lacks a title or description", name)
		}
		if len(tl.RawInputSchema) == 0 && tl.InputSchema.Type == "" {
			t.Errorf("tool %s has no input schema", name)
		}
		checkHints(t, name, a, kind)
	}
}

// listedClient is a connected client with the tools it lists.
type listedClient struct {
	c      *client.Client
	listed map[string]mcpgo.Tool
}

// collabToolsListed checks an app's toolset over every transport (the
// tools are listed with the annotations of their kinds, then call makes
// one call showing the toolset works over it), that --read-only keeps its
// Read tools only, and that Options.Apps turns it on and off.
func collabToolsListed(t *testing.T, app string, kinds map[string]Kind, call func(t *testing.T, s listedClient)) {
	nc := nctest.New(t)
	for _, kind := range transports {
		t.Run(kind, func(t *testing.T) {
			c := connect(t, newTestServer(t, nc), kind)
			listed := listedTools(t, c)
			collabCheckTools(t, listed, kinds)
			call(t, listedClient{c: c, listed: listed})
		})
	}
	t.Run("read-only", func(t *testing.T) { collabReadOnly(t, kinds) })
	t.Run("apps", func(t *testing.T) { collabApps(t, app, kinds) })
}

// collabReadOnly asserts that --read-only keeps exactly the Read tools.
func collabReadOnly(t *testing.T, kinds map[string]Kind) {
	t.Helper()
	checkReadOnlyKinds(t, nctest.New(t), kinds)
}

func checkReadOnlyKinds(t *testing.T, nc *nctest.Server, kinds map[string]Kind) {
	t.Helper()
	c := connect(t, newTestServer(t, nc, func(o *Options) { o.ReadOnly = true }), "inprocess")
	listed := listedTools(t, c)
	for name, kind := range kinds {
		if _, ok := listed[name]; ok != (kind == Read) {
			t.Errorf("read-only server: tool %s listed = %v, want %v", name, ok, kind == Read)
		}
	}
}

// collabApps asserts that Options.Apps turns the toolset on and off.
func collabApps(t *testing.T, app string, kinds map[string]Kind) {
	t.Helper()
	checkAppsSwitch(t, nctest.New(t), app, kinds)
}

func checkAppsSwitch(t *testing.T, nc *nctest.Server, app string, kinds map[string]Kind) {
	t.Helper()
	other := "core"
	if app == "core" {
		other = "notes"
	}
	off := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{other} }), "inprocess"))
	on := listedTools(t, connect(t, newTestServer(t, nc, func(o *Options) { o.Apps = []string{app} }), "inprocess"))
	for name := range kinds {
		if _, ok := off[name]; ok {
			t.Errorf("apps=%s: tool %s should be hidden", other, name)
		}
		if _, ok := on[name]; !ok {
			t.Errorf("apps=%s: tool %s should be listed", app, name)
		}
	}
}
