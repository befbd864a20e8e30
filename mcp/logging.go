package mcp

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
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
