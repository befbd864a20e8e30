package mcp

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

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

func TestMoreHintAndWithText(t *testing.T) {
	if got := moreHint(0, "More: page=%d"); got != "" {
		t.Errorf("last page: %q", got)
	}
	if got := moreHint(int64(7), "More: since=%d"); got != "\nMore: since=7" {
		t.Errorf("next page: %q", got)
	}
	if got := withText("- [1] Hi", ""); got != "- [1] Hi" {
		t.Errorf("no text: %q", got)
	}
	if got := withText("- [1] Hi", "line one\nline two"); !strings.HasPrefix(got, "- [1] Hi: line one") || strings.Contains(got, "\n") {
		t.Errorf("text: %q", got)
	}
}

func TestAddEachStopsAtTheFirstFailure(t *testing.T) {
	boom := errors.New("boom")
	var tried []int
	add := func(n int) (string, error) {
		tried = append(tried, n)
		if n == 3 {
			return "", boom
		}
		return strconv.Itoa(n * 10), nil
	}
	got, err := addEach(context.Background(), []int{1, 2, 3, 4}, "numbers", add)
	if !errors.Is(err, boom) || !slices.Equal(got, []string{"10", "20"}) || !slices.Equal(tried, []int{1, 2, 3}) {
		t.Fatalf("got %v, err %v, tried %v", got, err, tried)
	}
	got, err = addEach(context.Background(), []int{1, 2}, "numbers", add)
	if err != nil || !slices.Equal(got, []string{"10", "20"}) {
		t.Fatalf("got %v, err %v", got, err)
	}
	if got, err := addEach(context.Background(), nil, "numbers", add); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no items: %#v, %v", got, err)
	}
}
