package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/onewaysync/oneway/connector/httpclient"
)

// Conn is a connection to one SCIM service provider. It is a Target and a Source (the read-back that
// verify uses); it holds no state of the server but what ServiceProviderConfig said about PATCH.
type Conn struct {
	base   string
	token  string
	client *httpclient.Client
	log    *slog.Logger

	mu    sync.Mutex
	patch *bool // whether the server supports PATCH; nil until asked
}

// Close releases idle HTTP connections. Closing twice is harmless.
func (c *Conn) Close() error {
	c.client.CloseIdleConnections()
	return nil
}

// scimMediaType is the media type of SCIM requests and responses (RFC 7644 section 3.1).
const scimMediaType = "application/scim+json"

// call sends one request to path (relative to the base URL) with body encoded as JSON when not nil, and
// decodes a JSON answer into out when out is not nil and the answer has a body. A non-2xx answer is an
// *apiError, wrapped as transient for 408, 429 and 5xx (with the Retry-After the server sent).
func (c *Conn) call(ctx context.Context, method, path string, query url.Values, ifMatch string, body, out any) (http.Header, error) {
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		data, err := httpclient.EncodeJSON(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode the request body: %w", method, path, err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if reader != nil {
		req.Header.Set("Content-Type", scimMediaType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", scimMediaType+", application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, data, err := c.client.Do(ctx, req)
	if err != nil {
		if resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			return nil, httpclient.Reclassify(err, c.apiError(method, path, resp.StatusCode, data))
		}
		return nil, c.scrub(fmt.Errorf("%s %s: %w", method, path, err))
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := decodeJSON(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: the answer is not SCIM JSON: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// apiError is a SCIM service provider's non-2xx answer, with the fields of its error body
// (urn:ietf:params:scim:api:messages:2.0:Error, RFC 7644 section 3.12) when it sent one.
type apiError struct {
	Method, Path string
	Status       int
	ScimType     string
	Detail       string
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.ScimType != "" {
		fmt.Fprintf(&b, " (scimType %s)", e.ScimType)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// maxDetail caps the reason taken from a response body; a server that answers an HTML page must not fill
// the rejected list with it.
const maxDetail = 500

// apiError builds the error of a non-2xx answer from its SCIM error body, or from an excerpt of whatever
// the body holds.
func (c *Conn) apiError(method, path string, status int, body []byte) *apiError {
	e := &apiError{Method: method, Path: path, Status: status}
	var msg struct {
		ScimType string          `json:"scimType"`
		Detail   string          `json:"detail"`
		Status   json.RawMessage `json:"status"`
	}
	if json.Unmarshal(body, &msg) == nil && (msg.Detail != "" || msg.ScimType != "" || len(msg.Status) > 0) {
		e.ScimType, e.Detail = msg.ScimType, msg.Detail
	} else {
		e.Detail = strings.TrimSpace(string(body))
	}
	if len(e.Detail) > maxDetail {
		e.Detail = e.Detail[:maxDetail] + "..."
	}
	e.Detail = strings.ReplaceAll(e.Detail, c.token, "[redacted]")
	return e
}

// scrub removes the token from an error message, in case a server or a proxy echoed it.
func (c *Conn) scrub(err error) error {
	if err == nil || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return httpclient.Reclassify(err, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), c.token, "[redacted]")))
}

// statusOf returns the HTTP status of an *apiError in err's chain, or 0.
func statusOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
