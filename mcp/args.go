package mcp

import (
	"errors"
	"reflect"
	"slices"
	"strings"
)

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

// optIDArg checks an optional id: 0 means not given, otherwise ids are
// positive.
func optIDArg(name string, v int64) error {
	if v < 0 {
		return Argf("%s must be a positive id or left out, not %d", name, v)
	}
	return nil
}

// optPositiveArg checks an optional number such as max_chars or a date
// to page from: 0 means not given, otherwise it is positive.
func optPositiveArg[N int | int64](name string, v N) error {
	if v < 0 {
		return Argf("%s must be positive or left out, not %d", name, v)
	}
	return nil
}

// idsArg checks a list of ids to act on: 1 to max of them, each positive.
func idsArg(name string, ids []int64, max int) error {
	switch {
	case len(ids) == 0:
		return Argf("%s is empty", name)
	case len(ids) > max:
		return Argf("%s holds %d ids; give at most %d at a time", name, len(ids), max)
	}
	for _, id := range ids {
		if id <= 0 {
			return Argf("%s holds %d, which is not a positive id", name, id)
		}
	}
	return nil
}

// fileNameArg checks a name that becomes a file or folder name (a page
// title, a collective): not empty, no path separators.
func fileNameArg(name, v string) error {
	if strings.ContainsAny(v, "/\\") {
		return Argf("%s may not contain / or \\", name)
	}
	return textArg(name, v)
}

// emojiArg checks an optional single emoji (some are several code points,
// so up to 8 runes).
func emojiArg(name, v string) error {
	if len([]rune(v)) > 8 {
		return Argf("%s must be a single emoji, not %q", name, v)
	}
	return nil
}

// changeArg checks that a tool that sets flags got at least one of them;
// what names them ("read and/or starred").
func changeArg(what string, flags ...*bool) error {
	for _, f := range flags {
		if f != nil {
			return nil
		}
	}
	return Argf("say what to change: %s", what)
}

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

// noFieldGiven reports whether every pointer, slice or map field of the
// struct fields is nil: an update that gives none of them changes nothing.
func noFieldGiven(fields any) bool {
	v := reflect.ValueOf(fields)
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if !f.IsNil() {
				return false
			}
		}
	}
	return true
}

// changeArgs is the rule of an update: the object is named (ref is nil),
// at least one field is given (none is false, else hint says which to
// give), and the given fields pass check.
func changeArgs(ref error, none bool, hint string, check func() error) error {
	switch {
	case ref != nil:
		return ref
	case none:
		return errors.New(hint)
	}
	return check()
}
