package storage

import "testing"

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE x = ? AND y = ?`: `SELECT a FROM t WHERE x = $1 AND y = $2`,
		`SELECT '?' FROM t WHERE x = ?`:         `SELECT '?' FROM t WHERE x = $1`,
		`SELECT "a?" FROM t WHERE x IN (?,?,?)`: `SELECT "a?" FROM t WHERE x IN ($1,$2,$3)`,
		`SELECT 1`:                              `SELECT 1`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://mcp:s3cr3t@db:5432/mcp?sslmode=require": "postgres://mcp:xxxxx@db:5432/mcp?sslmode=require",
		"postgres://mcp@db/mcp":                             "postgres://mcp@db/mcp",
		"postgresql://db/mcp?user=mcp&password=s3cr3t&x=1":  "postgresql://db/mcp?user=mcp&password=xxxxx&x=1",
		"postgres://m%40c:p@ss@db/mcp":                      "postgres://m%40c:xxxxx@db/mcp",
		"/var/lib/nextcloud-mcp/tokens.db":                  "/var/lib/nextcloud-mcp/tokens.db",
		"postgres://:s3cr3t@db/mcp":                         "postgres://:xxxxx@db/mcp",
		"://mcp:s3cr3t@db/mcp":                              "://mcp:xxxxx@db/mcp",
		"postgres://db/mcp?PassWord=s3cr3t":                 "postgres://db/mcp?password=xxxxx",
		"postgres://db/a@b?password=s3cr3t":                 "postgres://db/a@b?password=xxxxx",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Both stores are at the same schema version after the same migrations.
func TestMigrationListsMatch(t *testing.T) {
	if len(pgMigrations) != len(migrations) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite ones: append to both lists", len(pgMigrations), len(migrations))
	}
}
