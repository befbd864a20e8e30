package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
)

// CardDAV works with the address books of one user, on go-webdav's
// carddav client and go-vcard.
type CardDAV struct {
	c         *Client
	cl        *carddav.Client
	home      string
	principal string
}

// CardDAV discovers the user's address book home (cached in cache).
func (c *Client) CardDAV(ctx context.Context, cache *DAVCache) (*CardDAV, error) {
	home, err := c.addressBookHome(ctx, cache)
	if err != nil {
		return nil, err
	}
	principal, err := c.davPrincipal(ctx, cache)
	if err != nil {
		return nil, err
	}
	cl, err := carddav.NewClient(c, c.davEndpoint())
	if err != nil {
		return nil, fmt.Errorf("carddav client: %w", err)
	}
	return &CardDAV{c: c, cl: cl, home: home, principal: principal}, nil
}

// Home is the address book home collection (an href path).
func (d *CardDAV) Home() string { return d.home }

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
	var abs []carddav.AddressBook
	err := safely(func() error {
		var err error
		abs, err = d.cl.FindAddressBooks(ctx, d.home)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list address books in %s: %w", d.home, err)
	}
	out := make([]AddressBook, 0, len(abs))
	for _, ab := range abs {
		href := ensureSlash(ab.Path)
		if href == d.home {
			continue
		}
		name := ab.Name
		if name == "" {
			name = lastSegment(href)
		}
		out = append(out, AddressBook{ID: lastSegment(href), Name: name, Description: ab.Description, Href: href})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// AddressBooksDetailed adds whether each book is writable and shared.
func (d *CardDAV) AddressBooksDetailed(ctx context.Context) ([]AddressBook, error) {
	abs, err := d.AddressBooks(ctx)
	if err != nil {
		return nil, err
	}
	extra, err := d.c.davExtraProps(ctx, d.home, propPrivilegeSet, propOwnerPrincipl, propOwnerDisplay, propOCReadOnly)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		d.c.log.Debug("address book extra properties unavailable", "err", err)
		return abs, nil
	}
	for i := range abs {
		x, ok := extra[abs[i].Href]
		if !ok {
			continue
		}
		abs[i].ReadOnly = x.readOnly()
		abs[i].Owner, abs[i].Shared = x.sharedBy(d.principal)
	}
	return abs, nil
}

// AddressBookNotFoundError says which address books exist.
type AddressBookNotFoundError struct {
	Ref       string
	Available []string
}

func (e *AddressBookNotFoundError) Error() string {
	return fmt.Sprintf("no address book %q; available address books: %s (use an id from nc_contacts_list_addressbooks)", e.Ref, strings.Join(e.Available, ", "))
}

func (e *AddressBookNotFoundError) Is(target error) bool { return target == ErrNotFound }

// FindAddressBook finds an address book by id or display name.
func (d *CardDAV) FindAddressBook(ctx context.Context, ref string) (AddressBook, error) {
	abs, err := d.AddressBooks(ctx)
	if err != nil {
		return AddressBook{}, err
	}
	ref = strings.TrimSpace(ref)
	for _, ab := range abs {
		if ab.ID == ref {
			return ab, nil
		}
	}
	var byName []AddressBook
	for _, ab := range abs {
		if strings.EqualFold(ab.Name, ref) {
			byName = append(byName, ab)
		}
	}
	if len(byName) == 1 {
		return byName[0], nil
	}
	avail := make([]string, 0, len(abs))
	for _, ab := range abs {
		avail = append(avail, fmt.Sprintf("%s (%q)", ab.ID, ab.Name))
	}
	return AddressBook{}, &AddressBookNotFoundError{Ref: ref, Available: avail}
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
	data, etag, err := d.c.getRaw(ctx, href)
	if err != nil {
		return CardObject{}, fmt.Errorf("get %s: %w", href, err)
	}
	card, orig, err := decodeCard(data)
	if err != nil {
		return CardObject{}, fmt.Errorf("the contact %s on the server has unreadable vCard data (%v); fix or delete it in the Contacts app: %w", href, err, errMalformed)
	}
	return CardObject{Href: href, ETag: etag, Card: card, orig: orig}, nil
}

// Object finds a card by id (the object name from a listing) or UID. The
// object's URL is always the server's href, never derived from the UID.
func (d *CardDAV) Object(ctx context.Context, ab AddressBook, id string) (CardObject, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return CardObject{}, errors.New("empty contact id")
	}
	if strings.HasPrefix(id, "/") {
		// A full href: accept it only inside this address book.
		href, err := JoinInside("contact id", ab.Href, id)
		if err != nil {
			return CardObject{}, err
		}
		return d.Get(ctx, href)
	}
	if !strings.Contains(id, "/") {
		href, err := JoinInside("contact id", ab.Href, id)
		if err != nil {
			return CardObject{}, err
		}
		o, err := d.Get(ctx, href)
		if err == nil {
			return o, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return CardObject{}, err
		}
	}
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

// Delete removes a card; with etag only if unchanged.
func (d *CardDAV) Delete(ctx context.Context, href, etag string) error {
	return d.c.davDeleteObject(ctx, href, etag)
}

// TypedValue is an e-mail address or phone number with its kinds.
type TypedValue struct {
	Value     string   `json:"value" jsonschema:"the address or number"`
	Types     []string `json:"types,omitempty" jsonschema:"kinds such as home, work, cell, fax"`
	Preferred bool     `json:"preferred,omitempty" jsonschema:"the one to use first"`
}

// PostalAddress is an ADR.
type PostalAddress struct {
	Types      []string `json:"types,omitempty" jsonschema:"kinds such as home or work"`
	POBox      string   `json:"po_box,omitempty" jsonschema:"post office box"`
	Extended   string   `json:"extended,omitempty" jsonschema:"apartment, suite"`
	Street     string   `json:"street,omitempty" jsonschema:"street and number"`
	City       string   `json:"city,omitempty" jsonschema:"city or locality"`
	Region     string   `json:"region,omitempty" jsonschema:"state or province"`
	PostalCode string   `json:"postal_code,omitempty" jsonschema:"postal code"`
	Country    string   `json:"country,omitempty" jsonschema:"country"`
}

func (a PostalAddress) empty() bool {
	return a.POBox == "" && a.Extended == "" && a.Street == "" && a.City == "" && a.Region == "" && a.PostalCode == "" && a.Country == ""
}

// Contact is a vCard (3.0 or 4.0) in readable form.
type Contact struct {
	AddressBook  string          `json:"addressbook" jsonschema:"address book id"`
	ID           string          `json:"id" jsonschema:"contact id within the address book (the object name), for get, update and delete"`
	UID          string          `json:"uid,omitempty"`
	ETag         string          `json:"etag,omitempty" jsonschema:"version tag; pass it to update or delete to refuse changes made meanwhile"`
	FullName     string          `json:"full_name" jsonschema:"formatted name (FN)"`
	GivenName    string          `json:"given_name,omitempty"`
	FamilyName   string          `json:"family_name,omitempty"`
	MiddleName   string          `json:"middle_name,omitempty"`
	Prefix       string          `json:"prefix,omitempty"`
	Suffix       string          `json:"suffix,omitempty"`
	Nickname     string          `json:"nickname,omitempty"`
	Emails       []TypedValue    `json:"emails,omitempty"`
	Phones       []TypedValue    `json:"phones,omitempty"`
	Addresses    []PostalAddress `json:"addresses,omitempty"`
	Organization string          `json:"organization,omitempty"`
	Department   string          `json:"department,omitempty"`
	Title        string          `json:"title,omitempty" jsonschema:"job title"`
	Birthday     string          `json:"birthday,omitempty" jsonschema:"YYYY-MM-DD, or --MM-DD without a year"`
	Note         string          `json:"note,omitempty"`
	Categories   []string        `json:"categories,omitempty" jsonschema:"groups the contact belongs to"`
	URLs         []string        `json:"urls,omitempty"`
	Version      string          `json:"version,omitempty" jsonschema:"vCard version (3.0 or 4.0)"`
}

// ContactFromCard reads a card (values as on the wire, see
// carddav_raw.go).
func ContactFromCard(card vcard.Card) Contact {
	text := func(key string) string { return strings.TrimSpace(unescapeText(card.PreferredValue(key))) }
	c := Contact{
		UID:      cardUID(card),
		FullName: text(vcard.FieldFormattedName),
		Nickname: text(vcard.FieldNickname),
		Title:    text(vcard.FieldTitle),
		Note:     unescapeText(card.PreferredValue(vcard.FieldNote)),
		Version:  strings.TrimSpace(card.Value(vcard.FieldVersion)),
	}
	if f := card.Get(vcard.FieldName); f != nil {
		n := structuredOf(f.Value, 5)
		c.FamilyName, c.GivenName, c.MiddleName, c.Prefix, c.Suffix = n[0], n[1], n[2], n[3], n[4]
	}
	if c.FullName == "" {
		c.FullName = strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{c.Prefix, c.GivenName, c.MiddleName, c.FamilyName, c.Suffix}, func(s string) bool { return s == "" }), " "))
	}
	if org := card.PreferredValue(vcard.FieldOrganization); org != "" {
		parts := splitEscaped(org, ';')
		c.Organization = strings.TrimSpace(unescapeText(parts[0]))
		var deps []string
		for _, p := range parts[1:] {
			if p = strings.TrimSpace(unescapeText(p)); p != "" {
				deps = append(deps, p)
			}
		}
		c.Department = strings.Join(deps, ", ")
	}
	for _, f := range card[vcard.FieldEmail] {
		if v := strings.TrimSpace(unescapeText(f.Value)); v != "" {
			c.Emails = append(c.Emails, typedOf(f, strings.TrimPrefix(v, "mailto:")))
		}
	}
	for _, f := range card[vcard.FieldTelephone] {
		if v := strings.TrimSpace(unescapeText(f.Value)); v != "" {
			if len(v) > 4 && strings.EqualFold(v[:4], "tel:") {
				v = v[4:]
			}
			c.Phones = append(c.Phones, typedOf(f, v))
		}
	}
	for _, f := range card[vcard.FieldAddress] {
		a := structuredOf(f.Value, 7)
		pa := PostalAddress{Types: typesOf(f), POBox: a[0], Extended: a[1], Street: a[2], City: a[3], Region: a[4], PostalCode: a[5], Country: a[6]}
		if !pa.empty() {
			c.Addresses = append(c.Addresses, pa)
		}
	}
	c.Birthday = normalizeBirthday(card.Value(vcard.FieldBirthday))
	for _, f := range card[vcard.FieldCategories] {
		for _, v := range splitEscaped(f.Value, ',') {
			if v = strings.TrimSpace(unescapeText(v)); v != "" && !slices.Contains(c.Categories, v) {
				c.Categories = append(c.Categories, v)
			}
		}
	}
	for _, f := range card[vcard.FieldURL] {
		// A URI, not text; some writers escape its commas anyway.
		if v := strings.TrimSpace(unescapeText(f.Value)); v != "" {
			c.URLs = append(c.URLs, v)
		}
	}
	return c
}

// structuredOf splits a structured value (N, ADR) into n unescaped
// components; a component's own list (a,b) stays one string.
func structuredOf(v string, n int) []string {
	parts := splitEscaped(v, ';')
	out := make([]string, n)
	for i := range out {
		if i < len(parts) {
			out[i] = strings.TrimSpace(unescapeText(parts[i]))
		}
	}
	return out
}

// structuredValue joins components into a structured value, each escaped.
func structuredValue(parts ...string) string {
	for i, p := range parts {
		parts[i] = escapeText(p)
	}
	return strings.Join(parts, ";")
}

func typesOf(f *vcard.Field) []string {
	var out []string
	for _, t := range f.Params.Types() {
		for _, x := range strings.Split(t, ",") {
			x = strings.ToLower(strings.TrimSpace(x))
			if x == "" || x == "pref" || x == "internet" {
				continue
			}
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

func typedOf(f *vcard.Field, v string) TypedValue {
	tv := TypedValue{Value: v, Types: typesOf(f)}
	if f.Params.Get(vcard.ParamPreferred) != "" || f.Params.HasType("pref") {
		tv.Preferred = true
	}
	for _, t := range f.Params.Types() {
		if slices.Contains(strings.Split(strings.ToLower(t), ","), "pref") {
			tv.Preferred = true
		}
	}
	return tv
}

// normalizeBirthday turns the vCard 3.0 and 4.0 forms (1990-04-15,
// 19900415, --0415, --04-15, 1990-04-15T00:00:00Z) into YYYY-MM-DD or
// --MM-DD.
func normalizeBirthday(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if i := strings.IndexAny(v, "T"); i > 0 {
		v = v[:i]
	}
	digits := strings.ReplaceAll(v, "-", "")
	switch {
	case strings.HasPrefix(v, "--") && len(digits) == 4 && allDigits(digits):
		return "--" + digits[:2] + "-" + digits[2:]
	case len(digits) == 8 && allDigits(digits):
		if _, err := time.Parse("20060102", digits); err == nil {
			return digits[:4] + "-" + digits[4:6] + "-" + digits[6:]
		}
	}
	return v
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ContactInput holds contact fields to set; nil leaves a field alone, an
// empty value (or list) clears it. Lists replace the whole list.
type ContactInput struct {
	FullName     *string
	GivenName    *string
	FamilyName   *string
	MiddleName   *string
	Prefix       *string
	Suffix       *string
	Nickname     *string
	Emails       *[]TypedValue
	Phones       *[]TypedValue
	Addresses    *[]PostalAddress
	Organization *string
	Department   *string
	Title        *string
	Birthday     *string
	Note         *string
	Categories   *[]string
	URLs         *[]string
}

// NewCard builds a vCard 3.0 for a new contact (the version Nextcloud
// stores and every client reads).
func NewCard(uid string, in ContactInput, now time.Time) (vcard.Card, error) {
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldUID, uid)
	card.SetValue(vcard.FieldProductID, "-//Nextcloud MCP Server//EN")
	if err := ApplyContactInput(card, in, now); err != nil {
		return nil, err
	}
	if card.Get(vcard.FieldName) == nil {
		// vCard 3.0 requires N; a contact known by its full name only
		// gets an empty one rather than a guessed split.
		card.SetValue(vcard.FieldName, ";;;;")
	}
	return card, nil
}

// setField replaces the fields of key by one with the wire value v,
// keeping the group and parameters of the first existing one.
func setField(card vcard.Card, key, v string) {
	f := &vcard.Field{Value: v}
	if old := card.Get(key); old != nil {
		f.Group, f.Params = old.Group, old.Params
	}
	card[key] = []*vcard.Field{f}
}

// ApplyContactInput writes in onto card, keeping everything not given
// (photos, custom fields, other apps' data).
func ApplyContactInput(card vcard.Card, in ContactInput, now time.Time) error {
	v4 := strings.HasPrefix(card.Value(vcard.FieldVersion), "4")
	cur := ContactFromCard(card)
	// FN follows the name parts unless someone wrote it by hand.
	oldFN := strings.TrimSpace(unescapeText(card.Value(vcard.FieldFormattedName)))
	autoFN := oldFN == "" || oldFN == derivedFN(card)
	setSimple := func(key string, v *string, multiline bool) {
		if v == nil {
			return
		}
		s := cleanValue(*v)
		if multiline {
			s = strings.TrimSpace(cleanText(*v))
		}
		if s == "" {
			delete(card, key)
			return
		}
		setField(card, key, escapeText(s))
	}
	if in.GivenName != nil || in.FamilyName != nil || in.MiddleName != nil || in.Prefix != nil || in.Suffix != nil {
		parts := []string{cur.FamilyName, cur.GivenName, cur.MiddleName, cur.Prefix, cur.Suffix}
		for i, v := range []*string{in.FamilyName, in.GivenName, in.MiddleName, in.Prefix, in.Suffix} {
			if v != nil {
				parts[i] = cleanValue(*v)
			}
		}
		setField(card, vcard.FieldName, structuredValue(parts...))
	}
	setSimple(vcard.FieldNickname, in.Nickname, false)
	setSimple(vcard.FieldTitle, in.Title, false)
	setSimple(vcard.FieldNote, in.Note, true)
	if in.FullName != nil {
		setSimple(vcard.FieldFormattedName, in.FullName, false)
	}
	if in.Organization != nil || in.Department != nil {
		org, dep := cur.Organization, cur.Department
		if in.Organization != nil {
			org = cleanValue(*in.Organization)
		}
		if in.Department != nil {
			dep = cleanValue(*in.Department)
		}
		switch {
		case org == "" && dep == "":
			delete(card, vcard.FieldOrganization)
		case dep == "":
			setField(card, vcard.FieldOrganization, escapeText(org))
		default:
			setField(card, vcard.FieldOrganization, structuredValue(org, dep))
		}
	}
	if in.Emails != nil {
		delete(card, vcard.FieldEmail)
		for i, e := range *in.Emails {
			v := strings.TrimSpace(e.Value)
			addr, err := mail.ParseAddress(v)
			if err != nil || addr.Address != v || strings.ContainsAny(v, " ,;:\"\\") {
				return fmt.Errorf("email %d: %q is not an e-mail address", i+1, e.Value)
			}
			card.Add(vcard.FieldEmail, typedField(v, e, v4, "internet"))
		}
	}
	if in.Phones != nil {
		delete(card, vcard.FieldTelephone)
		for i, p := range *in.Phones {
			v := cleanValue(p.Value)
			if v == "" || !strings.ContainsFunc(v, unicode.IsDigit) || strings.ContainsAny(v, ",;\\") {
				return fmt.Errorf("phone %d: %q is not a phone number", i+1, p.Value)
			}
			card.Add(vcard.FieldTelephone, typedField(v, p, v4, ""))
		}
	}
	if in.Addresses != nil {
		delete(card, vcard.FieldAddress)
		for _, a := range *in.Addresses {
			if a.empty() {
				continue
			}
			f := &vcard.Field{}
			if ts := cleanTypes(a.Types); len(ts) > 0 {
				f.Params = vcard.Params{vcard.ParamType: ts}
			}
			f.Value = structuredValue(cleanValue(a.POBox), cleanValue(a.Extended), cleanValue(a.Street), cleanValue(a.City),
				cleanValue(a.Region), cleanValue(a.PostalCode), cleanValue(a.Country))
			card.Add(vcard.FieldAddress, f)
		}
	}
	if in.Birthday != nil {
		b := strings.TrimSpace(*in.Birthday)
		if b == "" {
			delete(card, vcard.FieldBirthday)
		} else {
			v, err := birthdayValue(b, v4)
			if err != nil {
				return err
			}
			setField(card, vcard.FieldBirthday, v)
		}
	}
	if in.Categories != nil {
		delete(card, vcard.FieldCategories)
		var clean []string
		for _, c := range *in.Categories {
			if c = cleanValue(c); c != "" && !slices.Contains(clean, c) {
				clean = append(clean, c)
			}
		}
		if len(clean) > 0 {
			for i := range clean {
				clean[i] = escapeText(clean[i])
			}
			card.SetValue(vcard.FieldCategories, strings.Join(clean, ","))
		}
	}
	if in.URLs != nil {
		delete(card, vcard.FieldURL)
		for i, u := range *in.URLs {
			// A URI value: written as given, never escaped.
			if u = strings.TrimSpace(u); u != "" {
				if strings.ContainsAny(u, " \t\r\n\"\\") {
					return fmt.Errorf("url %d: %q is not a URL (it holds spaces, quotes or backslashes)", i+1, u)
				}
				card.AddValue(vcard.FieldURL, u)
			}
		}
	}
	// FN is required: derive it from the name parts or organization.
	if fn := derivedFN(card); fn != "" && (in.FullName == nil || cleanValue(*in.FullName) == "") && (autoFN || card.Value(vcard.FieldFormattedName) == "") {
		setField(card, vcard.FieldFormattedName, escapeText(fn))
	}
	if strings.TrimSpace(card.Value(vcard.FieldFormattedName)) == "" {
		return errors.New("a contact needs a name: give full_name, given_name/family_name or organization")
	}
	if v4 {
		card.SetRevision(now.UTC())
	} else {
		card.SetValue(vcard.FieldRevision, now.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return nil
}

func derivedFN(card vcard.Card) string {
	c := ContactFromCard(vcard.Card{vcard.FieldName: card[vcard.FieldName], vcard.FieldOrganization: card[vcard.FieldOrganization]})
	if c.FullName != "" {
		return c.FullName
	}
	return c.Organization
}

func cleanTypes(ts []string) []string {
	var out []string
	for _, t := range ts {
		t = strings.ToLower(strings.TrimSpace(t))
		t = strings.Map(func(r rune) rune {
			if r == '-' || (r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
				return r
			}
			return -1
		}, t)
		if t != "" && t != "pref" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func typedField(v string, tv TypedValue, v4 bool, extraType string) *vcard.Field {
	f := &vcard.Field{Value: escapeText(v), Params: vcard.Params{}}
	ts := cleanTypes(tv.Types)
	if extraType != "" && !v4 && !slices.Contains(ts, extraType) {
		ts = append([]string{extraType}, ts...)
	}
	if tv.Preferred {
		if v4 {
			f.Params.Set(vcard.ParamPreferred, "1")
		} else {
			ts = append(ts, "pref")
		}
	}
	if len(ts) > 0 {
		f.Params[vcard.ParamType] = ts
	}
	return f
}

// birthdayValue checks a birthday (YYYY-MM-DD or --MM-DD) and writes it in
// the card's version's form.
func birthdayValue(b string, v4 bool) (string, error) {
	if strings.HasPrefix(b, "--") {
		t, err := time.Parse("--01-02", b)
		if err != nil {
			if t, err = time.Parse("--0102", b); err != nil {
				return "", fmt.Errorf("birthday %q is not YYYY-MM-DD or --MM-DD", b)
			}
		}
		if v4 {
			return t.Format("--0102"), nil
		}
		return t.Format("--01-02"), nil
	}
	t, err := time.Parse("2006-01-02", b)
	if err != nil {
		return "", fmt.Errorf("birthday %q is not YYYY-MM-DD or --MM-DD", b)
	}
	if v4 {
		return t.Format("20060102"), nil
	}
	return t.Format("2006-01-02"), nil
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
	uid := NewUID()
	card, err := NewCard(uid, in, time.Now())
	if err != nil {
		return Contact{}, inputErr(err)
	}
	href := ab.Href + uid + ".vcf"
	if _, err := d.Put(ctx, href, card, "", true); err != nil {
		return Contact{}, fmt.Errorf("create contact in %s: %w", ab.ID, err)
	}
	o, err := d.Get(ctx, href)
	if err != nil {
		return Contact{}, err
	}
	return contactOf(ab, o)
}

// UpdateContact changes the fields given, at the card's own href, with
// If-Match so a concurrent change is reported rather than overwritten.
func (d *CardDAV) UpdateContact(ctx context.Context, ab AddressBook, id string, in ContactInput, etag string) (Contact, error) {
	o, err := d.Object(ctx, ab, id)
	if err != nil {
		return Contact{}, err
	}
	if etag != "" && unquoteETag(etag) != o.ETag && o.ETag != "" {
		return Contact{}, conflictError(o.Href, "contact")
	}
	if err := ApplyContactInput(o.Card, in, time.Now()); err != nil {
		return Contact{}, inputErr(err)
	}
	if _, err := d.put(ctx, o.Href, o.Card, o.orig, firstNonEmpty(etag, o.ETag), false); err != nil {
		if errors.Is(err, ErrConflict) {
			return Contact{}, conflictError(o.Href, "contact")
		}
		return Contact{}, fmt.Errorf("update contact %s: %w", o.Href, err)
	}
	o2, err := d.Get(ctx, o.Href)
	if err != nil {
		return Contact{}, err
	}
	return contactOf(ab, o2)
}

// DeleteContact deletes a contact at its href.
func (d *CardDAV) DeleteContact(ctx context.Context, ab AddressBook, id, etag string) error {
	o, err := d.Object(ctx, ab, id)
	if err != nil {
		return err
	}
	if err := d.Delete(ctx, o.Href, firstNonEmpty(etag, o.ETag)); err != nil {
		if errors.Is(err, ErrConflict) {
			return conflictErrorOf(http.MethodDelete, o.Href, "contact")
		}
		return fmt.Errorf("delete contact %s: %w", o.Href, err)
	}
	return nil
}
