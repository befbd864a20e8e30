package nctest

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-vcard"
)

// Collection synchronisation (RFC 6578) as Sabre and Nextcloud do it:
// every calendar and address book has a sync token (an integer, starting
// at 1, published as http://sabre.io/ns/sync/N) and a change log; each
// change of a member is logged under the current token, which then moves
// on. A sync-collection REPORT with token N lists the members changed
// since (their current state; removed ones with a 404 status) and the
// current token. Tokens older than the log (Nextcloud prunes it) or not
// of this form are refused with the DAV:valid-sync-token precondition.

const syncTokenPrefix = "http://sabre.io/ns/sync/"

type davChange struct {
	token   int
	name    string
	deleted bool
}

// changeLog is a collection's sync state; the zero value is a new
// collection (token 1, nothing logged).
type changeLog struct {
	token   int // current token - 1 (zero value: token 1)
	oldest  int // oldest token still known - 1
	changes []davChange
}

func (l *changeLog) current() int { return l.token + 1 }

func (l *changeLog) record(name string, deleted bool) {
	l.changes = append(l.changes, davChange{token: l.current(), name: name, deleted: deleted})
	l.token++
}

// prune forgets the log, as Nextcloud's PruneOutdatedSyncTokensJob does:
// only the current token stays valid.
func (l *changeLog) prune() {
	l.changes = nil
	l.oldest = l.token
}

func (l *changeLog) tokenURL() string { return syncTokenPrefix + strconv.Itoa(l.current()) }

// since returns the changes logged at or after token, ok false when the
// token is unknown.
func (l *changeLog) since(token int) ([]davChange, bool) {
	if token < l.oldest+1 || token > l.current() {
		return nil, false
	}
	var out []davChange
	for _, c := range l.changes {
		if c.token >= token {
			out = append(out, c)
		}
	}
	return out, true
}

// isSyncCollection reports whether a REPORT body is a sync-collection.
func isSyncCollection(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name == xml.Name{Space: "DAV:", Local: "sync-collection"}
		}
	}
}

type syncCollectionReq struct {
	XMLName   xml.Name `xml:"DAV: sync-collection"`
	SyncToken *string  `xml:"DAV: sync-token"`
	SyncLevel string   `xml:"DAV: sync-level"`
	Limit     *struct {
		NResults int `xml:"DAV: nresults"`
	} `xml:"DAV: limit"`
	Prop struct {
		Any []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"DAV: prop"`
}

type syncMultistatus struct {
	XMLName   xml.Name       `xml:"DAV: multistatus"`
	Responses []syncResponse `xml:"DAV: response"`
	SyncToken string         `xml:"DAV: sync-token"`
}

type syncResponse struct {
	Href     string         `xml:"DAV: href"`
	Propstat []syncPropstat `xml:"DAV: propstat,omitempty"`
	Status   string         `xml:"DAV: status,omitempty"`
	Error    *syncTruncated `xml:"DAV: error,omitempty"`
}

type syncTruncated struct {
	Limits struct{} `xml:"DAV: number-of-matches-within-limits"`
}

type syncPropstat struct {
	Prop   syncProp `xml:"DAV: prop"`
	Status string   `xml:"DAV: status"`
}

type syncProp struct {
	ETag         string `xml:"DAV: getetag,omitempty"`
	LastModified string `xml:"DAV: getlastmodified,omitempty"`
	ContentType  string `xml:"DAV: getcontenttype,omitempty"`
	CalendarData string `xml:"urn:ietf:params:xml:ns:caldav calendar-data,omitempty"`
	AddressData  string `xml:"urn:ietf:params:xml:ns:carddav address-data,omitempty"`
	Missing      []syncEmpty
}

type syncEmpty struct {
	XMLName xml.Name
}

// sabreError is the error body Sabre sends, with its prefixes.
type sabreError struct {
	XMLName   xml.Name  `xml:"d:error"`
	NSD       string    `xml:"xmlns:d,attr"`
	NSS       string    `xml:"xmlns:s,attr"`
	Exception string    `xml:"s:exception"`
	Message   string    `xml:"s:message"`
	Valid     *struct{} `xml:"d:valid-sync-token,omitempty"`
	Supported *struct{} `xml:"d:supported-report,omitempty"`
}

func writeSabreError(w http.ResponseWriter, code int, e sabreError) {
	e.NSD, e.NSS = "DAV:", "http://sabredav.org/ns"
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(e)
}

// syncMember is a member's current state.
type syncMember struct {
	etag string
	mod  string
	data string
}

// serveSyncCollection answers a sync-collection REPORT on a calendar or
// address book; it returns false (leaving the request to go-webdav) when
// the REPORT is switched off.
func (h *davExtra) serveSyncCollection(w http.ResponseWriter, r *http.Request, body []byte, isCal bool) bool {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.syncOff || st.syncReportOff {
		return false
	}
	var q syncCollectionReq
	if err := xml.Unmarshal(body, &q); err != nil {
		http.Error(w, "bad sync-collection: "+err.Error(), http.StatusBadRequest)
		return true
	}
	if d := r.Header.Get("Depth"); d != "" && d != "0" {
		http.Error(w, "The sync-collection REPORT needs Depth 0", http.StatusBadRequest)
		return true
	}
	if q.SyncToken == nil || (q.SyncLevel != "1" && q.SyncLevel != "infinite") {
		http.Error(w, "The {DAV:}sync-token and {DAV:}sync-level elements must be present", http.StatusBadRequest)
		return true
	}
	user := UserOf(r)
	var (
		src syncSource
		ok  bool
	)
	if isCal {
		src, ok = syncSourceLocked(user, r.URL.Path, st.cals, (*memObj).syncMember)
	} else {
		src, ok = syncSourceLocked(user, r.URL.Path, st.books, (*memCard).syncMember)
	}
	log, coll, members, names := src.log, src.coll, src.members, src.names
	if !ok {
		writeSabreError(w, http.StatusForbidden, sabreError{Exception: `Sabre\DAV\Exception\ReportNotSupported`,
			Message: "The {DAV:}sync-collection REPORT is not supported on this url.", Supported: &struct{}{}})
		return true
	}
	var changed []string
	token := log.current()
	truncated := false
	if tok := strings.TrimSpace(*q.SyncToken); tok == "" {
		changed = names()
	} else {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, syncTokenPrefix))
		var changes []davChange
		ok := false
		if err == nil && strings.HasPrefix(tok, syncTokenPrefix) {
			changes, ok = log.since(n)
		}
		if !ok {
			writeSabreError(w, http.StatusForbidden, sabreError{Exception: `Sabre\DAV\Exception\InvalidSyncToken`,
				Message: "Invalid or unknown sync token", Valid: &struct{}{}})
			return true
		}
		limit := st.syncPage
		if q.Limit != nil && q.Limit.NResults > 0 && (limit == 0 || q.Limit.NResults < limit) {
			limit = q.Limit.NResults
		}
		seen := map[string]bool{}
		for _, c := range changes {
			if !seen[c.name] {
				if limit > 0 && len(changed) == limit {
					// The token of the part sent: the first change left out.
					token, truncated = c.token, true
					break
				}
				seen[c.name] = true
				changed = append(changed, c.name)
			}
		}
	}
	asked := map[xml.Name]bool{}
	for _, p := range q.Prop.Any {
		asked[p.XMLName] = true
	}
	ms := syncMultistatus{SyncToken: syncTokenPrefix + strconv.Itoa(token)}
	for _, n := range changed {
		href := (&url.URL{Path: coll + n}).EscapedPath()
		m, ok := members(n)
		if !ok {
			ms.Responses = append(ms.Responses, syncResponse{Href: href, Status: "HTTP/1.1 404 Not Found"})
			continue
		}
		var found, missing syncProp
		for name := range asked {
			switch {
			case name == xml.Name{Space: "DAV:", Local: "getetag"}:
				found.ETag = `"` + m.etag + `"`
			case name == xml.Name{Space: "DAV:", Local: "getlastmodified"}:
				found.LastModified = m.mod
			case name == xml.Name{Space: "DAV:", Local: "getcontenttype"}:
				found.ContentType = "text/vcard; charset=utf-8"
				if isCal {
					found.ContentType = "text/calendar; charset=utf-8"
				}
			case isCal && name == xml.Name{Space: "urn:ietf:params:xml:ns:caldav", Local: "calendar-data"}:
				found.CalendarData = m.data
			case !isCal && name == xml.Name{Space: "urn:ietf:params:xml:ns:carddav", Local: "address-data"}:
				found.AddressData = m.data
			default:
				missing.Missing = append(missing.Missing, syncEmpty{XMLName: name})
			}
		}
		resp := syncResponse{Href: href, Propstat: []syncPropstat{{Prop: found, Status: "HTTP/1.1 200 OK"}}}
		if len(missing.Missing) > 0 {
			resp.Propstat = append(resp.Propstat, syncPropstat{Prop: missing, Status: "HTTP/1.1 404 Not Found"})
		}
		ms.Responses = append(ms.Responses, resp)
	}
	if truncated {
		ms.Responses = append(ms.Responses, syncResponse{Href: (&url.URL{Path: coll}).EscapedPath(),
			Status: "HTTP/1.1 507 Insufficient Storage", Error: &syncTruncated{}})
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(ms)
	return true
}

// syncTokenLocked is the DAV:sync-token a collection publishes, empty
// when synchronisation is off.
func (st *davStore) syncTokenLocked(l *changeLog) string {
	if st.syncOff {
		return ""
	}
	return l.tokenURL()
}

// syncSource is what sync-collection needs of a calendar or address book.
type syncSource struct {
	log     *changeLog
	coll    string
	members func(name string) (syncMember, bool)
	names   func() []string
}

func syncSourceLocked[O any, C collOf[O]](user, p string, all map[string]C, member func(*O) syncMember) (syncSource, bool) {
	ref, name, err := findLocked(user, p, all)
	if err != nil || name != "" {
		return syncSource{}, false
	}
	objs := ref.c.coll().objs
	return syncSource{
		log:  &ref.c.coll().log,
		coll: ref.path(user),
		members: func(n string) (syncMember, bool) {
			o, ok := objs[n]
			if !ok {
				return syncMember{}, false
			}
			return member(o), true
		},
		names: func() []string { return sortedKeys(objs) },
	}, true
}

func (o *memObj) syncMember() syncMember {
	var buf bytes.Buffer
	_ = ical.NewEncoder(&buf).Encode(o.cal)
	return syncMember{etag: o.etag, mod: o.mod.Format(http.TimeFormat), data: buf.String()}
}

func (o *memCard) syncMember() syncMember {
	var buf bytes.Buffer
	_ = vcard.NewEncoder(&buf).Encode(o.card)
	return syncMember{etag: o.etag, mod: o.mod.Format(http.TimeFormat), data: buf.String()}
}
