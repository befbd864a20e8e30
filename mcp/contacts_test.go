package mcp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

const testVCard3 = `BEGIN:VCARD
VERSION:3.0
UID:lena-3
FN:Lena Fischer
N:Fischer;Lena;;;
EMAIL;TYPE=INTERNET,HOME:lena@example.net
EMAIL;TYPE=INTERNET,WORK:l.fischer@corp.example
TEL;TYPE=CELL:+49 (151) 222-333
ADR;TYPE=WORK:;;Am Markt 3;Hamburg;;20095;Germany
ORG:Corp AG
TITLE:Engineer
BDAY:1991-11-02
NOTE:Prefers e-mail
CATEGORIES:Colleagues
END:VCARD
`

const testVCard4 = `BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:omar-4
FN:Omar Haddad
N:Haddad;Omar;;;
EMAIL;TYPE=work;PREF=1:omar@example.com
TEL;VALUE=uri;TYPE=cell:tel:+33-6-12-34-56-78
BDAY:--0229
END:VCARD
`

func TestContactsToolsReadOnly(t *testing.T) {
	nc := nctest.New(t)
	write := []string{"nc_contacts_create", "nc_contacts_update", "nc_contacts_delete", "nc_contacts_create_addressbook", "nc_contacts_delete_addressbook"}
	checkReadOnlyListing(t, nc, []string{"nc_contacts_list_addressbooks", "nc_contacts_list", "nc_contacts_search", "nc_contacts_get"}, write)
	for _, n := range write {
		if tool, ok := newTestServer(t, nc).Tool(n); !ok || tool.Scope != "contacts:write" {
			t.Fatalf("%s scope", n)
		}
	}
}

func TestContactsLifecycle(t *testing.T) {
	nc := nctest.New(t)
	nc.AddVCard(t, "admin", "contacts", "lena.vcf", testVCard3)
	nc.AddVCard(t, "admin", "contacts", "a1b2-imported.vcf", testVCard4)
	nc.AddBrokenVCard(t, "admin", "contacts", "corrupt.vcf")
	c := connect(t, newTestServer(t, nc), "sse")

	var books addressBooksOut
	decodeStructured(t, callTool(t, c, "nc_contacts_list_addressbooks", map[string]any{}), &books)
	if len(books.AddressBooks) != 1 || books.AddressBooks[0].ID != "contacts" || books.AddressBooks[0].ReadOnly {
		t.Fatalf("books %+v", books)
	}
	res := callTool(t, c, "nc_contacts_list", map[string]any{})
	list := fresh(t, res, contactsOut{})
	if list.Total != 2 || list.Contacts[0].FullName != "Lena Fischer" || list.Contacts[1].FullName != "Omar Haddad" || len(list.Skipped) != 1 {
		t.Fatalf("list %+v", list)
	}
	if !strings.Contains(resultText(res), "corrupt.vcf") {
		t.Fatalf("summary does not report the broken card: %s", resultText(res))
	}
	lena := list.Contacts[0]
	if len(lena.Emails) != 2 || len(lena.Phones) != 1 || lena.Addresses[0].City != "Hamburg" || lena.Birthday != "1991-11-02" || lena.Organization != "Corp AG" || lena.Categories[0] != "Colleagues" {
		t.Fatalf("vCard 3.0 read: %+v", lena)
	}
	omar := list.Contacts[1]
	if omar.UID != "omar-4" || omar.Phones[0].Value != "+33-6-12-34-56-78" || omar.Birthday != "--02-29" || !omar.Emails[0].Preferred {
		t.Fatalf("vCard 4.0 read: %+v", omar)
	}
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"query": "fischer"}, "Lena Fischer"},
		{map[string]any{"query": "corp.example"}, "Lena Fischer"},
		{map[string]any{"query": "0151 222333"}, "Lena Fischer"},
		{map[string]any{"query": "+33 6 12"}, "Omar Haddad"},
		{map[string]any{"query": "corp ag", "field": "organization"}, "Lena Fischer"},
		{map[string]any{"query": "omar", "field": "email"}, "Omar Haddad"},
	} {
		got := fresh(t, callTool(t, c, "nc_contacts_search", tc.args), contactsOut{})
		if got.Total != 1 || got.Contacts[0].FullName != tc.want {
			t.Fatalf("search %v: %+v", tc.args, got.Contacts)
		}
	}
	if got := fresh(t, callTool(t, c, "nc_contacts_search", map[string]any{"query": "lena", "field": "phone"}), contactsOut{}); got.Total != 0 {
		t.Fatalf("field-limited search found %+v", got.Contacts)
	}
	page := fresh(t, callTool(t, c, "nc_contacts_list", map[string]any{"limit": 1}), contactsOut{})
	if page.Total != 2 || len(page.Contacts) != 1 || page.NextOffset != 1 {
		t.Fatalf("page %+v", page)
	}

	created := fresh(t, callTool(t, c, "nc_contacts_create", map[string]any{
		"given_name": "Pia", "family_name": "Lund",
		"emails":    []map[string]any{{"value": "pia@example.org", "types": []string{"home"}}},
		"phones":    []map[string]any{{"value": "+46 8 123 456", "types": []string{"work"}}},
		"addresses": []map[string]any{{"street": "Storgatan 1", "city": "Stockholm", "country": "Sweden"}},
		"birthday":  "1988-06-06", "categories": []string{"Friends", "Sweden"}, "note": "two\nlines",
	}), contactOut{})
	if created.FullName != "Pia Lund" || created.AddressBook != "contacts" || created.Note != "two\nlines" || len(created.Categories) != 2 {
		t.Fatalf("created %+v", created.Contact)
	}
	up := fresh(t, callTool(t, c, "nc_contacts_update", map[string]any{"addressbook": "contacts", "contact_id": created.ID, "title": "Architect"}), contactOut{})
	if up.Contact.Title != "Architect" || len(up.Emails) != 1 || up.Birthday != "1988-06-06" || up.FullName != "Pia Lund" {
		t.Fatalf("partial update %+v", up.Contact)
	}
	// The imported card is updated at its own href, not at {uid}.vcf.
	om := fresh(t, callTool(t, c, "nc_contacts_update", map[string]any{"addressbook": "contacts", "contact_id": "omar-4", "organization": "Haddad SARL"}), contactOut{})
	if om.ID != "a1b2-imported.vcf" || om.Organization != "Haddad SARL" || om.Version != "4.0" {
		t.Fatalf("v4 update %+v", om.Contact)
	}
	if names := nc.VCardNames("admin", "contacts"); len(names) != 4 {
		t.Fatalf("objects %v", names)
	}
	wantError(t, callTool(t, c, "nc_contacts_update", map[string]any{"addressbook": "contacts", "contact_id": created.ID, "note": "x", "etag": created.ETag}), "changed", "fetch it again")
	got := fresh(t, callTool(t, c, "nc_contacts_get", map[string]any{"addressbook": "contacts", "contact_id": created.ID}), contactOut{})
	if got.Note != "two\nlines" || got.ETag != up.ETag {
		t.Fatalf("after conflict %+v", got.Contact)
	}
	fresh(t, callTool(t, c, "nc_contacts_delete", map[string]any{"addressbook": "contacts", "contact_id": created.ID}), deletedOut{})
	wantError(t, callTool(t, c, "nc_contacts_get", map[string]any{"addressbook": "contacts", "contact_id": created.ID}), "404", "no contact")
}

func TestContactsBadInput(t *testing.T) {
	nc := nctest.New(t, nctest.WithUser("admin", "admin-pass"), nctest.WithUser("bob", "bob-pass"))
	nc.AddAddressBook(t, "bob", "clients", "Clients")
	nc.AddVCard(t, "bob", "clients", "x.vcf", testVCard3)
	nc.ShareAddressBook(t, "bob", "clients", "admin", true)
	nc.AddBrokenVCard(t, "admin", "contacts", "corrupt.vcf")
	c := connect(t, newTestServer(t, nc), "inprocess")
	cases := []badCall{
		{"nc_contacts_create", map[string]any{}, []string{"needs a name"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "emails": []map[string]any{{"value": "not-mail"}}}, []string{"e-mail"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "emails": []string{"a@b.c"}}, []string{"emails"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "phones": []map[string]any{{"value": "call me"}}}, []string{"phone"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "birthday": "02/11/1991"}, []string{"invalid arguments", "birthday"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "addressbook": "nope"}, []string{"no address book", "contacts"}},
		{"nc_contacts_create", map[string]any{"full_name": "X", "addressbook": "clients_shared_by_bob"}, []string{"403"}},
		{"nc_contacts_search", map[string]any{}, []string{"query"}},
		{"nc_contacts_search", map[string]any{"query": "x", "field": "shoe size"}, []string{"field"}},
		{"nc_contacts_list", map[string]any{"limit": -1}, []string{"limit"}},
		{"nc_contacts_list", map[string]any{"addressbook": "nope"}, []string{"no address book"}},
		{"nc_contacts_get", map[string]any{"addressbook": "contacts"}, []string{"contact_id"}},
		{"nc_contacts_get", map[string]any{"addressbook": "contacts", "contact_id": "ghost"}, []string{"404", "ghost"}},
		{"nc_contacts_get", map[string]any{"addressbook": "contacts", "contact_id": "corrupt.vcf"}, []string{"unreadable vCard"}},
		{"nc_contacts_update", map[string]any{"addressbook": "contacts", "contact_id": "ghost"}, []string{"at least one field"}},
		{"nc_contacts_update", map[string]any{"addressbook": "clients_shared_by_bob", "contact_id": "lena-3", "title": "x"}, []string{"403", "permission"}},
		{"nc_contacts_delete", map[string]any{"addressbook": "contacts", "contact_id": "ghost"}, []string{"404"}},
	}
	wantBadCalls(t, c, cases)
	books := fresh(t, callTool(t, c, "nc_contacts_list_addressbooks", map[string]any{}), addressBooksOut{})
	if len(books.AddressBooks) != 2 || !books.AddressBooks[0].ReadOnly || books.AddressBooks[0].Owner != "bob" {
		t.Fatalf("books %+v", books.AddressBooks)
	}
	nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "REPORT" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	})
	wantError(t, callTool(t, c, "nc_contacts_search", map[string]any{"query": "lena"}), "500")
}

// Without an address book, a new contact goes to the default one, or
// the user's own when there is no "contacts" (as events and tasks fall
// back to the default calendar).
func TestContactsCreateFallsBackToOwnAddressBook(t *testing.T) {
	nc := nctest.New(t)
	cl := nc.Client(t, "admin")
	req, err := cl.NewRequest(t.Context(), http.MethodDelete, "/remote.php/dav/addressbooks/users/admin/contacts/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := cl.Raw().Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("delete default address book: %v %v", resp, err)
	}
	nc.AddAddressBook(t, "admin", "family", "Family")
	c := connect(t, newTestServer(t, nc), "inprocess")
	res := callTool(t, c, "nc_contacts_create", map[string]any{"full_name": "Ada"})
	if res.IsError {
		t.Fatalf("create without address book: %s", resultText(res))
	}
	var out contactOut
	decodeStructured(t, res, &out)
	if out.AddressBook != "family" {
		t.Fatalf("created in %q", out.AddressBook)
	}
}
