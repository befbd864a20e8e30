package mcp

import (
	"errors"
	"reflect"
)

// Rules shared by the update tools of calendars, tasks and contacts.

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
