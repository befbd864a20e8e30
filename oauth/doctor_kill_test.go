package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// discoveryServer serves an OpenID configuration with the given grant
// types and scopes, and a token endpoint answering with token.
func discoveryServer(t *testing.T, grants, scopes []string, token string) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			doc := map[string]any{"issuer": srv.URL, "authorization_endpoint": srv.URL + "/auth", "token_endpoint": srv.URL + "/token",
				"jwks_uri": srv.URL + "/keys"}
			if grants != nil {
				doc["grant_types_supported"] = grants
			}
			if scopes != nil {
				doc["scopes_supported"] = scopes
			}
			_ = json.NewEncoder(w).Encode(doc)
		case "/token":
			if token == "" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
				return
			}
			_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"Bearer","expires_in":300}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func findCheck(checks []Check, name, status string) *Check {
	for i := range checks {
		if checks[i].Name == name && (status == "" || checks[i].Status == status) {
			return &checks[i]
		}
	}
	return nil
}

func TestDoctorFindings(t *testing.T) {
	ctx := context.Background()
	all := []string{"authorization_code", "refresh_token", "client_credentials", grantTokenExchange}
	jwt := func(claims string) string {
		return "h." + b64([]byte(claims)) + ".s"
	}
	tests := []struct {
		name    string
		grants  []string
		scopes  []string
		token   string
		secret  string
		imp     ImpersonateFunc
		want    map[string]string // check name → status, "" = must be absent
		details map[string]string // check name → detail substring
	}{
		{"everything", all, []string{"openid", "offline_access"}, jwt(`{"preferred_username":"service-account-srv"}`), "doctor-secret",
			func(context.Context, string, string) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "t"}, nil
			},
			map[string]string{"discovery": "ok", "grant types": "ok", "offline access": "warn", "background access": "", "service account": "ok", "impersonation": "ok"},
			map[string]string{"service account": "names service-account-srv", "impersonation": "act as user alice", "offline access": "ENABLE_OFFLINE_ACCESS is not true"}},
		{"sub when no username", all, nil, jwt(`{"sub":"abc"}`), "doctor-secret", nil,
			map[string]string{"service account": "ok", "impersonation": ""}, map[string]string{"service account": "names abc"}},
		{"opaque service token", all, nil, "opaque", "doctor-secret", nil,
			map[string]string{"service account": "ok"}, map[string]string{"service account": "worked; it lasts"}},
		{"impersonation refused", all, nil, "opaque", "doctor-secret",
			func(context.Context, string, string) (*oauth2.Token, error) { return nil, errors.New("not allowed") },
			map[string]string{"impersonation": "fail"}, map[string]string{"impersonation": "not allowed"}},
		{"no grant list", nil, nil, "", "", nil,
			map[string]string{"grant types": "warn", "background access": "warn", "service account": "warn"},
			map[string]string{"grant types": "does not list grant_types_supported", "background access": "without refresh tokens"}},
		{"a grant that only starts like refresh_token", []string{"authorization_code", "refresh_token_x", "client_credentials", grantTokenExchange}, nil, "opaque", "doctor-secret", nil,
			map[string]string{"background access": "warn"}, map[string]string{"background access": "without refresh tokens"}},
		{"no token exchange", []string{"authorization_code", "refresh_token"}, []string{"openid"}, "", "doctor-secret", nil,
			map[string]string{"offline access": "warn", "background access": "warn", "service account": "fail"},
			map[string]string{"background access": "without token exchange", "grant types": "not advertised: client credentials"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := discoveryServer(t, tc.grants, tc.scopes, tc.token)
			checks := RunDoctor(ctx, DoctorConfig{Issuer: srv.URL, ClientID: "srv", ClientSecret: tc.secret, HTTPClient: srv.Client(),
				Impersonate: tc.imp, ImpersonateUser: "alice"})
			for name, status := range tc.want {
				c := findCheck(checks, name, status)
				if (status == "") != (findCheck(checks, name, "") == nil) || (status != "" && c == nil) {
					t.Errorf("check %q: want status %q in %+v", name, status, checks)
				}
			}
			for name, frag := range tc.details {
				found := false
				for _, c := range checks {
					if c.Name == name && strings.Contains(c.Detail, frag) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %q check saying %q in %+v", name, frag, checks)
				}
			}
			var b strings.Builder
			failed := findCheck(checks, "service account", "fail") != nil || findCheck(checks, "impersonation", "fail") != nil
			if WriteDoctor(&b, checks) == failed {
				t.Errorf("WriteDoctor reported ok=%v with failures=%v:\n%s", !failed, failed, b.String())
			}
			if tc.secret != "" && strings.Contains(b.String(), tc.secret) {
				t.Errorf("the secret is printed")
			}
		})
	}
	if checks := RunDoctor(ctx, DoctorConfig{}); len(checks) != 1 || checks[0].Status != "fail" || !strings.Contains(checks[0].Detail, "OIDC_ISSUER") {
		t.Errorf("no issuer: %+v", checks)
	}
}

func TestDoctorTokenStorage(t *testing.T) {
	ctx := context.Background()
	srv := discoveryServer(t, []string{"authorization_code"}, nil, "")
	path := filepath.Join(t.TempDir(), "t.db")
	oldKey, _ := storage.GenerateKey()
	newKey, _ := storage.GenerateKey()
	lostKey, _ := storage.GenerateKey()
	put := func(keys, user string) {
		db, err := storage.Open(ctx, path, storage.Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		saveToken(t, db, storage.Token{UserID: user, RefreshToken: "rt"})
	}
	put(newKey, "alice")
	put(oldKey, "bob")
	put(lostKey, "carol")
	db, err := storage.Open(ctx, path, storage.Options{Keys: newKey + "," + oldKey})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := findCheck(RunDoctor(ctx, DoctorConfig{Issuer: srv.URL, HTTPClient: srv.Client(), Store: db}), "token storage", "warn")
	if c == nil || !strings.Contains(c.Detail, "3 stored offline grants, 1 cannot be decrypted") || !strings.Contains(c.Detail, "1 use an old key") {
		t.Fatalf("token storage check = %+v", c)
	}
	if _, err := db.DeleteToken(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteToken(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	c = findCheck(RunDoctor(ctx, DoctorConfig{Issuer: srv.URL, HTTPClient: srv.Client(), Store: db}), "token storage", "ok")
	if c == nil || c.Detail != "1 stored offline grants" {
		t.Fatalf("token storage check = %+v", c)
	}
	db.Close()
	c = findCheck(RunDoctor(ctx, DoctorConfig{Issuer: srv.URL, HTTPClient: srv.Client(), Store: db}), "token storage", "fail")
	if c == nil {
		t.Fatal("a closed store is not reported")
	}
}
