package mcp

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestArgumentErrorsReadWell(t *testing.T) {
	nc := nctest.New(t)
	c := connect(t, newTestServer(t, nc), "inprocess")
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"missing", map[string]any{}, []string{"invalid arguments", "missing property", "id"}},
		{"wrong type", map[string]any{"id": "seven"}, []string{`argument "id"`, "got string, want integer"}},
		{"unknown", map[string]any{"id": 1, "colour": "red"}, []string{"colour"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := callTool(t, c, "nc_notes_get", tc.args)
			wantError(t, res, tc.want...)
			if txt := resultText(res); strings.Contains(txt, "&{") {
				t.Fatalf("message shows Go structs: %q", txt)
			}
		})
	}
}
