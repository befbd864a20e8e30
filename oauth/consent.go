package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// ConsentConfig configures the offline-access consent flow.
type ConsentConfig struct {
	Issuer string
	// IdP, when set, is the shared discovered IdP; nil: the consent flow
	// discovers Issuer at first use (LazyIdP).
	IdP          Discovery
	ClientID     string
	ClientSecret string
	// RedirectURL is the public URL of /oauth/callback, registered at the IdP.
	RedirectURL string
	// Scopes are asked for besides openid, profile and offline_access.
	Scopes []string
	// UserIDClaim holds the Nextcloud user id (default preferred_username).
	UserIDClaim string
	Store       *storage.DB
	HTTPClient  *http.Client
	Logger      *slog.Logger
	// StateTTL bounds how long a started sign-in stays valid (default 10m).
	StateTTL time.Duration
	// Identify returns the user a request is already authenticated as (a
	// bearer token or session), if any. When it names a user, the ID token
	// must belong to the same user.
	Identify func(r *http.Request) (user string, ok bool)
	// OnGranted is told about a newly stored grant (to drop caches).
	OnGranted func(user string)
	Now       func() time.Time
}

// Consent serves /oauth/login and /oauth/callback: an authorization-code
// flow with PKCE (S256), state and nonce asking for offline_access, which
// stores the refresh token for the user the verified ID token names.
type Consent struct {
	cfg    ConsentConfig
	secure bool

	// idp is set by the first successful discovery (see idP).
	idpMu sync.Mutex
	idp   *consentIdP

	// lastPurge bounds the rows abandoned sign-ins leave behind.
	purgeMu   sync.Mutex
	lastPurge time.Time
}

const (
	consentKind   = "oauth_consent"
	consentCookie = "nc_mcp_oauth_state"
)

// consentIdP is what the flow needs from the discovered IdP.
type consentIdP struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
}

// NewConsent prepares the handlers. The IdP is discovered on the first
// sign-in, so an IdP that is down at start-up does not stop the server.
func NewConsent(ctx context.Context, c ConsentConfig) (*Consent, error) {
	if c.Store == nil {
		return nil, errors.New("the consent flow needs the token store (TOKEN_STORAGE_DB, TOKEN_ENCRYPTION_KEY)")
	}
	if c.Issuer == "" || c.ClientID == "" || c.RedirectURL == "" {
		return nil, errors.New("the consent flow needs OIDC_ISSUER, OIDC_CLIENT_ID and the server's public URL (NEXTCLOUD_MCP_SERVER_URL)")
	}
	clientDefaults(&c.HTTPClient, &c.Logger, nil)
	if c.IdP == nil {
		c.IdP = LazyIdP(c.Issuer, c.HTTPClient)
	}
	if c.StateTTL <= 0 {
		c.StateTTL = 10 * time.Minute
	}
	if c.UserIDClaim == "" {
		c.UserIDClaim = "preferred_username"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Consent{cfg: c, secure: strings.HasPrefix(c.RedirectURL, "https://")}, nil
}

// idP returns the discovered IdP, discovering it on first use. The lock
// is not held across the discovery: concurrent first sign-ins may both
// discover, and the first result is kept.
func (c *Consent) idP(ctx context.Context) (*consentIdP, error) {
	c.idpMu.Lock()
	idp := c.idp
	c.idpMu.Unlock()
	if idp != nil {
		return idp, nil
	}
	p, err := c.cfg.IdP.Provider(ctx)
	if err != nil {
		return nil, fmt.Errorf("discover identity provider %s for the consent flow: %w", c.cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}
	for _, s := range c.cfg.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	idp = &consentIdP{
		oauth:    oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: ep, RedirectURL: c.cfg.RedirectURL, Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now}),
		provider: p,
	}
	c.idpMu.Lock()
	defer c.idpMu.Unlock()
	if c.idp == nil {
		c.idp = idp
	}
	return c.idp, nil
}

// unreachable answers a request that needs the IdP while it cannot be discovered.
func (c *Consent) unreachable(w http.ResponseWriter, err error) {
	c.cfg.Logger.Error("consent flow: identity provider unavailable", "err", err)
	c.page(w, http.StatusServiceUnavailable, consentPage{Title: "Sign-in unavailable", Error: "The identity provider cannot be reached right now. Try again in a moment."})
}

// Register mounts the handlers on mux.
func (c *Consent) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/login", c.ServeLogin)
	mux.HandleFunc("GET /oauth/callback", c.ServeCallback)
}

// pendingConsent is a started sign-in. It lives in a cookie sealed with
// the token store's key (TOKEN_ENCRYPTION_KEY), not in the database, so
// that unauthenticated GETs of /oauth/login write nothing: the server
// keeps no state per started sign-in, however many are started. The
// authorization code is single-use at the IdP (RFC 6749 §4.1.2), which
// makes a replayed callback fail there.
type pendingConsent struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Nonce    string `json:"n"`
	User     string `json:"u,omitempty"`
	Expires  int64  `json:"e"`
}

// ServeLogin starts the authorization-code flow.
func (c *Consent) ServeLogin(w http.ResponseWriter, r *http.Request) {
	idp, err := c.idP(r.Context())
	if err != nil {
		c.unreachable(w, err)
		return
	}
	p := pendingConsent{State: rand.Text() + rand.Text(), Verifier: oauth2.GenerateVerifier(), Nonce: rand.Text(),
		Expires: c.cfg.Now().Add(c.cfg.StateTTL).Unix()}
	if c.cfg.Identify != nil {
		if u, ok := c.cfg.Identify(r); ok {
			p.User = u
		}
	}
	c.purgeAbandoned(r.Context())
	b, _ := json.Marshal(p)
	sealed, err := c.cfg.Store.Seal(consentKind, b)
	if err != nil {
		c.cfg.Logger.Error("cannot seal sign-in state", "err", err)
		c.page(w, http.StatusServiceUnavailable, consentPage{Title: "Sign-in unavailable", Error: "The server cannot start the sign-in right now. Try again in a moment."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: consentCookie, Value: sealed, Path: "/oauth/", MaxAge: int(c.cfg.StateTTL.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, idp.oauth.AuthCodeURL(p.State, oauth2.S256ChallengeOption(p.Verifier), oidc.Nonce(p.Nonce)), http.StatusFound)
}

// pending opens the sign-in state cookie of r and checks it belongs to
// state and has not expired.
func (c *Consent) pending(r *http.Request, state string) (pendingConsent, error) {
	var p pendingConsent
	ck, err := r.Cookie(consentCookie)
	if err != nil {
		return p, errors.New("no sign-in state cookie")
	}
	raw, err := c.cfg.Store.Unseal(consentKind, ck.Value)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, err
	}
	if subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 {
		return p, errors.New("state does not match the cookie")
	}
	if !c.cfg.Now().Before(time.Unix(p.Expires, 0)) {
		return p, errExpiredSignIn
	}
	return p, nil
}

var errExpiredSignIn = errors.New("sign-in expired")

// purgeAbandoned deletes expired rows (sign-in states older versions kept
// in the database, finished login flows) at most once per state lifetime.
func (c *Consent) purgeAbandoned(ctx context.Context) {
	c.purgeMu.Lock()
	due := c.cfg.Now().Sub(c.lastPurge) >= c.cfg.StateTTL
	if due {
		c.lastPurge = c.cfg.Now()
	}
	c.purgeMu.Unlock()
	if !due {
		return
	}
	if _, err := c.cfg.Store.PurgeExpired(ctx); err != nil {
		c.cfg.Logger.Warn("cannot purge expired sign-in states", "err", err)
	}
}

// ServeCallback finishes the flow and stores the refresh token.
func (c *Consent) ServeCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	clearCookie := &http.Cookie{Name: consentCookie, Value: "", Path: "/oauth/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode}
	if e := q.Get("error"); e != "" {
		http.SetCookie(w, clearCookie)
		msg := "The identity provider did not grant access: " + e
		if d := q.Get("error_description"); d != "" {
			msg += " (" + d + ")"
		}
		c.page(w, http.StatusBadRequest, consentPage{Title: "Access not granted", Error: msg + ". Nothing was stored."})
		return
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		c.page(w, http.StatusBadRequest, consentPage{Title: "Invalid sign-in", Error: "The callback lacks state or code. Start again at /oauth/login."})
		return
	}
	p, err := c.pending(r, state)
	if err != nil {
		// A callback with a foreign state leaves a sign-in in progress
		// in this browser alone.
		msg := "This sign-in was not started in this browser (or its cookie was blocked). Start again at /oauth/login."
		if errors.Is(err, errExpiredSignIn) {
			http.SetCookie(w, clearCookie)
			msg = "This sign-in has expired. Start again at /oauth/login."
		}
		c.page(w, http.StatusBadRequest, consentPage{Title: "Invalid sign-in", Error: msg})
		return
	}
	http.SetCookie(w, clearCookie)
	idp, err := c.idP(ctx)
	if err != nil {
		c.unreachable(w, err)
		return
	}
	tok, err := idp.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTPClient), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		c.cfg.Logger.Warn("authorization code exchange failed", "reason", describeGrantError(err, ""))
		c.page(w, http.StatusBadGateway, consentPage{Title: "Sign-in failed", Error: "The identity provider did not accept the sign-in: " + describeGrantError(err, "") + ". Start again at /oauth/login."})
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		c.page(w, http.StatusBadGateway, consentPage{Title: "Sign-in failed", Error: "The identity provider returned no ID token; the openid scope must be allowed for this client."})
		return
	}
	idt, err := idp.verifier.Verify(oidc.ClientContext(ctx, c.cfg.HTTPClient), rawID)
	if err != nil {
		c.cfg.Logger.Warn("ID token verification failed", "err", err)
		c.page(w, http.StatusBadGateway, consentPage{Title: "Sign-in failed", Error: "The ID token from the identity provider could not be verified. Nothing was stored."})
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		c.page(w, http.StatusBadRequest, consentPage{Title: "Sign-in failed", Error: "The ID token does not belong to this sign-in (nonce mismatch). Nothing was stored."})
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		c.page(w, http.StatusBadGateway, consentPage{Title: "Sign-in failed", Error: "The ID token's claims cannot be read."})
		return
	}
	user, _ := claims[c.cfg.UserIDClaim].(string)
	if user == "" {
		// Some IdPs put profile claims only in userinfo; OIDC requires its
		// sub to match the ID token's.
		user = c.userinfoClaim(ctx, idp.provider, tok, idt.Subject)
	}
	if user == "" {
		c.page(w, http.StatusBadGateway, consentPage{Title: "Sign-in failed", Error: fmt.Sprintf("The ID token has no %q claim naming the Nextcloud user (OIDC_USER_ID_CLAIM). Nothing was stored.", c.cfg.UserIDClaim)})
		return
	}
	if p.User != "" && p.User != user {
		c.cfg.Logger.Warn("consent flow user mismatch; nothing stored", "started_by", p.User, "signed_in_as", user)
		c.page(w, http.StatusForbidden, consentPage{Title: "Wrong account", Error: fmt.Sprintf("This sign-in was started for %s but you signed in as %s. Nothing was stored.", p.User, user)})
		return
	}
	if tok.RefreshToken == "" {
		c.page(w, http.StatusBadGateway, consentPage{Title: "No offline access", User: user, Error: "The identity provider returned no refresh token. Allow the offline_access client scope for this client and sign in again."})
		return
	}
	scopes := idp.oauth.Scopes
	if s, ok := tok.Extra("scope").(string); ok && s != "" {
		scopes = strings.Fields(s)
	}
	rec := storage.Token{UserID: user, Issuer: idt.Issuer, Subject: idt.Subject, Scopes: scopes, RefreshToken: tok.RefreshToken}
	if secs := extraSeconds(tok, "refresh_expires_in"); secs > 0 {
		rec.ExpiresAt = c.cfg.Now().Add(time.Duration(secs) * time.Second)
	}
	if err := c.cfg.Store.SaveToken(ctx, rec); err != nil {
		c.cfg.Logger.Error("cannot store offline grant", "user", user, "err", err)
		c.page(w, http.StatusServiceUnavailable, consentPage{Title: "Not stored", User: user, Error: "The grant could not be stored. Try again in a moment."})
		return
	}
	if c.cfg.OnGranted != nil {
		c.cfg.OnGranted(user)
	}
	c.cfg.Logger.Info("offline grant stored", "user", user, "scopes", strings.Join(scopes, " "))
	pg := consentPage{Title: "Background access granted", User: user, Scopes: scopes, Offline: slices.Contains(scopes, oidc.ScopeOfflineAccess)}
	if !rec.ExpiresAt.IsZero() {
		pg.Expires = rec.ExpiresAt.UTC().Format(time.RFC1123)
	}
	c.page(w, http.StatusOK, pg)
}

// userinfoClaim reads the user id claim from the userinfo endpoint, or "".
func (c *Consent) userinfoClaim(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, sub string) string {
	ui, err := p.UserInfo(oidc.ClientContext(ctx, c.cfg.HTTPClient), oauth2.StaticTokenSource(tok))
	if err != nil || ui.Subject != sub {
		if err != nil {
			c.cfg.Logger.Warn("userinfo request failed", "err", err)
		}
		return ""
	}
	var m map[string]any
	if ui.Claims(&m) != nil {
		return ""
	}
	s, _ := m[c.cfg.UserIDClaim].(string)
	return s
}

type consentPage struct {
	Title   string
	User    string
	Scopes  []string
	Offline bool
	Expires string
	Error   string
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} – Nextcloud MCP server</title>
<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}.err{color:#a00}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err">{{.Error}}</p>{{else}}
<p>The Nextcloud MCP server may now act as <strong>{{.User}}</strong> in Nextcloud while you are away, for background jobs such as keeping your notes index fresh.</p>
<p>Granted scopes:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
{{if .Offline}}<p>This is an <em>offline</em> grant: it survives signing out and lasts until it is revoked{{if .Expires}} or expires on {{.Expires}}{{end}}.</p>
{{else}}<p class="err">The identity provider did not grant <code>offline_access</code>: background access ends with your session{{if .Expires}} (at the latest {{.Expires}}){{end}}.</p>{{end}}
<p>To withdraw it, revoke the application's offline access in your identity provider account, or ask the administrator to run <code>nextcloud-mcp-server tokens revoke {{.User}}</code>.</p>
<p>You can close this window.</p>{{end}}
</body></html>
`))

func (c *Consent) page(w http.ResponseWriter, status int, p consentPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := consentTmpl.Execute(w, p); err != nil {
		c.cfg.Logger.Debug("write consent page", "err", err)
	}
}
