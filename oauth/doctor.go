package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// DoctorConfig is what RunDoctor checks.
type DoctorConfig struct {
	Issuer string
	// IdP is the identity provider to check; nil: a LazyIdP of Issuer.
	IdP          *IdP
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client
	// Impersonate and ImpersonateUser, when both set, try an impersonation
	// exchange for that user.
	Impersonate     ImpersonateFunc
	ImpersonateUser string
	// Store, when set, is checked for unreadable rows.
	Store *storage.DB
	// NextcloudAudience is the audience the trial exchanges ask for
	// (NEXTCLOUD_OIDC_AUDIENCE).
	NextcloudAudience string
	// OfflineAccess is ENABLE_OFFLINE_ACCESS; Impersonation is
	// OIDC_IMPERSONATION (auto, on or off; "" means auto).
	OfflineAccess bool
	Impersonation string
}

// Check is one finding of the doctor, in plain words.
type Check struct {
	Name string `json:"name"`
	// Status is "ok", "warn" or "fail".
	Status string `json:"status"`
	Detail string `json:"detail"`
}

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// grantWords names each grant and what the server uses it for.
var grantWords = []struct{ grant, words string }{
	{"authorization_code", "authorization code (users sign in; needed for /oauth/login)"},
	{"refresh_token", "refresh tokens (offline access for background jobs)"},
	{"client_credentials", "client credentials (the server's service account)"},
	{grantTokenExchange, "token exchange, RFC 8693 (Nextcloud-audience tokens and impersonation)"},
}

// RunDoctor reports which grants the IdP supports and whether this
// server's client can use them. It never prints tokens.
func RunDoctor(ctx context.Context, c DoctorConfig) []Check {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	var out []Check
	add := func(name, status, format string, a ...any) {
		out = append(out, Check{Name: name, Status: status, Detail: fmt.Sprintf(format, a...)})
	}
	if c.Issuer == "" {
		add("identity provider", "fail", "OIDC_ISSUER is not set, so there is nothing to check")
		return out
	}
	if c.IdP == nil {
		c.IdP = LazyIdP(c.Issuer, c.HTTPClient)
	}
	p, err := c.IdP.Provider(ctx)
	if err != nil {
		add("discovery", "fail", "cannot read %s/.well-known/openid-configuration: %v", c.Issuer, err)
		return out
	}
	var meta struct {
		TokenEndpoint      string   `json:"token_endpoint"`
		GrantTypes         []string `json:"grant_types_supported"`
		RevocationEndpoint string   `json:"revocation_endpoint"`
		Scopes             []string `json:"scopes_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		add("discovery", "fail", "the discovery document of %s is not valid JSON: %v", c.Issuer, err)
		return out
	}
	add("discovery", "ok", "found the identity provider %s (token endpoint %s)", c.Issuer, meta.TokenEndpoint)

	if len(meta.GrantTypes) == 0 {
		// RFC 8414 default when the field is absent.
		add("grant types", "warn", "the provider does not list grant_types_supported; assuming only authorization code (and implicit)")
		meta.GrantTypes = []string{"authorization_code", "implicit"}
	}
	var have, missing []string
	for _, g := range grantWords {
		if slices.Contains(meta.GrantTypes, g.grant) {
			have = append(have, g.words)
		} else {
			missing = append(missing, g.words)
		}
	}
	if len(have) > 0 {
		add("grant types", "ok", "supported: %s", strings.Join(have, "; "))
	}
	if len(missing) > 0 {
		add("grant types", "warn", "not advertised: %s", strings.Join(missing, "; "))
	}
	switch {
	case !slices.Contains(meta.GrantTypes, "refresh_token"):
		add("background access", "warn", "without refresh tokens, background jobs can only use impersonation")
	case !slices.Contains(meta.GrantTypes, grantTokenExchange):
		add("background access", "warn", "without token exchange, background jobs can only use stored offline grants (users sign in at /oauth/login)")
	}

	// What the server will use, one line each, summed up at the end.
	v2, v1 := "no", "no"
	offline := offlineEnabled(c.OfflineAccess, meta.GrantTypes, meta.Scopes)
	if c.ClientSecret == "" {
		add("service account", "warn", "OIDC_CLIENT_SECRET is not set: no service account, so no impersonation")
		v2, v1 = "no (needs OIDC_CLIENT_SECRET)", "no (needs OIDC_CLIENT_SECRET)"
	} else {
		sa, err := NewServiceAccount(ServiceAccountConfig{TokenURL: meta.TokenEndpoint, ClientID: c.ClientID, ClientSecret: c.ClientSecret, HTTPClient: c.HTTPClient})
		if err != nil {
			add("service account", "fail", "%v", err)
		} else if tok, err := sa.Token(ctx); err != nil {
			add("service account", "fail", "%v", err)
		} else {
			who := jwtClaim(tok.AccessToken, "preferred_username")
			if who == "" {
				who = jwtClaim(tok.AccessToken, "sub")
			}
			detail := "a trial client_credentials login as " + c.ClientID + " worked"
			if who != "" {
				detail += "; the token names " + who
			}
			if !tok.Expiry.IsZero() {
				detail += fmt.Sprintf("; it lasts %s", time.Until(tok.Expiry).Round(time.Second))
			}
			add("service account", "ok", "%s", detail)
			ex := NewExchanger(meta.TokenEndpoint, c.ClientID, c.ClientSecret, c.HTTPClient)
			v2 = c.checkStandardExchange(ctx, ex, tok.AccessToken, add)
			v1 = c.checkImpersonation(ctx, sa, ex, add)
			if c.Impersonate != nil && c.ImpersonateUser != "" {
				if _, err := c.Impersonate(ctx, tok.AccessToken, c.ImpersonateUser); err != nil {
					add("impersonation", "fail", "exchanging the service-account token for user %s failed: %v", c.ImpersonateUser, err)
				} else {
					add("impersonation", "ok", "the service account can act as user %s (token exchange with requested_subject)", c.ImpersonateUser)
				}
			}
		}
	}
	add("offline access", map[bool]string{true: "ok", false: "warn"}[strings.HasPrefix(offline, "yes")], "%s", offline)
	add("enabled", "ok", "standard token exchange (V2): %s; impersonation (V1): %s; offline access: %s", first(v2), first(v1), first(offline))
	if c.Store != nil {
		infos, err := c.Store.ListTokens(ctx)
		if err != nil {
			add("token storage", "fail", "%v", err)
		} else {
			bad, old := 0, 0
			var malformed []string
			for _, in := range infos {
				switch {
				case strings.HasPrefix(in.Problem, "malformed"):
					malformed = append(malformed, in.UserID+" ("+in.Problem+")")
				case !in.Readable:
					bad++
				}
				if in.OldKey {
					old++
				}
			}
			status, detail := "ok", fmt.Sprintf("%d stored offline grants", len(infos))
			if bad > 0 {
				status = "warn"
				detail += fmt.Sprintf(", %d cannot be decrypted with TOKEN_ENCRYPTION_KEY (those users must sign in again)", bad)
			}
			if len(malformed) > 0 {
				status = "warn"
				detail += fmt.Sprintf(", %d malformed and skipped: %s (remove with tokens revoke USER; those users must sign in again)", len(malformed), strings.Join(malformed, "; "))
			}
			if old > 0 {
				status = "warn"
				detail += fmt.Sprintf(", %d use an old key (run tokens rotate-key)", old)
			}
			add("token storage", status, "%s", detail)
		}
	}
	return out
}

// WriteDoctor prints checks one per line; it returns false if any failed.
func WriteDoctor(w io.Writer, checks []Check) bool {
	ok := true
	for _, c := range checks {
		mark := map[string]string{"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}[c.Status]
		if c.Status == "fail" {
			ok = false
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.Name, c.Detail)
	}
	return ok
}

// jwtClaim reads a string claim of a JWT without verifying it (for
// display only); "" for opaque tokens.
func jwtClaim(tok, claim string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	s, _ := m[claim].(string)
	return s
}

// first is the leading word of a verdict ("yes" of "yes (…)").
func first(verdict string) string {
	w, _, _ := strings.Cut(verdict, " ")
	return w
}

func (c DoctorConfig) audience() []string {
	if c.NextcloudAudience == "" {
		return nil
	}
	return []string{c.NextcloudAudience}
}

// checkStandardExchange exchanges the service-account token for one of the
// Nextcloud audience, as Standard Token Exchange V2 does for users' tokens,
// and returns "yes" or "no (why)".
func (c DoctorConfig) checkStandardExchange(ctx context.Context, ex *Exchanger, saToken string, add func(name, status, format string, a ...any)) string {
	const name = "token exchange (V2)"
	_, err := ex.Exchange(ctx, ExchangeRequest{SubjectToken: saToken, Audience: c.audience()})
	if err == nil {
		add(name, "ok", "a trial standard token exchange of the service-account token for audience %q worked", c.NextcloudAudience)
		return "yes"
	}
	var ee *ExchangeError
	if !errors.As(err, &ee) {
		add(name, "fail", "could not try a token exchange: %v", err)
		return "unknown (the identity provider did not answer)"
	}
	add(name, "warn", "a trial standard token exchange of the service-account token for audience %q was refused: %v", c.NextcloudAudience, err)
	return "no (" + ee.Description + ")"
}

// checkImpersonation runs the server's start-up probe and returns "yes" or
// "no (why)".
func (c DoctorConfig) checkImpersonation(ctx context.Context, sa *ServiceAccount, ex *Exchanger, add func(name, status, format string, a ...any)) string {
	const name = "impersonation (V1)"
	if c.Impersonation == ImpersonationOff {
		add(name, "ok", "not used: OIDC_IMPERSONATION=off")
		return "no (OIDC_IMPERSONATION=off)"
	}
	res := ProbeImpersonation(ctx, sa, ex, c.audience())
	switch res.State {
	case ProbeAvailable:
		add(name, "ok", "%s; background jobs may act for users without a stored grant", res.Detail)
		return "yes"
	case ProbeUnavailable:
		add(name, "warn", "%s", res.Detail)
		return "no (" + res.Detail + ")"
	}
	add(name, "fail", "%s", res.Detail)
	return "unknown"
}

// offlineEnabled says whether background jobs get offline grants: the
// server setting and what the IdP advertises.
func offlineEnabled(on bool, grants, scopes []string) string {
	switch {
	case !on:
		return "no (ENABLE_OFFLINE_ACCESS is not true)"
	case !slices.Contains(grants, "refresh_token"):
		return "no (the identity provider does not offer refresh tokens)"
	case len(scopes) > 0 && !slices.Contains(scopes, oidc.ScopeOfflineAccess):
		return "no (the identity provider does not offer the offline_access scope)"
	}
	return "yes (ENABLE_OFFLINE_ACCESS=true; users grant it at /oauth/login)"
}
