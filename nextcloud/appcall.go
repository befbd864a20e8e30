package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// appNotEnabledError names the app whose route answered like an app that
// is switched off.
func appNotEnabledError(app, method, path string) error {
	return fmt.Errorf("nextcloud %s %s: the %q app is not installed or not enabled on this Nextcloud (its API answers with a \"page not found\" page); ask an administrator to install or enable it: %w",
		method, path, app, ErrAppNotEnabled)
}

// isHTML reports whether a content type is an HTML page, which is how
// Nextcloud answers routes of an app that is off.
func isHTML(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/html"
}

// appCallOpts shape one appCall.
type appCallOpts struct {
	query  url.Values
	header http.Header
	// body is marshalled as JSON unless it is a url.Values (form body).
	body any
	// ocs unpacks an OCS envelope around the answer.
	ocs bool
	// raw, when set, receives the undecoded answer instead of out.
	raw *[]byte
}

// appCall sends a request to an app's API. Unlike Do it tells an app that
// is not installed (an HTML 404 page on the app route) from a missing item,
// and it reads the error texts apps put in JSON strings or {"msg": ...}.
func (c *Client) appCall(ctx context.Context, app, method, path string, o appCallOpts, out any) error {
	path = withQuery(path, o.query)
	var payload any
	contentType := ""
	switch b := o.body.(type) {
	case nil:
	case url.Values:
		payload = b.Encode()
		contentType = "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode %s request body: %w", app, err)
		}
		payload = data
		contentType = "application/json"
	}
	req, err := c.NewRequest(ctx, method, path, payload)
	if err != nil {
		return err
	}
	addHeader(req, o.header)
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("read answer of %s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode == http.StatusNotFound && isHTML(resp.Header.Get("Content-Type")) {
		return appNotEnabledError(app, method, req.URL.Path)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		e := &Error{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Hint: hintFor(resp.StatusCode), App: app}
		e.Message = messageFrom(resp.Header.Get("Content-Type"), data)
		if e.Message == "" {
			e.Message = appMessage(data)
		}
		return e
	}
	if o.raw != nil {
		*o.raw = data
		return nil
	}
	if o.ocs {
		if err := DecodeOCS(method, req.URL.Path, data, out); err != nil {
			if e, ok := err.(*Error); ok {
				e.App = app
			}
			return err
		}
		return nil
	}
	if out == nil || len(strings.TrimSpace(string(data))) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("nextcloud %s %s: unexpected answer from the %s app: %w", method, req.URL.Path, app, err)
	}
	return nil
}

// appMessage reads the error texts apps answer with besides OCS: a bare
// JSON string (Cookbook) or an object with "msg".
func appMessage(body []byte) string {
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	var v struct {
		Msg string `json:"msg"`
	}
	if json.Unmarshal(body, &v) == nil {
		return v.Msg
	}
	return ""
}
