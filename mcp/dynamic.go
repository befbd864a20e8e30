package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Toolsets on demand (Options.DynamicToolsets): a session first sees only
// the discovery tools below; nc_toolsets_enable adds one toolset's tools
// to that session, which is then sent notifications/tools/list_changed.
// The tools stay registered once on the server; tools/list and tools/call
// apply the session's choice like the scope and app rules.

// discoveryTools are the tools a session sees before enabling a toolset.
func discoveryTools(s *Server) []Tool {
	return []Tool{toolsetsList(s), toolsetsListTools(s), toolsetsEnable(s)}
}

// addDiscoveryTools registers the discovery tools in dynamic mode.
func (s *Server) addDiscoveryTools() error {
	if !s.opts.DynamicToolsets {
		return nil
	}
	for _, t := range discoveryTools(s) {
		if (s.opts.ReadOnly && !t.ReadOnly()) || slices.Contains(s.opts.DisabledTools, t.Def.Name) {
			continue
		}
		def := t.Def
		schema := sync.OnceValues(func() (*argSchema, error) { return compileArgSchema(def) })
		s.tools[t.Def.Name] = t
		s.mcp.AddTool(t.Def, s.wrap(t, schema))
	}
	return nil
}

// callerSession names the MCP session of ctx; "" when the request has none
// (protocol 2026-07-28 is sessionless), which then sees every toolset.
func callerSession(ctx context.Context) string {
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		return cs.SessionID()
	}
	return ""
}

// shownHere reports whether tool is part of the session's tool list as
// far as toolsets on demand go (scopes and apps are checked elsewhere).
func (s *Server) shownHere(ctx context.Context, tool string) bool {
	ref, ok := s.appOf[tool]
	if !s.opts.DynamicToolsets || !ok {
		return true // discovery tools have no toolset
	}
	sid := callerSession(ctx)
	return sid == "" || s.lists.enabled(sid, ref.toolset)
}

// notEnabledHere refuses a call to a tool whose toolset the session has
// not enabled.
func (s *Server) notEnabledHere(ctx context.Context, tool string) error {
	if s.shownHere(ctx, tool) {
		return nil
	}
	ts := s.appOf[tool].toolset
	return Argf("tool %s belongs to the toolset %q, which this session has not enabled; call nc_toolsets_enable with {\"toolset\": %q} first", tool, ts, ts)
}

// toolsetView is one toolset name with every enabled tool under it (two
// toolsets may share a name: files and file extras).
type toolsetView struct {
	name, description, capability, appName string
	tools                                  []Tool
}

func (s *Server) toolsetViews() []toolsetView {
	var out []toolsetView
	for _, ts := range s.toolsets {
		if len(ts.Tools) == 0 {
			continue // a backend this server lacks (index, jobs without offline access)
		}
		i := slices.IndexFunc(out, func(v toolsetView) bool { return v.name == ts.Name })
		if i < 0 {
			v := toolsetView{name: ts.Name, description: ts.Description}
			v.capability, v.appName = appOf(ts)
			out = append(out, v)
			i = len(out) - 1
		}
		out[i].tools = append(out[i].tools, ts.Tools...)
	}
	slices.SortFunc(out, func(a, b toolsetView) int { return strings.Compare(a.name, b.name) })
	return out
}

func (s *Server) toolsetView(name string) (toolsetView, error) {
	views := s.toolsetViews()
	for _, v := range views {
		if v.name == name {
			return v, nil
		}
	}
	names := make([]string, len(views))
	for i, v := range views {
		names[i] = v.name
	}
	return toolsetView{}, Argf("unknown toolset %q; toolsets of this server: %s (see nc_toolsets_list)", name, strings.Join(names, ", "))
}

// unavailable says why the caller cannot use any tool of v (its app is
// off in this Nextcloud, or the token lacks its scopes); "" when it can.
func (s *Server) unavailable(ctx context.Context, nc *nextcloud.Client, v toolsetView) string {
	if s.opts.DetectApps && v.capability != "" && nc != nil {
		if caps, err := s.caps.get(ctx, nc); err == nil && !caps.HasApp(v.capability) {
			return nextcloud.AppNotEnabled(v.capability, v.appName).Error()
		}
	}
	var scopes []string
	for _, t := range v.tools {
		if ok, _ := s.allowed(ctx, t.Scope); ok {
			return ""
		}
		if !slices.Contains(scopes, t.Scope) {
			scopes = append(scopes, t.Scope)
		}
	}
	return fmt.Sprintf("your token carries none of the OAuth scopes %s; sign in again granting one of them", strings.Join(scopes, ", "))
}

type toolsetsListIn struct{}

type toolsetInfo struct {
	Name        string `json:"name" jsonschema:"the toolset name, for nc_toolsets_enable"`
	Description string `json:"description" jsonschema:"what the toolset's tools work on"`
	Tools       int    `json:"tools" jsonschema:"how many tools it has"`
	Enabled     bool   `json:"enabled" jsonschema:"whether its tools are in this session's tool list"`
	Available   bool   `json:"available" jsonschema:"whether it can be enabled for you"`
	Reason      string `json:"reason,omitempty" jsonschema:"why it cannot be enabled"`
}

type toolsetsListOut struct {
	Toolsets []toolsetInfo `json:"toolsets"`
}

func (o toolsetsListOut) Summary() string {
	var b strings.Builder
	for _, t := range o.Toolsets {
		state := "not enabled"
		switch {
		case t.Enabled:
			state = "enabled"
		case !t.Available:
			state = "unavailable: " + t.Reason
		}
		fmt.Fprintf(&b, "%s (%d tools, %s): %s\n", t.Name, t.Tools, state, t.Description)
	}
	return b.String()
}

func toolsetsList(s *Server) Tool {
	return NewTool(Spec{Name: "nc_toolsets_list", Title: "List toolsets",
		Description: "List the toolsets of this server (one per Nextcloud app): a one-line description, how many tools, whether this session has enabled it and whether you can enable it. Enable one with nc_toolsets_enable; its tools then appear in the tool list.",
		Kind:        Read},
		func(ctx context.Context, nc *nextcloud.Client, _ toolsetsListIn) (toolsetsListOut, error) {
			out := toolsetsListOut{Toolsets: []toolsetInfo{}}
			for _, v := range s.toolsetViews() {
				why := s.unavailable(ctx, nc, v)
				out.Toolsets = append(out.Toolsets, toolsetInfo{Name: v.name, Description: v.description, Tools: len(v.tools),
					Enabled: why == "" && s.shownHere(ctx, v.tools[0].Def.Name), Available: why == "", Reason: why})
			}
			return out, nil
		})
}

type toolsetsToolsIn struct {
	Toolset string `json:"toolset" jsonschema:"the toolset name, from nc_toolsets_list"`
}

type toolsetTool struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description" jsonschema:"the first sentence of the tool's description"`
	ReadOnly    bool   `json:"read_only" jsonschema:"whether the tool changes nothing"`
}

type toolsetsToolsOut struct {
	Toolset string        `json:"toolset"`
	Enabled bool          `json:"enabled" jsonschema:"whether these tools are in this session's tool list"`
	Tools   []toolsetTool `json:"tools" jsonschema:"the tools your token and the Nextcloud apps allow"`
}

func (o toolsetsToolsOut) Summary() string {
	names := make([]string, len(o.Tools))
	for i, t := range o.Tools {
		names[i] = t.Name
	}
	return fmt.Sprintf("toolset %s (enabled: %t): %s", o.Toolset, o.Enabled, strings.Join(names, ", "))
}

func toolsetsListTools(s *Server) Tool {
	return NewTool(Spec{Name: "nc_toolsets_list_tools", Title: "List a toolset's tools",
		Description: "List the tools of one toolset that your token and this Nextcloud allow, with a one-line description each, before enabling it with nc_toolsets_enable.",
		Kind:        Read},
		func(ctx context.Context, nc *nextcloud.Client, in toolsetsToolsIn) (toolsetsToolsOut, error) {
			v, tools, err := s.usableToolset(ctx, nc, in.Toolset, "is not available")
			if err != nil {
				return toolsetsToolsOut{}, err
			}
			return toolsetsToolsOut{Toolset: v.name, Enabled: s.shownHere(ctx, v.tools[0].Def.Name), Tools: mapAll(tools, func(t *Tool) toolsetTool {
				return toolsetTool{Name: t.Def.Name, Title: t.Def.Annotations.Title, Description: firstSentence(t.Def.Description), ReadOnly: t.ReadOnly()}
			})}, nil
		})
}

// usableToolset finds a toolset the caller may use and its tools the
// caller's token allows; refused says what an unavailable one cannot be.
func (s *Server) usableToolset(ctx context.Context, nc *nextcloud.Client, name, refused string) (toolsetView, []Tool, error) {
	v, err := s.toolsetView(name)
	if err != nil {
		return v, nil, err
	}
	if why := s.unavailable(ctx, nc, v); why != "" {
		return v, nil, fmt.Errorf("toolset %q %s: %s", v.name, refused, why)
	}
	usable := s.toolUsable(ctx)
	var tools []Tool
	for _, t := range v.tools {
		if usable(t.Def.Name) {
			tools = append(tools, t)
		}
	}
	return v, tools, nil
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

type toolsetsEnableIn struct {
	Toolset string `json:"toolset" jsonschema:"the toolset to enable, from nc_toolsets_list"`
}

type toolsetsEnableOut struct {
	Toolset        string   `json:"toolset"`
	AlreadyEnabled bool     `json:"already_enabled" jsonschema:"true when this session had enabled it before"`
	Tools          []string `json:"tools" jsonschema:"the tools now in this session's tool list"`
}

func (o toolsetsEnableOut) Summary() string {
	if o.AlreadyEnabled {
		return fmt.Sprintf("toolset %s was already enabled: %s", o.Toolset, strings.Join(o.Tools, ", "))
	}
	return fmt.Sprintf("toolset %s enabled; new tools: %s", o.Toolset, strings.Join(o.Tools, ", "))
}

func toolsetsEnable(s *Server) Tool {
	return NewTool(Spec{Name: "nc_toolsets_enable", Title: "Enable a toolset",
		Description: "Add one toolset's tools to this session's tool list (the client is sent notifications/tools/list_changed). Only toolsets your token's scopes and this Nextcloud's apps allow can be enabled; nc_toolsets_list says which.",
		Kind:        Read},
		func(ctx context.Context, nc *nextcloud.Client, in toolsetsEnableIn) (toolsetsEnableOut, error) {
			v, tools, err := s.usableToolset(ctx, nc, in.Toolset, "cannot be enabled")
			if err != nil {
				return toolsetsEnableOut{}, err
			}
			out := toolsetsEnableOut{Toolset: v.name, Tools: mapAll(tools, func(t *Tool) string { return t.Def.Name })}
			sid := callerSession(ctx)
			if sid == "" {
				out.AlreadyEnabled = true // a sessionless request already sees every toolset
				return out, nil
			}
			out.AlreadyEnabled = !s.lists.enable(sid, v.name)
			if !out.AlreadyEnabled {
				s.toolsChanged(ctx, sid)
			}
			return out, nil
		})
}
