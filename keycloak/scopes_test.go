package keycloak

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Every scope a tool of the server declares must be grantable in the realm,
// or no client could ever be authorized to call that tool. (The realm may
// hold scopes of apps whose tools are not written yet.)
func TestRealmCoversServerScopes(t *testing.T) {
	srv, err := mcp.New(mcp.Options{
		Toolsets: mcp.DefaultToolsets(&mcp.Env{}),
		Client:   func(context.Context) (*nextcloud.Client, error) { return nil, errors.New("not used") },
	})
	if err != nil {
		t.Fatalf("build the server's toolsets: %v", err)
	}
	declared := srv.ScopesSupported()
	if len(declared) == 0 {
		t.Fatal("the server declares no scopes; the toolsets did not load")
	}
	r := loadRealm(t)
	srvClient := r.client(t, serverClientID)
	for _, sc := range declared {
		if r.scope(sc) == nil {
			t.Errorf("tools need scope %q, which the realm does not declare as a client scope", sc)
		}
		if !slices.Contains(srvClient.OptionalClientScopes, sc) {
			t.Errorf("tools need scope %q, which is not an optional client scope of %s", sc, serverClientID)
		}
		if !slices.Contains(toolScopes, sc) {
			t.Errorf("tools need scope %q, missing from toolScopes in realm_test.go", sc)
		}
	}
}
