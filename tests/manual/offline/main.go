// Command offline drives the offline-access grant of a running
// nextcloud-mcp-server in OAuth mode (ENABLE_OFFLINE_ACCESS=true):
//
//  1. checks the server is up and that /oauth/login redirects to the
//     identity provider with PKCE S256 and the offline_access scope;
//  2. prints the /oauth/login URL for you to open in a browser and sign in
//     (compose stack: alice / alice-dev-password);
//  3. waits until the server's token database holds a grant (for -user, if
//     given) and lists every grant: user, subject, scopes, times. Token
//     values are encrypted in the database and never read.
//
// Against the compose stack (the database lives in the container's volume,
// so it is copied out on each poll with `docker compose cp`):
//
//	go run ./tests/manual/offline -server http://localhost:8001 -compose-service mcp-keycloak -user alice
//
// Against a server run from a shell: -db path/to/tokens.db (TOKEN_STORAGE_DB).
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/manual/cli"
)

type options struct {
	server, db, service, composeFile, user string
	wait, poll                             time.Duration
	listOnly                               bool
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", os.Getenv("NEXTCLOUD_MCP_SERVER_URL"), "public URL of the OAuth-mode server, e.g. http://localhost:8001 (env NEXTCLOUD_MCP_SERVER_URL)")
	flag.StringVar(&o.db, "db", os.Getenv("TOKEN_STORAGE_DB"), "the server's token database, read-only (env TOKEN_STORAGE_DB)")
	flag.StringVar(&o.service, "compose-service", "", "instead of -db: docker compose service whose /data holds tokens.db (mcp-keycloak in this repo's stack)")
	flag.StringVar(&o.composeFile, "compose-file", "docker-compose.yml", "compose file for -compose-service")
	flag.StringVar(&o.user, "user", "", "Nextcloud user id whose grant to wait for (default: any new grant)")
	flag.DurationVar(&o.wait, "wait", 10*time.Minute, "how long to wait for the grant")
	flag.DurationVar(&o.poll, "poll", 3*time.Second, "how often to look")
	flag.BoolVar(&o.listOnly, "list", false, "only list the grants stored now; do not start a sign-in")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: offline -server URL (-db FILE | -compose-service NAME) [-user ID]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	cli.ExitIfProblems("offline", "missing configuration:", o.missing())
	cli.RunOrExit("offline", o.wait+time.Minute, func(ctx context.Context) error { return run(ctx, o, os.Stdout) })
}

func (o options) missing() []string {
	var m []string
	if o.server == "" && !o.listOnly {
		m = append(m, "server: -server or NEXTCLOUD_MCP_SERVER_URL (compose stack: http://localhost:8001)")
	}
	switch {
	case o.db == "" && o.service == "":
		m = append(m, "token database: -db FILE (TOKEN_STORAGE_DB of a server you run) or -compose-service mcp-keycloak (compose stack)")
	case o.db != "" && o.service != "":
		m = append(m, "give -db or -compose-service, not both")
	}
	return m
}

func run(ctx context.Context, o options, out io.Writer) error {
	src, cleanup, err := newSource(o)
	if err != nil {
		return err
	}
	defer cleanup()
	if o.listOnly {
		grants, err := src.grants(ctx)
		if err != nil {
			return err
		}
		printGrants(out, grants)
		return nil
	}

	base := strings.TrimRight(o.server, "/")
	fmt.Fprintf(out, "== step 1: server %s\n", base)
	if err := checkLogin(ctx, base, out); err != nil {
		return err
	}
	before, err := src.grants(ctx)
	if err != nil && !errors.Is(err, errNoDB) {
		return err
	}
	seen := map[string]time.Time{}
	for _, g := range before {
		seen[g.User] = g.Created
	}

	fmt.Fprintf(out, "\n== step 2: open this URL in a browser and sign in")
	if o.user != "" {
		fmt.Fprintf(out, " as %s", o.user)
	}
	fmt.Fprintf(out, ":\n\n    %s/oauth/login\n\n", base)
	fmt.Fprintf(out, "== step 3: waiting up to %s for the grant to be stored", o.wait)
	deadline := time.Now().Add(o.wait)
	for {
		grants, err := src.grants(ctx)
		if err != nil && !errors.Is(err, errNoDB) {
			return err
		}
		for _, g := range grants {
			prev, had := seen[g.User]
			isNew := !had || g.Created.After(prev)
			if isNew && (o.user == "" || g.User == o.user) {
				fmt.Fprintf(out, "\n\ngrant stored for %s with scopes %q\n\n", g.User, g.Scopes)
				printGrants(out, grants)
				if !strings.Contains(" "+g.Scopes+" ", " offline_access ") {
					return fmt.Errorf("the grant for %s does not list offline_access: the refresh token will end with the browser session", g.User)
				}
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no new grant after %s; did the sign-in finish on the server's callback page?", o.wait)
		}
		fmt.Fprint(out, ".")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.poll):
		}
	}
}

// checkLogin fetches /oauth/login without following the redirect: it must
// send the browser to the IdP with PKCE S256 and offline_access.
func checkLogin(ctx context.Context, base string, out io.Writer) error {
	hc := &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/health/ready", "/oauth/login"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
		if err != nil {
			return fmt.Errorf("server URL %q: %w", base, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("GET %s%s: %w (is the server running in OAuth mode?)", base, p, err)
		}
		resp.Body.Close()
		switch p {
		case "/health/ready":
			fmt.Fprintf(out, "  %s: %s\n", p, resp.Status)
		case "/oauth/login":
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
				return fmt.Errorf("GET %s/oauth/login answered %s, not a redirect to the identity provider (is ENABLE_OFFLINE_ACCESS=true and NEXTCLOUD_MCP_AUTH=oauth?)", base, resp.Status)
			}
			u, err := url.Parse(loc)
			if err != nil {
				return fmt.Errorf("/oauth/login redirects to an unparsable URL: %w", err)
			}
			q := u.Query()
			fmt.Fprintf(out, "  /oauth/login redirects to %s://%s%s\n    client_id=%s scope=%q code_challenge_method=%s redirect_uri=%s\n",
				u.Scheme, u.Host, u.Path, q.Get("client_id"), q.Get("scope"), q.Get("code_challenge_method"), q.Get("redirect_uri"))
			if q.Get("code_challenge_method") != "S256" {
				return errors.New("the authorization request does not use PKCE S256")
			}
			if !strings.Contains(" "+q.Get("scope")+" ", " offline_access ") {
				return errors.New("the authorization request does not ask for offline_access")
			}
		}
	}
	return nil
}

// grant is the non-secret part of a stored refresh token.
type grant struct {
	User, Subject, Issuer, Scopes            string
	Created, LastUsed, LastRefreshed, Expiry time.Time
}

var errNoDB = errors.New("token database not there yet")

type source struct {
	path string
	// refresh copies the database out of a container first, if set.
	refresh func(ctx context.Context) error
}

func newSource(o options) (*source, func(), error) {
	if o.service == "" {
		return &source{path: o.db}, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "nc-mcp-offline-")
	if err != nil {
		return nil, nil, err
	}
	s := &source{path: filepath.Join(dir, "data", "tokens.db")}
	s.refresh = func(ctx context.Context) error {
		os.RemoveAll(filepath.Join(dir, "data"))
		// Copy the whole directory: recent writes may still be in the WAL.
		cmd := exec.CommandContext(ctx, "docker", "compose", "-f", o.composeFile, "cp", o.service+":/data", filepath.Join(dir, "data"))
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("docker compose cp %s:/data: %w: %s", o.service, err, strings.TrimSpace(string(b)))
		}
		return nil
	}
	return s, func() { os.RemoveAll(dir) }, nil
}

func (s *source) grants(ctx context.Context) ([]grant, error) {
	if s.refresh != nil {
		if err := s.refresh(ctx); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(s.path); err != nil {
		return nil, fmt.Errorf("%w: %s", errNoDB, s.path)
	}
	mode := "ro"
	if s.refresh != nil {
		mode = "rw" // our own copy; lets SQLite replay the WAL
	}
	db, err := sql.Open("sqlite3", "file:"+s.path+"?mode="+mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT user_id, subject, issuer, scopes, created_at, last_used_at, last_refreshed_at, expires_at FROM refresh_tokens ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("read grants from %s (a token database of this server version?): %w", s.path, err)
	}
	defer rows.Close()
	var out []grant
	for rows.Next() {
		var g grant
		var created int64
		var used, refreshed, expires sql.NullInt64
		if err := rows.Scan(&g.User, &g.Subject, &g.Issuer, &g.Scopes, &created, &used, &refreshed, &expires); err != nil {
			return nil, fmt.Errorf("read grant row: %w", err)
		}
		g.Created = time.Unix(created, 0)
		g.LastUsed, g.LastRefreshed, g.Expiry = unix(used), unix(refreshed), unix(expires)
		out = append(out, g)
	}
	return out, rows.Err()
}

func unix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0)
}

func printGrants(out io.Writer, gs []grant) {
	if len(gs) == 0 {
		fmt.Fprintln(out, "no grants stored")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSUBJECT\tSCOPES\tGRANTED\tLAST USED\tLAST REFRESHED\tEXPIRES")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.User, g.Subject, g.Scopes, ts(g.Created), ts(g.LastUsed), ts(g.LastRefreshed), ts(g.Expiry))
	}
	tw.Flush()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}
