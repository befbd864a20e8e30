package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// startPassthrough serves in basic-passthrough mode against nc; when the
// test ends it stops the server and fails if one of passwords reached the
// log.
func startPassthrough(t *testing.T, nc *nctest.Server, passwords ...string) *httpServer {
	t.Helper()
	s := startHTTP(t, []string{"--auth", "basic-passthrough"}, func(string) map[string]string {
		return map[string]string{"NEXTCLOUD_HOST": nc.URL}
	})
	t.Cleanup(func() {
		s.stop()
		for _, pw := range passwords {
			if strings.Contains(s.stderr.String(), pw) {
				t.Error("a password reached the log")
			}
		}
	})
	return s
}

// TestBasicPassthrough: each request's own Basic credentials are used for
// that request only, so two users on one server act as themselves.
func TestBasicPassthrough(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"), nctest.WithUser("bob", "bob-pass"))
	s := startPassthrough(t, nc, "alice-pass", "bob-pass")
	base := s.base
	tctx, tcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer tcancel()

	// No credentials: 401 with a Basic challenge.
	if code, hdr, _ := postJSON(t, base+"/mcp", strings.NewReader(`{}`)); code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no credentials: %d %q", code, hdr.Get("WWW-Authenticate"))
	}

	alice := s.session(tctx, "alice", basicAuth("alice", "alice-pass"))
	bob := s.session(tctx, "bob", basicAuth("bob", "bob-pass"))
	if res, text := callText(tctx, t, alice, "nc_notes_create", map[string]any{"title": "alice's secret"}); res.IsError {
		t.Fatalf("alice create: %s", text)
	}
	res, text := callText(tctx, t, bob, "nc_notes_search", map[string]any{"query": "secret"})
	if res.IsError {
		t.Fatalf("bob search: %s", text)
	}
	if strings.Contains(text, "alice's secret") {
		t.Fatal("bob sees alice's note")
	}
	if _, text := callText(tctx, t, alice, "nc_notes_search", map[string]any{"query": "secret"}); !strings.Contains(text, "alice's secret") {
		t.Fatal("alice does not find her own note")
	}
	// Wrong password: refused at initialize (TestBasicPassthroughChecksCredentials
	// looks closer).
	mallory, err := client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": basicAuth("alice", "wrong")}))
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	if err := mallory.Start(tctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.Initialize(tctx, initRequest()); err == nil {
		t.Fatal("a wrong password worked")
	}
}
