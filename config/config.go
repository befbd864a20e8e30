// Package config loads the server's configuration once, from environment
// variables overridden by command-line flags.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server.
type Config struct {
	// Nextcloud
	NextcloudHost     string
	NextcloudUser     string
	NextcloudPassword string
	RequestTimeout    time.Duration
	MaxReadBytes      int64
	SkipStartupCheck  bool
	// MaxUpstream bounds the Nextcloud requests in flight per process.
	MaxUpstream int
	// IndexFetchConcurrency bounds the file reads of one files index sync.
	IndexFetchConcurrency int
	// JobInterval is how often each background job runs per user.
	JobInterval time.Duration

	// MCP
	Transport      string // stdio, sse, http
	Listen         string
	Apps           []string
	ReadOnly       bool
	DisabledTools  []string
	DetectApps     bool
	AllowedHosts   []string
	AllowedOrigins []string

	// DynamicToolsets starts each session with the discovery tools only.
	DynamicToolsets bool
	// MaxRequestBytes caps every HTTP request body (413 beyond it).
	MaxRequestBytes int64
	// SessionIdleTTL ends streamable HTTP sessions idle that long.
	SessionIdleTTL time.Duration
	// SubscriptionPoll is how often subscribed resources are polled.
	SubscriptionPoll time.Duration

	// Logging
	LogLevel  slog.Level
	LogFormat string // text, json

	// Auth: basic (one user from env), basic-passthrough (per request), oauth.
	Auth string

	// OAuth mode
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCAudience     string
	ServerURL        string
	Upstream         string // exchange, passthrough, login-flow
	NextcloudAud     string
	UserIDClaim      string
	OpaqueTokens     string
	// AcceptAZPAudience lets azp/client_id stand in for a missing aud.
	AcceptAZPAudience bool
	MaxTokenLifetime  time.Duration

	// Token storage and offline access
	TokenEncryptionKey string
	TokenStorageDB     string
	// TokenStorageURL is a postgres:// URL; set, it replaces TokenStorageDB.
	TokenStorageURL     string
	EnableOfflineAccess bool
	// Impersonation is auto, on or off (OIDC_IMPERSONATION).
	Impersonation string
}

// Getenv looks up an environment variable (os.Getenv in production).
type Getenv func(string) string

// setting documents one variable: its env name, flag, default and example.
type setting struct {
	env, flag, def, example, help string
}

// Settings is the documented list of variables, in README order.
var settings = []setting{
	{"NEXTCLOUD_HOST", "nextcloud-host", "", "https://cloud.example.com", "Nextcloud base URL"},
	{"NEXTCLOUD_USERNAME", "nextcloud-username", "", "alice", "Nextcloud login name (basic auth mode)"},
	{"NEXTCLOUD_PASSWORD", "", "", "xxxxx-xxxxx-xxxxx-xxxxx-xxxxx", "Nextcloud app password (basic auth mode; env only, never a flag)"},
	{"NEXTCLOUD_MCP_TRANSPORT", "transport", "stdio", "http", "stdio, sse or http (streamable HTTP)"},
	{"NEXTCLOUD_MCP_LISTEN", "listen", "127.0.0.1:8000", "0.0.0.0:8000", "listen address of the HTTP transports"},
	{"NEXTCLOUD_MCP_APPS", "apps", "", "notes,files,calendar", "comma-separated toolsets to enable (default all)"},
	{"NEXTCLOUD_MCP_READ_ONLY", "read-only", "false", "true", "expose only tools that change nothing"},
	{"NEXTCLOUD_MCP_DISABLED_TOOLS", "disabled-tools", "", "nc_files_delete,nc_notes_delete", "comma-separated tool names to hide"},
	{"NEXTCLOUD_MCP_DETECT_APPS", "detect-apps", "true", "false", "hide tools of Nextcloud apps that are not installed (false lists them all)"},
	{"NEXTCLOUD_MCP_DYNAMIC_TOOLSETS", "dynamic-toolsets", "false", "true", "toolsets on demand: a session first sees only nc_toolsets_list, nc_toolsets_list_tools and nc_toolsets_enable"},
	{"NEXTCLOUD_MCP_ALLOWED_HOSTS", "allowed-hosts", "", "mcp.example.com", "Host headers accepted besides loopback (behind a reverse proxy)"},
	{"NEXTCLOUD_MCP_ALLOWED_ORIGINS", "allowed-origins", "", "https://app.example.com", "browser Origins accepted besides loopback"},
	{"NEXTCLOUD_MCP_MAX_REQUEST_BYTES", "max-request-bytes", "16777216", "33554432", "largest HTTP request body accepted on any route (larger ones get 413)"},
	{"NEXTCLOUD_MCP_LOG_LEVEL", "log-level", "info", "debug", "debug, info, warn or error"},
	{"NEXTCLOUD_MCP_LOG_FORMAT", "log-format", "text", "json", "text or json (logs go to stderr)"},
	{"NEXTCLOUD_MCP_TIMEOUT", "timeout", "30s", "60s", "timeout of each Nextcloud request"},
	{"NEXTCLOUD_MCP_MAX_READ_BYTES", "max-read-bytes", "1048576", "5242880", "largest file content returned inline"},
	{"NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS", "max-upstream-requests", "64", "128", "Nextcloud requests in flight per process; more wait up to the timeout, then fail with \"Nextcloud is busy\""},
	{"NEXTCLOUD_MCP_SESSION_IDLE_TTL", "session-idle-ttl", "30m", "10m", "streamable HTTP sessions idle this long are ended"},
	{"NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL", "subscription-poll-interval", "1m", "5m", "how often resources a client subscribed to are checked for changes"},
	{"NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY", "index-fetch-concurrency", "8", "4", "file reads in flight while the search index syncs a user's files"},
	{"NEXTCLOUD_MCP_JOB_INTERVAL", "job-interval", "10m", "30m", "offline access: how often each background job (notes list, search index sync) runs per user"},
	{"NEXTCLOUD_MCP_SKIP_STARTUP_CHECK", "skip-startup-check", "false", "true", "do not check Nextcloud and the credentials at start"},
	{"NEXTCLOUD_MCP_AUTH", "auth", "basic", "oauth", "basic, basic-passthrough or oauth"},
	{"OIDC_ISSUER", "oidc-issuer", "", "https://keycloak.example.com/realms/nextcloud", "OAuth: issuer URL of the identity provider"},
	{"OIDC_CLIENT_ID", "oidc-client-id", "", "mcp-server", "OAuth: this server's client id"},
	{"OIDC_CLIENT_SECRET", "", "", "s3cr3t", "OAuth: this server's client secret (env only)"},
	{"OIDC_AUDIENCE", "oidc-audience", "", "mcp-server", "OAuth: audience tokens must carry (default the client id)"},
	{"NEXTCLOUD_MCP_SERVER_URL", "server-url", "", "https://mcp.example.com", "OAuth: public URL of this server"},
	{"NEXTCLOUD_MCP_UPSTREAM", "upstream", "exchange", "passthrough", "OAuth: how to call Nextcloud as the user: exchange, passthrough or login-flow"},
	{"NEXTCLOUD_OIDC_AUDIENCE", "nextcloud-audience", "nextcloud", "nextcloud", "OAuth: audience of tokens Nextcloud accepts"},
	{"OIDC_OPAQUE_TOKENS", "opaque-tokens", "introspection", "userinfo", "OAuth: how to check non-JWT tokens: introspection, userinfo (IdP dedicated to this server) or reject"},
	{"OIDC_USER_ID_CLAIM", "user-id-claim", "preferred_username", "sub", "OAuth: claim holding the Nextcloud user id"},
	{"OIDC_ACCEPT_AZP_AUDIENCE", "accept-azp-audience", "false", "true", "OAuth: also accept tokens whose azp/client_id (not aud) is OIDC_AUDIENCE; this also admits the server's own exchanged Nextcloud tokens at /mcp"},
	{"OIDC_MAX_TOKEN_LIFETIME", "max-token-lifetime", "24h", "12h", "OAuth: refuse access tokens living longer (exp − iat, or exp − now without iat)"},
	{"TOKEN_ENCRYPTION_KEY", "", "", "(output of nextcloud-mcp-server genkey)", "Fernet key(s), comma-separated, first encrypts (env only)"},
	{"TOKEN_STORAGE_DB", "token-db", "tokens.db", "/data/tokens.db", "SQLite file for refresh tokens and app passwords"},
	{"TOKEN_STORAGE_URL", "", "", "postgres://mcp:pw@db:5432/mcp", "PostgreSQL instead of the SQLite file, shared by several replicas (env only: it may hold a password)"},
	{"ENABLE_OFFLINE_ACCESS", "enable-offline-access", "false", "true", "OAuth: ask for offline_access and run background jobs"},
	{"OIDC_IMPERSONATION", "oidc-impersonation", "auto", "off", "OAuth background jobs: act for users without a stored grant by token exchange with requested_subject (Keycloak legacy V1): auto (probe the IdP at start), on (no probe) or off"},
}

// fileSettings may instead be given as the content of a file named by
// <NAME>_FILE (Kubernetes and Docker secrets mounted as files).
var fileSettings = []string{"NEXTCLOUD_PASSWORD", "OIDC_CLIENT_SECRET", "TOKEN_ENCRYPTION_KEY", "TOKEN_STORAGE_URL"}

// Documented returns (env, default, example, help) rows for the README.
func Documented() [][4]string {
	out := make([][4]string, 0, len(settings)+len(fileSettings))
	for _, s := range settings {
		out = append(out, [4]string{s.env, s.def, s.example, s.help})
	}
	for _, name := range fileSettings {
		out = append(out, [4]string{name + "_FILE", "", "/run/secrets/" + strings.ToLower(name), "file holding " + name + " (a mounted secret; trailing newline ignored)"})
	}
	return out
}

// ReadFiles returns getenv with every fileSettings variable that is not
// set taken from the file its <NAME>_FILE names. Setting both, or naming
// a file that cannot be read or is empty, is an error naming the variable.
func ReadFiles(getenv Getenv, readFile func(string) ([]byte, error)) (Getenv, error) {
	vals := map[string]string{}
	var errs []error
	for _, name := range fileSettings {
		path := strings.TrimSpace(getenv(name + "_FILE"))
		if path == "" {
			continue
		}
		if strings.TrimSpace(getenv(name)) != "" {
			errs = append(errs, fmt.Errorf("%s and %s_FILE are both set: keep one", name, name))
			continue
		}
		b, err := readFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s_FILE: cannot read %s: %w", name, path, err))
			continue
		}
		v := strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s_FILE: %s is empty", name, path))
			continue
		}
		vals[name] = v
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return getenv(k)
	}, nil
}

// ErrHelp is returned when -h was asked for; usage was printed.
var ErrHelp = flag.ErrHelp

// Load reads the environment, then flags, validates, and returns the
// configuration. Errors are one line naming the setting and an example.
func Load(args []string, getenv Getenv, usage io.Writer) (*Config, error) {
	vals := map[string]string{}
	for _, s := range settings {
		v := strings.TrimSpace(getenv(s.env))
		if v == "" {
			v = s.def
		}
		vals[s.env] = v
	}
	fs := flag.NewFlagSet("nextcloud-mcp-server", flag.ContinueOnError)
	fs.SetOutput(usage)
	ptrs := map[string]*string{}
	for _, s := range settings {
		if s.flag == "" {
			continue
		}
		if boolSettings[s.env] {
			v := &boolFlag{s: vals[s.env]}
			fs.Var(v, s.flag, s.help+" ($"+s.env+")")
			ptrs[s.env] = &v.s
			continue
		}
		ptrs[s.env] = fs.String(s.flag, vals[s.env], s.help+" ($"+s.env+")")
	}
	if err := fs.Parse(joinBoolValues(fs, args)); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; settings are flags like --transport http or environment variables", fs.Arg(0))
	}
	for env, p := range ptrs {
		vals[env] = strings.TrimSpace(*p)
	}
	return fromValues(vals)
}

// boolSettings are the true/false settings; their flags may be given
// bare (--read-only) or with a value (--read-only=false).
var boolSettings = map[string]bool{
	"NEXTCLOUD_MCP_READ_ONLY":          true,
	"NEXTCLOUD_MCP_SKIP_STARTUP_CHECK": true,
	"ENABLE_OFFLINE_ACCESS":            true,
	"NEXTCLOUD_MCP_DETECT_APPS":        true,

	"NEXTCLOUD_MCP_DYNAMIC_TOOLSETS": true,
}

// boolFlag is a flag.Value that the flag package treats as boolean; it
// keeps the text so that fromValues checks flags and env alike.
type boolFlag struct{ s string }

func (b *boolFlag) String() string {
	if b == nil {
		return ""
	}
	return b.s
}

func (b *boolFlag) Set(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return fmt.Errorf("must be true or false, not %q", v)
	}
	b.s = v
	return nil
}

func (b *boolFlag) IsBoolFlag() bool { return true }

// joinBoolValues turns "--read-only true" into "--read-only=true", so
// the older spelling with a separate value keeps working.
func joinBoolValues(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimLeft(a, "-")
		if f := fs.Lookup(name); f != nil && name != a && !strings.Contains(name, "=") && i+1 < len(args) {
			if bf, ok := f.Value.(*boolFlag); ok && bf != nil {
				if _, err := strconv.ParseBool(args[i+1]); err == nil {
					out = append(out, a+"="+args[i+1])
					i++
					continue
				}
			}
		}
		out = append(out, a)
	}
	return out
}

func fromValues(v map[string]string) (*Config, error) {
	c := &Config{
		NextcloudHost:      strings.TrimRight(v["NEXTCLOUD_HOST"], "/"),
		NextcloudUser:      v["NEXTCLOUD_USERNAME"],
		NextcloudPassword:  v["NEXTCLOUD_PASSWORD"],
		Transport:          strings.ToLower(v["NEXTCLOUD_MCP_TRANSPORT"]),
		Listen:             v["NEXTCLOUD_MCP_LISTEN"],
		Apps:               list(v["NEXTCLOUD_MCP_APPS"]),
		DisabledTools:      list(v["NEXTCLOUD_MCP_DISABLED_TOOLS"]),
		AllowedHosts:       list(v["NEXTCLOUD_MCP_ALLOWED_HOSTS"]),
		AllowedOrigins:     list(v["NEXTCLOUD_MCP_ALLOWED_ORIGINS"]),
		LogFormat:          strings.ToLower(v["NEXTCLOUD_MCP_LOG_FORMAT"]),
		Auth:               strings.ToLower(v["NEXTCLOUD_MCP_AUTH"]),
		OIDCIssuer:         strings.TrimRight(v["OIDC_ISSUER"], "/"),
		OIDCClientID:       v["OIDC_CLIENT_ID"],
		OIDCClientSecret:   v["OIDC_CLIENT_SECRET"],
		OIDCAudience:       v["OIDC_AUDIENCE"],
		ServerURL:          strings.TrimRight(v["NEXTCLOUD_MCP_SERVER_URL"], "/"),
		Upstream:           strings.ToLower(v["NEXTCLOUD_MCP_UPSTREAM"]),
		NextcloudAud:       v["NEXTCLOUD_OIDC_AUDIENCE"],
		UserIDClaim:        v["OIDC_USER_ID_CLAIM"],
		OpaqueTokens:       strings.ToLower(v["OIDC_OPAQUE_TOKENS"]),
		TokenEncryptionKey: v["TOKEN_ENCRYPTION_KEY"],
		TokenStorageDB:     v["TOKEN_STORAGE_DB"],
		TokenStorageURL:    v["TOKEN_STORAGE_URL"],
		Impersonation:      strings.ToLower(v["OIDC_IMPERSONATION"]),
	}
	var errs []error
	bad := func(env, why string) {
		ex := ""
		for _, s := range settings {
			if s.env == env {
				ex = s.example
			}
		}
		errs = append(errs, fmt.Errorf("%s %s (example: %s=%s)", env, why, env, ex))
	}
	boolOf := func(env string) bool {
		b, err := strconv.ParseBool(v[env])
		if err != nil {
			bad(env, fmt.Sprintf("must be true or false, not %q", v[env]))
		}
		return b
	}
	c.ReadOnly = boolOf("NEXTCLOUD_MCP_READ_ONLY")
	c.SkipStartupCheck = boolOf("NEXTCLOUD_MCP_SKIP_STARTUP_CHECK")
	c.EnableOfflineAccess = boolOf("ENABLE_OFFLINE_ACCESS")
	c.DetectApps = boolOf("NEXTCLOUD_MCP_DETECT_APPS")
	c.DynamicToolsets = boolOf("NEXTCLOUD_MCP_DYNAMIC_TOOLSETS")
	c.AcceptAZPAudience = boolOf("OIDC_ACCEPT_AZP_AUDIENCE")

	if c.NextcloudHost == "" {
		bad("NEXTCLOUD_HOST", "is not set")
	} else if u, err := url.Parse(c.NextcloudHost); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("NEXTCLOUD_HOST", fmt.Sprintf("must be an http(s) URL, not %q", c.NextcloudHost))
	}
	switch c.Transport {
	case "stdio", "sse", "http":
	case "streamable-http", "streamable_http":
		c.Transport = "http"
	default:
		bad("NEXTCLOUD_MCP_TRANSPORT", fmt.Sprintf("must be stdio, sse or http, not %q", c.Transport))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("NEXTCLOUD_MCP_LISTEN", fmt.Sprintf("must be host:port, not %q", c.Listen))
	}
	var err error
	if c.LogLevel, err = parseLevel(v["NEXTCLOUD_MCP_LOG_LEVEL"]); err != nil {
		bad("NEXTCLOUD_MCP_LOG_LEVEL", err.Error())
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("NEXTCLOUD_MCP_LOG_FORMAT", fmt.Sprintf("must be text or json, not %q", c.LogFormat))
	}
	if c.RequestTimeout, err = time.ParseDuration(v["NEXTCLOUD_MCP_TIMEOUT"]); err != nil || c.RequestTimeout <= 0 {
		bad("NEXTCLOUD_MCP_TIMEOUT", fmt.Sprintf("must be a positive duration like 30s, not %q", v["NEXTCLOUD_MCP_TIMEOUT"]))
	}
	if c.MaxReadBytes, err = strconv.ParseInt(v["NEXTCLOUD_MCP_MAX_READ_BYTES"], 10, 64); err != nil || c.MaxReadBytes <= 0 {
		bad("NEXTCLOUD_MCP_MAX_READ_BYTES", fmt.Sprintf("must be a positive number of bytes, not %q", v["NEXTCLOUD_MCP_MAX_READ_BYTES"]))
	}
	if c.MaxTokenLifetime, err = time.ParseDuration(v["OIDC_MAX_TOKEN_LIFETIME"]); err != nil || c.MaxTokenLifetime <= 0 {
		bad("OIDC_MAX_TOKEN_LIFETIME", fmt.Sprintf("must be a positive duration like 24h, not %q", v["OIDC_MAX_TOKEN_LIFETIME"]))
	}
	if c.MaxRequestBytes, err = strconv.ParseInt(v["NEXTCLOUD_MCP_MAX_REQUEST_BYTES"], 10, 64); err != nil || c.MaxRequestBytes <= 0 {
		bad("NEXTCLOUD_MCP_MAX_REQUEST_BYTES", fmt.Sprintf("must be a positive number of bytes, not %q", v["NEXTCLOUD_MCP_MAX_REQUEST_BYTES"]))
	}
	if c.MaxUpstream, err = strconv.Atoi(v["NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS"]); err != nil || c.MaxUpstream <= 0 {
		bad("NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS", fmt.Sprintf("must be a positive number of requests, not %q", v["NEXTCLOUD_MCP_MAX_UPSTREAM_REQUESTS"]))
	}
	if c.IndexFetchConcurrency, err = strconv.Atoi(v["NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY"]); err != nil || c.IndexFetchConcurrency <= 0 {
		bad("NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY", fmt.Sprintf("must be a positive number, not %q", v["NEXTCLOUD_MCP_INDEX_FETCH_CONCURRENCY"]))
	}
	if c.JobInterval, err = time.ParseDuration(v["NEXTCLOUD_MCP_JOB_INTERVAL"]); err != nil || c.JobInterval < time.Second {
		bad("NEXTCLOUD_MCP_JOB_INTERVAL", fmt.Sprintf("must be a duration of at least 1s like 10m, not %q", v["NEXTCLOUD_MCP_JOB_INTERVAL"]))
	}
	if c.SessionIdleTTL, err = time.ParseDuration(v["NEXTCLOUD_MCP_SESSION_IDLE_TTL"]); err != nil || c.SessionIdleTTL <= 0 {
		bad("NEXTCLOUD_MCP_SESSION_IDLE_TTL", fmt.Sprintf("must be a positive duration like 30m, not %q", v["NEXTCLOUD_MCP_SESSION_IDLE_TTL"]))
	}
	if c.SubscriptionPoll, err = time.ParseDuration(v["NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL"]); err != nil || c.SubscriptionPoll < time.Second {
		bad("NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL", fmt.Sprintf("must be a duration of at least 1s like 1m, not %q", v["NEXTCLOUD_MCP_SUBSCRIPTION_POLL_INTERVAL"]))
	}
	if c.TokenStorageURL != "" && !strings.HasPrefix(c.TokenStorageURL, "postgres://") && !strings.HasPrefix(c.TokenStorageURL, "postgresql://") {
		errs = append(errs, errors.New("TOKEN_STORAGE_URL must be a postgres:// URL (example: TOKEN_STORAGE_URL=postgres://mcp:pw@db:5432/mcp); leave it unset to use the SQLite file TOKEN_STORAGE_DB"))
	}
	switch c.Auth {
	case "basic":
		if c.NextcloudUser == "" {
			bad("NEXTCLOUD_USERNAME", "is not set (needed in basic auth mode)")
		}
		if c.NextcloudPassword == "" {
			bad("NEXTCLOUD_PASSWORD", "is not set (needed in basic auth mode; create an app password under Settings → Security)")
		}
	case "basic-passthrough":
		if c.Transport == "stdio" {
			bad("NEXTCLOUD_MCP_AUTH", "basic-passthrough needs an HTTP transport (stdio has no per-request credentials); set NEXTCLOUD_MCP_TRANSPORT=http")
		}
	case "oauth":
		if c.Transport == "stdio" {
			bad("NEXTCLOUD_MCP_AUTH", "oauth needs an HTTP transport (stdio servers take credentials from the environment); set NEXTCLOUD_MCP_TRANSPORT=http")
		}
		if c.OIDCIssuer == "" {
			bad("OIDC_ISSUER", "is not set (needed in oauth mode)")
		}
		if c.OIDCClientID == "" {
			bad("OIDC_CLIENT_ID", "is not set (needed in oauth mode)")
		}
		if c.ServerURL == "" {
			bad("NEXTCLOUD_MCP_SERVER_URL", "is not set (needed in oauth mode for the protected-resource metadata)")
		}
		switch c.Upstream {
		case "exchange", "passthrough", "login-flow":
		default:
			bad("NEXTCLOUD_MCP_UPSTREAM", fmt.Sprintf("must be exchange, passthrough or login-flow, not %q", c.Upstream))
		}
		switch c.OpaqueTokens {
		case "introspection", "userinfo", "reject":
		default:
			bad("OIDC_OPAQUE_TOKENS", fmt.Sprintf("must be introspection, userinfo or reject, not %q", c.OpaqueTokens))
		}
		if c.OIDCAudience == "" {
			c.OIDCAudience = c.OIDCClientID
		}
	default:
		bad("NEXTCLOUD_MCP_AUTH", fmt.Sprintf("must be basic, basic-passthrough or oauth, not %q", c.Auth))
	}
	if c.Auth == "oauth" && c.Upstream == "login-flow" && c.TokenEncryptionKey == "" {
		bad("TOKEN_ENCRYPTION_KEY", "is not set (needed with NEXTCLOUD_MCP_UPSTREAM=login-flow to store app passwords encrypted)")
	}
	switch c.Impersonation {
	case "auto", "on", "off":
	default:
		bad("OIDC_IMPERSONATION", fmt.Sprintf("must be auto, on or off, not %q", c.Impersonation))
	}
	if c.Impersonation == "on" && c.Auth == "oauth" && c.EnableOfflineAccess && c.OIDCClientSecret == "" {
		bad("OIDC_IMPERSONATION", "is on but OIDC_CLIENT_SECRET is not set (impersonation needs the client's service account); set the secret or OIDC_IMPERSONATION=auto")
	}
	if c.EnableOfflineAccess && c.TokenEncryptionKey == "" {
		bad("TOKEN_ENCRYPTION_KEY", "is not set (needed when ENABLE_OFFLINE_ACCESS=true; make one with python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' or `nextcloud-mcp-server genkey`)")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// Logger builds the process logger writing to w (stderr: stdout belongs
// to the stdio transport).
func (c *Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// TokenStore is where the store lives: TOKEN_STORAGE_URL when set, else
// the SQLite file TOKEN_STORAGE_DB (storage.Open takes either).
func (c *Config) TokenStore() string {
	if c.TokenStorageURL != "" {
		return c.TokenStorageURL
	}
	return c.TokenStorageDB
}
