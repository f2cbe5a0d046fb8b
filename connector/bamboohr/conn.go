package bamboohr

import (
	"context"
	"fmt"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// stream is the one stream of this connector.
const stream = "employees"

// Conn is a connection to one BambooHR company. It is a Source, a CursorSource and a Target of the
// stream employees.
type Conn struct {
	api    *rest.API
	fields []string
}

// API returns the connection's API client (tests shorten its waits through it).
func (c *Conn) API() *rest.API { return c.api }

// Close releases idle connections.
func (c *Conn) Close() error {
	c.api.Close()
	return nil
}

func checkStream(name string) error {
	if name != stream {
		return fmt.Errorf("BambooHR has the stream employees only, not %q", name)
	}
	return nil
}

// reason adds BambooHR's reason to a failure: errors come with an empty body and the reason in the
// X-BambooHR-Error-Message header.
func reason(resp *nethttp.Response, _ []byte, err error) error {
	if resp != nil {
		if msg := resp.Header.Get("X-BambooHR-Error-Message"); msg != "" {
			return fmt.Errorf("%w (BambooHR: %s)", err, msg)
		}
	}
	return err
}

// getJSON is do for a GET that answers JSON.
func (c *Conn) getJSON(ctx context.Context, u *url.URL) (any, *nethttp.Response, error) {
	resp, data, err := c.api.Do(ctx, nethttp.MethodGet, u, nil, nil)
	if err != nil {
		return nil, resp, err
	}
	v, err := rest.Decode(data)
	if err != nil {
		return nil, resp, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	return v, resp, nil
}

// employee fetches one employee's fields: GET /employees/{id}?fields=... The id is always text, and
// lastChanged a time.Time. A 404 (the employee was deleted meanwhile) gives nil without error.
func (c *Conn) employee(ctx context.Context, id string) (connector.Record, error) {
	u := c.api.URL("/employees/"+url.PathEscape(id), url.Values{"fields": {strings.Join(c.fields, ",")}})
	v, resp, err := c.getJSON(ctx, u)
	if rest.NotFound(resp) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := rest.RecordOf(v)
	if err != nil {
		return nil, fmt.Errorf("employee %s: %w", id, err)
	}
	rec := connector.Record{"id": id}
	for _, f := range c.fields {
		rec[f] = r[f] // a field the answer leaves out is null, so every record has the same fields
	}
	if t, ok := parseTime(rec[cursorField]); ok {
		rec[cursorField] = t
	}
	return rec, nil
}

// parseTime reads BambooHR's ISO 8601 timestamps (2011-06-02T19:26:23+00:00 and the like).
func parseTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// idText renders an employee id (text in some answers, a number in others) as text.
func idText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
