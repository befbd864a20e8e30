// Package nextcloud is a typed client for the Nextcloud APIs the MCP server
// uses: OCS, Notes, WebDAV, CalDAV, CardDAV and the apps' REST APIs.
package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Authenticator adds credentials to an outgoing request. Basic auth is one;
// the OAuth mode supplies a per-user bearer token.
type Authenticator interface {
	Authenticate(req *http.Request) error
}

// BasicAuth authenticates as one Nextcloud user with an app password.
type BasicAuth struct {
	Username string
	Password string
}

// Authenticate implements Authenticator.
func (b BasicAuth) Authenticate(req *http.Request) error {
	req.SetBasicAuth(b.Username, b.Password)
	return nil
}

// TokenFunc returns a bearer token for the request's context; it is called
// once per request so a cached token can be renewed in between.
type TokenFunc func(ctx context.Context) (string, error)

// Authenticate implements Authenticator.
func (f TokenFunc) Authenticate(req *http.Request) error {
	tok, err := f(req.Context())
	if err != nil {
		return fmt.Errorf("obtain nextcloud token: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Options configure a Client. Zero values get sensible defaults.
type Options struct {
	// BaseURL is the Nextcloud root, e.g. https://cloud.example.com.
	BaseURL string
	// Timeout bounds each attempt of a request (default 30s).
	Timeout time.Duration
	// MaxRetries is how often an idempotent request is retried (default 3).
	MaxRetries int
	// RetryBase is the first backoff delay (default 200ms).
	RetryBase time.Duration
	// MaxInFlight bounds the requests in flight across this client and
	// its copies (0: no bound); a request waits up to Timeout, or until its
	// context ends, for a slot, then fails with *BusyError.
	MaxInFlight int
	// Transport overrides the shared transport, mainly for tests.
	Transport http.RoundTripper
	UserAgent string
	Logger    *slog.Logger
}

// Client talks to one Nextcloud. Copies made with WithUser share the
// connection pool, so a per-user client per request is cheap.
type Client struct {
	base       *url.URL
	hc         *http.Client
	auth       Authenticator
	user       string
	maxRetries int
	retryBase  time.Duration
	userAgent  string
	log        *slog.Logger
	limit      *limiter
}

// NewTransport returns the tuned transport all clients share.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// New builds a client without credentials; use WithUser to attach them.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("nextcloud base URL is empty")
	}
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("nextcloud base URL %q is not an http(s) URL like https://cloud.example.com", opts.BaseURL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	} else if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 200 * time.Millisecond
	}
	if opts.Transport == nil {
		opts.Transport = NewTransport()
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "nextcloud-mcp-server"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		base:       u,
		hc:         &http.Client{Transport: opts.Transport, Timeout: opts.Timeout},
		maxRetries: opts.MaxRetries,
		retryBase:  opts.RetryBase,
		userAgent:  opts.UserAgent,
		log:        opts.Logger,
		limit:      newLimiter(opts.MaxInFlight, opts.Timeout),
	}, nil
}

// WithUser returns a copy acting as user (the Nextcloud user id used in DAV
// paths) with the given credentials.
func (c *Client) WithUser(user string, auth Authenticator) *Client {
	cp := *c
	cp.user = user
	cp.auth = auth
	return &cp
}

// User is the Nextcloud user id this client acts as.
func (c *Client) User() string { return c.user }

// BaseURL is the Nextcloud root URL.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// URL resolves a path (with optional query) against the base URL.
func (c *Client) URL(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.base.String() + "/" + strings.TrimLeft(path, "/")
}

// NewRequest builds a request for path relative to the base URL. A []byte
// or string body is replayable so the request can be retried.
func (c *Client) NewRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	default:
		return nil, fmt.Errorf("unsupported request body type %T", body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL(path), rd)
	if err != nil {
		return nil, fmt.Errorf("build %s request for %s: %w", method, path, err)
	}
	return req, nil
}

// addHeader adds every value of h to req's header.
func addHeader(req *http.Request, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
}

// idempotent reports whether a request may be sent again after a failure.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "PROPFIND", "REPORT", "SEARCH":
		return true
	case http.MethodPut:
		return req.Header.Get("If-Match") != ""
	}
	return false
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	}
	return false
}

// Doer is the minimal interface of http.Client that the DAV libraries need.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Raw returns a Doer that authenticates and retries but leaves status
// handling to the caller (go-webdav checks statuses itself).
func (c *Client) Raw() Doer { return rawDoer{c} }

type rawDoer struct{ c *Client }

func (d rawDoer) Do(req *http.Request) (*http.Response, error) { return d.c.send(req) }

// Do sends req with credentials and retries, and turns any non-2xx answer
// into an *Error (closing the body). The caller closes a successful body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		defer resp.Body.Close()
		return nil, c.errorFrom(req, resp)
	}
	return resp, nil
}

func (c *Client) send(req *http.Request) (*http.Response, error) {
	if c.auth != nil {
		if err := c.auth.Authenticate(req); err != nil {
			return nil, err
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	retries := 0
	if idempotent(req) && (req.Body == nil || req.GetBody != nil) {
		retries = c.maxRetries
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewind body of %s %s: %w", req.Method, req.URL.Path, err)
			}
			req.Body = body
		}
		if c.limit != nil {
			if err := c.limit.acquire(ctx); err != nil {
				return nil, err
			}
		}
		start := time.Now()
		resp, err := c.hc.Do(req)
		if c.limit != nil {
			if err != nil {
				c.limit.release()
			} else {
				resp.Body = &releaseBody{ReadCloser: resp.Body, l: c.limit}
			}
		}
		if err == nil {
			elapsed := time.Since(start)
			c.log.Debug("nextcloud request", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "elapsed", elapsed)
			emit(ctx, RequestEvent{Kind: EventAnswered, Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Attempt: attempt + 1, Elapsed: elapsed})
		}
		if attempt >= retries || ctx.Err() != nil {
			if err != nil {
				return nil, c.transportError(req, err)
			}
			return resp, nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			wait = c.backoff(attempt)
		case retryableStatus(resp.StatusCode):
			wait = retryAfter(resp.Header.Get("Retry-After"))
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		default:
			return resp, nil
		}
		c.log.Debug("retrying nextcloud request", "method", req.Method, "path", req.URL.Path, "attempt", attempt+1, "wait", wait)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		emit(ctx, RequestEvent{Kind: EventRetry, Method: req.Method, Path: req.URL.Path, Status: status, Attempt: attempt + 1, Wait: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, c.transportError(req, ctx.Err())
		case <-t.C:
		}
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryBase << attempt
	if d > 5*time.Second {
		d = 5 * time.Second
	}
	// Full jitter keeps many clients from retrying in step.
	return d/2 + rand.N(d/2+1)
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		d := time.Duration(s) * time.Second
		if d > 30*time.Second {
			d = 30 * time.Second
		}
		return d
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d > 30*time.Second {
			d = 30 * time.Second
		}
		return d
	}
	return 0
}

func (c *Client) transportError(req *http.Request, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("nextcloud %s %s: no answer in time (timeout); Nextcloud may be overloaded, try again: %w", req.Method, req.URL.Path, ErrUnavailable)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("nextcloud %s %s: request cancelled: %w", req.Method, req.URL.Path, err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("nextcloud %s %s: cannot reach %s (%v); check NEXTCLOUD_HOST and that Nextcloud is up: %w", req.Method, req.URL.Path, c.base.Host, err, ErrUnavailable)
}

// errorFrom reads Nextcloud's message from an error response.
func (c *Client) errorFrom(req *http.Request, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Hint: hintFor(resp.StatusCode)}
	e.Message = messageFrom(resp.Header.Get("Content-Type"), body)
	return e
}

// messageFrom extracts a human message from OCS, JSON, or Sabre XML bodies.
func messageFrom(contentType string, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	if body[0] == '{' {
		var v struct {
			OCS *struct {
				Meta struct {
					Message string `json:"message"`
				} `json:"meta"`
			} `json:"ocs"`
			Message string `json:"message"`
			Error   any    `json:"error"`
			Errors  any    `json:"errors"`
		}
		if json.Unmarshal(body, &v) == nil {
			switch {
			case v.OCS != nil && v.OCS.Meta.Message != "":
				return v.OCS.Meta.Message
			case v.Message != "":
				return v.Message
			case v.Error != nil:
				return fmt.Sprint(v.Error)
			}
		}
	}
	if i := bytes.Index(body, []byte("<s:message>")); i >= 0 {
		rest := body[i+len("<s:message>"):]
		if j := bytes.Index(rest, []byte("</s:message>")); j >= 0 {
			return string(rest[:j])
		}
	}
	if strings.HasPrefix(contentType, "text/plain") && len(body) < 300 {
		return string(body)
	}
	return ""
}
