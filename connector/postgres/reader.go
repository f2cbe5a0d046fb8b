package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onewaysync/oneway/connector"
)

// reader streams the rows of one read. It holds its own connection, inside the read transaction, from Read
// until the end of the stream, an error, or Close.
type reader struct {
	c       *Conn
	conn    *pgx.Conn
	stream  string
	cols    []column
	decs    []decoder
	formats []int16
	queries []readQuery
	next    int // the query to start when the current one ends
	rr      *pgconn.ResultReader
	size    int
	ctx     context.Context
	cancel  context.CancelFunc
	eof     bool
	err     error
}

// Next returns up to the batch size of rows, then (nil, io.EOF). An error ends the read: it is incomplete.
func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.eof {
		return nil, io.EOF
	}
	switch {
	case ctx.Err() != nil:
		return nil, r.fail(ctx, ctx.Err())
	case r.ctx.Err() != nil:
		return nil, r.fail(ctx, errClosed) // Conn.Close stopped the read
	}
	stop := context.AfterFunc(ctx, r.cancel)
	defer func() {
		if !stop() && r.err == nil && r.conn != nil {
			// ctx ended while this call ran and broke the connection: the batch is whole, the read is not.
			r.fail(ctx, ctx.Err())
		}
	}()
	batch := make([]connector.Record, 0, min(r.size, 4096))
	for len(batch) < r.size {
		if r.rr == nil {
			if r.next == len(r.queries) {
				if err := r.finish(ctx); err != nil {
					return nil, r.fail(ctx, err)
				}
				break
			}
			q := r.queries[r.next]
			r.next++
			r.rr = r.conn.PgConn().ExecParams(r.ctx, q.sql, q.params, nil, nil, r.formats)
		}
		if !r.rr.NextRow() {
			_, err := r.rr.Close()
			r.rr = nil
			if err != nil {
				return nil, r.fail(ctx, withDetail(err))
			}
			continue
		}
		rec, err := r.decode(r.rr.Values())
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		batch = append(batch, rec)
	}
	if len(batch) == 0 {
		return nil, io.EOF
	}
	return batch, nil
}

func (r *reader) decode(vals [][]byte) (connector.Record, error) {
	if len(vals) != len(r.cols) {
		return nil, fmt.Errorf("row has %d values for %d columns", len(vals), len(r.cols))
	}
	rec := make(connector.Record, len(vals))
	for i, raw := range vals {
		name := r.cols[i].name
		if raw == nil {
			rec[name] = nil
			continue
		}
		v, err := r.decs[i](raw)
		if err != nil {
			return nil, fmt.Errorf("column %q (%s): %w", name, r.cols[i].typ, err)
		}
		rec[name] = v
	}
	return rec, nil
}

// finish ends the transaction after the last row and closes the connection.
func (r *reader) finish(ctx context.Context) error {
	_, err := r.conn.Exec(ctx, "COMMIT")
	r.eof = true
	r.release()
	return withDetail(err)
}

// fail ends the read with err, which every later Next returns.
func (r *reader) fail(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case r.ctx.Err() != nil:
		err = errClosed // only Conn.Close cancels the read's context while Next runs
	default:
		err = r.c.classify(ctx, err)
	}
	r.err = fmt.Errorf("read %s: %w", r.stream, err)
	r.abort()
	return r.err
}

// abort stops a statement still running by canceling its context, which breaks the connection rather than
// reading the rest of the result, and closes the connection, which ends the transaction.
func (r *reader) abort() {
	if r.conn == nil {
		return
	}
	if r.rr != nil {
		r.cancel()
		_, _ = r.rr.Close()
		r.rr = nil
	}
	r.release()
}

func (r *reader) release() {
	if r.conn == nil {
		return
	}
	r.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = r.conn.Close(ctx)
	cancel()
	r.conn = nil
	r.c.untrack(r)
}

// Close ends the read and its transaction; it is safe after an error and after the end.
func (r *reader) Close() error {
	r.abort()
	if r.err == nil && !r.eof {
		r.err = fmt.Errorf("read %s: %w", r.stream, errReaderClosed)
	}
	return nil
}

var errReaderClosed = errors.New("reader is closed")

var _ connector.Reader = (*reader)(nil)
