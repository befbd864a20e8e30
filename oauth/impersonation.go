package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Impersonation modes (OIDC_IMPERSONATION).
const (
	// ImpersonationAuto probes the IdP at start and uses impersonation only
	// if it answers as legacy token exchange V1 does.
	ImpersonationAuto = "auto"
	// ImpersonationOn uses impersonation without probing.
	ImpersonationOn = "on"
	// ImpersonationOff never impersonates.
	ImpersonationOff = "off"
)

// ProbeState is what a probe learnt about impersonation at the IdP.
type ProbeState int

const (
	// ProbeUnknown: the IdP could not be asked (down, 5xx); ask again later.
	ProbeUnknown ProbeState = iota
	// ProbeAvailable: the IdP handles requested_subject (legacy V1).
	ProbeAvailable
	// ProbeUnavailable: the IdP cannot impersonate for this client; an
	// exchange would fail every time until its configuration changes.
	ProbeUnavailable
)

func (s ProbeState) String() string {
	switch s {
	case ProbeAvailable:
		return "available"
	case ProbeUnavailable:
		return "unavailable"
	}
	return "unknown"
}

// ProbeResult is the outcome of ProbeImpersonation; Detail says in plain
// words what was seen and, when unavailable, what to change.
type ProbeResult struct {
	State  ProbeState
	Detail string
}

// probeSubjectPrefix starts the user name the probe asks for: one that
// does not exist, so that a probe never yields a usable token of a user.
const probeSubjectPrefix = "nextcloud-mcp-impersonation-probe-"

// ProbeImpersonation asks the IdP whether this client can impersonate:
// a client_credentials login, then a token exchange with requested_subject
// naming a user that does not exist. Keycloak's Standard Token Exchange V2
// refuses the requested_subject parameter itself; legacy V1 looks the user
// up and refuses it as unknown or not allowed ("Client not allowed to
// exchange", deliberately the same answer for both). So a V1 answer shows
// that the feature is on; whether the realm's "impersonate" permission
// covers a given user is only known when a job asks for that user.
func ProbeImpersonation(ctx context.Context, sa *ServiceAccount, ex *Exchanger, audience []string) ProbeResult {
	tok, err := sa.Token(ctx)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
			return ProbeResult{ProbeUnavailable, "the service-account login failed, so the server cannot impersonate: " + err.Error()}
		}
		return ProbeResult{ProbeUnknown, "could not ask the identity provider: " + err.Error()}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	subject := probeSubjectPrefix + hex.EncodeToString(b[:])
	_, err = ex.Exchange(ctx, ExchangeRequest{SubjectToken: tok.AccessToken, RequestedSubject: subject, Audience: audience})
	if err == nil {
		// An IdP that issues tokens for unknown users impersonates at least.
		return ProbeResult{ProbeAvailable, "the identity provider accepts requested_subject"}
	}
	return classifyProbe(err, ex.clientID)
}

// classifyProbe reads the refusal of a probe exchange.
func classifyProbe(err error, clientID string) ProbeResult {
	var ee *ExchangeError
	if !errors.As(err, &ee) {
		return ProbeResult{ProbeUnknown, "could not ask the identity provider: " + err.Error()}
	}
	d := strings.ToLower(ee.Description)
	v1 := "enable legacy token exchange V1 (start Keycloak with " + LegacyExchangeFeatures +
		" and give the realm's Users \"impersonate\" permission a client policy naming " + clientID + ")"
	switch {
	case ee.Status >= 500 || ee.Status == http.StatusTooManyRequests:
		return ProbeResult{ProbeUnknown, fmt.Sprintf("the identity provider answered HTTP %d; asking again later", ee.Status)}
	case ee.Code == "unauthorized_client" || strings.Contains(d, "not enabled"):
		return ProbeResult{ProbeUnavailable, "token exchange is not enabled for client " + clientID + "; " + v1}
	case strings.Contains(d, "requested_subject"):
		return ProbeResult{ProbeUnavailable, "Keycloak answers with Standard Token Exchange V2 only, which refuses requested_subject (impersonation); " +
			v1 + ", or let users grant offline access at /oauth/login"}
	case ee.Code == "unsupported_grant_type":
		return ProbeResult{ProbeUnavailable, "the identity provider does not support token exchange at all; " + v1}
	case ee.Code == "invalid_client" || ee.Status == http.StatusUnauthorized:
		return ProbeResult{ProbeUnavailable, "the identity provider refused this client's credentials; check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"}
	case ee.Code == "access_denied" || strings.Contains(d, "not allowed") || strings.Contains(d, "not found"):
		return ProbeResult{ProbeAvailable, "legacy token exchange V1 answers requested_subject (the realm's \"impersonate\" permission is checked per user)"}
	}
	return ProbeResult{ProbeUnavailable, "the identity provider refused impersonation: " + ee.Error()}
}

// ImpersonationGate decides whether the grant chain may try impersonation,
// from the probe's answer: an unavailable IdP is not asked again per job
// (the exchange cannot succeed), an unknown answer is probed again at most
// every Retry.
type ImpersonationGate struct {
	probe func(context.Context) ProbeResult
	retry time.Duration
	log   *slog.Logger
	now   func() time.Time

	mu     sync.Mutex
	res    ProbeResult
	probed time.Time
	once   bool
}

// NewImpersonationGate probes with probe; retry (default 1 minute) limits
// how often an unknown answer is probed again.
func NewImpersonationGate(probe func(context.Context) ProbeResult, retry time.Duration, log *slog.Logger) *ImpersonationGate {
	if retry <= 0 {
		retry = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ImpersonationGate{probe: probe, retry: retry, log: log, now: time.Now}
}

// Probe asks the IdP now and remembers the answer; the server calls it at
// start.
func (g *ImpersonationGate) Probe(ctx context.Context) ProbeResult {
	res := g.probe(ctx)
	g.mu.Lock()
	changed := !g.once || res.State != g.res.State
	g.res, g.probed, g.once = res, g.now(), true
	g.mu.Unlock()
	if changed {
		switch res.State {
		case ProbeAvailable:
			g.log.Info("impersonation available for background jobs", "detail", res.Detail)
		case ProbeUnavailable:
			g.log.Warn("impersonation unavailable: background jobs use stored offline grants only", "detail", res.Detail)
		default:
			g.log.Warn("impersonation not yet known", "detail", res.Detail)
		}
	}
	return res
}

// State is the last answer without asking again.
func (g *ImpersonationGate) State() ProbeResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.res
}

// Allowed returns nil when impersonation may be tried, else an error
// naming why not. An unknown answer older than Retry is probed again.
func (g *ImpersonationGate) Allowed(ctx context.Context) error {
	g.mu.Lock()
	res, due := g.res, !g.once || (g.res.State == ProbeUnknown && !g.now().Before(g.probed.Add(g.retry)))
	g.mu.Unlock()
	if due {
		res = g.Probe(ctx)
	}
	switch res.State {
	case ProbeAvailable:
		return nil
	case ProbeUnavailable:
		return errors.New("unavailable (probed at start, OIDC_IMPERSONATION=auto): " + res.Detail)
	}
	return errors.New("not yet known whether the identity provider allows it: " + res.Detail)
}
