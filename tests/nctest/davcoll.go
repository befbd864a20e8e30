package nctest

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"sort"
	"testing"
	"time"

	"github.com/emersion/go-webdav"
)

// What calendars and address books have in common: an owner's collection
// of objects, shared with other users read-only or read-write, with a
// change log for sync-collection. caldav.go and carddav.go add what is
// their own (components and colour; raw vCards).

// davObject is a stored calendar object or card.
type davObject struct {
	etag string
	size int64
	mod  time.Time
}

func newDAVObject(data []byte) davObject {
	return davObject{etag: etagOf(data), size: int64(len(data)), mod: time.Now().UTC()}
}

type davColl[O any] struct {
	owner, id  string
	name, desc string
	objs       map[string]*O
	shares     map[string]bool // sharee -> read-only
	log        changeLog
}

func newDAVColl[O any](owner, id, name, desc string) davColl[O] {
	return davColl[O]{owner: owner, id: id, name: name, desc: desc, objs: map[string]*O{}, shares: map[string]bool{}}
}

// seenBy says under which segment user sees the collection, if at all:
// its id when owned, {id}_shared_by_{owner} when shared, as Nextcloud does.
func (c *davColl[O]) seenBy(user string) (seg string, readOnly, ok bool) {
	if c.owner == user {
		return c.id, false, true
	}
	if ro, shared := c.shares[user]; shared {
		return c.id + "_shared_by_" + c.owner, ro, true
	}
	return "", false, false
}

// davCollection is a calendar or an address book.
type davCollection interface {
	seenBy(user string) (seg string, readOnly, ok bool)
	homePrefix() string
	kind() string
}

// collOf is a collection of objects O.
type collOf[O any] interface {
	davCollection
	coll() *davColl[O]
}

func (c *davColl[O]) coll() *davColl[O] { return c }

// collRef is a collection as one user sees it: own or shared.
type collRef[C davCollection] struct {
	c        C
	seg      string
	readOnly bool
}

func (r collRef[C]) path(user string) string { return r.c.homePrefix() + user + "/" + r.seg + "/" }

// visibleLocked lists the collections of all that user sees, by segment.
func visibleLocked[C davCollection](user string, all map[string]C) []collRef[C] {
	var out []collRef[C]
	for _, c := range all {
		if seg, ro, ok := c.seenBy(user); ok {
			out = append(out, collRef[C]{c: c, seg: seg, readOnly: ro})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seg < out[j].seg })
	return out
}

// findLocked finds the collection p names among those user sees, and the
// object name within it.
func findLocked[C davCollection](user, p string, all map[string]C) (collRef[C], string, error) {
	var zero collRef[C]
	u, seg, name := splitDAVPath(p, zero.c.homePrefix())
	if u != user || seg == "" {
		return zero, "", httpErr(http.StatusNotFound, "Node with name '%s' could not be found", seg)
	}
	for _, r := range visibleLocked(user, all) {
		if r.seg == seg {
			return r, name, nil
		}
	}
	return zero, "", httpErr(http.StatusNotFound, "Node with name '%s' could not be found", seg)
}

// lockedColl locks the store and finds, among the collections the
// request's user sees, the one p names and the object name within it. The
// caller defers unlock, also when err is set.
func lockedColl[C davCollection](st *davStore, ctx context.Context, p string, all map[string]C) (user string, r collRef[C], name string, unlock func(), err error) {
	user = userFromCtx(ctx)
	st.mu.Lock()
	r, name, err = findLocked(user, p, all)
	return user, r, name, st.mu.Unlock, err
}

// listColls gives the collections the request's user sees, converted.
func listColls[C davCollection, T any](st *davStore, ctx context.Context, all map[string]C, conv func(collRef[C], string) T) []T {
	user := userFromCtx(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []T
	for _, r := range visibleLocked(user, all) {
		out = append(out, conv(r, user))
	}
	return out
}

// getColl gives the collection p names, converted; a path naming an
// object in it is notColl's 404.
func getColl[C davCollection, T any](st *davStore, ctx context.Context, p string, all map[string]C, conv func(collRef[C], string) T, notColl string) (*T, error) {
	user, r, name, unlock, err := lockedColl(st, ctx, p, all)
	defer unlock()
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, httpErr(http.StatusNotFound, "%s", notColl)
	}
	t := conv(r, user)
	return &t, nil
}

// infosLocked describes the home p names (and with depth its
// collections) or the one collection p names, for PROPFIND answers.
func infosLocked[C davCollection](user, p string, all map[string]C, depth bool, info func(collRef[C]) collectionInfo) ([]collectionInfo, error) {
	var zero C
	home := zero.homePrefix() + user + "/"
	if path.Clean(p) == path.Clean(home) {
		out := []collectionInfo{{href: home, isHome: true, owner: user}}
		if depth {
			for _, r := range visibleLocked(user, all) {
				out = append(out, info(r))
			}
		}
		return out, nil
	}
	r, name, err := findLocked(user, p, all)
	if err != nil || name != "" {
		return nil, fmt.Errorf("not a collection: %s", p)
	}
	return []collectionInfo{info(r)}, nil
}

// checkPut applies If-None-Match: * and If-Match to a PUT of an object
// that exists (with etag cur) or not, with sabre/dav's messages.
func checkPut(ifNoneMatch, ifMatch webdav.ConditionalMatch, exists bool, cur, what string) error {
	if ifNoneMatch.IsWildcard() && exists {
		return httpErr(http.StatusPreconditionFailed, "If-None-Match: * given but the %s exists", what)
	}
	if !ifMatch.IsSet() {
		return nil
	}
	if !exists {
		return httpErr(http.StatusPreconditionFailed, "An If-Match header was specified and the resource did not exist")
	}
	if !ifMatch.IsWildcard() {
		if want, err := ifMatch.ETag(); err != nil || want != cur {
			return httpErr(http.StatusPreconditionFailed, "An If-Match header was specified, but none of the specified ETags matched.")
		}
	}
	return nil
}

// deleteObjectLocked removes object name of a collection the user sees
// (notFound is the app's message for a missing one).
func deleteObjectLocked[C davCollection, O any](r collRef[C], objs map[string]*O, log *changeLog, name, kind, notFound string) error {
	if _, ok := objs[name]; !ok {
		return httpErr(http.StatusNotFound, "%s", notFound)
	}
	if r.readOnly {
		return httpErr(http.StatusForbidden, "Access denied: %s %s is shared read-only", kind, r.seg)
	}
	delete(objs, name)
	log.record(name, true)
	return nil
}

func (o *davObject) tag() string { return o.etag }

// existing gives the ETag of object name, and whether it exists.
func existing[O any, P interface {
	*O
	tag() string
}](objs map[string]*O, name string) (string, bool) {
	o, ok := objs[name]
	if !ok {
		return "", false
	}
	return P(o).tag(), true
}

// getLocked gives object name of the collection p names, converted.
func getLocked[O any, C collOf[O], T any](st *davStore, ctx context.Context, p string, all map[string]C, conv func(*O, string) T, notFound string) (*T, error) {
	user, r, name, unlock, err := lockedColl(st, ctx, p, all)
	defer unlock()
	if err != nil {
		return nil, err
	}
	o, ok := r.c.coll().objs[name]
	if name == "" || !ok {
		return nil, httpErr(http.StatusNotFound, "%s", notFound)
	}
	t := conv(o, r.path(user)+name)
	return &t, nil
}

// listLocked gives the objects of the collection p names in name order,
// converted.
func listLocked[O any, C collOf[O], T any](st *davStore, ctx context.Context, p string, all map[string]C, conv func(*O, string) T) ([]T, error) {
	user, r, _, unlock, err := lockedColl(st, ctx, p, all)
	defer unlock()
	if err != nil {
		return nil, err
	}
	objs := r.c.coll().objs
	out := make([]T, 0, len(objs))
	for _, n := range sortedKeys(objs) {
		out = append(out, conv(objs[n], r.path(user)+n))
	}
	return out, nil
}

// Seeds: tests put data into a user's own collections directly.

// seedObject stores o as object name of user's collection id unchecked
// and gives its href.
func seedObject[O any, C collOf[O]](st *davStore, all map[string]C, user, id, name string, o *O) (string, error) {
	st.ensureUser(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := all[user+"/"+id]
	if !ok {
		return "", fmt.Errorf("no %s %s/%s", c.kind(), user, id)
	}
	c.coll().objs[name] = o
	c.coll().log.record(name, false)
	return c.homePrefix() + user + "/" + id + "/" + name, nil
}

// seededObject gives object name of user's collection id.
func seededObject[O any, C collOf[O]](st *davStore, all map[string]C, user, id, name string) (*O, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := all[user+"/"+id]
	if !ok {
		return nil, false
	}
	o, ok := c.coll().objs[name]
	return o, ok
}

// seededNames lists the object names of user's collection id.
func seededNames[O any, C collOf[O]](st *davStore, all map[string]C, user, id string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := all[user+"/"+id]
	if !ok {
		return nil
	}
	return sortedKeys(c.coll().objs)
}

// seedCollection adds c as user's collection id.
func seedCollection[C davCollection](t testing.TB, st *davStore, all map[string]C, user, id string, c C) {
	t.Helper()
	st.ensureUser(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := all[user+"/"+id]; ok {
		t.Fatalf("nctest: %s %s/%s exists", c.kind(), user, id)
	}
	all[user+"/"+id] = c
}

// seedShare shares owner's collection id with sharee.
func seedShare[O any, C collOf[O]](t testing.TB, st *davStore, all map[string]C, owner, id, sharee string, readOnly bool) {
	t.Helper()
	st.ensureUser(owner)
	st.ensureUser(sharee)
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := all[owner+"/"+id]
	if !ok {
		t.Fatalf("nctest: no %s %s/%s", c.kind(), owner, id)
	}
	c.coll().shares[sharee] = readOnly
}
