package mcp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// argCase is a rule's answer and the error text it must give ("" for none).
type argCase struct {
	err  error
	want string
}

// wantArgErrors checks each case's text, and that every error is an
// *ArgError (so the model reads it as its own mistake).
func wantArgErrors(t *testing.T, cases []argCase) {
	t.Helper()
	for i, c := range cases {
		got := ""
		if c.err != nil {
			got = c.err.Error()
			var ae *ArgError
			if !errors.As(c.err, &ae) {
				t.Errorf("case %d: %T is not an *ArgError", i, c.err)
			}
		}
		if got != c.want {
			t.Errorf("case %d: got %q, want %q", i, got, c.want)
		}
	}
}

func TestArgRules(t *testing.T) {
	cases := []argCase{
		{idArg("poll_id", 1, "nc_polls_list"), ""},
		{idArg("poll_id", 0, "nc_polls_list"), "invalid arguments: poll_id must be a positive id, from nc_polls_list, not 0"},
		{idArg("row_id", -3, ""), "invalid arguments: row_id must be a positive id, not -3"},
		{limitArg("limit", 0, 100), ""},
		{limitArg("limit", 1, 100), ""},
		{limitArg("limit", 100, 100), ""},
		{limitArg("limit", 101, 100), "invalid arguments: limit must be between 1 and 100, not 101"},
		{limitArg("limit", -1, 100), "invalid arguments: limit must be between 1 and 100, not -1"},
		{offsetArg("offset", 0), ""},
		{offsetArg("offset", -2), "invalid arguments: offset must not be negative, not -2"},
	}
	wantArgErrors(t, cases)
}

func TestMapAll(t *testing.T) {
	b, _ := json.Marshal(mapAll([]int(nil), func(v *int) int { return *v }))
	if string(b) != "[]" {
		t.Errorf("empty list marshals as %s, want []", b)
	}
	got := mapAll([]int{1, 2, 3}, func(v *int) int { return *v * 10 })
	if len(got) != 3 || got[0] != 10 || got[2] != 30 {
		t.Errorf("mapAll = %v", got)
	}
}

func TestMoreArgRules(t *testing.T) {
	cases := []argCase{
		{textArg("name", "x"), ""},
		{textArg("name", " \t"), "invalid arguments: name must not be empty"},
		{textHintArg("query", "", "give the words to search for"), "invalid arguments: query must not be empty; give the words to search for"},
		{textHintArg("query", "x", "give the words to search for"), ""},
		{optIDArg("parent_id", 0), ""},
		{optIDArg("parent_id", 7), ""},
		{optIDArg("parent_id", -1), "invalid arguments: parent_id must be a positive id or left out, not -1"},
		{optPositiveArg("max_chars", 0), ""},
		{optPositiveArg("before", int64(5)), ""},
		{optPositiveArg("max_chars", -4), "invalid arguments: max_chars must be positive or left out, not -4"},
		{idsArg("item_ids", []int64{1, 2}, 2), ""},
		{idsArg("item_ids", nil, 2), "invalid arguments: item_ids is empty"},
		{idsArg("item_ids", []int64{1, 2, 3}, 2), "invalid arguments: item_ids holds 3 ids; give at most 2 at a time"},
		{idsArg("item_ids", []int64{4, 0}, 2), "invalid arguments: item_ids holds 0, which is not a positive id"},
		{fileNameArg("title", "Notes"), ""},
		{fileNameArg("title", ""), "invalid arguments: title must not be empty"},
		{fileNameArg("title", "a/b"), `invalid arguments: title may not contain / or \`},
		{fileNameArg("name", `a\b`), `invalid arguments: name may not contain / or \`},
		{emojiArg("emoji", ""), ""},
		{emojiArg("emoji", "👩‍👩‍👧‍👦"), ""},
		{emojiArg("reaction", "not an emoji"), `invalid arguments: reaction must be a single emoji, not "not an emoji"`},
	}
	wantArgErrors(t, cases)
}

func TestFirstErr(t *testing.T) {
	a, b := errors.New("a"), errors.New("b")
	if err := firstErr(nil, nil); err != nil {
		t.Errorf("firstErr(nil, nil) = %v", err)
	}
	if err := firstErr(nil, a, b); err != a {
		t.Errorf("firstErr(nil, a, b) = %v, want a", err)
	}
	if err := firstErr(b, a); err != b {
		t.Errorf("firstErr(b, a) = %v, want b", err)
	}
}

func TestChangeArg(t *testing.T) {
	yes := true
	if err := changeArg("read and/or starred", nil, &yes); err != nil {
		t.Errorf("one flag given: %v", err)
	}
	err := changeArg("read and/or starred", nil, nil)
	var ae *ArgError
	if !errors.As(err, &ae) || err.Error() != "invalid arguments: say what to change: read and/or starred" {
		t.Errorf("no flag given: %v", err)
	}
}

func TestChoiceArg(t *testing.T) {
	for _, tc := range []struct {
		v       string
		choices []string
		want    string // "" for no error
	}{
		{"open", []string{"", "open", "closed", "all"}, ""},
		{"", []string{"", "open", "closed", "all"}, ""},
		{"", []string{"yes", "no", "maybe"}, `answer must be yes, no or maybe, not ""`},
		{"Open", []string{"", "open", "closed", "all"}, `answer must be open, closed or all, not "Open"`},
		{"x", []string{"text", "date"}, `answer must be text or date, not "x"`},
	} {
		err := choiceArg("answer", tc.v, tc.choices...)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("choiceArg(%q, %q) = %v, want %q", tc.v, tc.choices, err, tc.want)
		}
	}
}

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
