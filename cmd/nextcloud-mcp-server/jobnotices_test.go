package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/jobs"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

// TestJobDoneReachesTheUsersSession: the runner's reports, as jobDone
// passes them on, reach the MCP session of the job's user (named by the
// OAuth identity, as in serve) and no other user's: a failure as a
// warning with its reason, a grant missing as how to grant it.
func TestJobDoneReachesTheUsersSession(t *testing.T) {
	srv, err := mcp.New(mcp.Options{
		Client: func(context.Context) (*nextcloud.Client, error) { return nil, errors.New("no Nextcloud in this test") },
		User:   oauth.UserIDFrom,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{}
	a.jobDone(jobs.Report{Job: "index_notes", User: "alice", Outcome: jobs.OutcomeError, Err: errors.New("early")}) // no server yet: dropped
	a.jobsMCP.Store(srv)

	c := testutil.StdioClient(t, func(ctx context.Context, in io.Reader, out io.Writer) {
		_ = srv.ServeStdio(ctx, in, out, func(ctx context.Context) context.Context {
			return oauth.WithIdentity(ctx, &oauth.Identity{UserID: "alice"})
		})
	})
	ctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var mu sync.Mutex
	var msgs []string
	c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		if n.Method == "notifications/message" {
			data, _ := n.Params.AdditionalFields["data"].(string)
			level, _ := n.Params.AdditionalFields["level"].(string)
			mu.Lock()
			msgs = append(msgs, level+": "+data)
			mu.Unlock()
		}
	})
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpgo.Implementation{Name: "test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	req := mcpgo.SetLevelRequest{}
	req.Params.Level = mcpgo.LoggingLevelInfo
	//lint:ignore SA1019 logging/setLevel is how a session before protocol 2026-07-28 sets its level
	if err := c.SetLevel(ctx, req); err != nil {
		t.Fatal(err)
	}
	a.jobDone(jobs.Report{Job: "index_notes", User: "bob", Outcome: jobs.OutcomeError, Err: errors.New("bob's failure")})
	a.jobDone(jobs.Report{Job: "index_notes", User: "alice", Outcome: jobs.OutcomeError, Err: errors.New("Nextcloud answered 503")})
	a.jobDone(jobs.Report{Job: "notes_index", User: "alice", Outcome: jobs.OutcomeNoGrant, Err: errors.New("refresh token rejected")})
	a.jobDone(jobs.Report{Job: "index_files", User: "alice", Outcome: jobs.OutcomeOK, Counts: []jobs.Tally{{What: "indexed", N: 2}}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(msgs)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"warning: Background job index_notes failed: Nextcloud answered 503",
		"warning: Background job notes_index did not run: the server has no background access for you; open /oauth/login on this server to grant it",
		"info: Background job index_files finished: 2 indexed",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("alice's session got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
