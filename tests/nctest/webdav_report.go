package nctest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strings"

	"golang.org/x/net/webdav"
)

// PROPFIND answers built by hand and the oc:filter-files REPORT (favorites).

// fdavXnode is any XML element, with names resolved to namespaces.
type fdavXnode struct {
	XMLName xml.Name
	Nodes   []fdavXnode `xml:",any"`
	Text    string      `xml:",chardata"`
}

func (n *fdavXnode) child(space, local string) *fdavXnode {
	if n == nil {
		return nil
	}
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Space == space && n.Nodes[i].XMLName.Local == local {
			return &n.Nodes[i]
		}
	}
	return nil
}

func (n *fdavXnode) text() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.Text)
}

func (n *fdavXnode) propNames() []xml.Name {
	if n == nil {
		return nil
	}
	out := make([]xml.Name, 0, len(n.Nodes))
	for _, c := range n.Nodes {
		out = append(out, c.XMLName)
	}
	return out
}

// propResponses renders paths (relative to the user's files) with a
// Depth 0 PROPFIND of the Handler and returns the <D:response> elements.
func (u *fdavUser) propResponses(ctx context.Context, rels []string, props []xml.Name) []byte {
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?><propfind xmlns="DAV:"><prop>`)
	for _, p := range props {
		fmt.Fprintf(&body, `<%s xmlns="%s"/>`, p.Local, p.Space)
	}
	body.WriteString(`</prop></propfind>`)
	var out bytes.Buffer
	for _, rel := range rels {
		target := (&url.URL{Path: u.files.Prefix + rel}).EscapedPath()
		req := httptest.NewRequest("PROPFIND", target, bytes.NewReader(body.Bytes())).WithContext(ctx)
		req.Header.Set("Depth", "0")
		rec := httptest.NewRecorder()
		u.files.ServeHTTP(rec, req)
		if rec.Code != http.StatusMultiStatus {
			continue
		}
		s := rec.Body.String()
		start := strings.Index(s, "<D:response")
		end := strings.LastIndex(s, "</D:multistatus>")
		if start >= 0 && end > start {
			out.WriteString(s[start:end])
		}
	}
	return out.Bytes()
}

func fdavWriteMultistatus(w http.ResponseWriter, responses []byte) {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<D:multistatus xmlns:D="DAV:">`)
	_, _ = w.Write(responses)
	_, _ = io.WriteString(w, `</D:multistatus>`)
}

// fdavEntry is a node met while walking a user's files.
type fdavEntry struct {
	rel   string
	full  string
	fi    os.FileInfo
	isDir bool
}

// walk lists everything below a MemFS folder (not the folder itself).
func (u *fdavUser) walk(full string, depth int) []fdavEntry {
	var out []fdavEntry
	var rec func(dir string, d int)
	rec = func(dir string, d int) {
		for _, c := range u.children(dir) {
			p := path.Join(dir, c.Name())
			out = append(out, fdavEntry{rel: strings.TrimPrefix(p, "/files/"), full: p, fi: c, isDir: c.IsDir()})
			if c.IsDir() && (depth < 0 || d+1 < depth) {
				rec(p, d+1)
			}
		}
	}
	rec(full, 0)
	return out
}

var fdavDefaultReportProps = []xml.Name{
	{Space: "DAV:", Local: "resourcetype"}, {Space: "DAV:", Local: "getetag"}, {Space: "DAV:", Local: "getcontenttype"},
	{Space: "DAV:", Local: "getcontentlength"}, {Space: "DAV:", Local: "getlastmodified"},
	{Space: fdavNSOC, Local: "fileid"}, {Space: fdavNSOC, Local: "favorite"}, {Space: fdavNSOC, Local: "size"},
}

func (u *fdavUser) isFavorite(full string) bool {
	f, err := u.mem.OpenFile(context.Background(), full, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	dph, ok := f.(webdav.DeadPropsHolder)
	if !ok {
		return false
	}
	m, err := dph.DeadProps()
	if err != nil {
		return false
	}
	p, ok := m[xml.Name{Space: fdavNSOC, Local: "favorite"}]
	return ok && fdavBoolText(string(p.InnerXML))
}

// serveReport answers REPORT oc:filter-files: the favorites below a folder.
func (d *fdavServer) serveReport(w http.ResponseWriter, r *http.Request, u *fdavUser, name string) {
	var root fdavXnode
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&root); err != nil {
		fdavSabreError(w, http.StatusBadRequest, "The request body is not valid XML")
		return
	}
	if root.XMLName != (xml.Name{Space: fdavNSOC, Local: "filter-files"}) {
		fdavSabreError(w, http.StatusForbidden, fmt.Sprintf("The {%s}%s REPORT is not supported on this url.", root.XMLName.Space, root.XMLName.Local))
		return
	}
	fav := root.child(fdavNSOC, "filter-rules").child(fdavNSOC, "favorite")
	if fav == nil {
		fdavSabreError(w, http.StatusBadRequest, "Missing filter rule: the stand-in supports oc:favorite only")
		return
	}
	view := u.files.FileSystem.(*fdavView)
	folder := view.full(name)
	if fi, err := u.mem.Stat(r.Context(), folder); err != nil || !fi.IsDir() {
		fdavSabreError(w, http.StatusNotFound, "File with name "+name+" could not be located")
		return
	}
	props := root.child("DAV:", "prop").propNames()
	if len(props) == 0 {
		props = fdavDefaultReportProps
	}
	want := fdavBoolText(fav.text())
	var rels []string
	for _, e := range u.walk(folder, -1) {
		if u.isFavorite(e.full) == want {
			rels = append(rels, e.rel)
		}
	}
	fdavWriteMultistatus(w, u.propResponses(r.Context(), rels, props))
}
