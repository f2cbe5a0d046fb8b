package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/onewaysync/oneway/connector"
)

// OpenWriter checks the target table and returns a writer for it. The table must exist, unless
// create_table: true is among req.Options, in which case the first batch that writes records creates it
// (see createTable). Every column of req.Key and req.Fields must exist and be writable (not GENERATED), and
// unless req.Append the table needs a primary key or unique index on exactly the key columns, which
// INSERT ... ON CONFLICT needs: each of these is a clear error here rather than a failure of every record
// later. req.Match may only name the key columns (an upsert by key already adopts the row with the same
// key); other match fields give an error wrapping connector.ErrUnsupported. Connection failures are
// connector.Transient.
func (c *Conn) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	fail := func(err error) error { return fmt.Errorf("open writer on %s: %w", req.Stream, err) }
	t, err := parseStream(req.Stream)
	if err != nil {
		return nil, err
	}
	if err := req.Options.Check("create_table"); err != nil {
		return nil, fail(err)
	}
	create, err := req.Options.Bool("create_table", false)
	if err != nil {
		return nil, fail(err)
	}
	if len(req.Key) == 0 && !req.Append {
		return nil, fail(errors.New("a key is needed to upsert and delete by key"))
	}
	// A create already adopts the row with the same key (ON CONFLICT); adopting a row found by other
	// fields would mean rewriting its key, which this connector does not do.
	if err := req.MatchOnlyByKey(); err != nil {
		return nil, fail(err)
	}
	w := &writer{c: c, t: t, key: req.Key, fields: req.Fields, append: req.Append, stmts: map[string]string{}, direct: true}
	conn, err := c.acquire(ctx)
	if err != nil {
		return nil, fail(err)
	}
	defer conn.Release()
	ti, err := describe(ctx, conn, t)
	switch {
	case errors.Is(err, errNoTable) && create:
		return w, nil
	case errors.Is(err, errNoTable):
		return nil, fail(fmt.Errorf("%w; create it, or set create_table: true on the target to create it from the mapped fields", err))
	case err != nil:
		return nil, fail(c.classify(ctx, err))
	}
	if err := w.setTable(ctx, conn, ti); err != nil {
		return nil, fail(err)
	}
	return w, nil
}

// writer writes to one table. It holds no connection between calls: each Apply takes one from the pool.
type writer struct {
	c      *Conn
	t      table
	key    []string
	fields []string
	append bool

	mu     sync.Mutex // guards what follows: Apply is not meant to run concurrently, but must not corrupt
	ti     *tableInfo // nil until the table exists (create_table)
	unique bool       // the table has a unique index on the key
	stmts  map[string]string
	shape  shape // the last record shape, reused while records keep it
	// direct is true while create-only batches may go straight into the table (see tryDirect); the first
	// failure turns it off for the rest of the writer.
	direct bool
	closed bool
}

// setTable checks the table against the request: key and mapped columns exist and can be written, and the
// key has the unique index that upserts need.
func (w *writer) setTable(ctx context.Context, q querier, ti *tableInfo) error {
	for _, list := range [][]string{w.key, w.fields} {
		for _, name := range list {
			if err := checkColumn(ti, name); err != nil {
				return err
			}
		}
	}
	unique := false
	if len(w.key) > 0 {
		var err error
		if unique, err = hasUniqueIndex(ctx, q, ti, w.key); err != nil {
			return w.c.classify(ctx, err)
		}
	}
	if !unique && !w.append {
		return fmt.Errorf("table %s has no primary key or unique index on exactly (%s), which upserts by key need (INSERT ... ON CONFLICT); create one: CREATE UNIQUE INDEX ON %s (%s)",
			ti.t, quoteList(w.key), ti.t, quoteList(w.key))
	}
	w.ti, w.unique = ti, unique
	return nil
}

// checkColumn returns an error naming the table and the column when name is not a writable column.
func checkColumn(ti *tableInfo, name string) error {
	col, ok := ti.col(name)
	if !ok {
		return fmt.Errorf("table %s has no column %q; add the column or change the sync's map", ti.t, name)
	}
	if col.generated {
		return fmt.Errorf("column %q of table %s is GENERATED ALWAYS and cannot be written", name, ti.t)
	}
	return nil
}

// Apply writes the batch and returns one Result per change. Consecutive changes of the same kind and
// fields form a segment, written through COPY into a staging table and one statement (see exec and
// statement). When a statement fails because of the values of some rows (a constraint, a malformed or
// oversized value), the segment is split in halves and retried until the failing rows are alone: those
// get Result.Err, the others are written. Creates upsert by key, so a Create for a key that exists updates
// it; an Update or SoftDelete of a key the table lacks gets a Result.Err wrapping connector.ErrNotFound
// and creates nothing; deletes of absent rows succeed. Applying a batch twice is harmless, except in
// append mode, where Creates insert (see NonIdempotent).
// A non-nil error (the connection failed, permission denied ...) means the batch must be retried as a
// whole; transient causes are connector.Transient.
func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, fmt.Errorf("write %s: writer is closed", w.t)
	}
	results := make([]connector.Result, len(batch))
	conn, err := w.c.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", w.t, err)
	}
	defer conn.Release()
	if w.ti == nil {
		done, err := w.createTable(ctx, conn, batch)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", w.t, err)
		}
		if done {
			return results, nil
		}
	}
	pg := conn.Conn().PgConn()
	for _, seg := range w.segments(batch, results) {
		done, err := w.tryDirect(ctx, pg, seg)
		if err == nil && !done {
			err = w.run(ctx, pg, seg, 0, len(seg.idx), results)
		}
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// Close releases the writer. It holds nothing between calls, so there is nothing to flush.
func (w *writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return nil
}

// keyValues returns the key values of a change: Change.Key, or the key fields of its record when the
// engine left Key empty.
func (w *writer) keyValues(ch connector.Change) ([]any, error) {
	switch {
	case len(ch.Key) == len(w.key):
		for i, v := range ch.Key {
			if v == nil {
				return nil, fmt.Errorf("key field %q is null", w.key[i])
			}
		}
		return ch.Key, nil
	case len(ch.Key) == 0 && ch.Record != nil:
		return connector.KeyValues(ch.Record, w.key)
	}
	return nil, fmt.Errorf("change has %d key values, want %d (%v)", len(ch.Key), len(w.key), w.key)
}

// sameSet reports whether a and b hold the same names, in any order.
// NonIdempotent reports true in append mode, where a Create sent twice inserts two rows; upserts by key
// are idempotent.
func (w *writer) NonIdempotent() bool { return w.append }

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
