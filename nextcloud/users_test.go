package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestAutocompleteReadsStatusAndQuery(t *testing.T) {
	var gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[
			{"id":"alice","label":"Alice","icon":"icon-user","source":"users","status":{"status":"away","message":"Lunch","icon":null,"clearAt":null},"subline":"","shareWithDisplayNameUnique":"alice@example.com"},
			{"id":"staff","label":"Staff","icon":"","source":"groups","status":"","subline":"","shareWithDisplayNameUnique":""}]}}`))
	}))
	defer srv.Close()
	c, err := nextcloud.New(nextcloud.Options{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Users().Autocomplete(context.Background(), "al ice", nextcloud.AutocompleteOptions{
		ShareTypes: []nextcloud.ShareType{nextcloud.ShareTypeUser, nextcloud.ShareTypeGroup}, Limit: 5, ItemType: "files", ItemID: "12"})
	if err != nil {
		t.Fatal(err)
	}
	if gotQuery != "itemId=12&itemType=files&limit=5&search=al+ice&shareTypes%5B%5D=0&shareTypes%5B%5D=1" {
		t.Fatalf("query %s", gotQuery)
	}
	if len(got) != 2 || got[0].Status != "away" || got[0].StatusMessage != "Lunch" || got[0].UniqueName != "alice@example.com" || got[1].Status != "" || got[1].Source != "groups" {
		t.Fatalf("got %+v", got)
	}
	if st, ok := nextcloud.ShareTypeOfSource("groups"); !ok || st != nextcloud.ShareTypeGroup {
		t.Fatalf("groups source maps to %v", st)
	}
}

func TestSearchGroupsNeedsAdmin(t *testing.T) {
	srv := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("alice", "alice-pass"))
	srv.AddGroup("staff", "Staff", "alice")
	ctx := context.Background()
	groups, err := srv.Client(t, "admin").Users().SearchGroups(ctx, "sta", 0, 0)
	if err != nil || len(groups) != 1 || groups[0] != (nextcloud.Group{ID: "staff", DisplayName: "Staff", UserCount: 1}) {
		t.Fatalf("admin: %+v %v", groups, err)
	}
	if _, err := srv.Client(t, "alice").Users().SearchGroups(ctx, "", 0, 0); !errors.Is(err, nextcloud.ErrForbidden) {
		t.Fatalf("alice: %v", err)
	}
}
