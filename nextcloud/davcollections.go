package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Creating and deleting address books (extended MKCOL, RFC 5689 with
// RFC 6352 5.2) and renaming or recolouring calendars (PROPPATCH of
// DAV:displayname and Apple's calendar-color, as Nextcloud's and other
// CalDAV clients send them).

// uniqueID is the slug of name not yet taken by any of ids.
func uniqueID(name string, ids []string) string {
	taken := map[string]bool{}
	for _, id := range ids {
		taken[id] = true
	}
	id := slugify(name)
	for i := 2; taken[id]; i++ {
		id = fmt.Sprintf("%s-%d", slugify(name), i)
	}
	return id
}

// CreateAddressBook makes an address book and returns it as the server
// keeps it.
func (d *CardDAV) CreateAddressBook(ctx context.Context, name, description string) (AddressBook, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return AddressBook{}, errors.New("an address book needs a name")
	}
	existing, err := d.AddressBooks(ctx)
	if err != nil {
		return AddressBook{}, err
	}
	ids := make([]string, 0, len(existing))
	for _, ab := range existing {
		ids = append(ids, ab.ID)
	}
	href := d.home + uniqueID(name, ids) + "/"
	body := `<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>` +
		`<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>` + xmlText(name) + `</d:displayname>`
	if description != "" {
		body += `<card:addressbook-description>` + xmlText(description) + `</card:addressbook-description>`
	}
	body += `</d:prop></d:set></d:mkcol>`
	h := http.Header{}
	h.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := d.c.davSend(ctx, "MKCOL", href, h, []byte(body))
	if err != nil {
		return AddressBook{}, fmt.Errorf("create address book %q: %w", name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	abs, err := d.AddressBooksDetailed(ctx)
	if err != nil {
		return AddressBook{}, err
	}
	for _, ab := range abs {
		if ab.Href == href {
			return ab, nil
		}
	}
	return AddressBook{ID: lastSegment(href), Name: name, Description: description, Href: href}, nil
}

// DeleteAddressBook deletes an address book with its contacts; for one
// shared with the user Nextcloud removes the share.
func (d *CardDAV) DeleteAddressBook(ctx context.Context, ab AddressBook) error {
	resp, err := d.c.davSend(ctx, http.MethodDelete, ab.Href, nil, nil)
	if err != nil {
		return fmt.Errorf("delete address book %s: %w", ab.ID, err)
	}
	resp.Body.Close()
	return nil
}

// CalendarChange renames or recolours a calendar; nil leaves a field.
type CalendarChange struct {
	Name  *string
	Color *string
}

// UpdateCalendar applies ch and returns the calendar as the server keeps it.
func (d *CalDAV) UpdateCalendar(ctx context.Context, cal Calendar, ch CalendarChange) (Calendar, error) {
	var props string
	if ch.Name != nil {
		props += `<d:displayname>` + xmlText(*ch.Name) + `</d:displayname>`
	}
	if ch.Color != nil {
		props += `<x1:calendar-color>` + xmlText(*ch.Color) + `</x1:calendar-color>`
	}
	if props == "" {
		return cal, nil
	}
	if err := d.c.davPropPatch(ctx, d.c.davURL(cal.Href), props); err != nil {
		return Calendar{}, fmt.Errorf("change calendar %s: %w", cal.ID, err)
	}
	cals, err := d.CalendarsDetailed(ctx)
	if err != nil {
		return Calendar{}, err
	}
	for _, c := range cals {
		if c.Href == cal.Href {
			return c, nil
		}
	}
	return Calendar{}, fmt.Errorf("calendar %s is gone after the change: %w", cal.ID, ErrNotFound)
}
