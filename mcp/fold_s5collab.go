package mcp

import "strings"

// Argument rules shared by the Deck, Notes, Tables and Files tools, in the
// manner of args.go: one wording per rule.

// newTextArg checks an optional replacement text (a new title): left out
// keeps the old one, blank is a mistake.
func newTextArg(name string, v *string) error {
	if v == nil {
		return nil
	}
	return textArg(name, *v)
}

// newText is the text an update leaves: the given one, trimmed, else the
// old one.
func newText(old string, v *string) string {
	if v == nil {
		return old
	}
	return strings.TrimSpace(*v)
}

// newValue is the value an update leaves: the given one, else the old one.
func newValue[T any](old T, v *T) T {
	if v == nil {
		return old
	}
	return *v
}
