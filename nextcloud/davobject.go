package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// An event, a task and a contact live the same way on a DAV server, only
// their data differs: found by the id a listing gave (or by UID), created
// under a fresh UID with If-None-Match, changed and deleted with If-Match,
// and read back after a write as the server stored it. The helpers here
// are that life once, for CalDAV and CardDAV alike.

// objectStore is what the helpers need of CalDAV and CardDAV: V is the
// data written (*ical.Calendar, vcard.Card), O the object read back.
type objectStore[O, V any] interface {
	Put(ctx context.Context, href string, v V, etag string, create bool) (string, error)
	Get(ctx context.Context, href string) (O, error)
}

// getObject fetches one object by href and decodes it. Data that does not
// decode is errMalformed, saying what it is (what, in format) and where to
// fix it (app).
func getObject[O any](ctx context.Context, c *Client, href, what, format, app string, decode func(data []byte, etag string) (O, error)) (O, error) {
	var zero O
	data, etag, err := c.getRaw(ctx, href)
	if err != nil {
		return zero, fmt.Errorf("get %s: %w", href, err)
	}
	o, err := decode(data, etag)
	if err != nil {
		return zero, fmt.Errorf("the %s %s on the server has unreadable %s data (%v); fix or delete it in %s: %w", what, href, format, err, app, errMalformed)
	}
	return o, nil
}

// objectByID fetches the object a listing's id names: a full href (only
// inside the collection at coll) or an object name in it. When no object
// has that name, byUID looks further. what names the id in errors.
func objectByID[O any](ctx context.Context, get func(context.Context, string) (O, error), coll, what, id string, byUID func() (O, error)) (O, error) {
	full := strings.HasPrefix(id, "/") // a full href: the answer, found or not
	if full || !strings.Contains(id, "/") {
		href, err := JoinInside(what, coll, id)
		if err != nil {
			var zero O
			return zero, err
		}
		o, err := get(ctx, href)
		if err == nil || full || !errors.Is(err, ErrNotFound) {
			return o, err
		}
	}
	return byUID()
}

// createObject stores build's data as a new object named after a fresh
// UID in the collection at coll (ext: .ics or .vcf), never overwriting,
// and returns it as the server stored it.
func createObject[O, V, R any](ctx context.Context, s objectStore[O, V], coll, collID, ext, what string,
	build func(uid string) (V, error), conv func(O) (R, error)) (R, error) {
	var zero R
	uid := NewUID()
	v, err := build(uid)
	if err != nil {
		return zero, inputErr(err)
	}
	href := coll + uid + ext
	if _, err := s.Put(ctx, href, v, "", true); err != nil {
		return zero, fmt.Errorf("create %s in %s: %w", what, collID, err)
	}
	return reread(ctx, s.Get, href, conv)
}

// saveObject runs put, the conditional write of a changed object at href,
// and returns the object as the server now stores it.
func saveObject[O, R any](ctx context.Context, get func(context.Context, string) (O, error), href, what string,
	put func() error, conv func(O) (R, error)) (R, error) {
	if err := writeErr(put(), http.MethodPut, "update", what, href); err != nil {
		var zero R
		return zero, err
	}
	return reread(ctx, get, href, conv)
}

func reread[O, R any](ctx context.Context, get func(context.Context, string) (O, error), href string, conv func(O) (R, error)) (R, error) {
	o, err := get(ctx, href)
	if err != nil {
		var zero R
		return zero, err
	}
	return conv(o)
}

// staleETag reports whether the etag a caller read (when given) no longer
// matches the stored one, so the write is refused before it is tried.
func staleETag(given, stored string) bool {
	return given != "" && stored != "" && unquoteETag(given) != stored
}

// writeErr is the error of a conditional PUT or DELETE of one object: a
// failed If-Match is a conflict naming what, any other failure names the
// write ("update event /href: ...").
func writeErr(err error, method, verb, what, href string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrConflict):
		return conflictErrorOf(method, href, what)
	}
	return fmt.Errorf("%s %s %s: %w", verb, what, href, err)
}
