package nextcloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

const vcard3 = `BEGIN:VCARD
VERSION:3.0
UID:anna-1
FN:Anna Berg
N:Berg;Anna;Maria;Dr.;
EMAIL;TYPE=INTERNET,WORK,pref:anna@work.example
EMAIL;TYPE=HOME:anna@home.example
TEL;TYPE=CELL:+49 170 1234567
TEL;TYPE=WORK,VOICE:+49 30 999
ADR;TYPE=HOME:;;Hauptstr. 1;Berlin;;10115;Germany
ORG:ACME GmbH;Research
TITLE:Chemist
BDAY:1985-04-15
NOTE:Met at the fair
CATEGORIES:Friends,Work
END:VCARD
`

const vcard4 = `BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:bob-2
FN:Bob Stone
N:Stone;Bob;;;
EMAIL;PREF=1;TYPE="work":bob@example.org
TEL;VALUE=uri;TYPE="voice,home":tel:+1-555-0100
BDAY:--0704
END:VCARD
`

func cardDAV(t *testing.T, nc *nctest.Server, login string) *nextcloud.CardDAV {
	t.Helper()
	return openDAV(t, nc.Client(t, login).CardDAV)
}

func TestContactsReadBothVersions(t *testing.T) {
	nc := nctest.New(t)
	nc.AddVCard(t, "admin", "contacts", "anna.vcf", vcard3)
	// The object name does not follow the UID.
	nc.AddVCard(t, "admin", "contacts", "Z9-import.vcf", vcard4)
	nc.AddBrokenVCard(t, "admin", "contacts", "broken.vcf")
	d := cardDAV(t, nc, "admin")
	ctx := context.Background()
	ab, err := d.FindAddressBook(ctx, "contacts")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Contacts(ctx, []nextcloud.AddressBook{ab}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Broken) != 1 || !strings.HasSuffix(res.Broken[0].Href, "broken.vcf") {
		t.Fatalf("broken %+v", res.Broken)
	}
	if len(res.Contacts) != 2 {
		t.Fatalf("contacts %+v", res.Contacts)
	}
	a, b := res.Contacts[0], res.Contacts[1]
	if a.FullName != "Anna Berg" || a.GivenName != "Anna" || a.FamilyName != "Berg" || a.MiddleName != "Maria" || a.Prefix != "Dr." {
		t.Fatalf("anna names %+v", a)
	}
	if len(a.Emails) != 2 || !a.Emails[0].Preferred || strings.Join(a.Emails[0].Types, ",") != "work" || a.Emails[1].Value != "anna@home.example" {
		t.Fatalf("anna emails %+v", a.Emails)
	}
	if len(a.Phones) != 2 || a.Phones[0].Types[0] != "cell" || len(a.Addresses) != 1 || a.Addresses[0].City != "Berlin" || a.Addresses[0].PostalCode != "10115" {
		t.Fatalf("anna phones/addresses %+v %+v", a.Phones, a.Addresses)
	}
	if a.Organization != "ACME GmbH" || a.Department != "Research" || a.Title != "Chemist" || a.Birthday != "1985-04-15" || a.Note != "Met at the fair" || strings.Join(a.Categories, ",") != "Friends,Work" || a.Version != "3.0" {
		t.Fatalf("anna rest %+v", a)
	}
	if b.UID != "bob-2" || b.ID != "Z9-import.vcf" || b.Phones[0].Value != "+1-555-0100" || !b.Emails[0].Preferred || b.Birthday != "--07-04" || b.Version != "4.0" {
		t.Fatalf("bob %+v", b)
	}
	for _, q := range []string{"berg", "anna@work", "0170 1234567", "acme", "1234567", "friends"} {
		r, err := d.Contacts(ctx, []nextcloud.AddressBook{ab}, q)
		if err != nil || len(r.Contacts) != 1 || r.Contacts[0].UID != "anna-1" {
			t.Fatalf("search %q: %+v %v", q, r.Contacts, err)
		}
	}
	if r, _ := d.Contacts(ctx, []nextcloud.AddressBook{ab}, "nobody"); len(r.Contacts) != 0 {
		t.Fatalf("search nobody: %+v", r.Contacts)
	}
	// Get by UID finds the object under its own href.
	g, err := d.GetContact(ctx, ab, "bob-2")
	if err != nil || g.ID != "Z9-import.vcf" {
		t.Fatalf("by uid: %+v %v", g, err)
	}
}

func TestContactCRUD(t *testing.T) {
	nc := nctest.New(t)
	nc.AddVCard(t, "admin", "contacts", "Z9-import.vcf", vcard4)
	d := cardDAV(t, nc, "admin")
	ctx := context.Background()
	ab, _ := d.FindAddressBook(ctx, "Contacts")
	c, err := d.CreateContact(ctx, ab, nextcloud.ContactInput{
		GivenName: dstr("Carl"), FamilyName: dstr("Meyer"),
		Emails:    &[]nextcloud.TypedValue{{Value: "carl@example.com", Types: []string{"work"}, Preferred: true}},
		Phones:    &[]nextcloud.TypedValue{{Value: "+44 20 7946 0000", Types: []string{"cell"}}},
		Addresses: &[]nextcloud.PostalAddress{{Street: "1 Main St; Apt 2", City: "London", Country: "UK", Types: []string{"home"}}},
		Birthday:  dstr("1990-01-31"), Categories: &[]string{"Golf", "Work, Team"}, Organization: dstr("Meyer Ltd"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.FullName != "Carl Meyer" || c.Birthday != "1990-01-31" || len(c.Categories) != 2 || c.Addresses[0].Street != "1 Main St; Apt 2" || c.Version != "3.0" {
		t.Fatalf("created %+v", c)
	}
	text, _ := nc.VCardText("admin", "contacts", c.ID)
	// One CATEGORIES list; a comma and semicolon inside a group or a
	// component are escaped, not lost.
	if !strings.Contains(text, "CATEGORIES:Golf,Work\\, Team\r\n") || !strings.Contains(text, `ADR;TYPE=home:;;1 Main St\; Apt 2;London;;;UK`) || !strings.Contains(text, "EMAIL;TYPE=internet,work,pref:carl@example.com") {
		t.Fatalf("stored vCard:\n%s", text)
	}
	// Update only the title; emails stay.
	up, err := d.UpdateContact(ctx, ab, c.ID, nextcloud.ContactInput{Title: dstr("CEO"), GivenName: dstr("Karl")}, "")
	if err != nil || up.Title != "CEO" || len(up.Emails) != 1 || up.FullName != "Karl Meyer" || up.Organization != "Meyer Ltd" {
		t.Fatalf("update %+v %v", up, err)
	}
	if _, err := d.UpdateContact(ctx, ab, c.ID, nextcloud.ContactInput{Title: dstr("stale")}, c.ETag); !errors.Is(err, nextcloud.ErrConflict) {
		t.Fatalf("stale etag: %v", err)
	}
	// A vCard 4.0 card keeps its version and is written in 4.0 form.
	b, err := d.UpdateContact(ctx, ab, "bob-2", nextcloud.ContactInput{Birthday: dstr("1970-07-04"), Phones: &[]nextcloud.TypedValue{{Value: "+1 555 0199", Preferred: true}}}, "")
	if err != nil || b.Version != "4.0" || b.Birthday != "1970-07-04" || !b.Phones[0].Preferred {
		t.Fatalf("v4 update %+v %v", b, err)
	}
	text, _ = nc.VCardText("admin", "contacts", "Z9-import.vcf")
	if !strings.Contains(text, "BDAY:19700704") || !strings.Contains(text, "PREF=1") {
		t.Fatalf("v4 stored:\n%s", text)
	}
	for _, tc := range []struct {
		in   nextcloud.ContactInput
		want string
	}{
		{nextcloud.ContactInput{Emails: &[]nextcloud.TypedValue{{Value: "nope"}}}, "e-mail"},
		{nextcloud.ContactInput{Phones: &[]nextcloud.TypedValue{{Value: "call me"}}}, "phone"},
		{nextcloud.ContactInput{Birthday: dstr("31.01.1990")}, "birthday"},
		{nextcloud.ContactInput{FullName: dstr(""), GivenName: dstr(""), FamilyName: dstr(""), Organization: dstr("")}, "needs a name"},
	} {
		if _, err := d.UpdateContact(ctx, ab, c.ID, tc.in, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("want %q, got %v", tc.want, err)
		}
	}
	if err := d.DeleteContact(ctx, ab, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.GetContact(ctx, ab, c.ID); !errors.Is(err, nextcloud.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func TestAddressBooksSharedReadOnly(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddAddressBook(t, "bob", "team", "Team")
	nc.ShareAddressBook(t, "bob", "team", "admin", true)
	nc.AddVCard(t, "bob", "team", "x.vcf", vcard3)
	d := cardDAV(t, nc, "admin")
	ctx := context.Background()
	abs, err := d.AddressBooksDetailed(ctx)
	if err != nil || len(abs) != 2 {
		t.Fatalf("%+v %v", abs, err)
	}
	var team nextcloud.AddressBook
	for _, ab := range abs {
		if ab.ID == "team_shared_by_bob" {
			team = ab
		}
	}
	if !team.ReadOnly || !team.Shared || team.Owner != "bob" {
		t.Fatalf("team %+v", team)
	}
	_, err = d.UpdateContact(ctx, team, "x.vcf", nextcloud.ContactInput{Title: dstr("x")}, "")
	if !errors.Is(err, nextcloud.ErrForbidden) {
		t.Fatalf("write to read-only: %v", err)
	}
}
