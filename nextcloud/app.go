package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// App is the one request mechanism for the REST and OCS APIs of Nextcloud
// apps (Notes, Deck, Tables, Talk, Mail, ...). Every app sub-client holds
// one and sends all its requests through Call, so that all apps share the
// same headers, envelope handling, "app not enabled" detection and error
// wording; an app's own rules are hooks (AppRules), not a copy of this code.
type App struct {
	c *Client
	AppInfo
	rules AppRules
}

// AppRules are what an app reads differently from the others.
type AppRules interface {
	// Message turns an app's own error body into words; "" falls back
	// to the shared readers (OCS meta, {"message"}, JSend, a JSON string).
	Message(status int, body []byte) string
}

// AppOf returns the request mechanism for the app; rules may be nil.
func (c *Client) AppOf(info AppInfo, rules AppRules) App {
	return App{c: c, AppInfo: info, rules: rules}
}

// core is the mechanism for Nextcloud's own APIs (capabilities, users,
// unified search, login flow): they are always there, so a 404 is a
// missing item, never an app that is off.
func (c *Client) core() App { return App{c: c, AppInfo: AppInfo{Name: "Nextcloud"}} }

// Client is the Nextcloud client the app calls through.
func (a App) Client() *Client { return a.c }

// Request is one call to an app's API.
type Request struct {
	Method string
	// Path is the URL path below the Nextcloud base, e.g.
	// "/index.php/apps/deck/api/v1.0/boards"; ids in it went through
	// Segment or JoinInside.
	Path   string
	Query  url.Values
	Header http.Header
	// Body is marshalled as JSON, or sent as a form when it is url.Values.
	Body any
	// OCS unpacks the OCS envelope around the answer (PHP's [] for an
	// empty object is taken as nothing).
	OCS bool
	// Raw, when set, receives the undecoded answer instead of out.
	Raw *[]byte
	// Limit bounds the bytes read of the answer (0: 64 MiB); a longer
	// answer is cut there, so callers of Raw ask for one byte more than
	// they keep to learn that it was longer.
	Limit int64
	// Pass lists error statuses that are answers, not errors (Notes'
	// 412 carries the current note): their body is decoded like a 2xx.
	Pass []int
}

// Reply is what a call returns besides the decoded answer.
type Reply struct {
	Status int
	Header http.Header
}

// maxAnswer bounds an app answer read into memory.
const maxAnswer = 64 << 20

// Call sends r and decodes the answer into out (nil: discard). A 304 leaves
// out untouched. A 404 that comes from Nextcloud's router instead of the
// app (for an app, not for core) becomes an error wrapping ErrAppNotEnabled; any other failure an
// *Error carrying the app's message and a hint.
func (a App) Call(ctx context.Context, r Request, out any) (Reply, error) {
	path := withQuery(r.Path, r.Query)
	var payload any
	contentType := ""
	switch b := r.Body.(type) {
	case nil:
	case url.Values:
		payload = b.Encode()
		contentType = "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return Reply{}, fmt.Errorf("encode %s request body: %w", a.Name, err)
		}
		payload = data
		contentType = "application/json"
	}
	req, err := a.c.NewRequest(ctx, r.Method, path, payload)
	if err != nil {
		return Reply{}, err
	}
	addHeader(req, r.Header)
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.c.send(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	rep := Reply{Status: resp.StatusCode, Header: resp.Header}
	limit := r.Limit
	if limit <= 0 {
		limit = maxAnswer
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return rep, fmt.Errorf("read %s answer of %s %s: %w", a.Name, r.Method, req.URL.Path, err)
	}
	ct := resp.Header.Get("Content-Type")
	failed := resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified && !slices.Contains(r.Pass, resp.StatusCode)
	if failed {
		if resp.StatusCode == http.StatusNotFound && a.ID != "" && routerNotFound(ct, data) {
			return rep, a.NotEnabled(r.Method, req.URL.Path)
		}
		e := &Error{Method: r.Method, Path: req.URL.Path, Status: resp.StatusCode, Hint: hintFor(resp.StatusCode), App: a.ID}
		if a.rules != nil {
			e.Message = a.rules.Message(resp.StatusCode, data)
		}
		if e.Message == "" {
			e.Message = answerMessage(ct, data)
		}
		return rep, e
	}
	if r.Raw != nil {
		*r.Raw = data
		return rep, nil
	}
	if resp.StatusCode == http.StatusNotModified || len(bytes.TrimSpace(data)) == 0 {
		return rep, nil
	}
	// An OCS failure can come with a 2xx status; its meta is read even
	// when the caller discards the answer.
	if r.OCS {
		if err := decodeOCS(r.Method, req.URL.Path, data, out, true); err != nil {
			if e, ok := err.(*Error); ok {
				e.App = a.ID
			}
			return rep, err
		}
		return rep, nil
	}
	if out == nil {
		return rep, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return rep, fmt.Errorf("nextcloud %s %s: unexpected answer from the %s app: %w", r.Method, req.URL.Path, a.Name, err)
	}
	return rep, nil
}

// NotEnabled is the one error for an app that is not installed or not
// enabled for the user (method and path may be empty when no request was
// sent, e.g. when the capabilities already say so).
func (a App) NotEnabled(method, path string) error {
	where := ""
	if method != "" {
		where = fmt.Sprintf(" (%s %s answered Nextcloud's \"page not found\")", method, path)
	}
	return fmt.Errorf("the Nextcloud app %q (%s) is not installed or not enabled for this user%s; ask an administrator to enable it: %w",
		a.ID, a.Name, where, ErrAppNotEnabled)
}

// AppNotEnabled is App.NotEnabled for code that knows only the app id and
// name (the capability check in the MCP layer).
func AppNotEnabled(id, name string) error {
	return App{AppInfo: AppInfo{ID: id, Name: name}}.NotEnabled("", "")
}

// routerNotFound reports whether a 404 answer comes from Nextcloud's
// router (the app is off) rather than from the app: an HTML page, an empty
// body, or the OCS "Invalid query" (998) envelope.
func routerNotFound(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	body = bytes.TrimSpace(body)
	switch {
	case mt == "text/html", len(body) == 0:
		return true
	case body[0] == '<' && !strings.Contains(mt, "json"):
		return true
	}
	var env ocsEnvelope
	if json.Unmarshal(body, &env) == nil && (env.OCS.Meta.StatusCode == 998 || strings.HasPrefix(env.OCS.Meta.Message, "Invalid query")) {
		return true
	}
	return false
}

// answerMessage reads the error text of a failed app answer, in every
// shape apps use: OCS meta or data message, {"message"}, {"error"},
// {"msg"}, JSend's {"data": ...}, a bare JSON string, Sabre XML, or short
// plain text.
func answerMessage(contentType string, body []byte) string {
	if m := messageFrom(contentType, body); m != "" {
		return m
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	var v struct {
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
		OCS  *struct {
			Data json.RawMessage `json:"data"`
		} `json:"ocs"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.Msg != "" {
		return v.Msg
	}
	data := v.Data
	if v.OCS != nil {
		data = v.OCS.Data
	}
	if len(data) == 0 {
		return ""
	}
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	var d struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &d)
	return d.Message
}

// pageQuery adds the limit and offset of a page to q; zero leaves the
// app's default.
func pageQuery(q url.Values, limit, offset int) url.Values {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return q
}

// fetch makes one call and returns its decoded answer; what names the
// call in the error ("list polls: …").
func fetch[T any](ctx context.Context, a App, r Request, what string) (T, error) {
	var out T
	if _, err := a.Call(ctx, r, &out); err != nil {
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// fetchOne is fetch for the calls that answer one object (nil on error).
func fetchOne[T any](ctx context.Context, a App, r Request, what string) (*T, error) {
	out, err := fetch[T](ctx, a, r, what)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// send makes one call whose answer carries nothing the caller needs.
func send(ctx context.Context, a App, r Request, what string) error {
	if _, err := a.Call(ctx, r, nil); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// SetGiven puts *v into a change's body under key when v is given: the
// fields of a partial update that the caller did not give stay as they are.
func SetGiven[T any](body map[string]any, key string, v *T) {
	if v != nil {
		body[key] = *v
	}
}

// setNonZero puts v into a request's body under key unless v is its type's
// zero value, which means not given.
func setNonZero[T comparable](body map[string]any, key string, v T) {
	var zero T
	if v != zero {
		body[key] = v
	}
}

// setQuery sets a query parameter that was given: a positive number or a
// non-empty string (each compares greater than its zero value).
func setQuery[T int | int64 | string](q url.Values, key string, v T) {
	var zero T
	if v > zero {
		q.Set(key, fmt.Sprint(v))
	}
}
