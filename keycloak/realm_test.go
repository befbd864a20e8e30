package keycloak

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	realmFile      = "realm-export.json"
	realmName      = "nextcloud-mcp"
	serverClientID = "mcp-server"
	ncClientID     = "nextcloud"
	thirtyDays     = 30 * 24 * 60 * 60
)

// toolScopes are the scopes the MCP tools declare (HACKING.md: <app>:read /
// <app>:write); each must be an optional client scope of mcp-server.
var toolScopes = []string{
	"notes:read", "notes:write", "files:read", "files:write",
	"bookmarks:read", "bookmarks:write",
	"polls:read", "polls:write",
	"forms:read", "forms:write",
	"teams:read", "teams:write",
	"calendar:read", "calendar:write", "tasks:read", "tasks:write",
	"contacts:read", "contacts:write", "deck:read", "deck:write",
	"tables:read", "tables:write", "sharing:read", "sharing:write",
	"cookbook:read", "cookbook:write", "talk:read", "talk:write",
	"mail:read", "mail:write", "news:read", "news:write",
	"notifications:read", "notifications:write", "user_status:read", "user_status:write", "activity:read",
	"announcements:read", "announcements:write", "admin:read", "admin:write",
	"collectives:read", "collectives:write", "search:read", "search:write", "users:read",
}

// The structs name only fields of Keycloak's RealmRepresentation,
// ClientRepresentation etc. (Keycloak 26). Decoding rejects any other field,
// which catches misspellings Keycloak would silently drop; a real Keycloak
// field added to the export must be added here too.
type realm struct {
	Realm                            string `json:"realm"`
	DisplayName                      string `json:"displayName"`
	Enabled                          bool   `json:"enabled"`
	SSLRequired                      string `json:"sslRequired"`
	RegistrationAllowed              bool   `json:"registrationAllowed"`
	LoginWithEmailAllowed            bool   `json:"loginWithEmailAllowed"`
	DuplicateEmailsAllowed           bool   `json:"duplicateEmailsAllowed"`
	ResetPasswordAllowed             bool   `json:"resetPasswordAllowed"`
	EditUsernameAllowed              bool   `json:"editUsernameAllowed"`
	BruteForceProtected              bool   `json:"bruteForceProtected"`
	AccessTokenLifespan              int    `json:"accessTokenLifespan"`
	SSOSessionIdleTimeout            int    `json:"ssoSessionIdleTimeout"`
	SSOSessionMaxLifespan            int    `json:"ssoSessionMaxLifespan"`
	OfflineSessionIdleTimeout        int    `json:"offlineSessionIdleTimeout"`
	OfflineSessionMaxLifespanEnabled bool   `json:"offlineSessionMaxLifespanEnabled"`
	OfflineSessionMaxLifespan        int    `json:"offlineSessionMaxLifespan"`
	RevokeRefreshToken               bool   `json:"revokeRefreshToken"`
	RefreshTokenMaxReuse             int    `json:"refreshTokenMaxReuse"`
	DefaultRole                      *role  `json:"defaultRole"`
	Roles                            struct {
		Realm []role `json:"realm"`
	} `json:"roles"`
	Users                       []user         `json:"users"`
	ScopeMappings               []scopeMapping `json:"scopeMappings"`
	Clients                     []client       `json:"clients"`
	ClientScopes                []clientScope  `json:"clientScopes"`
	DefaultDefaultClientScopes  []string       `json:"defaultDefaultClientScopes"`
	DefaultOptionalClientScopes []string       `json:"defaultOptionalClientScopes"`
}

type role struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Composite   bool   `json:"composite"`
	ClientRole  bool   `json:"clientRole"`
	Composites  *struct {
		Realm []string `json:"realm"`
	} `json:"composites"`
}

type user struct {
	Username      string       `json:"username"`
	Enabled       bool         `json:"enabled"`
	Email         string       `json:"email"`
	EmailVerified bool         `json:"emailVerified"`
	FirstName     string       `json:"firstName"`
	LastName      string       `json:"lastName"`
	Credentials   []credential `json:"credentials"`
	RealmRoles    []string     `json:"realmRoles"`
}

type credential struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Temporary bool   `json:"temporary"`
}

type scopeMapping struct {
	ClientScope string   `json:"clientScope"`
	Roles       []string `json:"roles"`
}

type client struct {
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name"`
	Description               string            `json:"description"`
	Enabled                   bool              `json:"enabled"`
	PublicClient              bool              `json:"publicClient"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType"`
	Secret                    string            `json:"secret"`
	Protocol                  string            `json:"protocol"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	ConsentRequired           bool              `json:"consentRequired"`
	FullScopeAllowed          bool              `json:"fullScopeAllowed"`
	RedirectURIs              []string          `json:"redirectUris"`
	WebOrigins                []string          `json:"webOrigins"`
	Attributes                map[string]string `json:"attributes"`
	ProtocolMappers           []mapper          `json:"protocolMappers"`
	DefaultClientScopes       []string          `json:"defaultClientScopes"`
	OptionalClientScopes      []string          `json:"optionalClientScopes"`
}

type clientScope struct {
	Name            string            `json:"name"`
	Description     string            `json:"description"`
	Protocol        string            `json:"protocol"`
	Attributes      map[string]string `json:"attributes"`
	ProtocolMappers []mapper          `json:"protocolMappers"`
}

type mapper struct {
	Name           string            `json:"name"`
	Protocol       string            `json:"protocol"`
	ProtocolMapper string            `json:"protocolMapper"`
	Config         map[string]string `json:"config"`
}

func loadRealm(t *testing.T) *realm {
	t.Helper()
	data, err := os.ReadFile(realmFile)
	if err != nil {
		t.Fatalf("read the realm export: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r realm
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s is not the realm shape this test knows (a misspelt field, or a new Keycloak field to add to the structs here): %v", realmFile, err)
	}
	if dec.More() {
		t.Fatalf("%s has data after the realm object", realmFile)
	}
	// encoding/json matches field names without regard to case; Keycloak
	// does not. Every key must come back from the typed structs unchanged.
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	enc, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var round any
	if err := json.Unmarshal(enc, &round); err != nil {
		t.Fatal(err)
	}
	for _, p := range missingKeys(raw, round, "") {
		t.Errorf("%s: field %s is not spelt as Keycloak spells it (check its case)", realmFile, p)
	}
	return &r
}

// missingKeys lists the object keys of raw that got are missing, recursively.
func missingKeys(raw, got any, path string) []string {
	var out []string
	switch rv := raw.(type) {
	case map[string]any:
		gv, _ := got.(map[string]any)
		for k, v := range rv {
			g, ok := gv[k]
			if !ok {
				out = append(out, path+"."+k)
				continue
			}
			out = append(out, missingKeys(v, g, path+"."+k)...)
		}
	case []any:
		gv, _ := got.([]any)
		for i, v := range rv {
			if i < len(gv) {
				out = append(out, missingKeys(v, gv[i], path+"["+strconv.Itoa(i)+"]")...)
			}
		}
	}
	return out
}

func (r *realm) client(t *testing.T, id string) *client {
	t.Helper()
	for i := range r.Clients {
		if r.Clients[i].ClientID == id {
			return &r.Clients[i]
		}
	}
	t.Fatalf("realm has no client %q", id)
	return nil
}

func (r *realm) scope(name string) *clientScope {
	for i := range r.ClientScopes {
		if r.ClientScopes[i].Name == name {
			return &r.ClientScopes[i]
		}
	}
	return nil
}

func TestRealmBasics(t *testing.T) {
	r := loadRealm(t)
	if r.Realm != realmName || !r.Enabled {
		t.Errorf("realm %q enabled=%v, want %q enabled (docker-compose.yml and the hook use that name)", r.Realm, r.Enabled, realmName)
	}
	if r.OfflineSessionIdleTimeout < thirtyDays {
		t.Errorf("offlineSessionIdleTimeout = %d s, want at least 30 days (%d s): offline grants would lapse", r.OfflineSessionIdleTimeout, thirtyDays)
	}
	if r.OfflineSessionMaxLifespanEnabled && r.OfflineSessionMaxLifespan < thirtyDays {
		t.Errorf("offlineSessionMaxLifespan = %d s caps offline sessions below 30 days", r.OfflineSessionMaxLifespan)
	}
	if r.SSLRequired == "all" {
		t.Error(`sslRequired "all" breaks the plain-HTTP dev stack; use "external"`)
	}
}

// Declaring clientScopes stops Keycloak from creating its built-in ones, so
// the export must carry those the clients need; "basic" writes the sub claim.
func TestBuiltinScopesPresent(t *testing.T) {
	r := loadRealm(t)
	for _, name := range []string{"basic", "profile", "email", "roles", "web-origins", "offline_access"} {
		if r.scope(name) == nil {
			t.Errorf("client scope %q missing: with clientScopes declared Keycloak creates no built-in scope", name)
		}
	}
	if s := r.scope("basic"); s != nil && !slices.ContainsFunc(s.ProtocolMappers, func(m mapper) bool {
		return m.ProtocolMapper == "oidc-sub-mapper" && m.Config["access.token.claim"] == "true"
	}) {
		t.Error(`scope "basic" has no oidc-sub-mapper into the access token: tokens would carry no sub`)
	}
}

func TestEveryReferencedScopeExists(t *testing.T) {
	r := loadRealm(t)
	check := func(where string, names []string) {
		for _, n := range names {
			if r.scope(n) == nil {
				t.Errorf("%s names client scope %q, which the realm does not declare (Keycloak would only log a warning)", where, n)
			}
		}
	}
	check("defaultDefaultClientScopes", r.DefaultDefaultClientScopes)
	check("defaultOptionalClientScopes", r.DefaultOptionalClientScopes)
	for _, c := range r.Clients {
		check("client "+c.ClientID+" defaultClientScopes", c.DefaultClientScopes)
		check("client "+c.ClientID+" optionalClientScopes", c.OptionalClientScopes)
		if !slices.Contains(c.DefaultClientScopes, "basic") {
			t.Errorf("client %s lacks the basic default scope: its tokens would carry no sub", c.ClientID)
		}
	}
	for _, m := range r.ScopeMappings {
		check("scopeMappings", []string{m.ClientScope})
	}
}

func TestToolScopes(t *testing.T) {
	r := loadRealm(t)
	srv := r.client(t, serverClientID)
	for _, name := range toolScopes {
		s := r.scope(name)
		if s == nil {
			t.Errorf("client scope %q missing", name)
			continue
		}
		if s.Protocol != "openid-connect" {
			t.Errorf("scope %q protocol %q, want openid-connect", name, s.Protocol)
		}
		if s.Attributes["include.in.token.scope"] != "true" {
			t.Errorf("scope %q: include.in.token.scope is not \"true\": the token's scope claim would not list it and every tool would answer 403", name)
		}
		if !slices.Contains(srv.OptionalClientScopes, name) {
			t.Errorf("scope %q is not an optional client scope of %s", name, serverClientID)
		}
		if slices.Contains(srv.DefaultClientScopes, name) {
			t.Errorf("scope %q is a default scope of %s: it must be optional so clients ask for it", name, serverClientID)
		}
	}
}

func TestServerClient(t *testing.T) {
	r := loadRealm(t)
	c := r.client(t, serverClientID)
	if !c.Enabled || c.PublicClient || c.Secret == "" {
		t.Errorf("%s: enabled=%v public=%v secret set=%v; want an enabled confidential client with a secret", c.ClientID, c.Enabled, c.PublicClient, c.Secret != "")
	}
	if !c.ServiceAccountsEnabled {
		t.Error("serviceAccountsEnabled is off: no client_credentials grant")
	}
	if !c.StandardFlowEnabled {
		t.Error("standardFlowEnabled is off: /oauth/login cannot run the authorization-code flow")
	}
	if c.ImplicitFlowEnabled {
		t.Error("implicitFlowEnabled is on: OAuth 2.1 drops the implicit flow")
	}
	if got := c.Attributes["standard.token.exchange.enabled"]; got != "true" {
		t.Errorf(`attribute standard.token.exchange.enabled = %q, want "true" (Keycloak 26 standard token exchange V2)`, got)
	}
	if got := c.Attributes["pkce.code.challenge.method"]; got != "S256" {
		t.Errorf(`attribute pkce.code.challenge.method = %q, want "S256"`, got)
	}
	for _, u := range []string{
		"http://localhost:8000/oauth/callback", "http://127.0.0.1:8000/oauth/callback",
		"http://localhost:8001/oauth/callback", "http://127.0.0.1:8001/oauth/callback",
	} {
		if !slices.Contains(c.RedirectURIs, u) {
			t.Errorf("redirect URI %s missing", u)
		}
	}
	for _, u := range c.RedirectURIs {
		if strings.Contains(u, "*") {
			t.Errorf("redirect URI %q has a wildcard: a confidential client's callback must be exact", u)
		}
	}
	if !slices.Contains(c.OptionalClientScopes, "offline_access") {
		t.Error("offline_access is not an optional client scope: no offline refresh tokens")
	}
	// The caller's token must name mcp-server (the server checks its
	// audience; Keycloak refuses an exchange by a client outside the subject
	// token's aud) and nextcloud (the exchange target; user_oidc checks it).
	for _, aud := range []string{serverClientID, ncClientID} {
		if !hasAudienceMapper(c.ProtocolMappers, aud) {
			t.Errorf("%s has no oidc-audience-mapper adding %q to access tokens", c.ClientID, aud)
		}
	}
	if !hasPreferredUsername(c.ProtocolMappers) {
		t.Errorf("%s has no mapper putting the username into preferred_username (the Nextcloud user id)", c.ClientID)
	}
}

func TestNextcloudClient(t *testing.T) {
	r := loadRealm(t)
	c := r.client(t, ncClientID)
	if !c.Enabled || c.PublicClient || c.Secret == "" || !c.StandardFlowEnabled {
		t.Errorf("%s: enabled=%v public=%v secret set=%v standard flow=%v; user_oidc needs an enabled confidential client with the code flow", c.ClientID, c.Enabled, c.PublicClient, c.Secret != "", c.StandardFlowEnabled)
	}
	if !slices.ContainsFunc(c.RedirectURIs, func(u string) bool { return strings.HasPrefix(u, "http://localhost:8080/") }) {
		t.Error("no redirect URI on http://localhost:8080 (Nextcloud's user_oidc callback)")
	}
	if !hasAudienceMapper(c.ProtocolMappers, ncClientID) {
		t.Error("nextcloud client's tokens do not carry aud nextcloud, which user_oidc's bearer check requires")
	}
	if !hasPreferredUsername(c.ProtocolMappers) {
		t.Error("nextcloud client has no preferred_username mapper (user_oidc --mapping-uid=preferred_username)")
	}
	for _, s := range []string{"profile", "email"} {
		if !slices.Contains(c.DefaultClientScopes, s) {
			t.Errorf("nextcloud client lacks default scope %q (user_oidc asks for openid email profile)", s)
		}
	}
}

// Any other client that MCP clients use must also yield aud mcp-server.
func TestPublicClientsArePKCEAndAudienceBound(t *testing.T) {
	r := loadRealm(t)
	for _, c := range r.Clients {
		if !c.PublicClient {
			continue
		}
		if c.Attributes["pkce.code.challenge.method"] != "S256" {
			t.Errorf("public client %s does not require PKCE S256", c.ClientID)
		}
		if !hasAudienceMapper(c.ProtocolMappers, serverClientID) {
			t.Errorf("public client %s: tokens would not carry aud %s, so the MCP server would refuse them", c.ClientID, serverClientID)
		}
		if c.ServiceAccountsEnabled || c.Secret != "" {
			t.Errorf("public client %s has a secret or service account", c.ClientID)
		}
	}
}

func TestAudienceMappersNameRealClients(t *testing.T) {
	r := loadRealm(t)
	ids := map[string]bool{}
	for _, c := range r.Clients {
		ids[c.ClientID] = true
	}
	var all []mapper
	for _, c := range r.Clients {
		all = append(all, c.ProtocolMappers...)
	}
	for _, s := range r.ClientScopes {
		all = append(all, s.ProtocolMappers...)
	}
	for _, m := range all {
		if m.ProtocolMapper == "oidc-audience-mapper" {
			if aud := m.Config["included.client.audience"]; aud != "" && !ids[aud] {
				t.Errorf("audience mapper %q names client %q, which the realm does not define", m.Name, aud)
			}
		}
	}
}

func TestOfflineAccessRole(t *testing.T) {
	r := loadRealm(t)
	if r.DefaultRole == nil {
		t.Fatal("defaultRole missing: Keycloak would create default-roles-<realm>-1 beside the declared one")
	}
	var def *role
	hasOffline := false
	for i, ro := range r.Roles.Realm {
		if ro.Name == r.DefaultRole.Name {
			def = &r.Roles.Realm[i]
		}
		if ro.Name == "offline_access" {
			hasOffline = true
		}
	}
	if !hasOffline {
		t.Error("realm role offline_access missing")
	}
	if def == nil || def.Composites == nil || !slices.Contains(def.Composites.Realm, "offline_access") {
		t.Errorf("default role %q does not include offline_access: users could not get offline tokens", r.DefaultRole.Name)
	}
	if !slices.ContainsFunc(r.ScopeMappings, func(m scopeMapping) bool {
		return m.ClientScope == "offline_access" && slices.Contains(m.Roles, "offline_access")
	}) {
		t.Error("no scope mapping of the offline_access client scope to the offline_access role")
	}
	for _, u := range r.Users {
		if !slices.Contains(u.RealmRoles, r.DefaultRole.Name) && !slices.Contains(u.RealmRoles, "offline_access") {
			t.Errorf("user %s has neither the default role nor offline_access", u.Username)
		}
	}
}

func TestTestUsers(t *testing.T) {
	r := loadRealm(t)
	if len(r.Users) < 2 {
		t.Fatalf("%d users, want two test users", len(r.Users))
	}
	for _, u := range r.Users {
		if !u.Enabled || u.Username == "" {
			t.Errorf("user %q is not enabled", u.Username)
		}
		// Keycloak's user profile asks for missing attributes at first login,
		// which stalls a scripted login.
		if u.Email == "" || u.FirstName == "" || u.LastName == "" {
			t.Errorf("user %s lacks email, firstName or lastName", u.Username)
		}
		if !slices.ContainsFunc(u.Credentials, func(c credential) bool {
			return c.Type == "password" && c.Value != "" && !c.Temporary
		}) {
			t.Errorf("user %s has no non-temporary password", u.Username)
		}
	}
}

func hasAudienceMapper(ms []mapper, aud string) bool {
	return slices.ContainsFunc(ms, func(m mapper) bool {
		return m.ProtocolMapper == "oidc-audience-mapper" &&
			m.Config["included.client.audience"] == aud &&
			m.Config["access.token.claim"] == "true"
	})
}

func hasPreferredUsername(ms []mapper) bool {
	return slices.ContainsFunc(ms, func(m mapper) bool {
		return (m.ProtocolMapper == "oidc-usermodel-attribute-mapper" || m.ProtocolMapper == "oidc-usermodel-property-mapper") &&
			m.Config["user.attribute"] == "username" &&
			m.Config["claim.name"] == "preferred_username" &&
			m.Config["access.token.claim"] == "true"
	})
}
