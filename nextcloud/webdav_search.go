package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Favorites, WebDAV SEARCH and the trash bin.

// TrashItem is an entry of the user's trash bin.
type TrashItem struct {
	// TrashName is the item's name in the trash bin (e.g. "a.txt.d1700000000"),
	// which identifies it for restore.
	TrashName        string
	Name             string
	OriginalLocation string
	DeletedAt        time.Time
	IsDir            bool
	Size             int64
	FileID           int64
	ContentType      string
}

// FileSearch is a WebDAV SEARCH query; empty fields do not filter.
type FileSearch struct {
	// Folder is the scope, relative to the user's root ("" for all files).
	Folder string
	// Name matches file names case-insensitively; * and ? are wildcards,
	// otherwise it matches names containing it.
	Name string
	// MimeType is an exact type ("application/pdf") or a group ending in
	// "/" or "/*" ("image/*").
	MimeType       string
	ModifiedAfter  time.Time
	ModifiedBefore time.Time
	// FilesOnly leaves folders out.
	FilesOnly bool
	// Limit is the most results (default 100).
	Limit int
}

// SetFavorite marks or unmarks a file or folder as favorite (PROPPATCH).
func (f *FilesClient) SetFavorite(ctx context.Context, p string, favorite bool) error {
	rel, path, err := f.c.davTarget(CleanPath, p)
	if err != nil {
		return err
	}
	v := "0"
	if favorite {
		v = "1"
	}
	if err := f.c.davPropPatch(ctx, path, `<oc:favorite>`+v+`</oc:favorite>`); err != nil {
		return fmt.Errorf("set favorite on %q: %w", rel, err)
	}
	return nil
}

// Favorites lists the favorites in a folder and its subfolders (REPORT
// oc:filter-files with oc:favorite 1).
func (f *FilesClient) Favorites(ctx context.Context, folder string) ([]FileInfo, error) {
	rel, path, err := f.c.davTarget(CleanPath, folder)
	if err != nil {
		return nil, err
	}
	body := `<?xml version="1.0" encoding="UTF-8"?><oc:filter-files ` + davNamespaces + `>` + davFileProps +
		`<oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>`
	rs, err := f.c.davMultistatusCall(ctx, "REPORT", path, "", body)
	if err != nil {
		return nil, fmt.Errorf("list favorites in %q: %w", rel, err)
	}
	return f.c.davFileInfos(rs), nil
}

// davLikePattern turns a user pattern into an SQL LIKE pattern: * and ? are
// wildcards; without them the name only has to contain the text.
func davLikePattern(name string) string {
	if !strings.ContainsAny(name, "*?") {
		return "%" + name + "%"
	}
	return strings.NewReplacer("*", "%", "?", "_").Replace(name)
}

// davTime formats a time as PHP's DATE_ATOM, which Nextcloud parses.
func davTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// Search runs a WebDAV SEARCH (RFC 5323 basicsearch) over a folder
// and its subfolders, newest first.
func (f *FilesClient) Search(ctx context.Context, q FileSearch) ([]FileInfo, error) {
	rel, err := CleanPath(q.Folder)
	if err != nil {
		return nil, err
	}
	user, err := f.c.davUser()
	if err != nil {
		return nil, err
	}
	var conds []string
	cmp := func(op, prop, literal string) {
		conds = append(conds, fmt.Sprintf("<d:%s><d:prop>%s</d:prop><d:literal>%s</d:literal></d:%s>", op, prop, xmlText(literal), op))
	}
	if q.Name != "" {
		cmp("like", "<d:displayname/>", davLikePattern(q.Name))
	}
	if mt := strings.TrimSpace(q.MimeType); mt != "" {
		if group, ok := strings.CutSuffix(mt, "/*"); ok {
			cmp("like", "<d:getcontenttype/>", group+"/%")
		} else if strings.HasSuffix(mt, "/") {
			cmp("like", "<d:getcontenttype/>", mt+"%")
		} else {
			cmp("eq", "<d:getcontenttype/>", mt)
		}
	}
	if !q.ModifiedAfter.IsZero() {
		cmp("gte", "<d:getlastmodified/>", davTime(q.ModifiedAfter))
	}
	if !q.ModifiedBefore.IsZero() {
		cmp("lt", "<d:getlastmodified/>", davTime(q.ModifiedBefore))
	}
	if q.FilesOnly {
		conds = append(conds, "<d:not><d:is-collection/></d:not>")
	}
	if len(conds) == 0 {
		return nil, errors.New("search files: give at least one criterion (name, type or modified date)")
	}
	where := conds[0]
	if len(conds) > 1 {
		where = "<d:and>" + strings.Join(conds, "") + "</d:and>"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	scope := "/files/" + user
	if rel != "" {
		scope += "/" + rel
	}
	body := `<?xml version="1.0" encoding="UTF-8"?><d:searchrequest ` + davNamespaces + `><d:basicsearch>` +
		`<d:select>` + davFileProps + `</d:select>` +
		`<d:from><d:scope><d:href>` + xmlText(scope) + `</d:href><d:depth>infinity</d:depth></d:scope></d:from>` +
		`<d:where>` + where + `</d:where>` +
		`<d:orderby><d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order></d:orderby>` +
		`<d:limit><d:nresults>` + strconv.Itoa(limit) + `</d:nresults></d:limit>` +
		`</d:basicsearch></d:searchrequest>`
	rs, err := f.c.davMultistatusCall(ctx, "SEARCH", "/remote.php/dav/", "", body)
	if err != nil {
		return nil, fmt.Errorf("search files: %w", err)
	}
	return f.c.davFileInfos(rs), nil
}

// davTrashError names the trash bin app when its DAV tree is missing.
func davTrashError(op string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return fmt.Errorf("%s: the Deleted files app (\"files_trashbin\") is not enabled on this Nextcloud, so there is no trash bin: %w", op, ErrAppNotEnabled)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Trash lists the top level of the user's trash bin.
func (f *FilesClient) Trash(ctx context.Context) ([]TrashItem, error) {
	trash, err := f.trashFolder("trash")
	if err != nil {
		return nil, err
	}
	body := `<?xml version="1.0" encoding="UTF-8"?><d:propfind ` + davNamespaces + `><d:prop>` +
		`<nc:trashbin-filename/><nc:trashbin-original-location/><nc:trashbin-deletion-time/>` +
		`<d:getcontentlength/><d:getcontenttype/><d:resourcetype/><d:getlastmodified/><oc:fileid/><oc:size/>` +
		`</d:prop></d:propfind>`
	rs, err := f.c.davMultistatusCall(ctx, "PROPFIND", trash, "1", body)
	if err != nil {
		return nil, davTrashError("list the trash bin", err)
	}
	root := f.c.davTrashRoot()
	items := make([]TrashItem, 0, len(rs))
	for i := range rs {
		name, ok := davRelHref(rs[i].Href, root)
		if !ok || name == "" {
			continue
		}
		p, isDir := rs[i].props()
		it := TrashItem{TrashName: name, Name: p.TrashName, OriginalLocation: p.TrashLocation, IsDir: isDir, ContentType: p.ContentType}
		if it.Name == "" {
			it.Name = name
		}
		if isDir {
			it.ContentType = ""
		}
		if sec, err := strconv.ParseInt(p.TrashTime, 10, 64); err == nil {
			it.DeletedAt = time.Unix(sec, 0).UTC()
		}
		it.FileID, _ = strconv.ParseInt(p.FileID, 10, 64)
		if p.Size != "" {
			it.Size, _ = strconv.ParseInt(p.Size, 10, 64)
		} else {
			it.Size, _ = strconv.ParseInt(p.ContentLength, 10, 64)
		}
		items = append(items, it)
	}
	return items, nil
}

// checkTrashName refuses what is not one item name of the trash bin.
func checkTrashName(name string) error {
	if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return &PathError{Path: name, Reason: "is not a trash bin item name (use the trash_name from the trash list)"}
	}
	_, err := CleanFilePath(name)
	return err
}

// trashFolder is the DAV path of a folder of the user's trash bin:
// "trash" (what was deleted) or "restore" (where a MOVE restores).
func (f *FilesClient) trashFolder(folder string) (string, error) {
	user, err := f.c.davUser()
	if err != nil {
		return "", err
	}
	return "/remote.php/dav/trashbin/" + url.PathEscape(user) + "/" + folder, nil
}

// trashItem is the DAV path of the item name in a trash bin folder; name
// must be one item's name (checkTrashName).
func (f *FilesClient) trashItem(folder, name string) (string, error) {
	if err := checkTrashName(name); err != nil {
		return "", err
	}
	p, err := f.trashFolder(folder)
	if err != nil {
		return "", err
	}
	return p + "/" + url.PathEscape(name), nil
}

// RestoreFromTrash restores an item of the trash bin to where it was deleted
// from, by moving it to the trash bin's restore folder.
func (f *FilesClient) RestoreFromTrash(ctx context.Context, trashName string) error {
	src, err := f.trashItem("trash", trashName)
	if err != nil {
		return err
	}
	dst, err := f.trashItem("restore", trashName)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("Destination", f.c.URL(dst))
	if _, _, err := f.c.davCall(ctx, "MOVE", src, h, nil); err != nil {
		return fmt.Errorf("restore %q from the trash bin: %w", trashName, err)
	}
	return nil
}
