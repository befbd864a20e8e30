package config

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
)

func TestReadFiles(t *testing.T) {
	files := map[string]string{
		"/run/secrets/key":    "the-key\n",
		"/run/secrets/secret": "s3cr3t\r\n",
		"/run/secrets/empty":  "\n",
		"/run/secrets/url":    "postgres://mcp:pw@db/mcp",
	}
	read := func(p string) ([]byte, error) {
		if v, ok := files[p]; ok {
			return []byte(v), nil
		}
		return nil, fs.ErrNotExist
	}
	e := basicEnv()
	e["TOKEN_ENCRYPTION_KEY_FILE"] = "/run/secrets/key"
	e["OIDC_CLIENT_SECRET_FILE"] = "/run/secrets/secret"
	e["TOKEN_STORAGE_URL_FILE"] = "/run/secrets/url"
	get, err := ReadFiles(env(e), read)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"TOKEN_ENCRYPTION_KEY": "the-key", "OIDC_CLIENT_SECRET": "s3cr3t",
		"TOKEN_STORAGE_URL": "postgres://mcp:pw@db/mcp", "NEXTCLOUD_HOST": e["NEXTCLOUD_HOST"], "NEXTCLOUD_PASSWORD": e["NEXTCLOUD_PASSWORD"]} {
		if got := get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	c, err := Load(nil, get, io.Discard)
	if err != nil || c.TokenStore() != "postgres://mcp:pw@db/mcp" || c.TokenEncryptionKey != "the-key" {
		t.Fatalf("config from files: %+v %v", c, err)
	}

	for _, tc := range []struct {
		name, set, file, want string
	}{
		{"both", "NEXTCLOUD_PASSWORD", "/run/secrets/secret", "NEXTCLOUD_PASSWORD and NEXTCLOUD_PASSWORD_FILE are both set"},
		{"missing", "", "/run/secrets/nope", "TOKEN_ENCRYPTION_KEY_FILE: cannot read /run/secrets/nope"},
		{"empty", "", "/run/secrets/empty", "TOKEN_ENCRYPTION_KEY_FILE: /run/secrets/empty is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := basicEnv()
			name := "TOKEN_ENCRYPTION_KEY"
			if tc.set != "" {
				name = tc.set
			}
			e[name+"_FILE"] = tc.file
			_, err := ReadFiles(env(e), read)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatal("the error shows the file's content")
			}
		})
	}
	if _, err := ReadFiles(env(basicEnv()), func(string) ([]byte, error) { return nil, errors.New("read called") }); err != nil {
		t.Fatalf("no _FILE variable set, yet: %v", err)
	}
}

func TestTokenStore(t *testing.T) {
	e := basicEnv()
	c, err := Load(nil, env(e), io.Discard)
	if err != nil || c.TokenStore() != "tokens.db" {
		t.Fatalf("default store %q %v", c.TokenStore(), err)
	}
	e["TOKEN_STORAGE_URL"] = "mysql://db/x"
	if _, err := Load(nil, env(e), io.Discard); err == nil || !strings.Contains(err.Error(), "TOKEN_STORAGE_URL must be a postgres:// URL") {
		t.Fatalf("err = %v", err)
	}
	e["TOKEN_STORAGE_URL"] = "postgresql://db/x"
	if c, err := Load(nil, env(e), io.Discard); err != nil || c.TokenStore() != "postgresql://db/x" {
		t.Fatalf("store %v", err)
	}
}
