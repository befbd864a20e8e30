package nextcloud_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// The sub-clients of the everyday apps (notifications, user status,
// activity, announcements, provisioning) against the stand-ins, and the
// answers the stand-ins do not give.

func TestActivityPagesFollowTheNextLink(t *testing.T) {
	nc := nctest.New(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, nc.AddActivity("admin", "admin", "files", "file_created", fmt.Sprintf("created %d", i), "files", int64(i), ""))
	}
	api := nc.Client(t, "admin").Activity()
	ctx := context.Background()
	var got []int64
	q := nextcloud.ActivityQuery{Limit: 2}
	for range 5 {
		page, err := api.Page(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Activities {
			got = append(got, a.ID)
		}
		if page.Next == 0 {
			break
		}
		q.Since = page.Next
	}
	if want := []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
	page, err := api.Page(ctx, nextcloud.ActivityQuery{Since: ids[0]})
	if err != nil || len(page.Activities) != 0 || page.Next != 0 {
		t.Fatalf("past the end (304): %+v %v", page, err)
	}
}

// stub answers every request with status, headers and body.
func stub(t *testing.T, status int, header http.Header, body string) *nextcloud.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := nextcloud.New(nextcloud.Options{BaseURL: srv.URL, RetryBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c.WithUser("alice", nextcloud.BasicAuth{Username: "alice", Password: "pw"})
}

func TestActivityNextOnlyWithRelNext(t *testing.T) {
	body := `{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[{"activity_id":9,"object_id":"abc"}]}}`
	for _, tc := range []struct {
		link string
		want int64
	}{
		{`<https://x/ocs/v2.php/apps/activity/api/v2/activity?since=9>; rel="next"`, 9},
		{`<https://x/a?since=20>; rel="prev", <https://x/a?since=9>; rel="next"`, 9},
		{`<https://x/a?since=9>; rel="prev"`, 0},
		{`<https://x/a?since=9>; rel="nextpage"`, 0},
		{``, 0},
	} {
		h := http.Header{"X-Activity-Last-Given": {"9"}}
		if tc.link != "" {
			h.Set("Link", tc.link)
		}
		page, err := stub(t, http.StatusOK, h, body).Activity().Page(context.Background(), nextcloud.ActivityQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Next != tc.want || page.Activities[0].ObjectID() != "abc" {
			t.Errorf("Link %q: next %d, want %d (object %q)", tc.link, page.Next, tc.want, page.Activities[0].ObjectID())
		}
	}
	// 204: the user selected no activities; no page, no error.
	page, err := stub(t, http.StatusNoContent, nil, "").Activity().Page(context.Background(), nextcloud.ActivityQuery{})
	if err != nil || len(page.Activities) != 0 || page.Next != 0 {
		t.Fatalf("204: %+v %v", page, err)
	}
}

func TestNotificationsNoContentIsEmpty(t *testing.T) {
	list, err := stub(t, http.StatusNoContent, nil, "").Notifications().List(context.Background())
	if err != nil || len(list) != 0 {
		t.Fatalf("204: %v %v", list, err)
	}
}

func TestUserStatusOfEscapesTheUserID(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob smith", "pw"))
	nc.SetUserStatus("bob smith", "away", "Back at 3", "☕")
	st, err := nc.Client(t, "admin").UserStatus().Of(context.Background(), "bob smith")
	if err != nil {
		t.Fatal(err)
	}
	if st.UserID != "bob smith" || st.Status != "away" || *st.Message != "Back at 3" {
		t.Fatalf("status %+v", st)
	}
}

func TestAnnouncementsFindLooksBeyondThePage(t *testing.T) {
	nc := nctest.New(t)
	first := nc.AddAnnouncement("admin", "first", "")
	for i := range 60 {
		nc.AddAnnouncement("admin", fmt.Sprintf("n%d", i), "")
	}
	api := nc.Client(t, "admin").Announcements()
	a, err := api.Find(context.Background(), first)
	if err != nil || a == nil || a.Subject != "first" {
		t.Fatalf("find the oldest of 61: %+v %v", a, err)
	}
	a, err = api.Find(context.Background(), 4711)
	if err != nil || a != nil {
		t.Fatalf("find a missing one: %+v %v", a, err)
	}
}

func TestProvisioningErrorsNameTheStatusCode(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "pw"))
	err := nc.Client(t, "admin").Admin().SetGroupMember(context.Background(), "bob", "nogroup", true)
	if err == nil || !strings.Contains(err.Error(), "provisioning API status 102") || !strings.Contains(err.Error(), "add bob to group nogroup") {
		t.Fatalf("err %v", err)
	}
}
