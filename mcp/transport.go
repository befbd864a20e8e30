package mcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves MCP over in/out until ctx ends or in closes. ctxFunc
// may add the caller's identity to every request context.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer, ctxFunc func(context.Context) context.Context) error {
	st := server.NewStdioServer(s.mcp)
	st.SetErrorLogger(slog.NewLogLogger(s.log.Handler(), slog.LevelError))
	if ctxFunc != nil {
		st.SetContextFunc(ctxFunc)
	}
	return st.Listen(ctx, in, out)
}

// HTTPOptions configure the HTTP transports.
type HTTPOptions struct {
	// AllowedHosts are Host header values accepted besides loopback names
	// ("mcp.example.com" or "mcp.example.com:8443"; "*" allows any).
	AllowedHosts []string
	// AllowedOrigins are browser Origins accepted besides loopback ones
	// ("https://app.example.com"; "*" allows any).
	AllowedOrigins []string
	// Auth authenticates the MCP endpoints (bearer or basic); nil lets
	// every request in and binds every session to one anonymous identity
	// (single-user basic mode).
	Auth Authenticator
	// SessionIdleTTL ends idle streamable HTTP sessions (default 30m).
	SessionIdleTTL time.Duration
	// SessionSecret signs streamable-HTTP session ids; replicas given the
	// same secret accept each other's sessions. Empty: a random key, so
	// only this process accepts them.
	SessionSecret []byte
}

// Authenticator authenticates requests to the MCP endpoints.
type Authenticator interface {
	// Middleware refuses requests without valid credentials and records
	// the caller on the request's context.
	Middleware(next http.Handler) http.Handler
	// Identity names the authenticated caller of r (Middleware has run);
	// a session only serves the identity that opened it.
	Identity(r *http.Request) string
	// Context carries what tool calls need of the caller of r into ctx,
	// the MCP request's context.
	Context(ctx context.Context, r *http.Request) context.Context
}

// HTTPTransport serves streamable HTTP at /mcp and SSE at /sse + /message.
type HTTPTransport struct {
	handler    http.Handler
	streamable *server.StreamableHTTPServer
	sse        *server.SSEServer
}

// ServeHTTP implements http.Handler.
func (h *HTTPTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// Shutdown closes all sessions and stops the idle-session sweeper.
func (h *HTTPTransport) Shutdown(ctx context.Context) error {
	h.sse.CloseSessions()
	return h.streamable.Shutdown(ctx)
}

// HTTPHandler returns the HTTP transports for this server.
func (s *Server) HTTPHandler(o HTTPOptions) *HTTPTransport {
	ctxFunc := func(ctx context.Context, r *http.Request) context.Context {
		if o.Auth != nil {
			return o.Auth.Context(ctx, r)
		}
		return ctx
	}
	if o.SessionIdleTTL <= 0 {
		o.SessionIdleTTL = 30 * time.Minute
	}
	var identity func(*http.Request) string
	if o.Auth != nil {
		identity = o.Auth.Identity
	}
	sessions := newSessionTracker(identity, o.SessionSecret)
	streamable := server.NewStreamableHTTPServer(s.mcp,
		server.WithEndpointPath("/mcp"),
		server.WithSessionIdManagerResolver(sessions),
		server.WithHTTPContextFunc(ctxFunc),
		server.WithDisableLocalhostProtection(true), // guard below is configurable
		server.WithSessionIdleTTL(o.SessionIdleTTL),
		server.WithStreamableHTTPLogger(s.log),
	)
	sse := server.NewSSEServer(s.mcp,
		server.WithSSEEndpoint("/sse"),
		server.WithMessageEndpoint("/message"),
		server.WithSSEContextFunc(ctxFunc),
		server.WithSSEDisableLocalhostProtection(true),
		server.WithKeepAliveInterval(25*time.Second),
		server.WithSessionIDGenerator(sessions.sseSessionID),
	)
	mux := http.NewServeMux()
	mux.Handle("/mcp", sessions.streamableSessions(streamable))
	mux.Handle("/sse", sessions.sseSessions(sse))
	mux.Handle("/message", sessions.sseSessions(sse))
	var h http.Handler = mux
	if o.Auth != nil {
		h = o.Auth.Middleware(h)
	}
	return &HTTPTransport{
		handler:    OriginGuard(o.AllowedHosts, o.AllowedOrigins, s.log, h),
		streamable: streamable,
		sse:        sse,
	}
}

// OriginGuard rejects requests whose Host or Origin is not allowed, which
// stops DNS-rebinding attacks on a server listening on loopback.
func OriginGuard(allowedHosts, allowedOrigins []string, logger *slog.Logger, next http.Handler) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, allowedHosts) {
			logger.Warn("rejected request with unexpected Host header", "host", r.Host)
			http.Error(w, "Forbidden: Host "+r.Host+" is not allowed; add it to NEXTCLOUD_MCP_ALLOWED_HOSTS", http.StatusForbidden)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, allowedOrigins) {
			logger.Warn("rejected request with unexpected Origin", "origin", origin)
			http.Error(w, "Forbidden: Origin "+origin+" is not allowed; add it to NEXTCLOUD_MCP_ALLOWED_ORIGINS", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isLoopbackName(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hostAllowed(hostport string, allowed []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if isLoopbackName(host) {
		return true
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "*" || a == strings.ToLower(hostport) || a == strings.ToLower(host) {
			return true
		}
	}
	return false
}

func originAllowed(origin string, allowed []string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if isLoopbackName(u.Hostname()) {
		return true
	}
	norm := strings.ToLower(u.Scheme + "://" + u.Host)
	return slices.ContainsFunc(allowed, func(a string) bool {
		a = strings.ToLower(strings.TrimRight(strings.TrimSpace(a), "/"))
		return a == "*" || a == norm
	})
}

// DefaultMaxRequestBytes is the request body cap when none is configured.
const DefaultMaxRequestBytes = 16 << 20

// LimitBody answers 413 to a request whose body is larger than max, before
// any later handler (credential checks included) reads it. A body of
// unknown length is read up to max+1 bytes here, so no handler ever holds
// more than max bytes of it.
func LimitBody(maxBytes int64, next http.Handler) http.Handler {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRequestBytes
	}
	tooLarge := func(w http.ResponseWriter) {
		w.Header().Set("Connection", "close")
		http.Error(w, fmt.Sprintf("Request Entity Too Large: the body exceeds %d bytes (NEXTCLOUD_MCP_MAX_REQUEST_BYTES); send less per request", maxBytes), http.StatusRequestEntityTooLarge)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			tooLarge(w)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					tooLarge(w)
					return
				}
				http.Error(w, "Bad Request: could not read the request body", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}
		next.ServeHTTP(w, r)
	})
}
