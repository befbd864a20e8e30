package mcp

import "strings"

// textArg checks a required text argument: one wording for "left empty"
// (or only spaces), next to idArg, limitArg and offsetArg.
func textArg(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return Argf("%s must not be empty", name)
	}
	return nil
}
