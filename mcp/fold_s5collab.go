package mcp

import "strings"

// Argument rules shared by the Deck, Notes, Tables and Files tools, in the
// manner of args.go: one wording per rule.

// textArg checks a required text argument: blank is a mistake.
func textArg(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return Argf("%s must not be empty", name)
	}
	return nil
}

// newTextArg checks an optional replacement text (a new title): left out
// keeps the old one, blank is a mistake.
func newTextArg(name string, v *string) error {
	if v == nil {
		return nil
	}
	return textArg(name, *v)
}
