package nctest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
)

type memBook struct {
	davColl[memCard]
}

func (*memBook) homePrefix() string { return abHomePrefix }

func newBook(owner, id, name, desc string) *memBook {
	return &memBook{davColl: newDAVColl[memCard](owner, id, name, desc)}
}

type memCard struct {
	davObject
	raw  []byte // the card as sent; served as is
	card vcard.Card
}

type bookRef = collRef[*memBook]

func (st *davStore) bookLocked(user, p string) (bookRef, string, error) {
	return findLocked(user, p, st.books)
}

type cardBackend struct{ st *davStore }

var bookData = []carddav.AddressDataType{{ContentType: vcard.MIMEType, Version: "3.0"}, {ContentType: vcard.MIMEType, Version: "4.0"}}

func (b *cardBackend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	return principalPath(userFromCtx(ctx)), nil
}

func (b *cardBackend) AddressBookHomeSetPath(ctx context.Context) (string, error) {
	return abHome(userFromCtx(ctx)), nil
}

func toBook(r bookRef, user string) carddav.AddressBook {
	return carddav.AddressBook{Path: r.path(user), Name: r.c.name, Description: r.c.desc, SupportedAddressData: bookData}
}

func (b *cardBackend) ListAddressBooks(ctx context.Context) ([]carddav.AddressBook, error) {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	var out []carddav.AddressBook
	for _, r := range visibleLocked(user, b.st.books) {
		out = append(out, toBook(r, user))
	}
	return out, nil
}

func (b *cardBackend) GetAddressBook(ctx context.Context, p string) (*carddav.AddressBook, error) {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, name, err := b.st.bookLocked(user, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, httpErr(http.StatusNotFound, "not an address book")
	}
	ab := toBook(r, user)
	return &ab, nil
}

func (b *cardBackend) CreateAddressBook(ctx context.Context, ab *carddav.AddressBook) error {
	user := userFromCtx(ctx)
	u, seg, name := splitDAVPath(ab.Path, abHomePrefix)
	if u != user || seg == "" || name != "" {
		return httpErr(http.StatusForbidden, "address books can only be created in the user's home")
	}
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	if _, ok := b.st.books[user+"/"+seg]; ok {
		return httpErr(http.StatusMethodNotAllowed, "The resource you tried to create already exists")
	}
	b.st.books[user+"/"+seg] = newBook(user, seg, firstNonEmptyStr(ab.Name, seg), ab.Description)
	return nil
}

func (b *cardBackend) DeleteAddressBook(ctx context.Context, p string) error {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, _, err := b.st.bookLocked(user, p)
	if err != nil {
		return err
	}
	if r.c.owner != user {
		delete(r.c.shares, user)
		return nil
	}
	delete(b.st.books, user+"/"+r.c.id)
	return nil
}

func (o *memCard) toObject(p string) carddav.AddressObject {
	return carddav.AddressObject{Path: p, ModTime: o.mod, ContentLength: o.size, ETag: o.etag, Card: o.card}
}

func (b *cardBackend) GetAddressObject(ctx context.Context, p string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, name, err := b.st.bookLocked(user, p)
	if err != nil {
		return nil, err
	}
	o, ok := r.c.objs[name]
	if name == "" || !ok {
		return nil, httpErr(http.StatusNotFound, "Card not found")
	}
	ao := o.toObject(r.path(user) + name)
	return &ao, nil
}

func (b *cardBackend) ListAddressObjects(ctx context.Context, p string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, _, err := b.st.bookLocked(user, p)
	if err != nil {
		return nil, err
	}
	return listLocked(r.c.objs, r.path(user), (*memCard).toObject), nil
}

func (b *cardBackend) QueryAddressObjects(ctx context.Context, p string, q *carddav.AddressBookQuery) ([]carddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	if len(q.PropFilters) == 0 {
		return all, nil
	}
	var good []carddav.AddressObject
	for _, ao := range all {
		if _, broken := ao.Card[brokenMarkerCard]; !broken {
			good = append(good, ao)
		}
	}
	return carddav.Filter(q, good)
}

func (b *cardBackend) PutAddressObject(ctx context.Context, p string, card vcard.Card, opts *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, name, err := b.st.bookLocked(user, p)
	if err != nil {
		return nil, httpErr(http.StatusConflict, "the address book of %s does not exist", p)
	}
	if name == "" {
		return nil, httpErr(http.StatusMethodNotAllowed, "cannot PUT an address book")
	}
	if r.readOnly {
		return nil, httpErr(http.StatusForbidden, "Access denied: address book %s is shared read-only", r.seg)
	}
	if card.Value(vcard.FieldFormattedName) == "" && card.Value(vcard.FieldName) == "" {
		return nil, httpErr(http.StatusBadRequest, "vCard has no FN")
	}
	uid := card.Value(vcard.FieldUID)
	raw, _ := ctx.Value(rawCardKey{}).([]byte)
	if len(raw) == 0 {
		return nil, httpErr(http.StatusBadRequest, "empty vCard")
	}
	if opts != nil {
		cur, exists := existing(r.c.objs, name)
		if err := checkPut(opts.IfNoneMatch, opts.IfMatch, exists, cur, "card"); err != nil {
			return nil, err
		}
	}
	if uid != "" {
		for n, o := range r.c.objs {
			if n != name && o.card.Value(vcard.FieldUID) == uid {
				return nil, httpErr(http.StatusBadRequest, "Card with uid already exists in this address book.")
			}
		}
	}
	o := &memCard{davObject: newDAVObject(raw), raw: raw, card: card}
	r.c.objs[name] = o
	r.c.log.record(name, false)
	ao := o.toObject(r.path(user) + name)
	return &ao, nil
}

func (b *cardBackend) DeleteAddressObject(ctx context.Context, p string) error {
	user := userFromCtx(ctx)
	b.st.mu.Lock()
	defer b.st.mu.Unlock()
	r, name, err := b.st.bookLocked(user, p)
	if err != nil {
		return err
	}
	return deleteObjectLocked(r, r.c.objs, &r.c.log, name, "address book", "Card not found")
}

func (st *davStore) bookInfos(user, p string, depth bool) ([]collectionInfo, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return infosLocked(user, p, st.books, depth, func(r bookRef) collectionInfo {
		return collectionInfo{href: r.path(user), owner: r.c.owner, readOnly: r.readOnly,
			name: r.c.name, desc: r.c.desc, syncToken: st.syncTokenLocked(&r.c.log)}
	})
}

func (st *davStore) storeCard(user, bookID, name string, card vcard.Card, raw []byte) (string, error) {
	if raw == nil {
		var buf bytes.Buffer
		if err := vcard.NewEncoder(&buf).Encode(card); err != nil {
			return "", err
		}
		raw = buf.Bytes()
	}
	st.ensureUser(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.books[user+"/"+bookID]
	if !ok {
		return "", fmt.Errorf("no address book %s/%s", user, bookID)
	}
	b.objs[name] = &memCard{davObject: newDAVObject(raw), raw: raw, card: card}
	b.log.record(name, false)
	return abHome(user) + bookID + "/" + name, nil
}

// PutVCard stores vCard text (3.0 or 4.0) as object name of the user's
// address book without validation and returns its href.
func (s *Server) PutVCard(t testing.TB, user, bookID, name, vcf string) string {
	t.Helper()
	if !strings.Contains(vcf, "\r\n") {
		vcf = strings.ReplaceAll(vcf, "\n", "\r\n")
	}
	card, err := vcard.NewDecoder(strings.NewReader(vcf)).Decode()
	if err != nil {
		t.Fatalf("nctest: vCard for %s does not parse: %v", name, err)
	}
	href, err := s.apps.dav.storeCard(user, bookID, name, card, []byte(vcf))
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

// PutBrokenVCard stores a card no vCard parser can read back (its END
// line is wrong) and returns its href.
func (s *Server) PutBrokenVCard(t testing.TB, user, bookID, name string) string {
	t.Helper()
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldFormattedName, "Broken Card")
	card.SetValue(vcard.FieldUID, "broken-"+name)
	// Sorted before FN, this writes "END:X-CORRUPT" inside the card.
	card.SetValue(brokenMarkerCard, "X-CORRUPT")
	href, err := s.apps.dav.storeCard(user, bookID, name, card, nil)
	if err != nil {
		t.Fatalf("nctest: store %s: %v", name, err)
	}
	return href
}

const brokenMarkerCard = "END"

// VCardText returns the stored vCard text of a card.
func (s *Server) VCardText(user, bookID, name string) (string, bool) {
	st := s.apps.dav
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.books[user+"/"+bookID]
	if !ok {
		return "", false
	}
	o, ok := b.objs[name]
	if !ok {
		return "", false
	}
	return string(o.raw), true
}

type rawCardKey struct{}

// serveRawCard answers a GET of a card with the bytes it was stored with
// (go-webdav's handler would re-encode it through go-vcard, which loses
// data; Nextcloud does not).
func (h *davExtra) serveRawCard(w http.ResponseWriter, r *http.Request, user string) bool {
	h.st.mu.Lock()
	ref, name, err := h.st.bookLocked(user, r.URL.Path)
	var o *memCard
	if err == nil && name != "" {
		o = ref.c.objs[name]
	}
	h.st.mu.Unlock()
	if o == nil {
		return false
	}
	w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
	w.Header().Set("ETag", `"`+o.etag+`"`)
	_, _ = w.Write(o.raw)
	return true
}

// serveRawCardReport answers addressbook-query without filters and
// addressbook-multiget with the stored bytes; other REPORTs go to
// go-webdav.
func (h *davExtra) serveRawCardReport(w http.ResponseWriter, r *http.Request, user string, body []byte) bool {
	var q struct {
		XMLName xml.Name
		Hrefs   []string `xml:"DAV: href"`
		Filter  *struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"urn:ietf:params:xml:ns:carddav filter"`
	}
	if xml.Unmarshal(body, &q) != nil || q.XMLName.Space != "urn:ietf:params:xml:ns:carddav" {
		return false
	}
	multi := q.XMLName.Local == "addressbook-multiget"
	if !multi && (q.XMLName.Local != "addressbook-query" || (q.Filter != nil && len(bytes.TrimSpace(q.Filter.Inner)) > 0)) {
		return false
	}
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	ref, name, err := h.st.bookLocked(user, r.URL.Path)
	if err != nil || name != "" {
		return false
	}
	names := sortedKeys(ref.c.objs)
	if multi {
		names = nil
		for _, href := range q.Hrefs {
			u, err := url.Parse(strings.TrimSpace(href))
			if err != nil {
				continue
			}
			names = append(names, path.Base(u.Path))
		}
	}
	var b bytes.Buffer
	b.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">`)
	for _, n := range names {
		href := (&url.URL{Path: ref.path(user) + n}).EscapedPath()
		o, ok := ref.c.objs[n]
		if !ok {
			b.WriteString("<d:response><d:href>" + href + "</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>")
			continue
		}
		b.WriteString("<d:response><d:href>" + href + `</d:href><d:propstat><d:prop><d:getetag>"` + o.etag + `"</d:getetag><card:address-data>`)
		_ = xml.EscapeText(&b, o.raw)
		b.WriteString("</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")
	}
	b.WriteString("</d:multistatus>")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(b.Bytes())
	return true
}

// VCardNames lists the object names of an address book.
func (s *Server) VCardNames(user, bookID string) []string {
	st := s.apps.dav
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.books[user+"/"+bookID]
	if !ok {
		return nil
	}
	return sortedKeys(b.objs)
}

// AddAddressBook creates an address book for user.
func (s *Server) AddAddressBook(t testing.TB, user, bookID, name string) {
	t.Helper()
	st := s.apps.dav
	st.ensureUser(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.books[user+"/"+bookID]; ok {
		t.Fatalf("nctest: address book %s/%s exists", user, bookID)
	}
	st.books[user+"/"+bookID] = newBook(user, bookID, name, "")
}

// ShareAddressBook shares owner's address book with sharee.
func (s *Server) ShareAddressBook(t testing.TB, owner, bookID, sharee string, readOnly bool) {
	t.Helper()
	st := s.apps.dav
	st.ensureUser(owner)
	st.ensureUser(sharee)
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.books[owner+"/"+bookID]
	if !ok {
		t.Fatalf("nctest: no address book %s/%s", owner, bookID)
	}
	b.shares[sharee] = readOnly
}
