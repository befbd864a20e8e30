package mcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// sessionServer serves srv over HTTP with the caller named by the X-User
// header, standing in for the authentication middleware.
func sessionServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := newTestServer(t, nctest.New(t))
	tr := srv.HTTPHandler(HTTPOptions{Auth: headerAuth{}})
	ts := httptest.NewServer(tr)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()); ts.Close() })
	return ts
}

// aliceSession opens a session as alice at url, over SSE when kind is
// "sse" and streamable HTTP otherwise, with the last protocol revision
// that has sessions; it returns the client and the session id.
func aliceSession(t *testing.T, kind, url string) (*client.Client, string) {
	t.Helper()
	header := map[string]string{"X-User": "alice"}
	var c *client.Client
	var err error
	if kind == "sse" {
		c, err = client.NewSSEMCPClient(url, client.WithHeaders(header))
	} else {
		c, err = client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(header))
	}
	if err != nil {
		t.Fatal(err)
	}
	startAt(t, c, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	return c, sessionOf(t, c)
}

// sessionOf is the session id c's transport uses.
func sessionOf(t *testing.T, c *client.Client) string {
	t.Helper()
	if sse, ok := c.GetTransport().(*transport.SSE); ok {
		if id := sse.GetEndpoint().Query().Get("sessionId"); id != "" {
			return id
		}
	} else if id := c.GetSessionId(); id != "" {
		return id
	}
	t.Fatal("no session id after initialize")
	return ""
}

func rawRequest(t *testing.T, method, url, user, session, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set(mcpgo.HeaderProtocolVersion, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

const listTools = `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`

// TestStreamableSessionsBoundToUser: over streamable HTTP (a real mcp-go
// client for the owner, raw requests for the others) a session serves
// only the user who opened it, unknown ids get 404, a missing header 400,
// and DELETE really ends it (issue 15, item 4).
func TestStreamableSessionsBoundToUser(t *testing.T) {
	ts := sessionServer(t)
	alice, sid := aliceSession(t, "http", ts.URL+"/mcp")
	mcpURL := ts.URL + "/mcp"

	for _, tc := range []struct {
		name, method, user, session, body string
		want                              int
		wantText                          string
	}{
		{"no session header", http.MethodPost, "alice", "", listTools, 400, "Mcp-Session-Id"},
		{"made-up session", http.MethodPost, "alice", "mcp-session-" + uuid.NewString(), listTools, 404, "unknown or has ended"},
		{"another user's session", http.MethodPost, "bob", sid, listTools, 403, "another user"},
		{"another user's GET stream", http.MethodGet, "bob", sid, "", 403, "another user"},
		{"GET without session", http.MethodGet, "bob", "", "", 400, "Mcp-Session-Id"},
		{"another user's DELETE", http.MethodDelete, "bob", sid, "", 403, "another user"},
		{"batch", http.MethodPost, "alice", sid, "[" + listTools + "]", 400, "batches are not supported"},
		// Odd params slip past the front check; the session-id manager
		// still refuses another user's session.
		{"another user's session, odd params", http.MethodPost, "bob", sid, `{"jsonrpc":"2.0","id":9,"method":"tools/list","params":5}`, 404, "Invalid session ID"},
	} {
		code, body := rawRequest(t, tc.method, mcpURL, tc.user, tc.session, tc.body)
		if code != tc.want || !strings.Contains(body, tc.wantText) {
			t.Errorf("%s: %d %.200q; want %d with %q", tc.name, code, body, tc.want, tc.wantText)
		}
	}
	// The owner's session still works after all that.
	if res := callTool(t, alice, "nc_notes_list", map[string]any{}); res.IsError {
		t.Fatalf("alice's own call: %s", resultText(res))
	}
	if code, body := rawRequest(t, http.MethodPost, mcpURL, "alice", sid, listTools); code != 200 {
		t.Fatalf("alice's raw tools/list: %d %s", code, body)
	}
	// DELETE by the owner ends the session for good.
	if code, body := rawRequest(t, http.MethodDelete, mcpURL, "alice", sid, ""); code != 200 {
		t.Fatalf("alice's DELETE: %d %s", code, body)
	}
	if code, body := rawRequest(t, http.MethodPost, mcpURL, "alice", sid, listTools); code != 404 {
		t.Fatalf("tools/list after DELETE: %d %.200s; want 404", code, body)
	}
}

// TestSSESessionsBoundToUser: over SSE a POST to another user's sessionId
// is refused, so its result cannot land on the victim's stream.
func TestSSESessionsBoundToUser(t *testing.T) {
	ts := sessionServer(t)
	alice, sid := aliceSession(t, "sse", ts.URL+"/sse")
	for _, tc := range []struct {
		name, user, query, body string
		want                    int
		wantText                string
	}{
		{"another user's session", "bob", "?sessionId=" + sid, listTools, 403, "another user"},
		{"unknown session", "bob", "?sessionId=" + uuid.NewString(), listTools, 404, "unknown or has ended"},
		{"missing session", "alice", "", listTools, 400, "sessionId"},
		{"batch", "alice", "?sessionId=" + sid, "[" + listTools + "]", 400, "batches are not supported"},
	} {
		code, body := rawRequest(t, http.MethodPost, ts.URL+"/message"+tc.query, tc.user, "", tc.body)
		if code != tc.want || !strings.Contains(body, tc.wantText) {
			t.Errorf("%s: %d %.200q; want %d with %q", tc.name, code, body, tc.want, tc.wantText)
		}
	}
	if res := callTool(t, alice, "nc_notes_list", map[string]any{}); res.IsError {
		t.Fatalf("alice's own call: %s", resultText(res))
	}
	if code, _ := rawRequest(t, http.MethodPost, ts.URL+"/message?sessionId="+sid, "alice", "", `{"jsonrpc":"2.0","id":3,"method":"ping"}`); code != http.StatusAccepted {
		t.Fatalf("alice's own raw message: %d", code)
	}
	// When the stream ends, its id is forgotten.
	_ = alice.Close()
	var code int
	forgotten := eventually(func() bool {
		code, _ = rawRequest(t, http.MethodPost, ts.URL+"/message?sessionId="+sid, "alice", "", listTools)
		return code == 404
	})
	if !forgotten {
		t.Fatalf("session still accepted after its stream closed: %d", code)
	}
}

// headerAuth lets every request in as the user its X-User header names.
type headerAuth struct{}

func (headerAuth) Middleware(next http.Handler) http.Handler                    { return next }
func (headerAuth) Identity(r *http.Request) string                              { return r.Header.Get("X-User") }
func (headerAuth) Context(ctx context.Context, _ *http.Request) context.Context { return ctx }

// TestStreamableSessionsOnAnyReplica: replicas given the same session
// secret serve each other's sessions (a load balancer without affinity),
// still bound to their owner; a replica with another secret does not
// know them, nor does one after a DELETE it received.
func TestStreamableSessionsOnAnyReplica(t *testing.T) {
	nc := nctest.New(t)
	replica := func(secret string) string {
		srv := newTestServer(t, nc)
		tr := srv.HTTPHandler(HTTPOptions{Auth: headerAuth{}, SessionSecret: []byte(secret)})
		ts := httptest.NewServer(tr)
		t.Cleanup(func() { _ = tr.Shutdown(context.Background()); ts.Close() })
		return ts.URL + "/mcp"
	}
	a, b, other := replica("shared-key"), replica("shared-key"), replica("another-key")
	_, sid := aliceSession(t, "http", a)
	for _, tc := range []struct {
		name, url, method, user string
		want                    int
		wantText                string
	}{
		{"owner on the other replica", b, http.MethodPost, "alice", 200, `"tools"`},
		{"another user on the other replica", b, http.MethodPost, "bob", 403, "another user"},
		{"replica with another secret", other, http.MethodPost, "alice", 404, "unknown or has ended"},
		{"forged signature", b, http.MethodPost, "alice", 404, "unknown or has ended"},
		{"owner ends it on the other replica", b, http.MethodDelete, "alice", 200, ""},
		{"ended on that replica", b, http.MethodPost, "alice", 404, "unknown or has ended"},
	} {
		id := sid
		if tc.name == "forged signature" {
			i := strings.LastIndex(sid, ".")
			id = sid[:i-3] + "AAA" + sid[i:]
		}
		body := listTools
		if tc.method != http.MethodPost {
			body = ""
		}
		code, got := rawRequest(t, tc.method, tc.url, tc.user, id, body)
		if code != tc.want || !strings.Contains(got, tc.wantText) {
			t.Errorf("%s: %d %.200q; want %d with %q", tc.name, code, got, tc.want, tc.wantText)
		}
	}
}

// Memory goes back to the OS once enough sessions have ended, in one
// free for a burst of ends, and not for a few.
func TestSessionEndsReturnMemory(t *testing.T) {
	tr := newSessionTracker(nil, nil)
	frees := make(chan struct{}, 10)
	tr.mu.Lock()
	tr.free, tr.freeDelay = func() { frees <- struct{}{} }, time.Millisecond
	tr.mu.Unlock()
	for range freeMinEnded - 1 {
		tr.remove(tr.sign(""))
	}
	select {
	case <-frees:
		t.Fatalf("memory freed after %d ended sessions", freeMinEnded-1)
	case <-time.After(100 * time.Millisecond):
	}
	tr.remove(tr.sign(""))
	select {
	case <-frees:
	case <-time.After(10 * time.Second):
		t.Fatalf("memory not freed after %d ended sessions", freeMinEnded)
	}
	// The next burst waits for freeSpacing after the last free.
	for range freeMinEnded {
		tr.remove(tr.sign(""))
	}
	tr.mu.Lock()
	armed, last := tr.freeTimer != nil, tr.lastFree
	tr.mu.Unlock()
	if !armed || time.Since(last) > time.Second {
		t.Fatalf("second burst: timer armed %v, last free %s ago", armed, time.Since(last))
	}
	select {
	case <-frees:
		t.Fatal("freed again within freeSpacing")
	case <-time.After(100 * time.Millisecond):
	}
}
