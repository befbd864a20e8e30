package mcp

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/radicaletest"
)

// TestCalendarResourceSubscription, against the test Nextcloud and
// Radicale: nextcloud://calendars/{id} reads the week's events, and a
// subscription to it is told when an event is added (the calendar's
// sync token changes), not before.
func TestCalendarResourceSubscription(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T) (*nctest.Server, *nextcloud.Client){
		"nctest": func(t *testing.T) (*nctest.Server, *nextcloud.Client) {
			nc := nctest.New(t)
			return nc, nc.Client(t, "admin")
		},
		"radicale": func(t *testing.T) (*nctest.Server, *nextcloud.Client) {
			return nctest.New(t), radicaletest.Start(t).Client(t, "alice")
		},
	} {
		t.Run(name, func(t *testing.T) {
			nc, dav := mk(t)
			ctx := context.Background()
			d, err := dav.CalDAV(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := d.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: "Watched cal", Components: []string{"VEVENT"}})
			if err != nil {
				t.Fatal(err)
			}
			srv := newTestServer(t, nc, func(o *Options) {
				o.SubscriptionPoll = time.Hour
				o.Client = func(context.Context) (*nextcloud.Client, error) { return dav, nil }
			})
			c := connectLegacy(t, srv, "stdio", nil, HTTPOptions{})
			var got updateSink
			got.attach(c)
			uri := "nextcloud://calendars/" + url.PathEscape(cal.ID)
			if err := subscribe(c, uri); err != nil {
				t.Fatalf("subscribe %s: %v", uri, err)
			}
			if err := subscribe(c, "nextcloud://calendars/nope"); err == nil || !strings.Contains(err.Error(), "nope") {
				t.Fatalf("subscribe to a missing calendar: %v", err)
			}
			srv.subs.pollOnce() // unchanged: nothing (checked below)

			summary := "Standup"
			start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Hour)
			s, e := start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339)
			if _, err := d.CreateEvent(ctx, cal, nextcloud.EventInput{Summary: &summary, Start: &s, End: &e}); err != nil {
				t.Fatal(err)
			}
			srv.subs.pollOnce()
			if g := got.waitFor(t, uri); len(g) != 1 {
				t.Fatalf("updates %v, want one for %s", g, uri)
			}

			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			res, err := c.ReadResource(rctx, mcpgo.ReadResourceRequest{Params: mcpgo.ReadResourceParams{URI: uri}})
			if err != nil {
				t.Fatalf("read %s: %v", uri, err)
			}
			text := res.Contents[0].(mcpgo.TextResourceContents).Text
			if !strings.Contains(text, `"Standup"`) {
				t.Fatalf("%s does not list the new event: %s", uri, text)
			}
		})
	}
}
