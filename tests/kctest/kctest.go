// Package kctest starts a real Keycloak for tests (scripts/keycloak.sh, one
// per test binary) with the project's realm (keycloak/realm-export.json)
// and the set-up of keycloak/kcadmin applied, and drives it like a user and
// an operator would.
//
// Usage:
//
//	func TestMain(m *testing.M) { kctest.Main(m) } // stops Keycloak after the package's tests
//
//	func TestX(t *testing.T) {
//		kc := kctest.Start(t) // shared; skips locally without Java/Maven, fails under CI=true
//		tok, err := kc.Login(ctx, kctest.LoginRequest{ClientID: kc.PublicClientID,
//			RedirectURI: "http://127.0.0.1:6274/oauth/callback", Username: "alice",
//			Scopes: []string{"openid", "notes:read", "offline_access"}}) // code + PKCE through the login form
//		svc, err := kc.ClientCredentials(ctx)    // mcp-server's service account
//		hc := kc.Browser("alice")                // *http.Client that fills Keycloak's login form as alice
//		                                         // (follow a server's /oauth/login with it)
//		kc.Admin.SetUserEnabled(ctx, kc.Realm, id, false)    // id from kc.UserID(ctx, "alice")
//		kc.Admin.UserSessions / OfflineSessions(ctx, kc.Realm, id, kc.ServerClientID)
//		kc.Admin.RotateKey(ctx, kc.Realm)        // new RS256 key active, old ones disabled
//		kc.StoreEvents(ctx); kc.CountEvents(ctx, "TOKEN_EXCHANGE", "alice", since)
//		kc.SetClientAttribute(ctx, kc.ServerClientID, "access.token.lifespan", "45") // returns restore
//		kc.Stop(); kc.Start()                    // outage: same port and issuer, data dir kept
//		v2 := kctest.StartWithFeatures(t, "")    // a second Keycloak without the V1 features
//	}
//
// Users: alice, bob, carol, dave (password in kc.Users); kc.NeverLoggedIn
// (carol) is left for impersonation of a user no test signs in. The realm
// is keycloak/realm-export.json with kcadmin.Ensure applied (SetupConfig).
//
// KCTEST_STATE_DIR=dir reuses the instance in dir (e.g. the one `make keycloak`
// started, .cache/keycloak/run): it is started if needed and left running.
// Every test user's password is kc.Users[name].
package kctest

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// Keycloak is a running Keycloak with the project's realm.
type Keycloak struct {
	// URL is the base URL (http://127.0.0.1:PORT); Issuer the realm's issuer.
	URL, Realm, Issuer string
	Admin              *kcadmin.Client
	// ServerClientID/ServerClientSecret: the MCP server's confidential
	// client (service account, token exchange). PublicClientID: the public
	// PKCE client MCP clients use. NextcloudClientID: user_oidc's client,
	// the audience Nextcloud checks.
	ServerClientID, ServerClientSecret string
	PublicClientID                     string
	NextcloudClientID                  string
	// Users maps every test user to its password. NeverLoggedIn is a user
	// no test logs in with (for impersonation of a user the MCP server has
	// never seen).
	Users         map[string]string
	NeverLoggedIn string
	// StartSeconds is how long the first start took (script's measure).
	StartSeconds float64

	script, stateDir string
	owned            bool // started by this process: stopped and removed by Main
	// features, when not nil, is KEYCLOAK_FEATURES for the script.
	features *string
	mu       sync.Mutex
}

var shared struct {
	sync.Mutex
	kc      *Keycloak
	err     error
	skip    string
	started bool
}

// Start returns the test binary's Keycloak, starting it at the first call.
// Locally, without Java or Maven, the test skips with one line saying how to
// get them; under CI=true that is a failure.
func Start(tb testing.TB) *Keycloak {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.started {
		shared.started = true
		shared.kc, shared.skip, shared.err = start(tb)
	}
	if shared.skip != "" {
		testutil.Unavailable(tb, "kctest: %s", shared.skip)
	}
	if shared.err != nil {
		tb.Fatalf("kctest: %v", shared.err)
	}
	return shared.kc
}

// Main runs the package's tests, stops the Keycloak they started and exits.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with its own clean-up: it returns the exit
// code instead of exiting.
func Run(m *testing.M) int { return testutil.RunThen(m, Shutdown) }

// Shutdown stops the Keycloak this process started and removes its data
// (an instance reused through KCTEST_STATE_DIR is left running).
func Shutdown() {
	shared.Lock()
	defer shared.Unlock()
	if k := shared.kc; k != nil && k.owned {
		if err := k.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "kctest:", err)
		}
		os.RemoveAll(k.stateDir)
	}
}

func repoRoot() (string, error) { return testutil.RepoRoot(filepath.Join("scripts", "keycloak.sh")) }

// missingTools names what is needed and not installed ("" when nothing).
func missingTools(root string) string {
	version := os.Getenv("KEYCLOAK_VERSION")
	if version == "" {
		version = "26.7.3"
	}
	cache := os.Getenv("KEYCLOAK_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache", "keycloak")
	}
	var miss []string
	if _, err := exec.LookPath("java"); err != nil && os.Getenv("JAVA_HOME") == "" && !anyJDK() {
		miss = append(miss, "Java 17+ (apt-get install openjdk-17-jre-headless)")
	}
	if _, err := os.Stat(filepath.Join(cache, "keycloak-"+version, "bin", "kc.sh")); err != nil {
		for _, t := range []string{"mvn", "unzip"} {
			if _, err := exec.LookPath(t); err != nil {
				miss = append(miss, t+" (apt-get install "+map[string]string{"mvn": "maven", "unzip": "unzip"}[t]+")")
			}
		}
	}
	if _, err := exec.LookPath("curl"); err != nil {
		miss = append(miss, "curl (apt-get install curl)")
	}
	if len(miss) == 0 {
		return ""
	}
	return "no real Keycloak: needs " + strings.Join(miss, ", ") + "; then scripts/keycloak.sh fetch"
}

func anyJDK() bool {
	m, _ := filepath.Glob("/usr/lib/jvm/*/bin/java")
	return len(m) > 0
}

// StartWithFeatures starts a second Keycloak of its own with the given
// --features value ("" for Keycloak's defaults: Standard Token Exchange V2
// only, no legacy V1); it is stopped and removed when the test ends. Its
// realm gets the set-up without impersonation. It costs another start-up:
// use it only for what the shared one cannot show.
func StartWithFeatures(tb testing.TB, features string) *Keycloak {
	tb.Helper()
	k, skip, err := startInstance(tb, &features, false)
	if skip != "" {
		testutil.Unavailable(tb, "kctest: %s", skip)
	}
	if err != nil {
		tb.Fatalf("kctest: %v", err)
	}
	tb.Cleanup(k.stopQuiet)
	return k
}

func start(tb testing.TB) (*Keycloak, string, error) {
	return startInstance(tb, nil, true)
}

func startInstance(tb testing.TB, features *string, shareable bool) (*Keycloak, string, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, "", err
	}
	if m := missingTools(root); m != "" {
		return nil, m, nil
	}
	k := &Keycloak{
		features: features,
		script:   filepath.Join(root, "scripts", "keycloak.sh"),
		Realm:    "nextcloud-mcp", ServerClientID: "mcp-server", PublicClientID: "mcp-client", NextcloudClientID: "nextcloud",
		Users: map[string]string{
			"alice": "alice-dev-password", "bob": "bob-dev-password", "carol": "carol-dev-password", "dave": "dave-dev-password",
		},
		NeverLoggedIn: "carol",
	}
	if dir := os.Getenv("KCTEST_STATE_DIR"); dir != "" && shareable {
		k.stateDir = dir
	} else {
		dir, err := os.MkdirTemp("", "kctest-")
		if err != nil {
			return nil, "", err
		}
		k.stateDir, k.owned = dir, true
	}
	tb.Logf("kctest: starting Keycloak in %s (first start imports the realm; a minute or more)", k.stateDir)
	env, err := k.run("start")
	if err != nil {
		return nil, "", err
	}
	k.URL = env["KEYCLOAK_URL"]
	k.Issuer = k.URL + "/realms/" + k.Realm
	k.StartSeconds, _ = strconv.ParseFloat(env["KEYCLOAK_START_SECONDS"], 64)
	tb.Logf("kctest: Keycloak %s ready at %s in %.1fs", env["KEYCLOAK_VERSION"], k.URL, k.StartSeconds)
	k.Admin = kcadmin.New(k.URL, env["KEYCLOAK_ADMIN"], env["KEYCLOAK_ADMIN_PASSWORD"], nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := k.SetupConfig()
	cfg.Impersonation = features == nil
	if _, err := kcadmin.Ensure(ctx, k.Admin, cfg); err != nil {
		k.stopQuiet()
		return nil, "", fmt.Errorf("realm set-up: %w", err)
	}
	if k.ServerClientSecret, err = k.Admin.ClientSecret(ctx, k.Realm, k.ServerClientID); err != nil {
		k.stopQuiet()
		return nil, "", err
	}
	return k, "", nil
}

// SetupConfig is the kcadmin.Ensure configuration the harness applies.
func (k *Keycloak) SetupConfig() kcadmin.Config {
	cfg := kcadmin.Config{Realm: k.Realm, ServerClientID: k.ServerClientID, NextcloudClientID: k.NextcloudClientID, Impersonation: true}
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		cfg.Users = append(cfg.Users, kcadmin.TestUser{Username: u, Password: k.Users[u], Email: u + "@example.test", FirstName: strings.ToUpper(u[:1]) + u[1:], LastName: "Example"})
	}
	return cfg
}

func (k *Keycloak) stopQuiet() {
	if k.owned {
		_, _ = k.run("stop")
		os.RemoveAll(k.stateDir)
	}
}

// run calls the script and parses the KEY=VALUE lines it prints.
func (k *Keycloak) run(cmd string) (map[string]string, error) {
	c := exec.Command(k.script, cmd, k.stateDir)
	c.Env = os.Environ()
	if k.features != nil {
		c.Env = append(c.Env, "KEYCLOAK_FEATURES="+*k.features)
	}
	if k.owned {
		// A test binary that dies (panic, timeout) takes its Keycloak along.
		c.Env = append(c.Env, "KEYCLOAK_WATCH_PID="+strconv.Itoa(os.Getpid()))
	}
	if cmd == "start" && os.Getenv("KEYCLOAK_PORT") == "" {
		if _, err := os.Stat(filepath.Join(k.stateDir, "state.env")); err != nil {
			// A fresh instance: ports chosen here, so parallel test
			// binaries do not race for the script's first free port.
			p1, err1 := testutil.FreePort()
			p2, err2 := testutil.FreePort()
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			c.Env = append(c.Env, "KEYCLOAK_PORT="+strconv.Itoa(p1), "KEYCLOAK_MGMT_PORT="+strconv.Itoa(p2))
		}
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("scripts/keycloak.sh %s %s: %v\n%s", cmd, k.stateDir, err, stderr.String())
	}
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if key, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[key] = v
		}
	}
	return env, nil
}

// Stop stops Keycloak (by PID) and waits until it is gone; the data dir is
// kept, so Start brings back the same realm, keys and offline sessions.
func (k *Keycloak) Stop() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, err := k.run("stop")
	return err
}

// Start starts a stopped Keycloak again on the same port (so the issuer
// does not change) and waits until it is ready.
func (k *Keycloak) Start() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, err := k.run("start")
	return err
}

// Running reports whether the Keycloak process is alive.
func (k *Keycloak) Running() bool {
	_, err := k.run("status")
	return err == nil
}

// Endpoints of the realm.
func (k *Keycloak) TokenURL() string     { return k.Issuer + "/protocol/openid-connect/token" }
func (k *Keycloak) AuthURL() string      { return k.Issuer + "/protocol/openid-connect/auth" }
func (k *Keycloak) JWKSURL() string      { return k.Issuer + "/protocol/openid-connect/certs" }
func (k *Keycloak) UserinfoURL() string  { return k.Issuer + "/protocol/openid-connect/userinfo" }
func (k *Keycloak) DiscoveryURL() string { return k.Issuer + "/.well-known/openid-configuration" }

// UserID is the Keycloak id (the tokens' sub) of a user.
func (k *Keycloak) UserID(ctx context.Context, username string) (string, error) {
	u, err := k.Admin.UserByName(ctx, k.Realm, username)
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", fmt.Errorf("keycloak realm %s has no user %q", k.Realm, username)
	}
	return u.ID, nil
}

// HTTPClient is a plain client for calls to Keycloak.
func (k *Keycloak) HTTPClient() *http.Client { return &http.Client{Timeout: time.Minute} }

// StoreEvents makes the realm store user events (LOGIN, TOKEN_EXCHANGE,
// REFRESH_TOKEN …) so tests can count them with Admin.Events.
func (k *Keycloak) StoreEvents(ctx context.Context) error {
	_, err := k.Admin.Do(ctx, http.MethodPut, "/"+k.Realm+"/events/config",
		map[string]any{"eventsEnabled": true, "eventsExpiration": 3600, "enabledEventTypes": []string{}}, nil)
	return err
}

// SetClientAttribute sets one attribute of a client (e.g.
// access.token.lifespan) and returns a function restoring the old value.
func (k *Keycloak) SetClientAttribute(ctx context.Context, clientID, key, value string) (restore func() error, err error) {
	cl, err := k.Admin.Client(ctx, k.Realm, clientID)
	if err != nil {
		return nil, err
	}
	old, had := cl.Attributes[key]
	set := func(v string, present bool) error {
		cl, err := k.Admin.Client(ctx, k.Realm, clientID)
		if err != nil {
			return err
		}
		attrs, _ := cl.Raw["attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
		}
		if present {
			attrs[key] = v
		} else {
			// Keycloak keeps attributes missing from an update: blank it.
			attrs[key] = ""
		}
		cl.Raw["attributes"] = attrs
		return k.Admin.UpdateClient(ctx, k.Realm, cl.ID, cl.Raw)
	}
	if err := set(value, true); err != nil {
		return nil, err
	}
	return func() error { return set(old, had) }, nil
}

// UserEvents lists the realm's stored events of type typ for user
// (username) at or after since, oldest first.
func (k *Keycloak) UserEvents(ctx context.Context, typ, user string, since time.Time) ([]kcadmin.Event, error) {
	id, err := k.UserID(ctx, user)
	if err != nil {
		return nil, err
	}
	ev, err := k.Admin.Events(ctx, k.Realm, typ)
	if err != nil {
		return nil, err
	}
	var out []kcadmin.Event
	for _, e := range ev {
		if e.UserID == id && e.Time >= since.UnixMilli() {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b kcadmin.Event) int { return cmp.Compare(a.Time, b.Time) })
	return out, nil
}

// CountEvents counts the realm's stored events of type typ for user
// (username) at or after since.
func (k *Keycloak) CountEvents(ctx context.Context, typ, user string, since time.Time) (int, error) {
	ev, err := k.UserEvents(ctx, typ, user, since)
	return len(ev), err
}
