package mcp

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestArgRules(t *testing.T) {
	cases := []struct {
		err  error
		want string // "" for no error
	}{
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
