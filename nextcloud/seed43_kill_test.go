package nextcloud_test

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// An empty UID is refused before anything is asked of the server: a
// calendar search for "" would cost a full listing and could only match
// objects without a UID.
func TestFindByUIDEmptyAsksNothing(t *testing.T) {
	nc := nctest.New(t)
	nc.AddCalendarObject(t, "admin", "personal", "a.ics", icsEvent("a", "A"))
	d, cal := personalCalendar(t, nc)
	nc.RecordRequests()
	if _, err := d.FindByUID(context.Background(), cal, ical.CompEvent, "a"); err != nil {
		t.Fatalf("FindByUID(a): %v", err)
	}
	if len(nc.Requests(nil)) == 0 {
		t.Fatal("a lookup recorded no request: the check below would prove nothing")
	}
	nc.RecordRequests()
	before := len(nc.Requests(nil))
	o, err := d.FindByUID(context.Background(), cal, ical.CompEvent, "")
	if !errors.Is(err, nextcloud.ErrNotFound) {
		t.Errorf("FindByUID(\"\") = %s, %v; want ErrNotFound", o.Href, err)
	}
	if got := nc.Requests(nil)[before:]; len(got) != 0 {
		t.Errorf("FindByUID(\"\") sent %d requests, first %s %s; want none", len(got), got[0].Method, got[0].Path)
	}
}
