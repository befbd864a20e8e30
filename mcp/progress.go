package mcp

import (
	"context"
	"fmt"
	"sync"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Progress: a tool call or resource read whose request carries
// _meta.progressToken gets notifications/progress for long work: bytes of
// file uploads and downloads (from the nextcloud layer) and items of bulk
// operations (reportProgress). Without a token nothing is sent.

type progressKey struct{}

// progress sends one request's notifications/progress; progress only grows.
type progress struct {
	ctx   context.Context
	token mcpgo.ProgressToken

	mu   sync.Mutex
	last float64
}

// progressOptions add the middleware that reads the progress token.
func (s *Server) progressOptions() []server.ServerOption {
	return []server.ServerOption{
		server.WithToolHandlerMiddleware(func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
			return func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				return next(withProgressToken(ctx, req.Params.Meta), req)
			}
		}),
		server.WithResourceHandlerMiddleware(func(next server.ResourceHandlerFunc) server.ResourceHandlerFunc {
			return func(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				return next(withProgressToken(ctx, req.Params.Meta), req)
			}
		}),
	}
}

func withProgressToken(ctx context.Context, meta *mcpgo.Meta) context.Context {
	if meta == nil || meta.ProgressToken == nil {
		return ctx
	}
	p := &progress{ctx: ctx, token: meta.ProgressToken}
	ctx = context.WithValue(ctx, progressKey{}, p)
	return nextcloud.WithProgress(ctx, func(done, total int64) {
		msg := fmt.Sprintf("%s transferred", filesHumanBytes(done))
		if total >= 0 {
			msg = fmt.Sprintf("%s of %s transferred", filesHumanBytes(done), filesHumanBytes(total))
		}
		p.send(float64(done), float64(total), msg)
	})
}

// reportProgress tells the caller of ctx, if it asked for progress, that
// done of total items (total <= 0: unknown) are done.
func reportProgress(ctx context.Context, done, total int, message string) {
	if p, ok := ctx.Value(progressKey{}).(*progress); ok {
		p.send(float64(done), float64(total), message)
	}
}

func (p *progress) send(done, total float64, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done <= p.last {
		return
	}
	p.last = done
	params := map[string]any{"progressToken": p.token, "progress": done, "message": message}
	if total > 0 {
		params["total"] = total
	}
	srv := server.ServerFromContext(p.ctx)
	if srv == nil {
		return
	}
	// An error only means the session cannot take notifications; the
	// work goes on.
	_ = srv.SendNotificationToClient(p.ctx, string(mcpgo.MethodNotificationProgress), params)
}

// addEach adds the parts of a new object one at a time (the questions of a
// form, the options of a poll), reporting progress as "added i of n noun".
// On a failure it returns the parts added so far with the error.
func addEach[T, O any](ctx context.Context, items []T, noun string, add func(T) (O, error)) ([]O, error) {
	out := make([]O, 0, len(items))
	for i, it := range items {
		o, err := add(it)
		if err != nil {
			return out, err
		}
		out = append(out, o)
		reportProgress(ctx, i+1, len(items), fmt.Sprintf("added %d of %d %s", i+1, len(items), noun))
	}
	return out, nil
}
