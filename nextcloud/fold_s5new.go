package nextcloud

import (
	"context"
	"fmt"
	"net/url"
)

// One call of an app whose error names what was asked, written again in
// every sub-client before.

// fetch makes one call and returns its decoded answer; what names the
// call in the error ("list polls: …").
func fetch[T any](ctx context.Context, a App, r Request, what string) (T, error) {
	var out T
	if _, err := a.Call(ctx, r, &out); err != nil {
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// fetchOne is fetch for the calls that answer one object (nil on error).
func fetchOne[T any](ctx context.Context, a App, r Request, what string) (*T, error) {
	out, err := fetch[T](ctx, a, r, what)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// send makes one call whose answer carries nothing the caller needs.
func send(ctx context.Context, a App, r Request, what string) error {
	if _, err := a.Call(ctx, r, nil); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// SetGiven puts *v into a change's body under key when v is given: the
// fields of a partial update that the caller did not give stay as they are.
func SetGiven[T any](body map[string]any, key string, v *T) {
	if v != nil {
		body[key] = *v
	}
}

// setNonZero puts v into a request's body under key unless v is its type's
// zero value, which means not given.
func setNonZero[T comparable](body map[string]any, key string, v T) {
	var zero T
	if v != zero {
		body[key] = v
	}
}

// setQuery sets a query parameter that was given: a positive number or a
// non-empty string (each compares greater than its zero value).
func setQuery[T int | int64 | string](q url.Values, key string, v T) {
	var zero T
	if v > zero {
		q.Set(key, fmt.Sprint(v))
	}
}
