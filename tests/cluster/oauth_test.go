package cluster

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/load"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/pgtest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// jobLog records, at the test Nextcloud, the requests made with tokens
// from stored offline grants (background jobs), per user.
type jobLog struct {
	mu    sync.Mutex
	known map[string]tokenInfo
	runs  map[string][]jobRequest
}

type tokenInfo struct {
	user string
	job  bool
	ok   bool
}

type jobRequest struct {
	at  time.Time
	key string
}

// TestThreeReplicasOAuthOfflineSurviveAKill: three replicas in OAuth mode
// with offline access share one PostgreSQL; several users have offline
// grants stored, background jobs run every jobInterval, sessions with
// bearer tokens call tools through a round-robin proxy, and one replica
// is killed mid-run and restarted. Afterwards every user's grant still
// refreshes and is the only live one at the IdP (the IdP spends each
// refresh token on use, so a forked or lost rotation shows), each job ran
// for each user at most once per interval across the replicas, and the
// sessions kept working.
func TestThreeReplicasOAuthOfflineSurviveAKill(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" { // CI=true never skips a real part
		t.Skip("the cluster test starts three server processes; skipped with -short")
	}
	ctx := context.Background()
	pgURL := pgtest.Database(t)
	const jobInterval = 2 * time.Second
	users := []string{"ana", "ben", "cyd", "dan", "eve", "fay"}

	p := oidctest.New(t)
	// Offline access tokens live 20s: under the 30s the server wants left,
	// so every job run refreshes (and rotates) the user's grant.
	p.AddClient(oidctest.Client{ID: "mcp-server", Secret: "srv-secret", TokenExchange: true,
		Audience: []string{"nextcloud", "mcp-server"}, AccessTokenLifetime: 20 * time.Second})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: "claude", Audience: []string{"mcp-server"}})
	var ncOpts []nctest.Option
	subjects := map[string]string{}
	for _, u := range users {
		subjects[u] = p.AddUser(oidctest.User{Username: u}).Subject
		ncOpts = append(ncOpts, nctest.WithUser(u, u+"-pass"))
	}
	nc := nctest.New(t, ncOpts...)

	// The test Nextcloud accepts the IdP's tokens meant for it; those with
	// mcp-server in aud come from offline grants (exchanged session tokens
	// have aud nextcloud only), so their requests are background jobs.
	jl := &jobLog{known: map[string]tokenInfo{}, runs: map[string][]jobRequest{}}
	inspect := func(tok string) tokenInfo {
		jl.mu.Lock()
		ti, seen := jl.known[tok]
		jl.mu.Unlock()
		if seen {
			return ti
		}
		in, err := p.Introspect(context.Background(), "nextcloud", tok)
		if err != nil || in["active"] != true {
			return tokenInfo{}
		}
		aud, _ := in["aud"].([]any)
		u, _ := in["username"].(string)
		ti = tokenInfo{user: u, job: slices.Contains(aud, any("mcp-server")), ok: u != "" && slices.Contains(aud, any("nextcloud"))}
		jl.mu.Lock()
		jl.known[tok] = ti
		jl.mu.Unlock()
		return ti
	}
	nc.SetBearerAuth(func(tok string) (string, bool) {
		ti := inspect(tok)
		return ti.user, ti.ok
	})
	nc.SetFault(func(_ http.ResponseWriter, r *http.Request) bool {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return false
		}
		if ti := inspect(tok); ti.ok && ti.job {
			jl.mu.Lock()
			jl.runs[ti.user] = append(jl.runs[ti.user], jobRequest{at: time.Now(), key: r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery})
			jl.mu.Unlock()
		}
		return false
	})

	// With the gate closed the IdP holds refreshes; one whose client dies
	// meanwhile is refused unprocessed. The kill happens behind the gate:
	// a replica killed after the IdP rotated a grant and before it stored
	// the new token loses that grant at an IdP that spends refresh tokens
	// on use (no client can prevent that; see the README).
	var gateMu sync.Mutex
	var gate chan struct{}
	var lastPass time.Time // when the last refresh went through the open gate
	p.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.PostForm.Get("grant_type") != "refresh_token" {
			return false
		}
		gateMu.Lock()
		g := gate
		if g == nil {
			lastPass = time.Now()
		}
		gateMu.Unlock()
		if g == nil {
			return false
		}
		select {
		case <-g:
		case <-r.Context().Done():
		}
		// Both cases may be ready when the gate opens: a held refresh of
		// the killed replica must never go on to spend the grant.
		if r.Context().Err() != nil {
			http.Error(w, "client gone", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	killBehindGate := func(r *replica) {
		g := make(chan struct{})
		gateMu.Lock()
		gate = g
		gateMu.Unlock()
		// Refreshes past the gate get their answer and are stored before
		// the kill: 2 s after the last one, even on a loaded machine.
		for {
			gateMu.Lock()
			quiet := time.Since(lastPass)
			gateMu.Unlock()
			if quiet >= 2*time.Second {
				break
			}
			time.Sleep(2*time.Second - quiet)
		}
		r.kill()
		// The IdP's server notices the dead replica's connections
		// (cancelling their requests) before the held refreshes go on.
		time.Sleep(time.Second)
		gateMu.Lock()
		gate = nil
		gateMu.Unlock()
		close(g)
	}

	// Offline grants, as the consent flow stores them.
	key, err := storage.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(ctx, pgURL, storage.Options{Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, u := range users {
		tok, err := p.Login(ctx, oidctest.LoginRequest{ClientID: "mcp-server", User: u, Scopes: []string{"openid", "offline_access"}})
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("offline login of %s: %v", u, err)
		}
		if err := store.SaveToken(ctx, storage.Token{UserID: u, Issuer: p.Issuer(), Subject: subjects[u], Scopes: []string{"openid", "offline_access"},
			RefreshToken: tok.RefreshToken, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	var reps []*replica
	var backends []*url.URL
	for range 3 {
		addr := testutil.FreeAddr(t)
		reps = append(reps, &replica{bin: "", addr: addr})
		backends = append(backends, &url.URL{Scheme: "http", Host: addr})
	}
	rr := &roundRobin{backends: backends, base: &http.Transport{MaxIdleConnsPerHost: 64}}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(*httputil.ProxyRequest) {}, Transport: rr, FlushInterval: -1,
		ErrorLog: log.New(io.Discard, "", 0)})
	defer proxy.Close()

	bin := buildServer(t)
	env := []string{"NEXTCLOUD_HOST=" + nc.URL, "NEXTCLOUD_MCP_AUTH=oauth", "OIDC_ISSUER=" + p.Issuer(),
		"OIDC_CLIENT_ID=mcp-server", "OIDC_CLIENT_SECRET=srv-secret", "NEXTCLOUD_MCP_SERVER_URL=" + proxy.URL,
		"ENABLE_OFFLINE_ACCESS=true", "OIDC_IMPERSONATION=off", "TOKEN_ENCRYPTION_KEY=" + key, "TOKEN_STORAGE_URL=" + pgURL,
		"NEXTCLOUD_MCP_JOB_INTERVAL=" + jobInterval.String()}
	for _, r := range reps {
		r.bin, r.env = bin, env
		r.start(t)
		t.Cleanup(r.kill)
	}

	// Each session acts as one of the users with a token from the MCP client.
	bearers := make([]string, len(users))
	for i, u := range users {
		bearers[i] = p.UserToken(t, u, "claude", "notes:read")
	}
	const duration = 24 * time.Second
	killed := make(chan struct{})
	go func() {
		time.Sleep(duration / 3)
		killBehindGate(reps[1])
		t.Logf("replica 1 killed at %s", time.Now().Format("15:04:05.000"))
		time.Sleep(duration / 3)
		reps[1].start(t)
		t.Logf("replica 1 restarted at %s", time.Now().Format("15:04:05.000"))
		close(killed)
	}()
	runStart := time.Now()
	rep, err := load.Run(ctx, load.Config{URL: proxy.URL, Transport: "http", Sessions: 2 * len(users), Duration: duration,
		Calls:  []load.Call{{Tool: "nc_notes_list", Args: map[string]any{}}, {Tool: "nc_capabilities", Args: map[string]any{}}},
		Bearer: func(i int) string { return bearers[i%len(bearers)] }})
	<-killed
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		r.stop(t)
	}
	elapsed := time.Since(runStart)

	// Sessions: only calls in flight on the killed replica fail.
	if rep.ToolErrors != 0 || rep.Errors != rr.cut.Load() || rep.Errors > int64(rep.Sessions) {
		t.Fatalf("calls failed beyond those in flight on the killed replica (%d): %s %v", rr.cut.Load(), rep, rep.FirstErrors)
	}
	if rr.skipped.Load() == 0 {
		t.Fatal("no request met the dead replica: the kill did not happen during the run")
	}

	// Jobs: per user and request, never twice within an interval.
	jl.mu.Lock()
	defer jl.mu.Unlock()
	total, jobs := 0, 0
	for _, u := range users {
		byKey := map[string][]time.Time{}
		for _, jr := range jl.runs[u] {
			if k := jobKey(jr.key); k != "" {
				byKey[k] = append(byKey[k], jr.at)
			}
		}
		for k, ts := range byKey {
			total += len(ts)
			jobs = max(jobs, len(byKey))
			for i := 1; i < len(ts); i++ {
				if gap := ts[i].Sub(ts[i-1]); gap < jobInterval-200*time.Millisecond {
					t.Errorf("%s: %s ran twice %s apart (interval %s)", u, k, gap.Round(time.Millisecond), jobInterval)
				}
			}
		}
		// Runs went on through the kill: at least a third of the intervals.
		if n := len(byKey[notesIndexKey]); n < int(elapsed/jobInterval)/3 {
			t.Errorf("%s: %d notes index runs in %s, interval %s", u, n, elapsed.Round(time.Second), jobInterval)
		}
	}

	// Grants: each user's stored refresh token is the one live offline
	// token at the IdP and still refreshes.
	for _, u := range users {
		if _, offline := p.RefreshTokens(u); offline != 1 {
			t.Errorf("%s has %d live offline tokens at the IdP, want 1", u, offline)
		}
		tok, err := store.Token(ctx, u)
		if err != nil {
			t.Errorf("%s: stored grant: %v", u, err)
			continue
		}
		if _, err := p.Refresh(ctx, "mcp-server", tok.RefreshToken); err != nil {
			t.Errorf("%s: the stored grant no longer refreshes (lost rotation): %v", u, err)
		}
	}
	if t.Failed() {
		for i, r := range reps {
			t.Logf("replica %d log:\n%s", i, r.log.String())
		}
	}
	t.Logf("OAuth, offline access, PostgreSQL, three replicas, one killed and restarted: %s; refused by the dead replica and sent on: %d; "+
		"%d background job requests (%d kinds, %d users) in %s at a %s interval, none twice within it; %d grant refreshes, none lost",
		rep, rr.skipped.Load(), total, jobs, len(users), elapsed.Round(time.Second), jobInterval, p.Count(oidctest.CountGrantRefresh))
}

// notesIndexKey is the notes_index job's request (jobKey form).
const notesIndexKey = "GET /index.php/apps/notes/api/v1/notes?chunkSize=200&exclude=content"

// jobKey names the job a background request belongs to: each job's
// first request, with the per-run pruneBefore left out; "" for the DAV
// discovery requests that several jobs share.
func jobKey(req string) string {
	base, query, _ := strings.Cut(req, "?")
	if strings.HasSuffix(base, "/remote.php/dav/") || strings.Contains(base, "/principals/") {
		return ""
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return req
	}
	q.Del("pruneBefore")
	return base + "?" + q.Encode()
}
