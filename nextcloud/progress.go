package nextcloud

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// Transfer progress: a caller that wants to know how far a file upload or
// download got puts a function in the context (WithProgress); the bodies
// of Files().Write and Files().Read then report bytes moved.

type progressKey struct{}

// ProgressFunc is told the bytes moved so far and the total (-1 when the
// size is not known). Calls only ever grow done, also across retries.
type ProgressFunc func(done, total int64)

// WithProgress makes the file transfers under ctx report to f.
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// progressStep is the least number of bytes between two reports (besides
// 1% of the total), so a large transfer sends at most ~100 of them.
const progressStep = 256 << 10

// transferProgress turns byte counts of one transfer (all its attempts)
// into reports that only grow.
type transferProgress struct {
	f     ProgressFunc
	total int64
	step  int64

	mu   sync.Mutex
	last int64 // bytes last reported
}

func newTransferProgress(ctx context.Context, total int64) *transferProgress {
	f, _ := ctx.Value(progressKey{}).(ProgressFunc)
	if f == nil {
		return nil
	}
	return &transferProgress{f: f, total: total, step: max(progressStep, total/100)}
}

// at reports done bytes if they are a step past the last report, or the
// whole transfer (final).
func (p *transferProgress) at(done int64, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done <= p.last || (!final && done < p.last+p.step && done != p.total) {
		return
	}
	p.last = done
	p.f(done, p.total)
}

// reader counts one attempt's bytes.
func (p *transferProgress) reader(rc io.ReadCloser) io.ReadCloser {
	return &countingReader{rc: rc, p: p}
}

type countingReader struct {
	rc   io.ReadCloser
	p    *transferProgress
	done int64
}

func (r *countingReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	r.done += int64(n)
	if n > 0 || err == io.EOF {
		r.p.at(r.done, err == io.EOF)
	}
	return n, err
}

func (r *countingReader) Close() error { return r.rc.Close() }

// uploadProgress makes req's body (and every retry's) report to the
// progress function of its context.
func uploadProgress(req *http.Request, size int64) {
	p := newTransferProgress(req.Context(), size)
	if p == nil || req.Body == nil {
		return
	}
	req.Body = p.reader(req.Body)
	if get := req.GetBody; get != nil {
		req.GetBody = func() (io.ReadCloser, error) {
			b, err := get()
			if err != nil {
				return nil, err
			}
			return p.reader(b), nil
		}
	}
}

// downloadProgress makes resp's body report to the progress function of
// its request's context.
func downloadProgress(ctx context.Context, resp *http.Response) {
	if p := newTransferProgress(ctx, resp.ContentLength); p != nil {
		resp.Body = p.reader(resp.Body)
	}
}
