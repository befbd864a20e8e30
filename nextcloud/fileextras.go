package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// File comments, system tags and versions, which Nextcloud's dav app
// serves next to the files: /remote.php/dav/comments/files/{fileid},
// /remote.php/dav/systemtags[-relations]/ and /remote.php/dav/versions/.
// They address files by id; FilesClient.ID resolves a path.

// ID returns the id of a file or folder in the user's files.
func (f *FilesClient) ID(ctx context.Context, p string) (int64, error) {
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return 0, err
	}
	if fi.FileID == 0 {
		return 0, fmt.Errorf("stat %q: Nextcloud did not tell the file id", p)
	}
	return fi.FileID, nil
}

// extrasProps is a multistatus response with its properties by
// "{namespace}name", taken from the 2xx propstats.
type extrasProps struct {
	Href       string
	Collection bool
	Props      map[string]string
}

type extrasXMLMultistatus struct {
	Responses []struct {
		Href      string `xml:"DAV: href"`
		Propstats []struct {
			Status string `xml:"DAV: status"`
			Prop   struct {
				Any []struct {
					XMLName xml.Name
					Inner   []byte `xml:",innerxml"`
				} `xml:",any"`
			} `xml:"DAV: prop"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
}

func extrasParseMultistatus(method, p string, data []byte) ([]extrasProps, error) {
	var ms extrasXMLMultistatus
	if err := xml.Unmarshal(data, &ms); err != nil {
		return nil, fmt.Errorf("nextcloud %s %s: answer is not a WebDAV multistatus: %w", method, p, err)
	}
	out := make([]extrasProps, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		ep := extrasProps{Href: strings.TrimSpace(r.Href), Props: map[string]string{}}
		for _, ps := range r.Propstats {
			if !davStatusOK(ps.Status) {
				continue
			}
			for _, a := range ps.Prop.Any {
				key := "{" + a.XMLName.Space + "}" + a.XMLName.Local
				if key == "{DAV:}resourcetype" {
					ep.Collection = bytes.Contains(a.Inner, []byte("collection"))
					continue
				}
				var text struct {
					V string `xml:",chardata"`
				}
				_ = xml.Unmarshal(append(append([]byte("<x>"), a.Inner...), "</x>"...), &text)
				ep.Props[key] = strings.TrimSpace(text.V)
			}
		}
		out = append(out, ep)
	}
	return out, nil
}

func (c *Client) extrasMultistatus(ctx context.Context, method, p, depth, body string) ([]extrasProps, error) {
	data, err := c.davMultistatusData(ctx, method, p, depth, body)
	if err != nil {
		return nil, err
	}
	return extrasParseMultistatus(method, p, data)
}

// extrasLastSegment is the last path segment of an href, unescaped.
func extrasLastSegment(href string) string {
	if u, err := url.Parse(href); err == nil {
		href = u.Path
	}
	return lastSegment(href)
}

func extrasTime(s string) time.Time {
	for _, layout := range []string{http.TimeFormat, time.RFC1123Z, time.RFC3339, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ---- comments ----

// FileComment is a comment on a file.
type FileComment struct {
	ID               int64
	ParentID         int64
	Message          string
	Verb             string
	ActorType        string
	ActorID          string
	ActorDisplayName string
	Created          time.Time
	Unread           bool
}

const extrasOC = "{http://owncloud.org/ns}"

// Comments lists a file's comments, newest first.
func (f *FilesClient) Comments(ctx context.Context, fileID int64, limit, offset int) ([]FileComment, error) {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?><oc:filter-comments xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><oc:limit>%d</oc:limit><oc:offset>%d</oc:offset></oc:filter-comments>`, limit, offset)
	rs, err := f.c.extrasMultistatus(ctx, "REPORT", fmt.Sprintf("/remote.php/dav/comments/files/%d", fileID), "", body)
	if err != nil {
		return nil, fmt.Errorf("list comments of file %d: %w", fileID, err)
	}
	out := []FileComment{}
	for _, r := range rs {
		p := r.Props
		id, err := strconv.ParseInt(p[extrasOC+"id"], 10, 64)
		if err != nil {
			continue // the collection itself
		}
		parent, _ := strconv.ParseInt(p[extrasOC+"parentId"], 10, 64)
		out = append(out, FileComment{ID: id, ParentID: parent, Message: p[extrasOC+"message"], Verb: p[extrasOC+"verb"],
			ActorType: p[extrasOC+"actorType"], ActorID: p[extrasOC+"actorId"], ActorDisplayName: p[extrasOC+"actorDisplayName"],
			Created: extrasTime(p[extrasOC+"creationDateTime"]), Unread: p[extrasOC+"isUnread"] == "true"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// MaxCommentLength is the longest comment Nextcloud stores, in characters.
const MaxCommentLength = 1000

// AddComment posts a comment on a file and returns its id.
func (f *FilesClient) AddComment(ctx context.Context, fileID int64, message string) (int64, error) {
	body, err := json.Marshal(map[string]string{"actorType": "users", "verb": "comment", "message": message})
	if err != nil {
		return 0, fmt.Errorf("encode comment: %w", err)
	}
	resp, _, err := f.c.davCall(ctx, http.MethodPost, fmt.Sprintf("/remote.php/dav/comments/files/%d", fileID),
		http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return 0, fmt.Errorf("comment on file %d: %w", fileID, err)
	}
	id, err := strconv.ParseInt(extrasLastSegment(resp.Header.Get("Content-Location")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("comment on file %d: Nextcloud stored it but did not say its id (Content-Location %q)", fileID, resp.Header.Get("Content-Location"))
	}
	return id, nil
}

// ---- system tags ----

// SystemTag is a collaborative tag files can carry.
type SystemTag struct {
	ID             int64
	Name           string
	UserVisible    bool
	UserAssignable bool
	CanAssign      bool
}

const systemTagProps = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>` +
	`<oc:id/><oc:display-name/><oc:user-visible/><oc:user-assignable/><oc:can-assign/></d:prop></d:propfind>`

func extrasTags(rs []extrasProps) []SystemTag {
	out := []SystemTag{}
	for _, r := range rs {
		p := r.Props
		id, err := strconv.ParseInt(p[extrasOC+"id"], 10, 64)
		if err != nil || r.Collection {
			continue
		}
		out = append(out, SystemTag{ID: id, Name: p[extrasOC+"display-name"], UserVisible: p[extrasOC+"user-visible"] == "true",
			UserAssignable: p[extrasOC+"user-assignable"] == "true", CanAssign: p[extrasOC+"can-assign"] == "true"})
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// SystemTags lists the tags the user can see.
func (f *FilesClient) SystemTags(ctx context.Context) ([]SystemTag, error) {
	rs, err := f.c.extrasMultistatus(ctx, "PROPFIND", "/remote.php/dav/systemtags/", "1", systemTagProps)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return extrasTags(rs), nil
}

// Tags lists the tags of a file.
func (f *FilesClient) Tags(ctx context.Context, fileID int64) ([]SystemTag, error) {
	rs, err := f.c.extrasMultistatus(ctx, "PROPFIND", fmt.Sprintf("/remote.php/dav/systemtags-relations/files/%d", fileID), "1", systemTagProps)
	if err != nil {
		return nil, fmt.Errorf("list tags of file %d: %w", fileID, err)
	}
	return extrasTags(rs), nil
}

// CreateSystemTag creates a tag and returns its id.
func (f *FilesClient) CreateSystemTag(ctx context.Context, name string, userVisible, userAssignable bool) (int64, error) {
	body, err := json.Marshal(map[string]any{"name": name, "userVisible": userVisible, "userAssignable": userAssignable})
	if err != nil {
		return 0, fmt.Errorf("encode tag: %w", err)
	}
	resp, _, err := f.c.davCall(ctx, http.MethodPost, "/remote.php/dav/systemtags/", http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return 0, fmt.Errorf("create tag %q: %w", name, err)
	}
	id, err := strconv.ParseInt(extrasLastSegment(resp.Header.Get("Content-Location")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("create tag %q: Nextcloud created it but did not say its id", name)
	}
	return id, nil
}

// AssignTag puts a tag on a file.
func (f *FilesClient) AssignTag(ctx context.Context, fileID, tagID int64) error {
	if _, _, err := f.c.davCall(ctx, http.MethodPut, fmt.Sprintf("/remote.php/dav/systemtags-relations/files/%d/%d", fileID, tagID), nil, nil); err != nil {
		return fmt.Errorf("tag file %d with tag %d: %w", fileID, tagID, err)
	}
	return nil
}

// RemoveTag takes a tag off a file.
func (f *FilesClient) RemoveTag(ctx context.Context, fileID, tagID int64) error {
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, fmt.Sprintf("/remote.php/dav/systemtags-relations/files/%d/%d", fileID, tagID), nil, nil); err != nil {
		return fmt.Errorf("remove tag %d from file %d: %w", tagID, fileID, err)
	}
	return nil
}

// ---- versions ----

// FileVersion is an older version of a file.
type FileVersion struct {
	// ID names the version (Nextcloud uses its timestamp).
	ID          string
	Size        int64
	ContentType string
	Modified    time.Time
	ETag        string
	Label       string
	Author      string
}

func (c *Client) versionsPath(fileID int64) (string, error) {
	if c.user == "" {
		return "", fmt.Errorf("the Nextcloud user id is not known, so the versions path cannot be built")
	}
	return fmt.Sprintf("/remote.php/dav/versions/%s/versions/%d", url.PathEscape(c.user), fileID), nil
}

// Versions lists a file's older versions, newest first.
func (f *FilesClient) Versions(ctx context.Context, fileID int64) ([]FileVersion, error) {
	p, err := f.c.versionsPath(fileID)
	if err != nil {
		return nil, err
	}
	body := `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns"><d:prop>` +
		`<d:getcontentlength/><d:getcontenttype/><d:getlastmodified/><d:getetag/><nc:version-label/><nc:version-author/></d:prop></d:propfind>`
	rs, err := f.c.extrasMultistatus(ctx, "PROPFIND", p, "1", body)
	if err != nil {
		return nil, fmt.Errorf("list versions of file %d: %w", fileID, err)
	}
	out := []FileVersion{}
	for _, r := range rs {
		if r.Collection {
			continue
		}
		pr := r.Props
		size, _ := strconv.ParseInt(pr["{DAV:}getcontentlength"], 10, 64)
		out = append(out, FileVersion{ID: extrasLastSegment(r.Href), Size: size, ContentType: pr["{DAV:}getcontenttype"],
			Modified: extrasTime(pr["{DAV:}getlastmodified"]), ETag: pr["{DAV:}getetag"],
			Label: pr["{http://nextcloud.org/ns}version-label"], Author: pr["{http://nextcloud.org/ns}version-author"]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	return out, nil
}

// RestoreVersion makes a version the file's content again; Nextcloud
// keeps the content it replaces as a version.
func (f *FilesClient) RestoreVersion(ctx context.Context, fileID int64, versionID string) error {
	version, err := EscapedSegment("version_id", versionID)
	if err != nil {
		return err
	}
	p, err := f.c.versionsPath(fileID)
	if err != nil {
		return err
	}
	dst := f.c.URL(fmt.Sprintf("/remote.php/dav/versions/%s/restore/target", url.PathEscape(f.c.user)))
	if _, _, err := f.c.davCall(ctx, "MOVE", p+"/"+version, http.Header{"Destination": {dst}}, nil); err != nil {
		return fmt.Errorf("restore version %s of file %d: %w", versionID, fileID, err)
	}
	return nil
}
