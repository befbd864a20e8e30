package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// offlineState is the background-access part of the app (OAuth mode with
// ENABLE_OFFLINE_ACCESS): token store, grant chain, consent routes, jobs.
type offlineState struct {
	store  *storage.DB
	chain  *oauth.GrantChain
	runner *jobs.Runner
	// notes is the per-user index of note titles and categories the
	// notes_index job keeps fresh.
	notes *jobs.NotesCache
	// index is the per-user search index (nil without FTS5).
	index *storage.Index
	log   *slog.Logger
}

// setupOffline opens the token store, builds the grant chain (stored
// offline grant, then impersonation by token exchange when the client has
// a secret), mounts /oauth/login and /oauth/callback, and starts the job
// runner. The toolset it adds shows the caller's jobs.
func (a *app) setupOffline(ctx context.Context) error {
	cfg := a.cfg
	rs := a.rs
	if rs == nil {
		return errors.New("offline access: the OAuth resource server is not set up")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	db, err := a.openStore(ctx)
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	offline, err := oauth.NewOfflineGrants(oauth.OfflineConfig{Store: db, TokenEndpoint: rs.TokenEndpoint, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, HTTPClient: hc, Logger: a.log})
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	chain := &oauth.GrantChain{Offline: offline, AppPasswords: a.loginFlow, Logger: a.log}
	switch {
	case cfg.Impersonation == oauth.ImpersonationOff:
		chain.ImpersonationOff = "turned off (OIDC_IMPERSONATION=off)"
	case cfg.OIDCClientSecret != "":
		sa, err := oauth.NewServiceAccount(oauth.ServiceAccountConfig{TokenEndpoint: rs.TokenEndpoint, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, HTTPClient: hc, Logger: a.log})
		if err != nil {
			return fmt.Errorf("offline access: %w", err)
		}
		chain.ServiceAccount = sa
		aud := []string{cfg.NextcloudAud}
		chain.Impersonate = rs.Exchanger().Impersonate(aud)
		if cfg.Impersonation != oauth.ImpersonationOn {
			// auto: ask the IdP now rather than letting every job find out.
			chain.Gate = oauth.NewImpersonationGate(func(ctx context.Context) oauth.ProbeResult {
				return oauth.ProbeImpersonation(ctx, sa, rs.Exchanger(), aud)
			}, 0, a.log)
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			chain.Gate.Probe(pctx)
			cancel()
		}
	}
	notes := jobs.NewNotesCache()
	consent, err := oauth.NewConsent(ctx, oauth.ConsentConfig{
		Issuer: cfg.OIDCIssuer, Provider: rs.Provider, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.ServerURL + "/oauth/callback", UserIDClaim: cfg.UserIDClaim,
		Store: db, HTTPClient: hc, Logger: a.log,
		OnGranted: func(user string) { chain.Forget(user) },
	})
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	a.routes = append(a.routes, consent.Register)

	base := a.base
	runner, err := jobs.New(jobs.Options{
		Client: func(ctx context.Context, user string) (*nextcloud.Client, error) {
			return chain.Client(ctx, base, user)
		},
		Users: func(ctx context.Context) ([]string, error) {
			return backgroundUsers(ctx, db, a.loginFlow != nil, chain.CanImpersonate())
		},
		Logger: a.log,
		// Replicas sharing the store run each user's jobs once between them.
		Cluster: db,
		// A short NEXTCLOUD_MCP_JOB_INTERVAL wants the scheduler to look
		// often enough and a dead replica's users taken over soon.
		Tick:     min(5*time.Second, cfg.JobInterval/4),
		LeaseTTL: min(30*time.Second, max(3*cfg.JobInterval, 3*time.Second)),
	})
	if err != nil {
		return err
	}
	if err := runner.Register(notes.Job(cfg.JobInterval)); err != nil {
		return err
	}
	index, err := a.setupIndex(ctx, db, runner)
	if err != nil {
		return fmt.Errorf("offline access: search index: %w", err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		_ = runner.Run(rctx)
		close(done)
	}()
	a.closers = append(a.closers, func() { cancel(); <-done })

	a.offline = &offlineState{store: db, chain: chain, runner: runner, notes: notes, index: index, log: a.log}
	a.extraToolsets = append(a.extraToolsets, mcp.JobsToolset(a.offline.jobsStatus))
	a.log.Info("offline access enabled", "token_db", db.Path(), "impersonation", impersonationWords(chain), "consent", cfg.ServerURL+"/oauth/login")
	return nil
}

// probeTimeout bounds the start-up impersonation probe; an IdP that does
// not answer in time leaves the answer unknown, asked again later.
const probeTimeout = 10 * time.Second

// impersonationWords says for the start-up log whether and why jobs may
// impersonate.
func impersonationWords(chain *oauth.GrantChain) string {
	switch {
	case chain.ImpersonationOff != "":
		return chain.ImpersonationOff
	case chain.Impersonate == nil:
		return "off (no OIDC_CLIENT_SECRET)"
	case chain.Gate == nil:
		return "on (OIDC_IMPERSONATION=on, not probed)"
	}
	return chain.Gate.State().State.String() + " (probed)"
}

// jobsStatus feeds nc_jobs_status with the caller's jobs.
func (o *offlineState) jobsStatus(ctx context.Context) (string, bool, []mcp.JobStatus, error) {
	user, err := signedInUser(ctx)
	if err != nil {
		return "", false, nil, err
	}
	_, err = o.store.Token(ctx, user)
	enrolled := err == nil
	var out []mcp.JobStatus
	for _, s := range o.runner.Status(user) {
		js := mcp.JobStatus{Job: s.Job, Interval: s.Interval.String(), LastOutcome: s.LastOutcome, LastError: s.LastError, Failures: s.Failures, Running: s.Running}
		if !s.LastRun.IsZero() {
			js.LastRun = s.LastRun.UTC().Format(time.RFC3339)
		}
		if !s.NextRun.IsZero() {
			js.NextRun = s.NextRun.UTC().Format(time.RFC3339)
		}
		out = append(out, js)
	}
	return user, enrolled, out, nil
}

// tokensCLI reads what the tokens and doctor commands need from the
// environment (flags of the serve command do not apply to them).
func tokensCLI(getenv config.Getenv) oauth.TokensCLI {
	or := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	offlineOn, _ := strconv.ParseBool(getenv("ENABLE_OFFLINE_ACCESS"))
	return oauth.TokensCLI{
		DBPath: or("TOKEN_STORAGE_URL", or("TOKEN_STORAGE_DB", "tokens.db")), Keys: getenv("TOKEN_ENCRYPTION_KEY"),
		Issuer: getenv("OIDC_ISSUER"), ClientID: getenv("OIDC_CLIENT_ID"), ClientSecret: getenv("OIDC_CLIENT_SECRET"),
		NextcloudAudience: or("NEXTCLOUD_OIDC_AUDIENCE", "nextcloud"),
		OfflineAccess:     offlineOn,
		Impersonation:     strings.ToLower(or("OIDC_IMPERSONATION", oauth.ImpersonationAuto)),
	}
}

// tokensCommand: tokens list|revoke USER|rotate-key|generate-key.
func tokensCommand(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	return oauth.TokensCommand(ctx, args, tokensCLI(getenv), stdout, stderr)
}

// doctorCommand reports what the identity provider supports.
func doctorCommand(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("impersonate", "", "also try a token exchange impersonating this user")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	c := tokensCLI(getenv)
	if (getenv("TOKEN_STORAGE_DB") == "" && getenv("TOKEN_STORAGE_URL") == "") || getenv("TOKEN_ENCRYPTION_KEY") == "" {
		c.DBPath = "" // nothing to check without both
	}
	return oauth.DoctorCommand(ctx, c, *user, stdout, stderr)
}

// backgroundUsers are the users jobs run for: those with a stored offline
// grant, and with the login-flow upstream those with an app password.
// With impersonation, users who signed in within knownUserWindow count
// too: the service account can act for them without a stored grant.
func backgroundUsers(ctx context.Context, db *storage.DB, appPasswords, impersonation bool) ([]string, error) {
	users, err := db.Users(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, u := range users {
		seen[u] = true
	}
	add := func(more []string, err error) error {
		if err != nil {
			return err
		}
		for _, u := range more {
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
		return nil
	}
	if appPasswords {
		if err := add(db.SecretOwners(ctx, oauth.SecretAppPassword)); err != nil {
			return users, err
		}
	}
	if impersonation {
		if err := add(db.KnownUsers(ctx, time.Now().Add(-knownUserWindow))); err != nil {
			return users, err
		}
	}
	return users, nil
}

// knownUserWindow is how long after their last sign-in a user without a
// stored grant keeps getting background jobs by impersonation.
const knownUserWindow = 30 * 24 * time.Hour

// markSeen records callers (at most every 10 minutes per user) so that
// background jobs know whom to run for.
func (o *offlineState) markSeen(next mcp.ClientFunc) mcp.ClientFunc {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(ctx context.Context) (*nextcloud.Client, error) {
		if user := oauth.UserIDFrom(ctx); user != "" {
			mu.Lock()
			due := time.Since(last[user]) > 10*time.Minute
			if due {
				last[user] = time.Now()
			}
			mu.Unlock()
			if due {
				if err := o.store.MarkSeen(ctx, user); err != nil {
					o.log.Warn("could not record a sign-in for background jobs", "user", user, "err", err)
				}
			}
		}
		return next(ctx)
	}
}
