package nextcloud

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// answer is one canned reply of the fake app route.
type answer struct {
	status int
	ct     string
	body   string
}

func appWith(t *testing.T, a answer, rules AppRules, seen *http.Request) App {
	t.Helper()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			body, _ := io.ReadAll(r.Body)
			*seen = *r.Clone(context.Background())
			seen.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		if a.ct != "" {
			w.Header().Set("Content-Type", a.ct)
		}
		w.Header().Set("ETag", `"e1"`)
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	return c.AppOf(DeckApp, rules)
}

func TestAppCallDecodesAnswers(t *testing.T) {
	type item struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	ctx := context.Background()

	t.Run("plain JSON", func(t *testing.T) {
		var seen http.Request
		a := appWith(t, answer{200, "application/json", `{"id":7,"name":"x"}`}, nil, &seen)
		var out item
		rep, err := a.Call(ctx, Request{Method: "POST", Path: "/index.php/apps/deck/api/v1.0/boards", Query: url.Values{"a": {"b c"}}, Body: map[string]int{"n": 1}}, &out)
		if err != nil || out.ID != 7 || out.Name != "x" || rep.Status != 200 || rep.Header.Get("ETag") != `"e1"` {
			t.Fatalf("out %+v rep %+v err %v", out, rep, err)
		}
		body, _ := io.ReadAll(seen.Body)
		if seen.Header.Get("OCS-APIRequest") != "true" || seen.Header.Get("Accept") != "application/json" ||
			seen.Header.Get("Content-Type") != "application/json" || string(body) != `{"n":1}` || seen.URL.Query().Get("a") != "b c" {
			t.Fatalf("request sent: headers %v body %q query %q", seen.Header, body, seen.URL.RawQuery)
		}
	})
	t.Run("form body", func(t *testing.T) {
		var seen http.Request
		a := appWith(t, answer{200, "application/json", `{}`}, nil, &seen)
		if _, err := a.Call(ctx, Request{Method: "POST", Path: "/x", Body: url.Values{"token": {"t 1"}}}, nil); err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(seen.Body)
		if seen.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || string(body) != "token=t+1" {
			t.Fatalf("form: %q %q", seen.Header.Get("Content-Type"), body)
		}
	})
	t.Run("OCS envelope and PHP empty array", func(t *testing.T) {
		a := appWith(t, answer{200, "application/json", `{"ocs":{"meta":{"status":"ok","statuscode":200},"data":{"id":3,"name":"o"}}}`}, nil, nil)
		var out item
		if _, err := a.Call(ctx, Request{Method: "GET", Path: "/ocs/v2.php/x", OCS: true}, &out); err != nil || out.ID != 3 {
			t.Fatalf("%+v %v", out, err)
		}
		a = appWith(t, answer{200, "application/json", `{"ocs":{"meta":{"status":"ok","statuscode":200},"data":[]}}`}, nil, nil)
		out = item{ID: 9}
		if _, err := a.Call(ctx, Request{Method: "GET", Path: "/ocs/v2.php/x", OCS: true}, &out); err != nil || out.ID != 9 {
			t.Fatalf("[] must be taken as nothing: %+v %v", out, err)
		}
	})
	t.Run("OCS failure in a 200", func(t *testing.T) {
		a := appWith(t, answer{200, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"gone"},"data":[]}}`}, nil, nil)
		_, err := a.Call(ctx, Request{Method: "GET", Path: "/ocs/v2.php/x", OCS: true}, &item{})
		var e *Error
		if !errors.As(err, &e) || e.Status != 404 || e.Message != "gone" || e.App != "deck" {
			t.Fatalf("%v", err)
		}
		// The caller that discards the answer learns of the failure too.
		if _, err := a.Call(ctx, Request{Method: "POST", Path: "/ocs/v2.php/x", OCS: true}, nil); !errors.As(err, &e) || e.Status != 404 {
			t.Fatalf("nil out: %v", err)
		}
	})
	t.Run("304 leaves out untouched", func(t *testing.T) {
		a := appWith(t, answer{304, "", ""}, nil, nil)
		out := item{ID: 1}
		rep, err := a.Call(ctx, Request{Method: "GET", Path: "/x"}, &out)
		if err != nil || rep.Status != 304 || out.ID != 1 {
			t.Fatalf("%+v %+v %v", rep, out, err)
		}
	})
	t.Run("passed status is decoded", func(t *testing.T) {
		a := appWith(t, answer{412, "application/json", `{"id":5}`}, nil, nil)
		var out item
		rep, err := a.Call(ctx, Request{Method: "PUT", Path: "/x", Pass: []int{412}}, &out)
		if err != nil || rep.Status != 412 || out.ID != 5 {
			t.Fatalf("%+v %+v %v", rep, out, err)
		}
		if _, err := a.Call(ctx, Request{Method: "PUT", Path: "/x"}, &out); err == nil {
			t.Fatal("412 without Pass must fail")
		}
	})
	t.Run("raw answer", func(t *testing.T) {
		a := appWith(t, answer{200, "text/plain", "abc"}, nil, nil)
		var raw []byte
		if _, err := a.Call(ctx, Request{Method: "GET", Path: "/x", Raw: &raw}, nil); err != nil || string(raw) != "abc" {
			t.Fatalf("%q %v", raw, err)
		}
		// Limit cuts the answer: asked for 2 bytes, 2 arrive.
		raw = nil
		if _, err := a.Call(ctx, Request{Method: "GET", Path: "/x", Raw: &raw, Limit: 2}, nil); err != nil || string(raw) != "ab" {
			t.Fatalf("limited: %q %v", raw, err)
		}
	})
	t.Run("undecodable answer names the app", func(t *testing.T) {
		a := appWith(t, answer{200, "application/json", `[1,2]`}, nil, nil)
		_, err := a.Call(ctx, Request{Method: "GET", Path: "/x"}, &item{})
		if err == nil || !strings.Contains(err.Error(), "Deck") {
			t.Fatalf("%v", err)
		}
	})
}

func TestAppCallTellsAppMissingFromItemMissing(t *testing.T) {
	missing := []answer{
		{404, "text/html; charset=utf-8", "<html>Page not found</html>"},
		{404, "", ""},
		{404, "text/plain", "<!DOCTYPE html>"},
		{404, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":998,"message":"x"},"data":[]}}`},
		{404, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"Invalid query, please check the syntax."},"data":[]}}`},
	}
	for _, a := range missing {
		_, err := appWith(t, a, nil, nil).Call(context.Background(), Request{Method: "GET", Path: "/index.php/apps/deck/x"}, nil)
		if !errors.Is(err, ErrAppNotEnabled) || !strings.Contains(err.Error(), `"deck" (Deck) is not installed or not enabled`) || !strings.Contains(err.Error(), "GET /index.php/apps/deck/x") {
			t.Errorf("%+v: %v", a, err)
		}
	}
	items := []answer{
		{404, "application/json", `{"message":"Card not found"}`},
		{404, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"Room not found"},"data":[]}}`},
		{403, "text/html", "<html>forbidden</html>"},
	}
	for _, a := range items {
		_, err := appWith(t, a, nil, nil).Call(context.Background(), Request{Method: "GET", Path: "/x"}, nil)
		var e *Error
		if errors.Is(err, ErrAppNotEnabled) || !errors.As(err, &e) || e.Status != a.status || e.App != "deck" {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

type errorTypeRules struct{}

func (errorTypeRules) Message(status int, body []byte) string {
	if strings.Contains(string(body), "NoteDoesNotExist") {
		return "the note does not exist"
	}
	return ""
}

func TestAppCallErrorMessages(t *testing.T) {
	cases := []struct {
		a     answer
		rules AppRules
		want  string
	}{
		{answer{400, "application/json", `{"message":"bad title"}`}, nil, "bad title"},
		{answer{400, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":400,"message":"ocs says"},"data":[]}}`}, nil, "ocs says"},
		{answer{400, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":400,"message":""},"data":{"message":"in data"}}}`}, nil, "in data"},
		{answer{400, "application/json", `"a bare string"`}, nil, "a bare string"},
		{answer{400, "application/json", `{"msg":"msg field"}`}, nil, "msg field"},
		{answer{400, "application/json", `{"status":"fail","data":{"message":"jsend"}}`}, nil, "jsend"},
		{answer{400, "application/json", `{"status":"error","data":"jsend text"}`}, nil, "jsend text"},
		{answer{404, "application/json", `{"errorType":"OCA\\Notes\\NoteDoesNotExist"}`}, errorTypeRules{}, "the note does not exist"},
		{answer{409, "application/json", `{"message":"fallback"}`}, errorTypeRules{}, "fallback"},
	}
	for _, tc := range cases {
		_, err := appWith(t, tc.a, tc.rules, nil).Call(context.Background(), Request{Method: "GET", Path: "/x"}, nil)
		var e *Error
		if !errors.As(err, &e) || e.Message != tc.want {
			t.Errorf("%s: got %v, want message %q", tc.a.body, err, tc.want)
		}
	}
}

func TestAppNotEnabledWording(t *testing.T) {
	err := AppNotEnabled("spreed", "Talk")
	if !errors.Is(err, ErrAppNotEnabled) || err.Error() != `the Nextcloud app "spreed" (Talk) is not installed or not enabled for this user; ask an administrator to enable it: nextcloud app is not installed or not enabled` {
		t.Fatal(err)
	}
}

// Nextcloud's own APIs are always there: a router 404 on them is a missing
// item, not an app that is off.
func TestCoreCallNotFoundIsNotAppMissing(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<html>not found</html>")
	}))
	err := c.OCS(context.Background(), http.MethodGet, "/ocs/v2.php/core/whatever", nil, nil, nil)
	var e *Error
	if errors.Is(err, ErrAppNotEnabled) || !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.App != "" {
		t.Fatalf("core 404: %v", err)
	}
	_, err = c.AppOf(NotesApp, nil).Call(context.Background(), Request{Method: http.MethodGet, Path: "/x"}, nil)
	if !errors.Is(err, ErrAppNotEnabled) {
		t.Fatalf("app 404: %v", err)
	}
}

func TestAppCallOCSFailureWithoutOut(t *testing.T) {
	a := appWith(t, answer{200, "application/json", `{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"not yours"},"data":[]}}`}, nil, nil)
	_, err := a.Call(context.Background(), Request{Method: "DELETE", Path: "/ocs/v2.php/x", OCS: true}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Message != "not yours" || e.App != "deck" {
		t.Fatalf("OCS failure in a 200 without out: %v", err)
	}
}

// Notes' errorType texts are its AppRules: they reach the error through
// the shared mechanism.
func TestNotesRulesReadErrorType(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"errorType":"OCA\\Notes\\Service\\NoteNotWritableException"}`)
	}))
	_, err := c.Notes().Get(context.Background(), 5)
	var e *Error
	if !errors.As(err, &e) || e.Message != "the note is read-only (shared without edit permission)" || e.App != "notes" || !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
}

func TestSetGivenAndNonZero(t *testing.T) {
	title, no := "T", false
	body := map[string]any{}
	SetGiven(body, "title", &title)
	SetGiven(body, "hidden", &no)
	SetGiven[string](body, "url", nil)
	setNonZero(body, "note", "")
	setNonZero(body, "permissions", 0)
	setNonZero(body, "label", "L")
	setNonZero(body, "shareType", 3)
	want := map[string]any{"title": "T", "hidden": false, "label": "L", "shareType": 3}
	if !reflect.DeepEqual(body, want) {
		t.Fatalf("body %v, want %v", body, want)
	}
}

func TestFetchAndSend(t *testing.T) {
	ctx := context.Background()
	type item struct {
		ID int `json:"id"`
	}
	ok := appWith(t, answer{200, "application/json", `{"id":7}`}, nil, nil)
	if got, err := fetch[item](ctx, ok, Request{Method: "GET", Path: "/x"}, "get item"); err != nil || got.ID != 7 {
		t.Fatalf("fetch: %+v %v", got, err)
	}
	if got, err := fetchOne[item](ctx, ok, Request{Method: "GET", Path: "/x"}, "get item"); err != nil || got == nil || got.ID != 7 {
		t.Fatalf("fetchOne: %+v %v", got, err)
	}
	if err := send(ctx, ok, Request{Method: "DELETE", Path: "/x"}, "delete item"); err != nil {
		t.Fatalf("send: %v", err)
	}
	gone := appWith(t, answer{404, "application/json", `{"message":"no such item"}`}, nil, nil)
	if got, err := fetchOne[item](ctx, gone, Request{Method: "GET", Path: "/x"}, "get item 7"); got != nil || !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "get item 7: ") {
		t.Fatalf("fetchOne of a missing item: %+v %v", got, err)
	}
	if err := send(ctx, gone, Request{Method: "DELETE", Path: "/x"}, "delete item 7"); !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "delete item 7: ") {
		t.Fatalf("send to a missing item: %v", err)
	}
}

func TestSetQuery(t *testing.T) {
	q := url.Values{}
	setQuery(q, "limit", 0)
	setQuery(q, "page", -1)
	setQuery(q, "sortby", "")
	setQuery(q, "since", int64(42))
	setQuery(q, "filter", "files")
	if want := "filter=files&since=42"; q.Encode() != want {
		t.Fatalf("query %q, want %q", q.Encode(), want)
	}
}
