package mcp

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

func TestExplainNotFound(t *testing.T) {
	notFound := &nextcloud.Error{Status: http.StatusNotFound}
	for _, tc := range []struct {
		name string
		got  error
		want string
	}{
		{"talk", talkNotFound(notFound, "conversation abc"), "conversation abc not found, or you do not take part in the conversation (list conversations with nc_talk_list_conversations): "},
		{"news", newsNotFound(notFound, "feed 3"), "feed 3 not found (list them with nc_news_list_feeds / nc_news_list_items): "},
		{"collectives", collectivesNotFound(notFound, "collective 4"), "collective 4 not found (list collectives with nc_collectives_list and pages with nc_collectives_list_pages): "},
		{"invite", explainNotFound(notFound, "no user or group", fmt.Sprintf("%q to invite", "eve")), `no user or group "eve" to invite: `},
	} {
		if want := tc.want + notFound.Error(); tc.got == nil || tc.got.Error() != want || !errors.Is(tc.got, nextcloud.ErrNotFound) {
			t.Errorf("%s: got %v, want %q wrapping the 404", tc.name, tc.got, want)
		}
	}
	// A missing app and other failures pass unchanged.
	missing := fmt.Errorf("%w: %w", notFound, nextcloud.ErrAppNotEnabled)
	forbidden := &nextcloud.Error{Status: http.StatusForbidden}
	for _, err := range []error{missing, forbidden, nil} {
		if got := explainNotFound(err, "x", "y"); got != err {
			t.Errorf("explainNotFound(%v) = %v, want it unchanged", err, got)
		}
	}
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
