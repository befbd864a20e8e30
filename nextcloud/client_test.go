package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, h http.Handler, opts ...func(*Options)) *Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	o := Options{BaseURL: ts.URL, RetryBase: time.Millisecond, Timeout: 2 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c.WithUser("alice", BasicAuth{Username: "alice", Password: "pw"})
}

func TestRetriesIdempotentRequestsOnly(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		ifMatch  string
		failures int
		status   int
		want     int // attempts
		wantOK   bool
	}{
		{"GET retried past 503s", http.MethodGet, "", 2, 503, 3, true},
		{"PROPFIND retried on 502", "PROPFIND", "", 1, 502, 2, true},
		{"PUT with If-Match retried", http.MethodPut, `"e1"`, 1, 504, 2, true},
		{"PUT without If-Match not retried", http.MethodPut, "", 1, 503, 1, false},
		{"POST not retried", http.MethodPost, "", 1, 503, 1, false},
		{"GET gives up after max retries", http.MethodGet, "", 10, 503, 4, false},
		{"GET not retried on 500", http.MethodGet, "", 1, 500, 1, false},
		{"429 retried", http.MethodGet, "", 1, 429, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if user, pass, _ := r.BasicAuth(); user != "alice" || pass != "pw" {
					t.Errorf("credentials missing on attempt %d", n.Load()+1)
				}
				body, _ := io.ReadAll(r.Body)
				if r.Method == http.MethodPut && string(body) != "payload" {
					t.Errorf("body not replayed: %q", body)
				}
				if int(n.Add(1)) <= tc.failures {
					w.WriteHeader(tc.status)
					return
				}
				_, _ = io.WriteString(w, "ok")
			}))
			req, err := c.NewRequest(context.Background(), tc.method, "/x", "payload")
			if err != nil {
				t.Fatal(err)
			}
			if tc.ifMatch != "" {
				req.Header.Set("If-Match", tc.ifMatch)
			}
			resp, err := c.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if (err == nil) != tc.wantOK {
				t.Fatalf("err = %v, want ok=%v", err, tc.wantOK)
			}
			if got := int(n.Load()); got != tc.want {
				t.Fatalf("attempts = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var first time.Time
	var gap time.Duration
	var n atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		gap = time.Since(first)
	}))
	req, _ := c.NewRequest(context.Background(), http.MethodGet, "/x", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Retry-After: 1 means at least a second; the 1ms backoff alone would not.
	if gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, before Retry-After", gap)
	}
}

func TestErrorsCarryStatusMessageAndHint(t *testing.T) {
	tests := []struct {
		status   int
		body     string
		ctype    string
		sentinel error
		want     []string
	}{
		{401, `{"message":"CSRF check failed"}`, "application/json", ErrUnauthorized, []string{"401", "CSRF check failed", "app password"}},
		{404, `<?xml version="1.0"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:exception>Sabre\DAV\Exception\NotFound</s:exception><s:message>File with name x could not be located</s:message></d:error>`, "application/xml", ErrNotFound, []string{"404", "could not be located", "no such item"}},
		{412, "", "", ErrConflict, []string{"412", "changed since it was read"}},
		{409, "", "", ErrConflict, []string{"409"}},
		{423, "", "", ErrLocked, []string{"locked"}},
		{507, "", "", ErrQuota, []string{"quota"}},
		{403, `{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"Not allowed"},"data":[]}}`, "application/json", ErrForbidden, []string{"Not allowed"}},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			req, _ := c.NewRequest(context.Background(), http.MethodDelete, "/thing", nil)
			_, err := c.Do(req)
			var ne *Error
			if !errors.As(err, &ne) || ne.Status != tc.status {
				t.Fatalf("err = %v, want *Error with status %d", err, tc.status)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("errors.Is(%v, %v) is false", err, tc.sentinel)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err.Error(), w)
				}
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestOCSFailureInsideHTTP200(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("OCS-APIRequest") != "true" {
			t.Error("OCS-APIRequest header missing")
		}
		_, _ = io.WriteString(w, `{"ocs":{"meta":{"status":"failure","statuscode":998,"message":"Wrong share ID, share does not exist"},"data":[]}}`)
	}))
	err := c.OCS(context.Background(), http.MethodGet, "apps/files_sharing/api/v1/shares/9", nil, nil, nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "share does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestOCSSuccessCodes(t *testing.T) {
	for _, code := range []int{100, 200, 201, 204} {
		body := fmt.Sprintf(`{"ocs":{"meta":{"status":"ok","statuscode":%d,"message":"OK"},"data":{"id":7}}}`, code)
		var out struct {
			ID int `json:"id"`
		}
		if err := DecodeOCS("POST", "/ocs/x", []byte(body), &out); err != nil || out.ID != 7 {
			t.Errorf("statuscode %d: err %v, id %d", code, err, out.ID)
		}
	}
	for _, code := range []int{400, 404, 997, 998} {
		body := fmt.Sprintf(`{"ocs":{"meta":{"status":"failure","statuscode":%d,"message":"no"},"data":[]}}`, code)
		if err := DecodeOCS("GET", "/ocs/x", []byte(body), nil); err == nil {
			t.Errorf("statuscode %d accepted", code)
		}
	}
}

func TestTimeoutAndResetAreClearErrors(t *testing.T) {
	t.Run("slow", func(t *testing.T) {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		}))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := c.NewRequest(ctx, http.MethodGet, "/slow", nil)
		_, err := c.Do(req)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						_ = tc.SetLinger(0)
					}
					conn.Close()
				}
				return
			}
			_, _ = io.WriteString(w, "ok")
		}))
		req, _ := c.NewRequest(context.Background(), http.MethodGet, "/reset", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET was not retried past resets: %v", err)
		}
		resp.Body.Close()
		if n.Load() != 3 {
			t.Fatalf("attempts = %d", n.Load())
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		c, _ := New(Options{BaseURL: "http://127.0.0.1:1", MaxRetries: -1})
		_, err := c.Capabilities(context.Background())
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "cannot reach") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "cloud.example.com", "ftp://x", "http://"} {
		if _, err := New(Options{BaseURL: u}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func FuzzDecodeOCS(f *testing.F) {
	f.Add([]byte(`{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"id":"x"}}}`))
	f.Add([]byte(`{"ocs":{"meta":{"status":"failure","statuscode":997},"data":[]}}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"ocs":{"meta":{"statuscode":123456789}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var out map[string]any
		err := DecodeOCS("GET", "/ocs/x", body, &out)
		var ne *Error
		if errors.As(err, &ne) && (ne.Status < 100 || ne.Status > 599) {
			t.Fatalf("status %d out of HTTP range", ne.Status)
		}
	})
}
