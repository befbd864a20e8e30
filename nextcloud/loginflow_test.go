package nextcloud_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestLoginFlowV2(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "alice-pass"))
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	flow, err := base.StartLoginFlow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := base.PollLoginFlow(ctx, flow.PollEndpoint, flow.PollToken); !errors.Is(err, nextcloud.ErrLoginPending) {
		t.Fatalf("poll before approval: %v, want ErrLoginPending", err)
	}
	if !nc.ApproveLoginFlow(flow.LoginURL, "alice") {
		t.Fatal("flow unknown to the test server")
	}
	ap, err := base.PollLoginFlow(ctx, flow.PollEndpoint, flow.PollToken)
	if err != nil {
		t.Fatal(err)
	}
	if ap.LoginName != "alice" || ap.AppPassword == "" {
		t.Fatalf("got %+v", ap)
	}
	// Credentials are handed out once only.
	if _, err := base.PollLoginFlow(ctx, flow.PollEndpoint, flow.PollToken); !errors.Is(err, nextcloud.ErrLoginPending) {
		t.Fatalf("second poll: %v", err)
	}
	user := base.WithUser("alice", nextcloud.BasicAuth{Username: ap.LoginName, Password: ap.AppPassword})
	if _, err := user.CurrentUser(ctx); err != nil {
		t.Fatalf("app password does not work: %v", err)
	}
	if err := user.DeleteAppPassword(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := user.CurrentUser(ctx); !errors.Is(err, nextcloud.ErrUnauthorized) {
		t.Fatalf("revoked app password still works: %v", err)
	}
}

func TestLoginFlowRejectsForeignPollEndpoint(t *testing.T) {
	nc := nctest.New(t)
	base, _ := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	if _, err := base.PollLoginFlow(context.Background(), "https://evil.example.com/poll", "tok"); err == nil {
		t.Fatal("poll token would be sent to another host")
	}
}
