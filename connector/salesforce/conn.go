package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Conn is a connection to one Salesforce org. It is a Source and a CursorSource of its configured
// sObjects.
type Conn struct {
	api     *rest.API
	version string
	streams map[string]*object
}

// API returns the connection's API client (tests shorten its waits through it).
func (c *Conn) API() *rest.API { return c.api }

// Close releases idle connections.
func (c *Conn) Close() error {
	c.api.Close()
	return nil
}

func (c *Conn) object(name string) (*object, error) {
	if o, ok := c.streams[name]; ok {
		return o, nil
	}
	names := make([]string, 0, len(c.streams))
	for n := range c.streams {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("stream %q is not configured; add it under the connection's streams with its fields (configured: %s)", name, strings.Join(names, ", "))
}

// Read opens a snapshot read of an sObject: SELECT fields FROM object [WHERE where] through the query
// resource, then every nextRecordsUrl until done. The query resource leaves deleted records out (they
// are in the recycle bin), so a mirror sync sees a deleted record as absent and removes it. A query
// locator freezes the result when the query runs; pages are fetched as the reader asks for records.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	o, err := c.object(req.Stream)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	return c.reader(req, o, "query", selectQuery(o.name, o.fields, o.where, "", "")), nil
}

// ReadCursor reads the records whose (cursor, Id) is at or after From, in that order, both done by
// Salesforce: SELECT ... WHERE (where) AND (cursor > X OR (cursor = X AND Id >= 'Y')) ORDER BY
// cursor, Id (cursor >= X when From holds the cursor value alone). The cursor is one dateTime field,
// SystemModstamp by default practice (it moves on every change, including system ones); another must
// be among the stream's fields. With deleted: true the read goes through queryAll and returns records
// deleted since From too, with IsDeleted true.
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	fail := func(err error) error { return fmt.Errorf("read %s: %w", req.Stream, err) }
	o, err := c.object(req.Stream)
	if err != nil {
		return nil, fail(err)
	}
	if len(req.Cursor) != 1 || !fieldRE.MatchString(req.Cursor[0]) || !hasField(o.fields, req.Cursor[0]) {
		return nil, fail(fmt.Errorf("the cursor must be one dateTime field of the stream's fields, such as [SystemModstamp] (it is %v)", req.Cursor))
	}
	if len(req.Key) > 0 && (len(req.Key) != 1 || req.Key[0] != "Id") {
		return nil, fail(fmt.Errorf("the key of a Salesforce stream is [Id] (it is %v)", req.Key))
	}
	cursor := req.Cursor[0]
	cond, err := cursorCondition(cursor, req.From)
	if err != nil {
		return nil, fail(err)
	}
	resource := "query"
	if o.deleted {
		resource = "queryAll"
	}
	return c.reader(req.ReadRequest, o, resource, selectQuery(o.name, o.fields, o.where, cond, cursor+", Id")), nil
}

func hasField(fields []string, f string) bool {
	for _, g := range fields {
		if strings.EqualFold(f, g) {
			return true
		}
	}
	return false
}

// reader runs soql on the query or queryAll resource and follows nextRecordsUrl.
func (c *Conn) reader(req connector.ReadRequest, o *object, resource, soql string) connector.Reader {
	first := c.api.URL("/services/data/"+c.version+"/"+resource+"/", url.Values{"q": {soql}})
	pages := c.api.Pages(first, rest.Pagination{Type: rest.PageLink, NextPath: "nextRecordsUrl"}, "records")
	return rest.NewReader(func(ctx context.Context) ([]connector.Record, error) {
		items, err := pages.Next(ctx)
		if err != nil {
			if errors.Is(err, connector.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("read %s: %w", req.Stream, err)
		}
		recs := make([]connector.Record, 0, len(items))
		for _, it := range items {
			m, ok := rest.Value(it).(map[string]any)
			if !ok {
				return nil, fmt.Errorf("read %s: a record is not a JSON object", req.Stream)
			}
			recs = append(recs, record(m, o.fields))
		}
		return recs, nil
	}, rest.ReaderOptions{BatchSize: req.BatchSize})
}

// apiError is one entry of Salesforce's error body: [{"message": ..., "errorCode": ...}].
type apiError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

// classify gives Salesforce's error codes their meaning: REQUEST_LIMIT_EXCEEDED (403, the org's API
// request limit) is transient, with the Retry-After wait when one is sent; INVALID_SESSION_ID (401)
// says the access token expired or was revoked.
func classify(resp *nethttp.Response, body []byte, err error) error {
	if resp == nil {
		return err
	}
	var errs []apiError
	_ = json.Unmarshal(body, &errs)
	for _, e := range errs {
		switch e.ErrorCode {
		case "REQUEST_LIMIT_EXCEEDED":
			if connector.IsRetryable(err) {
				return err
			}
			if d, ok := httpclient.RetryAfter(resp.Header, time.Now()); ok {
				return connector.TransientAfter(err, d)
			}
			return connector.Transient(err)
		case "INVALID_SESSION_ID":
			return fmt.Errorf("%w; the access token expired or was revoked: get a new one", err)
		}
	}
	return err
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
)
