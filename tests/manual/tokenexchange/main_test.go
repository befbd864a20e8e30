package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func fakeJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc(b) + ".sig"
}

// fakeIdP answers discovery, client_credentials and token exchange the way
// Keycloak does, and a Nextcloud OCS user endpoint.
func fakeIdP(t *testing.T, exchangeAud string) *httptest.Server {
	return fakeIdPV(t, exchangeAud, false)
}

// fakeIdPV answers requested_subject as Keycloak's legacy V1 does when
// impersonation is set (bob may be impersonated, carol yields a token of the
// wrong user, anyone else is refused), else as Standard Token Exchange V2.
func fakeIdPV(t *testing.T, exchangeAud string, impersonation bool) *httptest.Server {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /realms/r/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                srv.URL + "/realms/r",
			"token_endpoint":        srv.URL + "/realms/r/token",
			"jwks_uri":              srv.URL + "/realms/r/certs",
			"grant_types_supported": []string{"client_credentials", grantTokenExchange},
		})
	})
	mux.HandleFunc("POST /realms/r/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "mcp-server" || secret != "s3cr3t" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "unauthorized_client"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		r.ParseForm()
		switch r.Form.Get("grant_type") {
		case "client_credentials":
			json.NewEncoder(w).Encode(map[string]any{"access_token": fakeJWT(map[string]any{"aud": []string{"mcp-server", "nextcloud"}, "azp": "mcp-server"}), "token_type": "Bearer", "expires_in": 300})
		case grantTokenExchange:
			switch subj := r.Form.Get("requested_subject"); {
			case subj == "bob" && impersonation:
				json.NewEncoder(w).Encode(map[string]any{"access_token": fakeJWT(map[string]any{"aud": exchangeAud, "preferred_username": "bob", "sub": "b-1"}), "token_type": "Bearer", "issued_token_type": typeAccessToken, "expires_in": 300})
				return
			case subj == "carol" && impersonation:
				json.NewEncoder(w).Encode(map[string]any{"access_token": fakeJWT(map[string]any{"aud": exchangeAud, "preferred_username": "bob", "sub": "b-1"}), "token_type": "Bearer", "issued_token_type": typeAccessToken, "expires_in": 300})
				return
			case subj != "" && impersonation:
				w.WriteHeader(http.StatusForbidden)
				json.NewEncoder(w).Encode(map[string]string{"error": "access_denied", "error_description": "Client not allowed to exchange"})
				return
			case subj != "":
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": "Parameter 'requested_subject' is not supported for standard token exchange"})
				return
			}
			if r.Form.Get("subject_token_type") != typeAccessToken || r.Form.Get("audience") != "nextcloud" {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": "bad exchange"})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"access_token": fakeJWT(map[string]any{"aud": exchangeAud, "preferred_username": "service-account-mcp-server"}), "token_type": "Bearer", "issued_token_type": typeAccessToken, "expires_in": 300})
		}
	})
	mux.HandleFunc("GET /ocs/v2.php/cloud/user", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ocs":{"meta":{"status":"ok"},"data":{"id":"alice","display-name":"Alice"}}}`))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, aud, secret, wantErr string
	}{
		{name: "ok", aud: "nextcloud", secret: "s3cr3t"},
		{name: "exchanged token lacks audience", aud: "account", secret: "s3cr3t", wantErr: `aud does not name "nextcloud"`},
		{name: "wrong secret", aud: "nextcloud", secret: "nope", wantErr: "client_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeIdP(t, tt.aud)
			o := options{issuer: srv.URL + "/realms/r", clientID: "mcp-server", secret: tt.secret, audience: "nextcloud", nextcloud: srv.URL}
			var out bytes.Buffer
			err := run(context.Background(), o, &out)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(out.String(), "s3cr3t") || strings.Contains(out.String(), ".sig") {
				t.Errorf("output shows the secret or a raw token:\n%s", out.String())
			}
			if tt.wantErr == "" && !strings.Contains(out.String(), `user id "alice"`) {
				t.Errorf("output does not report the Nextcloud user:\n%s", out.String())
			}
		})
	}
}

func TestRequestedSubject(t *testing.T) {
	tests := []struct {
		name, subject string
		v1            bool
		wantErr       []string
		wantOut       string
	}{
		{name: "V1 impersonates bob", subject: "bob", v1: true, wantOut: "impersonation worked: the token is bob's"},
		{name: "V2 refuses", subject: "bob", wantErr: []string{"Parameter 'requested_subject' is not supported", "--features=token-exchange:v1,admin-fine-grained-authz:v1"}},
		{name: "V1 without permission", subject: "dave", v1: true, wantErr: []string{"Client not allowed to exchange", "\"impersonate\" permission a client policy naming mcp-server"}},
		{name: "token of another user", subject: "carol", v1: true, wantErr: []string{`names user "bob"`, `not the requested subject "carol"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeIdPV(t, "nextcloud", tt.v1)
			o := options{issuer: srv.URL + "/realms/r", clientID: "mcp-server", secret: "s3cr3t", audience: "nextcloud", requestedSubject: tt.subject}
			var out bytes.Buffer
			err := run(context.Background(), o, &out)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("run: %v\n%s", err, out.String())
				}
				if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(out.String(), "impersonating "+tt.subject) {
					t.Errorf("output lacks %q:\n%s", tt.wantOut, out.String())
				}
				return
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
		})
	}
}

func TestMissing(t *testing.T) {
	m := options{subjectEnv: "X"}.missing()
	for _, want := range []string{"issuer", "client id", "client secret", "audience", "X"} {
		if !strings.Contains(strings.Join(m, "\n"), want) {
			t.Errorf("missing() does not mention %s: %v", want, m)
		}
	}
}
