package nctest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRequestsKeepsWhatClientsSent(t *testing.T) {
	s := New(t)
	send := func(path, etag string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+path, nil)
		req.SetBasicAuth("admin", "admin-pass")
		req.Header.Set("If-None-Match", etag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("/status.php?before=1", `"a"`)
	if got := s.Requests(nil); len(got) != 0 {
		t.Fatalf("kept %d requests before RecordRequests", len(got))
	}
	s.RecordRequests()
	send("/status.php?x=1", `"b"`)
	send("/ocs/v2.php/cloud/user", `"c"`)
	got := s.Requests(func(r Request) bool { return r.Path == "/status.php" })
	if len(got) != 1 || got[0].Method != http.MethodGet || got[0].Query.Get("x") != "1" || got[0].Header.Get("If-None-Match") != `"b"` {
		t.Fatalf("requests %+v", got)
	}
	if got[0].Header.Get("Authorization") != "" {
		t.Fatal("the log keeps credentials")
	}
	if all := s.Requests(nil); len(all) != 2 || all[1].Path != "/ocs/v2.php/cloud/user" {
		t.Fatalf("all requests %+v", all)
	}
}

func TestReadParamsMergesAsNextcloud(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           map[string]string
		wantErr        bool
	}{
		{"json over query", "application/json", `{"a":2,"b":true,"c":null}`, map[string]string{"a": "2", "b": "true", "q": "1"}, false},
		{"form over query", "application/x-www-form-urlencoded", "a=3&d=x", map[string]string{"a": "3", "d": "x", "q": "1"}, false},
		{"empty json body", "application/json", "  ", map[string]string{"a": "1", "q": "1"}, false},
		{"json that is no object", "application/json", `[1]`, map[string]string{"a": "1", "q": "1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/x?a=1&q=1", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			p, err := readParams(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := p.strings(); !equalMaps(got, tt.want) {
				t.Fatalf("params %v, want %v", got, tt.want)
			}
		})
	}
	// A JSON body is still there for the handler.
	r := httptest.NewRequest(http.MethodPut, "/x", strings.NewReader(`{"k":"v"}`))
	r.Header.Set("Content-Type", "application/json")
	if _, err := readParams(r); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != `{"k":"v"}` {
		t.Fatalf("body after readParams: %q", b)
	}
}

func TestParamConversions(t *testing.T) {
	p := params{"n": "42", "f": 1.5, "i": float64(7), "b": "TRUE", "z": "0", "e": "", "o": map[string]any{"x": 1}}
	if v, ok := p.num("n"); !ok || v != 42 {
		t.Errorf("num(n) = %d, %v", v, ok)
	}
	if _, ok := p.num("f"); ok {
		t.Error("1.5 taken as an integer")
	}
	if v, ok := p.int("missing", 9); !ok || v != 9 {
		t.Errorf("int(missing) = %d, %v", v, ok)
	}
	if v, ok := p.int("e", 5); !ok || v != 5 {
		t.Errorf("int(empty) = %d, %v", v, ok)
	}
	if _, ok := p.int("o", 0); ok {
		t.Error("an object taken as an integer")
	}
	if !p.bool("b") || p.bool("z") || p.bool("missing") {
		t.Error("bool conversions")
	}
	if _, ok := p.flag("missing"); ok {
		t.Error("flag of a missing parameter is ok")
	}
	if p.str("o") != `{"x":1}` || p.str("i") != "7" || p.str("missing") != "" {
		t.Errorf("str conversions: %q %q", p.str("o"), p.str("i"))
	}
	if p.has("missing") || !p.has("e") {
		t.Error("has")
	}
}

func TestSharingHandsDeckSharesToDeck(t *testing.T) {
	s := New(t)
	c := s.Client(t, "admin")
	ctx := context.Background()
	do := func(method, path, body string) *http.Response {
		t.Helper()
		req, err := c.NewRequest(ctx, method, path, body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("OCS-APIRequest", "true")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	do("PUT", "/remote.php/dav/files/admin/plan.pdf", "%PDF")
	do("POST", "/index.php/apps/deck/api/v1.0/boards", `{"title":"B","color":"000000"}`)
	do("POST", "/index.php/apps/deck/api/v1.0/boards/1/stacks", `{"title":"S","order":1}`)
	do("POST", "/index.php/apps/deck/api/v1.0/boards/1/stacks/6/cards", `{"title":"C"}`)
	share := func() error {
		req, err := c.NewRequest(ctx, "POST", "/ocs/v2.php/apps/files_sharing/api/v1/shares", url.Values{"path": {"/plan.pdf"}, "shareType": {"12"}, "shareWith": {"7"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("OCS-APIRequest", "true")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := share(); err != nil {
		t.Fatalf("share with card: %v", err)
	}
	resp := do("GET", "/index.php/apps/deck/api/v1.1/boards/1/stacks/6/cards/7/attachments", "")
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"type":"file"`) || !strings.Contains(string(b), "/plan.pdf") {
		t.Fatalf("card attachments %s", b)
	}
	if err := share(); err == nil || !strings.Contains(err.Error(), "already shared with this card") {
		t.Fatalf("second share: %v, want Deck's refusal of a path already shared", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sabre/dav (so Nextcloud) reads a PROPFIND without Depth as Depth 1.
func TestPropfindWithoutDepthIsDepthOne(t *testing.T) {
	s := New(t)
	c := s.Client(t, "admin")
	ctx := context.Background()
	send := func(method, path, depth string) (int, string) {
		t.Helper()
		req, err := c.NewRequest(ctx, method, path, "")
		if err != nil {
			t.Fatal(err)
		}
		if depth != "" {
			req.Header.Set("Depth", depth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	send("MKCOL", "/remote.php/dav/files/admin/a", "")
	send("MKCOL", "/remote.php/dav/files/admin/a/b", "")
	send("PUT", "/remote.php/dav/files/admin/a/b/deep.txt", "")
	for _, depth := range []string{"", "1"} {
		code, body := send("PROPFIND", "/remote.php/dav/files/admin/a", depth)
		if code != http.StatusMultiStatus || !strings.Contains(body, "/a/b/") || strings.Contains(body, "deep.txt") {
			t.Fatalf("PROPFIND Depth %q: %d %s", depth, code, body)
		}
	}
	if _, body := send("PROPFIND", "/remote.php/dav/files/admin/a", "infinity"); !strings.Contains(body, "deep.txt") {
		t.Fatalf("Depth infinity (enabled in Nextcloud) did not walk the tree: %s", body)
	}
}
