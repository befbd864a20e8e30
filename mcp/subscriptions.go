package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Resource subscriptions (resources/subscribe, protocols before
// 2026-07-28): a subscribed URI is polled by one goroutine per process,
// as the session that subscribed (its request context, so its own
// Nextcloud credentials and scopes), and notifications/resources/updated
// goes to that session when the ETag or modification time changes.
// Everything lives in this process: a subscription is served by the
// replica that holds the session (streamable HTTP sessions need affinity
// for it, as SSE does anyway).

// Defaults of the subscription limits (Options.Subscription*).
const (
	defaultSubscriptionPoll       = time.Minute
	defaultSubscriptionsPerSess   = 100
	defaultSubscriptionsPerServer = 10000
)

// subscription is one session's subscription to one URI.
type subscription struct {
	session, uri string // session: the session id, or a listen stream's name
	scope        string
	notify       func(uri string) error
	version      func(context.Context, *nextcloud.Client) (string, error)
	last         string // version at the last poll; "" once the resource is gone
}

// subscriptions holds every subscription of this process.
type subscriptions struct {
	s        *Server
	interval time.Duration
	perSess  int
	perProc  int

	mu      sync.Mutex
	live    map[string]bool                     // registered sessions
	bySess  map[string]map[string]*subscription // session → uri → subscription
	ctxOf   map[string]context.Context          // session → latest request context, detached
	running bool                                // the poller goroutine is running
	streams int                                 // subscriptions/listen streams seen
	total   int
}

// subscriptionOptions turns on resources/subscribe and hooks the
// subscription life cycle into hooks.
func (s *Server) subscriptionOptions(hooks *server.Hooks) []server.ServerOption {
	p := &subscriptions{s: s, interval: s.opts.SubscriptionPoll, perSess: s.opts.SubscriptionsPerSession, perProc: s.opts.SubscriptionsPerServer,
		live: map[string]bool{}, bySess: map[string]map[string]*subscription{}, ctxOf: map[string]context.Context{}}
	if p.interval <= 0 {
		p.interval = defaultSubscriptionPoll
	}
	if p.perSess <= 0 {
		p.perSess = defaultSubscriptionsPerSess
	}
	if p.perProc <= 0 {
		p.perProc = defaultSubscriptionsPerServer
	}
	s.subs = p
	hooks.AddOnRegisterSession(func(_ context.Context, cs server.ClientSession) {
		p.mu.Lock()
		p.live[cs.SessionID()] = true
		p.mu.Unlock()
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, cs server.ClientSession) { p.endSession(cs.SessionID()) })
	hooks.AddOnRequestInitialization(p.onRequest)
	hooks.AddAfterUnsubscribe(func(ctx context.Context, _ any, req *mcpgo.UnsubscribeRequest, _ *mcpgo.EmptyResult) {
		if id := sessionIDOf(ctx); id != "" {
			p.remove(id, req.Params.URI)
		}
	})
	// A subscribe mcp-go refused after onRequest accepted it (protocol
	// 2026-07-28 has no resources/subscribe) must not stay.
	hooks.AddOnError(func(ctx context.Context, _ any, method mcpgo.MCPMethod, msg any, _ error) {
		if req, ok := msg.(*mcpgo.SubscribeRequest); ok && method == mcpgo.MethodResourcesSubscribe {
			if id := sessionIDOf(ctx); id != "" {
				p.remove(id, req.Params.URI)
			}
		}
	})
	return []server.ServerOption{server.WithResourceCapabilities(true, true)}
}

func sessionIDOf(ctx context.Context) string {
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		return cs.SessionID()
	}
	return ""
}

// onRequest keeps the latest request context of a session with
// subscriptions (a fresh bearer token for the polls) and serves
// resources/subscribe and the resource part of subscriptions/listen,
// which a hook must answer to be able to refuse.
func (p *subscriptions) onRequest(ctx context.Context, _ any, message any) error {
	raw, _ := message.(json.RawMessage)
	var m struct {
		Method string `json:"method"`
		Params struct {
			URI           string                   `json:"uri"`
			Notifications mcpgo.SubscriptionFilter `json:"notifications"`
		} `json:"params"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	if m.Method == string(mcpgo.MethodSubscriptionsListen) {
		return p.listen(ctx, m.Params.Notifications.ResourceSubscriptions)
	}
	id := sessionIDOf(ctx)
	if id == "" {
		return nil
	}
	detached := context.WithoutCancel(ctx)
	p.mu.Lock()
	if _, ok := p.bySess[id]; ok {
		p.ctxOf[id] = detached
	}
	p.mu.Unlock()
	if m.Method != string(mcpgo.MethodResourcesSubscribe) || m.Params.URI == "" {
		return nil
	}
	return p.subscribe(detached, id, m.Params.URI, p.toSession(id))
}

// toSession sends notifications/resources/updated to a registered session.
func (p *subscriptions) toSession(id string) func(uri string) error {
	return func(uri string) error {
		err := p.s.mcp.SendNotificationToSpecificClient(id, mcpgo.MethodNotificationResourceUpdated, map[string]any{"uri": uri})
		if errors.Is(err, server.ErrSessionNotFound) {
			p.endSession(id)
		}
		return err
	}
}

// listen subscribes a subscriptions/listen stream (protocol 2026-07-28)
// to uris: the stream is the subscriber, its request context the
// identity; everything goes when the stream ends. One refused URI
// refuses the whole request.
func (p *subscriptions) listen(ctx context.Context, uris []string) error {
	if len(uris) == 0 || server.ClientSessionFromContext(ctx) == nil {
		return nil
	}
	p.mu.Lock()
	p.streams++
	owner := fmt.Sprintf("listen-%d", p.streams)
	p.live[owner] = true
	p.mu.Unlock()
	send := func(uri string) error {
		if ctx.Err() != nil {
			return nil
		}
		return p.s.mcp.SendNotificationToClient(ctx, mcpgo.MethodNotificationResourceUpdated, map[string]any{"uri": uri})
	}
	detached := context.WithoutCancel(ctx)
	for _, uri := range uris {
		if err := p.subscribe(detached, owner, uri, send); err != nil {
			p.endSession(owner)
			return err
		}
	}
	context.AfterFunc(ctx, func() { p.endSession(owner) })
	return nil
}

// subscribe checks that the caller may read uri, reads its version and
// records the subscription.
func (p *subscriptions) subscribe(ctx context.Context, session, uri string, notify func(uri string) error) error {
	p.mu.Lock()
	live := p.live[session]
	_, dup := p.bySess[session][uri]
	n, total := len(p.bySess[session]), p.total
	p.mu.Unlock()
	if !live {
		return fmt.Errorf("cannot subscribe to %s: this server process does not hold your MCP session (behind a load balancer, subscriptions need sticky sessions)", uri)
	}
	if dup {
		return nil
	}
	if n >= p.perSess {
		return fmt.Errorf("cannot subscribe to %s: this session already has %d subscriptions, the most allowed; unsubscribe from some first", uri, n)
	}
	if total >= p.perProc {
		return fmt.Errorf("cannot subscribe to %s: the server holds %d subscriptions, the most allowed; try again later", uri, total)
	}
	sub, err := p.s.subscribable(uri)
	if err != nil {
		return err
	}
	sub.session, sub.notify = session, notify
	if ok, _ := p.s.allowed(ctx, sub.scope); !ok {
		return fmt.Errorf("insufficient_scope: subscribing to %s needs the OAuth scope %q, which your token does not carry", uri, sub.scope)
	}
	nc, err := p.s.opts.Client(ctx)
	if err != nil {
		return fmt.Errorf("cannot subscribe to %s: cannot act in Nextcloud for you: %s", uri, ErrorText(err))
	}
	if sub.last, err = sub.version(ctx, nc); err != nil {
		return fmt.Errorf("cannot subscribe to %s: %s", uri, ErrorText(err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live[session] {
		return fmt.Errorf("cannot subscribe to %s: the MCP session has ended", uri)
	}
	m := p.bySess[session]
	if m == nil {
		m = map[string]*subscription{}
		p.bySess[session] = m
	}
	if _, ok := m[uri]; ok {
		return nil
	}
	if len(m) >= p.perSess || p.total >= p.perProc {
		return fmt.Errorf("cannot subscribe to %s: too many subscriptions (at most %d per session, %d per server)", uri, p.perSess, p.perProc)
	}
	m[uri] = sub
	p.ctxOf[session] = ctx
	p.total++
	if !p.running {
		p.running = true
		go p.run()
	}
	return nil
}

func (p *subscriptions) remove(session, uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.bySess[session][uri]; !ok {
		return
	}
	delete(p.bySess[session], uri)
	p.total--
	if len(p.bySess[session]) == 0 {
		delete(p.bySess, session)
		delete(p.ctxOf, session)
	}
}

func (p *subscriptions) endSession(session string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.live, session)
	p.total -= len(p.bySess[session])
	delete(p.bySess, session)
	delete(p.ctxOf, session)
}

// count is the number of subscriptions of session ("" = all).
func (p *subscriptions) count(session string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if session == "" {
		return p.total
	}
	return len(p.bySess[session])
}

// run is the one poller of the process; it stops when nothing is
// subscribed and the next subscription starts it again.
func (p *subscriptions) run() {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for range t.C {
		if !p.pollOnce() {
			return
		}
	}
}

// pollOnce polls every subscription once, one after the other (a bounded
// load on Nextcloud), and reports whether any subscription is left; when
// none is, the poller is marked stopped.
func (p *subscriptions) pollOnce() bool {
	type job struct {
		sub *subscription
		ctx context.Context
	}
	p.mu.Lock()
	var jobs []job
	for sess, m := range p.bySess {
		for _, sub := range m {
			jobs = append(jobs, job{sub, p.ctxOf[sess]})
		}
	}
	if len(jobs) == 0 {
		p.running = false
		p.mu.Unlock()
		return false
	}
	p.mu.Unlock()
	for _, j := range jobs {
		p.poll(j.ctx, j.sub)
	}
	return true
}

// poll reads one subscription's version as its session and tells the
// session when it changed.
func (p *subscriptions) poll(ctx context.Context, sub *subscription) {
	log := p.s.log.With("session", sub.session, "uri", sub.uri)
	if ok, _ := p.s.allowed(ctx, sub.scope); !ok {
		log.Info("subscription dropped: the session's token no longer carries the scope", "scope", sub.scope)
		p.remove(sub.session, sub.uri)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute) // each request also has NEXTCLOUD_MCP_TIMEOUT
	defer cancel()
	nc, err := p.s.opts.Client(ctx)
	if err != nil {
		log.Debug("subscription poll: no Nextcloud client", "err", err)
		return
	}
	v, err := sub.version(ctx, nc)
	if errors.Is(err, nextcloud.ErrNotFound) {
		v, err = "", nil // gone: one last update, then quiet
	}
	if err != nil {
		log.Debug("subscription poll failed", "err", err)
		return
	}
	p.mu.Lock()
	changed := v != sub.last
	sub.last = v
	p.mu.Unlock()
	if !changed {
		return
	}
	if err := sub.notify(sub.uri); err != nil {
		log.Debug("notifications/resources/updated not sent", "err", err)
	}
}

// digest stands for what Deck returned: its ETags and lastModified count
// seconds, so two changes within one second would look alike.
func digest(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// subscribable maps a URI of an enabled resource template to its scope
// and a cheap version read (ETag and modification time).
func (s *Server) subscribable(uri string) (*subscription, error) {
	var scope string
	found := false
	for _, ts := range s.toolsets {
		for _, rt := range ts.Templates {
			if rt.Template.URITemplate != nil && rt.Template.URITemplate.Regexp().MatchString(uri) {
				scope, found = rt.Scope, true
			}
		}
	}
	bad := func(what string) error {
		return fmt.Errorf("cannot subscribe to %q: %s; subscribable are nextcloud://notes/{id}, nextcloud://files/{path} (files and folders), nextcloud://deck/boards/{id}, nextcloud://deck/boards/{boardId}/cards/{cardId} and nextcloud://calendars/{id}", uri, what)
	}
	if !found {
		return nil, bad("no enabled resource has this URI")
	}
	sub := &subscription{uri: uri, scope: scope}
	rest, _ := strings.CutPrefix(uri, "nextcloud://")
	parts := strings.Split(rest, "/")
	ids := func(raw ...string) ([]int64, bool) {
		out := make([]int64, len(raw))
		for i, r := range raw {
			n, err := strconv.ParseInt(r, 10, 64)
			if err != nil || n <= 0 {
				return nil, false
			}
			out[i] = n
		}
		return out, true
	}
	switch {
	case parts[0] == "notes" && len(parts) == 2:
		n, ok := ids(parts[1])
		if !ok {
			return nil, bad("the note id is not a positive number")
		}
		sub.version = func(ctx context.Context, nc *nextcloud.Client) (string, error) {
			note, err := nc.Notes().Get(ctx, n[0])
			if err != nil {
				return "", err
			}
			return note.ETag + "/" + strconv.FormatInt(note.Modified, 10), nil
		}
	case parts[0] == "files" && len(parts) == 2:
		p, err := url.PathUnescape(parts[1])
		if err != nil {
			return nil, bad("the path is not URI-encoded")
		}
		sub.version = func(ctx context.Context, nc *nextcloud.Client) (string, error) {
			fi, err := nc.Files().Stat(ctx, p)
			if err != nil {
				return "", err
			}
			return fi.ETag + "/" + fi.Modified.UTC().Format(time.RFC3339Nano), nil
		}
	case parts[0] == "deck" && len(parts) == 3 && parts[1] == "boards":
		n, ok := ids(parts[2])
		if !ok {
			return nil, bad("the board id is not a positive number")
		}
		sub.version = func(ctx context.Context, nc *nextcloud.Client) (string, error) {
			d := nc.Deck(nil)
			b, err := d.Board(ctx, n[0])
			if err != nil {
				return "", err
			}
			stacks, err := d.Stacks(ctx, n[0])
			if err != nil {
				return "", err
			}
			return b.ETag + "/" + strconv.FormatInt(b.LastModified, 10) + "/" + digest(stacks), nil
		}
	case parts[0] == "deck" && len(parts) == 5 && parts[1] == "boards" && parts[3] == "cards":
		n, ok := ids(parts[2], parts[4])
		if !ok {
			return nil, bad("the board and card ids are not positive numbers")
		}
		sub.version = func(ctx context.Context, nc *nextcloud.Client) (string, error) {
			c, err := nc.Deck(nil).FindCard(ctx, n[0], n[1], 0)
			if err != nil {
				return "", err
			}
			return c.ETag + "/" + strconv.FormatInt(c.LastModified, 10) + "/" + digest(c), nil
		}
	case parts[0] == "calendars" && len(parts) == 2:
		id, err := calendarURIID(uri)
		if err != nil {
			return nil, bad("the calendar id is not URI-encoded")
		}
		sub.version = calendarVersion(id)
	default:
		return nil, bad("this resource cannot be subscribed to")
	}
	return sub, nil
}
