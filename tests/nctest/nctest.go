// Package nctest runs a test Nextcloud in process: real WebDAV, CalDAV and
// CardDAV protocol implementations, and stand-ins for the apps' REST APIs
// that follow Nextcloud's published API (paths, status codes, ETags, OCS
// envelopes).
//
// Every app has the same shape: a store type with its own lock (deckStore,
// talkStandIn …) kept in Server.apps, a register<App> method that mounts
// its routes (listed in apps.go), handlers in <app>.go or <app>_*.go, and
// exported seed methods in <app>_seed.go (or at the end of <app>.go).
// What handlers share is the kit in kit.go: request params (query, JSON
// and form merged as Nextcloud merges them), refusals (apiErr), handlers
// run under the store's lock (runLocked), OCS and JSON answers, ETags and
// user lookups. Calendars and address books share davcoll.go.
//
// Exported methods on Server follow one naming rule: Add<Thing> puts data
// in (and returns its id or href), Set<Thing> switches behaviour, a noun
// (CalendarICS, MailState, Requests …) reads data back, and a verb does an
// action (ApproveLoginFlow, ExpireDAVSyncTokens). SetFault is for faults
// only; a test that checks what a client sent uses RecordRequests and
// Requests.
package nctest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Server is a test Nextcloud.
type Server struct {
	*httptest.Server
	mux *http.ServeMux

	mu sync.Mutex
	// users maps a login name to its password and Nextcloud user id.
	users map[string]account
	// BearerAuth, when set, accepts bearer tokens: it returns the user id.
	// Set it before requests start, or with SetBearerAuth.
	BearerAuth func(token string) (user string, ok bool)
	// Fault, when set, may answer a request before the real handler (status
	// 500s, delays, dropped connections); returning false lets it through.
	// Set it before requests start, or with SetFault.
	Fault func(w http.ResponseWriter, r *http.Request) bool
	// requests counts requests by "METHOD path" (RequestCount).
	requests map[string]int
	// log keeps every request once RecordRequests was called (Requests).
	log       []Request
	recording bool
	// disabled apps answer like Nextcloud does for an app that is off: an
	// HTML 404 page, and no capabilities entry (SetDisabled).
	disabled map[string]bool

	apps appState
}

type account struct {
	password string
	userID   string
	display  string
}

// Option changes the test server before it starts.
type Option func(*Server)

// WithUser adds a user (login name, password); the user id equals the login.
func WithUser(login, password string) Option {
	return func(s *Server) { s.users[login] = account{password: password, userID: login, display: login} }
}

// WithLDAPUser adds a user whose login name differs from the user id, as on
// LDAP installations.
func WithLDAPUser(login, password, userID string) Option {
	return func(s *Server) { s.users[login] = account{password: password, userID: userID, display: login} }
}

// WithDisabledApp makes an app look uninstalled.
func WithDisabledApp(app string) Option {
	return func(s *Server) { s.disabled[app] = true }
}

// New starts a test Nextcloud with user "admin" (password "admin-pass")
// unless options add other users. It stops when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := newServer(opts...)
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// NewUnstarted builds the server without starting it (benchmarks, load).
func NewUnstarted(opts ...Option) *Server {
	s := newServer(opts...)
	s.Server = httptest.NewUnstartedServer(s)
	return s
}

func newServer(opts ...Option) *Server {
	s := &Server{
		mux:      http.NewServeMux(),
		users:    map[string]account{},
		requests: map[string]int{},
		disabled: map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	if len(s.users) == 0 {
		s.users["admin"] = account{password: "admin-pass", userID: "admin", display: "Administrator"}
	}
	s.registerCore()
	s.registerApps()
	return s
}

// Client returns a Nextcloud client logged in as login with its password.
func (s *Server) Client(t testing.TB, login string) *nextcloud.Client {
	t.Helper()
	c, err := nextcloud.New(nextcloud.Options{BaseURL: s.URL, RetryBase: 1})
	if err != nil {
		t.Fatalf("nextcloud client: %v", err)
	}
	s.mu.Lock()
	acc, ok := s.users[login]
	s.mu.Unlock()
	if !ok {
		t.Fatalf("nctest: no user %q", login)
	}
	return c.WithUser(acc.userID, nextcloud.BasicAuth{Username: login, Password: acc.password})
}

// ServeHTTP counts the request, applies faults, authenticates and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.Method+" "+r.URL.Path]++
	if s.recording {
		s.log = append(s.log, recordOf(r))
	}
	fault := s.Fault
	s.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}
	if app := appOfPath(r.URL.Path); app != "" && s.isDisabled(app) {
		writeNotFoundPage(w)
		return
	}
	if !s.public(r) {
		user, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="Nextcloud", charset="UTF-8"`)
			if isOCS(r) {
				writeOCS(w, r, http.StatusUnauthorized, 997, "Current user is not logged in", nil)
				return
			}
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		r = r.WithContext(withUser(r.Context(), user))
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) isDisabled(app string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disabled[app]
}

// SetDisabled turns an app off or on at run time.
func (s *Server) SetDisabled(app string, off bool) {
	s.mu.Lock()
	s.disabled[app] = off
	s.mu.Unlock()
}

// SetBearerAuth installs (or with nil removes) the bearer token check
// while requests may be in flight.
func (s *Server) SetBearerAuth(f func(token string) (user string, ok bool)) {
	s.mu.Lock()
	s.BearerAuth = f
	s.mu.Unlock()
}

// RequestCount returns how often "METHOD path" was requested.
func (s *Server) RequestCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[key]
}

// Request is what the server keeps of a request it received (Requests).
type Request struct {
	Method, Path string
	Query        url.Values
	// Header holds the request's headers without Authorization.
	Header http.Header
}

func recordOf(r *http.Request) Request {
	h := r.Header.Clone()
	h.Del("Authorization")
	return Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h}
}

// RecordRequests makes the server keep every request from now on, for
// tests that check what a client sent (Requests).
func (s *Server) RecordRequests() {
	s.mu.Lock()
	s.recording = true
	s.mu.Unlock()
}

// Requests gives the requests received since RecordRequests that keep
// accepts (all with a nil keep), oldest first.
func (s *Server) Requests(keep func(Request) bool) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.log {
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func appOfPath(p string) string {
	for _, prefix := range []string{"/index.php/apps/", "/apps/", "/ocs/v2.php/apps/", "/ocs/v1.php/apps/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			app, _, _ := strings.Cut(rest, "/")
			return app
		}
	}
	return ""
}

func (s *Server) public(r *http.Request) bool {
	switch {
	case r.URL.Path == "/status.php", r.URL.Path == "/ocs/v2.php/cloud/capabilities", r.URL.Path == "/ocs/v1.php/cloud/capabilities":
		return true
	case strings.HasPrefix(r.URL.Path, "/index.php/login/v2"), strings.HasPrefix(r.URL.Path, "/login/v2"):
		return true
	}
	return false
}

func (s *Server) authenticate(r *http.Request) (string, bool) {
	if login, pass, ok := r.BasicAuth(); ok {
		s.mu.Lock()
		acc, found := s.users[login]
		extra := s.appPasswordsLocked(login)
		s.mu.Unlock()
		if found && acc.password == pass {
			return acc.userID, true
		}
		for _, p := range extra {
			if p == pass {
				return acc.userID, true
			}
		}
		return "", false
	}
	s.mu.Lock()
	bearer := s.BearerAuth
	s.mu.Unlock()
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && bearer != nil {
		return bearer(tok)
	}
	return "", false
}
