package mcp

import (
	"fmt"
	"slices"
	"strings"
)

// Argument rules and summary pieces that several toolsets wrote again.

// choiceArg checks an argument that takes one of a few words; list ""
// among the choices where leaving the argument out picks a default.
func choiceArg(name, v string, choices ...string) error {
	if slices.Contains(choices, v) {
		return nil
	}
	words := slices.DeleteFunc(slices.Clone(choices), func(c string) bool { return c == "" })
	last := len(words) - 1
	return Argf("%s must be %s or %s, not %q", name, strings.Join(words[:last], ", "), words[last], v)
}

// moreHint is the line a paged list's summary ends with: format filled
// with the next page's cursor, or nothing on the last page (next 0).
func moreHint[N int | int64](next N, format string) string {
	if next <= 0 {
		return ""
	}
	return "\n" + fmt.Sprintf(format, next)
}

// withText appends an item's text, clipped to one line, to its summary
// line; an item without text keeps the line as it is.
func withText(line, text string) string {
	if text == "" {
		return line
	}
	return line + ": " + clipLine(text, 120)
}
