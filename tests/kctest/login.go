package kctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Browser returns an HTTP client that behaves like user's browser: it keeps
// cookies, follows redirects, and when Keycloak shows its login form it
// submits the user's name and password (from Users), as a person would. A
// refused login is an error naming Keycloak's message.
func (k *Keycloak) Browser(user string) *http.Client {
	pw, known := k.Users[user]
	if !known {
		return &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("kctest: no password for user %q (not one of the test users)", user)
		})}
	}
	return k.BrowserAs(user, pw)
}

// BrowserAs is Browser with the given password (e.g. a wrong one).
func (k *Keycloak) BrowserAs(user, pw string) *http.Client {
	jar, _ := cookiejar.New(nil)
	kcHost := strings.TrimPrefix(k.URL, "http://")
	base := http.DefaultTransport
	poster := &http.Client{Jar: jar, Transport: base, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &http.Client{Jar: jar, Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if err != nil || r.URL.Host != kcHost || resp.StatusCode != http.StatusOK ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		action, ok := loginForm(body)
		if !ok {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return resp, nil
		}
		// The outer client stores cookies only after RoundTrip returns:
		// the login form's cookies go to the jar now, for the POST.
		jar.SetCookies(r.URL, resp.Cookies())
		target, err := r.URL.Parse(html.UnescapeString(action))
		if err != nil {
			return nil, fmt.Errorf("keycloak login form action %q: %w", action, err)
		}
		form := url.Values{"username": {user}, "password": {pw}, "credentialId": {""}}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target.String(), strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		post, err := poster.Do(req)
		if err != nil {
			return nil, fmt.Errorf("keycloak login as %s: %w", user, err)
		}
		if post.StatusCode == http.StatusOK {
			b, _ := io.ReadAll(post.Body)
			post.Body.Close()
			return nil, fmt.Errorf("keycloak refused the login as %s: %s", user, pageMessage(b))
		}
		return post, nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// loginForm finds Keycloak's username/password form (id kc-form-login) and
// returns its action.
func loginForm(page []byte) (string, bool) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "", false
	}
	var action string
	var found bool
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "id") == "kc-form-login" {
			action, found = attr(n, "action"), true
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return action, found
}

// pageMessage is the error text of a Keycloak page (input-error or the
// alert box), or the page title.
func pageMessage(page []byte) string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "unreadable page"
	}
	var msg, title string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			id, class := attr(n, "id"), attr(n, "class")
			if msg == "" && (id == "input-error" || strings.Contains(class, "kc-feedback-text") || strings.Contains(class, "alert-error") || id == "kc-error-message") {
				msg = strings.Join(strings.Fields(text(n)), " ")
			}
			if n.Data == "title" && title == "" {
				title = text(n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if msg != "" {
		return msg
	}
	return "page " + strings.TrimSpace(title)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// LoginRequest is an authorization-code login with PKCE (S256).
type LoginRequest struct {
	ClientID     string
	ClientSecret string // empty for a public client
	RedirectURI  string // must be allowed for the client (see kcadmin.Client.AddRedirectURI)
	Username     string
	Password     string   // default: Users[Username]
	Scopes       []string // e.g. openid, notes:read, offline_access
	// Extra authorization request parameters (e.g. resource).
	Extra url.Values
}

// Login logs a user in through Keycloak's own login form and redeems the
// code with the PKCE verifier; the token's Extra("scope") holds the granted
// scopes.
func (k *Keycloak) Login(ctx context.Context, r LoginRequest) (*oauth2.Token, error) {
	conf := &oauth2.Config{ClientID: r.ClientID, ClientSecret: r.ClientSecret, RedirectURL: r.RedirectURI, Scopes: r.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: k.AuthURL(), TokenURL: k.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	if r.ClientSecret != "" {
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	}
	verifier := oauth2.GenerateVerifier()
	state := oauth2.GenerateVerifier()[:16]
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for key, vs := range r.Extra {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(key, v))
		}
	}
	hc := k.Browser(r.Username)
	if r.Password != "" {
		hc = k.BrowserAs(r.Username, r.Password)
	}
	var final *url.URL
	hc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), r.RedirectURI) {
			final = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, conf.AuthCodeURL(state, opts...), nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if final == nil {
		return nil, fmt.Errorf("keycloak login as %s did not come back to %s (HTTP %d: %s)", r.Username, r.RedirectURI, resp.StatusCode, pageMessage(body))
	}
	q := final.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("keycloak refused the authorization: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return nil, errors.New("keycloak answered with another state")
	}
	return conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
}

// ClientCredentials logs the MCP server's service account in
// (client_credentials with ServerClientSecret).
func (k *Keycloak) ClientCredentials(ctx context.Context, scopes ...string) (*oauth2.Token, error) {
	c := clientcredentials.Config{ClientID: k.ServerClientID, ClientSecret: k.ServerClientSecret, TokenURL: k.TokenURL(),
		Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
	return c.Token(ctx)
}
