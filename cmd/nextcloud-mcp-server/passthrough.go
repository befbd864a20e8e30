package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// basicPassthrough serves many users over HTTP: each request carries
// "Authorization: Basic user:app-password", used for that request only
// and never stored.
type basicPassthrough struct {
	base *nextcloud.Client
}

type basicCredsKey struct{}

type basicCreds struct{ user, pass string }

func newBasicPassthrough(base *nextcloud.Client) *basicPassthrough {
	return &basicPassthrough{base: base}
}

func (p *basicPassthrough) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user == "" || pass == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="nextcloud-mcp-server", charset="UTF-8"`)
			http.Error(w, "Unauthorized: send your Nextcloud login and app password with HTTP Basic authentication", http.StatusUnauthorized)
			return
		}
		ctx := context.WithValue(r.Context(), basicCredsKey{}, basicCreds{user, pass})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// identity is the login of the request's credentials (checked by the
// middleware), to which MCP sessions are bound.
func (p *basicPassthrough) identity(r *http.Request) string {
	c, _ := r.Context().Value(basicCredsKey{}).(basicCreds)
	return c.user
}

func (p *basicPassthrough) clientFor(ctx context.Context) (*nextcloud.Client, error) {
	c, ok := ctx.Value(basicCredsKey{}).(basicCreds)
	if !ok {
		return nil, errors.New("this request carries no Nextcloud credentials; send HTTP Basic authentication with your login and app password")
	}
	return p.base.WithUser(c.user, nextcloud.BasicAuth{Username: c.user, Password: c.pass}), nil
}
