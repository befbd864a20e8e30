// Command tokenexchange walks the OAuth flow the MCP server's OAuth mode
// relies on, against a live Keycloak, and prints each step with the decoded
// claims of every token it gets (never a raw token or the secret):
//
//  1. OIDC discovery of the issuer;
//  2. client_credentials with the server's service account (or, with
//     -subject-token-env, a user's access token you already have);
//  3. RFC 8693 token exchange of that token for one with audience nextcloud
//     (with -requested-subject USER: a token of USER, impersonation, which
//     Keycloak allows only with legacy token exchange V1);
//  4. optionally, a call to Nextcloud's OCS user endpoint with the exchanged
//     token, which works when user_oidc validates bearer tokens.
//
// With the compose stack running:
//
//	OIDC_CLIENT_SECRET=mcp-server-dev-secret go run ./tests/manual/tokenexchange \
//	    -issuer http://localhost:8888/realms/nextcloud-mcp -nextcloud http://localhost:8080
//
// and, with Keycloak started with --features=token-exchange:v1,admin-fine-grained-authz:v1
// and the "impersonate" permission set up, as user alice:
//
//	OIDC_CLIENT_SECRET=mcp-server-dev-secret go run ./tests/manual/tokenexchange \
//	    -issuer http://localhost:8888/realms/nextcloud-mcp --requested-subject alice
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/manual/cli"
)

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	typeAccessToken    = "urn:ietf:params:oauth:token-type:access_token"
)

type options struct {
	issuer, clientID, secret, audience, scope string
	subjectToken, subjectEnv, nextcloud       string
	requestedSubject                          string
	timeout                                   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.issuer, "issuer", os.Getenv("OIDC_ISSUER"), "issuer URL, e.g. http://localhost:8888/realms/nextcloud-mcp (env OIDC_ISSUER)")
	flag.StringVar(&o.clientID, "client-id", envOr("OIDC_CLIENT_ID", "mcp-server"), "confidential client with a service account and standard token exchange (env OIDC_CLIENT_ID)")
	flag.StringVar(&o.audience, "audience", envOr("NEXTCLOUD_OIDC_AUDIENCE", "nextcloud"), "audience to exchange for (env NEXTCLOUD_OIDC_AUDIENCE)")
	flag.StringVar(&o.scope, "scope", "", "scope to ask for in the exchange (space-separated; empty keeps the subject token's)")
	flag.StringVar(&o.subjectEnv, "subject-token-env", "", "name of an environment variable holding a user's access token to exchange instead of the service account's")
	flag.StringVar(&o.requestedSubject, "requested-subject", "", "user (username or id) to impersonate: the exchange asks for a token of this user with requested_subject (Keycloak legacy token exchange V1)")
	flag.StringVar(&o.nextcloud, "nextcloud", os.Getenv("NEXTCLOUD_PUBLIC_URL"), "Nextcloud base URL to call with the exchanged token, e.g. http://localhost:8080 (env NEXTCLOUD_PUBLIC_URL; optional)")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "overall time limit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: OIDC_CLIENT_SECRET=... tokenexchange -issuer URL [flags]\n\nThe client secret is read from the environment only (OIDC_CLIENT_SECRET).\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.secret = os.Getenv("OIDC_CLIENT_SECRET")
	if o.subjectEnv != "" {
		o.subjectToken = os.Getenv(o.subjectEnv)
	}
	cli.ExitIfProblems("tokenexchange", "missing configuration:", o.missing())
	cli.RunOrExit("tokenexchange", o.timeout, func(ctx context.Context) error { return run(ctx, o, os.Stdout) })
	fmt.Println("\nOK: every step succeeded")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (o options) missing() []string {
	var m []string
	if o.issuer == "" {
		m = append(m, "issuer: -issuer or OIDC_ISSUER (with the compose stack: http://localhost:8888/realms/nextcloud-mcp)")
	}
	if o.clientID == "" {
		m = append(m, "client id: -client-id or OIDC_CLIENT_ID")
	}
	if o.secret == "" {
		m = append(m, "client secret: OIDC_CLIENT_SECRET in the environment (compose default: mcp-server-dev-secret)")
	}
	if o.audience == "" {
		m = append(m, "audience: -audience or NEXTCLOUD_OIDC_AUDIENCE")
	}
	if o.subjectEnv != "" && o.subjectToken == "" {
		m = append(m, "subject token: environment variable "+o.subjectEnv+" (named by -subject-token-env) is empty")
	}
	return m
}

type discovery struct {
	Issuer             string   `json:"issuer"`
	TokenEndpoint      string   `json:"token_endpoint"`
	JWKSURI            string   `json:"jwks_uri"`
	GrantTypes         []string `json:"grant_types_supported"`
	TokenAuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeModes []string `json:"code_challenge_methods_supported"`
}

func run(ctx context.Context, o options, out io.Writer) error {
	hc := &http.Client{Timeout: 15 * time.Second}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)

	step(out, 1, "OIDC discovery")
	disc, err := discover(ctx, hc, o.issuer)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  issuer:          %s\n  token endpoint:  %s\n  jwks:            %s\n", disc.Issuer, disc.TokenEndpoint, disc.JWKSURI)
	if disc.Issuer != strings.TrimRight(o.issuer, "/") {
		return fmt.Errorf("discovery names issuer %q, not %q: tokens would fail the issuer check (Keycloak's KC_HOSTNAME decides it)", disc.Issuer, o.issuer)
	}
	if !slices.Contains(disc.GrantTypes, grantTokenExchange) {
		fmt.Fprintf(out, "  WARNING: grant_types_supported does not list %s\n", grantTokenExchange)
	}

	subject := o.subjectToken
	if subject == "" {
		step(out, 2, "client_credentials grant for the service account of "+o.clientID)
		cc := clientcredentials.Config{ClientID: o.clientID, ClientSecret: o.secret, TokenURL: disc.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(ctx)
		if err != nil {
			return fmt.Errorf("client_credentials: %w (is serviceAccountsEnabled on and the secret right?)", err)
		}
		fmt.Fprintf(out, "  token type %s, expires %s\n", tok.TokenType, tok.Expiry.Format(time.RFC3339))
		subject = tok.AccessToken
	} else {
		step(out, 2, "subject token from $"+o.subjectEnv)
	}
	claims, err := printClaims(out, "subject token", subject)
	if err != nil {
		return err
	}
	if o.requestedSubject == "" && !audContains(claims, o.clientID) {
		fmt.Fprintf(out, "  WARNING: aud does not name %s; Keycloak's standard exchange refuses a requester outside the subject token's audience\n", o.clientID)
	}

	what := "RFC 8693 token exchange for audience " + o.audience
	if o.requestedSubject != "" {
		what += ", impersonating " + o.requestedSubject + " (requested_subject)"
	}
	step(out, 3, what)
	ex, err := exchange(ctx, hc, disc.TokenEndpoint, o, subject)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  issued_token_type %s, token_type %s, expires_in %d s, scope %q, refresh token returned: %v\n",
		ex.IssuedTokenType, ex.TokenType, ex.ExpiresIn, ex.Scope, ex.RefreshToken != "")
	exClaims, err := printClaims(out, "exchanged token", ex.AccessToken)
	if err != nil {
		return err
	}
	if !audContains(exClaims, o.audience) {
		return fmt.Errorf("the exchanged token's aud does not name %q (add an oidc-audience-mapper for it to %s)", o.audience, o.clientID)
	}
	u, _ := exClaims["preferred_username"].(string)
	if u != "" {
		fmt.Fprintf(out, "  Nextcloud user id (preferred_username): %s\n", u)
	}
	if o.requestedSubject != "" {
		if sub, _ := exClaims["sub"].(string); u != o.requestedSubject && sub != o.requestedSubject {
			return fmt.Errorf("the exchanged token names user %q (sub %q), not the requested subject %q", u, sub, o.requestedSubject)
		}
		fmt.Fprintf(out, "  impersonation worked: the token is %s's\n", o.requestedSubject)
	}

	if o.nextcloud == "" {
		fmt.Fprintln(out, "\n(step 4 skipped: give -nextcloud to call Nextcloud with the exchanged token)")
		return nil
	}
	step(out, 4, "Nextcloud OCS /cloud/user with the exchanged token")
	return callNextcloud(ctx, hc, o.nextcloud, ex.AccessToken, out)
}

func step(out io.Writer, n int, what string) {
	fmt.Fprintf(out, "\n== step %d: %s\n", n, what)
}

func discover(ctx context.Context, hc *http.Client, issuer string) (*discovery, error) {
	u := strings.TrimRight(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("discovery URL %s: %w", u, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w (is Keycloak running and the realm imported?)", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, short(body))
	}
	var d discovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode discovery document from %s: %w", u, err)
	}
	if d.TokenEndpoint == "" {
		return nil, fmt.Errorf("discovery document from %s has no token_endpoint", u)
	}
	return &d, nil
}

type exchangeResponse struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int    `json:"expires_in"`
	Scope           string `json:"scope"`
	RefreshToken    string `json:"refresh_token"`
	Error           string `json:"error"`
	ErrorDesc       string `json:"error_description"`
}

func exchange(ctx context.Context, hc *http.Client, tokenURL string, o options, subject string) (*exchangeResponse, error) {
	form := url.Values{
		"grant_type":           {grantTokenExchange},
		"subject_token":        {subject},
		"subject_token_type":   {typeAccessToken},
		"requested_token_type": {typeAccessToken},
		"audience":             {o.audience},
	}
	if o.scope != "" {
		form.Set("scope", o.scope)
	}
	if o.requestedSubject != "" {
		form.Set("requested_subject", o.requestedSubject)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("build exchange request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 2.3.1: form-encode id and secret before basic auth.
	req.SetBasicAuth(url.QueryEscape(o.clientID), url.QueryEscape(o.secret))
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", tokenURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r exchangeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("token exchange: %s: response is not JSON: %s", resp.Status, short(body))
	}
	if resp.StatusCode != http.StatusOK || r.AccessToken == "" {
		// The server's own error type carries the hints (flags, mappers).
		return nil, &oauth.ExchangeError{Status: resp.StatusCode, Code: r.Error, Description: r.ErrorDesc,
			Impersonation: o.requestedSubject != "", ClientID: o.clientID}
	}
	return &r, nil
}

// printClaims decodes a JWT's payload (no signature check: this is for
// reading) and prints it; the token itself is never printed.
func printClaims(out io.Writer, label, token string) (map[string]any, error) {
	claims, err := decodeClaims(token)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	b, _ := json.MarshalIndent(claims, "    ", "  ")
	fmt.Fprintf(out, "  %s claims:\n    %s\n", label, b)
	return claims, nil
}

func decodeClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT (expected three dot-separated parts); opaque tokens cannot be shown")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("JWT payload is not base64url: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("JWT payload is not a JSON object: %w", err)
	}
	return claims, nil
}

func audContains(claims map[string]any, want string) bool {
	switch aud := claims["aud"].(type) {
	case string:
		return aud == want
	case []any:
		return slices.ContainsFunc(aud, func(a any) bool { s, _ := a.(string); return s == want })
	}
	return false
}

func callNextcloud(ctx context.Context, hc *http.Client, base, token string, out io.Writer) error {
	u := strings.TrimRight(base, "/") + "/ocs/v2.php/cloud/user?format=json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("bad Nextcloud URL %s: %w", u, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s with the exchanged token: %s: %s (user_oidc needs --check-bearer=1 and the token's aud must be its client id)", u, resp.Status, short(body))
	}
	var env struct {
		OCS struct {
			Data struct {
				ID          string `json:"id"`
				DisplayName string `json:"display-name"`
				Email       string `json:"email"`
			} `json:"data"`
		} `json:"ocs"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("decode OCS answer: %w: %s", err, short(body))
	}
	fmt.Fprintf(out, "  Nextcloud accepted the token: user id %q, display name %q, email %q\n", env.OCS.Data.ID, env.OCS.Data.DisplayName, env.OCS.Data.Email)
	return nil
}

func short(b []byte) string {
	s := strings.Join(strings.Fields(string(bytes.TrimSpace(b))), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
