package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// manyFiles writes n small markdown files into alice's folder "many".
func manyFiles(t testing.TB, nc *nctest.Server, n int) *nextcloud.Client {
	t.Helper()
	ctx := context.Background()
	c := nc.Client(t, "alice")
	if _, err := c.Files().MakeFolderAll(ctx, "many"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := c.Files().Write(ctx, fmt.Sprintf("many/f%04d.md", i), []byte(fmt.Sprintf("word%04d text", i)), nextcloud.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// isFileRead is a GET of one of alice's files: what fetchBodies sends.
func isFileRead(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/remote.php/dav/files/alice/")
}

// TestSyncFilesFetchBound: the file reads of a sync never exceed
// FetchConcurrency at once, and do reach it (the hook holds each read until
// the bound is in flight, so a sequential fetch would stall there, and then
// a little longer, so excess reads would overlap), and every file's text
// is indexed.
func TestSyncFilesFetchBound(t *testing.T) {
	for _, bound := range []int{1, 3} {
		t.Run(fmt.Sprint(bound), func(t *testing.T) {
			nc := nctest.New(t, nctest.WithUser("alice", "pw-a"))
			c := manyFiles(t, nc, 40)
			var inFlight, peak atomic.Int64
			full := make(chan struct{})
			var once sync.Once
			nc.SetFault(func(_ http.ResponseWriter, r *http.Request) bool {
				if !isFileRead(r) {
					return false
				}
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if n == int64(bound) {
					once.Do(func() { close(full) })
				}
				select {
				case <-full:
					// Held a little, so that reads beyond the bound, if
					// the code sent them, would overlap and show.
					time.Sleep(10 * time.Millisecond)
				case <-time.After(5 * time.Second): // fails below as a peak under the bound
				}
				return false
			})
			idx := newTestIndex(t)
			x := NewIndexer(idx)
			x.FetchConcurrency = bound
			if err := x.SyncFiles(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			if p := peak.Load(); p != int64(bound) {
				t.Fatalf("peak concurrent file reads = %d, want exactly the bound %d", p, bound)
			}
			for _, i := range []int{0, 17, 39} {
				w := fmt.Sprintf("word%04d", i)
				hits, err := idx.Search(context.Background(), "alice", storage.IndexQuery{Text: w, Limit: 5})
				if err != nil || len(hits) != 1 {
					t.Fatalf("search %s: %v %v", w, hits, err)
				}
			}
		})
	}
}

// TestSyncFilesFetchError: one failing read fails the sync with that error,
// stops the remaining reads and records no folder state (the next run
// walks the folder again).
func TestSyncFilesFetchError(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"))
	c := manyFiles(t, nc, 200)
	var reads atomic.Int64
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if !isFileRead(r) {
			return false
		}
		// The sixth read fails, whatever file it is: the listing order is
		// the server's, not ours.
		if reads.Add(1) == 6 {
			http.Error(w, "storage backend down", http.StatusForbidden)
			return true
		}
		return false
	})
	idx := newTestIndex(t)
	x := NewIndexer(idx)
	x.FetchConcurrency = 4
	err := x.SyncFiles(context.Background(), c)
	if !errors.Is(err, nextcloud.ErrForbidden) {
		t.Fatalf("sync error = %v, want the failed sixth read", err)
	}
	if n := reads.Load(); n >= 200 {
		t.Fatalf("%d file reads after the failure, want the rest stopped", n)
	}
	state, err := idx.SyncState(context.Background(), "alice", storage.AppFiles)
	if err != nil {
		t.Fatal(err)
	}
	if state["dir:many"] != "" || state["dir:"] != "" {
		t.Fatalf("folder state recorded after a failed walk: %v", state)
	}
}

// TestSyncFilesFetchCancel: cancelling the sync stops the reads and
// returns the cancellation.
func TestSyncFilesFetchCancel(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("alice", "pw-a"))
	c := manyFiles(t, nc, 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reads atomic.Int64
	nc.SetFault(func(_ http.ResponseWriter, r *http.Request) bool {
		if isFileRead(r) && reads.Add(1) == 10 {
			cancel()
		}
		return false
	})
	x := NewIndexer(newTestIndex(t))
	x.FetchConcurrency = 4
	err := x.SyncFiles(ctx, c)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("sync error = %v, want context.Canceled", err)
	}
	if n := reads.Load(); n > 10+4 {
		t.Fatalf("%d file reads, want at most the bound after the cancellation", n)
	}
}

// BenchmarkSyncFilesLatency is a first files sync of 1,000 text files
// with 5 ms latency on every Nextcloud request, reading one file at a time
// (as before) and with the default bound.
func BenchmarkSyncFilesLatency(b *testing.B) {
	nc := nctest.New(b, nctest.WithUser("alice", "pw-a"))
	c := manyFiles(b, nc, 1000)
	nc.SetFault(func(http.ResponseWriter, *http.Request) bool { time.Sleep(5 * time.Millisecond); return false })
	for _, conc := range []int{1, DefaultFetchConcurrency} {
		b.Run(fmt.Sprint("concurrency-", conc), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				x := NewIndexer(newTestIndex(b))
				x.FetchConcurrency = conc
				b.StartTimer()
				if err := x.SyncFiles(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
