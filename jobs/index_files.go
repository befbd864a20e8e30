package jobs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

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
	var fetch []int // indexes into ch.Upsert of text files to read
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
			fetch = append(fetch, len(ch.Upsert))
		}
		ch.Upsert = append(ch.Upsert, it)
	}
	if err := x.fetchBodies(ctx, nc, ch.Upsert, fetch); err != nil {
		return err
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
	if err := x.apply(ctx, user, ch); err != nil {
		return err
	}
	for _, d := range subdirs {
		if err := x.walkFiles(ctx, nc, state, d.Path, d.ETag); err != nil {
			return err
		}
	}
	// Recorded last: an interrupted walk revisits this folder.
	return x.apply(ctx, user, storage.IndexChange{App: storage.AppFiles, State: map[string]string{key: self.ETag}})
}

// fetchBodies reads the text of items[i] for each i in which, at most
// x.FetchConcurrency at a time: with upstream latency a folder of many
// files is otherwise one round trip per file. The first error stops the
// rest; a file that vanished or grew too large is indexed without text.
func (x *Indexer) fetchBodies(ctx context.Context, nc *nextcloud.Client, items []storage.IndexItem, which []int) error {
	limit := min(max(x.FetchConcurrency, 1), len(which))
	if limit == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fc, err := nc.Files().Read(ctx, items[i].ID, x.MaxFileBytes)
				var tooLarge *nextcloud.TooLargeError
				switch {
				case errors.As(err, &tooLarge), errors.Is(err, nextcloud.ErrNotFound):
				case err != nil:
					cancel(err)
				default:
					// Each worker writes only its own items.
					items[i].Body = strings.ToValidUTF8(string(fc.Data), "")
				}
			}
		}()
	}
feed:
	for _, i := range which {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
