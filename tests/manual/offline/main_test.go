package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// schema mirrors the server's refresh_tokens table (storage/db.go); the
// program reads only these columns.
const schema = `CREATE TABLE refresh_tokens (
	user_id TEXT PRIMARY KEY, issuer TEXT NOT NULL, subject TEXT NOT NULL,
	scopes TEXT NOT NULL DEFAULT '', token_enc BLOB NOT NULL, created_at INTEGER NOT NULL,
	last_used_at INTEGER, last_refreshed_at INTEGER, expires_at INTEGER)`

// onWrite runs fn once, when the output first contains marker: the moment
// a person would finish signing in.
type onWrite struct {
	bytes.Buffer
	marker string
	fn     func()
	done   bool
}

func (w *onWrite) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if !w.done && strings.Contains(w.String(), w.marker) {
		w.done = true
		w.fn()
	}
	return n, err
}

func fakeServer(t *testing.T, scope string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("GET /oauth/login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.test/auth?client_id=mcp-server&code_challenge_method=S256&scope="+scope, http.StatusFound)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, loginScope, grantScopes, wantErr string
	}{
		{name: "grant with offline access", loginScope: "openid+profile+offline_access", grantScopes: "openid profile offline_access notes:read"},
		{name: "login without offline_access", loginScope: "openid+profile", wantErr: "does not ask for offline_access"},
		{name: "grant without offline_access", loginScope: "openid+offline_access", grantScopes: "openid profile", wantErr: "does not list offline_access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tokens.db")
			db, err := sql.Open("sqlite3", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(schema); err != nil {
				t.Fatal(err)
			}
			// bob's older grant must not count as the new one.
			if _, err := db.Exec(`INSERT INTO refresh_tokens VALUES ('bob','http://idp.test','b-sub','openid offline_access',x'00',1,NULL,NULL,NULL)`); err != nil {
				t.Fatal(err)
			}
			out := &onWrite{marker: "== step 3", fn: func() {
				if _, err := db.Exec(`INSERT INTO refresh_tokens VALUES ('alice','http://idp.test','a-sub',?,x'00',?,NULL,NULL,NULL)`, tt.grantScopes, time.Now().Unix()); err != nil {
					t.Error(err)
				}
			}}
			ts := fakeServer(t, tt.loginScope)
			o := options{server: ts.URL, db: path, user: "alice", wait: time.Minute, poll: time.Millisecond}
			err = run(context.Background(), o, out)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q\n%s", err, tt.wantErr, out.String())
			}
			if tt.wantErr == "" {
				for _, want := range []string{ts.URL + "/oauth/login", "grant stored for alice", "a-sub", "bob"} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
			}
		})
	}
}

func TestMissing(t *testing.T) {
	m := strings.Join(options{}.missing(), "\n")
	for _, want := range []string{"-server", "-db", "-compose-service"} {
		if !strings.Contains(m, want) {
			t.Errorf("missing() does not mention %s: %s", want, m)
		}
	}
}
