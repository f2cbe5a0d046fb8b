package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

const defaultBatchSize = 1000

// query is one SELECT of a read.
type query struct {
	sql  string
	args []any
}

// Read opens a snapshot read of the table named req.Stream, in the table's storage order. All batches
// come from one read transaction, so they show the table as it was when the read began, whatever is
// written meanwhile. A missing file, table or key column is an error; SQLITE_BUSY is transient.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	return c.open(ctx, req, func(t *table, sel string) ([]query, error) {
		if err := t.require("key field", req.Key); err != nil {
			return nil, err
		}
		return []query{{sql: "SELECT " + sel + " FROM " + quoteIdent(t.name)}}, nil
	})
}

// ReadCursor reads, inside one read transaction, first the rows with a NULL in any cursor column (in key
// order, every time), then the rows whose (Cursor..., Key...) tuple is >= req.From, in ascending order of
// that tuple. From may be a prefix of the tuple; then only that prefix is compared. Key defaults to the
// table's primary key. Position values are bound as parameters; times may be time.Time or RFC 3339 text
// and are compared in the form the target writes (see docs). A NULL in From compares as the start of
// that position, as NULLs sort first.
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	return c.open(ctx, req.ReadRequest, func(t *table, sel string) ([]query, error) {
		if len(req.Cursor) == 0 {
			return nil, errors.New("a cursor read needs at least one cursor field")
		}
		key := req.Key
		if len(key) == 0 {
			key = t.primaryKey()
			if len(key) == 0 {
				return nil, fmt.Errorf("table %q has no primary key; set the sync's key", t.name)
			}
		}
		if err := t.require("cursor field", req.Cursor); err != nil {
			return nil, err
		}
		if err := t.require("key field", key); err != nil {
			return nil, err
		}
		if len(req.From) > len(req.Cursor)+len(key) {
			return nil, fmt.Errorf("cursor position has %d values, want at most %d (cursor %v then key %v)",
				len(req.From), len(req.Cursor)+len(key), req.Cursor, key)
		}
		return cursorQueries(t, sel, req.Cursor, key, req.From)
	})
}

// cursorQueries returns the two SELECTs of a cursor read: the NULL-cursor rows, then the range. They
// are separate so that the range can use an index on (cursor..., key...) and so that rows with a NULL
// in a later cursor column are not also matched by the tuple comparison.
func cursorQueries(t *table, sel string, cursor, key []string, from []any) ([]query, error) {
	tbl := quoteIdent(t.name)
	isNull := make([]string, len(cursor))
	notNull := make([]string, len(cursor))
	for i, c := range cursor {
		isNull[i] = quoteIdent(c) + " IS NULL"
		notNull[i] = quoteIdent(c) + " IS NOT NULL"
	}
	nulls := query{sql: "SELECT " + sel + " FROM " + tbl + " WHERE " + strings.Join(isNull, " OR ") +
		" ORDER BY " + quoteList(key)}

	order := append(append([]string{}, cursor...), key...)
	where := strings.Join(notNull, " AND ")
	var args []any
	// NULLs sort before every value, so a NULL in the position makes everything after it match.
	n := 0
	for n < len(from) && from[n] != nil {
		n++
	}
	if n > 0 {
		args = make([]any, n)
		for i := range n {
			col, _ := t.column(order[i])
			v, err := encodeBound(col.kind, from[i])
			if err != nil {
				return nil, fmt.Errorf("cursor position value of %q: %w", order[i], err)
			}
			args[i] = v
		}
		where += " AND (" + quoteList(order[:n]) + ") >= (" + placeholders(n) + ")"
	}
	rng := query{sql: "SELECT " + sel + " FROM " + tbl + " WHERE " + where + " ORDER BY " + quoteList(order), args: args}
	return []query{nulls, rng}, nil
}

// open starts a read transaction, loads the table's schema and prepares a reader over the queries plan
// returns.
func (c *Conn) open(ctx context.Context, req connector.ReadRequest, plan func(*table, string) ([]query, error)) (_ connector.Reader, err error) {
	fail := func(err error) error { return fmt.Errorf("read %s from %s: %w", req.Stream, c.path, err) }
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}
	if req.Stream == "" {
		return nil, fail(errors.New("the stream (table name) is empty"))
	}
	db, err := c.readDB()
	if err != nil {
		return nil, fail(err)
	}
	// The transaction outlives this call, so it gets its own context; the caller's context cancels it
	// only while a call of the reader runs.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	tx, err := db.BeginTx(rctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		cancel()
		return nil, fail(classifyErr(err))
	}
	r := &reader{stream: req.Stream, path: c.path, ctx: rctx, cancel: cancel, tx: tx, batch: req.BatchSize}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	t, err := loadTable(rctx, tx, req.Stream)
	if err != nil {
		return nil, fail(err)
	}
	if t == nil {
		return nil, fail(fmt.Errorf("table %q does not exist; check the sync's stream", req.Stream))
	}
	sel := r.columns(t)
	if r.queries, err = plan(t, sel); err != nil {
		return nil, fail(err)
	}
	if r.batch <= 0 {
		r.batch = defaultBatchSize
	}
	return r, nil
}

// reader streams the rows of its queries in batches, inside one read transaction.
type reader struct {
	stream, path string
	ctx          context.Context
	cancel       context.CancelFunc
	tx           *sql.Tx
	batch        int
	queries      []query
	rows         *sql.Rows

	cols []column
	vals []any
	dest []any
	done bool
	err  error
}

// columns builds the select list and the scan buffers.
func (r *reader) columns(t *table) string {
	r.cols = t.cols
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	r.vals = make([]any, len(t.cols))
	r.dest = make([]any, len(t.cols))
	for i := range r.vals {
		r.dest[i] = &r.vals[i]
	}
	return quoteList(names)
}

// Next returns up to the batch size of records, then (nil, io.EOF). An error ends the read; it is
// transient when SQLite reported a lock (SQLITE_BUSY).
func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := ctx.Err(); err != nil {
		return nil, r.fail(err)
	}
	stop := context.AfterFunc(ctx, r.cancel)
	defer stop()
	out := make([]connector.Record, 0, min(r.batch, 4096))
	for len(out) < r.batch && !r.done {
		if r.rows == nil {
			if len(r.queries) == 0 {
				r.done = true
				break
			}
			q := r.queries[0]
			r.queries = r.queries[1:]
			rows, err := r.tx.QueryContext(r.ctx, q.sql, q.args...)
			if err != nil {
				return nil, r.fail(cause(ctx, err))
			}
			r.rows = rows
		}
		if !r.rows.Next() {
			err := r.rows.Err()
			r.rows.Close()
			r.rows = nil
			if err != nil {
				return nil, r.fail(cause(ctx, err))
			}
			continue
		}
		if err := r.rows.Scan(r.dest...); err != nil {
			return nil, r.fail(cause(ctx, err))
		}
		out = append(out, r.record())
	}
	if r.done {
		// Everything is read: end the transaction now rather than at Close.
		if err := r.release(); err != nil {
			return nil, r.fail(err)
		}
	}
	if len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

func (r *reader) record() connector.Record {
	rec := make(connector.Record, len(r.cols))
	for i, c := range r.cols {
		rec[c.name] = decode(c.kind, r.vals[i])
	}
	return rec
}

func (r *reader) fail(err error) error {
	r.err = fmt.Errorf("read %s from %s: %w", r.stream, r.path, err)
	r.release()
	return r.err
}

// Close ends the read transaction. It is safe to call more than once and after an error.
func (r *reader) Close() error {
	if r.err == nil {
		r.err = fmt.Errorf("read %s: reader is closed", r.stream)
	}
	return r.release()
}

func (r *reader) release() error {
	var errs []error
	if r.rows != nil {
		errs = append(errs, r.rows.Close())
		r.rows = nil
	}
	if r.tx != nil {
		if err := r.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			errs = append(errs, err)
		}
		r.tx = nil
	}
	r.cancel()
	return errors.Join(errs...)
}

var _ connector.Reader = (*reader)(nil)
