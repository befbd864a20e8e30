package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// AuthError is a refused request: 401 invalid_token / invalid_request or
// 403 insufficient_scope. Description goes to the client.
type AuthError struct {
	Status      int
	Code        string
	Description string
	// Scope is the scope (space-separated) that would be enough.
	Scope string
}

func (e *AuthError) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Middleware requires a valid bearer token on every request and puts the
// caller's Identity in the request context. Without a token it answers 401
// with a WWW-Authenticate challenge naming the protected-resource metadata
// and the supported scopes; with a refused one 401 error="invalid_token";
// while the IdP has not been discovered, or cannot be asked, 503.
func (rs *ResourceServer) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			// CORS preflights carry no credentials by design; they run nothing.
			next.ServeHTTP(w, r)
			return
		}
		id, err := rs.Authenticate(r)
		if err != nil {
			rs.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

// RequireScope wraps next so that callers without scope get 403
// insufficient_scope (step-up); use inside Middleware.
func (rs *ResourceServer) RequireScope(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			rs.refuse(w, r, ErrNoToken)
			return
		}
		if !id.HasScope(scope) {
			rs.refuse(w, r, &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope",
				Description: "this request needs the scope " + NormalizeScope(scope), Scope: NormalizeScope(scope)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse writes the answer for an Authenticate error.
func (rs *ResourceServer) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var ae *AuthError
	var rl *RateLimitError
	switch {
	case errors.As(err, &rl):
		// Not a verdict on the token (it was not checked), so no
		// invalid_token challenge; Retry-After says when to come back.
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(rl.RetryAfter.Seconds())))))
		writeJSONError(w, http.StatusTooManyRequests, "too_many_requests",
			"too many unknown or invalid tokens from this address; wait before trying again")
	case errors.Is(err, ErrNoToken):
		// RFC 6750 §3.1: no error code when the request had no credentials.
		rs.challenge(w, r, &AuthError{Status: http.StatusUnauthorized, Scope: strings.Join(rs.scopesSupported(), " ")})
	case errors.As(err, &ae):
		if ae.Status == http.StatusForbidden && ae.Scope == "" {
			ae.Scope = strings.Join(rs.scopesSupported(), " ")
		}
		rs.log.Debug("bearer token refused", "path", r.URL.Path, "reason", ae.Description)
		rs.challenge(w, r, ae)
	default:
		rs.log.Warn("cannot validate bearer token", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable",
			"the server cannot validate tokens right now because the identity provider is unreachable; try again shortly")
	}
}

func (rs *ResourceServer) challenge(w http.ResponseWriter, r *http.Request, ae *AuthError) {
	params := []string{`resource_metadata="` + rs.ResourceMetadataURL(r.URL.Path) + `"`}
	if ae.Scope != "" {
		params = append(params, `scope="`+quoteSafe(ae.Scope)+`"`)
	}
	if ae.Code != "" {
		params = append(params, `error="`+quoteSafe(ae.Code)+`"`)
	}
	if ae.Description != "" {
		params = append(params, `error_description="`+quoteSafe(ae.Description)+`"`)
	}
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(params, ", "))
	status := ae.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	code := ae.Code
	if code == "" {
		code = "unauthorized"
	}
	desc := ae.Description
	if desc == "" {
		desc = "this server needs an OAuth bearer token; see the resource_metadata in WWW-Authenticate"
	}
	writeJSONError(w, status, code, desc)
}

// quoteSafe keeps a header parameter inside its quotes (RFC 6750 allows
// only printable ASCII without '"' and '\').
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, s)
}

func writeJSONError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// Context copies the identity Middleware stored in r's context into ctx,
// the MCP request's context (mcp.Authenticator), so tool handlers see the
// caller of the HTTP request that carried the call (also over SSE, whose
// sessions outlive single requests).
func (*ResourceServer) Context(ctx context.Context, r *http.Request) context.Context {
	id, _ := IdentityFrom(r.Context())
	// Without one, clear any identity ctx inherited from a session.
	return WithIdentity(ctx, id)
}

// Identity names the caller Middleware authenticated, to which MCP
// sessions are bound (mcp.Authenticator): issuer, subject and user.
func (*ResourceServer) Identity(r *http.Request) string {
	id, ok := IdentityFrom(r.Context())
	if !ok {
		return ""
	}
	return id.Issuer + "\n" + id.Subject + "\n" + id.UserID
}
