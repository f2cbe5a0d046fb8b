package greenhouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// perPage is the largest page Harvest serves ("Must be an integer between 1 and 500").
const perPage = 500

// Conn is a connection to one Greenhouse organization. It is a Source, a CursorSource and a Target.
type Conn struct {
	api        *rest.API
	onBehalfOf string
}

// API returns the connection's API client (tests shorten its waits through it).
func (c *Conn) API() *rest.API { return c.api }

// Close releases idle connections.
func (c *Conn) Close() error {
	c.api.Close()
	return nil
}

// list is a Harvest list endpoint read as a stream.
type list struct {
	path string
	// cursor is the record field that the since parameter filters on ("at or after").
	cursor, since string
	// times are the top-level timestamp fields, read as time.Time.
	times []string
	query url.Values
}

// lists are the streams that are one Harvest list each.
var lists = map[string]list{
	"candidates":   {path: "/candidates", cursor: "updated_at", since: "updated_after", times: []string{"created_at", "updated_at", "last_activity"}},
	"applications": {path: "/applications", cursor: "last_activity_at", since: "last_activity_after", times: []string{"applied_at", "rejected_at", "last_activity_at"}},
	"jobs":         {path: "/jobs", cursor: "updated_at", since: "updated_after", times: []string{"created_at", "opened_at", "closed_at", "updated_at"}},
	"users":        {path: "/users", cursor: "updated_at", since: "updated_after", times: []string{"created_at", "updated_at"}},
	"offers":       {path: "/offers", cursor: "updated_at", since: "updated_after", times: []string{"created_at", "updated_at", "resolved_at"}},
}

// hiredStream is the joined stream of hired applications (see hired.go).
const hiredStream = "hired_candidates"

func streamNames() string {
	names := []string{hiredStream}
	for n := range lists {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Read opens a snapshot read of a stream: every page of its Harvest list (per_page=500, following the
// Link header's rel="next" as Harvest asks), or the hired_candidates join. Pages are fetched as the
// reader asks for records; a record served twice (the list shifted between pages) is read once.
// Throttling (429) and 5xx answers are retried with the Retry-After wait; a 401 (bad token), 403 (the
// key lacks permission for the endpoint) or 404 fails the read.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if req.Stream == hiredStream {
		return c.readHired(req, nil)
	}
	l, ok := lists[req.Stream]
	if !ok {
		return nil, fmt.Errorf("read %s: Greenhouse has no stream %q (streams: %s)", req.Stream, req.Stream, streamNames())
	}
	return rest.NewReader(c.listFetch(req.Stream, l, l.query), rest.ReaderOptions{BatchSize: req.BatchSize, Unique: req.Key}), nil
}

// ReadCursor reads the records changed at or after From: the list's since parameter (updated_after,
// or last_activity_after for applications) carries From's time, whole pages are fetched, and the
// records are ordered by (cursor, key) here, since Harvest orders lists by id. The cursor must be the
// list's field: updated_at, or last_activity_at for applications (see docs/connectors/greenhouse.md
// for hired_candidates).
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	if req.Stream == hiredStream {
		if err := checkCursor(req, "updated_at"); err != nil {
			return nil, err
		}
		return c.readHired(req.ReadRequest, &req)
	}
	l, ok := lists[req.Stream]
	if !ok {
		return nil, fmt.Errorf("read %s: Greenhouse has no stream %q (streams: %s)", req.Stream, req.Stream, streamNames())
	}
	if err := checkCursor(req, l.cursor); err != nil {
		return nil, err
	}
	query, from, err := sinceQuery(l.query, l.since, req.From)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	fetch := c.listFetch(req.Stream, l, query)
	return sortedReader(req, from, func(ctx context.Context) ([]connector.Record, error) {
		return drain(ctx, fetch)
	}), nil
}

func checkCursor(req connector.CursorRequest, field string) error {
	if len(req.Cursor) != 1 || req.Cursor[0] != field {
		return fmt.Errorf("read %s: Greenhouse filters this stream on %s; set the sync's cursor to [%s] (it is %v)", req.Stream, field, field, req.Cursor)
	}
	return nil
}

// sinceQuery adds the since parameter for a From position; the time is written with milliseconds,
// Harvest's precision, rounded down so that the filter stays inclusive.
func sinceQuery(base url.Values, param string, from []any) (url.Values, []any, error) {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	if len(from) == 0 || from[0] == nil {
		return q, from, nil
	}
	t, ok := asTime(from[0])
	if !ok {
		return nil, nil, fmt.Errorf("cursor position %v (%T) is not a time", from[0], from[0])
	}
	q.Set(param, t.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"))
	out := append([]any{t}, from[1:]...)
	return q, out, nil
}

// sortedReader returns a reader that fetches everything with all on its first call, then serves it in
// (cursor, key) order from the position.
func sortedReader(req connector.CursorRequest, from []any, all rest.Fetch) connector.Reader {
	done := false
	return rest.NewReader(func(ctx context.Context) ([]connector.Record, error) {
		if done {
			return nil, connector.EOF
		}
		done = true
		recs, err := all(ctx)
		if err != nil {
			return nil, err
		}
		out, err := rest.CursorSlice(recs, req.Cursor, req.Key, from)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", req.Stream, err)
		}
		return out, nil
	}, rest.ReaderOptions{BatchSize: req.BatchSize, Unique: req.Key})
}

// drain reads a fetch to its end.
func drain(ctx context.Context, fetch rest.Fetch) ([]connector.Record, error) {
	var out []connector.Record
	for {
		recs, err := fetch(ctx)
		if errors.Is(err, connector.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
}

// listFetch pages through a list, converting each object to a record.
func (c *Conn) listFetch(stream string, l list, query url.Values) rest.Fetch {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	pages := c.api.Pages(c.api.URL(l.path, q), rest.Pagination{Type: rest.PageLink, SizeParam: "per_page", Size: perPage}, "")
	return func(ctx context.Context) ([]connector.Record, error) {
		items, err := pages.Next(ctx)
		if err != nil {
			if errors.Is(err, connector.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		recs := make([]connector.Record, 0, len(items))
		for _, it := range items {
			r, err := rest.RecordOf(it)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", stream, err)
			}
			parseTimes(r, l.times)
			recs = append(recs, r)
		}
		return recs, nil
	}
}

// parseTimes turns the named ISO-8601 fields into time.Time (UTC); values that do not parse stay.
func parseTimes(r connector.Record, fields []string) {
	for _, f := range fields {
		if t, ok := asTime(r[f]); ok {
			r[f] = t
		}
	}
}

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// idOf renders a Harvest id (a JSON number) as text.
func idOf(v any) (string, bool) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), true
	case string:
		return x, x != ""
	}
	return "", false
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
