package nextcloud

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-webdav/carddav"
)

// Collection synchronisation (RFC 6578): a collection publishes a
// {DAV:}sync-token that changes with every change of its members, and a
// sync-collection REPORT with an earlier token lists what changed and what
// was removed since. Nextcloud (Sabre) offers both on calendars and
// address books.

var (
	// ErrSyncTokenInvalid means the server no longer knows the token (its
	// change log was pruned, or the token is not its own): the collection
	// has to be read in full.
	ErrSyncTokenInvalid = errors.New("the server does not accept the sync token")
	// ErrNoSyncCollection means the collection offers no usable
	// sync-collection REPORT.
	ErrNoSyncCollection = errors.New("the collection offers no sync-collection REPORT")
)

// SyncMember is a member added or changed since the token.
type SyncMember struct {
	Href string
	ETag string
}

// SyncChanges is what a sync-collection REPORT reported.
type SyncChanges struct {
	// Token is the token to send next time.
	Token string
	// Changed are the members added or changed since the token (with an
	// empty token, every member).
	Changed []SyncMember
	// Deleted are the hrefs of members removed since the token.
	Deleted []string
}

// xmlCollectionListing is a Depth 1 PROPFIND answer on a calendar or
// address book home.
type xmlCollectionListing = xmlPropResponses[struct {
	ResourceType struct {
		Any []xmlEmpty `xml:",any"`
	} `xml:"DAV: resourcetype"`
	DisplayName string `xml:"DAV: displayname"`
	CalDesc     string `xml:"urn:ietf:params:xml:ns:caldav calendar-description"`
	CardDesc    string `xml:"urn:ietf:params:xml:ns:carddav addressbook-description"`
	Comps       struct {
		Comp []struct {
			Name string `xml:"name,attr"`
		} `xml:"urn:ietf:params:xml:ns:caldav comp"`
	} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
	SyncToken string `xml:"DAV: sync-token"`
}]

// listedCollection is one collection of a home listing.
type listedCollection struct {
	href, name, desc, token string
	comps                   []string
}

// listCollections lists the collections of a home whose resourcetype
// includes kind, with their sync tokens (empty when not published), in one
// PROPFIND.
func (c *Client) listCollections(ctx context.Context, home string, kind xml.Name, props ...xml.Name) ([]listedCollection, error) {
	var ms xmlCollectionListing
	if err := c.propfindHome(ctx, home, append([]xml.Name{propResourceType, propDisplayName, propSyncToken}, props...), &ms); err != nil {
		return nil, err
	}
	var out []listedCollection
	for _, r := range ms.Responses {
		u, err := url.Parse(strings.TrimSpace(r.Href))
		if err != nil {
			continue
		}
		lc := listedCollection{href: ensureSlash(u.Path)}
		if lc.href == ensureSlash(home) {
			continue
		}
		isKind := false
		for _, ps := range r.Propstat {
			if !okStatus(ps.Status) {
				continue
			}
			p := ps.Prop
			for _, t := range p.ResourceType.Any {
				isKind = isKind || t.XMLName == kind
			}
			lc.name = firstNonEmpty(lc.name, strings.TrimSpace(p.DisplayName))
			lc.desc = firstNonEmpty(lc.desc, p.CalDesc, p.CardDesc)
			lc.token = firstNonEmpty(lc.token, strings.TrimSpace(p.SyncToken))
			for _, comp := range p.Comps.Comp {
				lc.comps = append(lc.comps, strings.ToUpper(comp.Name))
			}
		}
		if isKind {
			out = append(out, lc)
		}
	}
	return out, nil
}

// okStatus reports whether a propstat or response status line says 200.
func okStatus(s string) bool { return statusCode(s) == http.StatusOK }

// statusCode reads the code of an "HTTP/1.1 404 Not Found" status line.
func statusCode(s string) int {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// CalendarsWithSyncTokens lists the calendars like Calendars, and the
// sync token each publishes (by href; missing when the server publishes
// none), in the same single PROPFIND.
func (d *CalDAV) CalendarsWithSyncTokens(ctx context.Context) ([]Calendar, map[string]string, error) {
	cols, err := d.c.listCollections(ctx, d.home, resTypeCalendar, propCalDesc, propCalComps)
	if err != nil {
		return nil, nil, fmt.Errorf("list calendars in %s: %w", d.home, err)
	}
	cals := make([]Calendar, 0, len(cols))
	tokens := map[string]string{}
	for _, lc := range cols {
		cals = append(cals, calendarOf(lc.href, lc.name, lc.desc, lc.comps))
		if lc.token != "" {
			tokens[lc.href] = lc.token
		}
	}
	sort.Slice(cals, func(i, j int) bool { return cals[i].ID < cals[j].ID })
	return cals, tokens, nil
}

// AddressBooksWithSyncTokens lists the address books like AddressBooks,
// and the sync token each publishes, in one PROPFIND.
func (d *CardDAV) AddressBooksWithSyncTokens(ctx context.Context) ([]AddressBook, map[string]string, error) {
	cols, err := d.c.listCollections(ctx, d.home, resTypeAddrBook, propCardDesc)
	if err != nil {
		return nil, nil, fmt.Errorf("list address books in %s: %w", d.home, err)
	}
	abs := make([]AddressBook, 0, len(cols))
	tokens := map[string]string{}
	for _, lc := range cols {
		abs = append(abs, AddressBook{ID: lastSegment(lc.href), Name: firstNonEmpty(lc.name, lastSegment(lc.href)), Description: lc.desc, Href: lc.href})
		if lc.token != "" {
			tokens[lc.href] = lc.token
		}
	}
	sort.Slice(abs, func(i, j int) bool { return abs[i].ID < abs[j].ID })
	return abs, tokens, nil
}

// xmlSyncCollection is the sync-collection REPORT body (RFC 6578 6.1).
type xmlSyncCollection struct {
	XMLName   xml.Name `xml:"DAV: sync-collection"`
	SyncToken string   `xml:"DAV: sync-token"`
	SyncLevel string   `xml:"DAV: sync-level"`
	Prop      struct {
		Names []xmlEmpty
	} `xml:"DAV: prop"`
}

// xmlSyncAnswer is its multistatus answer.
type xmlSyncAnswer struct {
	XMLName   xml.Name `xml:"DAV: multistatus"`
	Responses []struct {
		Hrefs    []string `xml:"DAV: href"`
		Status   string   `xml:"DAV: status"`
		Propstat []struct {
			Status string `xml:"DAV: status"`
			Prop   struct {
				ETag string `xml:"DAV: getetag"`
			} `xml:"DAV: prop"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
	SyncToken string `xml:"DAV: sync-token"`
}

// maxSyncPages bounds the REPORTs of one sync when the server truncates
// its answers (RFC 6578 3.6).
const maxSyncPages = 1000

// SyncCollection asks what changed in a calendar since token (all members
// with an empty token), with a sync-collection REPORT. It returns
// ErrSyncTokenInvalid when the server no longer knows the token and
// ErrNoSyncCollection when the calendar offers no such REPORT; both mean
// the calendar has to be read in full.
func (d *CalDAV) SyncCollection(ctx context.Context, cal Calendar, token string) (*SyncChanges, error) {
	acc := newSyncAccumulator()
	for range maxSyncPages {
		ans, err := d.c.syncReport(ctx, cal.Href, token)
		if err != nil {
			return nil, fmt.Errorf("sync calendar %s: %w", cal.ID, err)
		}
		more := acc.add(cal.Href, ans)
		if ans.SyncToken == "" {
			return nil, fmt.Errorf("sync calendar %s: the answer carries no sync token: %w", cal.ID, ErrNoSyncCollection)
		}
		token = ans.SyncToken
		if !more {
			return acc.result(token), nil
		}
	}
	return nil, fmt.Errorf("sync calendar %s: still truncated after %d REPORTs: %w", cal.ID, maxSyncPages, ErrNoSyncCollection)
}

func (c *Client) syncReport(ctx context.Context, coll, token string) (*xmlSyncAnswer, error) {
	q := xmlSyncCollection{SyncToken: token, SyncLevel: "1"}
	q.Prop.Names = []xmlEmpty{{XMLName: propGetETag}}
	body, err := xml.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode sync-collection: %w", err)
	}
	req, err := c.NewRequest(ctx, "REPORT", c.davURL(coll), append([]byte(xml.Header), body...))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", "0")
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	resp, err := davSyncHTTP{c}.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ans xmlSyncAnswer
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&ans); err != nil {
		return nil, fmt.Errorf("decode sync-collection answer of %s: %w", coll, err)
	}
	return &ans, nil
}

// syncAccumulator merges the pages of a truncated sync: a later page's
// word on a member wins.
type syncAccumulator struct {
	changed map[string]string
	deleted map[string]bool
}

func newSyncAccumulator() *syncAccumulator {
	return &syncAccumulator{changed: map[string]string{}, deleted: map[string]bool{}}
}

// add takes in one answer and reports whether the server truncated it
// (a 507 response for the collection itself).
func (a *syncAccumulator) add(coll string, ans *xmlSyncAnswer) (truncated bool) {
	for _, r := range ans.Responses {
		if len(r.Hrefs) != 1 {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(r.Hrefs[0]))
		if err != nil {
			continue
		}
		href := u.Path
		code := statusCode(r.Status)
		if ensureSlash(href) == ensureSlash(coll) {
			truncated = truncated || code == http.StatusInsufficientStorage
			continue
		}
		if code == http.StatusNotFound || code == http.StatusGone {
			delete(a.changed, href)
			a.deleted[href] = true
			continue
		}
		etag := ""
		for _, ps := range r.Propstat {
			if okStatus(ps.Status) {
				etag = firstNonEmpty(etag, unquoteETag(strings.TrimSpace(ps.Prop.ETag)))
			}
		}
		delete(a.deleted, href)
		a.changed[href] = etag
	}
	return truncated
}

func (a *syncAccumulator) result(token string) *SyncChanges {
	out := &SyncChanges{Token: token}
	for h, e := range a.changed {
		out.Changed = append(out.Changed, SyncMember{Href: h, ETag: e})
	}
	for h := range a.deleted {
		out.Deleted = append(out.Deleted, h)
	}
	sort.Slice(out.Changed, func(i, j int) bool { return out.Changed[i].Href < out.Changed[j].Href })
	sort.Strings(out.Deleted)
	return out
}

// SyncCollection asks what changed in an address book since token (all
// members with an empty token), through go-webdav's carddav client. Errors
// are those of CalDAV.SyncCollection.
func (d *CardDAV) SyncCollection(ctx context.Context, ab AddressBook, token string) (*SyncChanges, error) {
	cl, err := carddav.NewClient(davSyncHTTP{d.c}, d.c.davEndpoint())
	if err != nil {
		return nil, fmt.Errorf("carddav client: %w", err)
	}
	var resp *carddav.SyncResponse
	err = safely(func() error {
		var err error
		// Sabre sends the whole card for address-data whatever is asked;
		// servers that honour the prop list send only the UID.
		resp, err = cl.SyncCollection(ctx, ab.Href, &carddav.SyncQuery{SyncToken: token, DataRequest: carddav.AddressDataRequest{Props: []string{"UID"}}})
		return err
	})
	if err != nil {
		if isHTTPError(err) || errors.Is(err, ErrNoSyncCollection) {
			return nil, fmt.Errorf("sync address book %s: %w", ab.ID, err)
		}
		// go-webdav cannot read the answer (a truncated one, with a 507
		// response, among others): read the book in full instead.
		return nil, fmt.Errorf("sync address book %s: unusable answer (%v): %w", ab.ID, err, ErrNoSyncCollection)
	}
	if resp.SyncToken == "" {
		return nil, fmt.Errorf("sync address book %s: the answer carries no sync token: %w", ab.ID, ErrNoSyncCollection)
	}
	out := &SyncChanges{Token: resp.SyncToken}
	for _, o := range resp.Updated {
		out.Changed = append(out.Changed, SyncMember{Href: o.Path, ETag: o.ETag})
	}
	out.Deleted = append(out.Deleted, resp.Deleted...)
	sort.Slice(out.Changed, func(i, j int) bool { return out.Changed[i].Href < out.Changed[j].Href })
	sort.Strings(out.Deleted)
	return out, nil
}

// davSyncHTTP sends sync-collection REPORTs: like Client.Do, but it reads
// the DAV precondition of a refusal, so a stale token
// (ErrSyncTokenInvalid) and a missing REPORT (ErrNoSyncCollection) can be
// told from other failures.
type davSyncHTTP struct{ c *Client }

func (d davSyncHTTP) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Raw().Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, d.c.syncError(req, resp)
	}
	if resp.StatusCode != http.StatusMultiStatus {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("REPORT %s answered %d, not a multistatus: %w", req.URL.Path, resp.StatusCode, ErrNoSyncCollection)
	}
	return resp, nil
}

// xmlDAVError is a {DAV:}error body (RFC 4918 16) naming the failed
// precondition.
type xmlDAVError struct {
	XMLName xml.Name   `xml:"DAV: error"`
	Any     []xmlEmpty `xml:",any"`
}

func (c *Client) syncError(req *http.Request, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	err := c.errorFrom(req, resp)
	var de xmlDAVError
	if xml.Unmarshal(body, &de) == nil {
		for _, cond := range de.Any {
			switch cond.XMLName {
			case condValidToken:
				return fmt.Errorf("%w: %w", ErrSyncTokenInvalid, err)
			case condSupportedRpt:
				return fmt.Errorf("%w: %w", ErrNoSyncCollection, err)
			}
		}
	}
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity, http.StatusNotImplemented:
		return fmt.Errorf("%w: %w", ErrNoSyncCollection, err)
	}
	return err
}
