package mcp

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// TestToolsetAppIsItsSubClientsApp: a toolset's App (what --detect-apps
// reads and what its "not enabled" error names) is the app its tools'
// sub-client calls. With the app off and detection off, a tool of the
// toolset reaches the sub-client, whose own error must name the same id
// and product name.
func TestToolsetAppIsItsSubClientsApp(t *testing.T) {
	// The files toolset speaks WebDAV, not an app API: FilesApp only
	// gives its capability key.
	noSubClient := []string{"files"}

	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	checked := 0
	for _, ts := range DefaultToolsets(&Env{}) {
		if ts.App == (nextcloud.AppInfo{}) {
			continue
		}
		if slices.Contains(noSubClient, ts.Name) {
			continue
		}
		tool, ok := argFreeTool(ts)
		if !ok {
			t.Errorf("toolset %s has no tool callable without arguments to check its App with", ts.Name)
			continue
		}
		t.Run(ts.Name, func(t *testing.T) {
			nc.SetDisabled(ts.App.ID, true)
			defer nc.SetDisabled(ts.App.ID, false)
			wantError(t, callTool(t, c, tool, map[string]any{}),
				fmt.Sprintf("the Nextcloud app %q (%s) is not installed or not enabled", ts.App.ID, ts.App.Name))
		})
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d toolsets", checked)
	}
}

// argFreeTool returns the first tool of ts whose input needs no argument.
func argFreeTool(ts Toolset) (string, bool) {
	for _, tl := range ts.Tools {
		var schema struct{ Required []string }
		if json.Unmarshal(tl.Def.RawInputSchema, &schema) == nil && len(schema.Required) == 0 {
			return tl.Def.Name, true
		}
	}
	return "", false
}
