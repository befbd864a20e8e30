package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/accounts"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
)

// setupOffline opens the token store, builds the grant chain (stored
// offline grant, then impersonation by token exchange when the client has
// a secret), mounts /oauth/login and /oauth/callback, and starts the job
// runner. The toolset it adds shows the caller's jobs.
func (a *app) setupOffline(ctx context.Context) error {
	cfg := a.cfg
	rs, idp := a.rs, a.idp
	if rs == nil || idp == nil {
		return errors.New("offline access: the OAuth resource server is not set up")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	db, err := a.openStore(ctx)
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	offline, err := oauth.NewOfflineGrants(oauth.OfflineConfig{Store: db, IdP: idp, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, HTTPClient: hc, Logger: a.log})
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	chain := &oauth.GrantChain{Offline: offline, AppPasswords: a.loginFlow, Logger: a.log}
	switch {
	case cfg.Impersonation == oauth.ImpersonationOff:
		chain.ImpersonationOff = "turned off (OIDC_IMPERSONATION=off)"
	case cfg.OIDCClientSecret != "":
		sa, err := oauth.NewServiceAccount(oauth.ServiceAccountConfig{IdP: idp, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, HTTPClient: hc, Logger: a.log})
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
		Issuer: cfg.OIDCIssuer, IdP: idp, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.ServerURL + "/oauth/callback", UserIDClaim: cfg.UserIDClaim,
		Store: db, HTTPClient: hc, Logger: a.log,
		OnGranted: func(user string) { chain.Forget(user) },
	})
	if err != nil {
		return fmt.Errorf("offline access: %w", err)
	}
	a.routes = append(a.routes, consent.Register)

	off := &accounts.Offline{Base: a.base, Store: db, Chain: chain, AppPasswords: a.loginFlow != nil,
		IdP: idp, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, Logger: a.log}
	runner, err := jobs.New(jobs.Options{Accounts: off, Logger: a.log,
		// Replicas sharing the store run each user's jobs once between them.
		Cluster: db,
		// A short NEXTCLOUD_MCP_JOB_INTERVAL wants the scheduler to look
		// often enough and a dead replica's users taken over soon.
		Tick:     min(5*time.Second, cfg.JobInterval/4),
		LeaseTTL: min(30*time.Second, max(3*cfg.JobInterval, 3*time.Second)),
		// Each result goes to the user's MCP sessions as a log message.
		OnDone: a.jobDone,
	})
	if err != nil {
		return err
	}
	off.Runner = runner
	if err := runner.Register(notes.Job(cfg.JobInterval)); err != nil {
		return err
	}
	if off.Index, err = a.setupIndex(ctx, db, runner); err != nil {
		return fmt.Errorf("offline access: search index: %w", err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		_ = runner.Run(rctx)
		close(done)
	}()
	a.closers = append(a.closers, func() { cancel(); <-done })

	a.offline = off
	a.log.Info("offline access enabled", "token_db", db.Path(), "impersonation", impersonationWords(chain), "consent", cfg.ServerURL+"/oauth/login")
	return nil
}

// jobDone tells the MCP sessions of the run's user how a background job
// ended (the MCP server is built after the runner starts).
func (a *app) jobDone(r jobs.Report) {
	srv := a.jobsMCP.Load()
	if srv == nil {
		return
	}
	res := mcp.JobResult{Job: r.Job, NextRun: r.NextRun, Failed: r.Outcome == jobs.OutcomeError, NoGrant: r.Outcome == jobs.OutcomeNoGrant}
	if r.Err != nil && res.Failed {
		res.Reason = r.Err.Error()
	}
	for _, c := range r.Counts {
		res.Counts = append(res.Counts, mcp.JobCount{What: c.What, N: c.N})
	}
	srv.JobFinished(r.User, res)
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
