package nextcloud

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-vcard"
)

// Contact is the readable form of a vCard: read from a card, and applied to one.

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
		s := cleanInput(*v, multiline)
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
