package nextcloud

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Files over WebDAV: /remote.php/dav/files/{user}/..., SEARCH on
// /remote.php/dav/, favorites via REPORT oc:filter-files, and the trash bin
// at /remote.php/dav/trashbin/{user}/. The user in every DAV path is the
// client's own user id, never one taken from a caller.

// FilesClient is the user's files: WebDAV, favorites, search, the trash
// bin, and the comments, tags and versions Nextcloud keeps per file.
type FilesClient struct{ c *Client }

// Files returns the files API.
func (c *Client) Files() *FilesClient { return &FilesClient{c: c} }

// ErrExists means the target of a create, move or copy already exists.
var ErrExists = errors.New("the item already exists")

// PathError is a path that cannot name a file in the user's Nextcloud.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string { return fmt.Sprintf("path %q %s", e.Path, e.Reason) }

// CleanPath checks and normalises a path inside the user's files: it
// returns the path without leading or trailing slashes ("" for the root),
// with "." segments dropped. ".." segments, empty names ("a//b"), names of
// only spaces, backslashes, control characters and invalid UTF-8 are
// errors, so no request is sent for them.
func CleanPath(p string) (string, error) {
	if !utf8.ValidString(p) {
		return "", &PathError{Path: p, Reason: "is not valid UTF-8"}
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return "", &PathError{Path: p, Reason: fmt.Sprintf("contains the control character %U; file names cannot hold control characters", r)}
		}
		if r == '\\' {
			return "", &PathError{Path: p, Reason: `contains a backslash; separate folders with "/" like Documents/report.txt`}
		}
	}
	trimmed := strings.Trim(p, "/")
	if trimmed == "" || trimmed == "." {
		return "", nil
	}
	var parts []string
	for _, seg := range strings.Split(trimmed, "/") {
		switch {
		case seg == "..":
			return "", &PathError{Path: p, Reason: `contains ".."; paths cannot leave the user's files, give a path like Documents/report.txt`}
		case seg == ".":
			continue
		case strings.TrimSpace(seg) == "":
			return "", &PathError{Path: p, Reason: "contains an empty file or folder name"}
		case segmentProblem(seg) != "":
			// Encoded forms ("%2e%2e", "%2f") that a server may decode.
			return "", &PathError{Path: p, Reason: "has a name that " + segmentProblem(seg) + " once decoded; paths cannot leave the user's files"}
		}
		parts = append(parts, seg)
	}
	return strings.Join(parts, "/"), nil
}

// CleanFilePath is CleanPath for operations that need a file or folder,
// not the root.
func CleanFilePath(p string) (string, error) {
	c, err := CleanPath(p)
	if err == nil && c == "" {
		return "", &PathError{Path: p, Reason: "names the root folder; give a file or folder inside it"}
	}
	return c, err
}

// FileInfo describes a file or folder from its WebDAV properties.
type FileInfo struct {
	// Path is relative to the user's root, without leading slash; "" is the root.
	Path        string
	Name        string
	IsDir       bool
	Size        int64
	Modified    time.Time
	ETag        string
	FileID      int64
	ContentType string
	Favorite    bool
	HasPreview  bool
	Permissions string
}

// FileContent is a downloaded file.
type FileContent struct {
	Data        []byte
	ContentType string
	ETag        string
}

// TooLargeError is a file bigger than the caller allows to download.
type TooLargeError struct {
	Path  string
	Size  int64
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("file %q is larger than the limit of %d bytes", e.Path, e.Limit)
	}
	return fmt.Sprintf("file %q is %d bytes, larger than the limit of %d bytes", e.Path, e.Size, e.Limit)
}

// WriteOptions shape a file upload.
type WriteOptions struct {
	// IfMatch overwrites only if the file still has this ETag.
	IfMatch string
	// CreateOnly refuses to overwrite an existing file (If-None-Match: *).
	CreateOnly bool
	// ContentType is sent as the upload's Content-Type when set.
	ContentType string
	// Modified sets the file's modification time (X-OC-MTime) when set.
	Modified time.Time
}

// WriteResult is what Nextcloud said about an upload.
type WriteResult struct {
	Created bool
	ETag    string
}

func (c *Client) davUser() (string, error) {
	if c.user == "" {
		return "", errors.New("the Nextcloud user id is not known, so WebDAV paths cannot be built")
	}
	return c.user, nil
}

func davEscapePath(p string) string {
	if p == "" {
		return ""
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// davFilesPath is the request path of a cleaned relative path.
func (c *Client) davFilesPath(rel string) (string, error) {
	user, err := c.davUser()
	if err != nil {
		return "", err
	}
	p := "/remote.php/dav/files/" + url.PathEscape(user)
	if rel != "" {
		p += "/" + davEscapePath(rel)
	}
	return p, nil
}

// davTarget cleans p with clean (CleanPath or CleanFilePath) and returns
// it with its request path.
func (c *Client) davTarget(clean func(string) (string, error), p string) (rel, path string, err error) {
	if rel, err = clean(p); err != nil {
		return "", "", err
	}
	path, err = c.davFilesPath(rel)
	return rel, path, err
}

// davFilesRoot is the unescaped href prefix of the user's files.
func (c *Client) davFilesRoot() string {
	return strings.TrimRight(c.base.Path, "/") + "/remote.php/dav/files/" + c.user + "/"
}

func (c *Client) davTrashRoot() string {
	return strings.TrimRight(c.base.Path, "/") + "/remote.php/dav/trashbin/" + c.user + "/trash/"
}

// davRelHref turns an href of a multistatus into a path below root.
func davRelHref(href, root string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	p := u.Path
	if !strings.HasSuffix(p, "/") && p+"/" == root {
		return "", true
	}
	rest, ok := strings.CutPrefix(p, root)
	if !ok {
		return "", false
	}
	return strings.Trim(rest, "/"), true
}

const davFileProps = `<d:prop><d:getlastmodified/><d:getetag/><d:getcontenttype/><d:resourcetype/><d:getcontentlength/>` +
	`<oc:fileid/><oc:permissions/><oc:size/><oc:favorite/><nc:has-preview/></d:prop>`

const davNamespaces = `xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"`

// Multistatus decoding.
type wdMultistatus struct {
	Responses []wdResponse `xml:"DAV: response"`
}

type wdResponse struct {
	Href      string       `xml:"DAV: href"`
	Status    string       `xml:"DAV: status"`
	Propstats []wdPropstat `xml:"DAV: propstat"`
}

type wdPropstat struct {
	Status string `xml:"DAV: status"`
	Prop   wdProp `xml:"DAV: prop"`
}

type wdProp struct {
	ResourceType *struct {
		Collection *struct{} `xml:"DAV: collection"`
	} `xml:"DAV: resourcetype"`
	ContentLength string `xml:"DAV: getcontentlength"`
	ContentType   string `xml:"DAV: getcontenttype"`
	LastModified  string `xml:"DAV: getlastmodified"`
	ETag          string `xml:"DAV: getetag"`
	FileID        string `xml:"http://owncloud.org/ns fileid"`
	Size          string `xml:"http://owncloud.org/ns size"`
	Favorite      string `xml:"http://owncloud.org/ns favorite"`
	Permissions   string `xml:"http://owncloud.org/ns permissions"`
	HasPreview    string `xml:"http://nextcloud.org/ns has-preview"`
	TrashName     string `xml:"http://nextcloud.org/ns trashbin-filename"`
	TrashLocation string `xml:"http://nextcloud.org/ns trashbin-original-location"`
	TrashTime     string `xml:"http://nextcloud.org/ns trashbin-deletion-time"`
}

// davStatusOK reports whether "HTTP/1.1 200 OK" is a 2xx status.
func davStatusOK(s string) bool {
	code := statusCode(s)
	return code >= 200 && code < 300
}

// props merges the successful propstats of a response.
func (r *wdResponse) props() (wdProp, bool) {
	var out wdProp
	isDir := false
	for _, ps := range r.Propstats {
		if !davStatusOK(ps.Status) {
			continue
		}
		p := ps.Prop
		if p.ResourceType != nil && p.ResourceType.Collection != nil {
			isDir = true
		}
		merge := func(dst *string, v string) {
			if v = strings.TrimSpace(v); v != "" {
				*dst = v
			}
		}
		merge(&out.ContentLength, p.ContentLength)
		merge(&out.ContentType, p.ContentType)
		merge(&out.LastModified, p.LastModified)
		merge(&out.ETag, p.ETag)
		merge(&out.FileID, p.FileID)
		merge(&out.Size, p.Size)
		merge(&out.Favorite, p.Favorite)
		merge(&out.Permissions, p.Permissions)
		merge(&out.HasPreview, p.HasPreview)
		merge(&out.TrashName, p.TrashName)
		merge(&out.TrashLocation, p.TrashLocation)
		merge(&out.TrashTime, p.TrashTime)
	}
	return out, isDir
}

func davBool(s string) bool { return s == "1" || strings.EqualFold(s, "true") }

func davFileInfo(rel string, p wdProp, isDir bool) FileInfo {
	fi := FileInfo{Path: rel, IsDir: isDir, ETag: p.ETag, ContentType: p.ContentType,
		Favorite: davBool(p.Favorite), HasPreview: davBool(p.HasPreview), Permissions: p.Permissions}
	if i := strings.LastIndex(rel, "/"); i >= 0 {
		fi.Name = rel[i+1:]
	} else {
		fi.Name = rel
	}
	if isDir {
		fi.ContentType = ""
	}
	fi.FileID, _ = strconv.ParseInt(p.FileID, 10, 64)
	if p.Size != "" {
		fi.Size, _ = strconv.ParseInt(p.Size, 10, 64)
	} else {
		fi.Size, _ = strconv.ParseInt(p.ContentLength, 10, 64)
	}
	if t, err := http.ParseTime(p.LastModified); err == nil {
		fi.Modified = t.UTC()
	}
	return fi
}

// davCall sends a WebDAV request and returns the body of a 2xx answer.
func (c *Client) davCall(ctx context.Context, method, path string, header http.Header, body []byte) (*http.Response, []byte, error) {
	var payload any
	if body != nil {
		payload = body
	}
	req, err := c.NewRequest(ctx, method, path, payload)
	if err != nil {
		return nil, nil, err
	}
	addHeader(req, header)
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read answer of %s %s: %w", method, req.URL.Path, err)
	}
	return resp, data, nil
}

// davMultistatusData sends an XML request that must answer 207 and returns
// the answer's body.
func (c *Client) davMultistatusData(ctx context.Context, method, path, depth, body string) ([]byte, error) {
	h := http.Header{}
	if depth != "" {
		h.Set("Depth", depth)
	}
	resp, data, err := c.davCall(ctx, method, path, h, []byte(body))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, fmt.Errorf("nextcloud %s %s: expected a 207 Multi-Status answer, got %d", method, path, resp.StatusCode)
	}
	return data, nil
}

// davMultistatusCall sends a request that answers 207 and decodes the answer.
func (c *Client) davMultistatusCall(ctx context.Context, method, path, depth, body string) ([]wdResponse, error) {
	data, err := c.davMultistatusData(ctx, method, path, depth, body)
	if err != nil {
		return nil, err
	}
	var ms wdMultistatus
	if err := xml.Unmarshal(data, &ms); err != nil {
		return nil, fmt.Errorf("nextcloud %s %s: answer is not a WebDAV multistatus: %w", method, path, err)
	}
	return ms.Responses, nil
}

// davFileInfos turns multistatus responses below the user's root into FileInfos.
func (c *Client) davFileInfos(rs []wdResponse) []FileInfo {
	root := c.davFilesRoot()
	out := make([]FileInfo, 0, len(rs))
	for i := range rs {
		rel, ok := davRelHref(rs[i].Href, root)
		if !ok {
			continue
		}
		p, isDir := rs[i].props()
		out = append(out, davFileInfo(rel, p, isDir))
	}
	return out
}

func (c *Client) davPropfind(ctx context.Context, p, depth string) (string, []FileInfo, error) {
	rel, path, err := c.davTarget(CleanPath, p)
	if err != nil {
		return "", nil, err
	}
	rs, err := c.davMultistatusCall(ctx, "PROPFIND", path, depth, `<?xml version="1.0" encoding="UTF-8"?><d:propfind `+davNamespaces+`>`+davFileProps+`</d:propfind>`)
	if err != nil {
		return rel, nil, err
	}
	return rel, c.davFileInfos(rs), nil
}

// Stat describes one file or folder (PROPFIND Depth 0).
func (f *FilesClient) Stat(ctx context.Context, p string) (*FileInfo, error) {
	rel, infos, err := f.c.davPropfind(ctx, p, "0")
	if err != nil {
		return nil, fmt.Errorf("stat %q: %w", p, err)
	}
	for i := range infos {
		if infos[i].Path == rel {
			return &infos[i], nil
		}
	}
	return nil, fmt.Errorf("stat %q: the answer did not describe the item", p)
}

// List lists a folder (PROPFIND Depth 1): the folder itself and its
// children. Listing a file returns it with no children.
func (f *FilesClient) List(ctx context.Context, p string) (*FileInfo, []FileInfo, error) {
	rel, infos, err := f.c.davPropfind(ctx, p, "1")
	if err != nil {
		return nil, nil, fmt.Errorf("list %q: %w", p, err)
	}
	var self *FileInfo
	children := make([]FileInfo, 0, len(infos))
	for i := range infos {
		if infos[i].Path == rel {
			self = &infos[i]
			continue
		}
		children = append(children, infos[i])
	}
	if self == nil {
		return nil, nil, fmt.Errorf("list %q: the answer did not describe the folder", p)
	}
	return self, children, nil
}

// fileRequest builds a request on the file p (cleaned, inside the user's
// files) and returns p as cleaned for messages.
func (f *FilesClient) fileRequest(ctx context.Context, method, p string, body any) (string, *http.Request, error) {
	rel, path, err := f.c.davTarget(CleanFilePath, p)
	if err != nil {
		return "", nil, err
	}
	req, err := f.c.NewRequest(ctx, method, path, body)
	return rel, req, err
}

// Read downloads a file of at most limit bytes; a bigger one gives a
// *TooLargeError without reading it.
func (f *FilesClient) Read(ctx context.Context, p string, limit int64) (*FileContent, error) {
	rel, req, err := f.fileRequest(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", rel, err)
	}
	defer resp.Body.Close()
	if limit > 0 && resp.ContentLength > limit {
		return nil, &TooLargeError{Path: rel, Size: resp.ContentLength, Limit: limit}
	}
	downloadProgress(ctx, resp)
	rd := io.Reader(resp.Body)
	if limit > 0 {
		rd = io.LimitReader(resp.Body, limit+1)
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", rel, err)
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Path: rel, Size: -1, Limit: limit}
	}
	ct := resp.Header.Get("Content-Type")
	if mt, params, err := mime.ParseMediaType(ct); err == nil {
		ct = mime.FormatMediaType(mt, params)
	}
	return &FileContent{Data: data, ContentType: ct, ETag: resp.Header.Get("ETag")}, nil
}

// Write uploads data to p, creating or overwriting the file. The
// parent folder must exist.
func (f *FilesClient) Write(ctx context.Context, p string, data []byte, o WriteOptions) (*WriteResult, error) {
	rel, req, err := f.fileRequest(ctx, http.MethodPut, p, data)
	if err != nil {
		return nil, err
	}
	uploadProgress(req, int64(len(data)))
	if o.IfMatch != "" {
		req.Header.Set("If-Match", QuoteETag(o.IfMatch))
	}
	if o.CreateOnly {
		req.Header.Set("If-None-Match", "*")
	}
	if o.ContentType != "" {
		req.Header.Set("Content-Type", o.ContentType)
	}
	if !o.Modified.IsZero() {
		req.Header.Set("X-OC-MTime", strconv.FormatInt(o.Modified.Unix(), 10))
	}
	resp, err := f.c.Do(req)
	if err != nil {
		var e *Error
		if o.CreateOnly && errors.As(err, &e) && e.Status == http.StatusPreconditionFailed {
			return nil, fmt.Errorf("write %q: a file of that name exists and overwriting was not allowed: %w", rel, ErrExists)
		}
		return nil, fmt.Errorf("write %q: %w", rel, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("OC-ETag")
	if etag == "" {
		etag = resp.Header.Get("ETag")
	}
	return &WriteResult{Created: resp.StatusCode == http.StatusCreated, ETag: etag}, nil
}

// MakeFolder creates one folder; its parent must exist. An existing item gives
// an error wrapping ErrExists.
func (f *FilesClient) MakeFolder(ctx context.Context, p string) error {
	rel, path, err := f.c.davTarget(CleanFilePath, p)
	if err != nil {
		return err
	}
	if _, _, err := f.c.davCall(ctx, "MKCOL", path, nil, nil); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusMethodNotAllowed {
			return fmt.Errorf("create folder %q: %w", rel, ErrExists)
		}
		return fmt.Errorf("create folder %q: %w", rel, err)
	}
	return nil
}

// MakeFolderAll creates a folder and any missing parents; it returns the
// folders it created. An existing folder is not an error.
func (f *FilesClient) MakeFolderAll(ctx context.Context, p string) ([]string, error) {
	rel, err := CleanFilePath(p)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(ctx, rel); err == nil {
		if !fi.IsDir {
			return nil, fmt.Errorf("create folder %q: a file of that name exists: %w", rel, ErrExists)
		}
		return nil, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var created []string
	parts := strings.Split(rel, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		err := f.MakeFolder(ctx, sub)
		switch {
		case err == nil:
			created = append(created, sub)
		case errors.Is(err, ErrExists):
			fi, serr := f.Stat(ctx, sub)
			if serr != nil {
				return created, serr
			}
			if !fi.IsDir {
				return created, fmt.Errorf("create folder %q: %q is a file, not a folder: %w", rel, sub, ErrExists)
			}
		default:
			return created, err
		}
	}
	return created, nil
}

// davCopyMove runs MOVE or COPY; it reports whether the destination is new.
func (c *Client) davCopyMove(ctx context.Context, method, src, dst string, overwrite bool) (bool, error) {
	verb := strings.ToLower(method)
	s, err := CleanFilePath(src)
	if err != nil {
		return false, err
	}
	d, err := CleanFilePath(dst)
	if err != nil {
		return false, err
	}
	if s == d {
		return false, &PathError{Path: dst, Reason: "is the same as the source"}
	}
	if strings.HasPrefix(d, s+"/") {
		return false, &PathError{Path: dst, Reason: "is inside the source folder"}
	}
	sp, err := c.davFilesPath(s)
	if err != nil {
		return false, err
	}
	dp, err := c.davFilesPath(d)
	if err != nil {
		return false, err
	}
	h := http.Header{}
	h.Set("Destination", c.URL(dp))
	h.Set("Overwrite", "F")
	if overwrite {
		h.Set("Overwrite", "T")
	}
	resp, _, err := c.davCall(ctx, method, sp, h, nil)
	if err != nil {
		var e *Error
		if !overwrite && errors.As(err, &e) && e.Status == http.StatusPreconditionFailed {
			return false, fmt.Errorf("%s %q to %q: the destination exists and overwrite was not allowed: %w", verb, s, d, ErrExists)
		}
		return false, fmt.Errorf("%s %q to %q: %w", verb, s, d, err)
	}
	return resp.StatusCode == http.StatusCreated, nil
}

// Move moves or renames a file or folder.
func (f *FilesClient) Move(ctx context.Context, src, dst string, overwrite bool) (bool, error) {
	return f.c.davCopyMove(ctx, "MOVE", src, dst, overwrite)
}

// Copy copies a file or folder (folders with their content).
func (f *FilesClient) Copy(ctx context.Context, src, dst string, overwrite bool) (bool, error) {
	return f.c.davCopyMove(ctx, "COPY", src, dst, overwrite)
}

// Delete deletes a file or folder; Nextcloud moves it to the trash bin
// when the trash bin app is on.
func (f *FilesClient) Delete(ctx context.Context, p string) error {
	rel, path, err := f.c.davTarget(CleanFilePath, p)
	if err != nil {
		return err
	}
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, path, nil, nil); err != nil {
		return fmt.Errorf("delete %q: %w", rel, err)
	}
	return nil
}
