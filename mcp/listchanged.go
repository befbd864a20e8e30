package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// What a session is shown depends on its caller's scopes, the apps
// enabled in Nextcloud and (toolsets on demand) the toolsets it enabled.
// listWatch remembers, per session, a digest of the tools and prompts it
// was last listed, and sends notifications/tools/list_changed or
// prompts/list_changed to that session alone when they would now differ:
// checked on a request whose token has other scopes than the session's
// last one (consent or step-up), after a call found an app disabled, and by a
// poll every CapsTTL that re-reads capabilities (an app turned on or off
// while the session is idle). The resource list depends on neither, so
// resources/list_changed is never needed.

// maxWatched bounds the sessions remembered; the least recently seen one
// goes first (sessions mcp-go never registers, on another replica, are
// never unregistered).
const maxWatched = 10000

type listWatch struct {
	mu       sync.Mutex
	sessions map[string]*sessionLists
	polling  bool
}

type sessionLists struct {
	toolsets map[string]bool // enabled on demand
	// ctx carries the last request's values (the caller) without its
	// cancellation: what the poll acts as.
	ctx            context.Context
	tools, prompts string // digests of what was listed; "" before listing
	scopes         string // the caller's scopes at the last request
	seen           time.Time
	// registered: mcp-go holds the session here, so the poll can reach
	// it (a signed streamable-HTTP id served by a replica that did not
	// open it is not).
	registered bool
}

func (w *listWatch) session(sid string) *sessionLists {
	st, ok := w.sessions[sid]
	if !ok {
		if len(w.sessions) >= maxWatched {
			var oldest string
			for id, o := range w.sessions {
				if oldest == "" || o.seen.Before(w.sessions[oldest].seen) {
					oldest = id
				}
			}
			delete(w.sessions, oldest)
		}
		st = &sessionLists{toolsets: map[string]bool{}}
		w.sessions[sid] = st
	}
	return st
}

func (w *listWatch) enabled(sid, toolset string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, ok := w.sessions[sid]
	return ok && st.toolsets[toolset]
}

// enable reports whether toolset was newly enabled for sid.
func (w *listWatch) enable(sid, toolset string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.session(sid)
	if st.toolsets[toolset] {
		return false
	}
	st.toolsets[toolset] = true
	return true
}

// touch records ctx as the session's latest caller and scopes as its
// scopes; it returns whether the session listed tools or prompts and its
// scopes changed since its last request (then its lists may differ).
func (w *listWatch) touch(ctx context.Context, sid, scopes string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.session(sid)
	changed := st.ctx != nil && st.scopes != scopes
	st.ctx, st.seen, st.scopes = context.WithoutCancel(ctx), time.Now(), scopes
	return changed && (st.tools != "" || st.prompts != "")
}

// scopeKey names the caller's scopes, to notice a token with other scopes.
func (s *Server) scopeKey(ctx context.Context) string {
	if s.opts.Scopes == nil {
		return ""
	}
	scopes, enforce := s.opts.Scopes(ctx)
	if !enforce {
		return "*"
	}
	return namesDigest(scopes)
}

func (w *listWatch) drop(sid string) {
	w.mu.Lock()
	delete(w.sessions, sid)
	w.mu.Unlock()
}

// namesDigest names a list of names independent of their order; never "".
func namesDigest(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	h := sha256.Sum256([]byte(strings.Join(names, "\x00")))
	return "v1:" + hex.EncodeToString(h[:16])
}

// watchLists installs the hooks that record and re-check each session's
// lists. It runs after filterListed is added, so the recorded tool list is
// the one the client got.
func (s *Server) watchLists(hooks *server.Hooks) {
	s.lists = &listWatch{sessions: map[string]*sessionLists{}}
	hooks.AddAfterListTools(s.filterDynamic)
	hooks.AddAfterListTools(func(ctx context.Context, _ any, _ *mcpgo.ListToolsRequest, res *mcpgo.ListToolsResult) {
		if res != nil {
			s.shown(ctx, toolNames(res.Tools), nil)
		}
	})
	hooks.AddAfterListPrompts(func(ctx context.Context, _ any, _ *mcpgo.ListPromptsRequest, res *mcpgo.ListPromptsResult) {
		if res != nil {
			s.shown(ctx, nil, promptNames(res.Prompts))
		}
	})
	hooks.AddBeforeAny(func(ctx context.Context, _ any, method mcpgo.MCPMethod, _ any) {
		sid := callerSession(ctx)
		if sid == "" || method == mcpgo.MethodInitialize {
			return
		}
		if s.lists.touch(ctx, sid, s.scopeKey(ctx)) && method != mcpgo.MethodToolsList && method != mcpgo.MethodPromptsList {
			s.recheck(ctx, sid, true)
		}
	})
	hooks.AddOnRegisterSession(func(_ context.Context, cs server.ClientSession) {
		s.lists.mu.Lock()
		s.lists.session(cs.SessionID()).registered = true
		s.lists.mu.Unlock()
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, cs server.ClientSession) { s.lists.drop(cs.SessionID()) })
}

// filterDynamic hides the tools of toolsets the session has not enabled.
func (s *Server) filterDynamic(ctx context.Context, _ any, _ *mcpgo.ListToolsRequest, res *mcpgo.ListToolsResult) {
	if res == nil || !s.opts.DynamicToolsets {
		return
	}
	res.Tools = slices.DeleteFunc(res.Tools, func(t mcpgo.Tool) bool { return !s.shownHere(ctx, t.Name) })
}

func toolNames(tools []mcpgo.Tool) []string {
	out := make([]string, len(tools))
	for i, t := range tools {
		out[i] = t.Name
	}
	return out
}

func promptNames(prompts []mcpgo.Prompt) []string {
	out := make([]string, len(prompts))
	for i, p := range prompts {
		out[i] = p.Name
	}
	return out
}

// shown records what the session of ctx was listed (nil: not this kind).
func (s *Server) shown(ctx context.Context, tools, prompts []string) {
	sid := callerSession(ctx)
	if sid == "" {
		return
	}
	scopes := s.scopeKey(ctx)
	s.lists.mu.Lock()
	st := s.lists.session(sid)
	st.ctx, st.seen, st.scopes = context.WithoutCancel(ctx), time.Now(), scopes
	if tools != nil {
		st.tools = namesDigest(tools)
	}
	if prompts != nil {
		st.prompts = namesDigest(prompts)
	}
	start := s.opts.DetectApps && !s.lists.polling
	s.lists.polling = s.lists.polling || start
	s.lists.mu.Unlock()
	if start {
		go s.poll()
	}
}

// currentLists computes what tools/list and prompts/list would show the
// caller of ctx now, through the same filters.
func (s *Server) currentLists(ctx context.Context) (tools, prompts string) {
	res := &mcpgo.ListToolsResult{}
	for _, n := range s.ToolNames() {
		res.Tools = append(res.Tools, s.tools[n].Def)
	}
	s.filterListed(ctx, nil, nil, res)
	s.filterDynamic(ctx, nil, nil, res)
	var all []mcpgo.Prompt
	for _, p := range s.promptDefs() {
		all = append(all, p.Prompt)
	}
	return namesDigest(toolNames(res.Tools)), namesDigest(promptNames(s.filterPrompts(ctx, all)))
}

// recheck notifies session sid when a list it was shown has changed;
// inRequest sends on the stream of the request being served (ctx).
func (s *Server) recheck(ctx context.Context, sid string, inRequest bool) {
	tools, prompts := s.currentLists(ctx)
	var changed []string
	s.lists.mu.Lock()
	if st, ok := s.lists.sessions[sid]; ok {
		if st.tools != "" && st.tools != tools {
			st.tools, changed = tools, append(changed, string(mcpgo.MethodNotificationToolsListChanged))
		}
		if st.prompts != "" && st.prompts != prompts {
			st.prompts, changed = prompts, append(changed, string(mcpgo.MethodNotificationPromptsListChanged))
		}
	}
	s.lists.mu.Unlock()
	for _, method := range changed {
		s.notifyList(ctx, sid, method, inRequest)
	}
}

// toolsChanged tells the session of ctx that its tool list changed (it
// enabled a toolset) and records the new list as shown.
func (s *Server) toolsChanged(ctx context.Context, sid string) {
	tools, _ := s.currentLists(ctx)
	s.lists.mu.Lock()
	s.lists.session(sid).tools = tools
	s.lists.mu.Unlock()
	s.notifyList(ctx, sid, string(mcpgo.MethodNotificationToolsListChanged), true)
}

func (s *Server) notifyList(ctx context.Context, sid, method string, inRequest bool) {
	var err error
	if inRequest {
		err = s.mcp.SendNotificationToClient(ctx, method, nil)
	} else {
		err = s.mcp.SendNotificationToSpecificClient(sid, method, nil)
	}
	if err != nil {
		// A session this process does not hold (ended, or a stateless
		// request): it lists afresh next time anyway.
		s.log.Debug("list_changed not delivered", "method", method, "err", err)
	}
}

// appGone handles a call that found its app disabled: the cached
// capabilities are stale, so they are re-read and the calling session's
// lists re-checked (other sessions follow at the next poll).
func (s *Server) appGone(ctx context.Context, nc *nextcloud.Client) {
	if nc == nil || !s.opts.DetectApps {
		return
	}
	s.caps.forget(nc)
	if sid := callerSession(ctx); sid != "" {
		s.recheck(ctx, sid, true)
	}
}

// pollTimeout bounds one session's re-check in the poll.
const pollTimeout = 30 * time.Second

// poll re-checks every session that listed something, one after the
// other, every CapsTTL (the capabilities cache re-reads each user's
// capabilities at most once per CapsTTL); it ends when no session is left.
func (s *Server) poll() {
	t := time.NewTicker(s.opts.CapsTTL)
	defer t.Stop()
	for range t.C {
		type target struct {
			sid string
			ctx context.Context
		}
		var targets []target
		s.lists.mu.Lock()
		for sid, st := range s.lists.sessions {
			if st.registered && st.ctx != nil && (st.tools != "" || st.prompts != "") {
				targets = append(targets, target{sid, st.ctx})
			}
		}
		if len(targets) == 0 {
			s.lists.polling = false
			s.lists.mu.Unlock()
			return
		}
		s.lists.mu.Unlock()
		for _, tg := range targets {
			ctx, cancel := context.WithTimeout(tg.ctx, pollTimeout)
			s.recheck(ctx, tg.sid, false)
			cancel()
		}
	}
}

// forget drops the cached capabilities of nc's user.
func (c *capsCache) forget(nc *nextcloud.Client) {
	c.mu.Lock()
	delete(c.m, nc.BaseURL().String()+"\x00"+nc.User())
	c.mu.Unlock()
}
