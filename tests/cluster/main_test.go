package cluster

import (
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/pgtest"
)

// TestMain stops the PostgreSQL cluster the OAuth test started.
func TestMain(m *testing.M) { pgtest.Main(m) }
