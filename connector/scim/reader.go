package scim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/onewaysync/oneway/connector"
)

// defaultPageSize is the count asked per page when ReadRequest.BatchSize is 0.
const defaultPageSize = 100

// Read lists every resource of a stream (Users or Groups), one page per Next, by startIndex and count
// (RFC 7644 section 3.4.2.4). Records are the resources as the server returns them, "id" being the SCIM
// id, numbers as int64 or float64. Index-based paging is not a snapshot: a resource created or deleted
// during the read can shift the pages, so verify may see a difference that a second run clears. An
// unknown stream, an HTTP error or a canceled context ends the read with an error, never io.EOF.
func (c *Conn) Read(_ context.Context, req connector.ReadRequest) (connector.Reader, error) {
	rt, err := lookupResourceType(req.Stream)
	if err != nil {
		return nil, err
	}
	size := req.BatchSize
	if size <= 0 {
		size = defaultPageSize
	}
	return &reader{c: c, rt: rt, size: size, next: 1}, nil
}

type reader struct {
	c    *Conn
	rt   resourceType
	size int
	next int // startIndex of the next page
	held []connector.Record
	done bool
}

func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(r.held) == 0 && !r.done {
		if err := r.fetch(ctx); err != nil {
			return nil, err
		}
	}
	if len(r.held) == 0 {
		return nil, io.EOF
	}
	n := min(r.size, len(r.held))
	batch := r.held[:n:n]
	r.held = r.held[n:]
	return batch, nil
}

// fetch reads the next page into held. An empty page ends the read, and so does a page past
// totalResults that came back short; a full page is followed by another request whatever totalResults
// says, as a server that leaves totalResults out (or counts only its page) would otherwise end a
// snapshot early, and a mirror would delete what it never saw.
func (r *reader) fetch(ctx context.Context) error {
	query := url.Values{"startIndex": {strconv.Itoa(r.next)}, "count": {strconv.Itoa(r.size)}}
	var page listResponse
	if _, err := r.c.call(ctx, http.MethodGet, r.rt.endpoint, query, "", nil, &page); err != nil {
		return fmt.Errorf("read %s: %w", r.rt.name, err)
	}
	for _, res := range page.Resources {
		r.held = append(r.held, connector.Record(canonical(res).(map[string]any)))
	}
	r.next += len(page.Resources)
	if len(page.Resources) == 0 || (r.next > page.TotalResults && len(page.Resources) < r.size) {
		r.done = true
	}
	return nil
}

// Close ends the read; it holds nothing.
func (r *reader) Close() error { return nil }

var _ connector.Source = (*Conn)(nil)
