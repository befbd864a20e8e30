package mcp

import (
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func TestContactsAddressBookCreateAndDelete(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddAddressBook(t, "bob", "clients", "Clients")
	nc.ShareAddressBook(t, "bob", "clients", "admin", true)
	nc.AddVCard(t, "admin", "contacts", "keep.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:keep\r\nFN:Keep Me\r\nEND:VCARD\r\n")
	c := connect(t, newTestServer(t, nc), "inprocess")

	var ab addressBookOut
	decodeStructured(t, callTool(t, c, "nc_contacts_create_addressbook", map[string]any{"name": "Family & Friends", "description": "people"}), &ab)
	if ab.AddressBook.ID != "family-friends" || ab.AddressBook.Name != "Family & Friends" || ab.AddressBook.Description != "people" || ab.Action != "created" {
		t.Fatalf("created %+v", ab)
	}
	var created contactOut
	decodeStructured(t, callTool(t, c, "nc_contacts_create", map[string]any{"addressbook": "family-friends", "full_name": "Ada"}), &created)

	var del deletedOut
	decodeStructured(t, callTool(t, c, "nc_contacts_delete_addressbook", map[string]any{"addressbook": "Family & Friends"}), &del)
	if del.Deleted != "family-friends" {
		t.Fatalf("deleted %+v", del)
	}
	var books addressBooksOut
	decodeStructured(t, callTool(t, c, "nc_contacts_list_addressbooks", map[string]any{}), &books)
	if len(books.AddressBooks) != 2 || books.AddressBooks[0].ID != "clients_shared_by_bob" || books.AddressBooks[1].ID != "contacts" {
		t.Fatalf("books after delete %+v", books.AddressBooks)
	}
	if names := nc.VCardNames("admin", "contacts"); len(names) != 1 {
		t.Fatalf("the other address book changed: %v", names)
	}
	// Deleting a shared book removes only the share.
	decodeStructured(t, callTool(t, c, "nc_contacts_delete_addressbook", map[string]any{"addressbook": "clients_shared_by_bob"}), &del)
	bob := nc.Client(t, "bob")
	d, err := bob.CardDAV(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.FindAddressBook(t.Context(), "clients"); err != nil {
		t.Fatalf("bob's address book went with the share: %v", err)
	}

	wantError(t, callTool(t, c, "nc_contacts_create_addressbook", map[string]any{"name": " "}), "name")
	wantError(t, callTool(t, c, "nc_contacts_create_addressbook", map[string]any{}), "name")
	wantError(t, callTool(t, c, "nc_contacts_delete_addressbook", map[string]any{"addressbook": "nope"}), "no address book", "contacts")
	wantError(t, callTool(t, c, "nc_contacts_delete_addressbook", map[string]any{}), "addressbook")
	decodeStructured(t, callTool(t, c, "nc_contacts_list_addressbooks", map[string]any{}), &books)
	if len(books.AddressBooks) != 1 {
		t.Fatalf("bad input changed the books: %+v", books.AddressBooks)
	}
}

func TestCalendarRenameAndRecolour(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddCalendar(t, "admin", "work", "Work", "#112233", "VEVENT")
	nc.AddCalendar(t, "bob", "team", "Team", "#aa0000", "VEVENT")
	nc.ShareCalendar(t, "bob", "team", "admin", false)
	c := connect(t, newTestServer(t, nc), "inprocess")

	var out calendarOut
	decodeStructured(t, callTool(t, c, "nc_calendar_update_calendar", map[string]any{"calendar": "Work", "name": "Work & <Projects>"}), &out)
	if out.Calendar.ID != "work" || out.Calendar.Name != "Work & <Projects>" || out.Calendar.Color != "#112233" || out.Action != "renamed" {
		t.Fatalf("renamed %+v", out)
	}
	decodeStructured(t, callTool(t, c, "nc_calendar_update_calendar", map[string]any{"calendar": "work", "color": "#AB12CD"}), &out)
	if out.Calendar.Color != "#AB12CD" || out.Calendar.Name != "Work & <Projects>" || out.Action != "recoloured" {
		t.Fatalf("recoloured %+v", out)
	}
	decodeStructured(t, callTool(t, c, "nc_calendar_update_calendar", map[string]any{"calendar": "work", "color": "#000000", "name": "W"}), &out)
	if out.Calendar.Color != "#000000" || out.Calendar.Name != "W" || out.Action != "renamed and recoloured" {
		t.Fatalf("both %+v", out)
	}
	var list calendarsOut
	decodeStructured(t, callTool(t, c, "nc_calendar_list_calendars", map[string]any{}), &list)
	for _, cal := range list.Calendars {
		if cal.ID == "personal" && (cal.Name != "Personal" || cal.Color != "#0082c9") {
			t.Fatalf("personal changed: %+v", cal)
		}
	}
	wantError(t, callTool(t, c, "nc_calendar_update_calendar", map[string]any{"calendar": "team_shared_by_bob", "name": "Mine"}), "only its owner", "403")
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"calendar": "work"}, []string{"nothing to change"}},
		{map[string]any{"calendar": "work", "color": "blue"}, []string{"color", "#RRGGBB"}},
		{map[string]any{"calendar": "work", "name": " "}, []string{"name"}},
		{map[string]any{"name": "x"}, []string{"calendar"}},
		{map[string]any{"calendar": "nope", "name": "x"}, []string{"no calendar", "personal"}},
	} {
		wantError(t, callTool(t, c, "nc_calendar_update_calendar", tc.args), tc.want...)
	}
	decodeStructured(t, callTool(t, c, "nc_calendar_list_calendars", map[string]any{}), &list)
	for _, cal := range list.Calendars {
		if cal.ID == "work" && (cal.Name != "W" || cal.Color != "#000000") {
			t.Fatalf("bad input changed work: %+v", cal)
		}
		if cal.ID == "team_shared_by_bob" && cal.Name != "Team" {
			t.Fatalf("shared calendar renamed: %+v", cal)
		}
	}
}
