// Package e2ekc runs the MCP server (the real binary) against a real
// Keycloak (tests/kctest, one per package run) and the in-process test
// Nextcloud, which accepts a bearer token only after verifying it against
// Keycloak's JWKS with audience nextcloud, as user_oidc does.
package e2ekc

import (
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/kctest"
)

func TestMain(m *testing.M) { kctest.Main(m) }
