// Package radicaletest starts Radicale (a CalDAV/CardDAV server nobody
// here wrote, from Debian's radicale package) for tests, on loopback with
// storage in a temporary folder.
//
// Radicale serves its collections at /{user}/; the tools expect a
// Nextcloud, whose DAV root is /remote.php/dav. A reverse proxy mounts
// Radicale there (X-Script-Name, which Radicale honours for the hrefs it
// answers with) and nothing else: the client finds the principal and the
// calendar and address book homes by its own discovery
// (current-user-principal, calendar-home-set, addressbook-home-set), as
// against Nextcloud.
package radicaletest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

const davRoot = "/remote.php/dav"

// Server is a running Radicale behind the path-mounting proxy.
type Server struct {
	// URL is the base URL to give the Nextcloud client.
	URL     string
	backend string
}

// Start runs Radicale for the test and stops it (by its PID) at cleanup.
// Without the radicale command the test skips, or fails under CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("radicale")
	if err != nil {
		testutil.Unavailable(t, "radicale not installed: apt-get install radicale")
	}
	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	cfg := filepath.Join(dir, "config")
	conf := fmt.Sprintf(`[server]
hosts = %s
[auth]
type = none
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[web]
type = none
[logging]
level = warning
`, addr, filepath.Join(dir, "collections"))
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var logBuf testutil.SyncBuffer
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	testutil.StartProcess(t, "radicale", cmd, addr, &logBuf, 30*time.Second)
	backend := &url.URL{Scheme: "http", Host: addr}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, davRoot)
		r.Out.URL.RawPath = ""
		if r.Out.URL.Path == "" {
			r.Out.URL.Path = "/"
		}
		r.Out.Header.Set("X-Script-Name", davRoot)
	}}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != davRoot && !strings.HasPrefix(r.URL.Path, davRoot+"/") {
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return &Server{URL: front.URL, backend: backend.String()}
}

// Client returns a client for user (Radicale here accepts any password).
func (s *Server) Client(t testing.TB, user string) *nextcloud.Client {
	t.Helper()
	c, err := nextcloud.New(nextcloud.Options{BaseURL: s.URL, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c.WithUser(user, nextcloud.BasicAuth{Username: user, Password: "radicale-test"})
}

// AddAddressBook creates an address book with the client's own extended
// MKCOL (RFC 5689) and checks it got the id the test names it by.
func (s *Server) AddAddressBook(t testing.TB, user, id, name string) {
	t.Helper()
	ctx := context.Background()
	d, err := s.Client(t, user).CardDAV(ctx, nextcloud.NewDAVCache())
	if err != nil {
		t.Fatalf("radicale: open CardDAV for %s: %v", user, err)
	}
	ab, err := d.CreateAddressBook(ctx, name, "")
	if err != nil {
		t.Fatalf("radicale: create address book %q: %v", name, err)
	}
	if ab.ID != id {
		t.Fatalf("radicale: address book %q got id %q, want %q", name, ab.ID, id)
	}
}
