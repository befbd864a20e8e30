package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

func TestTokensAndDoctorSubcommands(t *testing.T) {
	key, _ := storage.GenerateKey()
	env := envOf(map[string]string{"TOKEN_STORAGE_DB": filepath.Join(t.TempDir(), "t.db"), "TOKEN_ENCRYPTION_KEY": key})
	tests := []struct {
		args     []string
		code     int
		stdout   string
		stderr   string
		noOutput string
	}{
		{args: []string{"tokens", "list"}, code: 0, stdout: "no stored offline grants"},
		{args: []string{"tokens", "list", "--json"}, code: 0, stdout: "[]"},
		{args: []string{"tokens", "revoke", "alice"}, code: 1, stderr: "no stored grant for user alice"},
		{args: []string{"tokens", "rotate-key"}, code: 0, stdout: "re-encrypted 0 tokens"},
		{args: []string{"tokens"}, code: 2, stderr: "usage"},
		{args: []string{"doctor"}, code: 1, stdout: "OIDC_ISSUER is not set", noOutput: key},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, env, strings.NewReader(""), &out, &errb)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errb.String())
			}
			if tt.noOutput != "" && strings.Contains(out.String()+errb.String(), tt.noOutput) {
				t.Fatal("output shows the key")
			}
		})
	}
}
