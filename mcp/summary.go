package mcp

import "strings"

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
