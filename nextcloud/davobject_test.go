package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// The object helpers are the one place events, tasks and contacts get
// their ETag and conflict rules from.

func TestWriteErr(t *testing.T) {
	if err := writeErr(nil, http.MethodPut, "update", "event", "/cal/e.ics"); err != nil {
		t.Fatalf("no error became %v", err)
	}
	conflict := writeErr(fmt.Errorf("PUT: %w", ErrConflict), http.MethodDelete, "delete", "task", "/cal/t.ics")
	var e *Error
	if !errors.As(conflict, &e) || e.Status != http.StatusPreconditionFailed || e.Method != http.MethodDelete || e.Path != "/cal/t.ics" ||
		e.Message != "the task was changed by someone else since it was read (ETag mismatch); nothing was overwritten" {
		t.Fatalf("a failed If-Match gave %#v", conflict)
	}
	other := errors.New("connection reset")
	err := writeErr(other, http.MethodPut, "update", "contact", "/ab/c.vcf")
	if !errors.Is(err, other) || err.Error() != "update contact /ab/c.vcf: connection reset" {
		t.Fatalf("another failure gave %v", err)
	}
}

func TestStaleETag(t *testing.T) {
	for _, c := range []struct {
		given, stored string
		stale         bool
	}{
		{"", "a", false},      // no etag given: nothing to compare
		{`"a"`, "", false},    // the server keeps none
		{`"a"`, "a", false},   // quoted as sent back in ETag headers
		{`W/"a"`, "a", false}, // weak form
		{"a", "a", false},     // bare
		{`"b"`, "a", true},    // changed since read
		{`W/"a2"`, "a", true}, // changed, weak form
	} {
		if got := staleETag(c.given, c.stored); got != c.stale {
			t.Errorf("staleETag(%q, %q) = %v, want %v", c.given, c.stored, got, c.stale)
		}
	}
}

func TestObjectByID(t *testing.T) {
	const coll = "/remote.php/dav/calendars/alice/personal/"
	stored := map[string]string{coll + "a.ics": "A"}
	broken := errors.New("server error")
	var gets []string
	get := func(_ context.Context, href string) (string, error) {
		gets = append(gets, href)
		if href == coll+"boom.ics" {
			return "", broken
		}
		if o, ok := stored[href]; ok {
			return o, nil
		}
		return "", fmt.Errorf("get %s: %w", href, ErrNotFound)
	}
	byUID := func() (string, error) { return "by UID", nil }
	for _, c := range []struct {
		id, want string
		err      error
		gets     int
	}{
		{"a.ics", "A", nil, 1},                                // an object name
		{coll + "a.ics", "A", nil, 1},                         // a full href inside the calendar
		{"other-uid", "by UID", nil, 1},                       // no such name: look by UID
		{coll + "gone.ics", "", ErrNotFound, 1},               // a full href is the answer, found or not
		{"boom.ics", "", broken, 1},                           // a failure is no reason to look further
		{"x/y", "by UID", nil, 0},                             // not a name: only a UID
		{"/remote.php/dav/calendars/bob/b/x.ics", "", nil, 0}, // outside the calendar
	} {
		gets = nil
		got, err := objectByID(context.Background(), get, coll, "event or task id", c.id, byUID)
		switch {
		case c.id == "/remote.php/dav/calendars/bob/b/x.ics":
			if err == nil || len(gets) != 0 {
				t.Errorf("%s: outside the calendar gave %q, %v after %v", c.id, got, err, gets)
			}
		case got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) || len(gets) != c.gets:
			t.Errorf("%s: got %q, %v after GETs %v; want %q, %v after %d", c.id, got, err, gets, c.want, c.err, c.gets)
		}
	}
}
