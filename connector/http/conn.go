package http

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// Conn is a connection to a JSON REST API. It is a Source of its configured streams and a Target.
type Conn struct {
	api     *API
	streams map[string]*stream
}

// CursorConn is a Conn with at least one stream that has updated_since: it is also a CursorSource.
type CursorConn struct{ *Conn }

// API returns the connection's API client (tests shorten its waits through it).
func (c *Conn) API() *API { return c.api }

// Close releases idle connections; open readers and writers fail afterwards only if they need a new
// connection, which is harmless.
func (c *Conn) Close() error {
	c.api.Close()
	return nil
}

func (c *Conn) stream(name string) (*stream, error) {
	if st, ok := c.streams[name]; ok {
		return st, nil
	}
	names := make([]string, 0, len(c.streams))
	for n := range c.streams {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("stream %q is not configured; add it under the connection's streams (configured: %s)", name, strings.Join(names, ", "))
}

// Read opens a snapshot read of a configured stream: GET path?query, then every page the pagination
// leads to, the records taken from the records path of each response. Pages are fetched as the
// reader asks for records. A 404 or any other error fails the read (never an empty one); GETs are
// retried on transient failures (see API). With page or offset pagination, records read twice (the
// collection shifted during the read) are dropped by key.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	st, err := c.stream(req.Stream)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	var unique []string
	if st.pag.Type == PageNumber || st.pag.Type == PageOffset {
		unique = req.Key
	}
	return NewReader(c.fetch(st, st.query), ReaderOptions{BatchSize: req.BatchSize, Unique: unique}), nil
}

// fetch returns a Fetch over the pages of st with the given query.
func (c *Conn) fetch(st *stream, query url.Values) Fetch {
	pages := c.api.Pages(c.api.URL(st.path, query), st.pag, st.records)
	return func(ctx context.Context) ([]connector.Record, error) {
		items, err := pages.Next(ctx)
		if err != nil {
			if errors.Is(err, connector.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("read %s: %w", st.name, err)
		}
		recs := make([]connector.Record, len(items))
		for i, it := range items {
			r, err := RecordOf(it)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", st.name, err)
			}
			st.convert(r)
			recs[i] = r
		}
		return recs, nil
	}
}

// ReadCursor reads the records changed at or after req.From[0]: the stream's updated_since parameter
// carries that value, and every page is fetched before the first batch is returned, because a REST API
// does not promise the (cursor, key) order across pages: the records are sorted here (see
// CursorSlice), records whose tuple is below From are dropped and records without the field come
// first. The cursor must be the one field of updated_since.field. Without a From every record is read.
func (c *CursorConn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	fail := func(err error) error { return fmt.Errorf("read %s: %w", req.Stream, err) }
	st, err := c.stream(req.Stream)
	if err != nil {
		return nil, fail(err)
	}
	if st.since == nil {
		return nil, fail(errors.New("the stream has no updated_since setting, so it cannot be read incrementally; add one or use detect: snapshot"))
	}
	if len(req.Cursor) != 1 || req.Cursor[0] != st.since.field {
		return nil, fail(fmt.Errorf("the sync's cursor is %v, but the stream filters on %q (updated_since.field); set cursor: [%s]", req.Cursor, st.since.field, st.since.field))
	}
	query := cloneValues(st.query)
	if len(req.From) > 0 && req.From[0] != nil {
		v, err := st.since.value(req.From[0])
		if err != nil {
			return nil, fail(err)
		}
		query.Set(st.since.param, v)
	}
	from := slices.Clone(req.From)
	if len(from) > 0 && st.since.isTime() {
		if t, ok := st.since.toTime(from[0]); ok {
			from[0] = t
		}
	}
	all := c.fetch(st, query)
	done := false
	return NewReader(func(ctx context.Context) ([]connector.Record, error) {
		if done {
			return nil, connector.EOF
		}
		done = true
		var recs []connector.Record
		for {
			page, err := all(ctx)
			if errors.Is(err, connector.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			recs = append(recs, page...)
		}
		out, err := CursorSlice(recs, req.Cursor, req.Key, from)
		if err != nil {
			return nil, fail(err)
		}
		return out, nil
	}, ReaderOptions{BatchSize: req.BatchSize, Unique: req.Key}), nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+1)
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
	_ connector.CursorSource = (*CursorConn)(nil)
)
