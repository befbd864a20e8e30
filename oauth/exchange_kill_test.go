package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokenEndpoint records the last form and answers with status and body.
type tokenEndpoint struct {
	mu         sync.Mutex
	form       url.Values
	user, pass string
	basic      bool
	status     int
	body       string
	srv        *httptest.Server
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	e := &tokenEndpoint{status: http.StatusOK}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e.mu.Lock()
		defer e.mu.Unlock()
		e.form = r.PostForm
		e.user, e.pass, e.basic = r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte(e.body))
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func TestExchangeRequestForm(t *testing.T) {
	e := newTokenEndpoint(t)
	e.body = `{"access_token":"nc-token","token_type":"Bearer","expires_in":300,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token","scope":"openid notes:read"}`
	ex := NewExchanger(e.srv.URL, "my client", "s&cret", e.srv.Client())
	before := time.Now()
	tok, err := ex.Exchange(context.Background(), ExchangeRequest{SubjectToken: "subj", Audience: []string{"nextcloud", "other"},
		Scopes: []string{"openid", "notes:read"}, RequestedSubject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	f := e.form
	for k, want := range map[string]string{
		"grant_type": GrantTypeTokenExchange, "subject_token": "subj", "subject_token_type": TokenTypeAccessToken,
		"requested_token_type": TokenTypeAccessToken, "scope": "openid notes:read", "requested_subject": "alice",
	} {
		if got := f.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
	if !slices.Equal(f["audience"], []string{"nextcloud", "other"}) {
		t.Errorf("audience = %v", f["audience"])
	}
	// RFC 6749 2.3.1: form-encoded id and secret in basic auth.
	if !e.basic || e.user != "my+client" || e.pass != "s%26cret" {
		t.Errorf("basic auth = %v %q %q", e.basic, e.user, e.pass)
	}
	if tok.AccessToken != "nc-token" || tok.Expiry.Before(before.Add(299*time.Second)) || tok.Expiry.After(time.Now().Add(301*time.Second)) {
		t.Errorf("token = %q expiring %v", tok.AccessToken, tok.Expiry)
	}
	if tok.Extra("issued_token_type") != TokenTypeAccessToken || tok.Extra("scope") != "openid notes:read" {
		t.Errorf("extra = %v %v", tok.Extra("issued_token_type"), tok.Extra("scope"))
	}

	// Without optional fields none are sent; the given token types are kept.
	if _, err := ex.Exchange(context.Background(), ExchangeRequest{SubjectToken: "subj", SubjectTokenType: "urn:x:id",
		RequestedTokenType: "urn:x:refresh"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scope", "requested_subject", "audience"} {
		if _, ok := e.form[k]; ok {
			t.Errorf("%s sent without being asked for", k)
		}
	}
	if e.form.Get("subject_token_type") != "urn:x:id" || e.form.Get("requested_token_type") != "urn:x:refresh" {
		t.Errorf("token types = %v", e.form)
	}
	if _, err := ex.Exchange(context.Background(), ExchangeRequest{}); err == nil {
		t.Error("exchange without a subject token was sent")
	}
	// A public client sends no basic auth.
	if _, err := NewExchanger(e.srv.URL, "pub", "", e.srv.Client()).Exchange(context.Background(), ExchangeRequest{SubjectToken: "s"}); err != nil || e.basic {
		t.Errorf("public client: basic=%v err=%v", e.basic, err)
	}
}

func TestExchangeAnswers(t *testing.T) {
	e := newTokenEndpoint(t)
	ex := NewExchanger(e.srv.URL, "c", "s", e.srv.Client())
	ask := func() (string, time.Time, any, error) {
		tok, err := ex.Exchange(context.Background(), ExchangeRequest{SubjectToken: "subj", RequestedSubject: ""})
		if err != nil {
			return "", time.Time{}, nil, err
		}
		return tok.AccessToken, tok.Expiry, tok.Extra("scope"), nil
	}
	for _, tc := range []struct {
		name, body string
		status     int
		errHas     string
		expiry     bool
		scope      string
	}{
		{"no expiry", `{"access_token":"a"}`, 200, "", false, ""},
		{"zero expiry", `{"access_token":"a","expires_in":0}`, 200, "", false, ""},
		{"negative expiry", `{"access_token":"a","expires_in":-5}`, 200, "", false, ""},
		{"absurd expiry", `{"access_token":"a","expires_in":999999999999}`, 200, "", false, ""},
		{"one second", `{"access_token":"a","expires_in":1}`, 200, "", true, ""},
		{"scope list", `{"access_token":"a","scope":["x","y"]}`, 200, "", false, "x y"},
		{"no token", `{"token_type":"Bearer"}`, 200, "no access_token", false, ""},
		{"not JSON", `<html>`, 200, "not JSON", false, ""},
		{"refused", `{"error":"invalid_request","error_description":"Invalid token audience"}`, 400, "HTTP 400, invalid_request): Invalid token audience", false, ""},
		{"refused without JSON", `oops`, 502, "HTTP 502)", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.mu.Lock()
			e.status, e.body = tc.status, tc.body
			e.mu.Unlock()
			tok, exp, scope, err := ask()
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %q", err, tc.errHas)
				}
				var ee *ExchangeError
				if tc.status != 200 && (!errors.As(err, &ee) || ee.Status != tc.status) {
					t.Fatalf("err = %#v, want an ExchangeError with status %d", err, tc.status)
				}
				return
			}
			if err != nil || tok != "a" || exp.IsZero() == tc.expiry || (tc.scope != "" && scope != tc.scope) {
				t.Fatalf("token %q expiry %v scope %v err %v", tok, exp, scope, err)
			}
		})
	}
}

func TestExchangeErrorHints(t *testing.T) {
	for _, tc := range []struct {
		e    ExchangeError
		want string
	}{
		{ExchangeError{Status: 403, Impersonation: true, ClientID: "c"}, "legacy token exchange V1"},
		{ExchangeError{Status: 400, Description: "Client is not within the token audience", ClientID: "c"}, "audience mapper that puts c"},
		{ExchangeError{Status: 400, Description: "Invalid audience"}, "NEXTCLOUD_OIDC_AUDIENCE"},
		{ExchangeError{Status: 403, Code: "unauthorized_client", ClientID: "c"}, "standard.token.exchange.enabled"},
		{ExchangeError{Status: 400, Description: "exchange not enabled"}, "standard.token.exchange.enabled"},
		{ExchangeError{Status: 401}, "OIDC_CLIENT_SECRET"},
		{ExchangeError{Status: 400, Code: "invalid_client"}, "OIDC_CLIENT_SECRET"},
	} {
		if got := tc.e.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q lacks %q", tc.e, got, tc.want)
		}
	}
	if got := (&ExchangeError{Status: 500}).Error(); got != "the identity provider refused the token exchange (HTTP 500)" {
		t.Errorf("plain = %q", got)
	}
}
