package nctest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// File versions (/remote.php/dav/versions).

// AddFileVersion records an older version of a user's file, as Nextcloud
// keeps one when a file is overwritten. It returns the version id.
func (s *Server) AddFileVersion(user, path string, content []byte, modified time.Time) (string, error) {
	n, ok := s.filesStat(user, path)
	if !ok || n.IsDir {
		return "", fmt.Errorf("nctest: %s has no file %q", user, path)
	}
	st := s.apps.extras
	st.mu.Lock()
	defer st.mu.Unlock()
	v := &extrasVersion{id: strconv.FormatInt(modified.Unix(), 10), content: content, modified: modified, author: user}
	st.versions[n.ID] = append(st.versions[n.ID], v)
	sort.SliceStable(st.versions[n.ID], func(i, j int) bool { return st.versions[n.ID][i].modified.After(st.versions[n.ID][j].modified) })
	return v.id, nil
}

// versionsFile checks the principal and resolves the file of a versions request.
func (st *extrasStandIn) versionsFile(w http.ResponseWriter, r *http.Request) (extrasNode, bool) {
	if st.s.isDisabled("files_versions") {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "File with name versions could not be located")
		return extrasNode{}, false
	}
	if r.PathValue("user") != UserOf(r) {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "Principal with name "+r.PathValue("user")+" not found")
		return extrasNode{}, false
	}
	n, ok := st.fileOf(w, r)
	if ok && n.IsDir {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "Versions are only kept for files")
		return extrasNode{}, false
	}
	return n, ok
}

func (st *extrasStandIn) listVersions(w http.ResponseWriter, r *http.Request) {
	n, ok := st.versionsFile(w, r)
	if !ok {
		return
	}
	base := fmt.Sprintf("/remote.php/dav/versions/%s/versions/%d", UserOf(r), n.ID)
	rs := []extrasResponse{{href: base + "/", collection: true}}
	if r.Header.Get("Depth") != "0" {
		st.mu.Lock()
		for _, v := range st.versions[n.ID] {
			rs = append(rs, extrasResponse{href: base + "/" + v.id, props: []extrasProp{
				{"DAV:", "getcontentlength", strconv.Itoa(len(v.content))},
				{"DAV:", "getcontenttype", n.Mime},
				{"DAV:", "getlastmodified", v.modified.UTC().Format(http.TimeFormat)},
				{"DAV:", "getetag", fmt.Sprintf(`"%d-%s"`, n.ID, v.id)},
				{extrasNSNC, "version-label", v.label},
				{extrasNSNC, "version-author", v.author},
			}})
		}
		st.mu.Unlock()
	}
	extrasWriteMultistatus(w, rs)
}

// version finds a version; the caller holds st.mu.
func (st *extrasStandIn) version(fileID int64, id string) (int, *extrasVersion) {
	for i, v := range st.versions[fileID] {
		if v.id == id {
			return i, v
		}
	}
	return -1, nil
}

func (st *extrasStandIn) getVersion(w http.ResponseWriter, r *http.Request) {
	n, ok := st.versionsFile(w, r)
	if !ok {
		return
	}
	st.mu.Lock()
	_, v := st.version(n.ID, r.PathValue("version"))
	var content []byte
	if v != nil {
		content = append(content, v.content...)
	}
	st.mu.Unlock()
	if v == nil {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "File with name "+r.PathValue("version")+" could not be located")
		return
	}
	w.Header().Set("Content-Type", n.Mime)
	_, _ = w.Write(content)
}

func (st *extrasStandIn) restoreVersion(w http.ResponseWriter, r *http.Request) {
	n, ok := st.versionsFile(w, r)
	if !ok {
		return
	}
	user := UserOf(r)
	dst, err := url.Parse(r.Header.Get("Destination"))
	if err != nil || strings.TrimRight(dst.Path, "/") != "/remote.php/dav/versions/"+user+"/restore/target" {
		extrasSabreError(w, http.StatusForbidden, "Forbidden", "A version can only be moved to /remote.php/dav/versions/"+user+"/restore/target")
		return
	}
	st.mu.Lock()
	i, v := st.version(n.ID, r.PathValue("version"))
	st.mu.Unlock()
	if v == nil {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "File with name "+r.PathValue("version")+" could not be located")
		return
	}
	// The current content becomes a version and the restored one the file.
	cur := st.s.filesDAV(user, http.MethodGet, n.Path, nil, nil)
	if cur == nil || cur.Code != http.StatusOK {
		extrasSabreError(w, http.StatusInternalServerError, "ServiceUnavailable", "Could not read the current file")
		return
	}
	put := st.s.filesDAV(user, http.MethodPut, n.Path, http.Header{"X-Oc-Mtime": {strconv.FormatInt(v.modified.Unix(), 10)}}, v.content)
	if put == nil || put.Code >= 300 {
		extrasSabreError(w, http.StatusInternalServerError, "ServiceUnavailable", "Could not restore the version")
		return
	}
	now := time.Now()
	st.mu.Lock()
	list := st.versions[n.ID]
	if i < len(list) && list[i] == v {
		list = append(list[:i:i], list[i+1:]...)
	}
	// Version ids are timestamps; keep them unique within a second.
	for _, o := range list {
		if o.id == strconv.FormatInt(now.Unix(), 10) {
			now = now.Add(time.Second)
		}
	}
	list = append([]*extrasVersion{{id: strconv.FormatInt(now.Unix(), 10), content: cur.Body.Bytes(), modified: now, author: user}}, list...)
	st.versions[n.ID] = list
	st.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
