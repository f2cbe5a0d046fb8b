package http

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/onewaysync/oneway/connector"
)

// DefaultBatchSize is the batch size of a Reader when the request asks for none.
const DefaultBatchSize = 1000

// Fetch returns the next records of a read, in chunks of any size (a page), and io.EOF at the end.
type Fetch func(ctx context.Context) ([]connector.Record, error)

// ReaderOptions configure NewReader.
type ReaderOptions struct {
	// BatchSize caps the records of one Next; 0 means DefaultBatchSize.
	BatchSize int
	// Unique, when set, drops a record whose values of these fields were already read: page and offset
	// pagination over a collection that changes during the read can serve a record twice. The keys seen
	// are kept for the whole read (some tens of bytes per record).
	Unique []string
}

// NewReader returns a connector.Reader over fetch: batches of at most BatchSize records, (nil, io.EOF)
// at the end and after it, a sticky error, a canceled context checked on every call.
func NewReader(fetch Fetch, o ReaderOptions) connector.Reader {
	r := &reader{fetch: fetch, batch: o.BatchSize, unique: o.Unique}
	if r.batch <= 0 {
		r.batch = DefaultBatchSize
	}
	if len(r.unique) > 0 {
		r.seen = map[string]struct{}{}
	}
	return r
}

// SliceReader returns a Reader over records already in memory.
func SliceReader(recs []connector.Record, batchSize int) connector.Reader {
	done := false
	return NewReader(func(context.Context) ([]connector.Record, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		return recs, nil
	}, ReaderOptions{BatchSize: batchSize})
}

var errClosed = errors.New("the reader is closed")

type reader struct {
	fetch  Fetch
	batch  int
	unique []string
	seen   map[string]struct{}

	buf    []connector.Record
	eof    bool
	err    error
	closed bool
}

func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	switch {
	case r.closed:
		return nil, errClosed
	case r.err != nil:
		return nil, r.err
	}
	if err := ctx.Err(); err != nil {
		r.err = fmt.Errorf("read canceled: %w", err)
		return nil, r.err
	}
	for len(r.buf) < r.batch && !r.eof {
		recs, err := r.fetch(ctx)
		if errors.Is(err, io.EOF) {
			r.eof = true
			break
		}
		if err != nil {
			r.err = err
			r.buf = nil
			return nil, err
		}
		r.buf = append(r.buf, r.dedupe(recs)...)
	}
	if len(r.buf) == 0 {
		return nil, io.EOF
	}
	n := min(r.batch, len(r.buf))
	out := r.buf[:n:n]
	r.buf = r.buf[n:]
	return out, nil
}

func (r *reader) dedupe(recs []connector.Record) []connector.Record {
	if r.seen == nil {
		return recs
	}
	out := recs[:0:0]
	for _, rec := range recs {
		k, err := connector.RecordKey(rec, r.unique)
		if err == nil {
			if _, dup := r.seen[k]; dup {
				continue
			}
			r.seen[k] = struct{}{}
		}
		// A record without its key is passed on: the engine reports it with its position.
		out = append(out, rec)
	}
	return out
}

func (r *reader) Close() error {
	r.closed = true
	r.buf, r.seen = nil, nil
	return nil
}
