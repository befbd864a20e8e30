package mcp

import (
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// checkListedTools asserts that each of names is listed with a title, a
// description, annotations and both schemas, and that read(name) decides
// both its readOnlyHint and its scope (readScope, else writeScope).
func checkListedTools(t *testing.T, srv *Server, tools map[string]mcpgo.Tool, names []string, read func(string) bool, readScope, writeScope string) {
	t.Helper()
	for _, name := range names {
		tool, ok := tools[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		if tool.Annotations.Title == "" || tool.Annotations.ReadOnlyHint == nil || tool.Description == "" || tool.InputSchema.Type != "object" || len(toolNamed(t, name).OutputSchema()) == 0 {
			t.Errorf("%s lacks title, description, annotations or schemas", name)
			continue
		}
		r := read(name)
		want := map[bool]string{true: readScope, false: writeScope}[r]
		if st, _ := srv.Tool(name); st.Scope != want || *tool.Annotations.ReadOnlyHint != r {
			t.Errorf("%s: scope %q readOnlyHint %v, want %q and %v", name, st.Scope, *tool.Annotations.ReadOnlyHint, want, r)
		}
	}
}

// overFreshServers runs f as a subtest per transport kind, with a client
// connected over it to a fresh server from serve (overTransports shares one).
func overFreshServers(t *testing.T, kinds []string, serve func(t *testing.T) *Server, f func(t *testing.T, kind string, c *client.Client)) {
	t.Helper()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { f(t, kind, connect(t, serve(t), kind)) })
	}
}
