package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// ContactsToolset offers the user's address books over CardDAV.
func ContactsToolset(env *Env) Toolset {
	dav := cardDAV{cache: nextcloud.NewDAVCache()}
	return Toolset{
		Name:        "contacts",
		Description: "Nextcloud Contacts (CardDAV): address books and contacts",
		Tools: []Tool{
			contactsListAddressBooks(dav),
			contactsCreateAddressBook(dav),
			contactsDeleteAddressBook(dav),
			contactsList(dav),
			contactsSearch(dav),
			contactsGet(dav),
			contactsCreate(dav),
			contactsUpdate(dav),
			contactsDelete(dav),
		},
	}
}

// contactFields are the settable fields of a contact; nil leaves a field
// alone on update, an empty string or list clears it. Lists replace the
// whole list.
type contactFields struct {
	FullName     *string                    `json:"full_name,omitempty" jsonschema:"display name (FN); default: built from the name parts"`
	GivenName    *string                    `json:"given_name,omitempty" jsonschema:"first name"`
	FamilyName   *string                    `json:"family_name,omitempty" jsonschema:"last name"`
	MiddleName   *string                    `json:"middle_name,omitempty" jsonschema:"additional names"`
	Prefix       *string                    `json:"prefix,omitempty" jsonschema:"e.g. Dr."`
	Suffix       *string                    `json:"suffix,omitempty" jsonschema:"e.g. Jr."`
	Nickname     *string                    `json:"nickname,omitempty" jsonschema:"nickname"`
	Emails       *[]nextcloud.TypedValue    `json:"emails,omitempty" jsonschema:"e-mail addresses with kinds (home, work); replaces the list"`
	Phones       *[]nextcloud.TypedValue    `json:"phones,omitempty" jsonschema:"phone numbers with kinds (cell, home, work, fax); replaces the list"`
	Addresses    *[]nextcloud.PostalAddress `json:"addresses,omitempty" jsonschema:"postal addresses; replaces the list"`
	Organization *string                    `json:"organization,omitempty" jsonschema:"company or organization"`
	Department   *string                    `json:"department,omitempty" jsonschema:"department within the organization"`
	Title        *string                    `json:"title,omitempty" jsonschema:"job title"`
	Birthday     *string                    `json:"birthday,omitempty" jsonschema:"YYYY-MM-DD, or --MM-DD without a year"`
	Note         *string                    `json:"note,omitempty" jsonschema:"free text, may span lines"`
	Categories   *[]string                  `json:"categories,omitempty" jsonschema:"contact groups; replaces the list"`
	URLs         *[]string                  `json:"urls,omitempty" jsonschema:"web sites; replaces the list"`
}

func (f contactFields) input() nextcloud.ContactInput {
	return nextcloud.ContactInput{FullName: f.FullName, GivenName: f.GivenName, FamilyName: f.FamilyName, MiddleName: f.MiddleName,
		Prefix: f.Prefix, Suffix: f.Suffix, Nickname: f.Nickname, Emails: f.Emails, Phones: f.Phones, Addresses: f.Addresses,
		Organization: f.Organization, Department: f.Department, Title: f.Title, Birthday: f.Birthday, Note: f.Note,
		Categories: f.Categories, URLs: f.URLs}
}

func (f contactFields) check() error {
	if f.Emails != nil {
		for i, e := range *f.Emails {
			v := strings.TrimSpace(e.Value)
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				return fmt.Errorf("emails[%d]: %q is not an e-mail address", i, e.Value)
			}
		}
	}
	if f.Phones != nil {
		for i, p := range *f.Phones {
			if !strings.ContainsAny(p.Value, "0123456789") {
				return fmt.Errorf("phones[%d]: %q is not a phone number", i, p.Value)
			}
		}
	}
	return nil
}

type addressBooksOut struct {
	AddressBooks []nextcloud.AddressBook `json:"addressbooks"`
}

func (o addressBooksOut) Summary() string {
	cals := make([]nextcloud.Calendar, 0, len(o.AddressBooks))
	for _, ab := range o.AddressBooks {
		cals = append(cals, nextcloud.Calendar{ID: ab.ID, Name: ab.Name, Shared: ab.Shared, Owner: ab.Owner, ReadOnly: ab.ReadOnly})
	}
	return collectionsText("address books", cals, false)
}

func contactsListAddressBooks(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_list_addressbooks", Title: "List address books",
		Description: "List the user's address books, own and shared, with whether they are read-only.",
		Scope:       "contacts:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ noIn) (addressBooksOut, error) {
			d, err := dav.open(ctx, nc)
			if err != nil {
				return addressBooksOut{}, err
			}
			abs, err := d.AddressBooksDetailed(ctx)
			if err != nil {
				return addressBooksOut{}, err
			}
			if abs == nil {
				abs = []nextcloud.AddressBook{}
			}
			return addressBooksOut{AddressBooks: abs}, nil
		})
}

type contactsOut struct {
	Contacts []nextcloud.Contact `json:"contacts" jsonschema:"contacts of this page, sorted by name"`
	pageOut
	Skipped []nextcloud.BrokenObject `json:"skipped,omitempty" jsonschema:"cards on the server that could not be read and were left out"`
}

func contactLine(c nextcloud.Contact) string {
	s := fmt.Sprintf("- %s [addressbook %s, id %s]", c.FullName, c.AddressBook, c.ID)
	var bits []string
	if c.Organization != "" {
		bits = append(bits, c.Organization)
	}
	for _, e := range c.Emails {
		bits = append(bits, e.Value)
	}
	for _, p := range c.Phones {
		bits = append(bits, p.Value)
	}
	if len(bits) > 0 {
		s += " " + strings.Join(bits, ", ")
	}
	return s + "\n"
}

func (o contactsOut) Summary() string {
	return pageText("contacts", o.pageOut, o.Contacts, contactLine, o.Skipped)
}

type contactOut struct {
	nextcloud.Contact
	Action string `json:"action,omitempty" jsonschema:"what was done"`
}

func (o contactOut) Summary() string {
	b := itemText("Contact", o.Action, contactLine(o.Contact))
	if o.Title != "" {
		fmt.Fprintf(b, "Title: %s\n", o.Title)
	}
	for _, a := range o.Addresses {
		fmt.Fprintf(b, "Address: %s\n", strings.Join(nonEmpty(a.Street, a.PostalCode+" "+a.City, a.Region, a.Country), ", "))
	}
	if o.Birthday != "" {
		fmt.Fprintf(b, "Birthday: %s\n", o.Birthday)
	}
	if len(o.Categories) > 0 {
		fmt.Fprintf(b, "Groups: %s\n", strings.Join(o.Categories, ", "))
	}
	if o.Note != "" {
		fmt.Fprintf(b, "Note: %s\n", o.Note)
	}
	fmt.Fprintf(b, "etag %s", o.ETag)
	return b.String()
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

type listContactsIn struct {
	AddressBook string `json:"addressbook,omitempty" jsonschema:"address book id from nc_contacts_list_addressbooks; default: all"`
	Limit       int    `json:"limit,omitempty" jsonschema:"contacts per page, 1 to 200 (default 50)"`
	Offset      int    `json:"offset,omitempty" jsonschema:"index of the first contact to return, from next_offset"`
}

func (in *listContactsIn) Validate() error { return checkPage(in.Limit, in.Offset, 200) }

func contactsList(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_list", Title: "List contacts",
		Description: "List the contacts of one or all address books, sorted by name, with e-mail addresses, phone numbers, addresses, organization, birthday, notes and groups.",
		Scope:       "contacts:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in listContactsIn) (contactsOut, error) {
			return dav.list(ctx, nc, in.AddressBook, "", "", orDefault(in.Limit, 50), in.Offset)
		})
}

type searchContactsIn struct {
	Query       string `json:"query" jsonschema:"text to find in names, e-mail addresses, phone numbers (formatting ignored), organization or groups"`
	Field       string `json:"field,omitempty" jsonschema:"limit the search to name, email, phone or organization (default: all)"`
	AddressBook string `json:"addressbook,omitempty" jsonschema:"address book id; default: all"`
	Limit       int    `json:"limit,omitempty" jsonschema:"contacts per page, 1 to 200 (default 20)"`
	Offset      int    `json:"offset,omitempty" jsonschema:"index of the first contact to return, from next_offset"`
}

func (in *searchContactsIn) Validate() error {
	if err := textArg("query", in.Query); err != nil {
		return err
	}
	switch strings.ToLower(in.Field) {
	case "", "any", "name", "email", "phone", "organization":
	default:
		return fmt.Errorf("field %q is not name, email, phone or organization", in.Field)
	}
	return checkPage(in.Limit, in.Offset, 200)
}

func contactsSearch(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_search", Title: "Search contacts",
		Description: "Find contacts by name, e-mail address, phone number (spaces and dashes ignored), organization or group.",
		Scope:       "contacts:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in searchContactsIn) (contactsOut, error) {
			return dav.list(ctx, nc, in.AddressBook, in.Query, in.Field, orDefault(in.Limit, 20), in.Offset)
		})
}

// fieldMatch narrows ContactMatches to one kind of field.
func fieldMatch(c nextcloud.Contact, field, q string) bool {
	switch strings.ToLower(field) {
	case "name":
		return nextcloud.ContactMatches(nextcloud.Contact{FullName: c.FullName, GivenName: c.GivenName, FamilyName: c.FamilyName, Nickname: c.Nickname}, q)
	case "email":
		return nextcloud.ContactMatches(nextcloud.Contact{Emails: c.Emails}, q)
	case "phone":
		return nextcloud.ContactMatches(nextcloud.Contact{Phones: c.Phones}, q)
	case "organization":
		return nextcloud.ContactMatches(nextcloud.Contact{Organization: c.Organization, Department: c.Department}, q)
	}
	return nextcloud.ContactMatches(c, q)
}

type contactRefIn struct {
	AddressBook string `json:"addressbook" jsonschema:"address book id"`
	ContactID   string `json:"contact_id" jsonschema:"the contact's id (or UID) from nc_contacts_list or nc_contacts_search"`
}

func (in *contactRefIn) Validate() error {
	return requireBoth("addressbook", in.AddressBook, "contact_id", in.ContactID)
}

func contactsGet(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_get", Title: "Get contact",
		Description: "Get one contact with all its fields and its etag.",
		Scope:       "contacts:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in contactRefIn) (contactOut, error) {
			d, ab, err := dav.book(ctx, nc, in.AddressBook)
			if err != nil {
				return contactOut{}, err
			}
			c, err := d.GetContact(ctx, ab, in.ContactID)
			if err != nil {
				return contactOut{}, err
			}
			return contactOut{Contact: c}, nil
		})
}

type createContactIn struct {
	AddressBook string `json:"addressbook,omitempty" jsonschema:"address book id; default: the book named contacts, else the user's own writable one"`
	contactFields
}

func (in *createContactIn) Validate() error {
	f := in.contactFields
	has := func(p *string) bool { return p != nil && strings.TrimSpace(*p) != "" }
	if !has(f.FullName) && !has(f.GivenName) && !has(f.FamilyName) && !has(f.Organization) {
		return errors.New("a contact needs a name: give full_name, given_name/family_name or organization")
	}
	return f.check()
}

func contactsCreate(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_create", Title: "Create contact",
		Description: "Create a contact (stored as vCard 3.0) with names, e-mail addresses, phone numbers, postal addresses, organization, title, birthday, note and groups.",
		Scope:       "contacts:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createContactIn) (contactOut, error) {
			var d *nextcloud.CardDAV
			var ab nextcloud.AddressBook
			var err error
			if strings.TrimSpace(in.AddressBook) == "" {
				if d, err = dav.open(ctx, nc); err == nil {
					ab, err = defaultAddressBook(ctx, d)
				}
			} else {
				d, ab, err = dav.book(ctx, nc, in.AddressBook)
			}
			if err != nil {
				return contactOut{}, err
			}
			c, err := d.CreateContact(ctx, ab, in.contactFields.input())
			if err != nil {
				return contactOut{}, err
			}
			return contactOut{Contact: c, Action: "created in address book " + ab.ID}, nil
		})
}

type updateContactIn struct {
	AddressBook string `json:"addressbook" jsonschema:"address book id"`
	ContactID   string `json:"contact_id" jsonschema:"the contact's id (or UID)"`
	ETag        string `json:"etag,omitempty" jsonschema:"the etag read before; refused if the contact changed since"`
	contactFields
}

func (in *updateContactIn) Validate() error {
	return changeArgs(requireBoth("addressbook", in.AddressBook, "contact_id", in.ContactID), noFieldGiven(in.contactFields),
		"give at least one field to change", in.contactFields.check)
}

func contactsUpdate(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_update", Title: "Update contact",
		Description: "Change a contact: only the fields given change (a list given replaces that list), everything else in the vCard stays. Refused with a conflict if the contact changed meanwhile (ETag).",
		Scope:       "contacts:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in updateContactIn) (contactOut, error) {
			d, ab, err := dav.book(ctx, nc, in.AddressBook)
			if err != nil {
				return contactOut{}, err
			}
			c, err := d.UpdateContact(ctx, ab, in.ContactID, in.contactFields.input(), in.ETag)
			if err != nil {
				return contactOut{}, err
			}
			return contactOut{Contact: c, Action: "updated"}, nil
		})
}

type deleteContactIn struct {
	AddressBook string `json:"addressbook" jsonschema:"address book id"`
	ContactID   string `json:"contact_id" jsonschema:"the contact's id (or UID)"`
	ETag        string `json:"etag,omitempty" jsonschema:"the etag read before; if the contact changed since, nothing is deleted"`
}

func (in *deleteContactIn) Validate() error {
	return requireBoth("addressbook", in.AddressBook, "contact_id", in.ContactID)
}

func contactsDelete(dav cardDAV) Tool {
	return NewTool(Spec{Name: "nc_contacts_delete", Title: "Delete contact",
		Description: "Delete a contact.",
		Scope:       "contacts:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in deleteContactIn) (deletedOut, error) {
			d, ab, err := dav.book(ctx, nc, in.AddressBook)
			if err != nil {
				return deletedOut{}, err
			}
			if err := d.DeleteContact(ctx, ab, in.ContactID, in.ETag); err != nil {
				return deletedOut{}, err
			}
			return deletedOut{Deleted: in.ContactID, Message: fmt.Sprintf("Contact %s deleted from address book %s.", in.ContactID, ab.ID)}, nil
		})
}

// cardDAV opens the user's CardDAV for the contact tools; the discovered
// home is cached per toolset.
type cardDAV struct{ cache *nextcloud.DAVCache }

func (c cardDAV) open(ctx context.Context, nc *nextcloud.Client) (*nextcloud.CardDAV, error) {
	return nc.CardDAV(ctx, c.cache)
}

// book opens CardDAV and finds the address book ref names.
func (c cardDAV) book(ctx context.Context, nc *nextcloud.Client, ref string) (*nextcloud.CardDAV, nextcloud.AddressBook, error) {
	d, err := c.open(ctx, nc)
	if err != nil {
		return nil, nextcloud.AddressBook{}, err
	}
	ab, err := d.FindAddressBook(ctx, ref)
	return d, ab, err
}

// list is nc_contacts_list and nc_contacts_search: the contacts of the
// address book ref names (all when empty) matching query in field, one
// page of them.
func (c cardDAV) list(ctx context.Context, nc *nextcloud.Client, ref, query, field string, limit, offset int) (contactsOut, error) {
	d, err := c.open(ctx, nc)
	if err != nil {
		return contactsOut{}, err
	}
	var abs []nextcloud.AddressBook
	if strings.TrimSpace(ref) != "" {
		ab, err := d.FindAddressBook(ctx, ref)
		if err != nil {
			return contactsOut{}, err
		}
		abs = []nextcloud.AddressBook{ab}
	} else if abs, err = d.AddressBooks(ctx); err != nil {
		return contactsOut{}, err
	}
	res, err := d.Contacts(ctx, abs, "")
	if err != nil {
		return contactsOut{}, err
	}
	cs := res.Contacts
	if query != "" {
		cs = cs[:0:0]
		for _, c := range res.Contacts {
			if fieldMatch(c, field, query) {
				cs = append(cs, c)
			}
		}
	}
	cs, page := pageOf(cs, offset, limit)
	return contactsOut{Contacts: cs, pageOut: page, Skipped: res.Broken}, nil
}

// defaultAddressBook picks where a new contact goes when no address book
// is named, as events and tasks fall back to the default calendar:
// "contacts" (Nextcloud's default) if there, else the user's first own
// writable address book.
func defaultAddressBook(ctx context.Context, d *nextcloud.CardDAV) (nextcloud.AddressBook, error) {
	abs, err := d.AddressBooksDetailed(ctx)
	if err != nil {
		return nextcloud.AddressBook{}, err
	}
	for _, ab := range abs {
		if ab.ID == "contacts" && !ab.ReadOnly {
			return ab, nil
		}
	}
	for _, ab := range abs {
		if !ab.ReadOnly && !ab.Shared {
			return ab, nil
		}
	}
	return nextcloud.AddressBook{}, &ArgError{Msg: "the user has no address book of their own to add the contact to; create one in the Contacts app, or name a writable one with addressbook (see nc_contacts_list_addressbooks)"}
}
