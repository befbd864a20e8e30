package nctest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"
)

// Nextcloud's DAV layout.
const (
	davPrefix       = "/remote.php/dav"
	calHomePrefix   = davPrefix + "/calendars/"
	abHomePrefix    = davPrefix + "/addressbooks/users/"
	principalPrefix = davPrefix + "/principals/users/"
)

func principalPath(user string) string { return principalPrefix + user + "/" }
func calHome(user string) string       { return calHomePrefix + user + "/" }
func abHome(user string) string        { return abHomePrefix + user + "/" }

// davStore holds every user's calendars and address books in memory.
type davStore struct {
	mu        sync.Mutex
	cals      map[string]*memCalendar // owner + "/" + id
	books     map[string]*memBook
	seeded    map[string]bool
	freeBusy  bool
	displayOf func(user string) string
	// Collection synchronisation (davsync.go).
	syncOff, syncReportOff bool
	syncPage               int
}

func userFromCtx(ctx context.Context) string {
	u, _ := ctx.Value(ctxKey{}).(string)
	return u
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:10])
}

func httpErr(code int, format string, a ...any) error {
	return webdav.NewHTTPError(code, fmt.Errorf(format, a...))
}

// davExtra is the handler of everything below /remote.php/dav this file
// owns; tests reach the store through it (see Server.dav).
type davExtra struct {
	st   *davStore
	cal  *caldav.Handler
	card *carddav.Handler
}

func (s *Server) registerDAV() {
	st := &davStore{cals: map[string]*memCalendar{}, books: map[string]*memBook{}, seeded: map[string]bool{}, freeBusy: true}
	s.apps.dav = st
	st.displayOf = s.displayNameOr
	h := &davExtra{
		st:   st,
		cal:  &caldav.Handler{Backend: &calBackend{st: st}, Prefix: davPrefix},
		card: &carddav.Handler{Backend: &cardBackend{st: st}, Prefix: davPrefix + "/addressbooks"},
	}
	principal := func(w http.ResponseWriter, r *http.Request) {
		user := UserOf(r)
		if u := r.PathValue("user"); u != "" && u != user {
			http.Error(w, "Principal with name "+u+" not found", http.StatusNotFound)
			return
		}
		st.ensureUser(user)
		webdav.ServePrincipal(w, r, &webdav.ServePrincipalOptions{
			CurrentUserPrincipalPath: principalPath(user),
			HomeSets:                 []webdav.BackendSuppliedHomeSet{caldav.NewCalendarHomeSet(calHome(user)), carddav.NewAddressBookHomeSet(abHome(user))},
			Capabilities:             []webdav.Capability{caldav.CapabilityCalendar, carddav.CapabilityAddressBook},
		})
	}
	s.mux.HandleFunc("PROPFIND "+davPrefix, principal)
	s.mux.HandleFunc("PROPFIND "+davPrefix+"/{$}", principal)
	s.mux.HandleFunc("PROPFIND "+principalPrefix+"{user}", principal)
	s.mux.HandleFunc("PROPFIND "+principalPrefix+"{user}/{$}", principal)
	s.mux.Handle(calHomePrefix, h)
	s.mux.Handle(davPrefix+"/addressbooks/", h)
}

func (h *davExtra) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := UserOf(r)
	h.st.ensureUser(user)
	isCal := strings.HasPrefix(r.URL.Path, calHomePrefix)
	home := calHomePrefix
	if !isCal {
		home = abHomePrefix
		if !strings.HasPrefix(r.URL.Path, abHomePrefix) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
	}
	// Other users' homes do not exist for this user (Nextcloud: 404).
	owner, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, home), "/")
	if owner != "" && owner != user {
		http.Error(w, "Node with name '"+owner+"' could not be found", http.StatusNotFound)
		return
	}
	var body []byte
	if r.Body != nil && (r.Method == "PROPFIND" || r.Method == "REPORT" || r.Method == "MKCOL" || r.Method == "MKCALENDAR" || r.Method == "PROPPATCH" || (!isCal && r.Method == http.MethodPut)) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	switch r.Method {
	case "PROPFIND":
		if asksExtraProps(body) {
			h.serveExtraProps(w, r, body, isCal)
			return
		}
	case http.MethodPut:
		if !isCal {
			// Stored as sent, as Nextcloud (sabre/dav) does.
			r = r.WithContext(context.WithValue(r.Context(), rawCardKey{}, body))
		}
	case http.MethodGet:
		if !isCal && h.serveRawCard(w, r, user) {
			return
		}
	case "REPORT":
		if !isCal && h.serveRawCardReport(w, r, user, body) {
			return
		}
		if isCal && bytes.Contains(body, []byte("free-busy-query")) {
			h.serveFreeBusy(w, r, body)
			return
		}
		if isSyncCollection(body) && h.serveSyncCollection(w, r, body, isCal) {
			return
		}
	case "MKCOL":
		if isCal {
			r = r.WithContext(context.WithValue(r.Context(), mkcolExtraKey{}, decodeMkcolExtra(body)))
		}
	case "PROPPATCH":
		if isCal {
			h.patchCalendar(w, r, user, body)
			return
		}
	case "MKCALENDAR":
		// RFC 4791 5.3.1; go-webdav's handler knows only MKCOL.
		if !isCal {
			http.Error(w, "MKCALENDAR is only allowed in a calendar home", http.StatusForbidden)
			return
		}
		if code, err := h.st.createCalendar(user, r.URL.Path, decodeMkcolExtra(body)); err != nil {
			http.Error(w, err.Error(), code)
			return
		}
		w.WriteHeader(http.StatusCreated)
		return
	case http.MethodDelete:
		if m := r.Header.Get("If-Match"); m != "" {
			if cur, ok := h.st.etagAt(user, r.URL.Path, isCal); ok && m != "*" && strings.Trim(m, `"`) != cur {
				http.Error(w, "An If-Match header was specified, but none of the specified ETags matched.", http.StatusPreconditionFailed)
				return
			}
		}
	}
	if isCal {
		h.cal.ServeHTTP(w, r)
	} else {
		h.card.ServeHTTP(w, r)
	}
}

// Extra properties Nextcloud serves on collections and go-webdav does not.
var (
	xnColor    = xml.Name{Space: "http://apple.com/ns/ical/", Local: "calendar-color"}
	xnPrivs    = xml.Name{Space: "DAV:", Local: "current-user-privilege-set"}
	xnOwner    = xml.Name{Space: "http://owncloud.org/ns", Local: "owner-principal"}
	xnOwnerDN  = xml.Name{Space: "http://nextcloud.com/ns", Local: "owner-displayname"}
	xnReadOnly = xml.Name{Space: "http://owncloud.org/ns", Local: "read-only"}
	xnResType  = xml.Name{Space: "DAV:", Local: "resourcetype"}
	xnName     = xml.Name{Space: "DAV:", Local: "displayname"}
	xnSync     = xml.Name{Space: "DAV:", Local: "sync-token"}
	xnCalDesc  = xml.Name{Space: "urn:ietf:params:xml:ns:caldav", Local: "calendar-description"}
	xnCalComps = xml.Name{Space: "urn:ietf:params:xml:ns:caldav", Local: "supported-calendar-component-set"}
	xnCardDesc = xml.Name{Space: "urn:ietf:params:xml:ns:carddav", Local: "addressbook-description"}
)

type propfindReq struct {
	XMLName xml.Name `xml:"DAV: propfind"`
	Prop    struct {
		Any []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"DAV: prop"`
}

func decodePropfind(body []byte) []xml.Name {
	var pf propfindReq
	if xml.Unmarshal(body, &pf) != nil {
		return nil
	}
	var out []xml.Name
	for _, a := range pf.Prop.Any {
		out = append(out, a.XMLName)
	}
	return out
}

func asksExtraProps(body []byte) bool {
	for _, n := range decodePropfind(body) {
		switch n {
		case xnColor, xnPrivs, xnOwner, xnSync:
			return true
		}
	}
	return false
}

// collectionInfo is what serveExtraProps says about one collection.
type collectionInfo struct {
	href     string
	color    string
	owner    string
	readOnly bool
	isHome   bool
	calendar bool
	name     string
	desc     string
	comps    []string
	// syncToken is empty when synchronisation is off.
	syncToken string
}

type msXML struct {
	XMLName   xml.Name `xml:"d:multistatus"`
	NS        string   `xml:"xmlns:d,attr"`
	Responses []msResp `xml:"d:response"`
}

type msResp struct {
	Href     string       `xml:"d:href"`
	Propstat []msPropstat `xml:"d:propstat"`
}

type msPropstat struct {
	Prop struct {
		Inner string `xml:",innerxml"`
	} `xml:"d:prop"`
	Status string `xml:"d:status"`
}

func escText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// serveExtraProps answers a PROPFIND for Nextcloud's colour, privilege
// and owner properties of the user's calendars or address books.
func (h *davExtra) serveExtraProps(w http.ResponseWriter, r *http.Request, body []byte, isCal bool) {
	user := UserOf(r)
	var infos []collectionInfo
	var err error
	if isCal {
		infos, err = h.st.calendarInfos(user, r.URL.Path, r.Header.Get("Depth") != "0")
	} else {
		infos, err = h.st.bookInfos(user, r.URL.Path, r.Header.Get("Depth") != "0")
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	ms := msXML{NS: "DAV:"}
	for _, in := range infos {
		var ok, missing strings.Builder
		for _, n := range decodePropfind(body) {
			switch {
			case n == xnResType:
				switch {
				case in.isHome:
					ok.WriteString(`<d:resourcetype><d:collection/></d:resourcetype>`)
				case in.calendar:
					ok.WriteString(`<d:resourcetype><d:collection/><cal:calendar xmlns:cal="urn:ietf:params:xml:ns:caldav"/></d:resourcetype>`)
				default:
					ok.WriteString(`<d:resourcetype><d:collection/><card:addressbook xmlns:card="urn:ietf:params:xml:ns:carddav"/></d:resourcetype>`)
				}
			case n == xnName && !in.isHome && in.name != "":
				ok.WriteString(`<d:displayname>` + escText(in.name) + `</d:displayname>`)
			case n == xnCalDesc && in.calendar && in.desc != "":
				ok.WriteString(`<cal:calendar-description xmlns:cal="urn:ietf:params:xml:ns:caldav">` + escText(in.desc) + `</cal:calendar-description>`)
			case n == xnCardDesc && !in.isHome && !in.calendar && in.desc != "":
				ok.WriteString(`<card:addressbook-description xmlns:card="urn:ietf:params:xml:ns:carddav">` + escText(in.desc) + `</card:addressbook-description>`)
			case n == xnCalComps && in.calendar:
				ok.WriteString(`<cal:supported-calendar-component-set xmlns:cal="urn:ietf:params:xml:ns:caldav">`)
				for _, c := range in.comps {
					ok.WriteString(`<cal:comp name="` + escText(c) + `"/>`)
				}
				ok.WriteString(`</cal:supported-calendar-component-set>`)
			case n == xnSync && !in.isHome && in.syncToken != "":
				ok.WriteString(`<d:sync-token>` + escText(in.syncToken) + `</d:sync-token>`)
			case n == xnColor && in.calendar && in.color != "":
				ok.WriteString(`<x1:calendar-color xmlns:x1="http://apple.com/ns/ical/">` + escText(in.color) + `</x1:calendar-color>`)
			case n == xnPrivs && !in.isHome:
				ok.WriteString(`<d:current-user-privilege-set>`)
				privs := []string{"read", "read-acl", "read-current-user-privilege-set", "write-properties"}
				if !in.readOnly {
					privs = append(privs, "write", "write-content", "bind", "unbind")
				}
				for _, p := range privs {
					ok.WriteString(`<d:privilege><d:` + p + `/></d:privilege>`)
				}
				ok.WriteString(`</d:current-user-privilege-set>`)
			case n == xnOwner && !in.isHome:
				ok.WriteString(`<oc:owner-principal xmlns:oc="http://owncloud.org/ns">principals/users/` + escText(in.owner) + `</oc:owner-principal>`)
			case n == xnOwnerDN && !in.isHome:
				ok.WriteString(`<nc:owner-displayname xmlns:nc="http://nextcloud.com/ns">` + escText(h.st.displayOf(in.owner)) + `</nc:owner-displayname>`)
			case n == xnReadOnly && !in.isHome && in.owner != user:
				v := "false"
				if in.readOnly {
					v = "true"
				}
				ok.WriteString(`<oc:read-only xmlns:oc="http://owncloud.org/ns">` + v + `</oc:read-only>`)
			default:
				missing.WriteString(`<x:` + escText(n.Local) + ` xmlns:x="` + escText(n.Space) + `"/>`)
			}
		}
		resp := msResp{Href: (&url.URL{Path: in.href}).EscapedPath()}
		if ok.Len() > 0 {
			ps := msPropstat{Status: "HTTP/1.1 200 OK"}
			ps.Prop.Inner = ok.String()
			resp.Propstat = append(resp.Propstat, ps)
		}
		if missing.Len() > 0 {
			ps := msPropstat{Status: "HTTP/1.1 404 Not Found"}
			ps.Prop.Inner = missing.String()
			resp.Propstat = append(resp.Propstat, ps)
		}
		ms.Responses = append(ms.Responses, resp)
	}
	w.Header().Set("Content-Type", `application/xml; charset=utf-8`)
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(ms)
}
