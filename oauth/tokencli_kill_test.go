package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// revocationIdP is a discovery document with a revocation endpoint that
// answers status and records the form.
type revocationIdP struct {
	mu     sync.Mutex
	status int
	form   map[string]string
	basic  bool
	srv    *httptest.Server
}

func newRevocationIdP(t *testing.T, withEndpoint bool) *revocationIdP {
	f := &revocationIdP{status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			doc := map[string]any{"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/auth", "token_endpoint": f.srv.URL + "/token", "jwks_uri": f.srv.URL + "/keys"}
			if withEndpoint {
				doc["revocation_endpoint"] = f.srv.URL + "/revoke"
			}
			_ = json.NewEncoder(w).Encode(doc)
		case "/revoke":
			_ = r.ParseForm()
			f.mu.Lock()
			defer f.mu.Unlock()
			f.form = map[string]string{}
			for k := range r.PostForm {
				f.form[k] = r.PostForm.Get(k)
			}
			_, _, f.basic = r.BasicAuth()
			w.WriteHeader(f.status)
			if f.status != http.StatusOK {
				_, _ = w.Write([]byte(`{"error":"invalid_token","error_description":"gone"}`))
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func cliRun(cli TokensCLI, args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := TokensCommand(context.Background(), args, cli, &out, &errs)
	return code, out.String(), errs.String()
}

func TestTokensCommandEdges(t *testing.T) {
	ctx := context.Background()
	key, _ := storage.GenerateKey()
	path := filepath.Join(t.TempDir(), "t.db")
	cli := TokensCLI{DBPath: path, Keys: key}
	if code, _, errs := cliRun(cli); code != 2 || !strings.Contains(errs, "usage:") {
		t.Errorf("no command: %d %s", code, errs)
	}
	for _, h := range []string{"-h", "--help", "help"} {
		if code, _, errs := cliRun(cli, h); code != 0 || !strings.Contains(errs, "usage:") {
			t.Errorf("%s: %d %s", h, code, errs)
		}
	}
	if code, out, _ := cliRun(cli, "list"); code != 0 || !strings.Contains(out, "no stored offline grants") {
		t.Errorf("empty list: %d %q", code, out)
	}
	if code, out, _ := cliRun(cli, "list", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("empty JSON list: %d %q", code, out)
	}
	if code, _, _ := cliRun(cli, "list", "--bogus"); code != 2 {
		t.Errorf("bad flag: %d", code)
	}
	for _, args := range [][]string{{"revoke"}, {"revoke", ""}, {"revoke", "a", "b"}} {
		if code, _, errs := cliRun(cli, args...); code != 2 || !strings.Contains(errs, "usage:") {
			t.Errorf("%v: %d %s", args, code, errs)
		}
	}
	for _, c := range []TokensCLI{{DBPath: path, Keys: "bad"}, {}} {
		for _, cmd := range []string{"revoke", "rotate-key"} {
			args := []string{cmd}
			if cmd == "revoke" {
				args = append(args, "alice")
			}
			if code, _, errs := cliRun(c, args...); code != 1 || errs == "" {
				t.Errorf("%s without a usable database: %d %s", cmd, code, errs)
			}
		}
	}

	db, err := storage.Open(ctx, path, storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		saveToken(t, db, storage.Token{UserID: u, RefreshToken: "rt-" + u, Scopes: []string{"openid"}})
	}
	db.Close()

	// Revocation at the IdP: the confidential client authenticates; a
	// public one names itself in the form.
	idp := newRevocationIdP(t, true)
	conf := TokensCLI{DBPath: path, Keys: key, Issuer: idp.srv.URL, ClientID: "srv", ClientSecret: "sec", HTTPClient: idp.srv.Client()}
	if code, out, errs := cliRun(conf, "revoke", "alice"); code != 0 || !strings.Contains(out, "revoked the refresh token of alice") ||
		idp.form["token"] != "rt-alice" || idp.form["token_type_hint"] != "refresh_token" || !idp.basic || idp.form["client_id"] != "" {
		t.Errorf("confidential revoke: %d %s %s form=%v basic=%v", code, out, errs, idp.form, idp.basic)
	}
	pub := conf
	pub.ClientSecret = ""
	if code, _, _ := cliRun(pub, "revoke", "bob"); code != 0 || idp.form["client_id"] != "srv" || idp.basic {
		t.Errorf("public revoke: %d form=%v basic=%v", code, idp.form, idp.basic)
	}
	// The IdP refuses: a warning, and the grant is deleted here anyway.
	idp.status = http.StatusBadRequest
	if code, out, errs := cliRun(conf, "revoke", "carol"); code != 0 || !strings.Contains(errs, "400 invalid_token gone") ||
		!strings.Contains(out, "deleted the stored grant of carol") || strings.Contains(out, "revoked the refresh token") {
		t.Errorf("refused revoke: %d %s %s", code, out, errs)
	}
	// No revocation endpoint.
	none := newRevocationIdP(t, false)
	noRev := conf
	noRev.Issuer, noRev.HTTPClient = none.srv.URL, none.srv.Client()
	if code, _, errs := cliRun(noRev, "revoke", "dave"); code != 0 || !strings.Contains(errs, "no revocation_endpoint") {
		t.Errorf("no endpoint: %d %s", code, errs)
	}
	if code, _, errs := cliRun(conf, "revoke", "dave"); code != 1 || !strings.Contains(errs, "no stored grant for user dave") {
		t.Errorf("revoke of a missing grant: %d %s", code, errs)
	}

	// An undecryptable grant is deleted without asking the IdP; rotate-key
	// reports it and fails.
	other, _ := storage.GenerateKey()
	db, err = storage.Open(ctx, path, storage.Options{Keys: other})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"erin", "frank"} {
		saveToken(t, db, storage.Token{UserID: u, RefreshToken: "rt-" + u})
	}
	db.Close()
	idp.form = nil
	if code, out, errs := cliRun(conf, "revoke", "erin"); code != 0 || !strings.Contains(errs, "cannot be decrypted") || idp.form != nil ||
		!strings.Contains(out, "deleted the stored grant of erin") {
		t.Errorf("undecryptable revoke: %d %s %s (IdP asked: %v)", code, out, errs, idp.form != nil)
	}
	if code, out, _ := cliRun(conf, "rotate-key"); code != 1 || !strings.Contains(out, "token:frank") || strings.Contains(out, "can now be removed") {
		t.Errorf("rotate-key with an unreadable row: %d %s", code, out)
	}
	if code, out, _ := cliRun(conf, "list"); code != 0 || !strings.Contains(out, "UNREADABLE") {
		t.Errorf("list: %d %s", code, out)
	}
}

func TestTokenTable(t *testing.T) {
	var b bytes.Buffer
	writeTokenTable(&b, []storage.TokenInfo{
		{UserID: "alice", Subject: "s1", Scopes: []string{"openid", "notes:read"}, Readable: true},
		{UserID: "bob", Readable: true, OldKey: true},
		{UserID: "carol"},
	})
	out := b.String()
	for _, want := range []string{"USER", "alice", "openid notes:read", "old key (run tokens rotate-key)", "UNREADABLE (wrong key or tampered)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasSuffix(lines[1], "ok") || !strings.Contains(lines[1], "-") {
		t.Errorf("table:\n%s", out)
	}
}

func TestDoctorCommandReportsAnUnusableStore(t *testing.T) {
	idp := newRevocationIdP(t, true)
	var out, errs bytes.Buffer
	code := DoctorCommand(context.Background(), TokensCLI{DBPath: filepath.Join(t.TempDir(), "t.db"), Keys: "bad", Issuer: idp.srv.URL,
		HTTPClient: idp.srv.Client()}, "", &out, &errs)
	// A FAIL line means a failing exit code, here as for every check.
	if code != 1 || !strings.Contains(out.String(), "FAIL token storage") || !strings.Contains(out.String(), "OK   discovery") {
		t.Fatalf("doctor: %d\n%s", code, out.String())
	}
}

// doctor --impersonate tries the exchange for that user when the client
// has a secret; without one it says why there is no service account.
func TestDoctorCommandImpersonation(t *testing.T) {
	p := oidctest.New(t)
	p.AddClient(oidctest.Client{ID: "legacy", Secret: "legacy-secret", Impersonation: true, ServiceAccount: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc"})
	p.AddUser(oidctest.User{Username: "alice"})
	cli := TokensCLI{Issuer: p.Issuer(), ClientID: "legacy", ClientSecret: "legacy-secret", NextcloudAudience: "nextcloud", HTTPClient: p.HTTPClient()}
	var out, errs bytes.Buffer
	if code := DoctorCommand(context.Background(), cli, "alice", &out, &errs); code != 0 || !strings.Contains(out.String(), "OK   impersonation: the service account can act as user alice") {
		t.Fatalf("doctor --impersonate: %d\n%s%s", code, out.String(), errs.String())
	}
	out.Reset()
	if code := DoctorCommand(context.Background(), cli, "", &out, &errs); code != 0 || strings.Contains(out.String(), " impersonation: ") {
		t.Fatalf("doctor without a user to impersonate: %d\n%s", code, out.String())
	}
	cli.ClientSecret = ""
	out.Reset()
	if DoctorCommand(context.Background(), cli, "alice", &out, &errs); !strings.Contains(out.String(), "WARN service account") || strings.Contains(out.String(), "OK   impersonation") {
		t.Fatalf("doctor without a secret:\n%s", out.String())
	}
	// A failing impersonation is a failure of the doctor.
	p.RemoveUser("alice")
	cli.ClientSecret = "legacy-secret"
	out.Reset()
	if code := DoctorCommand(context.Background(), cli, "alice", &out, &errs); code != 1 || !strings.Contains(out.String(), "FAIL impersonation") {
		t.Fatalf("impersonating a missing user: %d\n%s", code, out.String())
	}
}

func TestTokensCommandHelpIsExact(t *testing.T) {
	for _, arg := range []string{"-hx", "--helpme", "helper", "lists", "revokeall"} {
		if code, _, errs := cliRun(TokensCLI{}, arg); code != 2 || !strings.Contains(errs, "unknown command") {
			t.Errorf("%s: %d %s", arg, code, errs)
		}
	}
}
