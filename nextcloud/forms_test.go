package nextcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestFormsClientAgainstStandIn(t *testing.T) {
	nc := nctest.New(t)
	c := nc.Client(t, "admin").Forms()
	ctx := context.Background()
	nc.RecordRequests()
	f, err := c.Create(ctx)
	if err != nil || f.ID == 0 || f.OwnerID != "admin" {
		t.Fatalf("create %+v %v", f, err)
	}
	if err := c.Update(ctx, f.ID, map[string]any{"title": "T"}); err != nil {
		t.Fatal(err)
	}
	q, err := c.AddQuestion(ctx, f.ID, "dropdown", "Q")
	if err != nil || q.Type != "dropdown" || q.FormID != f.ID {
		t.Fatalf("question %+v %v", q, err)
	}
	opts, err := c.AddOptions(ctx, f.ID, q.ID, []string{"a", "b"})
	if err != nil || len(opts) != 2 || opts[1].Text != "b" {
		t.Fatalf("options %+v %v", opts, err)
	}
	if err := c.Submit(ctx, f.ID, map[string][]any{strconv.FormatInt(q.ID, 10): {opts[1].ID}}); err != nil {
		t.Fatal(err)
	}
	subs, err := c.Submissions(ctx, f.ID, "", 0, 0)
	if err != nil || subs.Total != 1 || subs.Submissions[0].Answers[0].Text != "b" {
		t.Fatalf("submissions %+v %v", subs, err)
	}
	csv, cut, err := c.ExportCSV(ctx, f.ID, 1<<20)
	if err != nil || cut || !strings.Contains(string(csv), ",b\n") {
		t.Fatalf("csv %q %v %v", csv, cut, err)
	}
	// Every call went to OCS v3 with the OCS header.
	for _, r := range nc.Requests(nil) {
		if !strings.HasPrefix(r.Path, "/ocs/v2.php/apps/forms/api/v3/forms") || r.Header.Get("OCS-APIRequest") != "true" {
			t.Fatalf("request %s %s %v", r.Method, r.Path, r.Header)
		}
	}
	_, err = c.Get(ctx, 999)
	var ne *nextcloud.Error
	if !errors.As(err, &ne) || ne.Status != http.StatusNotFound || ne.Message != "Could not find form" || errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("missing form: %v", err)
	}
	nc.SetDisabled("forms", true)
	if _, err := c.List(ctx, false); !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		t.Fatalf("app off: %v", err)
	}
}
