package basicauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// The middleware lets through only credentials Nextcloud accepts, hands
// them to the request's tool calls, and refuses an address after too many
// wrong logins without asking Nextcloud.
func TestPassthroughMiddleware(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"))
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	p := New(base, nil)
	var who string
	var clientErr error
	h := p.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who = p.Identity(r)
		ctx := p.Context(r.Context(), r)
		var c *nextcloud.Client
		c, clientErr = p.ClientFor(ctx)
		if clientErr == nil {
			_, clientErr = c.CurrentUser(ctx)
		}
	}))
	do := func(user, pass string) int {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.RemoteAddr = "192.0.2.1:1234"
		if user != "" {
			r.SetBasicAuth(user, pass)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := do("", ""); code != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", code)
	}
	if code := do("alice", "alice-pass"); code != http.StatusOK || who != "alice" || clientErr != nil {
		t.Fatalf("good credentials: %d, identity %q, client %v", code, who, clientErr)
	}
	for i := range passthroughMaxFails {
		if code := do("alice", "wrong"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	if code := do("alice", "wrong"); code != http.StatusTooManyRequests {
		t.Fatalf("wrong password beyond the limit: %d, want 429", code)
	}
	// Remembered good credentials still work from that address.
	if code := do("alice", "alice-pass"); code != http.StatusOK {
		t.Fatalf("good credentials after the limit: %d", code)
	}
	if _, err := p.ClientFor(context.Background()); err == nil {
		t.Fatal("a client without credentials")
	}
}
