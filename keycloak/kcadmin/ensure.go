package kcadmin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
)

// V1Flags is the Keycloak start option legacy token exchange with
// requested_subject needs. On Keycloak 26.2+ the unversioned
// admin-fine-grained-authz selects FGAP v2, which has no token-exchange
// permissions.
const V1Flags = "--features=token-exchange:v1,admin-fine-grained-authz:v1"

// Config says what Ensure makes sure of.
type Config struct {
	Realm string
	// RealmFile, when set, is imported (POST /admin/realms) if the realm
	// does not exist yet.
	RealmFile string
	// ServerClientID is the MCP server's confidential client (mcp-server);
	// NextcloudClientID the client whose audience Nextcloud checks.
	ServerClientID    string
	NextcloudClientID string
	// Impersonation sets up the V1 permissions for requested_subject; it
	// fails with an error naming V1Flags when Keycloak runs without them.
	Impersonation bool
	Users         []TestUser
}

// TestUser is created with its password when missing; an existing user is
// left as it is (its password is not reset).
type TestUser struct {
	Username, Password, Email, FirstName, LastName string
}

// Names of what Ensure creates, so a second run finds them.
const (
	ImpersonationPolicy = "mcp-server may exchange and impersonate"
	audienceMapperType  = "oidc-audience-mapper"
	standardExchangeKey = "standard.token.exchange.enabled"
)

// Report lists what Ensure changed; empty when everything was in place.
type Report struct {
	Changes []string
}

func (r *Report) add(format string, a ...any) {
	r.Changes = append(r.Changes, fmt.Sprintf(format, a...))
}

// Ensure makes the realm ready for the OAuth mode; it is idempotent (a
// second run reports no change).
func Ensure(ctx context.Context, c *Client, cfg Config) (*Report, error) {
	if cfg.Realm == "" || cfg.ServerClientID == "" || cfg.NextcloudClientID == "" {
		return nil, errors.New("kcadmin.Ensure needs Realm, ServerClientID and NextcloudClientID")
	}
	rep := &Report{}
	if err := ensureRealm(ctx, c, cfg, rep); err != nil {
		return rep, err
	}
	srv, err := ensureServerClient(ctx, c, cfg, rep)
	if err != nil {
		return rep, err
	}
	for _, u := range cfg.Users {
		got, err := c.UserByName(ctx, cfg.Realm, u.Username)
		if err != nil {
			return rep, err
		}
		if got != nil {
			continue
		}
		if _, err := c.CreateUser(ctx, cfg.Realm, User{Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}, u.Password); err != nil {
			return rep, fmt.Errorf("creating user %q: %w", u.Username, err)
		}
		rep.add("created user %s", u.Username)
	}
	if cfg.Impersonation {
		if err := ensureImpersonation(ctx, c, cfg, srv, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func ensureRealm(ctx context.Context, c *Client, cfg Config, rep *Report) error {
	_, err := c.Do(ctx, http.MethodGet, "/"+url.PathEscape(cfg.Realm), nil, nil)
	if err == nil {
		return nil
	}
	if !IsNotFound(err) {
		return err
	}
	if cfg.RealmFile == "" {
		return fmt.Errorf("keycloak has no realm %q: import keycloak/realm-export.json (kc.sh start-dev --import-realm) or pass the realm file", cfg.Realm)
	}
	data, err := os.ReadFile(cfg.RealmFile)
	if err != nil {
		return fmt.Errorf("reading the realm file: %w", err)
	}
	var realm map[string]any
	if err := json.Unmarshal(data, &realm); err != nil {
		return fmt.Errorf("realm file %s is not JSON: %w", cfg.RealmFile, err)
	}
	if realm["realm"] != cfg.Realm {
		return fmt.Errorf("realm file %s holds realm %v, not %q", cfg.RealmFile, realm["realm"], cfg.Realm)
	}
	if _, err := c.Do(ctx, http.MethodPost, "", realm, nil); err != nil {
		return fmt.Errorf("importing %s: %w", cfg.RealmFile, err)
	}
	rep.add("imported realm %s from %s", cfg.Realm, cfg.RealmFile)
	return nil
}

// ensureServerClient: service account, Standard Token Exchange V2,
// offline_access as an optional scope, audience mappers for the server and
// Nextcloud.
func ensureServerClient(ctx context.Context, c *Client, cfg Config, rep *Report) (*ClientRep, error) {
	r := "/" + url.PathEscape(cfg.Realm)
	cl, err := c.Client(ctx, cfg.Realm, cfg.ServerClientID)
	if err != nil {
		return nil, err
	}
	changed := false
	if !cl.ServiceAccountsEnabled {
		cl.Raw["serviceAccountsEnabled"] = true
		rep.add("enabled the service account of %s", cfg.ServerClientID)
		changed = true
	}
	if cl.Attributes[standardExchangeKey] != "true" {
		attrs, _ := cl.Raw["attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
		}
		attrs[standardExchangeKey] = "true"
		cl.Raw["attributes"] = attrs
		rep.add("enabled Standard Token Exchange (V2) on %s", cfg.ServerClientID)
		changed = true
	}
	if changed {
		if err := c.UpdateClient(ctx, cfg.Realm, cl.ID, cl.Raw); err != nil {
			return nil, err
		}
	}
	for _, aud := range []string{cfg.ServerClientID, cfg.NextcloudClientID} {
		if hasAudienceMapper(cl.ProtocolMappers, aud) {
			continue
		}
		m := ProtocolMapper{Name: aud + "-audience", Protocol: "openid-connect", ProtocolMapper: audienceMapperType,
			Config: map[string]string{"included.client.audience": aud, "access.token.claim": "true", "id.token.claim": "false", "introspection.token.claim": "true"}}
		if _, err := c.Do(ctx, http.MethodPost, r+"/clients/"+cl.ID+"/protocol-mappers/models", m, nil); err != nil {
			return nil, fmt.Errorf("adding the %s audience mapper to %s: %w", aud, cfg.ServerClientID, err)
		}
		rep.add("added audience mapper %s to %s", aud, cfg.ServerClientID)
	}
	var opt []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := c.Do(ctx, http.MethodGet, r+"/clients/"+cl.ID+"/optional-client-scopes", nil, &opt); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(opt, func(s struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}) bool {
		return s.Name == "offline_access"
	}) {
		var all []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if _, err := c.Do(ctx, http.MethodGet, r+"/client-scopes", nil, &all); err != nil {
			return nil, err
		}
		i := slices.IndexFunc(all, func(s struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}) bool {
			return s.Name == "offline_access"
		})
		if i < 0 {
			return nil, fmt.Errorf("realm %q has no offline_access client scope (Keycloak creates it with every realm; re-import keycloak/realm-export.json)", cfg.Realm)
		}
		if _, err := c.Do(ctx, http.MethodPut, r+"/clients/"+cl.ID+"/optional-client-scopes/"+all[i].ID, nil, nil); err != nil {
			return nil, err
		}
		rep.add("added offline_access as an optional scope of %s", cfg.ServerClientID)
	}
	return cl, nil
}

func hasAudienceMapper(ms []ProtocolMapper, aud string) bool {
	return slices.ContainsFunc(ms, func(m ProtocolMapper) bool {
		return m.ProtocolMapper == audienceMapperType && m.Config["included.client.audience"] == aud && m.Config["access.token.claim"] == "true"
	})
}

// permRef is Keycloak's ManagementPermissionReference.
type permRef struct {
	Enabled          bool              `json:"enabled"`
	Resource         string            `json:"resource"`
	ScopePermissions map[string]string `json:"scopePermissions"`
}

// ensureImpersonation sets up legacy (V1) fine-grained permissions: the
// users "impersonate" permission and the Nextcloud client's
// "token-exchange" permission, each with a client policy naming the MCP
// server's client. The policies live in the realm-management client's
// authorization settings.
func ensureImpersonation(ctx context.Context, c *Client, cfg Config, srv *ClientRep, rep *Report) error {
	r := "/" + url.PathEscape(cfg.Realm)
	users, err := enablePermissions(ctx, c, r+"/users-management-permissions", "users", rep)
	if err != nil {
		return err
	}
	nc, err := c.Client(ctx, cfg.Realm, cfg.NextcloudClientID)
	if err != nil {
		return err
	}
	ncPerm, err := enablePermissions(ctx, c, r+"/clients/"+nc.ID+"/management/permissions", "client "+cfg.NextcloudClientID, rep)
	if err != nil {
		return err
	}
	rm, err := c.Client(ctx, cfg.Realm, "realm-management")
	if err != nil {
		return err
	}
	authz := r + "/clients/" + rm.ID + "/authz/resource-server"
	policyID, err := ensureClientPolicy(ctx, c, authz, srv, rep)
	if err != nil {
		return err
	}
	for _, p := range []struct{ what, id string }{
		{"users impersonate", users.ScopePermissions["impersonate"]},
		{cfg.NextcloudClientID + " token-exchange", ncPerm.ScopePermissions["token-exchange"]},
	} {
		if p.id == "" {
			return fmt.Errorf("keycloak has no %s permission; it needs %s", p.what, V1Flags)
		}
		if err := addPolicy(ctx, c, authz, p.id, policyID, p.what, rep); err != nil {
			return err
		}
	}
	return nil
}

func enablePermissions(ctx context.Context, c *Client, path, what string, rep *Report) (*permRef, error) {
	var ref permRef
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &ref); err != nil {
		return nil, fmt.Errorf("reading the %s permissions: %w; impersonation needs Keycloak started with %s", what, err, V1Flags)
	}
	if ref.Enabled && len(ref.ScopePermissions) > 0 {
		return &ref, nil
	}
	if _, err := c.Do(ctx, http.MethodPut, path, map[string]any{"enabled": true}, &ref); err != nil {
		return nil, fmt.Errorf("enabling the %s permissions: %w; impersonation needs Keycloak started with %s", what, err, V1Flags)
	}
	if !ref.Enabled {
		return nil, fmt.Errorf("keycloak did not enable the %s permissions; impersonation needs Keycloak started with %s", what, V1Flags)
	}
	rep.add("enabled the %s permissions (V1 fine-grained)", what)
	return &ref, nil
}

func ensureClientPolicy(ctx context.Context, c *Client, authz string, srv *ClientRep, rep *Report) (string, error) {
	var p struct {
		ID      string   `json:"id"`
		Clients []string `json:"clients"`
	}
	if _, err := c.Do(ctx, http.MethodGet, authz+"/policy/search?name="+url.QueryEscape(ImpersonationPolicy), nil, &p); err != nil {
		return "", err
	}
	if p.ID != "" {
		var full struct {
			Config map[string]string `json:"config"`
		}
		if _, err := c.Do(ctx, http.MethodGet, authz+"/policy/"+p.ID, nil, &full); err != nil {
			return "", err
		}
		var clients []string
		_ = json.Unmarshal([]byte(full.Config["clients"]), &clients)
		if slices.Contains(clients, srv.ID) {
			return p.ID, nil
		}
		body := map[string]any{"id": p.ID, "name": ImpersonationPolicy, "type": "client", "logic": "POSITIVE",
			"decisionStrategy": "UNANIMOUS", "clients": append(clients, srv.ID)}
		if _, err := c.Do(ctx, http.MethodPut, authz+"/policy/client/"+p.ID, body, nil); err != nil {
			return "", err
		}
		rep.add("added %s to the client policy %q", srv.ClientID, ImpersonationPolicy)
		return p.ID, nil
	}
	var created struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": ImpersonationPolicy, "type": "client", "logic": "POSITIVE", "decisionStrategy": "UNANIMOUS",
		"description": "The MCP server's service account may impersonate users and exchange tokens for Nextcloud (legacy token exchange V1).",
		"clients":     []string{srv.ID}}
	if _, err := c.Do(ctx, http.MethodPost, authz+"/policy/client", body, &created); err != nil {
		return "", fmt.Errorf("creating the client policy %q: %w", ImpersonationPolicy, err)
	}
	rep.add("created the client policy %q for %s", ImpersonationPolicy, srv.ClientID)
	return created.ID, nil
}

type idName struct {
	ID    string `json:"id"`
	RID   string `json:"_id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Logic string `json:"logic"`
}

func addPolicy(ctx context.Context, c *Client, authz, permID, policyID, what string, rep *Report) error {
	var assoc []idName
	if _, err := c.Do(ctx, http.MethodGet, authz+"/policy/"+permID+"/associatedPolicies", nil, &assoc); err != nil {
		return err
	}
	ids := make([]string, 0, len(assoc)+1)
	for _, a := range assoc {
		if a.ID == policyID {
			return nil
		}
		ids = append(ids, a.ID)
	}
	var perm map[string]any
	if _, err := c.Do(ctx, http.MethodGet, authz+"/permission/scope/"+permID, nil, &perm); err != nil {
		return err
	}
	var res, scopes []idName
	if _, err := c.Do(ctx, http.MethodGet, authz+"/policy/"+permID+"/resources", nil, &res); err != nil {
		return err
	}
	if _, err := c.Do(ctx, http.MethodGet, authz+"/policy/"+permID+"/scopes", nil, &scopes); err != nil {
		return err
	}
	perm["policies"] = append(ids, policyID)
	perm["resources"] = mapIDs(res, func(x idName) string { return x.RID })
	perm["scopes"] = mapIDs(scopes, func(x idName) string { return x.ID })
	if _, err := c.Do(ctx, http.MethodPut, authz+"/permission/scope/"+permID, perm, nil); err != nil {
		return fmt.Errorf("adding the client policy to the %s permission: %w", what, err)
	}
	rep.add("added the client policy to the %s permission", what)
	return nil
}

func mapIDs(xs []idName, f func(idName) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if id := f(x); id != "" {
			out = append(out, id)
		}
	}
	return out
}
