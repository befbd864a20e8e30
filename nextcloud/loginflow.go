package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrLoginPending means the user has not yet approved a Login Flow v2.
var ErrLoginPending = errors.New("the Nextcloud login has not been approved yet")

// LoginFlow is a started Nextcloud Login Flow v2.
type LoginFlow struct {
	// LoginURL is where the user signs in and grants access.
	LoginURL string `json:"login"`
	// PollToken and PollEndpoint are secrets: whoever has them gets the app
	// password once the user approves.
	PollToken    string `json:"-"`
	PollEndpoint string `json:"-"`
}

// AppPassword is what a completed Login Flow v2 hands out.
type AppPassword struct {
	Server      string `json:"server"`
	LoginName   string `json:"loginName"`
	AppPassword string `json:"appPassword"`
}

// StartLoginFlow begins Login Flow v2 (POST /index.php/login/v2). It needs
// no credentials; name is shown to the user as the client's name.
func (c *Client) StartLoginFlow(ctx context.Context) (*LoginFlow, error) {
	var body struct {
		Poll struct {
			Token    string `json:"token"`
			Endpoint string `json:"endpoint"`
		} `json:"poll"`
		Login string `json:"login"`
	}
	if _, err := c.unauthenticated().core().Call(ctx, Request{Method: http.MethodPost, Path: "/index.php/login/v2"}, &body); err != nil {
		return nil, fmt.Errorf("start Nextcloud login flow: %w", err)
	}
	if body.Poll.Token == "" || body.Poll.Endpoint == "" || body.Login == "" {
		return nil, errors.New("start Nextcloud login flow: the answer lacks poll token, endpoint or login URL")
	}
	// The poll endpoint must be on this Nextcloud, or a hostile answer
	// could make us send the poll token elsewhere.
	if !c.sameOrigin(body.Poll.Endpoint) {
		return nil, fmt.Errorf("start Nextcloud login flow: poll endpoint %q is not on %s", body.Poll.Endpoint, c.base.Host)
	}
	return &LoginFlow{LoginURL: body.Login, PollToken: body.Poll.Token, PollEndpoint: body.Poll.Endpoint}, nil
}

// PollLoginFlow asks once whether the user approved; ErrLoginPending
// until then. Nextcloud hands the app password out only once.
func (c *Client) PollLoginFlow(ctx context.Context, endpoint, token string) (*AppPassword, error) {
	if !c.sameOrigin(endpoint) {
		return nil, fmt.Errorf("poll endpoint %q is not on %s", endpoint, c.base.Host)
	}
	var ap AppPassword
	_, err := c.unauthenticated().core().Call(ctx, Request{Method: http.MethodPost, Path: endpoint, Body: url.Values{"token": {token}}}, &ap)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrLoginPending
	}
	if err != nil {
		return nil, fmt.Errorf("poll Nextcloud login flow: %w", err)
	}
	if ap.LoginName == "" || ap.AppPassword == "" {
		return nil, errors.New("poll Nextcloud login flow: the answer lacks login name or app password")
	}
	return &ap, nil
}

// DeleteAppPassword revokes the app password this client authenticates
// with (DELETE /ocs/v2.php/core/apppassword).
func (c *Client) DeleteAppPassword(ctx context.Context) error {
	if _, err := c.core().Call(ctx, Request{Method: http.MethodDelete, Path: "/ocs/v2.php/core/apppassword", OCS: true}, nil); err != nil {
		return fmt.Errorf("revoke app password at Nextcloud: %w", err)
	}
	return nil
}

func (c *Client) unauthenticated() *Client {
	cp := *c
	cp.auth = nil
	return &cp
}

func (c *Client) sameOrigin(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}
