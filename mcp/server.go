package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/scope"
)

// ClientFunc returns the Nextcloud client acting as the caller of ctx.
type ClientFunc func(ctx context.Context) (*nextcloud.Client, error)

// ScopeFunc returns the caller's OAuth scopes; enforce is false when the
// server runs without OAuth and every enabled tool is allowed.
type ScopeFunc func(ctx context.Context) (scopes []string, enforce bool)

// Observer is told about every tool call (metrics).
type Observer func(tool, outcome string, elapsed time.Duration)

// Options configure the MCP server.
type Options struct {
	Name         string
	Version      string
	Instructions string
	Toolsets     []Toolset
	// Apps limits the toolsets (by name); empty enables all but those
	// OffByDefault.
	Apps []string
	// ReadOnly keeps only tools that change nothing.
	ReadOnly bool
	// DisabledTools is a deny list of tool names.
	DisabledTools []string
	Client        ClientFunc
	Scopes        ScopeFunc
	Observe       Observer
	Logger        *slog.Logger
	// ExtraOptions are passed to mcp-go (elicitation and the like).
	ExtraOptions []server.ServerOption
	// DetectApps hides the tools of apps missing from the caller's
	// Nextcloud capabilities, and makes calls to them say which app is
	// missing. CapsTTL is how long capabilities are cached per user.
	DetectApps bool
	CapsTTL    time.Duration

	// DynamicToolsets starts every session with the discovery tools only;
	// nc_toolsets_enable adds a toolset's tools to that session (dynamic.go).
	DynamicToolsets bool
	// Resource subscriptions (subscriptions.go): poll interval and caps;
	// zero takes the defaults (1m, 100 per session, 10000 per process).
	SubscriptionPoll        time.Duration
	SubscriptionsPerSession int
	SubscriptionsPerServer  int
	// User names the Nextcloud user of a request's caller (OAuth: the
	// token's user id): JobFinished tells that user's sessions alone.
	User func(ctx context.Context) string
}

// Server is the configured MCP server.
type Server struct {
	mcp      *server.MCPServer
	opts     Options
	tools    map[string]Tool
	toolsets []Toolset
	log      *slog.Logger
	// appOf maps a tool name to its toolset's capability key.
	appOf map[string]appRef
	caps  *capsCache

	lists *listWatch     // per-session lists, list_changed (listchanged.go)
	comps compCache      // completion candidates (completions_apps.go)
	subs  *subscriptions // resources/subscribe (subscriptions.go)
}

type appRef struct{ toolset, capability, appName string }

// New registers the enabled toolsets on a new MCP server.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Client == nil {
		return nil, fmt.Errorf("mcp server needs a Nextcloud client function")
	}
	if opts.Name == "" {
		opts.Name = "nextcloud-mcp-server"
	}
	known := map[string]bool{}
	for _, ts := range opts.Toolsets {
		known[ts.Name] = true
	}
	for _, a := range opts.Apps {
		if !known[a] {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown app %q in NEXTCLOUD_MCP_APPS/--apps; known apps: %s", a, strings.Join(names, ", "))
		}
	}
	if opts.CapsTTL <= 0 {
		opts.CapsTTL = time.Minute
	}
	s := &Server{opts: opts, tools: map[string]Tool{}, log: opts.Logger, appOf: map[string]appRef{}, caps: newCapsCache(opts.CapsTTL)}
	hooks := &server.Hooks{}
	hooks.AddAfterListTools(s.filterListed)
	s.watchLists(hooks) // after filterListed: records what each session was shown
	sopts := []server.ServerOption{
		server.WithToolCapabilities(true),
		server.WithResourceCapabilities(false, true),
		server.WithHooks(hooks),
		server.WithRecovery(),
		// No WithElicitation: elicitation is a client capability; asking
		// a client needs only its declaration (see clientOpensURLs).
	}
	if opts.Instructions != "" {
		sopts = append(sopts, server.WithInstructions(opts.Instructions))
	}
	sopts = append(sopts, s.mcpFeatureOptions()...) // logging, prompts, completions (logging.go)
	// resources/subscribe (subscriptions.go), notifications/progress (progress.go)
	sopts = append(sopts, s.subscriptionOptions(hooks)...)
	sopts = append(sopts, s.progressOptions()...)
	sopts = append(sopts, opts.ExtraOptions...)
	s.mcp = server.NewMCPServer(opts.Name, opts.Version, sopts...)
	s.addPrompts() // prompts.go

	for _, ts := range opts.Toolsets {
		if len(opts.Apps) > 0 && !slices.Contains(opts.Apps, ts.Name) || len(opts.Apps) == 0 && ts.OffByDefault {
			continue
		}
		enabled := Toolset{Name: ts.Name, Description: ts.Description, App: ts.App}
		ref := appRef{toolset: ts.Name}
		ref.capability, ref.appName = appOf(ts)
		for _, t := range ts.Tools {
			if opts.ReadOnly && !t.ReadOnly() {
				continue
			}
			if slices.Contains(opts.DisabledTools, t.Def.Name) {
				continue
			}
			if _, dup := s.tools[t.Def.Name]; dup {
				return nil, fmt.Errorf("tool %q registered twice", t.Def.Name)
			}
			// Compiled at the tool's first call, not here: compiling all
			// of them was a third of the start-up before the first
			// tools/list (TestEveryInputSchemaCompiles checks them all).
			def := t.Def
			schema := sync.OnceValues(func() (*argSchema, error) { return compileArgSchema(def) })
			s.tools[t.Def.Name] = t
			s.appOf[t.Def.Name] = ref
			enabled.Tools = append(enabled.Tools, t)
			s.mcp.AddTool(t.Def, s.wrap(t, schema))
		}
		for _, r := range ts.Resources {
			enabled.Resources = append(enabled.Resources, r)
			s.mcp.AddResource(r.Resource, s.wrapResource(r.Scope, r.Handler))
		}
		for _, rt := range ts.Templates {
			enabled.Templates = append(enabled.Templates, rt)
			s.mcp.AddResourceTemplate(rt.Template, server.ResourceTemplateHandlerFunc(s.wrapResource(rt.Scope, rt.Handler)))
		}
		s.toolsets = append(s.toolsets, enabled)
	}
	if err := s.addDiscoveryTools(); err != nil { // dynamic.go
		return nil, err
	}
	return s, nil
}

// MCP is the underlying mcp-go server.
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// Tool returns an enabled tool by name.
func (s *Server) Tool(name string) (Tool, bool) { t, ok := s.tools[name]; return t, ok }

// ToolNames lists the enabled tools, sorted.
func (s *Server) ToolNames() []string {
	names := make([]string, 0, len(s.tools))
	for n := range s.tools {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Toolsets returns the enabled toolsets with their enabled tools.
func (s *Server) Toolsets() []Toolset { return s.toolsets }

// ScopesSupported lists the scopes the enabled tools need, sorted.
func (s *Server) ScopesSupported() []string {
	set := map[string]bool{}
	for _, t := range s.tools {
		if t.Scope != "" {
			set[t.Scope] = true
		}
	}
	for _, ts := range s.toolsets {
		for _, r := range ts.Resources {
			if r.Scope != "" {
				set[r.Scope] = true
			}
		}
	}
	out := slices.AppendSeq([]string{}, maps.Keys(set)) // [] rather than null in the metadata
	slices.Sort(out)
	return out
}

// HasScope reports whether scopes grant want (the one rule: scope.Has).
func HasScope(scopes []string, want string) bool { return scope.Has(scopes, want) }

type scopeCheckKey struct{}

// callerMay reports whether the caller of a tool call holds scope; tools
// that return data of several apps (the search index) use it to leave out
// the apps the token may not read. Without OAuth every scope is held.
func callerMay(ctx context.Context, scope string) bool {
	f, ok := ctx.Value(scopeCheckKey{}).(func(string) bool)
	return !ok || f(scope)
}

func (s *Server) allowed(ctx context.Context, scope string) (bool, []string) {
	if s.opts.Scopes == nil {
		return true, nil
	}
	scopes, enforce := s.opts.Scopes(ctx)
	if !enforce {
		return true, scopes
	}
	return HasScope(scopes, scope), scopes
}

// filterListed hides the tools the caller's token does not allow.
func (s *Server) filterListed(ctx context.Context, _ any, _ *mcpgo.ListToolsRequest, res *mcpgo.ListToolsResult) {
	if res == nil || (s.opts.Scopes == nil && !s.opts.DetectApps) {
		return
	}
	var installed func(string) bool
	if s.opts.DetectApps {
		if nc, err := s.opts.Client(ctx); err == nil {
			if caps, err := s.caps.get(ctx, nc); err == nil {
				installed = caps.HasApp
			}
		}
	}
	kept := res.Tools[:0]
	for _, td := range res.Tools {
		t, ok := s.tools[td.Name]
		if !ok {
			kept = append(kept, td)
			continue
		}
		if ok, _ := s.allowed(ctx, t.Scope); !ok {
			continue
		}
		if ref := s.appOf[td.Name]; installed != nil && ref.capability != "" && !installed(ref.capability) {
			continue
		}
		kept = append(kept, td)
	}
	res.Tools = kept
}

// appMissing returns an error when DetectApps is on and the tool's app is
// absent from the caller's capabilities; an unreadable capabilities
// document lets the call go ahead (the app's own answer then decides).
func (s *Server) appMissing(ctx context.Context, nc *nextcloud.Client, tool string) error {
	ref := s.appOf[tool]
	if !s.opts.DetectApps || ref.capability == "" || nc == nil {
		return nil
	}
	caps, err := s.caps.get(ctx, nc)
	if err != nil || caps.HasApp(ref.capability) {
		return nil
	}
	return fmt.Errorf("%s cannot work: %w", tool, nextcloud.AppNotEnabled(ref.capability, ref.appName))
}

func (s *Server) wrap(t Tool, argSchema func() (*argSchema, error)) server.ToolHandlerFunc {
	name := t.Def.Name
	return func(ctx context.Context, req mcpgo.CallToolRequest) (res *mcpgo.CallToolResult, err error) {
		start := time.Now()
		outcome := "ok"
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("tool panicked", "tool", name, "panic", p, "stack", string(debug.Stack()))
				res, err, outcome = mcpgo.NewToolResultError(fmt.Sprintf("internal error in tool %s; the server is still running, please report this", name)), nil, "panic"
			}
			if s.opts.Observe != nil {
				s.opts.Observe(name, outcome, time.Since(start))
			}
		}()
		if err := s.notEnabledHere(ctx, name); err != nil {
			outcome = "not_enabled"
			return ErrorResult(err), nil
		}
		if ok, _ := s.allowed(ctx, t.Scope); !ok {
			outcome = "forbidden"
			return mcpgo.NewToolResultError(fmt.Sprintf("insufficient_scope: tool %s needs the OAuth scope %q, which your token does not carry; sign in again granting %s", name, t.Scope, t.Scope)), nil
		}
		// Encode the arguments once: the schema check and the handler's
		// bindArgs (through RawArguments) share the bytes.
		schema, err := argSchema()
		if err != nil {
			s.log.Error("tool input schema does not compile", "tool", name, "err", err)
			outcome = "error"
			return mcpgo.NewToolResultError(fmt.Sprintf("internal error in tool %s: its input schema is broken; please report this", name)), nil
		}
		args, err := argJSON(req.GetRawArguments())
		if err == nil {
			err = schema.checkJSON(args)
		}
		if err != nil {
			outcome = "bad_input"
			return ErrorResult(err), nil
		}
		req.Params.RawArguments = args
		ctx = context.WithValue(ctx, scopeCheckKey{}, func(scope string) bool { ok, _ := s.allowed(ctx, scope); return ok })
		var nc *nextcloud.Client
		if !t.NoClient {
			nc, err = s.opts.Client(ctx)
			if err != nil {
				outcome = "auth_error"
				return mcpgo.NewToolResultError("cannot act in Nextcloud for you: " + ErrorText(err)), nil
			}
		}
		if err := s.appMissing(ctx, nc, name); err != nil {
			outcome = "app_missing"
			return ErrorResult(err), nil
		}
		res, err = t.Handler(ctx, nc, req)
		if errors.Is(err, nextcloud.ErrAppNotEnabled) {
			s.appGone(ctx, nc) // re-read capabilities; list_changed if lists change
		}
		if err != nil {
			err = argErrorOf(err)
			outcome = "error"
			if ae := (*ArgError)(nil); errors.As(err, &ae) {
				outcome = "bad_input"
			}
			s.log.Debug("tool failed", "tool", name, "err", err)
			return ErrorResult(err), nil
		}
		if res != nil && res.IsError {
			outcome = "error"
		}
		return res, nil
	}
}

func (s *Server) wrapResource(scope string, h func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error)) server.ResourceHandlerFunc {
	return func(ctx context.Context, req mcpgo.ReadResourceRequest) (out []mcpgo.ResourceContents, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("resource handler panicked", "uri", req.Params.URI, "panic", p)
				out, err = nil, fmt.Errorf("internal error reading %s", req.Params.URI)
			}
		}()
		if ok, _ := s.allowed(ctx, scope); !ok {
			return nil, fmt.Errorf("insufficient_scope: reading %s needs the OAuth scope %q", req.Params.URI, scope)
		}
		nc, err := s.opts.Client(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot act in Nextcloud for you: %w", err)
		}
		out, err = h(ctx, nc, req)
		if errors.Is(err, nextcloud.ErrNotFound) {
			return nil, server.NewHandlerError(&resourceNotFound{uri: req.Params.URI, msg: ErrorText(err), modern: mcpgo.IsModernProtocol(server.RequestProtocolVersion(ctx))})
		}
		if err != nil {
			return nil, errors.New(ErrorText(err))
		}
		return out, nil
	}
}

// resourceNotFound is the JSON-RPC error for a resource that does not
// exist: -32002 before protocol 2026-07-28, which uses invalid params
// (as mcp-go does for URIs no template matches). Any other handler error
// is an internal error (-32603).
type resourceNotFound struct {
	uri, msg string
	modern   bool
}

func (e *resourceNotFound) Error() string { return e.msg }

func (e *resourceNotFound) JSONRPCError() mcpgo.JSONRPCError {
	code := mcpgo.RESOURCE_NOT_FOUND
	if e.modern {
		code = mcpgo.INVALID_PARAMS
	}
	return mcpgo.JSONRPCError{
		JSONRPC: mcpgo.JSONRPC_VERSION,
		Error:   mcpgo.NewJSONRPCErrorDetails(code, e.msg, map[string]any{"uri": e.uri}),
	}
}
