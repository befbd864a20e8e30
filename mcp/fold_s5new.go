package mcp

import (
	"context"
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

// addEach adds the parts of a new object one at a time (the questions of a
// form, the options of a poll), reporting progress as "added i of n noun".
// On a failure it returns the parts added so far with the error.
func addEach[T, O any](ctx context.Context, items []T, noun string, add func(T) (O, error)) ([]O, error) {
	out := make([]O, 0, len(items))
	for i, it := range items {
		o, err := add(it)
		if err != nil {
			return out, err
		}
		out = append(out, o)
		reportProgress(ctx, i+1, len(items), fmt.Sprintf("added %d of %d %s", i+1, len(items), noun))
	}
	return out, nil
}
