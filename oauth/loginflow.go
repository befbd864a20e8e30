package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// Secret kinds of the Login Flow v2 strategy in the encrypted store.
const (
	SecretAppPassword = "nc_app_password"
	SecretLoginFlow   = "nc_login_flow"
)

// ErrNeedsProvisioning means the user has not yet granted this server an
// app password through Nextcloud's login flow.
var ErrNeedsProvisioning = errors.New("this server has no Nextcloud access for you yet: call nc_auth_provision_access and open the link it gives")

// LoginFlowManager gives each OAuth user a Nextcloud app password obtained
// through Login Flow v2, stored Fernet-encrypted. It works on stock
// Nextcloud, where bearer tokens are not accepted by every app.
type LoginFlowManager struct {
	base      *nextcloud.Client
	db        *storage.DB
	log       *slog.Logger
	pollEvery time.Duration
	flowTTL   time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inflight map[string]*flowRun
}

type flowRun struct {
	loginURL string
	expires  time.Time
	done     chan struct{}
	err      error
}

type storedAppPassword struct {
	LoginName   string    `json:"login_name"`
	AppPassword string    `json:"app_password"`
	Created     time.Time `json:"created"`
}

type storedFlow struct {
	LoginURL     string    `json:"login_url"`
	PollToken    string    `json:"poll_token"`
	PollEndpoint string    `json:"poll_endpoint"`
	Expires      time.Time `json:"expires"`
}

// LoginFlowOptions tune polling; zero values get defaults (2s, 20m).
type LoginFlowOptions struct {
	PollEvery time.Duration
	FlowTTL   time.Duration
	Logger    *slog.Logger
}

// NewLoginFlowManager builds the manager; Close stops its pollers.
func NewLoginFlowManager(base *nextcloud.Client, db *storage.DB, o LoginFlowOptions) *LoginFlowManager {
	if o.PollEvery <= 0 {
		o.PollEvery = 2 * time.Second
	}
	if o.FlowTTL <= 0 {
		o.FlowTTL = 20 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &LoginFlowManager{base: base, db: db, log: o.Logger, pollEvery: o.PollEvery, flowTTL: o.FlowTTL,
		ctx: ctx, cancel: cancel, inflight: map[string]*flowRun{}}
}

// Close stops pending polls (their flows stay stored and resume later).
func (m *LoginFlowManager) Close() {
	m.cancel()
	m.wg.Wait()
}

// ClientFor returns a client acting as userID with the stored app password.
func (m *LoginFlowManager) ClientFor(ctx context.Context, userID string) (*nextcloud.Client, error) {
	ap, err := m.appPassword(ctx, userID)
	if err != nil {
		return nil, err
	}
	return m.base.WithUser(userID, nextcloud.BasicAuth{Username: ap.LoginName, Password: ap.AppPassword}), nil
}

func (m *LoginFlowManager) appPassword(ctx context.Context, userID string) (*storedAppPassword, error) {
	raw, err := m.db.GetSecret(ctx, userID, SecretAppPassword)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNeedsProvisioning
	}
	if err != nil {
		return nil, fmt.Errorf("read your stored Nextcloud app password: %w", err)
	}
	var ap storedAppPassword
	if err := json.Unmarshal(raw, &ap); err != nil || ap.AppPassword == "" {
		return nil, fmt.Errorf("your stored Nextcloud app password is unreadable; call nc_auth_revoke_access, then nc_auth_provision_access")
	}
	return &ap, nil
}

// ProvisionStatus says where a user's Nextcloud access stands.
type ProvisionStatus struct {
	// State is "ready", "pending" (waiting for the user to log in) or "none".
	State     string    `json:"state"`
	LoginURL  string    `json:"login_url,omitempty"`
	Expires   time.Time `json:"expires,omitempty"`
	LoginName string    `json:"login_name,omitempty"`
	Since     time.Time `json:"since,omitempty"`
	LastError string    `json:"last_error,omitempty"`
}

// Status reports the user's state without changing anything.
func (m *LoginFlowManager) Status(ctx context.Context, userID string) (ProvisionStatus, error) {
	ap, err := m.appPassword(ctx, userID)
	if err == nil {
		return ProvisionStatus{State: "ready", LoginName: ap.LoginName, Since: ap.Created}, nil
	}
	if !errors.Is(err, ErrNeedsProvisioning) {
		return ProvisionStatus{}, err
	}
	m.mu.Lock()
	run := m.inflight[userID]
	m.mu.Unlock()
	if run != nil {
		st := ProvisionStatus{State: "pending", LoginURL: run.loginURL, Expires: run.expires}
		select {
		case <-run.done:
			st.State = "none"
			if run.err != nil {
				st.LastError = run.err.Error()
			}
		default:
		}
		return st, nil
	}
	return ProvisionStatus{State: "none"}, nil
}

// Provision starts (or joins) a login flow for userID and returns the URL
// the user must open. Concurrent calls for one user share one flow, so
// they cannot leave two app passwords behind.
func (m *LoginFlowManager) Provision(ctx context.Context, userID string) (ProvisionStatus, error) {
	if userID == "" {
		return ProvisionStatus{}, errors.New("provision access: no user id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ap, err := m.appPassword(ctx, userID); err == nil {
		return ProvisionStatus{State: "ready", LoginName: ap.LoginName, Since: ap.Created}, nil
	} else if !errors.Is(err, ErrNeedsProvisioning) {
		return ProvisionStatus{}, err
	}
	if run := m.inflight[userID]; run != nil {
		select {
		case <-run.done:
		default:
			return ProvisionStatus{State: "pending", LoginURL: run.loginURL, Expires: run.expires}, nil
		}
	}
	// A flow stored before a restart is still good until it expires.
	var flow storedFlow
	if raw, err := m.db.GetSecret(ctx, userID, SecretLoginFlow); err == nil && json.Unmarshal(raw, &flow) == nil && time.Now().Before(flow.Expires) {
		m.startPoller(userID, flow)
		return ProvisionStatus{State: "pending", LoginURL: flow.LoginURL, Expires: flow.Expires}, nil
	}
	f, err := m.base.StartLoginFlow(ctx)
	if err != nil {
		return ProvisionStatus{}, err
	}
	flow = storedFlow{LoginURL: f.LoginURL, PollToken: f.PollToken, PollEndpoint: f.PollEndpoint, Expires: time.Now().Add(m.flowTTL)}
	raw, err := json.Marshal(flow)
	if err != nil {
		return ProvisionStatus{}, err
	}
	if err := m.db.PutSecret(ctx, userID, SecretLoginFlow, raw, flow.Expires); err != nil {
		return ProvisionStatus{}, fmt.Errorf("remember the pending Nextcloud login: %w", err)
	}
	m.startPoller(userID, flow)
	return ProvisionStatus{State: "pending", LoginURL: flow.LoginURL, Expires: flow.Expires}, nil
}

// startPoller runs with m.mu held.
func (m *LoginFlowManager) startPoller(userID string, flow storedFlow) {
	run := &flowRun{loginURL: flow.LoginURL, expires: flow.Expires, done: make(chan struct{})}
	m.inflight[userID] = run
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		run.err = m.poll(userID, flow)
		close(run.done)
		if run.err != nil && !errors.Is(run.err, context.Canceled) {
			m.log.Warn("Nextcloud login flow ended without access", "user", userID, "err", run.err)
		}
	}()
}

func (m *LoginFlowManager) poll(userID string, flow storedFlow) error {
	ctx, cancel := context.WithDeadline(m.ctx, flow.Expires)
	defer cancel()
	t := time.NewTicker(m.pollEvery)
	defer t.Stop()
	for {
		ap, err := m.base.PollLoginFlow(ctx, flow.PollEndpoint, flow.PollToken)
		switch {
		case err == nil:
			return m.finish(userID, ap)
		case errors.Is(err, nextcloud.ErrLoginPending):
		case ctx.Err() != nil:
		default:
			m.log.Debug("login flow poll failed; will retry", "user", userID, "err", err)
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				_, _ = m.db.DeleteSecret(context.Background(), userID, SecretLoginFlow)
				return errors.New("the Nextcloud login was not completed in time; call nc_auth_provision_access again")
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// finish checks the app password belongs to userID, then stores it.
func (m *LoginFlowManager) finish(userID string, ap *nextcloud.AppPassword) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := m.base.WithUser(userID, nextcloud.BasicAuth{Username: ap.LoginName, Password: ap.AppPassword})
	me, err := c.CurrentUser(ctx)
	if err != nil {
		return fmt.Errorf("check the new app password: %w", err)
	}
	if me.ID != userID {
		// Someone signed in as another account: do not keep a password
		// that would let this user act as them.
		_ = c.DeleteAppPassword(ctx)
		_, _ = m.db.DeleteSecret(ctx, userID, SecretLoginFlow)
		return fmt.Errorf("the Nextcloud login was completed as %q, but you are %q; sign in to Nextcloud as yourself and try again", me.ID, userID)
	}
	raw, err := json.Marshal(storedAppPassword{LoginName: ap.LoginName, AppPassword: ap.AppPassword, Created: time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := m.db.PutSecret(ctx, userID, SecretAppPassword, raw, time.Time{}); err != nil {
		_ = c.DeleteAppPassword(ctx) // do not leave an app password nobody knows
		return fmt.Errorf("store the new app password: %w", err)
	}
	_, _ = m.db.DeleteSecret(ctx, userID, SecretLoginFlow)
	m.log.Info("Nextcloud access provisioned", "user", userID)
	return nil
}

// Wait blocks until the user's pending flow ends (tests and tools that
// want to wait a little for the user).
func (m *LoginFlowManager) Wait(ctx context.Context, userID string) error {
	m.mu.Lock()
	run := m.inflight[userID]
	m.mu.Unlock()
	if run == nil {
		return nil
	}
	select {
	case <-run.done:
		return run.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Revoke deletes the app password at Nextcloud and here. It reports
// whether there was one.
func (m *LoginFlowManager) Revoke(ctx context.Context, userID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _ = m.db.DeleteSecret(ctx, userID, SecretLoginFlow)
	ap, err := m.appPassword(ctx, userID)
	if errors.Is(err, ErrNeedsProvisioning) {
		return false, nil
	}
	if err == nil {
		c := m.base.WithUser(userID, nextcloud.BasicAuth{Username: ap.LoginName, Password: ap.AppPassword})
		if err := c.DeleteAppPassword(ctx); err != nil && !errors.Is(err, nextcloud.ErrUnauthorized) {
			// Keep the row so the user can retry; an already revoked
			// password (401) is fine to forget.
			return false, err
		}
	}
	if _, err := m.db.DeleteSecret(ctx, userID, SecretAppPassword); err != nil {
		return false, err
	}
	return true, nil
}

// PurgeExpired removes expired pending flows from the store.
func (m *LoginFlowManager) PurgeExpired(ctx context.Context) (int, error) {
	return m.db.PurgeExpired(ctx)
}
