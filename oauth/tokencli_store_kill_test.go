package oauth

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// A token database that fails makes each tokens command exit 1 naming
// what failed, never print an empty list or report a grant deleted.
func TestTokensCommandsReportStoreFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, sql string
		args      []string
		errHas    string
	}{
		{"list", `ALTER TABLE refresh_tokens RENAME TO refresh_tokens_gone`, []string{"list"}, "list tokens"},
		{"list json", `ALTER TABLE refresh_tokens RENAME TO refresh_tokens_gone`, []string{"list", "-json"}, "list tokens"},
		{"rotate-key", `ALTER TABLE refresh_tokens RENAME TO refresh_tokens_gone`, []string{"rotate-key"}, "re-encrypt"},
		{"revoke", `CREATE TRIGGER fail_delete BEFORE DELETE ON refresh_tokens BEGIN SELECT RAISE(FAIL, 'injected failure'); END`,
			[]string{"revoke", "alice"}, "delete token of alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := storage.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "tokens.db")
			db, err := storage.Open(ctx, path, storage.Options{Keys: key})
			if err != nil {
				t.Fatal(err)
			}
			saveToken(t, db, storage.Token{UserID: "alice", Issuer: "i", Subject: "s", RefreshToken: "rt-alice"})
			db.Close()
			raw, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = raw.Exec(tc.sql)
			raw.Close()
			if err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runTokens(t, TokensCLI{DBPath: path, Keys: key}, tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("exit %d, stderr %q; want 1 naming %q (stdout %q)", code, errOut, tc.errHas, out)
			}
			if strings.Contains(out, "deleted") || strings.Contains(out, "re-encrypted") || strings.Contains(out+errOut, "rt-alice") {
				t.Fatalf("stdout %q claims success or shows the token", out)
			}
		})
	}
}
