package mcp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestArgRulesS5comm(t *testing.T) {
	cases := []struct {
		err  error
		want string // "" for no error
	}{
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

// connectNC connects an in-process MCP client to a default server on the
// test Nextcloud nc.
func connectNC(t testing.TB, nc *nctest.Server) *client.Client {
	t.Helper()
	return connect(t, newTestServer(t, nc), "inprocess")
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("plain"), 0},
		{&nextcloud.Error{Status: 400}, 400},
		{fmt.Errorf("wrapped: %w", &nextcloud.Error{Status: 403}), 403},
	} {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("statusOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// callRes is call that also returns the raw result, for tests that read
// its text too.
func callRes[T any](t *testing.T, c *client.Client, name string, args map[string]any) (T, *mcpgo.CallToolResult) {
	t.Helper()
	var out T
	res := callTool(t, c, name, args)
	decodeStructured(t, res, &out)
	return out, res
}

func TestOlderHint(t *testing.T) {
	if got := olderHint(3, "messages", "before", 0); got != "" {
		t.Errorf("no next page: %q", got)
	}
	if got := olderHint(0, "messages", "before", 9); got != "" {
		t.Errorf("empty page: %q", got)
	}
	if got := olderHint(2, "articles", "before_item_id", 42); got != "\nOlder articles: before_item_id=42" {
		t.Errorf("next page: %q", got)
	}
}

func TestClipRunesAndTruncatedMark(t *testing.T) {
	if s, cut := clipRunes("häßlich", 7); s != "häßlich" || cut {
		t.Errorf("short enough: %q %v", s, cut)
	}
	if s, cut := clipRunes("häßlich", 3); s != "häß" || !cut {
		t.Errorf("cut to 3 runes: %q %v", s, cut)
	}
	if truncatedMark(false) != "" || truncatedMark(true) != "\n[truncated]" {
		t.Errorf("truncatedMark: %q %q", truncatedMark(false), truncatedMark(true))
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
