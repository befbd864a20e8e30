package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// JobStatus is the state of one background job for the caller.
type JobStatus struct {
	Job         string `json:"job" jsonschema:"job name, e.g. notes_index"`
	Interval    string `json:"interval" jsonschema:"time between successful runs"`
	LastRun     string `json:"last_run,omitempty" jsonschema:"start of the last run (RFC 3339); absent if it never ran"`
	LastOutcome string `json:"last_outcome,omitempty" jsonschema:"ok, error or no_credentials"`
	LastError   string `json:"last_error,omitempty" jsonschema:"why the last run failed"`
	Failures    int    `json:"consecutive_failures" jsonschema:"failed runs in a row; retries back off"`
	NextRun     string `json:"next_run,omitempty" jsonschema:"when it runs next (RFC 3339)"`
	Running     bool   `json:"running" jsonschema:"whether it is running now"`
}

// JobsBackend reports the background jobs of the caller of ctx.
type JobsBackend interface {
	// JobsStatus returns the caller and the state of their jobs. enrolled
	// is false when the server has no way to act for the caller in the
	// background (no offline grant, no impersonation).
	JobsStatus(ctx context.Context) (user string, enrolled bool, jobs []JobStatus, err error)
}

// JobsStatusFunc is a JobsBackend made of a function.
type JobsStatusFunc func(ctx context.Context) (user string, enrolled bool, jobs []JobStatus, err error)

// JobsStatus calls f.
func (f JobsStatusFunc) JobsStatus(ctx context.Context) (string, bool, []JobStatus, error) {
	return f(ctx)
}

// JobsToolset offers nc_jobs_status over env.Jobs (empty without one:
// background jobs run only with ENABLE_OFFLINE_ACCESS). It needs no
// Nextcloud client.
func JobsToolset(env *Env) Toolset {
	ts := Toolset{Name: "jobs", Description: "Background jobs the server runs for the user"}
	if env == nil || env.Jobs == nil {
		return ts
	}
	ts.Tools = []Tool{jobsStatus(env.Jobs)}
	return ts
}

type jobsStatusIn struct{}

type jobsStatusOut struct {
	User     string      `json:"user" jsonschema:"the Nextcloud user the jobs run for"`
	Enrolled bool        `json:"enrolled" jsonschema:"whether background jobs run for this user"`
	Jobs     []JobStatus `json:"jobs" jsonschema:"each background job's state"`
	Hint     string      `json:"hint,omitempty" jsonschema:"what to do when jobs do not run"`
}

func (o jobsStatusOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Background jobs for %s", o.User)
	if !o.Enrolled {
		b.WriteString(": not running. " + o.Hint)
		return b.String()
	}
	b.WriteString(":")
	for _, j := range o.Jobs {
		fmt.Fprintf(&b, "\n- %s (every %s): ", j.Job, j.Interval)
		switch {
		case j.Running:
			b.WriteString("running now")
		case j.LastRun == "":
			b.WriteString("not run yet")
		default:
			fmt.Fprintf(&b, "last run %s, %s", j.LastRun, j.LastOutcome)
			if j.LastError != "" {
				fmt.Fprintf(&b, " (%s; %d failures in a row)", j.LastError, j.Failures)
			}
		}
		if j.NextRun != "" && !j.Running {
			fmt.Fprintf(&b, "; next run %s", j.NextRun)
		}
	}
	return b.String()
}

// jobsStatus is nc_jobs_status (background job status).
func jobsStatus(status JobsBackend) Tool {
	return NewTool(Spec{
		Name: "nc_jobs_status", Title: "Background job status",
		Description: "Show the background jobs the server runs for you (such as keeping the notes index fresh): when each last ran, whether it worked, and when it runs next. If jobs do not run, the hint says how to grant background access.",
		Kind:        Read, NoClient: true,
	},
		func(ctx context.Context, _ *nextcloud.Client, _ jobsStatusIn) (jobsStatusOut, error) {
			user, enrolled, jobs, err := status.JobsStatus(ctx)
			if err != nil {
				return jobsStatusOut{}, fmt.Errorf("read background job status: %w", err)
			}
			out := jobsStatusOut{User: user, Enrolled: enrolled, Jobs: jobs}
			if out.Jobs == nil {
				out.Jobs = []JobStatus{}
			}
			if !enrolled {
				out.Hint = "the server cannot act for you while you are away: open /oauth/login on this server in a browser and grant offline access"
			}
			return out, nil
		})
}
