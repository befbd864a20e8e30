package nextcloud

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
)

// CardDAV works with the address books of one user, on go-webdav's
// carddav client and go-vcard.
type CardDAV struct {
	davHandle
	cl *carddav.Client
}

// CardDAV discovers the user's address book home (cached in cache).
func (c *Client) CardDAV(ctx context.Context, cache *DAVCache) (*CardDAV, error) {
	h, cl, err := openDAV(ctx, c, cache, c.addressBookHome, carddav.NewClient, "carddav")
	if err != nil {
		return nil, err
	}
	return &CardDAV{davHandle: h, cl: cl}, nil
}

// AddressBook is one address book collection.
type AddressBook struct {
	ID          string `json:"id" jsonschema:"address book id (the last part of its URL), used by the other contact tools"`
	Name        string `json:"name" jsonschema:"display name"`
	Description string `json:"description,omitempty"`
	ReadOnly    bool   `json:"read_only" jsonschema:"true when the user may not change its contacts"`
	Shared      bool   `json:"shared" jsonschema:"true when another user shared it with the user"`
	Owner       string `json:"owner,omitempty"`
	Href        string `json:"href" jsonschema:"the address book's DAV path"`
}

// AddressBooks lists the user's address books.
func (d *CardDAV) AddressBooks(ctx context.Context) ([]AddressBook, error) {
	return listCollections(d.davHandle, "address books", func() ([]carddav.AddressBook, error) { return d.cl.FindAddressBooks(ctx, d.home) },
		func(ab carddav.AddressBook) string { return ab.Path },
		func(href string, ab carddav.AddressBook) AddressBook {
			name := cmp.Or(ab.Name, lastSegment(href))
			return AddressBook{ID: lastSegment(href), Name: name, Description: ab.Description, Href: href}
		})
}

// AddressBooksDetailed adds whether each book is writable and shared.
func (d *CardDAV) AddressBooksDetailed(ctx context.Context) ([]AddressBook, error) {
	abs, err := d.AddressBooks(ctx)
	if err != nil {
		return nil, err
	}
	return withExtras(ctx, d.davHandle, abs, "address book", func(ab *AddressBook, x davPropsResponse) {
		ab.ReadOnly = x.readOnly()
		ab.Owner, ab.Shared = x.sharedBy(d.principal)
	}, propPrivilegeSet, propOwnerPrincipl, propOwnerDisplay, propOCReadOnly)
}

// FindAddressBook finds an address book by id or display name.
func (d *CardDAV) FindAddressBook(ctx context.Context, ref string) (AddressBook, error) {
	abs, err := d.AddressBooks(ctx)
	if err != nil {
		return AddressBook{}, err
	}
	ref = strings.TrimSpace(ref)
	return pickCollection(abs, ref, "address book", "nc_contacts_list_addressbooks", func(_, name string) bool {
		return strings.EqualFold(name, ref)
	})
}

// CardObject is one stored vCard. Card holds values as on the wire (see
// carddav_raw.go).
type CardObject struct {
	Href string
	ETag string
	Card vcard.Card
	orig *origCard
}

const addressDataProps = `<D:prop><D:getetag/><C:address-data/></D:prop>`

// All returns every card of an address book (an addressbook-query with
// the empty filter RFC 6352 requires); unreadable ones are returned as
// broken.
func (d *CardDAV) All(ctx context.Context, ab AddressBook) ([]CardObject, []BrokenObject, error) {
	objs, err := d.c.reportObjects(ctx, ab.Href, `<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">`+addressDataProps+`<C:filter/></C:addressbook-query>`)
	if err != nil {
		return nil, nil, fmt.Errorf("query address book %s: %w", ab.ID, err)
	}
	cards, broken := convertCards(objs)
	return cards, broken, nil
}

// MultiGet fetches cards of an address book by href (addressbook-multiget,
// in batches). Cards deleted meanwhile are left out; unreadable ones are
// returned as broken.
func (d *CardDAV) MultiGet(ctx context.Context, ab AddressBook, hrefs []string) ([]CardObject, []BrokenObject, error) {
	var out []CardObject
	var broken []BrokenObject
	for len(hrefs) > 0 {
		n := min(multiGetBatch, len(hrefs))
		var b strings.Builder
		b.WriteString(`<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">` + addressDataProps)
		for _, h := range hrefs[:n] {
			b.WriteString("<D:href>" + xmlText((&url.URL{Path: h}).EscapedPath()) + "</D:href>")
		}
		b.WriteString(`</C:addressbook-multiget>`)
		objs, err := d.c.reportObjects(ctx, ab.Href, b.String())
		if err != nil {
			return nil, nil, fmt.Errorf("fetch contacts of %s: %w", ab.Href, err)
		}
		c, br := convertCards(objs)
		out, broken = append(out, c...), append(broken, br...)
		hrefs = hrefs[n:]
	}
	return out, broken, nil
}

func convertCards(objs []rawObject) ([]CardObject, []BrokenObject) {
	out := make([]CardObject, 0, len(objs))
	var broken []BrokenObject
	for _, o := range objs {
		card, orig, err := decodeCard([]byte(o.Data))
		if err != nil {
			broken = append(broken, BrokenObject{Href: o.Href, Error: "unreadable vCard data: " + err.Error()})
			continue
		}
		out = append(out, CardObject{Href: o.Href, ETag: o.ETag, Card: card, orig: orig})
	}
	return out, broken
}

// Get fetches one card by href.
func (d *CardDAV) Get(ctx context.Context, href string) (CardObject, error) {
	return getObject(ctx, d.c, href, "contact", "vCard", "the Contacts app", func(data []byte, etag string) (CardObject, error) {
		card, orig, err := decodeCard(data)
		return CardObject{Href: href, ETag: etag, Card: card, orig: orig}, err
	})
}

// Object finds a card by id (the object name from a listing) or UID. The
// object's URL is always the server's href, never derived from the UID.
func (d *CardDAV) Object(ctx context.Context, ab AddressBook, id string) (CardObject, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return CardObject{}, errors.New("empty contact id")
	}
	return objectByID(ctx, d.Get, ab.Href, "contact id", id, func() (CardObject, error) {
		return d.byUID(ctx, ab, id)
	})
}

// byUID finds a card by UID (or object name) among all cards of ab.
func (d *CardDAV) byUID(ctx context.Context, ab AddressBook, id string) (CardObject, error) {
	objs, _, err := d.All(ctx, ab)
	if err != nil {
		return CardObject{}, err
	}
	uid := strings.TrimSuffix(id, ".vcf")
	for _, o := range objs {
		if u := cardUID(o.Card); u == id || u == uid || lastSegment(o.Href) == id {
			return o, nil
		}
	}
	return CardObject{}, &Error{Method: http.MethodGet, Path: ab.Href, Status: http.StatusNotFound,
		Message: fmt.Sprintf("no contact with id or UID %q in address book %s", id, ab.ID), Hint: "check the id: list or search the contacts to find the right one"}
}

func cardUID(c vcard.Card) string {
	u := strings.TrimSpace(unescapeText(c.Value(vcard.FieldUID)))
	return strings.TrimPrefix(u, "urn:uuid:")
}

// Put stores a new card (see CalDAV.Put for create and etag).
func (d *CardDAV) Put(ctx context.Context, href string, card vcard.Card, etag string, create bool) (string, error) {
	return d.put(ctx, href, card, nil, etag, create)
}

// put writes card; with orig (the card as read) unchanged properties keep
// their bytes.
func (d *CardDAV) put(ctx context.Context, href string, card vcard.Card, orig *origCard, etag string, create bool) (string, error) {
	data, err := encodeCard(card, orig)
	if err != nil {
		return "", fmt.Errorf("encode vCard: %w", err)
	}
	return d.c.davPutObject(ctx, href, "text/vcard; charset=utf-8", data, etag, create)
}

// ContactList is the result of Contacts.
type ContactList struct {
	Contacts []Contact
	Broken   []BrokenObject
}

// Contacts lists the contacts of the given address books sorted by
// name; with query set only those whose name, nickname, e-mail, phone
// (digits compared) or organization contain it.
func (d *CardDAV) Contacts(ctx context.Context, abs []AddressBook, query string) (ContactList, error) {
	var res ContactList
	for _, ab := range abs {
		objs, broken, err := d.All(ctx, ab)
		if err != nil {
			return ContactList{}, err
		}
		res.Broken = append(res.Broken, broken...)
		for _, o := range objs {
			c, err := contactOf(ab, o)
			if err != nil {
				res.Broken = append(res.Broken, BrokenObject{Href: o.Href, Error: err.Error()})
				continue
			}
			if query != "" && !ContactMatches(c, query) {
				continue
			}
			res.Contacts = append(res.Contacts, c)
		}
	}
	sort.SliceStable(res.Contacts, func(i, j int) bool {
		a, b := strings.ToLower(res.Contacts[i].FullName), strings.ToLower(res.Contacts[j].FullName)
		if a != b {
			return a < b
		}
		return res.Contacts[i].ID < res.Contacts[j].ID
	})
	return res, nil
}

func contactOf(ab AddressBook, o CardObject) (c Contact, err error) {
	if len(o.Card) == 0 {
		return Contact{}, errors.New("empty vCard")
	}
	err = safely(func() error {
		c = ContactFromCard(o.Card)
		return nil
	})
	if err != nil {
		return Contact{}, err
	}
	c.AddressBook, c.ID, c.ETag = ab.ID, lastSegment(o.Href), o.ETag
	return c, nil
}

// ContactMatches reports whether q occurs in the contact's names, e-mail
// addresses, phone numbers (ignoring formatting), organization or groups.
func ContactMatches(c Contact, q string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return true
	}
	fields := []string{c.FullName, c.GivenName + " " + c.FamilyName, c.FamilyName + " " + c.GivenName, c.Nickname, c.Organization, c.Department, c.Title}
	fields = append(fields, c.Categories...)
	for _, e := range c.Emails {
		fields = append(fields, e.Value)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	if qd := phoneDigits(q); len(qd) >= 3 && len(qd)*2 >= len(strings.ReplaceAll(q, " ", "")) {
		for _, p := range c.Phones {
			pd := phoneDigits(p.Value)
			if strings.Contains(pd, qd) || (len(qd) > 6 && strings.HasSuffix(pd, strings.TrimLeft(qd, "0"))) {
				return true
			}
		}
	}
	return false
}

func phoneDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// GetContact fetches a contact by id or UID.
func (d *CardDAV) GetContact(ctx context.Context, ab AddressBook, id string) (Contact, error) {
	o, err := d.Object(ctx, ab, id)
	if err != nil {
		return Contact{}, err
	}
	return contactOf(ab, o)
}

// CreateContact stores a new contact and returns it as stored.
func (d *CardDAV) CreateContact(ctx context.Context, ab AddressBook, in ContactInput) (Contact, error) {
	return createObject(ctx, d, ab.Href, ab.ID, ".vcf", "contact",
		func(uid string) (vcard.Card, error) { return NewCard(uid, in, time.Now()) },
		func(o CardObject) (Contact, error) { return contactOf(ab, o) })
}

// UpdateContact changes the fields given, at the card's own href, with
// If-Match so a concurrent change is reported rather than overwritten.
func (d *CardDAV) UpdateContact(ctx context.Context, ab AddressBook, id string, in ContactInput, etag string) (Contact, error) {
	o, err := d.Object(ctx, ab, id)
	if err != nil {
		return Contact{}, err
	}
	if staleETag(etag, o.ETag) {
		return Contact{}, conflictError(o.Href, "contact")
	}
	if err := ApplyContactInput(o.Card, in, time.Now()); err != nil {
		return Contact{}, inputErr(err)
	}
	return saveObject(ctx, d.Get, o.Href, "contact", func() error {
		_, err := d.put(ctx, o.Href, o.Card, o.orig, firstNonEmpty(etag, o.ETag), false)
		return err
	}, func(o CardObject) (Contact, error) { return contactOf(ab, o) })
}

// DeleteContact deletes a contact at its href.
func (d *CardDAV) DeleteContact(ctx context.Context, ab AddressBook, id, etag string) error {
	o, err := d.Object(ctx, ab, id)
	if err != nil {
		return err
	}
	return writeErr(d.Delete(ctx, o.Href, firstNonEmpty(etag, o.ETag)), http.MethodDelete, "delete", "contact", o.Href)
}
