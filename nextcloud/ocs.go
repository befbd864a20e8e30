package nextcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ocsEnvelope is the body every OCS endpoint answers with.
type ocsEnvelope struct {
	OCS struct {
		Meta OCSMeta         `json:"meta"`
		Data json.RawMessage `json:"data"`
	} `json:"ocs"`
}

// OCSMeta is the meta block of an OCS answer.
type OCSMeta struct {
	Status     string `json:"status"`
	StatusCode int    `json:"statuscode"`
	Message    string `json:"message"`
}

// DecodeOCS unpacks an OCS envelope into out. A failed meta status becomes an
// *Error even when the HTTP status was 200 (OCS v1 semantics).
func DecodeOCS(method, path string, body []byte, out any) error {
	return decodeOCS(method, path, body, out, false)
}

// decodeOCS is DecodeOCS; phpEmpty also accepts PHP's empty array [] where
// out is an object.
func decodeOCS(method, path string, body []byte, out any, phpEmpty bool) error {
	var env ocsEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("nextcloud %s %s: answer is not an OCS JSON envelope: %w", method, path, err)
	}
	m := env.OCS.Meta
	okCode := m.StatusCode == 0 || m.StatusCode == 100 || (m.StatusCode >= 200 && m.StatusCode < 300)
	if m.Status == "failure" || !okCode {
		status := m.StatusCode
		if status == 0 || status == 100 || status < 200 {
			status = http.StatusBadRequest
		}
		if status == 997 {
			status = http.StatusUnauthorized
		} else if status == 998 {
			status = http.StatusNotFound
		} else if status > 599 {
			status = http.StatusBadRequest
		}
		return &Error{Method: method, Path: path, Status: status, Message: m.Message, Hint: hintFor(status)}
	}
	if out == nil || len(env.OCS.Data) == 0 || string(env.OCS.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.OCS.Data, out); err != nil {
		if phpEmpty && string(bytes.TrimSpace(env.OCS.Data)) == "[]" {
			return nil
		}
		return fmt.Errorf("nextcloud %s %s: unexpected OCS data: %w", method, path, err)
	}
	return nil
}

// OCS calls an OCS endpoint of Nextcloud itself (path below /ocs/v2.php
// or a full path) and decodes the data part of the envelope into out.
// Apps use their sub-client; this is for core endpoints and test seeding.
func (c *Client) OCS(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	if !strings.HasPrefix(path, "/ocs/") && !strings.HasPrefix(path, "/index.php/") {
		path = "/ocs/v2.php/" + strings.TrimLeft(path, "/")
	}
	_, err := c.core().Call(ctx, Request{Method: method, Path: path, Query: query, Body: body, OCS: true}, out)
	return err
}

// JSON calls a plain JSON endpoint of Nextcloud (extra headers such as
// If-Match are sent) and returns the answer's headers for the ETag.
func (c *Client) JSON(ctx context.Context, method, path string, query url.Values, header http.Header, body any, out any) (http.Header, error) {
	rep, err := c.core().Call(ctx, Request{Method: method, Path: path, Query: query, Header: header, Body: body}, out)
	return rep.Header, err
}

// withQuery appends query to path, which may already carry one.
func withQuery(path string, query url.Values) string {
	if len(query) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + query.Encode()
}

// Capabilities is the part of /ocs/v2.php/cloud/capabilities the server uses.
type Capabilities struct {
	Version struct {
		Major   int    `json:"major"`
		Minor   int    `json:"minor"`
		Micro   int    `json:"micro"`
		String  string `json:"string"`
		Edition string `json:"edition"`
	} `json:"version"`
	Capabilities map[string]json.RawMessage `json:"capabilities"`
}

// HasApp reports whether the capabilities name the app (by its capability key).
func (c *Capabilities) HasApp(key string) bool {
	_, ok := c.Capabilities[key]
	return ok
}

// Capabilities fetches the server's capabilities; it works without login.
func (c *Client) Capabilities(ctx context.Context) (*Capabilities, error) {
	var caps Capabilities
	if err := c.OCS(ctx, http.MethodGet, "/ocs/v2.php/cloud/capabilities", nil, nil, &caps); err != nil {
		return nil, err
	}
	return &caps, nil
}

// CurrentUser is the OCS provisioning view of the signed-in user.
type CurrentUser struct {
	ID          string `json:"id"`
	DisplayName string `json:"display-name"`
	Email       string `json:"email"`
	Quota       struct {
		Free     float64 `json:"free"`
		Used     float64 `json:"used"`
		Total    float64 `json:"total"`
		Relative float64 `json:"relative"`
		Quota    float64 `json:"quota"`
	} `json:"quota"`
	Groups   []string `json:"groups"`
	Language string   `json:"language"`
}

// CurrentUser returns the user the credentials belong to, which also
// checks that the credentials work.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	var u CurrentUser
	if err := c.OCS(ctx, http.MethodGet, "/ocs/v2.php/cloud/user", nil, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// PHPMap is a JSON object that PHP encodes as [] when it is empty.
type PHPMap[V any] map[string]V

// UnmarshalJSON accepts an object, an empty array or null.
func (m *PHPMap[V]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || b[0] == '[' {
		var arr []json.RawMessage
		if len(b) > 0 && b[0] == '[' {
			if err := json.Unmarshal(b, &arr); err != nil {
				return err
			}
			if len(arr) > 0 {
				return fmt.Errorf("expected an object, got a non-empty array")
			}
		}
		*m = nil
		return nil
	}
	var v map[string]V
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = v
	return nil
}
