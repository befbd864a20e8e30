package mcp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// updateSink collects the notifications/resources/updated a client gets.
type updateSink struct{ sink[string] }

func (u *updateSink) attach(c *client.Client) {
	u.listen(c, mcpgo.MethodNotificationResourceUpdated, func(p map[string]any) string {
		uri, _ := p["uri"].(string)
		return uri
	})
}

// waitFor returns (and forgets) what arrived once want is among it.
func (u *updateSink) waitFor(t *testing.T, want string) []string {
	t.Helper()
	return u.await(t, "notifications/resources/updated of "+want, func(uris []string) bool { return slices.Contains(uris, want) })
}

func subscribe(c *client.Client, uri string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	//lint:ignore SA1019 resources/subscribe is what clients before protocol 2026-07-28 send
	return c.Subscribe(ctx, mcpgo.SubscribeRequest{Params: mcpgo.SubscribeParams{URI: uri}})
}

func unsubscribe(t *testing.T, c *client.Client, uri string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	//lint:ignore SA1019 resources/unsubscribe is what clients before protocol 2026-07-28 send
	if err := c.Unsubscribe(ctx, mcpgo.UnsubscribeRequest{Params: mcpgo.UnsubscribeParams{URI: uri}}); err != nil {
		t.Fatalf("unsubscribe %s: %v", uri, err)
	}
}

// connectLegacy is connect with the initialize handshake of protocol
// 2025-11-25 (resources/subscribe is gone from 2026-07-28 on), the
// streamable HTTP client keeping a GET stream open (where notifications
// outside a request arrive) and sending headers.
func connectLegacy(t *testing.T, srv *Server, kind string, headers map[string]string, o HTTPOptions) *client.Client {
	t.Helper()
	var c *client.Client
	var err error
	switch kind {
	case "stdio":
		// X-User names the stdio caller as userAuth does over HTTP.
		var ctxFunc func(context.Context) context.Context
		if u := headers["X-User"]; u != "" {
			ctxFunc = func(ctx context.Context) context.Context { return context.WithValue(ctx, userKey{}, u) }
		}
		c = stdioClientAs(t, srv, ctxFunc)
	case "sse":
		ts := httptest.NewServer(srv.HTTPHandler(o))
		t.Cleanup(ts.Close)
		c, err = client.NewSSEMCPClient(ts.URL+"/sse", transport.WithHeaders(headers))
	case "http":
		ts := httptest.NewServer(srv.HTTPHandler(o))
		t.Cleanup(ts.Close)
		//lint:ignore SA1019 the GET stream is how clients before protocol 2026-07-28 hear resources/updated
		c, err = client.NewStreamableHttpClient(ts.URL+"/mcp", transport.WithContinuousListening(), transport.WithHTTPHeaders(headers))
	default:
		t.Fatalf("unknown transport %q", kind)
	}
	if err != nil {
		t.Fatalf("%s client: %v", kind, err)
	}
	res := startAt(t, c, kind, mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	if res.Capabilities.Resources == nil || !res.Capabilities.Resources.Subscribe {
		t.Fatalf("server does not declare resources.subscribe: %+v", res.Capabilities.Resources)
	}
	return c
}

// waitCount waits until the server holds n subscriptions in all.
func waitCount(t *testing.T, srv *Server, n int) {
	t.Helper()
	if !eventually(func() bool { return srv.subs.count("") == n }) {
		t.Fatalf("server holds %d subscriptions, want %d", srv.subs.count(""), n)
	}
}

// TestResourceSubscriptions: over stdio, streamable HTTP and SSE, a client
// subscribes to a note, a file, a folder, a Deck board and a card; a
// change in Nextcloud reaches it as notifications/resources/updated for
// that URI (and no other), nothing arrives after unsubscribe, and closing
// the session drops its subscriptions. Polls are run by the test
// (pollOnce) so that nothing depends on timing.
func TestResourceSubscriptions(t *testing.T) {
	for _, kind := range []string{"stdio", "http", "sse"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			seed := nc.Client(t, "admin")
			ctx := context.Background()
			body := "v1"
			note := createNote(t, seed, "Watched", body)
			nc.AddFile(t, "admin", "Sub/a.md", []byte("a1"))
			deck := seed.Deck(nil)
			board, stack := nc.AddDeckBoard(t, "admin", "Watched board", "ff0000", "Todo")
			card := nc.AddDeckCard(t, "admin", board.ID, stack.ID, nextcloud.DeckCardCreate{Title: "c1", Type: "plain"})

			srv := newTestServer(t, nc, func(o *Options) { o.SubscriptionPoll = time.Hour })
			c := connectLegacy(t, srv, kind, nil, HTTPOptions{})
			var got updateSink
			got.attach(c)
			noteURI := "nextcloud://notes/" + strconv.FormatInt(note.ID, 10)
			fileURI, folderURI := "nextcloud://files/Sub%2Fa.md", "nextcloud://files/Sub"
			boardURI := "nextcloud://deck/boards/" + strconv.FormatInt(board.ID, 10)
			cardURI := boardURI + "/cards/" + strconv.FormatInt(card.ID, 10)
			for _, u := range []string{noteURI, fileURI, folderURI, boardURI, cardURI} {
				if err := subscribe(c, u); err != nil {
					t.Fatalf("subscribe %s: %v", u, err)
				}
			}
			if n := srv.subs.count(""); n != 5 {
				t.Fatalf("server holds %d subscriptions, want 5", n)
			}

			// Nothing changed: a poll sends nothing (checked with the next wait).
			srv.subs.pollOnce()
			newBody := "v2"
			if _, err := seed.Notes().Update(ctx, note.ID, nextcloud.NoteInput{Content: &newBody}, ""); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			if g := got.waitFor(t, noteURI); !slices.Equal(g, []string{noteURI}) {
				t.Fatalf("after a note change: updates %v, want only %s", g, noteURI)
			}

			// A new file in the folder changes the folder, not a.md.
			if _, err := seed.Files().Write(ctx, "Sub/b.md", []byte("b"), nextcloud.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			if g := got.waitFor(t, folderURI); !slices.Equal(g, []string{folderURI}) {
				t.Fatalf("after a new file in the folder: updates %v, want only %s", g, folderURI)
			}

			// A card change updates the card and its board.
			if _, err := deck.UpdateCard(ctx, board.ID, stack.ID, card.ID, nextcloud.DeckCardUpdate{Title: "c1 renamed", Type: "plain", Owner: "admin"}); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			g := got.waitFor(t, cardURI)
			if !slices.Contains(g, boardURI) {
				g = append(g, got.waitFor(t, boardURI)...)
			}
			slices.Sort(g)
			if want := []string{boardURI, cardURI}; !slices.Equal(g, want) {
				t.Fatalf("after a card change: updates %v, want %v", g, want)
			}

			// Unsubscribed from the note: its next change is not told.
			unsubscribe(t, c, noteURI)
			if _, err := seed.Notes().Update(ctx, note.ID, nextcloud.NoteInput{Content: &body}, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := seed.Files().Write(ctx, "Sub/a.md", []byte("a2"), nextcloud.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			if g := got.waitFor(t, fileURI); slices.Contains(g, noteURI) {
				t.Fatalf("after unsubscribe: updates %v still name %s", g, noteURI)
			}
			if n := srv.subs.count(""); n != 4 {
				t.Fatalf("after unsubscribe the server holds %d subscriptions, want 4", n)
			}

			// A deleted note is told once, as an update.
			if err := subscribe(c, noteURI); err != nil {
				t.Fatal(err)
			}
			if err := seed.Notes().Delete(ctx, note.ID); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			got.waitFor(t, noteURI)

			// The session ends: its subscriptions go.
			_ = c.Close()
			waitCount(t, srv, 0)
		})
	}
}

// TestSubscribeRefusals: a URI no enabled resource has, a note that does
// not exist, a scope the token lacks and the caps each get a clear error
// and leave nothing subscribed.
func TestSubscribeRefusals(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		title, body := "n"+strconv.Itoa(i), "x"
		n, err := seed.Notes().Create(ctx, nextcloud.NoteInput{Title: &title, Content: &body})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, "nextcloud://notes/"+strconv.FormatInt(n.ID, 10))
	}
	if _, err := seed.Files().Write(ctx, "f.txt", []byte("f"), nextcloud.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, nc, func(o *Options) {
		o.SubscriptionPoll = time.Hour
		o.SubscriptionsPerSession = 2
		o.SubscriptionsPerServer = 3
		o.Scopes = func(context.Context) ([]string, bool) { return []string{"notes:read"}, true }
	})
	c := connectLegacy(t, srv, "http", nil, HTTPOptions{})
	for _, tc := range []struct{ uri, want string }{
		{"nextcloud://capabilities", "no enabled resource has this URI"},
		{"nextcloud://notes/abc", "the note id is not a positive number"},
		{"nextcloud://notes/999999", "cannot subscribe to nextcloud://notes/999999"},
		{"nextcloud://files/f.txt", `needs the OAuth scope "files:read"`},
	} {
		err := subscribe(c, tc.uri)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("subscribe %s: %v, want an error with %q", tc.uri, err, tc.want)
		}
	}
	if n := srv.subs.count(""); n != 0 {
		t.Fatalf("refused subscriptions left %d behind", n)
	}
	for _, u := range ids[:2] {
		if err := subscribe(c, u); err != nil {
			t.Fatalf("subscribe %s: %v", u, err)
		}
	}
	if err := subscribe(c, ids[0]); err != nil {
		t.Fatalf("subscribing twice to one URI is allowed (a no-op): %v", err)
	}
	if err := subscribe(c, ids[2]); err == nil || !strings.Contains(err.Error(), "this session already has 2 subscriptions") {
		t.Fatalf("third subscription of the session: %v, want the per-session cap", err)
	}
	other := connectLegacy(t, srv, "http", nil, HTTPOptions{})
	if err := subscribe(other, ids[2]); err != nil {
		t.Fatalf("another session's first subscription: %v", err)
	}
	third := connectLegacy(t, srv, "http", nil, HTTPOptions{})
	if err := subscribe(third, ids[0]); err == nil || !strings.Contains(err.Error(), "the server holds 3 subscriptions") {
		t.Fatalf("fourth subscription of the server: %v, want the per-server cap", err)
	}
	if n := srv.subs.count(""); n != 3 {
		t.Fatalf("server holds %d subscriptions, want 3", n)
	}
}

// userAuth lets every request in as the user its X-User header names and
// carries that name to the Nextcloud client function.
type userAuth struct{}

type userKey struct{}

func (userAuth) Middleware(next http.Handler) http.Handler { return next }
func (userAuth) Identity(r *http.Request) string           { return r.Header.Get("X-User") }
func (userAuth) Context(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, userKey{}, r.Header.Get("X-User"))
}

// TestSubscriptionPollsAsSubscriber: each subscription is polled with the
// credentials of the user who subscribed; a user cannot subscribe to
// another user's note, and one user's change reaches only that user.
func TestSubscriptionPollsAsSubscriber(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("alice", "alice-pw"), nctest.WithUser("bob", "bob-pw"))
	ctx := context.Background()
	clients := map[string]*nextcloud.Client{"alice": nc.Client(t, "alice"), "bob": nc.Client(t, "bob")}
	notes := map[string]string{}
	for u, cl := range clients {
		title, body := u+"'s note", "x"
		n, err := cl.Notes().Create(ctx, nextcloud.NoteInput{Title: &title, Content: &body})
		if err != nil {
			t.Fatal(err)
		}
		notes[u] = "nextcloud://notes/" + strconv.FormatInt(n.ID, 10)
	}
	var mu sync.Mutex
	asked := map[string]int{}
	srv := newTestServer(t, nc, func(o *Options) {
		o.SubscriptionPoll = time.Hour
		o.Client = func(ctx context.Context) (*nextcloud.Client, error) {
			u, _ := ctx.Value(userKey{}).(string)
			mu.Lock()
			asked[u]++
			mu.Unlock()
			if cl, ok := clients[u]; ok {
				return cl, nil
			}
			return nil, nextcloud.ErrNotFound
		}
	})
	sessions := map[string]*client.Client{}
	sinks := map[string]*updateSink{}
	for _, u := range []string{"alice", "bob"} {
		sessions[u], sinks[u] = connectLegacy(t, srv, "http", map[string]string{"X-User": u}, HTTPOptions{Auth: userAuth{}}), &updateSink{}
		sinks[u].attach(sessions[u])
	}
	if err := subscribe(sessions["bob"], notes["alice"]); err == nil {
		t.Fatal("bob subscribed to alice's note")
	}
	for u, c := range sessions {
		if err := subscribe(c, notes[u]); err != nil {
			t.Fatalf("%s subscribes to their note: %v", u, err)
		}
	}
	mu.Lock()
	clear(asked)
	mu.Unlock()
	body := "changed"
	id, _ := strconv.ParseInt(strings.TrimPrefix(notes["alice"], "nextcloud://notes/"), 10, 64)
	if _, err := clients["alice"].Notes().Update(ctx, id, nextcloud.NoteInput{Content: &body}, ""); err != nil {
		t.Fatal(err)
	}
	srv.subs.pollOnce()
	mu.Lock()
	if asked["alice"] != 1 || asked["bob"] != 1 || len(asked) != 2 {
		t.Errorf("one poll asked for Nextcloud clients as %v, want alice and bob once each", asked)
	}
	mu.Unlock()
	if g := sinks["alice"].waitFor(t, notes["alice"]); len(g) != 1 {
		t.Fatalf("alice got %v", g)
	}
	// bob's note is unchanged; a change to it now is bob's only update.
	id, _ = strconv.ParseInt(strings.TrimPrefix(notes["bob"], "nextcloud://notes/"), 10, 64)
	if _, err := clients["bob"].Notes().Update(ctx, id, nextcloud.NoteInput{Content: &body}, ""); err != nil {
		t.Fatal(err)
	}
	srv.subs.pollOnce()
	if g := sinks["bob"].waitFor(t, notes["bob"]); len(g) != 1 {
		t.Fatalf("bob got %v, want only his note", g)
	}
}

// TestSubscriptionPoller: the process's poller finds a change on its own,
// and stops once nothing is subscribed.
func TestSubscriptionPoller(t *testing.T) {
	nc := nctest.New(t)
	seed := nc.Client(t, "admin")
	ctx := context.Background()
	note := createNote(t, seed, "Polled", "v1")
	srv := newTestServer(t, nc, func(o *Options) { o.SubscriptionPoll = 10 * time.Millisecond })
	c := connectLegacy(t, srv, "stdio", nil, HTTPOptions{})
	var got updateSink
	got.attach(c)
	uri := "nextcloud://notes/" + strconv.FormatInt(note.ID, 10)
	if err := subscribe(c, uri); err != nil {
		t.Fatal(err)
	}
	body := "v2"
	if _, err := seed.Notes().Update(ctx, note.ID, nextcloud.NoteInput{Content: &body}, ""); err != nil {
		t.Fatal(err)
	}
	got.waitFor(t, uri)
	unsubscribe(t, c, uri)
	stopped := eventually(func() bool {
		srv.subs.mu.Lock()
		defer srv.subs.mu.Unlock()
		return !srv.subs.running
	})
	if !stopped {
		t.Fatal("the poller still runs with nothing subscribed")
	}
}

// TestListenResourceSubscriptions: on protocol 2026-07-28 (stdio and
// streamable HTTP) the resource URIs of subscriptions/listen are polled
// like resources/subscribe and their updates arrive on the stream; a
// refused URI fails the request; closing the stream drops them.
func TestListenResourceSubscriptions(t *testing.T) {
	for _, kind := range []string{"stdio", "http"} {
		t.Run(kind, func(t *testing.T) {
			nc := nctest.New(t)
			seed := nc.Client(t, "admin")
			ctx := context.Background()
			note := createNote(t, seed, "Listened", "v1")
			srv := newTestServer(t, nc, func(o *Options) { o.SubscriptionPoll = time.Hour })
			c := connect(t, srv, kind)
			var got updateSink
			got.attach(c)
			uri := "nextcloud://notes/" + strconv.FormatInt(note.ID, 10)

			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.Listen(lctx, mcpgo.SubscriptionFilter{ResourceSubscriptions: []string{uri, "nextcloud://notes/999999"}})
			cancel()
			if err == nil || !strings.Contains(err.Error(), "cannot subscribe to nextcloud://notes/999999") {
				t.Fatalf("listen with a missing note: %v", err)
			}
			if n := srv.subs.count(""); n != 0 {
				t.Fatalf("a refused listen left %d subscriptions", n)
			}

			errs := make(chan error, 1)
			stop, err := c.ListenAsync(ctx, mcpgo.SubscriptionFilter{ResourceSubscriptions: []string{uri}}, func(err error) { errs <- err })
			if err != nil {
				t.Fatal(err)
			}
			waitCount(t, srv, 1)
			body := "v2"
			if _, err := seed.Notes().Update(ctx, note.ID, nextcloud.NoteInput{Content: &body}, ""); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			got.waitFor(t, uri)
			stop()
			waitCount(t, srv, 0)
			select {
			case err := <-errs:
				t.Fatalf("listen stream failed: %v", err)
			default:
			}
		})
	}
}

// TestSubscribeOnOtherReplica: a replica that serves a streamable HTTP
// session it did not open (same session secret, no sticky sessions)
// refuses a subscription, saying why, instead of accepting one it could
// never deliver.
func TestSubscribeOnOtherReplica(t *testing.T) {
	nc := nctest.New(t)
	note := createNote(t, nc.Client(t, "admin"), "n", "x")
	opts := HTTPOptions{SessionSecret: []byte("shared secret")}
	a := newTestServer(t, nc).HTTPHandler(opts)
	b := newTestServer(t, nc)
	hb := b.HTTPHandler(opts)
	var calls sync.Mutex
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Lock()
		n++
		first := n == 1
		calls.Unlock()
		if first {
			a.ServeHTTP(w, r) // initialize
			return
		}
		hb.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewStreamableHttpClient(ts.URL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	startAt(t, c, "http", mcpgo.LATEST_LEGACY_PROTOCOL_VERSION)
	err = subscribe(c, "nextcloud://notes/"+strconv.FormatInt(note.ID, 10))
	if err == nil || !strings.Contains(err.Error(), "does not hold your MCP session") || !strings.Contains(err.Error(), "sticky sessions") {
		t.Fatalf("subscribe on a replica without the session: %v", err)
	}
	if k := b.subs.count(""); k != 0 {
		t.Fatalf("the replica holds %d subscriptions", k)
	}
}

// TestSubscriptionDroppedWhenScopeLost: a poll checks the scope again
// with the session's latest request; a token that lost it ends the
// subscription without reading.
func TestSubscriptionDroppedWhenScopeLost(t *testing.T) {
	nc := nctest.New(t)
	note := createNote(t, nc.Client(t, "admin"), "n", "x")
	var mu sync.Mutex
	scopes := []string{"notes:read"}
	srv := newTestServer(t, nc, func(o *Options) {
		o.SubscriptionPoll = time.Hour
		o.Scopes = func(context.Context) ([]string, bool) { mu.Lock(); defer mu.Unlock(); return scopes, true }
	})
	c := connectLegacy(t, srv, "stdio", nil, HTTPOptions{})
	if err := subscribe(c, "nextcloud://notes/"+strconv.FormatInt(note.ID, 10)); err != nil {
		t.Fatal(err)
	}
	srv.subs.pollOnce()
	if n := srv.subs.count(""); n != 1 {
		t.Fatalf("with the scope: %d subscriptions, want 1", n)
	}
	mu.Lock()
	scopes = []string{"files:read"}
	mu.Unlock()
	nc.RecordRequests()
	srv.subs.pollOnce()
	if n := srv.subs.count(""); n != 0 {
		t.Fatalf("without the scope: %d subscriptions, want 0", n)
	}
	if r := nc.Requests(nil); len(r) != 0 {
		t.Fatalf("a poll without the scope read Nextcloud: %v", r)
	}
}
