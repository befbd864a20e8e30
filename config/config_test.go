package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func basicEnv() map[string]string {
	return map[string]string{
		"NEXTCLOUD_HOST":     "https://cloud.example.com/",
		"NEXTCLOUD_USERNAME": "alice",
		"NEXTCLOUD_PASSWORD": "app-pass",
	}
}

// wantRefused fails unless Load refuses name=value (over basicEnv) with an
// error that says msg and repeats the value.
func wantRefused(t *testing.T, name, value, msg string) {
	t.Helper()
	e := basicEnv()
	e[name] = value
	if _, err := Load(nil, env(e), io.Discard); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), value) {
		t.Errorf("%s=%s: %v", name, value, err)
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(basicEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.NextcloudHost != "https://cloud.example.com" || c.Transport != "stdio" || c.Listen != "127.0.0.1:8000" || c.Auth != "basic" || c.ReadOnly {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.AcceptAZPAudience || c.MaxTokenLifetime != 24*time.Hour {
		t.Fatalf("azp fallback %v, max token lifetime %v: want off and 24h", c.AcceptAZPAudience, c.MaxTokenLifetime)
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	e := basicEnv()
	e["NEXTCLOUD_MCP_TRANSPORT"] = "sse"
	e["NEXTCLOUD_MCP_APPS"] = "notes"
	c, err := Load([]string{"--transport", "http", "--listen", "127.0.0.1:9000", "--read-only", "true", "--apps", "notes, files"}, env(e), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Transport != "http" || c.Listen != "127.0.0.1:9000" || !c.ReadOnly || strings.Join(c.Apps, "|") != "notes|files" {
		t.Fatalf("flags not applied: %+v", c)
	}
}

func TestLoadErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]string
		args   []string
		want   []string
	}{
		{"missing host", map[string]string{"NEXTCLOUD_HOST": ""}, nil, []string{"NEXTCLOUD_HOST is not set", "example: NEXTCLOUD_HOST=https://"}},
		{"bad host", map[string]string{"NEXTCLOUD_HOST": "cloud.example.com"}, nil, []string{"NEXTCLOUD_HOST must be an http(s) URL"}},
		{"missing password", map[string]string{"NEXTCLOUD_PASSWORD": ""}, nil, []string{"NEXTCLOUD_PASSWORD is not set"}},
		{"bad transport", nil, []string{"--transport", "carrier-pigeon"}, []string{"NEXTCLOUD_MCP_TRANSPORT must be stdio, sse or http", "carrier-pigeon"}},
		{"bad listen", map[string]string{"NEXTCLOUD_MCP_LISTEN": "8000"}, nil, []string{"NEXTCLOUD_MCP_LISTEN must be host:port"}},
		{"bad bool", map[string]string{"NEXTCLOUD_MCP_READ_ONLY": "maybe"}, nil, []string{"NEXTCLOUD_MCP_READ_ONLY must be true or false"}},
		{"bad level", map[string]string{"NEXTCLOUD_MCP_LOG_LEVEL": "loud"}, nil, []string{"NEXTCLOUD_MCP_LOG_LEVEL"}},
		{"oauth on stdio", map[string]string{"NEXTCLOUD_MCP_AUTH": "oauth", "OIDC_ISSUER": "https://idp", "OIDC_CLIENT_ID": "c", "NEXTCLOUD_MCP_SERVER_URL": "https://mcp"}, nil, []string{"oauth needs an HTTP transport"}},
		{"oauth missing issuer", map[string]string{"NEXTCLOUD_MCP_AUTH": "oauth", "NEXTCLOUD_MCP_TRANSPORT": "http"}, nil, []string{"OIDC_ISSUER is not set", "OIDC_CLIENT_ID is not set", "NEXTCLOUD_MCP_SERVER_URL is not set"}},
		{"passthrough on stdio", map[string]string{"NEXTCLOUD_MCP_AUTH": "basic-passthrough"}, nil, []string{"basic-passthrough needs an HTTP transport"}},
		{"offline without key", map[string]string{"ENABLE_OFFLINE_ACCESS": "true"}, nil, []string{"TOKEN_ENCRYPTION_KEY is not set"}},
		{"bad token lifetime", map[string]string{"OIDC_MAX_TOKEN_LIFETIME": "-1h"}, nil, []string{"OIDC_MAX_TOKEN_LIFETIME must be a positive duration"}},
		{"bad azp switch", map[string]string{"OIDC_ACCEPT_AZP_AUDIENCE": "sometimes"}, nil, []string{"OIDC_ACCEPT_AZP_AUDIENCE must be true or false"}},
		{"bad impersonation mode", map[string]string{"OIDC_IMPERSONATION": "maybe"}, nil, []string{"OIDC_IMPERSONATION must be auto, on or off", "maybe"}},
		{"impersonation on without secret", map[string]string{"NEXTCLOUD_MCP_AUTH": "oauth", "NEXTCLOUD_MCP_TRANSPORT": "http", "OIDC_ISSUER": "https://idp", "OIDC_CLIENT_ID": "c",
			"NEXTCLOUD_MCP_SERVER_URL": "https://mcp", "ENABLE_OFFLINE_ACCESS": "true", "TOKEN_ENCRYPTION_KEY": "k", "OIDC_IMPERSONATION": "on"}, nil,
			[]string{"OIDC_IMPERSONATION is on but OIDC_CLIENT_SECRET is not set"}},
		{"stray argument", nil, []string{"serve-me"}, []string{"unexpected argument"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := basicEnv()
			for k, v := range tc.change {
				e[k] = v
			}
			_, err := Load(tc.args, env(e), io.Discard)
			if err == nil {
				t.Fatal("want error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "app-pass") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestImpersonationMode(t *testing.T) {
	for _, tc := range []struct{ env, flag, want string }{{"", "", "auto"}, {"OFF", "", "off"}, {"off", "on", "on"}} {
		e := basicEnv()
		e["OIDC_IMPERSONATION"] = tc.env
		var args []string
		if tc.flag != "" {
			args = []string{"--oidc-impersonation", tc.flag}
		}
		c, err := Load(args, env(e), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.Impersonation != tc.want {
			t.Errorf("env %q flag %q: Impersonation = %q, want %q", tc.env, tc.flag, c.Impersonation, tc.want)
		}
	}
}

func TestDocumentedCoversEveryEnv(t *testing.T) {
	rows := Documented()
	if len(rows) < 20 {
		t.Fatalf("only %d documented settings", len(rows))
	}
	for _, r := range rows {
		if r[0] == "" || r[3] == "" {
			t.Errorf("undocumented row %v", r)
		}
	}
}

// Boolean flags work bare (as the README writes them), with =value and
// with a separate value; a bad value blames the flag, not the variable.
func TestBoolFlags(t *testing.T) {
	tests := []struct {
		args           []string
		env            map[string]string
		readOnly, skip bool
	}{
		{[]string{"--read-only"}, nil, true, false},
		{[]string{"-read-only"}, nil, true, false},
		{[]string{"--read-only=true"}, nil, true, false},
		{[]string{"--read-only=false"}, map[string]string{"NEXTCLOUD_MCP_READ_ONLY": "true"}, false, false},
		{[]string{"--read-only", "false"}, map[string]string{"NEXTCLOUD_MCP_READ_ONLY": "true"}, false, false},
		{[]string{"--read-only", "--skip-startup-check"}, nil, true, true},
		{[]string{"--skip-startup-check", "--transport", "stdio"}, nil, false, true},
		{nil, map[string]string{"NEXTCLOUD_MCP_READ_ONLY": "true"}, true, false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			e := basicEnv()
			for k, v := range tc.env {
				e[k] = v
			}
			c, err := Load(tc.args, env(e), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.ReadOnly != tc.readOnly || c.SkipStartupCheck != tc.skip {
				t.Fatalf("read-only = %v, skip-startup-check = %v; want %v, %v", c.ReadOnly, c.SkipStartupCheck, tc.readOnly, tc.skip)
			}
		})
	}
	for _, args := range [][]string{{"--read-only", "--x"}, {"--read-only=maybe"}} {
		_, err := Load(args, env(basicEnv()), io.Discard)
		if err == nil {
			t.Fatalf("%v: want error", args)
		}
		if strings.Contains(err.Error(), "NEXTCLOUD_MCP_READ_ONLY") {
			t.Errorf("%v: error %q blames the environment variable", args, err)
		}
	}
	if _, err := Load([]string{"--read-only", "--x"}, env(basicEnv()), io.Discard); err == nil || !strings.Contains(err.Error(), "-x") {
		t.Errorf("--read-only --x: error %v does not name -x", err)
	}
	if _, err := Load([]string{"--read-only=maybe"}, env(basicEnv()), io.Discard); err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("--read-only=maybe: error %v does not name the flag and value", err)
	}
}
