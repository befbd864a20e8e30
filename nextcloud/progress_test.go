package nextcloud_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// TestTransferProgress: an upload and a download under WithProgress report
// growing byte counts ending at the size, in steps (not per read), also
// when the upload is retried after the whole body was sent once; without
// WithProgress nothing is reported.
func TestTransferProgress(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin")
	const size = 3 << 20
	data := []byte(strings.Repeat("x", size))
	var mu sync.Mutex
	var seen [][2]int64
	ctx := nextcloud.WithProgress(context.Background(), func(done, total int64) {
		mu.Lock()
		seen = append(seen, [2]int64{done, total})
		mu.Unlock()
	})
	check := func(what string, total int64) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) < 3 || len(seen) > 101 {
			t.Fatalf("%s: %d reports, want a few and at most 101: %v", what, len(seen), seen)
		}
		for i, s := range seen {
			if s[1] != total || (i > 0 && s[0] <= seen[i-1][0]) {
				t.Fatalf("%s: report %d is %v after %v (total %d)", what, i, s, seen[max(i-1, 0)], total)
			}
		}
		if last := seen[len(seen)-1]; last[0] != size {
			t.Fatalf("%s: last report %v, want %d bytes", what, last, size)
		}
		seen = nil
	}
	w, err := c.Files().Write(ctx, "big.bin", data, nextcloud.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("upload", size)

	// The first PUT is read whole, then answered 503: the retry's body
	// reports nothing new until it passes what was already reported.
	var failed atomic.Bool
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPut || failed.Load() {
			return false
		}
		failed.Store(true)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	if _, err := c.Files().Write(ctx, "big.bin", data, nextcloud.WriteOptions{IfMatch: w.ETag}); err != nil {
		t.Fatal(err)
	}
	if !failed.Load() {
		t.Fatal("the fault did not fire")
	}
	check("retried upload", size)
	nc.SetFault(nil)

	if _, err := c.Files().Read(ctx, "big.bin", size); err != nil {
		t.Fatal(err)
	}
	check("download", size)

	if _, err := c.Files().Read(context.Background(), "big.bin", size); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Fatalf("without WithProgress: %v", seen)
	}
}
