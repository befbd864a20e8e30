package mcp

import (
	"fmt"
	"strings"
)

// listSummary is the summary of a list output: empty when there are no
// items, else head and one line per item, joined by newlines.
func listSummary[T any](items []T, empty, head string, line func(T) string) string {
	if len(items) == 0 {
		return empty
	}
	lines := make([]string, 0, len(items)+1)
	lines = append(lines, head)
	for _, it := range items {
		lines = append(lines, line(it))
	}
	return strings.Join(lines, "\n")
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
