package jobs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// textFile says whether a file's content is worth indexing as text.
func textFile(f nextcloud.FileInfo) bool {
	switch strings.ToLower(path.Ext(f.Name)) {
	case ".md", ".markdown", ".txt", ".org", ".rst", ".csv":
		return true
	}
	return strings.HasPrefix(f.ContentType, "text/")
}

// filesParent is the Parent of items directly in folder dir.
func filesParent(dir string) string { return "dir:" + dir }

// SyncFiles walks nc's user's files with PROPFIND Depth 1, descending only
// into folders whose ETag changed since the last walk (Nextcloud folder
// ETags change when anything below them does), so an unchanged account
// costs one request. Names of files and folders are indexed, and the text
// of small text and markdown files.
func (x *Indexer) SyncFiles(ctx context.Context, nc *nextcloud.Client) error {
	user := nc.User()
	state, err := x.idx.SyncState(ctx, user, storage.AppFiles)
	if err != nil {
		return err
	}
	if err := x.walkFiles(ctx, nc, state, "", ""); err != nil {
		if errors.Is(err, nextcloud.ErrNotFound) {
			return fmt.Errorf("index files of %s: the user's files are not reachable over WebDAV: %w", user, err)
		}
		return fmt.Errorf("index files of %s: %w", user, err)
	}
	return nil
}

func (x *Indexer) walkFiles(ctx context.Context, nc *nextcloud.Client, state map[string]string, dir, etag string) error {
	key := "dir:" + dir
	if etag != "" && state[key] == etag {
		return nil
	}
	self, children, err := nc.Files().List(ctx, dir)
	if err != nil {
		return err
	}
	if state[key] == self.ETag && self.ETag != "" {
		return nil
	}
	user := nc.User()
	known, err := x.idx.ETags(ctx, user, storage.AppFiles, filesParent(dir))
	if err != nil {
		return err
	}
	ch := storage.IndexChange{App: storage.AppFiles}
	seen := map[string]bool{}
	var subdirs []nextcloud.FileInfo
	for _, f := range children {
		seen[f.Path] = true
		if f.IsDir {
			subdirs = append(subdirs, f)
		}
		if known[f.Path] == f.ETag && f.ETag != "" {
			continue
		}
		it := storage.IndexItem{ID: f.Path, Title: f.Name, Extra: path.Dir("/" + f.Path), Date: f.Modified, ETag: f.ETag, Parent: filesParent(dir)}
		if f.FileID > 0 {
			it.URL = appLink(nc, "/index.php/f/"+strconv.FormatInt(f.FileID, 10))
		}
		if !f.IsDir && textFile(f) && f.Size > 0 && f.Size <= x.MaxFileBytes {
			fc, err := nc.Files().Read(ctx, f.Path, x.MaxFileBytes)
			var tooLarge *nextcloud.TooLargeError
			switch {
			case errors.As(err, &tooLarge), errors.Is(err, nextcloud.ErrNotFound):
			case err != nil:
				return err
			default:
				it.Body = strings.ToValidUTF8(string(fc.Data), "")
			}
		}
		ch.Upsert = append(ch.Upsert, it)
	}
	for id := range known {
		if !seen[id] {
			ch.DeleteUnder = append(ch.DeleteUnder, id)
			ch.DeleteStatePrefix = append(ch.DeleteStatePrefix, "dir:"+id+"/")
			if ch.State == nil {
				ch.State = map[string]string{}
			}
			ch.State["dir:"+id] = ""
		}
	}
	if err := x.idx.Apply(ctx, user, ch); err != nil {
		return err
	}
	for _, d := range subdirs {
		if err := x.walkFiles(ctx, nc, state, d.Path, d.ETag); err != nil {
			return err
		}
	}
	// Recorded last: an interrupted walk revisits this folder.
	return x.idx.Apply(ctx, user, storage.IndexChange{App: storage.AppFiles, State: map[string]string{key: self.ETag}})
}
