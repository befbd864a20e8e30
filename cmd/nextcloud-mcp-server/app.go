package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/accounts"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/basicauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// app is the wired server: configuration, clients, MCP server, HTTP routes.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	base    *nextcloud.Client
	mcp     *mcp.Server
	metrics *metrics
	// ready checks run for /health/ready; OAuth mode adds the IdP.
	ready   []readyCheck
	closers []func()
	// auth authenticates the MCP endpoints and names the caller MCP
	// sessions are bound to; nil in basic mode (one user).
	auth mcp.Authenticator
	// routes adds mode-specific HTTP routes (OAuth metadata, consent).
	routes []func(mux *http.ServeMux)
	// offline is set when ENABLE_OFFLINE_ACCESS runs background jobs.
	offline *accounts.Offline
	// store is the token database, opened once (see openStore).
	store *storage.DB
	// idp is the identity provider (OAuth mode), discovered once and
	// shared by the resource server, offline access and consent.
	idp *oauth.IdP
	// rs is the OAuth resource server (OAuth mode).
	rs *oauth.ResourceServer
	// loginFlow provisions per-user app passwords (upstream login-flow).
	loginFlow *oauth.LoginFlowManager
	// jobsMCP is mcp once built: background job results go to its sessions.
	jobsMCP atomic.Pointer[mcp.Server]
}

type readyCheck struct {
	name  string
	check func(ctx context.Context) error
}

func newApp(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: logger, metrics: newMetrics()}
	base, err := nextcloud.New(nextcloud.Options{
		BaseURL:   cfg.NextcloudHost,
		Timeout:   cfg.RequestTimeout,
		Transport: a.metrics.instrument(nextcloud.NewTransport()),
		// One bound for tools and background jobs alike.
		MaxInFlight: cfg.MaxUpstream,
		UserAgent:   "nextcloud-mcp-server/" + version,
		Logger:      logger,
	})
	if err != nil {
		return nil, fmt.Errorf("NEXTCLOUD_HOST: %w", err)
	}
	a.base = base
	a.ready = append(a.ready, readyCheck{"nextcloud", func(ctx context.Context) error {
		_, err := base.Capabilities(ctx)
		return err
	}})

	var clientFor mcp.ClientFunc
	var scopes mcp.ScopeFunc
	switch cfg.Auth {
	case "basic":
		user := base.WithUser(cfg.NextcloudUser, nextcloud.BasicAuth{Username: cfg.NextcloudUser, Password: cfg.NextcloudPassword})
		if !cfg.SkipStartupCheck {
			id, err := checkNextcloud(ctx, base, user, cfg)
			if err != nil {
				return nil, err
			}
			// The DAV user id can differ from the login name (LDAP).
			user = base.WithUser(id, nextcloud.BasicAuth{Username: cfg.NextcloudUser, Password: cfg.NextcloudPassword})
		}
		clientFor = func(context.Context) (*nextcloud.Client, error) { return user, nil }
	case "basic-passthrough":
		pt := basicauth.New(base, logger)
		a.auth = pt
		clientFor = pt.ClientFor
		if !cfg.SkipStartupCheck {
			if _, err := base.Capabilities(ctx); err != nil {
				return nil, capabilitiesFailed(cfg.NextcloudHost, err)
			}
		}
	case "oauth":
		var err error
		clientFor, scopes, err = a.setupOAuth(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.EnableOfflineAccess {
			if err := a.setupOffline(ctx); err != nil {
				return nil, err
			}
			clientFor = a.offline.MarkSeen(clientFor)
		}
	default:
		return nil, fmt.Errorf("unsupported auth mode %q", cfg.Auth)
	}

	env := &mcp.Env{Logger: logger, MaxReadBytes: cfg.MaxReadBytes}
	if cfg.Auth == "oauth" {
		env.Auth = &accounts.Accounts{Mode: cfg.Auth, Upstream: cfg.Upstream, ServerURL: cfg.ServerURL, LoginFlow: a.loginFlow, Offline: a.offline}
	}
	if a.offline != nil {
		env.Jobs, env.Index = a.offline, a.offline.IndexBackend()
	}
	toolsets := mcp.DefaultToolsets(env)
	srv, err := mcp.New(mcp.Options{
		Name:          "nextcloud-mcp-server",
		Version:       version,
		Instructions:  instructions,
		Toolsets:      toolsets,
		Apps:          cfg.Apps,
		ReadOnly:      cfg.ReadOnly,
		DisabledTools: cfg.DisabledTools,
		Client:        clientFor,
		Scopes:        scopes,
		User:          oauth.UserIDFrom, // "" in basic mode, where no background jobs run
		Observe:       a.metrics.observeTool,
		DetectApps:    cfg.DetectApps,
		Logger:        logger,

		DynamicToolsets: cfg.DynamicToolsets,
		// resources/subscribe (mcp/subscriptions.go)
		SubscriptionPoll: cfg.SubscriptionPoll,
	})
	if err != nil {
		return nil, err
	}
	a.mcp = srv
	a.jobsMCP.Store(srv)
	logger.Info("MCP server ready", "tools", len(srv.ToolNames()), "auth", cfg.Auth, "transport", cfg.Transport, "read_only", cfg.ReadOnly)
	return a, nil
}

const instructions = `This server works in the user's Nextcloud: notes, files, calendars, tasks, contacts, Deck boards, Tables, shares and more.
List before you act: find ids with the list and search tools, then get, update or delete by id.
Updates send the item's ETag; if a tool reports that an item changed meanwhile, fetch it again and re-apply the change.
Destructive tools (delete, send) are marked as such; ask the user before calling them.`

// capabilitiesFailed explains a failed capabilities request at startup:
// no answer at all, an answer that is not Nextcloud's (404: another site,
// or NEXTCLOUD_HOST lacks the sub-path Nextcloud is installed under), or
// Nextcloud failing.
func capabilitiesFailed(host string, err error) error {
	const path = "/ocs/v2.php/cloud/capabilities"
	var ne *nextcloud.Error
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("startup check: %s answers, but not as Nextcloud: %s is not Nextcloud's OCS JSON. Either it is not a Nextcloud server or the path prefix is wrong: set NEXTCLOUD_HOST to the address you open Nextcloud at, with its sub-path if it has one (like https://example.com/nextcloud)", host, path)
	}
	if !errors.As(err, &ne) {
		return fmt.Errorf("startup check: Nextcloud at NEXTCLOUD_HOST=%s does not answer (tried %s): %w", host, path, err)
	}
	switch {
	case ne.Status == http.StatusNotFound:
		return fmt.Errorf("startup check: %s answers, but not as Nextcloud: %s is 404 Not Found. Either it is not a Nextcloud server or the path prefix is wrong: set NEXTCLOUD_HOST to the address you open Nextcloud at, with its sub-path if it has one (like https://example.com/nextcloud)", host, path)
	case ne.Status >= 500:
		return fmt.Errorf("startup check: Nextcloud at NEXTCLOUD_HOST=%s answers %s with %d %s: it is failing or in maintenance mode; try again later or ask the administrator to check its log", host, path, ne.Status, http.StatusText(ne.Status))
	}
	return fmt.Errorf("startup check: %s answers %s with %d %s, which Nextcloud does not; check that NEXTCLOUD_HOST is the address you open Nextcloud at", host, path, ne.Status, http.StatusText(ne.Status))
}

// checkNextcloud tells apart "Nextcloud does not answer" from "the
// credentials are wrong" and returns the user id.
func checkNextcloud(ctx context.Context, base, user *nextcloud.Client, cfg *config.Config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	caps, err := base.Capabilities(ctx)
	if err != nil {
		return "", capabilitiesFailed(cfg.NextcloudHost, err)
	}
	me, err := user.CurrentUser(ctx)
	if errors.Is(err, nextcloud.ErrUnauthorized) {
		return "", fmt.Errorf("startup check: Nextcloud %s answers, but rejected the credentials of NEXTCLOUD_USERNAME=%s: check NEXTCLOUD_PASSWORD (use an app password from Settings → Security)", caps.Version.String, cfg.NextcloudUser)
	}
	if err != nil {
		return "", fmt.Errorf("startup check: Nextcloud %s answers, but checking the credentials of %s failed: %w", caps.Version.String, cfg.NextcloudUser, err)
	}
	if me.ID == "" {
		return cfg.NextcloudUser, nil
	}
	return me.ID, nil
}

// Serve runs the chosen transport until ctx ends.
func (a *app) Serve(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	if a.cfg.Transport == "stdio" {
		a.log.Info("serving MCP on stdio")
		err := a.mcp.ServeStdio(ctx, stdin, stdout, nil)
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
			return fmt.Errorf("stdio transport: %w", err)
		}
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on NEXTCLOUD_MCP_LISTEN=%s: %w", a.cfg.Listen, err)
	}
	return a.serveHTTP(ctx, ln)
}

func (a *app) handler() (http.Handler, *mcp.HTTPTransport) {
	tr := a.mcp.HTTPHandler(mcp.HTTPOptions{
		AllowedHosts:   a.cfg.AllowedHosts,
		AllowedOrigins: a.cfg.AllowedOrigins,
		Auth:           a.auth,
		SessionIdleTTL: a.cfg.SessionIdleTTL,
		// Replicas share TOKEN_ENCRYPTION_KEY: each accepts the others' sessions.
		SessionSecret: []byte(a.cfg.TokenEncryptionKey),
	})
	mux := http.NewServeMux()
	mux.Handle("/mcp", tr)
	mux.Handle("/sse", tr)
	mux.Handle("/message", tr)
	mux.HandleFunc("GET /health/live", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /health/ready", a.readyHandler)
	mux.Handle("GET /metrics", a.metrics.handler())
	for _, r := range a.routes {
		r(mux)
	}
	// Every route, not just MCP, checks Host/Origin (DNS rebinding) and
	// caps bodies before anything else reads them.
	return mcp.OriginGuard(a.cfg.AllowedHosts, a.cfg.AllowedOrigins, a.log, mcp.LimitBody(a.cfg.MaxRequestBytes, mux)), tr
}

func (a *app) serveHTTP(ctx context.Context, ln net.Listener) error {
	if a.cfg.Auth == "basic" && !loopbackOnly(ln.Addr()) {
		a.log.Warn("basic auth mode listens on a non-loopback address: anyone who can reach it acts in Nextcloud as the configured user; listen on 127.0.0.1, or use basic-passthrough or oauth for a shared server",
			"addr", ln.Addr().String(), "user", a.cfg.NextcloudUser)
	}
	h, tr := a.handler()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	a.log.Info("serving MCP over HTTP", "addr", ln.Addr().String(), "streamable_http", "/mcp", "sse", "/sse")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = tr.Shutdown(shutCtx)
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// loopbackOnly reports whether addr is reachable only from this machine.
func loopbackOnly(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// readyHandler answers 200 only when Nextcloud (and in OAuth mode the
// IdP) answer; the body says which check failed.
func (a *app) readyHandler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make([]result, len(a.ready))
	var wg sync.WaitGroup
	for i, c := range a.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = result{c.name, c.check(ctx)}
		}()
	}
	wg.Wait()
	status := http.StatusOK
	body := struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}{Status: "ready", Checks: make(map[string]string, len(results))}
	for _, res := range results {
		body.Checks[res.name] = "ok"
		if res.err != nil {
			status = http.StatusServiceUnavailable
			body.Status = "unavailable"
			body.Checks[res.name] = "unavailable"
			a.log.Warn("readiness check failed", "check", res.name, "err", res.err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Close releases resources (token store, background jobs).
func (a *app) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}
