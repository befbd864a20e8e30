package nctest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WebDAV SEARCH (RFC 5323 basicsearch) as Nextcloud's files app answers it.

// fdavSearchCand is a node's values as Nextcloud's search compares them.
type fdavSearchCand struct {
	fdavEntry
	name  string
	mime  string
	mtime int64
	size  int64
	fav   bool
	id    int64
}

type fdavSearchError struct{ msg string }

func (e *fdavSearchError) Error() string { return e.msg }

func fdavClark(n xml.Name) string { return "{" + n.Space + "}" + n.Local }

// fdavSearchValue returns the candidate's value for prop and the literal cast
// to the property's type, as FileSearchBackend::castValue does.
func fdavSearchValue(c *fdavSearchCand, prop xml.Name, literal string) (any, any, error) {
	switch prop {
	case xml.Name{Space: "DAV:", Local: "displayname"}:
		return c.name, literal, nil
	case xml.Name{Space: "DAV:", Local: "getcontenttype"}:
		return c.mime, literal, nil
	case xml.Name{Space: "DAV:", Local: "getlastmodified"}:
		if n, err := strconv.ParseInt(literal, 10, 64); err == nil {
			return c.mtime, max(n, 0), nil
		}
		t, err := time.Parse("2006-01-02T15:04:05-07:00", literal)
		if err != nil {
			return c.mtime, int64(0), nil
		}
		return c.mtime, t.Unix(), nil
	case xml.Name{Space: fdavNSOC, Local: "size"}, xml.Name{Space: fdavNSOC, Local: "fileid"}:
		n, err := strconv.ParseInt(literal, 10, 64)
		if err != nil && literal != "" {
			return nil, nil, &fdavSearchError{"Invalid property value for " + fdavClark(prop)}
		}
		if prop.Local == "size" {
			return c.size, n, nil
		}
		return c.id, n, nil
	case xml.Name{Space: fdavNSOC, Local: "favorite"}:
		return c.fav, literal == "yes", nil
	}
	return nil, nil, &fdavSearchError{"Unsupported property for search or order: " + fdavClark(prop)}
}

// fdavLikeRE turns an SQL LIKE pattern into a case-insensitive regexp (the
// name comparison of Nextcloud's search is case-insensitive).
func fdavLikeRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func fdavSearchMatch(c *fdavSearchCand, op *fdavXnode) (bool, error) {
	if op.XMLName.Space != "DAV:" {
		return false, &fdavSearchError{"Unsupported operation " + fdavClark(op.XMLName)}
	}
	switch op.XMLName.Local {
	case "and", "or":
		for i := range op.Nodes {
			ok, err := fdavSearchMatch(c, &op.Nodes[i])
			if err != nil {
				return false, err
			}
			if op.XMLName.Local == "and" && !ok {
				return false, nil
			}
			if op.XMLName.Local == "or" && ok {
				return true, nil
			}
		}
		return op.XMLName.Local == "and", nil
	case "not":
		if len(op.Nodes) != 1 {
			return false, &fdavSearchError{"Invalid number of arguments for not operation"}
		}
		ok, err := fdavSearchMatch(c, &op.Nodes[0])
		return !ok, err
	case "is-collection":
		return c.isDir, nil
	case "eq", "gt", "gte", "lt", "lte", "like":
		props := op.child("DAV:", "prop").propNames()
		lit := op.child("DAV:", "literal")
		if len(props) != 1 || lit == nil {
			return false, &fdavSearchError{"Invalid number of arguments for " + op.XMLName.Local + " operation"}
		}
		have, want, err := fdavSearchValue(c, props[0], lit.text())
		if err != nil {
			return false, err
		}
		if op.XMLName.Local == "like" {
			s, ok := have.(string)
			if !ok {
				return false, &fdavSearchError{"like is only supported on text properties"}
			}
			return fdavLikeRE(want.(string)).MatchString(s), nil
		}
		cmp := 0
		switch h := have.(type) {
		case string:
			cmp = strings.Compare(h, want.(string))
		case int64:
			w := want.(int64)
			cmp = map[bool]int{true: -1, false: 1}[h < w]
			if h == w {
				cmp = 0
			}
		case bool:
			if h != want.(bool) {
				cmp = 1
			}
			if op.XMLName.Local != "eq" {
				return false, &fdavSearchError{"Only eq is supported on boolean properties"}
			}
		}
		switch op.XMLName.Local {
		case "eq":
			return cmp == 0, nil
		case "gt":
			return cmp > 0, nil
		case "gte":
			return cmp >= 0, nil
		case "lt":
			return cmp < 0, nil
		default:
			return cmp <= 0, nil
		}
	}
	return false, &fdavSearchError{"Unsupported operation " + fdavClark(op.XMLName)}
}

// serveSearch answers SEARCH on /remote.php/dav/ like Nextcloud's
// FileSearchBackend: one scope below /files/{user}, where/orderby/limit.
func (d *fdavServer) serveSearch(w http.ResponseWriter, r *http.Request) {
	var root fdavXnode
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&root); err != nil {
		fdavSabreError(w, http.StatusBadRequest, "The request body is not valid XML")
		return
	}
	basic := root.child("DAV:", "basicsearch")
	if root.XMLName != (xml.Name{Space: "DAV:", Local: "searchrequest"}) || basic == nil {
		fdavSabreError(w, http.StatusBadRequest, "Unexpected xml content for searchrequest, expected basicsearch")
		return
	}
	where := basic.child("DAV:", "where")
	if where == nil || len(where.Nodes) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "Parse error: Missing {DAV:}where from {DAV:}basicsearch")
		return
	}
	selected := basic.child("DAV:", "select").child("DAV:", "prop").propNames()
	if len(selected) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "Parse error: Missing {DAV:}select from {DAV:}basicsearch")
		return
	}
	scope := basic.child("DAV:", "from").child("DAV:", "scope")
	if scope == nil {
		fdavSabreError(w, http.StatusBadRequest, "You need to specify a scope for the search.")
		return
	}
	user := UserOf(r)
	href := scope.child("DAV:", "href").text()
	if u, err := url.Parse(href); err == nil {
		href = u.Path
	}
	href = strings.TrimPrefix(href, "/remote.php/dav")
	rel, ok := strings.CutPrefix(strings.TrimRight(href, "/")+"/", "/files/"+user+"/")
	if !ok {
		fdavSabreError(w, http.StatusBadRequest, "Invalid search scope: "+href)
		return
	}
	u := d.user(user)
	folder := u.files.FileSystem.(*fdavView).full(rel)
	if fi, err := u.mem.Stat(r.Context(), folder); err != nil || !fi.IsDir() {
		fdavSabreError(w, http.StatusBadRequest, "Search is only supported on directories")
		return
	}
	depth := -1
	if dp := scope.child("DAV:", "depth").text(); dp == "1" || dp == "0" {
		depth, _ = strconv.Atoi(dp)
	}
	var found []*fdavSearchCand
	for _, e := range u.walk(folder, depth) {
		c := &fdavSearchCand{fdavEntry: e, name: e.fi.Name(), mime: fdavMime(e.fi.Name(), e.isDir),
			mtime: u.modTime(e.full, e.fi).Unix(), size: u.size(e.full, e.fi), fav: u.isFavorite(e.full), id: u.idOf(e.full)}
		ok, err := fdavSearchMatch(c, &where.Nodes[0])
		if err != nil {
			fdavSabreError(w, http.StatusBadRequest, err.Error())
			return
		}
		if ok {
			found = append(found, c)
		}
	}
	type order struct {
		prop xml.Name
		desc bool
	}
	var orders []order
	if ob := basic.child("DAV:", "orderby"); ob != nil {
		for _, o := range ob.Nodes {
			props := o.child("DAV:", "prop").propNames()
			if o.XMLName.Local != "order" || len(props) != 1 {
				continue
			}
			orders = append(orders, order{prop: props[0], desc: o.child("DAV:", "descending") != nil})
		}
	}
	var sortErr error
	sort.SliceStable(found, func(i, j int) bool {
		for _, o := range orders {
			a, _, err := fdavSearchValue(found[i], o.prop, "")
			if err != nil {
				sortErr = err
				return false
			}
			b, _, _ := fdavSearchValue(found[j], o.prop, "")
			c := 0
			switch av := a.(type) {
			case string:
				c = strings.Compare(av, b.(string))
			case int64:
				if av < b.(int64) {
					c = -1
				} else if av > b.(int64) {
					c = 1
				}
			case bool:
				if av != b.(bool) {
					c = map[bool]int{true: 1, false: -1}[av]
				}
			}
			if c != 0 {
				return (c < 0) != o.desc
			}
		}
		return found[i].rel < found[j].rel
	})
	if sortErr != nil {
		fdavSabreError(w, http.StatusBadRequest, sortErr.Error())
		return
	}
	limit := 100
	if n, err := strconv.Atoi(basic.child("DAV:", "limit").child("DAV:", "nresults").text()); err == nil && n > 0 {
		limit = n
	}
	if len(found) > limit {
		found = found[:limit]
	}
	rels := make([]string, len(found))
	for i, c := range found {
		rels[i] = c.rel
	}
	fdavWriteMultistatus(w, u.propResponses(r.Context(), rels, selected))
}
