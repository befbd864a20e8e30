package nextcloud

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors let callers test the kind of a Nextcloud failure with
// errors.Is without looking at status codes.
var (
	ErrUnauthorized  = errors.New("nextcloud rejected the credentials")
	ErrForbidden     = errors.New("nextcloud denied access")
	ErrNotFound      = errors.New("no such item in nextcloud")
	ErrConflict      = errors.New("the item changed meanwhile")
	ErrLocked        = errors.New("the item is locked")
	ErrQuota         = errors.New("storage quota exceeded")
	ErrUnavailable   = errors.New("nextcloud is unavailable")
	ErrAppNotEnabled = errors.New("nextcloud app is not installed or not enabled")
)

// Error is a failed Nextcloud request. Message is Nextcloud's own text when it
// gave one; Hint says what the user can do about it.
type Error struct {
	Method  string
	Path    string
	Status  int
	Message string
	Hint    string
	// App names the Nextcloud app whose API answered, when known.
	App string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("nextcloud %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// Is maps status codes onto the sentinel errors.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict || e.Status == http.StatusPreconditionFailed
	case ErrLocked:
		return e.Status == http.StatusLocked
	case ErrQuota:
		return e.Status == http.StatusInsufficientStorage
	case ErrUnavailable:
		return e.Status == http.StatusBadGateway || e.Status == http.StatusServiceUnavailable || e.Status == http.StatusGatewayTimeout
	}
	return false
}

// hintFor says, in words a model can act on, what to do after a status.
func hintFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "check the Nextcloud username and app password, or sign in again"
	case http.StatusForbidden:
		return "the user lacks permission for this item or the app is disabled for them"
	case http.StatusNotFound:
		return "no such item: check the id or path, list the items to find the right one"
	case http.StatusConflict:
		return "the item changed meanwhile or a parent is missing: fetch it again and retry"
	case http.StatusPreconditionFailed:
		return "the item changed since it was read: fetch it again and re-apply the edit"
	case http.StatusLocked:
		return "the item is locked by another client: try again later"
	case http.StatusInsufficientStorage:
		return "the user's storage quota is full: free space and retry"
	case http.StatusTooManyRequests:
		return "Nextcloud is rate limiting: wait and retry"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "Nextcloud is unavailable or in maintenance mode: try again later"
	case http.StatusRequestEntityTooLarge:
		return "the content is too large for this Nextcloud"
	}
	if status >= 500 {
		return "Nextcloud failed internally: try again later or ask the administrator to check its log"
	}
	return ""
}
