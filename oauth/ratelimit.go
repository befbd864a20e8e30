package oauth

import "time"

// RateLimitError is a request refused because its client caused too many
// identity-provider calls with unknown tokens; answered 429.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return "too many unknown tokens from this address; try again later"
}
