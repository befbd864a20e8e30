// Package kcadmin is a small client for Keycloak's admin REST API and the
// idempotent set-up (Ensure) of what a realm import cannot carry: the legacy
// (V1) fine-grained permissions that let the MCP server's service account
// impersonate users in a token exchange, and checks of the settings the OAuth
// mode depends on. cmd/keycloak-setup runs it; the end-to-end tests and the
// compose stack use the same code.
package kcadmin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to the admin REST API as a master-realm user (admin-cli,
// password grant). Its token is renewed before it expires.
type Client struct {
	base     string
	user     string
	password string
	hc       *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client for the Keycloak at baseURL (e.g.
// http://127.0.0.1:8080, without /realms); no request is made yet.
func New(baseURL, adminUser, adminPassword string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), user: adminUser, password: adminPassword, hc: hc}
}

// BaseURL is the Keycloak URL the client was made with.
func (c *Client) BaseURL() string { return c.base }

// Error is a non-2xx answer of the admin API. Body is Keycloak's error text
// (it never carries the admin's credentials).
type Error struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *Error) Error() string {
	return fmt.Sprintf("keycloak admin API %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, strings.TrimSpace(e.Body))
}

// IsNotFound reports whether err is a 404 of the admin API.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

func (c *Client) adminToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"}, "username": {c.user}, "password": {c.password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/realms/master/protocol/openid-connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("keycloak admin login: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("keycloak admin login at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("keycloak admin login as %q at %s: HTTP %d: %s (check the admin user and password)",
			c.user, c.base, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("keycloak admin login at %s: no access token in the answer", c.base)
	}
	c.token = tok.AccessToken
	// Renew at half the lifetime (master's admin-cli tokens live 60s).
	c.expires = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second / 2)
	return c.token, nil
}

// Do calls the admin API: path is below /admin/realms (e.g.
// "/nextcloud-mcp/clients"); in, when not nil, is sent as JSON; out, when not
// nil, receives the JSON answer. It returns the Location header (set on
// creation) and an *Error for a non-2xx answer.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) (location string, err error) {
	tok, err := c.adminToken(ctx)
	if err != nil {
		return "", err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", fmt.Errorf("keycloak admin API %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/admin/realms"+path, body)
	if err != nil {
		return "", fmt.Errorf("keycloak admin API %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("keycloak admin API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", fmt.Errorf("keycloak admin API %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", &Error{Method: method, Path: path, Status: resp.StatusCode, Body: string(data)}
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return "", fmt.Errorf("keycloak admin API %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return resp.Header.Get("Location"), nil
}

// ClientRep is the part of Keycloak's ClientRepresentation this package
// reads; Raw keeps every field so an update sends back what it got.
type ClientRep struct {
	ID                     string            `json:"id"`
	ClientID               string            `json:"clientId"`
	Enabled                bool              `json:"enabled"`
	ServiceAccountsEnabled bool              `json:"serviceAccountsEnabled"`
	RedirectURIs           []string          `json:"redirectUris"`
	Attributes             map[string]string `json:"attributes"`
	ProtocolMappers        []ProtocolMapper  `json:"protocolMappers"`
	Raw                    map[string]any    `json:"-"`
}

// ProtocolMapper is Keycloak's ProtocolMapperRepresentation.
type ProtocolMapper struct {
	ID             string            `json:"id,omitempty"`
	Name           string            `json:"name"`
	Protocol       string            `json:"protocol"`
	ProtocolMapper string            `json:"protocolMapper"`
	Config         map[string]string `json:"config"`
}

// Client finds a client of realm by its clientId.
func (c *Client) Client(ctx context.Context, realm, clientID string) (*ClientRep, error) {
	var raws []map[string]any
	if _, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/clients?clientId="+url.QueryEscape(clientID), nil, &raws); err != nil {
		return nil, err
	}
	for _, raw := range raws {
		if raw["clientId"] == clientID {
			b, _ := json.Marshal(raw)
			var rep ClientRep
			if err := json.Unmarshal(b, &rep); err != nil {
				return nil, fmt.Errorf("keycloak client %q: %w", clientID, err)
			}
			rep.Raw = raw
			return &rep, nil
		}
	}
	return nil, fmt.Errorf("keycloak realm %q has no client %q: import keycloak/realm-export.json or create it", realm, clientID)
}

// UpdateClient sends raw (a full ClientRepresentation, as Client returned it
// in Raw, with changes) back to Keycloak.
func (c *Client) UpdateClient(ctx context.Context, realm, id string, raw map[string]any) error {
	_, err := c.Do(ctx, http.MethodPut, "/"+url.PathEscape(realm)+"/clients/"+id, raw, nil)
	return err
}

// ClientSecret reads a confidential client's secret.
func (c *Client) ClientSecret(ctx context.Context, realm, clientID string) (string, error) {
	cl, err := c.Client(ctx, realm, clientID)
	if err != nil {
		return "", err
	}
	var s struct {
		Value string `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/clients/"+cl.ID+"/client-secret", nil, &s); err != nil {
		return "", err
	}
	return s.Value, nil
}

// AddRedirectURI adds uri to the client's redirect URIs unless it is there.
func (c *Client) AddRedirectURI(ctx context.Context, realm, clientID, uri string) error {
	cl, err := c.Client(ctx, realm, clientID)
	if err != nil {
		return err
	}
	for _, u := range cl.RedirectURIs {
		if u == uri {
			return nil
		}
	}
	cl.Raw["redirectUris"] = append(cl.RedirectURIs, uri)
	return c.UpdateClient(ctx, realm, cl.ID, cl.Raw)
}

// User is the part of Keycloak's UserRepresentation used here.
type User struct {
	ID        string `json:"id,omitempty"`
	Username  string `json:"username"`
	Enabled   bool   `json:"enabled"`
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	// EmailVerified keeps Keycloak from asking for a verification at login.
	EmailVerified bool `json:"emailVerified"`
}

// UserByName finds a user by exact username; (nil, nil) when there is none.
func (c *Client) UserByName(ctx context.Context, realm, username string) (*User, error) {
	var us []User
	if _, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/users?exact=true&username="+url.QueryEscape(username), nil, &us); err != nil {
		return nil, err
	}
	for i := range us {
		if strings.EqualFold(us[i].Username, username) {
			return &us[i], nil
		}
	}
	return nil, nil
}

// CreateUser creates an enabled user with a permanent password and returns
// its id.
func (c *Client) CreateUser(ctx context.Context, realm string, u User, password string) (string, error) {
	u.Enabled = true
	u.EmailVerified = true
	body := struct {
		User
		Credentials []map[string]any `json:"credentials"`
	}{u, []map[string]any{{"type": "password", "value": password, "temporary": false}}}
	loc, err := c.Do(ctx, http.MethodPost, "/"+url.PathEscape(realm)+"/users", body, nil)
	if err != nil {
		return "", err
	}
	return loc[strings.LastIndex(loc, "/")+1:], nil
}

// SetUserEnabled enables or disables a user (a disabled user can neither log
// in nor refresh, nor be impersonated).
func (c *Client) SetUserEnabled(ctx context.Context, realm, userID string, enabled bool) error {
	_, err := c.Do(ctx, http.MethodPut, "/"+url.PathEscape(realm)+"/users/"+userID, map[string]any{"enabled": enabled}, nil)
	return err
}

// Session is Keycloak's UserSessionRepresentation.
type Session struct {
	ID         string            `json:"id"`
	Username   string            `json:"username"`
	UserID     string            `json:"userId"`
	Start      int64             `json:"start"`
	LastAccess int64             `json:"lastAccess"`
	Clients    map[string]string `json:"clients"`
}

// UserSessions lists a user's online sessions.
func (c *Client) UserSessions(ctx context.Context, realm, userID string) ([]Session, error) {
	var s []Session
	_, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/users/"+userID+"/sessions", nil, &s)
	return s, err
}

// OfflineSessions lists a user's offline sessions with the client (by
// clientId).
func (c *Client) OfflineSessions(ctx context.Context, realm, userID, clientID string) ([]Session, error) {
	cl, err := c.Client(ctx, realm, clientID)
	if err != nil {
		return nil, err
	}
	var s []Session
	_, err = c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/users/"+userID+"/offline-sessions/"+cl.ID, nil, &s)
	return s, err
}

// Key is one entry of GET /admin/realms/{realm}/keys.
type Key struct {
	Kid         string `json:"kid"`
	Algorithm   string `json:"algorithm"`
	Type        string `json:"type"`
	ProviderID  string `json:"providerId"`
	Priority    int64  `json:"providerPriority"`
	Status      string `json:"status"`
	Use         string `json:"use"`
	Certificate string `json:"certificate,omitempty"`
}

// Keys lists the realm's keys (active, passive and disabled).
func (c *Client) Keys(ctx context.Context, realm string) ([]Key, error) {
	var ks struct {
		Keys []Key `json:"keys"`
	}
	_, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/keys", nil, &ks)
	return ks.Keys, err
}

// Component is Keycloak's ComponentRepresentation (key providers are
// components of type org.keycloak.keys.KeyProvider).
type Component struct {
	ID           string              `json:"id,omitempty"`
	Name         string              `json:"name"`
	ProviderID   string              `json:"providerId"`
	ProviderType string              `json:"providerType"`
	ParentID     string              `json:"parentId"`
	Config       map[string][]string `json:"config"`
}

const keyProviderType = "org.keycloak.keys.KeyProvider"

// RotateKey adds a new RS256 key provider with a priority above every
// existing one (so it signs new tokens) and disables the providers that
// signed with RS256 before; it returns the new provider's id. Tokens signed
// with the old key stop verifying, as after a real rotation with the old key
// removed.
func (c *Client) RotateKey(ctx context.Context, realm string) (string, error) {
	r := "/" + url.PathEscape(realm)
	var rr struct {
		ID string `json:"id"`
	}
	if _, err := c.Do(ctx, http.MethodGet, r, nil, &rr); err != nil {
		return "", err
	}
	var comps []Component
	if _, err := c.Do(ctx, http.MethodGet, r+"/components?type="+url.QueryEscape(keyProviderType), nil, &comps); err != nil {
		return "", err
	}
	var top int64
	var old []Component
	for _, k := range comps {
		if k.ProviderID != "rsa-generated" && k.ProviderID != "rsa" {
			continue
		}
		if a := first(k.Config["algorithm"]); a != "" && a != "RS256" {
			continue
		}
		var p int64
		fmt.Sscan(first(k.Config["priority"]), &p)
		top = max(top, p)
		old = append(old, k)
	}
	loc, err := c.Do(ctx, http.MethodPost, r+"/components", Component{
		Name: fmt.Sprintf("rsa-rotated-%d", time.Now().UnixNano()), ProviderID: "rsa-generated",
		ProviderType: keyProviderType, ParentID: rr.ID,
		Config: map[string][]string{"priority": {fmt.Sprint(top + 100)}, "algorithm": {"RS256"}, "keySize": {"2048"}, "active": {"true"}, "enabled": {"true"}},
	}, nil)
	if err != nil {
		return "", err
	}
	for _, k := range old {
		k.Config["enabled"] = []string{"false"}
		k.Config["active"] = []string{"false"}
		if _, err := c.Do(ctx, http.MethodPut, r+"/components/"+k.ID, k, nil); err != nil {
			return "", err
		}
	}
	return loc[strings.LastIndex(loc, "/")+1:], nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// AdminEvent is Keycloak's AdminEventRepresentation; Event its
// EventRepresentation (user events: LOGIN, TOKEN_EXCHANGE, REFRESH_TOKEN …).
type Event struct {
	Time     int64             `json:"time"`
	Type     string            `json:"type"`
	ClientID string            `json:"clientId"`
	UserID   string            `json:"userId"`
	Error    string            `json:"error"`
	Details  map[string]string `json:"details"`
}

// Events lists the realm's stored user events of the given types (all types
// when none), newest first. The realm must store events (eventsEnabled).
func (c *Client) Events(ctx context.Context, realm string, types ...string) ([]Event, error) {
	q := url.Values{"max": {"1000"}}
	for _, t := range types {
		q.Add("type", t)
	}
	var ev []Event
	_, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(realm)+"/events?"+q.Encode(), nil, &ev)
	return ev, err
}
