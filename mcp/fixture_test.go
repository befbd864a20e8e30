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
