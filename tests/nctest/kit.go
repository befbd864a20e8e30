package nctest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The stand-in kit: what every app stand-in uses to read a request and to
// answer it the way Nextcloud does. App files keep only their store,
// handlers, routes and seed methods.

// params are a request's parameters merged from the query string, a JSON
// object body and a form body, as Nextcloud's IRequest merges them (the
// body wins over the query).
type params map[string]any

// readParams reads r's parameters. A body that is not a JSON object is an
// error; the params read so far are returned with it. A JSON body is put
// back so that handlers may read it again.
func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		raw, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			return p, err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		if len(bytes.TrimSpace(raw)) == 0 {
			return p, nil
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return p, fmt.Errorf("request body is not a JSON object")
		}
		for k, v := range m {
			p[k] = v
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		p.addForm(r)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return p, err
		}
		p.addForm(r)
	}
	return p, nil
}

// paramsOf reads r's params for APIs that treat every parameter as
// optional: an unreadable body counts as giving none.
func paramsOf(r *http.Request) params {
	p, _ := readParams(r)
	return p
}

func (p params) addForm(r *http.Request) {
	for k, vs := range r.PostForm {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
}

// has reports whether k was given with a non-null value.
func (p params) has(k string) bool { return p[k] != nil }

// str gives k as the string PHP would see.
func (p params) str(k string) string { return paramString(p[k]) }

// text gives k when it is a scalar (string, number, boolean).
func (p params) text(k string) (string, bool) { return scalarString(p[k]) }

// num gives k as an integer; ok is false when missing or not one.
func (p params) num(k string) (int64, bool) { return scalarInt(p[k]) }

// int gives k as an integer, def when missing or empty; ok is false when
// given but not an integer.
func (p params) int(k string, def int64) (int64, bool) {
	switch v := p[k].(type) {
	case nil:
		return def, true
	case string:
		if v == "" {
			return def, true
		}
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return scalarInt(p[k])
}

// given sets *dst to get(p, k) when k was given with a value; updates
// leave what was not given alone.
func given[T any](p params, k string, dst *T, get func(params, string) T) {
	if p.has(k) {
		*dst = get(p, k)
	}
}

// bool gives k as a boolean; anything not one is false.
func (p params) bool(k string) bool { b, _ := scalarBool(p[k]); return b }

// flag gives k as a boolean; ok is false when missing or not one.
func (p params) flag(k string) (bool, bool) { return scalarBool(p[k]) }

// strings gives the non-null parameters as strings (the sharing API reads
// every parameter as one).
func (p params) strings() map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = paramString(v)
		}
	}
	return out
}

// paramString gives a decoded JSON request value as the string PHP would
// see: numbers and booleans spelled out, nil empty, anything else as JSON.
func paramString(v any) string {
	if s, ok := scalarString(v); ok {
		return s
	}
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func scalarInt(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, false
		}
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func scalarBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true", "1":
			return true, true
		case "false", "0", "":
			return false, true
		}
	case float64:
		return x != 0, true
	}
	return false, false
}

// pathID gives the numeric path value name, or -1 (an id no record has).
func pathID(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// apiErr is a stand-in's refusal: the HTTP status and the app's message.
type apiErr struct {
	status int
	msg    string
}

func errStatus(status int, format string, a ...any) *apiErr {
	return &apiErr{status, fmt.Sprintf(format, a...)}
}

func errBad(format string, a ...any) *apiErr { return errStatus(http.StatusBadRequest, format, a...) }

// apiFn is a handler of a JSON or OCS app API: it runs with the app's
// store locked and gives the answer's data or a refusal.
type apiFn func(r *http.Request, user string, p params) (any, *apiErr)

// runLocked reads r's params and runs fn under mu; unreadable params are
// a 400.
func runLocked(mu *sync.Mutex, r *http.Request, fn apiFn) (any, *apiErr) {
	p, err := readParams(r)
	if err != nil {
		return nil, errBad("%s", err.Error())
	}
	mu.Lock()
	defer mu.Unlock()
	return fn(r, UserOf(r), p)
}

// lockedHandler serves fn under mu (runLocked): its answer through ok,
// its refusal through refuse, each in the app's own envelope.
func lockedHandler(mu *sync.Mutex, fn apiFn, ok func(w http.ResponseWriter, r *http.Request, data any), refuse func(w http.ResponseWriter, r *http.Request, e *apiErr)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, e := runLocked(mu, r, fn)
		if e != nil {
			refuse(w, r, e)
			return
		}
		ok(w, r, data)
	}
}

// on runs fn on the record find gives for the request (every app's
// onBoard): find's refusal is the answer.
func on[T any](find func(r *http.Request, uid string) (T, *apiErr), fn func(r *http.Request, uid string, p params, rec T) (any, *apiErr)) apiFn {
	return func(r *http.Request, uid string, p params) (any, *apiErr) {
		rec, e := find(r, uid)
		if e != nil {
			return nil, e
		}
		return fn(r, uid, p, rec)
	}
}

// byPath is on's finder for stores that look a record up by id for a
// user holding perm: the id is the path value key.
func byPath[T any](key string, perm int, find func(user string, id int64, perm int) (T, *apiErr)) func(*http.Request, string) (T, *apiErr) {
	return func(r *http.Request, user string) (T, *apiErr) { return find(user, pathID(r, key), perm) }
}

func isOCS(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/ocs/") || r.Header.Get("OCS-APIRequest") == "true"
}

// writeOCS answers with an OCS v2 envelope (JSON).
func writeOCS(w http.ResponseWriter, r *http.Request, httpStatus, ocsStatus int, message string, data any) {
	status := "ok"
	if httpStatus >= 300 {
		status = "failure"
	}
	if strings.HasPrefix(r.URL.Path, "/ocs/v1.php") {
		// OCS v1 answers HTTP 200 and puts the status in meta only.
		if ocsStatus == 200 {
			ocsStatus = 100
		}
		httpStatus = http.StatusOK
	}
	if data == nil {
		data = []any{}
	}
	writeJSON(w, httpStatus, map[string]any{"ocs": map[string]any{
		"meta": map[string]any{"status": status, "statuscode": ocsStatus, "message": message, "totalitems": "", "itemsperpage": ""},
		"data": data,
	}})
}

// writeOCSInvalid answers like Nextcloud's OCS router for a route no app
// serves.
func writeOCSInvalid(w http.ResponseWriter, r *http.Request) {
	writeOCS(w, r, http.StatusNotFound, 998, "Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.", nil)
}

// writeNotFoundPage answers like Nextcloud for a route no app serves (and
// for every route of an app that is off): an HTML 404 page.
func writeNotFoundPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Page not found</body></html>"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeJSONETag answers 200 with v and an ETag of its bytes, or 304 when
// the request's If-None-Match names that ETag.
func writeJSONETag(w http.ResponseWriter, r *http.Request, v any) {
	body, _ := json.Marshal(v)
	etag := `"` + md5Hex(body) + `"`
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Trim(inm, `"`) == strings.Trim(etag, `"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// etagMatches reports whether an If-Match or If-None-Match header names
// etag (or is "*").
func etagMatches(header, etag string) bool {
	for _, e := range strings.Split(header, ",") {
		if e = strings.TrimSpace(e); e == "*" || e == etag {
			return true
		}
	}
	return false
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// recordETag is the ETag attribute of a record in a JSON answer: it
// changes with the record's id and modification time.
func recordETag(id, modified int64) string {
	return md5Hex([]byte(fmt.Sprintf("%d-%d", id, modified)))
}

// sortedIDs gives the ids of the records keep accepts in ascending order,
// the order the stand-ins list records in.
func sortedIDs[V any](m map[int64]V, keep func(int64, V) bool) []int64 {
	var ids []int64
	for id, v := range m {
		if keep(id, v) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// recordsByID gives the records keep accepts in id order; the stand-ins
// key their records by id.
func recordsByID[V any](m map[int64]V, keep func(V) bool) []V {
	var out []V
	for _, id := range sortedIDs(m, func(_ int64, v V) bool { return keep(v) }) {
		out = append(out, m[id])
	}
	return out
}

// jsonList gives f of each item for a JSON answer: never nil, so that
// no items answer [].
func jsonList[T any](list []T, f func(T) any) []any {
	out := make([]any, 0, len(list))
	for _, v := range list {
		out = append(out, f(v))
	}
	return out
}

// lockedMap gives f of each record of m by key, read with mu held: what a
// seed method shows tests of a store.
func lockedMap[K comparable, V, W any](mu *sync.Mutex, m map[K]V, f func(K, V) W) map[K]W {
	mu.Lock()
	defer mu.Unlock()
	out := make(map[K]W, len(m))
	for k, v := range m {
		out[k] = f(k, v)
	}
	return out
}

// firstID gives the lowest id of the records keep accepts, 0 if none.
func firstID[V any](m map[int64]V, keep func(V) bool) int64 {
	if ids := sortedIDs(m, func(_ int64, v V) bool { return keep(v) }); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// sortedKeys gives a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// userDisplay returns the display name of a user id and whether the user
// exists.
func (s *Server) userDisplay(uid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.users {
		if a.userID == uid {
			return a.display, true
		}
	}
	return "", false
}

// displayNameOr returns the display name of a user id, or the id itself
// for an unknown user.
func (s *Server) displayNameOr(uid string) string {
	if d, ok := s.userDisplay(uid); ok {
		return d
	}
	return uid
}

// userIDs lists all user ids, sorted.
func (s *Server) userIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.users {
		out = append(out, a.userID)
	}
	sort.Strings(out)
	return out
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomString gives n random characters from alphabet (talk room and
// share tokens).
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
