package nextcloud

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every id or path a caller gives that becomes part of a request URL goes
// through JoinInside or Segment: a name that a server, proxy or URL
// resolver could read as "go up" ("..", "%2e%2e", "a\..\b") would reach
// another collection or another app's data with the caller's credentials.

// UnsafeIDError is an id or path argument that could leave the collection
// it is meant to name; no request is sent for it.
type UnsafeIDError struct {
	// Arg is the tool argument it came from ("event_id", "token").
	Arg    string
	Value  string
	Reason string
}

func (e *UnsafeIDError) Error() string {
	return fmt.Sprintf("%s %q %s; give the id exactly as the list tool returned it", e.Arg, e.Value, e.Reason)
}

// segmentProblem says why s cannot be one name inside a collection, or ""
// when it can. Percent-encoded forms are decoded (repeatedly, as layered
// servers may) before the check.
func segmentProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for range 4 {
		for _, r := range s {
			switch {
			case r == 0 || unicode.IsControl(r):
				return "contains a control character"
			case r == '\\':
				return `contains a backslash`
			case r == '/':
				return `contains "/"`
			}
		}
		switch strings.TrimSpace(s) {
		case "":
			return "is empty"
		case ".", "..":
			return `is "." or "..", which name a parent or the collection itself`
		}
		if !strings.Contains(s, "%") {
			return ""
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return ""
		}
		s = d
	}
	return "is percent-encoded too many times"
}

// Segment checks that id is a single name that stays inside the
// collection it is appended to, and returns it unchanged.
func Segment(arg, id string) (string, error) {
	if p := segmentProblem(id); p != "" {
		return "", &UnsafeIDError{Arg: arg, Value: id, Reason: p}
	}
	return id, nil
}

// JoinInside returns the path of id inside the collection coll (a path
// ending in "/"). id is a name, a relative path of names, or an absolute
// path that starts with coll; anything else, and any ".." or encoded
// form of it, is refused with an error naming arg.
func JoinInside(arg, coll, id string) (string, error) {
	if !strings.HasSuffix(coll, "/") {
		coll += "/"
	}
	rel := id
	if strings.HasPrefix(id, "/") {
		r, ok := strings.CutPrefix(id, coll)
		if !ok {
			return "", &UnsafeIDError{Arg: arg, Value: id, Reason: "is a path outside " + coll}
		}
		rel = r
	}
	rel = strings.TrimSuffix(rel, "/")
	if rel == "" {
		return "", &UnsafeIDError{Arg: arg, Value: id, Reason: "names the collection " + coll + ", not an item in it"}
	}
	for seg := range strings.SplitSeq(rel, "/") {
		if p := segmentProblem(seg); p != "" {
			return "", &UnsafeIDError{Arg: arg, Value: id, Reason: "has a part that " + p}
		}
	}
	return coll + rel, nil
}

// EscapedSegment is Segment for ids that may hold any character (user,
// group and app ids): the checked id is percent-encoded for the path.
func EscapedSegment(arg, id string) (string, error) {
	if _, err := Segment(arg, id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
