package nctest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/webdav"
)

// Files over WebDAV. The basic methods (PROPFIND, GET, PUT, MKCOL, MOVE,
// COPY, DELETE, PROPPATCH, LOCK) are golang.org/x/net/webdav's Handler on
// a per-user webdav.NewMemFS. A FileSystem wrapper adds what Nextcloud
// serves on top, as properties of the files themselves (x/net/webdav asks
// a File implementing DeadPropsHolder for every property it does not know):
// oc:fileid (kept across renames), oc:size, oc:favorite, nc:has-preview,
// oc:permissions and folder ETags. DELETE moves items into a trash folder
// of the same MemFS, which a second Handler serves as
// /remote.php/dav/trashbin/{user}/trash with the nc:trashbin-* properties.
// SEARCH (RFC 5323 basicsearch, as Nextcloud's FileSearchBackend) and the
// oc:filter-files REPORT select paths themselves and let the Handler
// render each result with a Depth 0 PROPFIND. What the Handler leaves out
// and Nextcloud does (If-Match/If-None-Match on PUT, 204 on overwrite,
// X-OC-MTime, 409 for a missing destination folder, Sabre XML error
// bodies) is added around it.

const (
	fdavNSOC = "http://owncloud.org/ns"
	fdavNSNC = "http://nextcloud.org/ns"
)

// fdavMethods are the methods routed to the files and trash trees. Routes
// name their method so that they never clash with other apps' DAV routes.
var fdavMethods = []string{"GET", "PUT", "DELETE", "MKCOL", "MOVE", "COPY", "PROPFIND", "PROPPATCH", "REPORT", "OPTIONS", "LOCK", "UNLOCK", "POST"}

type fdavTrashMeta struct {
	orig    string // path relative to the user's files
	deleted time.Time
}

type fdavUser struct {
	srv   *fdavServer
	id    string
	mem   webdav.FileSystem
	files *webdav.Handler
	bin   *webdav.Handler
	// Guarded by srv.mu; keys are MemFS paths ("/files/a.txt").
	ids    map[string]int64
	revs   map[string]int
	mtimes map[string]time.Time
	trash  map[string]fdavTrashMeta
}

type fdavServer struct {
	s      *Server
	mu     sync.Mutex
	nextID int64
	users  map[string]*fdavUser
}

type fdavCtxKey int

const (
	fdavTrashOnDelete fdavCtxKey = iota
	fdavMTime
)

func (d *fdavServer) user(id string) *fdavUser {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u := d.users[id]; u != nil {
		return u
	}
	u := &fdavUser{srv: d, id: id, mem: webdav.NewMemFS(), ids: map[string]int64{}, revs: map[string]int{}, mtimes: map[string]time.Time{}, trash: map[string]fdavTrashMeta{}}
	ctx := context.Background()
	_ = u.mem.Mkdir(ctx, "/files", 0o777)
	_ = u.mem.Mkdir(ctx, "/trash", 0o777)
	ls := webdav.NewMemLS()
	u.files = &webdav.Handler{Prefix: "/remote.php/dav/files/" + id + "/", FileSystem: &fdavView{u: u, root: "/files"}, LockSystem: ls}
	u.bin = &webdav.Handler{Prefix: "/remote.php/dav/trashbin/" + id + "/trash/", FileSystem: &fdavView{u: u, root: "/trash"}, LockSystem: ls}
	d.users[id] = u
	return u
}

// ids, revisions and mtimes follow the MemFS paths.

func (u *fdavUser) idOf(full string) int64 {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	id, ok := u.ids[full]
	if !ok {
		u.srv.nextID++
		id = u.srv.nextID
		u.ids[full] = id
	}
	return id
}

func (u *fdavUser) fresh(full string) {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	u.forgetLocked(full)
	u.srv.nextID++
	u.ids[full] = u.srv.nextID
}

func fdavUnder(key, full string) bool { return key == full || strings.HasPrefix(key, full+"/") }

func (u *fdavUser) forgetLocked(full string) {
	for k := range u.ids {
		if fdavUnder(k, full) {
			delete(u.ids, k)
		}
	}
	for k := range u.revs {
		if fdavUnder(k, full) {
			delete(u.revs, k)
		}
	}
	for k := range u.mtimes {
		if fdavUnder(k, full) {
			delete(u.mtimes, k)
		}
	}
}

func (u *fdavUser) forget(full string) {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	u.forgetLocked(full)
}

func (u *fdavUser) moved(from, to string) {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	u.forgetLocked(to)
	rekey := func(k string) string { return to + strings.TrimPrefix(k, from) }
	for k, v := range u.ids {
		if fdavUnder(k, from) {
			delete(u.ids, k)
			u.ids[rekey(k)] = v
		}
	}
	for k, v := range u.revs {
		if fdavUnder(k, from) {
			delete(u.revs, k)
			u.revs[rekey(k)] = v
		}
	}
	for k, v := range u.mtimes {
		if fdavUnder(k, from) {
			delete(u.mtimes, k)
			u.mtimes[rekey(k)] = v
		}
	}
}

func (u *fdavUser) bump(full string) {
	u.srv.mu.Lock()
	u.revs[full]++
	u.srv.mu.Unlock()
}

// children lists a MemFS folder, sorted by name.
func (u *fdavUser) children(full string) []os.FileInfo {
	f, err := u.mem.OpenFile(context.Background(), full, os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	fis, _ := f.Readdir(-1)
	sort.Slice(fis, func(i, j int) bool { return fis[i].Name() < fis[j].Name() })
	return fis
}

// etag is the quoted ETag: files change it on every write, folders when
// anything below them changes.
func (u *fdavUser) etag(full string, fi os.FileInfo) string {
	h := md5.New()
	fmt.Fprintf(h, "%d", u.idOf(full))
	if fi.IsDir() {
		for _, c := range u.children(full) {
			fmt.Fprintf(h, "/%s=%s", c.Name(), u.etag(path.Join(full, c.Name()), c))
		}
	} else {
		u.srv.mu.Lock()
		rev := u.revs[full]
		u.srv.mu.Unlock()
		fmt.Fprintf(h, ":%d:%d", rev, fi.Size())
	}
	return `"` + hex.EncodeToString(h.Sum(nil))[:16] + `"`
}

func (u *fdavUser) size(full string, fi os.FileInfo) int64 {
	if !fi.IsDir() {
		return fi.Size()
	}
	var n int64
	for _, c := range u.children(full) {
		n += u.size(path.Join(full, c.Name()), c)
	}
	return n
}

func (u *fdavUser) modTime(full string, fi os.FileInfo) time.Time {
	u.srv.mu.Lock()
	defer u.srv.mu.Unlock()
	if t, ok := u.mtimes[full]; ok {
		return t
	}
	return fi.ModTime()
}

var fdavMimeTypes = map[string]string{
	".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv",
	".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "application/javascript",
	".json": "application/json", ".xml": "application/xml", ".yaml": "application/x-yaml", ".yml": "application/x-yaml",
	".ics": "text/calendar", ".vcf": "text/vcard", ".pdf": "application/pdf", ".zip": "application/zip",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".svg": "image/svg+xml", ".mp3": "audio/mpeg", ".mp4": "video/mp4",
	".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// fdavMime is the MIME type Nextcloud derives from the file name.
func fdavMime(name string, isDir bool) string {
	if isDir {
		return "httpd/unix-directory"
	}
	if t, ok := fdavMimeTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// fdavView is the part of a user's MemFS below root, as a webdav.FileSystem.
type fdavView struct {
	u    *fdavUser
	root string
}

var _ webdav.FileSystem = (*fdavView)(nil)

// full maps a name of the view to its MemFS path; cleaning it as an
// absolute path first keeps ".." from leaving the view.
func (v *fdavView) full(name string) string {
	c := path.Clean("/" + name)
	if c == "/" {
		return v.root
	}
	return v.root + c
}

func (v *fdavView) Mkdir(ctx context.Context, name string, perm os.FileMode) error {
	full := v.full(name)
	if err := v.u.mem.Mkdir(ctx, full, perm); err != nil {
		return err
	}
	v.u.fresh(full)
	return nil
}

func (v *fdavView) OpenFile(ctx context.Context, name string, flag int, perm os.FileMode) (webdav.File, error) {
	full := v.full(name)
	_, statErr := v.u.mem.Stat(ctx, full)
	f, err := v.u.mem.OpenFile(ctx, full, flag, perm)
	if err != nil {
		return nil, err
	}
	if statErr != nil && flag&os.O_CREATE != 0 {
		v.u.fresh(full)
	}
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 && flag&os.O_TRUNC != 0 {
		v.u.bump(full)
		v.u.srv.mu.Lock()
		if t, ok := ctx.Value(fdavMTime).(time.Time); ok {
			v.u.mtimes[full] = t
		} else {
			delete(v.u.mtimes, full)
		}
		v.u.srv.mu.Unlock()
	}
	return &fdavFile{File: f, v: v, full: full}, nil
}

func (v *fdavView) RemoveAll(ctx context.Context, name string) error {
	full := v.full(name)
	if full == v.root {
		if v.root != "/trash" {
			return os.ErrPermission
		}
		// DELETE on the trash bin empties it.
		for _, c := range v.u.children(full) {
			if err := v.RemoveAll(ctx, c.Name()); err != nil {
				return err
			}
		}
		return nil
	}
	if v.root == "/files" && ctx.Value(fdavTrashOnDelete) != nil {
		return v.u.toTrash(ctx, full)
	}
	if err := v.u.mem.RemoveAll(ctx, full); err != nil {
		return err
	}
	v.u.forget(full)
	if v.root == "/trash" {
		v.u.srv.mu.Lock()
		delete(v.u.trash, strings.TrimPrefix(full, "/trash/"))
		v.u.srv.mu.Unlock()
	}
	return nil
}

func (v *fdavView) Rename(ctx context.Context, oldName, newName string) error {
	from, to := v.full(oldName), v.full(newName)
	if err := v.u.mem.Rename(ctx, from, to); err != nil {
		return err
	}
	v.u.moved(from, to)
	return nil
}

func (v *fdavView) Stat(ctx context.Context, name string) (os.FileInfo, error) {
	full := v.full(name)
	fi, err := v.u.mem.Stat(ctx, full)
	if err != nil {
		return nil, err
	}
	return fdavInfo{FileInfo: fi, u: v.u, full: full}, nil
}

// toTrash moves a deleted item into the trash as "<name>.d<unix time>".
func (u *fdavUser) toTrash(ctx context.Context, full string) error {
	now := time.Now()
	ts := now.Unix()
	var name string
	for {
		name = fmt.Sprintf("%s.d%d", path.Base(full), ts)
		if _, err := u.mem.Stat(ctx, "/trash/"+name); err != nil {
			break
		}
		ts++
	}
	if err := u.mem.Rename(ctx, full, "/trash/"+name); err != nil {
		return err
	}
	u.moved(full, "/trash/"+name)
	u.srv.mu.Lock()
	u.trash[name] = fdavTrashMeta{orig: strings.TrimPrefix(full, "/files/"), deleted: now}
	u.srv.mu.Unlock()
	return nil
}

// fdavInfo adds Nextcloud's modification times, ETags and MIME types.
type fdavInfo struct {
	os.FileInfo
	u    *fdavUser
	full string
}

func (i fdavInfo) ModTime() time.Time { return i.u.modTime(i.full, i.FileInfo) }

// ETag implements webdav.ETager.
func (i fdavInfo) ETag(context.Context) (string, error) { return i.u.etag(i.full, i.FileInfo), nil }

// ContentType implements webdav.ContentTyper.
func (i fdavInfo) ContentType(context.Context) (string, error) {
	name := i.Name()
	if rest, ok := strings.CutPrefix(i.full, "/trash/"); ok && !strings.Contains(rest, "/") {
		// A trashed item keeps the type of its original name.
		i.u.srv.mu.Lock()
		if meta, known := i.u.trash[rest]; known {
			name = path.Base(meta.orig)
		}
		i.u.srv.mu.Unlock()
	}
	return fdavMime(name, i.IsDir()), nil
}

// fdavFile serves the Nextcloud properties as dead properties.
type fdavFile struct {
	webdav.File
	v    *fdavView
	full string
}

func (f *fdavFile) Stat() (os.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return fdavInfo{FileInfo: fi, u: f.v.u, full: f.full}, nil
}

func (f *fdavFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	if n > 0 {
		f.v.u.bump(f.full)
	}
	return n, err
}

// fdavProtected are computed properties a PROPPATCH cannot set.
var fdavProtected = map[xml.Name]bool{
	{Space: fdavNSOC, Local: "fileid"}: true, {Space: fdavNSOC, Local: "id"}: true, {Space: fdavNSOC, Local: "size"}: true,
	{Space: fdavNSOC, Local: "permissions"}: true, {Space: fdavNSOC, Local: "owner-id"}: true, {Space: fdavNSNC, Local: "has-preview"}: true,
	{Space: fdavNSNC, Local: "trashbin-filename"}: true, {Space: fdavNSNC, Local: "trashbin-original-location"}: true,
	{Space: fdavNSNC, Local: "trashbin-deletion-time"}: true, {Space: "DAV:", Local: "getetag"}: true,
}

func fdavText(s string) []byte {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.Bytes()
}

func fdavBoolText(s string) bool {
	s = strings.TrimSpace(s)
	return s == "1" || strings.EqualFold(s, "true")
}

// DeadProps implements webdav.DeadPropsHolder.
func (f *fdavFile) DeadProps() (map[xml.Name]webdav.Property, error) {
	out := map[xml.Name]webdav.Property{}
	if dph, ok := f.File.(webdav.DeadPropsHolder); ok {
		m, err := dph.DeadProps()
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	u := f.v.u
	set := func(space, local, text string) {
		n := xml.Name{Space: space, Local: local}
		out[n] = webdav.Property{XMLName: n, InnerXML: fdavText(text)}
	}
	fav := "0"
	if p, ok := out[xml.Name{Space: fdavNSOC, Local: "favorite"}]; ok && fdavBoolText(string(p.InnerXML)) {
		fav = "1"
	}
	id := u.idOf(f.full)
	set(fdavNSOC, "favorite", fav)
	set(fdavNSOC, "fileid", strconv.FormatInt(id, 10))
	set(fdavNSOC, "id", fmt.Sprintf("%08docnctest", id))
	set(fdavNSOC, "size", strconv.FormatInt(u.size(f.full, fi), 10))
	set(fdavNSOC, "owner-id", u.id)
	preview := "false"
	if strings.HasPrefix(fdavMime(fi.Name(), fi.IsDir()), "image/") {
		preview = "true"
	}
	set(fdavNSNC, "has-preview", preview)
	if fi.IsDir() {
		set(fdavNSOC, "permissions", "RGDNVCK")
		// x/net/webdav serves getetag for files only; Nextcloud has folder ETags.
		set("DAV:", "getetag", u.etag(f.full, fi))
	} else {
		set(fdavNSOC, "permissions", "RGDNVW")
	}
	if rest, ok := strings.CutPrefix(f.full, "/trash/"); ok {
		top, sub, _ := strings.Cut(rest, "/")
		u.srv.mu.Lock()
		meta, known := u.trash[top]
		u.srv.mu.Unlock()
		if known {
			orig := meta.orig
			if sub != "" {
				orig += "/" + sub
			}
			set(fdavNSNC, "trashbin-filename", path.Base(orig))
			set(fdavNSNC, "trashbin-original-location", orig)
			set(fdavNSNC, "trashbin-deletion-time", strconv.FormatInt(meta.deleted.Unix(), 10))
		}
	}
	return out, nil
}

// Patch implements webdav.DeadPropsHolder; computed properties are
// protected and the patch is all or nothing.
func (f *fdavFile) Patch(patches []webdav.Proppatch) ([]webdav.Propstat, error) {
	forbidden := webdav.Propstat{Status: http.StatusForbidden}
	failed := webdav.Propstat{Status: http.StatusFailedDependency}
	for _, p := range patches {
		for _, prop := range p.Props {
			if fdavProtected[prop.XMLName] {
				forbidden.Props = append(forbidden.Props, webdav.Property{XMLName: prop.XMLName})
			} else {
				failed.Props = append(failed.Props, webdav.Property{XMLName: prop.XMLName})
			}
		}
	}
	if len(forbidden.Props) > 0 {
		out := []webdav.Propstat{forbidden}
		if len(failed.Props) > 0 {
			out = append(out, failed)
		}
		return out, nil
	}
	dph, ok := f.File.(webdav.DeadPropsHolder)
	if !ok {
		return nil, errors.New("nctest: file keeps no properties")
	}
	return dph.Patch(patches)
}

// fdavSabreExceptions name the Sabre exception class per status.
var fdavSabreExceptions = map[int]string{
	400: "BadRequest", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict",
	412: "PreconditionFailed", 415: "UnsupportedMediaType", 423: "Locked", 500: "ServiceUnavailable",
}

// fdavSabreError answers like Sabre/Nextcloud: an XML error body with the
// exception class and message.
func fdavSabreError(w http.ResponseWriter, status int, message string) {
	class := fdavSabreExceptions[status]
	if class == "" {
		class = "Exception"
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n  <s:exception>Sabre\\DAV\\Exception\\%s</s:exception>\n  <s:message>%s</s:message>\n</d:error>\n", class, fdavText(message))
}

// fdavSabreWriter turns x/net/webdav's plain-text errors into Sabre error
// bodies, drops the bodies of 201/204 answers, and can answer an
// overwriting PUT with 204 as Nextcloud does.
type fdavSabreWriter struct {
	http.ResponseWriter
	r        *http.Request
	name     string
	existed  bool
	onHeader func(status int)
	wrote    bool
	mute     bool
}

func (w *fdavSabreWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if status == http.StatusCreated && w.existed {
		status = http.StatusNoContent
	}
	if w.onHeader != nil {
		w.onHeader(status)
	}
	if status >= 400 && w.Header().Get("Content-Type") == "" {
		fdavSabreError(w.ResponseWriter, status, fdavSabreMessage(w.r.Method, w.name, status))
		w.mute = true
		return
	}
	if status == http.StatusCreated || status == http.StatusNoContent {
		w.mute = true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *fdavSabreWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.mute {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func fdavSabreMessage(method, name string, status int) string {
	switch status {
	case http.StatusNotFound:
		return "File with name " + strings.Trim(name, "/") + " could not be located"
	case http.StatusMethodNotAllowed:
		if method == "MKCOL" {
			return "The resource you tried to create already exists"
		}
		return "Method " + method + " is not allowed on this resource"
	case http.StatusConflict:
		return "Parent node does not exist"
	case http.StatusPreconditionFailed:
		return "The destination node already exists, and the overwrite header is set to false"
	case http.StatusLocked:
		return "The resource you tried to edit is locked"
	case http.StatusForbidden:
		return "Permission denied"
	}
	return http.StatusText(status)
}

func (s *Server) registerWebDAV() {
	d := &fdavServer{s: s, users: map[string]*fdavUser{}}
	s.apps.files = d
	for _, m := range fdavMethods {
		s.mux.HandleFunc(m+" /remote.php/dav/files/{user}", d.serveFiles)
		s.mux.HandleFunc(m+" /remote.php/dav/files/{user}/", d.serveFiles)
		s.mux.HandleFunc(m+" /remote.php/dav/trashbin/{user}/", d.serveTrash)
	}
	s.mux.HandleFunc("SEARCH /remote.php/dav/{$}", d.serveSearch)
	s.mux.HandleFunc("SEARCH /remote.php/dav", d.serveSearch)
}

func (d *fdavServer) serveFiles(w http.ResponseWriter, r *http.Request) {
	owner := r.PathValue("user")
	if owner != UserOf(r) {
		// Nextcloud's files collection only holds the caller's own home.
		fdavSabreError(w, http.StatusNotFound, "File with name "+owner+" could not be located")
		return
	}
	u := d.user(owner)
	prefix := "/remote.php/dav/files/" + owner
	if r.URL.Path == prefix {
		r = r.Clone(r.Context())
		r.URL.Path += "/"
	}
	name := strings.TrimPrefix(r.URL.Path, prefix+"/")
	view := u.files.FileSystem.(*fdavView)
	ctx := r.Context()
	sw := &fdavSabreWriter{ResponseWriter: w, r: r, name: name}

	switch r.Method {
	case "REPORT":
		d.serveReport(sw, r, u, name)
		return
	case http.MethodPut:
		fi, err := view.Stat(ctx, name)
		current := ""
		if err == nil {
			current = u.etag(view.full(name), fi.(fdavInfo).FileInfo)
		}
		if im := r.Header.Get("If-Match"); im != "" && (err != nil || !etagMatches(im, current)) {
			fdavSabreError(w, http.StatusPreconditionFailed, "An If-Match header was specified, but none of the specified ETags matched.")
			return
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && err == nil && etagMatches(inm, current) {
			fdavSabreError(w, http.StatusPreconditionFailed, "An If-None-Match header was specified, but the ETag matched (or * was specified).")
			return
		}
		if err == nil && fi.IsDir() {
			fdavSabreError(w, http.StatusConflict, "A folder exists at "+name)
			return
		}
		if pfi, perr := view.Stat(ctx, path.Dir("/"+strings.Trim(name, "/"))); perr == nil && !pfi.IsDir() {
			fdavSabreError(w, http.StatusConflict, "Files can only be created as children of collections")
			return
		}
		sw.existed = err == nil
		if mt := r.Header.Get("X-OC-MTime"); mt != "" {
			if sec, perr := strconv.ParseInt(mt, 10, 64); perr == nil {
				ctx = context.WithValue(ctx, fdavMTime, time.Unix(sec, 0))
				w.Header().Set("X-OC-MTime", "accepted")
			}
		}
		full := view.full(name)
		sw.onHeader = func(status int) {
			if status == http.StatusCreated || status == http.StatusNoContent {
				if fi, err := u.mem.Stat(ctx, full); err == nil {
					id := u.idOf(full)
					w.Header().Set("OC-ETag", u.etag(full, fi))
					w.Header().Set("OC-FileId", fmt.Sprintf("%08docnctest", id))
				}
			}
		}
	case "MKCOL":
		if fi, err := view.Stat(ctx, path.Dir("/"+strings.Trim(name, "/"))); err == nil && !fi.IsDir() {
			fdavSabreError(w, http.StatusConflict, "Parent node does not exist")
			return
		}
	case http.MethodDelete:
		if !d.s.isDisabled("files_trashbin") {
			ctx = context.WithValue(ctx, fdavTrashOnDelete, true)
		}
	case "MOVE", "COPY":
		if _, err := view.Stat(ctx, name); err != nil {
			fdavSabreError(w, http.StatusNotFound, "File with name "+strings.Trim(name, "/")+" could not be located")
			return
		}
		if dst, err := url.Parse(r.Header.Get("Destination")); err == nil {
			if rest, ok := strings.CutPrefix(dst.Path, prefix+"/"); ok {
				parent := path.Dir("/" + strings.Trim(rest, "/"))
				if fi, err := view.Stat(ctx, parent); err != nil || !fi.IsDir() {
					fdavSabreError(w, http.StatusConflict, "The destination node is not found")
					return
				}
			}
		}
	case http.MethodGet:
		if fi, err := view.Stat(ctx, name); err == nil && !fi.IsDir() {
			w.Header().Set("Content-Type", fdavMime(fi.Name(), false))
		}
	}
	u.files.ServeHTTP(sw, r.WithContext(ctx))
}

func (d *fdavServer) serveTrash(w http.ResponseWriter, r *http.Request) {
	owner := r.PathValue("user")
	if d.s.isDisabled("files_trashbin") {
		fdavSabreError(w, http.StatusNotFound, "File with name trashbin could not be located")
		return
	}
	if owner != UserOf(r) {
		fdavSabreError(w, http.StatusNotFound, "File with name "+owner+" could not be located")
		return
	}
	u := d.user(owner)
	prefix := "/remote.php/dav/trashbin/" + owner + "/trash"
	if r.URL.Path == prefix {
		r = r.Clone(r.Context())
		r.URL.Path += "/"
	}
	name, ok := strings.CutPrefix(r.URL.Path, prefix+"/")
	if !ok {
		fdavSabreError(w, http.StatusNotFound, "File with name "+strings.TrimPrefix(r.URL.Path, "/remote.php/dav/trashbin/"+owner+"/")+" could not be located")
		return
	}
	sw := &fdavSabreWriter{ResponseWriter: w, r: r, name: name}
	switch r.Method {
	case "MOVE":
		d.restore(w, r, u, name)
		return
	case "PROPFIND", "GET", "DELETE", "OPTIONS":
		u.bin.ServeHTTP(sw, r)
	default:
		fdavSabreError(w, http.StatusForbidden, "Permission denied")
	}
}

// restore handles MOVE trash/{name} → restore/{name}: the item goes back
// where it was deleted from, or to the root if that folder is gone, with
// " (restored)" added if the name is taken.
func (d *fdavServer) restore(w http.ResponseWriter, r *http.Request, u *fdavUser, name string) {
	ctx := r.Context()
	dst, err := url.Parse(r.Header.Get("Destination"))
	if err != nil || !strings.HasPrefix(dst.Path, "/remote.php/dav/trashbin/"+u.id+"/restore/") {
		fdavSabreError(w, http.StatusForbidden, "Items in the trash bin can only be moved to the restore folder")
		return
	}
	name = strings.Trim(name, "/")
	u.srv.mu.Lock()
	meta, known := u.trash[name]
	u.srv.mu.Unlock()
	if _, err := u.mem.Stat(ctx, "/trash/"+name); err != nil || !known || strings.Contains(name, "/") {
		fdavSabreError(w, http.StatusNotFound, "File with name "+name+" could not be located")
		return
	}
	target := "/files/" + meta.orig
	if fi, err := u.mem.Stat(ctx, path.Dir(target)); err != nil || !fi.IsDir() {
		target = "/files/" + path.Base(meta.orig)
	}
	if _, err := u.mem.Stat(ctx, target); err == nil {
		ext := path.Ext(target)
		base := strings.TrimSuffix(target, ext)
		for i := 1; ; i++ {
			cand := base + " (restored)" + ext
			if i > 1 {
				cand = fmt.Sprintf("%s (restored %d)%s", base, i, ext)
			}
			if _, err := u.mem.Stat(ctx, cand); err != nil {
				target = cand
				break
			}
		}
	}
	if err := u.mem.Rename(ctx, "/trash/"+name, target); err != nil {
		fdavSabreError(w, http.StatusInternalServerError, "Restore failed: "+err.Error())
		return
	}
	u.moved("/trash/"+name, target)
	u.srv.mu.Lock()
	delete(u.trash, name)
	u.srv.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

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
