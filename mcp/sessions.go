package mcp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Sessions of the streamable HTTP and SSE transports are bound to the
// identity that opened them: mcp-go's default manager accepts any
// well-formed id, so without this a second user could use, listen to or
// end the first user's session.
//
// A streamable-HTTP session id is signed (HMAC-SHA256) with a key every
// replica derives from the same secret, and carries a tag of its owner:
// any replica behind a load balancer without sticky sessions verifies it
// without shared session records, and mcp-go serves a verified id it has
// not seen with a fresh per-request session (tool calls hold no session
// state). A DELETE ends the id on the replica that receives it. SSE
// sessions live in one process's stream and stay in the owners map: SSE
// needs affinity.

// sessionTracker maps live SSE session ids to the identity that opened
// them, signs and verifies streamable ids, and remembers ended ones.
type sessionTracker struct {
	mu       sync.Mutex
	owners   map[string]string
	ended    map[string]time.Time
	key      []byte
	identity func(*http.Request) string
	// Memory given back after sessions end (see returnMemory).
	endedSince int
	freeTimer  *time.Timer
	lastFree   time.Time
	free       func()
	freeDelay  time.Duration
}

// After sessions end, the memory they held is given back to the
// operating system: an idle server runs no garbage collection until the
// runtime's periodic one (2 minutes), and the pages freed are returned
// only after that. In the load test 10,000 closed sessions left 240 MiB
// resident. freeMinEnded sessions must have ended; frees are at least
// freeSpacing apart, so a steady churn of sessions costs one forced
// collection per freeSpacing.
const (
	freeMinEnded = 100
	freeSpacing  = 30 * time.Second
)

// signedPrefix starts every signed streamable-HTTP session id.
const signedPrefix = "mcp-session-"

func newSessionTracker(identity func(*http.Request) string, secret []byte) *sessionTracker {
	if identity == nil {
		identity = func(*http.Request) string { return "" }
	}
	key := make([]byte, 32)
	if len(secret) > 0 {
		h := sha256.Sum256(append([]byte("nextcloud-mcp-server session ids\x00"), secret...))
		key = h[:]
	} else {
		_, _ = rand.Read(key) // never fails (crypto/rand since Go 1.24)
	}
	return &sessionTracker{owners: map[string]string{}, ended: map[string]time.Time{}, key: key, identity: identity,
		free: debug.FreeOSMemory, freeDelay: 5 * time.Second}
}

// sessionEnded counts an ended session and arms returnMemory; t.mu held.
func (t *sessionTracker) sessionEnded() {
	t.endedSince++
	if t.freeTimer != nil {
		return
	}
	delay := max(t.freeDelay, time.Until(t.lastFree.Add(freeSpacing)))
	t.freeTimer = time.AfterFunc(delay, t.returnMemory)
}

func (t *sessionTracker) returnMemory() {
	t.mu.Lock()
	t.freeTimer = nil
	due := t.endedSince >= freeMinEnded
	if due {
		t.endedSince, t.lastFree = 0, time.Now()
	}
	t.mu.Unlock()
	if due {
		t.free()
	}
}

func (t *sessionTracker) mac(parts ...string) string {
	m := hmac.New(sha256.New, t.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// sign makes a streamable-HTTP session id for owner:
// mcp-session-<uuid>.<mac of the uuid>.<mac of the uuid and owner>.
func (t *sessionTracker) sign(owner string) string {
	u := uuid.NewString()
	return signedPrefix + u + "." + t.mac("id", u) + "." + t.mac("owner", u, owner)
}

// add records an SSE session id for owner.
func (t *sessionTracker) add(owner string) string {
	id := "mcp-session-" + uuid.NewString()
	t.mu.Lock()
	t.owners[id] = owner
	t.mu.Unlock()
	return id
}

// lookup reports whether id names a live session (known) and whether it
// belongs to who (mine).
func (t *sessionTracker) lookup(id, who string) (known, mine bool) {
	t.mu.Lock()
	o, ok := t.owners[id]
	_, gone := t.ended[id]
	t.mu.Unlock()
	if ok {
		return true, o == who
	}
	if gone {
		return false, false
	}
	parts := strings.Split(strings.TrimPrefix(id, signedPrefix), ".")
	if !strings.HasPrefix(id, signedPrefix) || len(parts) != 3 ||
		!hmac.Equal([]byte(parts[1]), []byte(t.mac("id", parts[0]))) {
		return false, false
	}
	return true, hmac.Equal([]byte(parts[2]), []byte(t.mac("owner", parts[0], who)))
}

// endedKeep is how long an ended signed id is remembered; older ones
// are pruned when another session ends.
const endedKeep = 24 * time.Hour

func (t *sessionTracker) remove(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessionEnded()
	if _, ok := t.owners[id]; ok {
		delete(t.owners, id)
		return
	}
	now := time.Now()
	for k, at := range t.ended {
		if now.Sub(at) > endedKeep {
			delete(t.ended, k)
		}
	}
	t.ended[id] = now
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

func (m boundSessions) Generate() string { return m.t.sign(m.who) }

func (m boundSessions) Validate(id string) (bool, error) {
	known, mine := m.t.lookup(id, m.who)
	if !known || (m.checked && !mine) {
		return false, errUnknownSession
	}
	return false, nil
}

func (m boundSessions) Terminate(id string) (bool, error) {
	if known, mine := m.t.lookup(id, m.who); known && (!m.checked || mine) {
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
	known, mine := t.lookup(id, t.identity(r))
	if !known {
		http.Error(w, "Not Found: the session is unknown or has ended; initialize a new session", http.StatusNotFound)
		return false
	}
	if !mine {
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

// readMessage peeks at a POST's JSON-RPC message; a body that cannot be
// read or holds a batch is answered here (false).
func readMessage(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := peekBody(r)
	if err != nil {
		http.Error(w, "Bad Request: could not read the request body", http.StatusBadRequest)
		return nil, false
	}
	return body, !refuseBatch(w, body)
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
			body, ok := readMessage(w, r)
			if !ok {
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
			if _, ok := readMessage(w, r); !ok {
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
