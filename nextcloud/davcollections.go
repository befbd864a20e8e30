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

// CollectionNotFoundError says that no calendar or address book has the
// id or name asked for, and which there are.
type CollectionNotFoundError struct {
	Kind      string // "calendar", "address book"
	Ref       string
	Available []string
	listTool  string
}

// CalendarNotFoundError is the CollectionNotFoundError of PickCalendar.
type CalendarNotFoundError = CollectionNotFoundError

func (e *CollectionNotFoundError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("no %s %q: the user has no %ss matching the request", e.Kind, e.Ref, e.Kind)
	}
	return fmt.Sprintf("no %s %q; available %ss: %s (use an id from %s)", e.Kind, e.Ref, e.Kind, strings.Join(e.Available, ", "), e.listTool)
}

func (e *CollectionNotFoundError) Is(target error) bool { return target == ErrNotFound }

// pickCollection finds the collection ref (trimmed) names in all: the one
// whose id is ref, else the only one alike accepts (by display name).
func pickCollection[T collection](all []T, ref, kind, listTool string, alike func(id, name string) bool) (T, error) {
	var byName []T
	for _, c := range all {
		id, name, _ := c.collection()
		if id == ref {
			return c, nil
		}
		if alike(id, name) {
			byName = append(byName, c)
		}
	}
	if len(byName) == 1 {
		return byName[0], nil
	}
	avail := make([]string, 0, len(all))
	for _, c := range all {
		id, name, _ := c.collection()
		avail = append(avail, fmt.Sprintf("%s (%q)", id, name))
	}
	var zero T
	return zero, &CollectionNotFoundError{Kind: kind, Ref: ref, Available: avail, listTool: listTool}
}

// collection is a calendar or an address book as the helpers below need
// it: its id, display name and href.
type collection interface {
	collection() (id, name, href string)
}

func (c Calendar) collection() (string, string, string)     { return c.ID, c.Name, c.Href }
func (ab AddressBook) collection() (string, string, string) { return ab.ID, ab.Name, ab.Href }

// newCollectionHref is where a new collection named name goes in home: at
// its slug, made unique among the collections list finds.
func newCollectionHref[T collection](ctx context.Context, list func(context.Context) ([]T, error), home, name string) (string, error) {
	existing, err := list(ctx)
	if err != nil {
		return "", err
	}
	ids := make([]string, 0, len(existing))
	for _, c := range existing {
		id, _, _ := c.collection()
		ids = append(ids, id)
	}
	return home + uniqueID(name, ids) + "/", nil
}

// createCollection sends the request (MKCALENDAR, extended MKCOL) that
// creates the collection what named name at href, and returns it as list
// then shows it, or as asked when list does not show it.
func createCollection[T collection](ctx context.Context, c *Client, list func(context.Context) ([]T, error),
	method, href, what, name string, body []byte, asked T) (T, error) {
	h := http.Header{}
	h.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := c.davSend(ctx, method, href, h, body)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("create %s %q: %w", what, name, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got, ok, err := keptAt(ctx, list, href); ok || err != nil {
		return got, err
	}
	return asked, nil
}

// keptAt reads a collection again after a change, as the server keeps
// it (servers may accept a change and drop what they do not store).
func keptAt[T collection](ctx context.Context, list func(context.Context) ([]T, error), href string) (T, bool, error) {
	var zero T
	all, err := list(ctx)
	if err != nil {
		return zero, false, err
	}
	for _, c := range all {
		if _, _, h := c.collection(); h == href {
			return c, true, nil
		}
	}
	return zero, false, nil
}

// deleteCollection deletes the collection what (id) at href with all it
// holds; for one shared with the user Nextcloud removes the share.
func (c *Client) deleteCollection(ctx context.Context, href, what, id string) error {
	resp, err := c.davSend(ctx, http.MethodDelete, href, nil, nil)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", what, id, err)
	}
	resp.Body.Close()
	return nil
}

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
	href, err := newCollectionHref(ctx, d.AddressBooks, d.home, name)
	if err != nil {
		return AddressBook{}, err
	}
	body := `<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>` +
		`<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>` + xmlText(name) + `</d:displayname>`
	if description != "" {
		body += `<card:addressbook-description>` + xmlText(description) + `</card:addressbook-description>`
	}
	body += `</d:prop></d:set></d:mkcol>`
	return createCollection(ctx, d.c, d.AddressBooksDetailed, "MKCOL", href, "address book", name, []byte(body),
		AddressBook{ID: lastSegment(href), Name: name, Description: description, Href: href})
}

// DeleteAddressBook deletes an address book with its contacts; for one
// shared with the user Nextcloud removes the share.
func (d *CardDAV) DeleteAddressBook(ctx context.Context, ab AddressBook) error {
	return d.c.deleteCollection(ctx, ab.Href, "address book", ab.ID)
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
	if c, ok, err := keptAt(ctx, d.CalendarsDetailed, cal.Href); ok || err != nil {
		return c, err
	}
	return Calendar{}, fmt.Errorf("calendar %s is gone after the change: %w", cal.ID, ErrNotFound)
}
