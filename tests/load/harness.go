package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Target is an MCP server in this process, in front of a test Nextcloud,
// both on loopback.
type Target struct {
	URL       string
	Nextcloud *nctest.Server
	Tools     []string
	// NoteID is a seeded note to read.
	NoteID int64

	http *http.Server
	tr   *mcp.HTTPTransport
}

// StartTarget starts the test Nextcloud (seeded with notes) and the MCP
// server over HTTP on 127.0.0.1.
func StartTarget(ctx context.Context, notes int) (*Target, error) {
	nc := nctest.NewUnstarted()
	nc.Start()
	base, err := nextcloud.New(nextcloud.Options{BaseURL: nc.URL})
	if err != nil {
		nc.Close()
		return nil, err
	}
	user := base.WithUser("admin", nextcloud.BasicAuth{Username: "admin", Password: "admin-pass"})
	var first int64
	for i := range notes {
		title := fmt.Sprintf("Load note %d", i)
		content := fmt.Sprintf("# Load note %d\n\nSome text for the load test, item %d.", i, i)
		n, err := user.Notes().Create(ctx, nextcloud.NoteInput{Title: &title, Content: &content})
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("seed notes: %w", err)
		}
		if i == 0 {
			first = n.ID
		}
	}
	srv, err := mcp.New(mcp.Options{
		Name: "nextcloud-mcp-server", Version: "load",
		Toolsets: mcp.DefaultToolsets(&mcp.Env{}),
		Client:   func(context.Context) (*nextcloud.Client, error) { return user, nil },
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		nc.Close()
		return nil, err
	}
	tr := srv.HTTPHandler(mcp.HTTPOptions{})
	hs := &http.Server{Handler: tr, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &Target{URL: "http://" + ln.Addr().String(), Nextcloud: nc, Tools: srv.ToolNames(), NoteID: first, http: hs, tr: tr}, nil
}

// Close stops the MCP server and the test Nextcloud.
func (t *Target) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.tr.Shutdown(ctx)
	_ = t.http.Shutdown(ctx)
	t.Nextcloud.CloseClientConnections()
	t.Nextcloud.Close()
}

// Mix is DefaultMix with the seeded note id filled in.
func (t *Target) Mix() []Call {
	mix := DefaultMix(t.Tools)
	for i := range mix {
		if mix[i].Tool == "nc_notes_get" {
			mix[i].Args = map[string]any{"id": t.NoteID}
		}
	}
	return mix
}
