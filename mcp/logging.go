package mcp

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// slowUpstream is how long one Nextcloud answer may take before the user
// is told (at notice level) that Nextcloud is slow.
var slowUpstream = 5 * time.Second

// loggerName names the source of every notifications/message we send.
const loggerName = "nextcloud-mcp-server"

// mcpFeatureOptions are the mcp-go options for logging, prompts and
// completions. Tool and resource calls get a context whose Nextcloud
// requests report retries and slow answers to the calling session only.
func (s *Server) mcpFeatureOptions() []server.ServerOption {
	return []server.ServerOption{
		server.WithLogging(),
		server.WithPromptCapabilities(true), // listChanged: listchanged.go
		server.WithPromptFilter(s.filterPrompts),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(promptCompleter{s}),
		server.WithResourceCompletionProvider(resourceCompleter{s}),
		server.WithToolHandlerMiddleware(func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
			return func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				res, err := next(withUpstreamNotices(ctx), req)
				if res != nil && !res.IsError {
					if n := skippedIn(res.StructuredContent); n > 0 {
						notifyUser(ctx, mcpgo.LoggingLevelWarning, fmt.Sprintf("%s: %d object(s) stored in Nextcloud could not be read and were left out of the result (listed under \"skipped\")", req.Params.Name, n))
					}
				}
				return res, err
			}
		}),
		server.WithResourceHandlerMiddleware(func(next server.ResourceHandlerFunc) server.ResourceHandlerFunc {
			return func(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				return next(withUpstreamNotices(ctx), req)
			}
		}),
	}
}

// withUpstreamNotices makes the Nextcloud requests made under ctx tell the
// session of ctx about retries (warning) and slow answers (notice).
func withUpstreamNotices(ctx context.Context) context.Context {
	return nextcloud.WithEvents(ctx, func(e nextcloud.RequestEvent) {
		switch {
		case e.Kind == nextcloud.EventRetry:
			why := "no answer"
			if e.Status != 0 {
				why = fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
			}
			notifyUser(ctx, mcpgo.LoggingLevelWarning, fmt.Sprintf("Nextcloud request %s %s failed (%s) on attempt %d; retrying in %s",
				e.Method, e.Path, why, e.Attempt, e.Wait.Round(time.Millisecond)))
		case e.Kind == nextcloud.EventAnswered && e.Elapsed >= slowUpstream:
			notifyUser(ctx, mcpgo.LoggingLevelNotice, fmt.Sprintf("Nextcloud is slow: %s %s took %s",
				e.Method, e.Path, e.Elapsed.Round(time.Millisecond)))
		}
	})
}

// notifyUser sends a notifications/message to the session of ctx (and to
// no other), if that session asked for messages of this level. text must
// hold no secret: it goes to the MCP client as is.
func notifyUser(ctx context.Context, level mcpgo.LoggingLevel, text string) {
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	// An error only means the session cannot take messages (none, or not
	// initialized); the call itself goes on.
	_ = srv.SendLogMessageToClient(ctx, mcpgo.NewLoggingMessageNotification(level, loggerName, text))
}

// skippedIn counts the objects a tool result left out as unreadable: the
// Skipped field of listing outputs (a struct, or the map it was turned
// into), so a partial answer is also said as a warning.
func skippedIn(content any) int {
	if m, ok := content.(map[string]any); ok {
		l, _ := m["skipped"].([]any)
		return len(l)
	}
	v := reflect.Indirect(reflect.ValueOf(content))
	if v.Kind() != reflect.Struct {
		return 0
	}
	if f := v.FieldByName("Skipped"); f.IsValid() && f.Kind() == reflect.Slice {
		return f.Len()
	}
	return 0
}

// JobResult is a finished background job run, as JobFinished tells it.
type JobResult struct {
	Job string
	// Counts are what the run counted ("indexed", 3), in order.
	Counts []JobCount
	// Failed runs: NoGrant when the server could not act as the user,
	// else Reason (kept short, never a secret).
	Failed, NoGrant bool
	Reason          string
	NextRun         time.Time
}

// JobCount is one count of a run.
type JobCount struct {
	What string
	N    int
}

// maxReason bounds the failure reason told to a session.
const maxReason = 200

// JobFinished tells every session this process holds for user, that set a
// logging level that lets it through, how a background job ended: info
// with its counts (debug when it counted nothing), warning with a short
// reason. Sessions of other users hear nothing (Options.User names a
// session's user from its latest request). The reason is what
// nc_jobs_status already shows the same user.
func (s *Server) JobFinished(user string, r JobResult) {
	if user == "" || s.opts.User == nil {
		return
	}
	level, text := mcpgo.LoggingLevelInfo, "Background job "+r.Job+" finished: "
	switch {
	case r.NoGrant:
		level, text = mcpgo.LoggingLevelWarning, "Background job "+r.Job+" did not run: the server has no background access for you; open /oauth/login on this server to grant it"
	case r.Failed:
		reason := r.Reason
		if len(reason) > maxReason {
			reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
		}
		level, text = mcpgo.LoggingLevelWarning, "Background job "+r.Job+" failed: "+reason
	default:
		var parts []string
		for _, c := range r.Counts {
			parts = append(parts, fmt.Sprintf("%d %s", c.N, c.What))
		}
		if len(parts) == 0 {
			// Runs that change nothing come every interval: debug, so
			// that a session at info hears only of work done.
			level, parts = mcpgo.LoggingLevelDebug, []string{"nothing changed"}
		}
		text += strings.Join(parts, ", ")
	}
	if !r.NextRun.IsZero() {
		text += "; next run " + r.NextRun.UTC().Format(time.RFC3339)
	}
	var sids []string
	s.lists.mu.Lock()
	for sid, st := range s.lists.sessions {
		if st.registered && st.ctx != nil {
			if s.opts.User(st.ctx) == user {
				sids = append(sids, sid)
			}
		}
	}
	s.lists.mu.Unlock()
	n := mcpgo.NewLoggingMessageNotification(level, loggerName, text)
	for _, sid := range sids {
		// mcp-go drops it below the session's level; an error means the
		// session just ended.
		_ = s.mcp.SendLogMessageToSpecificClient(sid, n)
	}
}

// warnPartial tells the calling session (at warning) that tool did only
// part of its work; text says what was done. The tool's result or error
// says the rest.
func warnPartial(ctx context.Context, tool, text string) {
	notifyUser(ctx, mcpgo.LoggingLevelWarning, tool+": partly done: "+text)
}
