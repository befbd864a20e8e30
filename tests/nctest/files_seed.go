package nctest

import (
	"context"
	"path"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// AddFile writes data to p in user's files through WebDAV, making the
// folders above it, and returns the file's id.
func (s *Server) AddFile(t testing.TB, user, p string, data []byte) int64 {
	t.Helper()
	ctx, f := context.Background(), s.Client(t, user).Files()
	if dir := path.Dir(p); dir != "." && dir != "/" {
		if _, err := f.MakeFolderAll(ctx, dir); err != nil {
			t.Fatalf("nctest: create folder %q: %v", dir, err)
		}
	}
	if _, err := f.Write(ctx, p, data, nextcloud.WriteOptions{}); err != nil {
		t.Fatalf("nctest: write %q: %v", p, err)
	}
	id, err := f.ID(ctx, p)
	if err != nil || id == 0 {
		t.Fatalf("nctest: id of %q: %d %v", p, id, err)
	}
	return id
}
