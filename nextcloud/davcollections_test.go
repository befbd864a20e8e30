package nextcloud_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// collectionScenario creates and deletes an address book and renames and
// recolours a calendar, against the test Nextcloud and Radicale.
func collectionScenario(t *testing.T, tg davTarget) {
	ctx := context.Background()
	card := openDAV(t, tg.client.CardDAV)
	ab, err := card.CreateAddressBook(ctx, "Team <&> Friends", "People; we \"know\"")
	if err != nil {
		t.Fatal(err)
	}
	if ab.ID != "team-friends" || ab.Name != "Team <&> Friends" || ab.Description != "People; we \"know\"" {
		t.Fatalf("created address book %+v", ab)
	}
	again, err := card.CreateAddressBook(ctx, "Team & Friends", "")
	if err != nil || again.ID != "team-friends-2" {
		t.Fatalf("second book with the same slug: %+v, %v", again, err)
	}
	if _, err := card.CreateContact(ctx, ab, nextcloud.ContactInput{FullName: dstr("Ada")}); err != nil {
		t.Fatal(err)
	}
	if err := card.DeleteAddressBook(ctx, ab); err != nil {
		t.Fatal(err)
	}
	abs, err := card.AddressBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, b := range abs {
		ids[b.ID] = true
	}
	if ids[ab.ID] || !ids[again.ID] || !ids[tg.book] {
		t.Fatalf("address books after delete: %+v", abs)
	}

	cal := openDAV(t, tg.client.CalDAV)
	work, err := cal.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: "Work", Color: "#112233"})
	if err != nil {
		t.Fatal(err)
	}
	home, err := cal.CreateCalendar(ctx, nextcloud.CalendarOptions{Name: "Home", Color: "#445566"})
	if err != nil {
		t.Fatal(err)
	}
	name, color := "Work & <Projects>", "#AA00CC"
	got, err := cal.UpdateCalendar(ctx, work, nextcloud.CalendarChange{Name: &name})
	if err != nil || got.Name != name || got.Color != "#112233" {
		t.Fatalf("renamed %+v, %v", got, err)
	}
	got, err = cal.UpdateCalendar(ctx, got, nextcloud.CalendarChange{Color: &color})
	if err != nil || got.Name != name || got.Color != color || got.ID != work.ID {
		t.Fatalf("recoloured %+v, %v", got, err)
	}
	cals, err := cal.CalendarsDetailed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cals {
		if c.ID == home.ID && (c.Name != "Home" || c.Color != "#445566") {
			t.Fatalf("the other calendar changed: %+v", c)
		}
	}
}

// A calendar or address book that is not there: one wording, naming what
// there is and where the ids come from.
func TestCollectionNotFound(t *testing.T) {
	_, err := nextcloud.PickCalendar(nil, "work")
	var nf *nextcloud.CalendarNotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, nextcloud.ErrNotFound) ||
		err.Error() != `no calendar "work": the user has no calendars matching the request` {
		t.Fatalf("no calendars: %v", err)
	}
	nc := nctest.New(t)
	_, err = openDAV(t, nc.Client(t, "admin").CardDAV).FindAddressBook(context.Background(), " Work ")
	if !errors.Is(err, nextcloud.ErrNotFound) ||
		err.Error() != `no address book "Work"; available address books: contacts ("Contacts") (use an id from nc_contacts_list_addressbooks)` {
		t.Fatalf("unknown address book: %v", err)
	}
}
