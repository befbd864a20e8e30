package accounts

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Offline is the background-access state (OAuth mode with
// ENABLE_OFFLINE_ACCESS): token store, grant chain, jobs and index.
type Offline struct {
	// Base is the Nextcloud client background clients derive from.
	Base  *nextcloud.Client
	Store *storage.DB
	Chain *oauth.GrantChain
	// Runner runs the background jobs (set once built: it asks Users).
	Runner *jobs.Runner
	// Index is the per-user search index (nil without FTS5).
	Index *storage.Index
	// AppPasswords: users with a login-flow app password get jobs too.
	AppPasswords bool
	// IdP and the client revoke refresh tokens users withdraw.
	IdP                    *oauth.IdP
	ClientID, ClientSecret string
	Logger                 *slog.Logger

	seenMu sync.Mutex
	seen   map[string]time.Time
}

// KnownUserWindow is how long after their last sign-in a user without a
// stored grant keeps getting background jobs by impersonation.
const KnownUserWindow = 30 * 24 * time.Hour

// Users are the users jobs run for (jobs.Accounts).
func (o *Offline) Users(ctx context.Context) ([]string, error) {
	return BackgroundUsers(ctx, o.Store, o.AppPasswords, o.Chain != nil && o.Chain.CanImpersonate())
}

// Client acts as user in the background (jobs.Accounts).
func (o *Offline) Client(ctx context.Context, user string) (*nextcloud.Client, error) {
	return o.Chain.Client(ctx, o.Base, user)
}

// BackgroundUsers are the users jobs run for: those with a stored offline
// grant, and with the login-flow upstream those with an app password.
// With impersonation, users who signed in within KnownUserWindow count
// too: the service account can act for them without a stored grant.
func BackgroundUsers(ctx context.Context, db *storage.DB, appPasswords, impersonation bool) ([]string, error) {
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
		if err := add(db.KnownUsers(ctx, time.Now().Add(-KnownUserWindow))); err != nil {
			return users, err
		}
	}
	return users, nil
}

// seenEvery is how often a caller's sign-in is recorded at most.
const seenEvery = 10 * time.Minute

// MarkSeen records callers of next (at most every 10 minutes per user) so
// that background jobs know whom to run for.
func (o *Offline) MarkSeen(next mcp.ClientFunc) mcp.ClientFunc {
	return func(ctx context.Context) (*nextcloud.Client, error) {
		if user := oauth.UserIDFrom(ctx); user != "" && o.due(user, time.Now()) {
			if err := o.Store.MarkSeen(ctx, user); err != nil {
				o.log().Warn("could not record a sign-in for background jobs", "user", user, "err", err)
			}
		}
		return next(ctx)
	}
}

func (o *Offline) due(user string, now time.Time) bool {
	o.seenMu.Lock()
	defer o.seenMu.Unlock()
	if o.seen == nil {
		o.seen = map[string]time.Time{}
	}
	if now.Sub(o.seen[user]) <= seenEvery {
		return false
	}
	o.seen[user] = now
	return true
}

// enrolled reports whether background jobs run for user (a stored grant).
func (o *Offline) enrolled(ctx context.Context, user string) bool {
	_, err := o.Store.Token(ctx, user)
	return err == nil
}

// JobsStatus feeds nc_jobs_status with the caller's jobs.
func (o *Offline) JobsStatus(ctx context.Context) (string, bool, []mcp.JobStatus, error) {
	user, err := SignedInUser(ctx)
	if err != nil {
		return "", false, nil, err
	}
	var out []mcp.JobStatus
	for _, s := range o.Runner.Status(user) {
		js := mcp.JobStatus{Job: s.Job, Interval: s.Interval.String(), LastOutcome: s.LastOutcome, LastError: s.LastError, Failures: s.Failures, Running: s.Running}
		if !s.LastRun.IsZero() {
			js.LastRun = s.LastRun.UTC().Format(time.RFC3339)
		}
		if !s.NextRun.IsZero() {
			js.NextRun = s.NextRun.UTC().Format(time.RFC3339)
		}
		out = append(out, js)
	}
	return user, o.enrolled(ctx, user), out, nil
}

var (
	_ mcp.JobsBackend = (*Offline)(nil)
	_ jobs.Accounts   = (*Offline)(nil)
)
