package nctest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
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

// ids, revisions and mtimes follow the MemFS paths.

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
	case "PROPFIND":
		r = sabreDepth(r)
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
		// Nextcloud writes an upload to a .part file and moves it into
		// place only once complete: an aborted upload leaves the file as
		// it was. MemFS writes in place, so the body is read first.
		body, rerr := io.ReadAll(r.Body)
		if rerr != nil {
			fdavSabreError(w, http.StatusBadRequest, fmt.Sprintf("Expected filesize of %d bytes but read (from Nextcloud client) and wrote (to Nextcloud storage) %d bytes. Could either be a network problem on the sending side or a problem writing to the storage on the server side.", r.ContentLength, len(body)))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
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
		u.bin.ServeHTTP(sw, sabreDepth(r))
	default:
		fdavSabreError(w, http.StatusForbidden, "Permission denied")
	}
}

// sabreDepth gives a PROPFIND without Depth the depth sabre/dav reads for
// it: 1 (CorePlugin::httpPropFind, getHTTPDepth(1)); x/net/webdav would
// walk the whole tree.
func sabreDepth(r *http.Request) *http.Request {
	if r.Method != "PROPFIND" || r.Header.Get("Depth") != "" {
		return r
	}
	r = r.Clone(r.Context())
	r.Header.Set("Depth", "1")
	return r
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
