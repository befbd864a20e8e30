package mcp

import "fmt"

// Summary pieces that several toolsets wrote again.

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
