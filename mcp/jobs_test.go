package mcp

import (
	"context"
	"errors"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestJobsStatus(t *testing.T) {
	nc := nctest.New(t)
	tests := []struct {
		name      string
		status    JobsStatusFunc
		wantError []string
		check     func(t *testing.T, out jobsStatusOut, text string)
	}{
		{
			name: "enrolled",
			status: func(context.Context) (string, bool, []JobStatus, error) {
				return "alice", true, []JobStatus{
					{Job: "notes_index", Interval: "10m0s", LastRun: "2026-03-01T08:00:00Z", LastOutcome: "ok", NextRun: "2026-03-01T08:10:00Z"},
					{Job: "other", Interval: "1h0m0s", LastRun: "2026-03-01T08:00:00Z", LastOutcome: "error", LastError: "nextcloud unavailable", Failures: 2, NextRun: "2026-03-01T10:00:00Z"},
				}, nil
			},
			check: func(t *testing.T, out jobsStatusOut, text string) {
				if out.User != "alice" || !out.Enrolled || len(out.Jobs) != 2 || out.Hint != "" {
					t.Fatalf("out = %+v", out)
				}
				for _, want := range []string{"notes_index", "next run 2026-03-01T08:10:00Z", "nextcloud unavailable", "2 failures"} {
					if !strings.Contains(text, want) {
						t.Errorf("summary lacks %q: %s", want, text)
					}
				}
			},
		},
		{
			name: "not enrolled",
			status: func(context.Context) (string, bool, []JobStatus, error) {
				return "bob", false, nil, nil
			},
			check: func(t *testing.T, out jobsStatusOut, text string) {
				if out.Enrolled || !strings.Contains(out.Hint, "/oauth/login") || out.Jobs == nil {
					t.Fatalf("out = %+v", out)
				}
				if !strings.Contains(text, "not running") {
					t.Errorf("summary = %s", text)
				}
			},
		},
		{
			name: "status fails",
			status: func(context.Context) (string, bool, []JobStatus, error) {
				return "", false, nil, errors.New("no caller identity")
			},
			wantError: []string{"background job status", "no caller identity"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientCalls := 0
			srv := newTestServer(t, nc, func(o *Options) {
				o.Toolsets = DefaultToolsets(&Env{Jobs: tt.status})
				o.Client = func(context.Context) (*nextcloud.Client, error) {
					clientCalls++
					return nil, errors.New("no client")
				}
			})
			c := connect(t, srv, "inprocess")
			res := callTool(t, c, "nc_jobs_status", map[string]any{})
			if clientCalls != 0 {
				t.Fatalf("the status tool resolved a Nextcloud client %d times", clientCalls)
			}
			if tt.wantError != nil {
				wantError(t, res, tt.wantError...)
				return
			}
			var out jobsStatusOut
			decodeStructured(t, res, &out)
			text := ""
			for _, c := range res.Content {
				if tc, ok := c.(mcpgo.TextContent); ok {
					text += tc.Text
				}
			}
			tt.check(t, out, text)
		})
	}
}
