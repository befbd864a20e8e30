package nctest

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
)

type memBook struct {
	davColl[memCard]
}

func (*memBook) homePrefix() string { return abHomePrefix }
func (*memBook) kind() string       { return "address book" }

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
	return listColls(b.st, ctx, b.st.books, toBook), nil
}

func (b *cardBackend) GetAddressBook(ctx context.Context, p string) (*carddav.AddressBook, error) {
	return getColl(b.st, ctx, p, b.st.books, toBook, "not an address book")
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
	user, r, _, unlock, err := lockedColl(b.st, ctx, p, b.st.books)
	defer unlock()
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
	return getLocked(b.st, ctx, p, b.st.books, (*memCard).toObject, "Card not found")
}

func (b *cardBackend) ListAddressObjects(ctx context.Context, p string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	return listLocked(b.st, ctx, p, b.st.books, (*memCard).toObject)
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
	user, r, name, unlock, err := lockedColl(b.st, ctx, p, b.st.books)
	defer unlock()
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
	_, r, name, unlock, err := lockedColl(b.st, ctx, p, b.st.books)
	defer unlock()
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
