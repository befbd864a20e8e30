// Package scope is the one OAuth scope rule, shared by the resource
// server (oauth) and the tool filter (mcp).
package scope

import "strings"

// Normalize writes "<app>.read"/"<app>.write" as "<app>:read"/"<app>:write"
// (some IdPs do not allow a colon in scope names); other scopes are kept.
func Normalize(s string) string {
	for _, verb := range []string{".read", ".write"} {
		if app, ok := strings.CutSuffix(s, verb); ok && app != "" && !strings.ContainsAny(app, ".:/") {
			return app + ":" + verb[1:]
		}
	}
	return s
}

// Has reports whether held grants want: both sides are normalized, and
// <app>:write implies <app>:read. An empty want is always granted.
func Has(held []string, want string) bool {
	if want == "" {
		return true
	}
	want = Normalize(want)
	for _, s := range held {
		s = Normalize(s)
		if s == want {
			return true
		}
		if app, ok := strings.CutSuffix(want, ":read"); ok && s == app+":write" {
			return true
		}
	}
	return false
}
