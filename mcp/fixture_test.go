package mcp

import (
	"net/http"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// nfServer is the usual set-up of a tool test: a test Nextcloud, an MCP
// client connected in process, and a direct Nextcloud client as admin for
// seeding and checking.
func nfServer(t testing.TB, opts ...nctest.Option) (*nctest.Server, *client.Client, *nextcloud.Client) {
	t.Helper()
	nc := nctest.New(t, opts...)
	return nc, connect(t, newTestServer(t, nc), "inprocess"), nc.Client(t, "admin")
}

// nfOnFirst installs a fault hook that runs fn for the first request with
// this method only; fn's result says whether it answered the request.
func nfOnFirst(nc *nctest.Server, method string, fn func(w http.ResponseWriter, r *http.Request) bool) {
	var mu sync.Mutex
	done := false
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		first := r.Method == method && !done
		if first {
			done = true
		}
		mu.Unlock()
		return first && fn(w, r)
	})
}

// toolCall is one call of a tool, for tests that make many.
type toolCall struct {
	tool string
	args map[string]any
}

// wantAllFail makes every call and checks that each is an error result
// containing all of want.
func wantAllFail(t *testing.T, c *client.Client, calls []toolCall, want ...string) {
	t.Helper()
	for _, call := range calls {
		wantError(t, callTool(t, c, call.tool, call.args), want...)
	}
}

// badCall is a tool call that must fail with an error result naming all
// of want.
type badCall struct {
	tool string
	args map[string]any
	want []string
}

// wantBadCalls makes every call in a subtest of its own and checks its
// error result.
func wantBadCalls(t *testing.T, c *client.Client, cases []badCall) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) { wantError(t, callTool(t, c, tc.tool, tc.args), tc.want...) })
	}
}

// wantEveryToolCovered fails for each tool of names that has no case.
func wantEveryToolCovered(t *testing.T, cases []badCall, names []string) {
	t.Helper()
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.tool] = true
	}
	for _, name := range names {
		if !covered[name] {
			t.Errorf("no bad-input case for %s", name)
		}
	}
}
