package kcadmin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A refused admin login names the user and what to check, never the
// password; the admin API is not called without a token.
func TestAdminLoginRefused(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/realms/master/protocol/openid-connect/token" {
			t.Errorf("unexpected request %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid user credentials"}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "root", "s3cret-pass", nil)
	_, err := c.Do(context.Background(), http.MethodGet, "/nextcloud-mcp", nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret-pass") || !strings.Contains(msg, `"root"`) || !strings.Contains(msg, "Invalid user credentials") {
		t.Fatalf("error: %s", msg)
	}
	if calls != 1 {
		t.Fatalf("%d requests, want only the login", calls)
	}
}

func TestEnsureNeedsNames(t *testing.T) {
	_, err := Ensure(context.Background(), New("http://127.0.0.1:1", "a", "b", nil), Config{Realm: "r"})
	if err == nil || !strings.Contains(err.Error(), "ServerClientID") {
		t.Fatalf("missing client ids: %v", err)
	}
}

// An admin API error keeps Keycloak's status and text; IsNotFound sees 404s.
func TestAdminAPIError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			_, _ = w.Write([]byte(`{"access_token":"t","expires_in":60}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer t" {
			t.Errorf("admin call without the token")
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"Realm not found."}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "admin", "pw", nil)
	_, err := c.Do(context.Background(), http.MethodGet, "/nope", nil, nil)
	if !IsNotFound(err) || !strings.Contains(err.Error(), "Realm not found.") || !strings.Contains(err.Error(), "GET /nope") {
		t.Fatalf("error: %v", err)
	}
	_, err = Ensure(context.Background(), c, Config{Realm: "nope", ServerClientID: "s", NextcloudClientID: "n"})
	if err == nil || !strings.Contains(err.Error(), `no realm "nope"`) || !strings.Contains(err.Error(), "realm-export.json") {
		t.Fatalf("missing realm: %v", err)
	}
}
