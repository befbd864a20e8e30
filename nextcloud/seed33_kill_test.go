package nextcloud_test

import (
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// A raw backslash (a Windows-style path) gets the hint to use "/", not
// the message about names that only go wrong once decoded.
func TestCleanPathBackslashHint(t *testing.T) {
	for _, in := range []string{`Documents\report.txt`, `a\b/c`} {
		_, err := nextcloud.CleanPath(in)
		if err == nil || !strings.Contains(err.Error(), `separate folders with "/"`) || strings.Contains(err.Error(), "once decoded") {
			t.Errorf("CleanPath(%q) = %v; want the backslash hint to separate folders with \"/\"", in, err)
		}
	}
}
