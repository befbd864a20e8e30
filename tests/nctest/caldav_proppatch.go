package nctest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
)

// PROPPATCH on a calendar (go-webdav's CalDAV handler answers 501): the
// owner may set DAV:displayname, the calendar-color of Apple's namespace
// and caldav:calendar-description, as sabre/dav's Calendar node allows;
// a property it does not take is refused with 403 and, the update being
// atomic (RFC 4918 9.2), every other one then fails with 424.

var calPatchable = map[xml.Name]bool{
	{Space: "DAV:", Local: "displayname"}: true,
	xnColor:                               true,
	{Space: "urn:ietf:params:xml:ns:caldav", Local: "calendar-description"}: true,
}

func (h *davExtra) patchCalendar(w http.ResponseWriter, r *http.Request, user string, body []byte) {
	var upd struct {
		Set []struct {
			Props []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"DAV: set>prop"`
	}
	if err := xml.Unmarshal(body, &upd); err != nil {
		http.Error(w, "The request body is not a DAV:propertyupdate", http.StatusBadRequest)
		return
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ref, name, err := st.calendarLocked(user, r.URL.Path)
	if err != nil || name != "" {
		http.Error(w, "Calendar not found", http.StatusNotFound)
		return
	}
	type result struct {
		name   xml.Name
		status int
	}
	var results []result
	refused := false
	for _, s := range upd.Set {
		for _, p := range s.Props {
			status := http.StatusOK
			if !calPatchable[p.XMLName] || ref.c.owner != user {
				status, refused = http.StatusForbidden, true
			}
			results = append(results, result{p.XMLName, status})
		}
	}
	if !refused {
		for _, s := range upd.Set {
			for _, p := range s.Props {
				switch p.XMLName.Local {
				case "displayname":
					ref.c.name = p.Value
				case "calendar-color":
					ref.c.color = p.Value
				case "calendar-description":
					ref.c.desc = p.Value
				}
			}
		}
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>`)
	_ = xml.EscapeText(&b, []byte(r.URL.Path))
	b.WriteString(`</d:href>`)
	for _, res := range results {
		status := res.status
		if refused && status == http.StatusOK {
			status = http.StatusFailedDependency
		}
		fmt.Fprintf(&b, `<d:propstat><d:prop><x:%s xmlns:x="%s"/></d:prop><d:status>HTTP/1.1 %d %s</d:status></d:propstat>`,
			res.name.Local, res.name.Space, status, http.StatusText(status))
	}
	b.WriteString(`</d:response></d:multistatus>`)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(b.Bytes())
}
