package nctest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/webdav"
)

// The files stand-in's file system: per-user trees on golang.org/x/net/webdav's memory FS, with Nextcloud's ids, ETags, trash and dead properties.

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
