package storage

import "testing"

// wantEach fails for each input in cases that name(input) does not turn
// into its value.
func wantEach(t *testing.T, name string, f func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}

func TestRebind(t *testing.T) {
	wantEach(t, "rebind", rebind, map[string]string{
		`SELECT a FROM t WHERE x = ? AND y = ?`: `SELECT a FROM t WHERE x = $1 AND y = $2`,
		`SELECT '?' FROM t WHERE x = ?`:         `SELECT '?' FROM t WHERE x = $1`,
		`SELECT "a?" FROM t WHERE x IN (?,?,?)`: `SELECT "a?" FROM t WHERE x IN ($1,$2,$3)`,
		`SELECT 1`:                              `SELECT 1`,
	})
}

func TestRedactURL(t *testing.T) {
	wantEach(t, "redactURL", redactURL, map[string]string{
		"postgres://mcp:s3cr3t@db:5432/mcp?sslmode=require": "postgres://mcp:xxxxx@db:5432/mcp?sslmode=require",
		"postgres://mcp@db/mcp":                             "postgres://mcp@db/mcp",
		"postgresql://db/mcp?user=mcp&password=s3cr3t&x=1":  "postgresql://db/mcp?user=mcp&password=xxxxx&x=1",
		"postgres://m%40c:p@ss@db/mcp":                      "postgres://m%40c:xxxxx@db/mcp",
		"/var/lib/nextcloud-mcp/tokens.db":                  "/var/lib/nextcloud-mcp/tokens.db",
		"postgres://:s3cr3t@db/mcp":                         "postgres://:xxxxx@db/mcp",
		"://mcp:s3cr3t@db/mcp":                              "://mcp:xxxxx@db/mcp",
		"postgres://db/mcp?PassWord=s3cr3t":                 "postgres://db/mcp?password=xxxxx",
		"postgres://db/a@b?password=s3cr3t":                 "postgres://db/a@b?password=xxxxx",
	})
}

// Both stores are at the same schema version after the same migrations.
func TestMigrationListsMatch(t *testing.T) {
	if len(pgMigrations) != len(migrations) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite ones: append to both lists", len(pgMigrations), len(migrations))
	}
}
