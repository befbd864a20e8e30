package nextcloud

import (
	"context"
	"fmt"
)

// decoded runs req on the app and decodes the answer into a new T; what
// names the request in the error ("get Talk conversation \"abc\"").
func decoded[T any](ctx context.Context, a App, req Request, what string) (*T, error) {
	var out T
	if _, err := a.Call(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &out, nil
}
