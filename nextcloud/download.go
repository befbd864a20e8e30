package nextcloud

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

// Download is a file an app API served, cut at a limit.
type Download struct {
	Name      string
	Mime      string
	Size      int64 // the whole file's size, when the server said it
	Content   []byte
	Truncated bool
}

// download GETs path and reads at most limit bytes of the answer; name and
// type come from Content-Disposition and Content-Type.
func (a App) download(ctx context.Context, path string, query url.Values, limit int64) (*Download, error) {
	var b []byte
	rep, err := a.Call(ctx, Request{Method: http.MethodGet, Path: path, Query: query, Raw: &b, Limit: limit + 1}, nil)
	if err != nil {
		return nil, err
	}
	out := &Download{Mime: rep.Header.Get("Content-Type"), Size: -1}
	if n, err := strconv.ParseInt(rep.Header.Get("Content-Length"), 10, 64); err == nil {
		out.Size = n
	}
	if _, params, err := mime.ParseMediaType(rep.Header.Get("Content-Disposition")); err == nil {
		out.Name = params["filename"]
	}
	if int64(len(b)) > limit {
		b, out.Truncated = b[:limit], true
	}
	out.Content = b
	if out.Size < 0 {
		out.Size = int64(len(b))
	}
	return out, nil
}
