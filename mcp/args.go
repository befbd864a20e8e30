package mcp

import "strings"

// The one wording of each common argument rule, so that every tool says
// the same thing about the same mistake.

// idArg checks an id argument: ids are positive. from names the tool whose
// answer lists such ids ("" when none does).
func idArg(name string, v int64, from string) error {
	switch {
	case v > 0:
		return nil
	case from == "":
		return Argf("%s must be a positive id, not %d", name, v)
	}
	return Argf("%s must be a positive id, from %s, not %d", name, from, v)
}

// textArg checks a required text argument: empty or only spaces is a
// mistake.
func textArg(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return Argf("%s must not be empty", name)
	}
	return nil
}

// textHintArg is textArg whose error also says what to give.
func textHintArg(name, v, hint string) error {
	if strings.TrimSpace(v) == "" {
		return Argf("%s must not be empty; %s", name, hint)
	}
	return nil
}

// firstErr is the first broken rule of an argument list, or nil, so that a
// Validate reads as its list of rules. Every rule is evaluated.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// limitArg checks a page size: 0 means the tool's default, otherwise 1 to max.
func limitArg(name string, v, max int) error {
	if v < 0 || v > max {
		return Argf("%s must be between 1 and %d, not %d", name, max, v)
	}
	return nil
}

// offsetArg checks a count of items to skip.
func offsetArg(name string, v int) error {
	if v < 0 {
		return Argf("%s must not be negative, not %d", name, v)
	}
	return nil
}

// mapAll converts a client list into a tool's output list; the result is
// never nil, so the JSON says [] for an empty list.
func mapAll[T, O any](list []T, f func(*T) O) []O {
	out := make([]O, 0, len(list))
	for i := range list {
		out = append(out, f(&list[i]))
	}
	return out
}
