package mcp

import (
	"errors"
	"fmt"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// explainNotFound prefixes an app's 404 with what was missing and what to
// check ("<what> <says>: <err>"); a missing app and other errors pass as they are.
func explainNotFound(err error, what, says string) error {
	if errors.Is(err, nextcloud.ErrNotFound) && !errors.Is(err, nextcloud.ErrAppNotEnabled) {
		return fmt.Errorf("%s %s: %w", what, says, err)
	}
	return err
}

// statusOf is the HTTP status of the Nextcloud error in err's chain; 0
// when there is none.
func statusOf(err error) int {
	var ne *nextcloud.Error
	if errors.As(err, &ne) {
		return ne.Status
	}
	return 0
}
