package mcp

import (
	"errors"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// More argument rules in one wording each (see args.go), and firstErr to
// state a Validate as its list of rules.

// optIDArg checks an optional id: 0 means not given, otherwise ids are
// positive.
func optIDArg(name string, v int64) error {
	if v < 0 {
		return Argf("%s must be a positive id or left out, not %d", name, v)
	}
	return nil
}

// optPositiveArg checks an optional number such as max_chars or a date
// to page from: 0 means not given, otherwise it is positive.
func optPositiveArg[N int | int64](name string, v N) error {
	if v < 0 {
		return Argf("%s must be positive or left out, not %d", name, v)
	}
	return nil
}

// idsArg checks a list of ids to act on: 1 to max of them, each positive.
func idsArg(name string, ids []int64, max int) error {
	switch {
	case len(ids) == 0:
		return Argf("%s is empty", name)
	case len(ids) > max:
		return Argf("%s holds %d ids; give at most %d at a time", name, len(ids), max)
	}
	for _, id := range ids {
		if id <= 0 {
			return Argf("%s holds %d, which is not a positive id", name, id)
		}
	}
	return nil
}

// fileNameArg checks a name that becomes a file or folder name (a page
// title, a collective): not empty, no path separators.
func fileNameArg(name, v string) error {
	if strings.ContainsAny(v, "/\\") {
		return Argf("%s may not contain / or \\", name)
	}
	return textArg(name, v)
}

// emojiArg checks an optional single emoji (some are several code points,
// so up to 8 runes).
func emojiArg(name, v string) error {
	if len([]rune(v)) > 8 {
		return Argf("%s must be a single emoji, not %q", name, v)
	}
	return nil
}

// statusOf is the HTTP status of the Nextcloud error in err's chain; 0
// when there is none.
func statusOf(err error) int {
	var ne *nextcloud.Error
	if errors.As(err, &ne) {
		return ne.Status
	}
	return 0
}

// olderHint is the last line of a summary of shown items saying how to
// get the next, older page: arg=next; "" when there is none or the page
// is empty.
func olderHint(shown int, what, arg string, next int64) string {
	if shown == 0 {
		return ""
	}
	return moreHint(next, "Older "+what+": "+arg+"=%d")
}

// truncatedMark ends a summary whose text was cut.
func truncatedMark(cut bool) string {
	if cut {
		return "\n[truncated]"
	}
	return ""
}

// clipRunes cuts s to at most max runes; cut says whether it did.
func clipRunes(s string, max int) (clipped string, cut bool) {
	if r := []rune(s); len(r) > max {
		return string(r[:max]), true
	}
	return s, false
}

// changeArg checks that a tool that sets flags got at least one of them;
// what names them ("read and/or starred").
func changeArg(what string, flags ...*bool) error {
	for _, f := range flags {
		if f != nil {
			return nil
		}
	}
	return Argf("say what to change: %s", what)
}
