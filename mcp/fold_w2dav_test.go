package mcp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Each field of an update's fields counts as given on its own.
func TestNoFieldGiven(t *testing.T) {
	for _, fields := range []any{eventFields{}, contactFields{}, taskFields{}} {
		if !noFieldGiven(fields) {
			t.Fatalf("%T: nothing given counts as given", fields)
		}
		typ := reflect.TypeOf(fields)
		for i := range typ.NumField() {
			v := reflect.New(typ).Elem()
			f := v.Field(i)
			f.Set(reflect.New(f.Type().Elem()))
			if noFieldGiven(v.Interface()) {
				t.Errorf("%T: %s given counts as none", fields, typ.Field(i).Name)
			}
		}
	}
}

func TestChangeArgs(t *testing.T) {
	ref, bad := errors.New("ref"), errors.New("bad")
	ok := func() error { return nil }
	fails := func() error { return bad }
	if err := changeArgs(ref, true, "give one", fails); err != ref {
		t.Fatalf("ref first: %v", err)
	}
	if err := changeArgs(nil, true, "give one", ok); err == nil || err.Error() != "give one" {
		t.Fatalf("none given: %v", err)
	}
	if err := changeArgs(nil, false, "give one", fails); err != bad {
		t.Fatalf("check: %v", err)
	}
	if err := changeArgs(nil, false, "give one", ok); err != nil {
		t.Fatalf("all well: %v", err)
	}
}

// The update tools refuse a call that names the object but changes nothing,
// and take one that gives a single field.
func TestDAVUpdatesNeedAField(t *testing.T) {
	title := "New"
	for _, tc := range []struct {
		empty, one interface{ Validate() error }
		want       string
	}{
		{&updateEventIn{Calendar: "c", EventID: "e"}, &updateEventIn{Calendar: "c", EventID: "e", eventFields: eventFields{Summary: &title}},
			"give at least one field to change (summary, start"},
		{&updateContactIn{AddressBook: "a", ContactID: "c"}, &updateContactIn{AddressBook: "a", ContactID: "c", contactFields: contactFields{Note: &title}},
			"give at least one field to change"},
		{&updateTaskIn{List: "l", TaskID: "t"}, &updateTaskIn{List: "l", TaskID: "t", Summary: &title},
			"give at least one field to change (summary, due"},
		{&updateTaskIn{List: "l", TaskID: "t"}, &updateTaskIn{List: "l", TaskID: "t", taskFields: taskFields{Parent: &title}},
			"give at least one field to change (summary, due"},
	} {
		if err := tc.empty.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T with no field: %v, want %q", tc.empty, err, tc.want)
		}
		if err := tc.one.Validate(); err != nil {
			t.Errorf("%T with one field: %v", tc.one, err)
		}
	}
}
