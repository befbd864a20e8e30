package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/google/uuid"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Sessions of the streamable HTTP and SSE transports are bound to the
// identity that opened them: mcp-go's default manager accepts any
// well-formed id, so without this a second user could use, listen to or
// end the first user's session.

// sessionTracker maps live session ids to the identity that opened them.
type sessionTracker struct {
	mu       sync.Mutex
	owners   map[string]string
	identity func(*http.Request) string
}

func newSessionTracker(identity func(*http.Request) string) *sessionTracker {
	if identity == nil {
		identity = func(*http.Request) string { return "" }
	}
	return &sessionTracker{owners: map[string]string{}, identity: identity}
}

func (t *sessionTracker) add(owner string) string {
	id := "mcp-session-" + uuid.NewString()
	t.mu.Lock()
	t.owners[id] = owner
	t.mu.Unlock()
	return id
}

func (t *sessionTracker) owner(id string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.owners[id]
	return o, ok
}

func (t *sessionTracker) remove(id string) {
	t.mu.Lock()
	delete(t.owners, id)
	t.mu.Unlock()
}

// ResolveSessionIdManager implements server.SessionIdManagerResolver; r is
// nil for the idle-session sweeper.
func (t *sessionTracker) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	m := boundSessions{t: t}
	if r != nil {
		m.who, m.checked = t.identity(r), true
	}
	return m
}

// boundSessions is the session-id manager for one request's identity.
type boundSessions struct {
	t       *sessionTracker
	who     string
	checked bool
}

var errUnknownSession = errors.New("unknown or ended session")

func (m boundSessions) Generate() string { return m.t.add(m.who) }

func (m boundSessions) Validate(id string) (bool, error) {
	o, ok := m.t.owner(id)
	if !ok || (m.checked && o != m.who) {
		return false, errUnknownSession
	}
	return false, nil
}

func (m boundSessions) Terminate(id string) (bool, error) {
	if o, ok := m.t.owner(id); ok && (!m.checked || o == m.who) {
		m.t.remove(id)
	}
	return false, nil
}

// checkSession answers 400, 404 or 403 and returns false unless id names a
// live session of the caller.
func (t *sessionTracker) checkSession(w http.ResponseWriter, r *http.Request, id, how string) bool {
	if id == "" {
		http.Error(w, "Bad Request: "+how+" is missing; send initialize first and use the session id it returns", http.StatusBadRequest)
		return false
	}
	owner, ok := t.owner(id)
	if !ok {
		http.Error(w, "Not Found: the session is unknown or has ended; initialize a new session", http.StatusNotFound)
		return false
	}
	if owner != t.identity(r) {
		http.Error(w, "Forbidden: the session belongs to another user; initialize your own session", http.StatusForbidden)
		return false
	}
	return true
}

// peekBody reads a POST body and puts it back for the next handler.
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// refuseBatch answers a JSON-RPC batch with a clear error; MCP dropped
// batching in protocol 2025-06-18 and mcp-go would call it "not valid json".
func refuseBatch(w http.ResponseWriter, body []byte) bool {
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) == 0 || b[0] != '[' {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(mcpgo.JSONRPCError{JSONRPC: mcpgo.JSONRPC_VERSION, Error: mcpgo.NewJSONRPCErrorDetails(mcpgo.INVALID_REQUEST,
		"JSON-RPC batches are not supported (MCP removed them in protocol 2025-06-18); send each request in its own POST", nil)})
	return true
}

// streamableSessions guards /mcp: every request but initialize must name
// a live session of the caller. Requests of protocol 2026-07-28, which
// has no sessions, pass unchecked.
func (t *sessionTracker) streamableSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mcpgo.IsModernProtocol(r.Header.Get(mcpgo.HeaderProtocolVersion)) {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(server.HeaderKeySessionID)
		switch r.Method {
		case http.MethodPost:
			body, err := peekBody(r)
			if err != nil {
				http.Error(w, "Bad Request: could not read the request body", http.StatusBadRequest)
				return
			}
			if refuseBatch(w, body) {
				return
			}
			var msg struct {
				Method string `json:"method"`
				Params struct {
					Meta *mcpgo.Meta `json:"_meta"`
				} `json:"params"`
			}
			if err := json.Unmarshal(body, &msg); err != nil || msg.Method == string(mcpgo.MethodInitialize) || mcpgo.IsModernProtocol(msg.Params.Meta.ProtocolVersion()) {
				// A new session, a sessionless request mcp-go checks itself,
				// or not JSON at all (mcp-go answers a parse error, touching
				// no session).
				next.ServeHTTP(w, r)
				return
			}
			if !t.checkSession(w, r, id, "the Mcp-Session-Id header") {
				return
			}
		case http.MethodGet, http.MethodDelete:
			if !t.checkSession(w, r, id, "the Mcp-Session-Id header") {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type sseSessionsKey struct{}

// sseSessionID gives SSE sessions tracked ids bound to the caller; the
// ids of one GET /sse are recorded in its context and dropped when the
// stream ends.
func (t *sessionTracker) sseSessionID(ctx context.Context, r *http.Request) (string, error) {
	id := t.add(t.identity(r))
	if ids, ok := ctx.Value(sseSessionsKey{}).(*[]string); ok {
		*ids = append(*ids, id)
	}
	return id, nil
}

// sseSessions guards /sse and /message: a message must name a live
// session of the caller.
func (t *sessionTracker) sseSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if !t.checkSession(w, r, r.URL.Query().Get("sessionId"), "the sessionId query parameter") {
				return
			}
			body, err := peekBody(r)
			if err != nil {
				http.Error(w, "Bad Request: could not read the request body", http.StatusBadRequest)
				return
			}
			if refuseBatch(w, body) {
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		var ids []string
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sseSessionsKey{}, &ids)))
		for _, id := range ids {
			t.remove(id)
		}
	})
}
