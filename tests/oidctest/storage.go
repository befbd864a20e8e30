package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the in-memory op.Storage of a Provider. One mutex guards all
// of it; the tests it serves are small.
type storage struct {
	p *Provider

	mu       sync.Mutex
	clients  map[string]*Client
	users    map[string]*User // by subject
	authReqs map[string]*authRequest
	codes    map[string]string // code -> auth request id
	tokens   map[string]*accessToken
	refresh  map[string]*refreshToken
	keys     []*signingKey // keys[0] signs; all are published
	shift    time.Duration // issue tokens as if the clock were now+shift
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.ClientCredentialsStorage  = (*storage)(nil)
	_ op.TokenExchangeStorage      = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (k publicKey) ID() string                         { return k.k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.k.key.PublicKey }

func newSigningKey() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return &signingKey{id: "k-" + rand.Text()[:12], key: key}, nil
}

// accessToken is what the provider remembers of an issued access token (by
// its id, which is the jti of JWTs and the encrypted payload of opaque ones).
type accessToken struct {
	id        string
	clientID  string
	subject   string
	audience  []string
	scopes    []string
	issuedAt  time.Time
	expiresAt time.Time
	refreshID string
	// impersonator is the client that obtained the token by requested_subject.
	impersonator string
}

type refreshToken struct {
	token     string
	clientID  string
	subject   string
	audience  []string
	scopes    []string
	authTime  time.Time
	amr       []string
	expiresAt time.Time
	offline   bool
	accessID  string
}

// refreshRequest implements op.RefreshTokenRequest.
type refreshRequest struct {
	rt     *refreshToken
	scopes []string
}

func (r *refreshRequest) GetAMR() []string                 { return r.rt.amr }
func (r *refreshRequest) GetAudience() []string            { return r.rt.audience }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.rt.authTime }
func (r *refreshRequest) GetClientID() string              { return r.rt.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.rt.subject }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }

// serviceRequest is the token request of a client_credentials grant.
type serviceRequest struct {
	clientID string
	subject  string
	audience []string
	scopes   []string
}

func (r *serviceRequest) GetSubject() string    { return r.subject }
func (r *serviceRequest) GetAudience() []string { return r.audience }
func (r *serviceRequest) GetScopes() []string   { return r.scopes }

type authRequest struct {
	id            string
	clientID      string
	audience      []string
	redirectURI   string
	state         string
	nonce         string
	scopes        []string
	responseType  oidc.ResponseType
	responseMode  oidc.ResponseMode
	loginHint     string
	codeChallenge *oidc.CodeChallenge
	created       time.Time

	subject  string
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return a.audience }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.codeChallenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

func newStorage(p *Provider) (*storage, error) {
	k, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	return &storage{
		p:        p,
		clients:  map[string]*Client{},
		users:    map[string]*User{},
		authReqs: map[string]*authRequest{},
		codes:    map[string]string{},
		tokens:   map[string]*accessToken{},
		refresh:  map[string]*refreshToken{},
		keys:     []*signingKey{k},
	}, nil
}

func (s *storage) now() time.Time { return time.Now().UTC().Add(s.shift) }

func (s *storage) client(id string) (*Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return c, nil
}

// userLocked finds a user by subject or username.
func (s *storage) userLocked(idOrName string) *User {
	if u, ok := s.users[idOrName]; ok {
		return u
	}
	for _, u := range s.users {
		if u.Username == idOrName {
			return u
		}
	}
	return nil
}

// audienceFor is the aud of a token issued to client: its audience mappers,
// or (as zitadel does without them) the client id.
func audienceFor(c *Client) []string {
	if len(c.Audience) > 0 {
		return slices.Clone(c.Audience)
	}
	return []string{c.ID}
}

// --- auth requests -----------------------------------------------------

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	c, err := s.client(req.ClientID)
	if err != nil {
		return nil, err
	}
	if len(req.Prompt) == 1 && req.Prompt[0] == oidc.PromptNone {
		return nil, oidc.ErrLoginRequired()
	}
	if req.CodeChallenge == "" && (c.Secret == "" || c.RequirePKCE) {
		return nil, oidc.ErrInvalidRequest().WithDescription("Missing parameter: code_challenge_method")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("Invalid parameter: code challenge method is not matching the configured one")
	}
	ar := &authRequest{
		id:           uuid.NewString(),
		clientID:     req.ClientID,
		audience:     audienceFor(c),
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       slices.Clone([]string(req.Scopes)),
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		loginHint:    req.LoginHint,
		created:      time.Now(),
		subject:      userID,
	}
	if req.CodeChallenge != "" {
		ar.codeChallenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	s.mu.Lock()
	s.authReqs[ar.id] = ar
	s.mu.Unlock()
	return ar, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.authReqs[id]
	if !ok {
		return nil, errors.New("auth request not found")
	}
	return ar, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("code invalid or expired")
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.authReqs, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// completeLogin marks an auth request as authenticated by user.
func (s *storage) completeLogin(id, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.authReqs[id]
	if !ok {
		return errors.New("auth request not found")
	}
	u := s.userLocked(user)
	if u == nil {
		return fmt.Errorf("no user %q", user)
	}
	ar.subject = u.Subject
	ar.done = true
	ar.authTime = time.Now().UTC()
	return nil
}

// --- tokens --------------------------------------------------------------

// tokenFacts extracts who a token is for, for every request type the op
// passes to CreateAccessToken.
func (s *storage) tokenFacts(req op.TokenRequest) (clientID string, audience []string, impersonator string, err error) {
	switch r := req.(type) {
	case *authRequest:
		return r.clientID, r.audience, "", nil
	case *refreshRequest:
		return r.rt.clientID, r.rt.audience, "", nil
	case *serviceRequest:
		return r.clientID, r.audience, "", nil
	case op.TokenExchangeRequest:
		aud := r.GetAudience()
		if len(aud) == 0 {
			aud = []string{r.GetClientID()}
		}
		imp := ""
		if r.GetSubject() != r.GetExchangeSubject() {
			imp = r.GetClientID()
		}
		return r.GetClientID(), aud, imp, nil
	}
	return "", nil, "", fmt.Errorf("unsupported token request %T", req)
}

func (s *storage) newAccessToken(req op.TokenRequest, refreshID string) (*accessToken, error) {
	clientID, aud, imp, err := s.tokenFacts(req)
	if err != nil {
		return nil, err
	}
	c, err := s.client(clientID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t := &accessToken{
		id:           uuid.NewString(),
		clientID:     clientID,
		subject:      req.GetSubject(),
		audience:     aud,
		scopes:       slices.Clone(req.GetScopes()),
		issuedAt:     now,
		expiresAt:    now.Add(c.accessLifetime()),
		refreshID:    refreshID,
		impersonator: imp,
	}
	s.tokens[t.id] = t
	return t, nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	t, err := s.newAccessToken(req, "")
	if err != nil {
		return "", time.Time{}, err
	}
	return t.id, t.expiresAt, nil
}

func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	newRT := "rt-" + rand.Text() + rand.Text()
	t, err := s.newAccessToken(req, newRT)
	if err != nil {
		return "", "", time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[t.clientID]
	if current != "" {
		// Rotation: the presented refresh token is spent.
		old, ok := s.refresh[current]
		if !ok {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("Invalid refresh token")
		}
		delete(s.refresh, current)
		delete(s.tokens, old.accessID)
		rt := *old
		rt.token = newRT
		rt.accessID = t.id
		rt.expiresAt = s.now().Add(c.refreshLifetime(rt.offline))
		s.refresh[newRT] = &rt
		return t.id, newRT, t.expiresAt, nil
	}
	rt := &refreshToken{
		token:    newRT,
		clientID: t.clientID,
		subject:  t.subject,
		audience: t.audience,
		scopes:   t.scopes,
		offline:  slices.Contains(t.scopes, oidc.ScopeOfflineAccess),
		accessID: t.id,
	}
	if ar, ok := req.(*authRequest); ok {
		rt.authTime, rt.amr = ar.authTime, ar.GetAMR()
	}
	rt.expiresAt = s.now().Add(c.refreshLifetime(rt.offline))
	s.refresh[newRT] = rt
	return t.id, newRT, t.expiresAt, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok {
		return nil, oidc.ErrInvalidGrant().WithDescription("Invalid refresh token")
	}
	if time.Now().After(rt.expiresAt) {
		return nil, oidc.ErrInvalidGrant().WithDescription("Refresh token expired")
	}
	if s.userLocked(rt.subject) == nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("User not found")
	}
	return &refreshRequest{rt: rt, scopes: slices.Clone(rt.scopes)}, nil
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endSessionLocked(userID, clientID, false)
	return nil
}

// endSessionLocked drops the user's tokens (of one client, or all when
// clientID is empty); offline refresh tokens survive unless all is set.
func (s *storage) endSessionLocked(subject, clientID string, all bool) {
	for id, t := range s.tokens {
		if t.subject == subject && (clientID == "" || t.clientID == clientID) {
			delete(s.tokens, id)
		}
	}
	for tok, rt := range s.refresh {
		if rt.subject == subject && (clientID == "" || rt.clientID == clientID) && (all || !rt.offline) {
			delete(s.refresh, tok)
		}
	}
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, _ string, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

func (s *storage) RevokeToken(_ context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenOrID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.tokens, tokenOrID)
		return nil
	}
	if rt, ok := s.refresh[tokenOrID]; ok {
		if rt.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.refresh, tokenOrID)
		delete(s.tokens, rt.accessID)
	}
	return nil
}

// --- keys ----------------------------------------------------------------

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0], nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// --- clients -------------------------------------------------------------

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, err := s.client(id)
	if err != nil {
		return nil, err
	}
	return &opClient{c: c, p: s.p}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, err := s.client(id)
	if err != nil {
		return err
	}
	if c.Secret == "" || c.Secret != secret {
		return errors.New("invalid client credentials")
	}
	return nil
}

func (s *storage) ClientCredentials(_ context.Context, id, secret string) (op.Client, error) {
	c, err := s.client(id)
	if err != nil {
		return nil, err
	}
	if c.Secret == "" || c.Secret != secret {
		return nil, errors.New("invalid client credentials")
	}
	return &opClient{c: c, p: s.p}, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, err := s.client(id)
	if err != nil {
		return nil, err
	}
	if !c.ServiceAccount {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("Client not enabled to retrieve service account")
	}
	s.mu.Lock()
	sa := s.userLocked(ServiceAccountName(id))
	s.mu.Unlock()
	if sa == nil {
		return nil, oidc.ErrServerError().WithDescription("service account user missing")
	}
	return &serviceRequest{clientID: id, subject: sa.Subject, audience: audienceFor(c), scopes: c.filterScopes(scopes)}, nil
}

// --- claims and userinfo -------------------------------------------------

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(info, req.GetSubject(), scopes)
}

func (s *storage) setUserinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(subject)
	if u == nil {
		return errors.New("user not found")
	}
	info.Subject = u.Subject
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeProfile:
			info.PreferredUsername = u.Username
			info.Name = u.Name
		case oidc.ScopeEmail:
			info.Email = u.Email
			info.EmailVerified = true
		}
	}
	return nil
}

func (s *storage) liveToken(id string) (*accessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return nil, errors.New("token is invalid or revoked")
	}
	if time.Now().After(t.expiresAt) {
		return nil, errors.New("token expired")
	}
	return t, nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _ string, _ string) error {
	t, err := s.liveToken(tokenID)
	if err != nil {
		return err
	}
	// Keycloak answers userinfo with preferred_username whatever the scopes.
	if err := s.setUserinfo(info, t.subject, append([]string{oidc.ScopeProfile}, t.scopes...)); err != nil {
		return err
	}
	return nil
}

// SetIntrospectionFromToken answers any authenticated client, as Keycloak
// does; the resource server checks aud/azp itself.
func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, _ string, _ string) error {
	t, err := s.liveToken(tokenID)
	if err != nil {
		return err
	}
	info := new(oidc.UserInfo)
	if err := s.setUserinfo(info, t.subject, []string{oidc.ScopeProfile, oidc.ScopeEmail}); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = t.scopes
	resp.ClientID = t.clientID
	resp.Audience = t.audience
	resp.Expiration = oidc.FromTime(t.expiresAt)
	resp.IssuedAt = oidc.FromTime(t.issuedAt)
	resp.NotBefore = oidc.FromTime(t.issuedAt)
	resp.Issuer = s.p.Issuer()
	resp.JWTID = t.id
	resp.TokenType = oidc.BearerToken
	resp.Claims = map[string]any{"azp": t.clientID, "preferred_username": info.PreferredUsername}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, errors.New("unused: the storage implements CanGetPrivateClaimsFromRequest")
}

// GetPrivateClaimsFromRequest adds what Keycloak puts in its access tokens.
func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	clientID, _, _, err := s.tokenFacts(req)
	if err != nil {
		return nil, err
	}
	return s.accessClaims(req.GetSubject(), clientID, req.GetScopes(), "")
}

func (s *storage) accessClaims(subject, clientID string, scopes []string, actor string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(subject)
	if u == nil {
		return nil, errors.New("user not found")
	}
	claims := map[string]any{}
	for k, v := range u.Claims {
		claims[k] = v
	}
	claims["typ"] = "Bearer"
	claims["azp"] = clientID
	claims["scope"] = strings.Join(scopes, " ")
	claims["preferred_username"] = u.Username
	if u.Email != "" {
		claims["email"] = u.Email
	}
	if u.Name != "" {
		claims["name"] = u.Name
	}
	if actor != "" {
		claims["act"] = map[string]any{"client_id": actor}
	}
	return claims, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile client authentication is not supported by oidctest")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grant is not supported by oidctest")
}

func (s *storage) Health(context.Context) error { return nil }

// --- token exchange (RFC 8693) ---------------------------------------------

// ValidateTokenExchangeRequest follows Keycloak: Standard Token Exchange V2
// (no impersonation; the caller must be in the subject token's audience;
// scopes only narrow) unless the client has Impersonation (legacy V1).
func (s *storage) ValidateTokenExchangeRequest(ctx context.Context, req op.TokenExchangeRequest) error {
	c, err := s.client(req.GetClientID())
	if err != nil {
		return oidc.ErrInvalidClient().WithParent(err)
	}
	if !c.TokenExchange && !c.Impersonation {
		return oidc.ErrUnauthorizedClient().WithDescription("Standard token exchange is not enabled for the requested client")
	}
	switch req.GetRequestedTokenType() {
	case "":
		req.SetRequestedTokenType(oidc.AccessTokenType)
	case oidc.AccessTokenType, oidc.RefreshTokenType:
	default:
		return oidc.ErrInvalidRequest().WithDescription("requested_token_type unsupported")
	}
	if req.GetExchangeSubjectTokenType() != oidc.AccessTokenType {
		return oidc.ErrInvalidRequest().WithDescription("Parameter 'subject_token' supports access tokens only")
	}
	sub, err := s.liveToken(req.GetExchangeSubjectTokenIDOrToken())
	if err != nil {
		return oidc.ErrInvalidRequest().WithDescription("Invalid token")
	}
	requested := requestedSubjectFrom(ctx)
	if requested != "" {
		if !c.Impersonation {
			return oidc.ErrInvalidRequest().WithDescription("Parameter 'requested_subject' is not supported for standard token exchange")
		}
		s.mu.Lock()
		u := s.userLocked(requested)
		s.mu.Unlock()
		if u == nil {
			// Keycloak answers an unknown user like a refused permission,
			// so that names cannot be probed (checked against 26.7).
			return oidc.ErrAccessDenied().WithDescription("Client not allowed to exchange")
		}
		req.SetSubject(u.Subject)
	} else if !slices.Contains(sub.audience, c.ID) {
		return oidc.ErrAccessDenied().WithDescription("Client is not within the token audience")
	}
	for _, a := range req.GetAudience() {
		if c.ExchangeAudiences != nil && !slices.Contains(c.ExchangeAudiences, a) {
			return oidc.ErrInvalidRequest().WithDescription("Requested audience not available: %s", a)
		}
		if _, err := s.client(a); err != nil {
			return oidc.ErrInvalidRequest().WithDescription("Audience not found")
		}
	}
	scopes := req.GetScopes()
	switch {
	case requested != "":
		// Impersonation (V1) grants the client's scopes, not the subject token's.
		scopes = c.filterScopes(scopes)
	case len(scopes) == 0:
		scopes = slices.Clone(sub.scopes)
	default:
		var kept []string
		for _, sc := range scopes {
			if slices.Contains(sub.scopes, sc) {
				kept = append(kept, sc)
			}
		}
		scopes = kept
	}
	req.SetCurrentScopes(scopes)
	return nil
}

func (s *storage) CreateTokenExchangeRequest(context.Context, op.TokenExchangeRequest) error {
	return nil
}

func (s *storage) GetPrivateClaimsFromTokenExchangeRequest(_ context.Context, req op.TokenExchangeRequest) (map[string]any, error) {
	actor := ""
	if req.GetSubject() != req.GetExchangeSubject() {
		actor = req.GetClientID()
	}
	return s.accessClaims(req.GetSubject(), req.GetClientID(), req.GetScopes(), actor)
}

func (s *storage) SetUserinfoFromTokenExchangeRequest(_ context.Context, info *oidc.UserInfo, req op.TokenExchangeRequest) error {
	return s.setUserinfo(info, req.GetSubject(), append([]string{oidc.ScopeProfile}, req.GetScopes()...))
}

type requestedSubjectKey struct{}

func requestedSubjectFrom(ctx context.Context) string {
	v, _ := ctx.Value(requestedSubjectKey{}).(string)
	return v
}
