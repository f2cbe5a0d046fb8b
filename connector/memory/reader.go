package memory

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/onewaysync/oneway/connector"
)

// defaultBatchSize is the batch size of a ReadRequest with BatchSize 0.
const defaultBatchSize = 100

// reader hands out a snapshot taken when the read was opened, so that writes during the read do not
// change what it returns (as a read-only transaction would).
type reader struct {
	stream    string
	recs      []connector.Record
	pos       int
	batch     int
	failErr   error
	failAfter int
	closed    bool
}

func (s *Store) newReaderLocked(stream string, batch int, recs []connector.Record) *reader {
	if batch <= 0 {
		batch = defaultBatchSize
	}
	c := s.controlLocked(stream)
	return &reader{stream: stream, recs: recs, batch: batch, failErr: c.readErr, failAfter: c.readAfter}
}

// Next returns up to the batch size of records, then (nil, io.EOF) for ever. An injected read fault
// (FailReadAfter) and a canceled context are errors.
func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	if r.closed {
		return nil, fmt.Errorf("read %s: %w", r.stream, errors.New("reader is closed"))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", r.stream, err)
	}
	n := min(r.batch, len(r.recs)-r.pos)
	if r.failErr != nil {
		if r.pos >= r.failAfter {
			return nil, fmt.Errorf("read %s: %w", r.stream, r.failErr)
		}
		n = min(n, r.failAfter-r.pos)
	}
	if n == 0 {
		return nil, io.EOF
	}
	out := r.recs[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return out, nil
}

// Close ends the read; it may be called more than once.
func (r *reader) Close() error {
	r.closed = true
	r.recs = nil
	return nil
}

var _ connector.Reader = (*reader)(nil)
