package nextcloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// TestMaxInFlight: with MaxInFlight 3 shared by per-user copies, a server
// never sees more than 3 requests at once while 12 callers run; a caller
// that finds every slot taken (bodies not yet closed) waits, and fails with
// the busy error once its context ends; closing a body frees a slot.
func TestMaxInFlight(t *testing.T) {
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if r.URL.Path == "/hold" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	base, err := nextcloud.New(nextcloud.Options{BaseURL: srv.URL, MaxInFlight: 3, Timeout: 5 * time.Second, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	get := func(c *nextcloud.Client, ctx context.Context, path string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		return c.Do(req)
	}

	// 12 callers through four user copies: the bound is per process.
	var wg sync.WaitGroup
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := base.WithUser(string(rune('a'+i%4)), nil)
			resp, err := get(c, ctx, "/hold")
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak requests at the server = %d, want the bound 3", p)
	}

	// Three open bodies hold every slot.
	var open []*http.Response
	for range 3 {
		resp, err := get(base, ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, resp)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = get(base.WithUser("z", nil), short, "/")
	var busy *nextcloud.BusyError
	if !errors.As(err, &busy) || err.Error() != "Nextcloud is busy: 3 requests in flight; try again" {
		t.Fatalf("fourth request with every slot held: %v, want the busy error", err)
	}
	open[0].Body.Close()
	open[0].Body.Close() // a second Close must not free a second slot
	resp, err := get(base, ctx, "/")
	if err != nil {
		t.Fatalf("after one body was closed: %v", err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if _, err := get(base, short2, "/"); !errors.As(err, &busy) {
		t.Fatalf("a double Close freed two slots: %v", err)
	}
	resp.Body.Close()
	for _, r := range open[1:] {
		r.Body.Close()
	}
}
