package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/storetest"
)

// noIVReader passes reads through to the real source except those of a
// Fernet IV (16 bytes), so only sealing fails: crypto/rand.Read aborts the
// process on a failing Reader, which rand.Text and GenerateVerifier use.
type noIVReader struct{ real io.Reader }

func (r noIVReader) Read(b []byte) (int, error) {
	if len(b) == 16 {
		return 0, errors.New("no entropy for an IV")
	}
	return r.real.Read(b)
}

// When the sign-in state cannot be sealed, /oauth/login answers with the
// "Sign-in unavailable" page and sets no cookie, instead of redirecting
// to the IdP with a state it could never check.
func TestConsentLoginWhenSealFails(t *testing.T) {
	db := storetest.TokenStore(t)
	c, err := NewConsent(context.Background(), ConsentConfig{Store: db, Issuer: "https://idp.invalid", ClientID: "c",
		RedirectURL: "https://mcp/oauth/callback", IdP: &stubIdP{err: errors.New("not asked")}})
	if err != nil {
		t.Fatal(err)
	}
	c.idp = &consentIdP{oauth: oauth2.Config{ClientID: "c", RedirectURL: "https://mcp/oauth/callback",
		Endpoint: oauth2.Endpoint{AuthURL: "https://idp.invalid/auth", TokenURL: "https://idp.invalid/token"}}}

	w := httptest.NewRecorder()
	c.ServeLogin(w, httptest.NewRequest(http.MethodGet, "/oauth/login", nil))
	if w.Code != http.StatusFound || len(w.Result().Cookies()) != 1 {
		t.Fatalf("login with sealing working: %d %v; want a redirect with the state cookie", w.Code, w.Result().Cookies())
	}

	saved := rand.Reader
	rand.Reader = noIVReader{real: saved}
	t.Cleanup(func() { rand.Reader = saved })
	w = httptest.NewRecorder()
	c.ServeLogin(w, httptest.NewRequest(http.MethodGet, "/oauth/login", nil))
	rand.Reader = saved
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "Sign-in unavailable") {
		t.Errorf("login with sealing failing: %d %q; want 503 Sign-in unavailable", w.Code, w.Body.String())
	}
	if cs := w.Result().Cookies(); len(cs) != 0 {
		t.Errorf("login with sealing failing set cookies %v", cs)
	}
	if loc := w.Header().Get("Location"); loc != "" {
		t.Errorf("login with sealing failing redirected to %s", loc)
	}
}
