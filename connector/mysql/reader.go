package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// defaultBatchSize is the records per Next when the request does not say.
const defaultBatchSize = 1000

// Read opens a snapshot read of every row of the stream's table, in no particular order. The rows are
// read inside one transaction started with START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY (at
// REPEATABLE READ) on a dedicated connection, and streamed: memory holds one batch, not the table. A
// missing table is an error wrapping errNoTable. Connection failures are connector.Transient.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	return c.openRead(ctx, req, nil, nil)
}

// ReadCursor reads the rows whose (cursor..., key...) tuple is >= req.From in ascending order of that
// tuple; rows with a NULL in a cursor column come first, every time. A shorter From compares only that
// prefix of the tuple. Values are bound as parameters.
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	if len(req.Cursor) == 0 {
		return nil, fmt.Errorf("read %s: a cursor read needs at least one cursor field", req.Stream)
	}
	if len(req.Key) == 0 {
		return nil, fmt.Errorf("read %s: a cursor read needs the key fields as a tie-breaker", req.Stream)
	}
	if len(req.From) > len(req.Cursor)+len(req.Key) {
		return nil, fmt.Errorf("read %s: cursor position has %d values, want at most %d (cursor then key)",
			req.Stream, len(req.From), len(req.Cursor)+len(req.Key))
	}
	return c.openRead(ctx, req.ReadRequest, req.Cursor, req.From)
}

// openRead starts the read transaction and the query. cursor nil means a snapshot read.
func (c *Conn) openRead(ctx context.Context, req connector.ReadRequest, cursor []string, from []any) (_ connector.Reader, err error) {
	t, err := parseStream(req.Stream, c.cfg.DBName)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	fail := func(err error) error { return classify(fmt.Errorf("read %s: %w", t, err)) }
	db, err := c.pool()
	if err != nil {
		return nil, fail(err)
	}
	// The read runs under a child of ctx, which Close cancels to abandon a read that was not drained.
	qctx, cancel := context.WithCancel(ctx)
	conn, err := db.Conn(qctx)
	if err != nil {
		cancel()
		return nil, fail(err)
	}
	r := &reader{conn: conn, cancel: cancel, stream: t.String(), batch: req.BatchSize}
	if r.batch <= 0 {
		r.batch = defaultBatchSize
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if _, err := conn.ExecContext(qctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return nil, fail(err)
	}
	if _, err := conn.ExecContext(qctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return nil, fail(err)
	}
	r.inTx = true
	if c.afterBegin != nil {
		if err := c.afterBegin(qctx, conn); err != nil {
			return nil, fail(err)
		}
	}
	ti, err := loadTable(qctx, conn, t)
	if err != nil {
		return nil, fail(err)
	}
	if err := ti.requireColumns("key", req.Key); err != nil {
		return nil, fail(err)
	}
	if err := ti.requireColumns("cursor", cursor); err != nil {
		return nil, fail(err)
	}
	query, args, err := selectQuery(ti, cursor, req.Key, from)
	if err != nil {
		return nil, fail(err)
	}
	rows, err := conn.QueryContext(qctx, query, args...)
	if err != nil {
		if serverErrNumber(err) == erNoSuchTable {
			err = fmt.Errorf("%w: %v", errNoTable, err)
		}
		return nil, fail(err)
	}
	r.rows = rows
	if err := r.prepare(ti, c.boolTinyint); err != nil {
		return nil, fail(err)
	}
	return r, nil
}

// selectQuery builds the read query. A cursor read orders by (cursor..., key...) and starts at from with
// the lexicographic comparison spelled out (c1 > ? OR (c1 = ? AND c2 >= ?) ...) instead of a row
// constructor: MariaDB (checked on 10.11) plans (c1, k1) >= (?, ?) as a full scan plus filesort, but the
// expanded form as a range on an index over (c1, k1).
func selectQuery(ti *tableInfo, cursor, key []string, from []any) (string, []any, error) {
	var q strings.Builder
	q.WriteString("SELECT ")
	for i, c := range ti.columns {
		if i > 0 {
			q.WriteString(", ")
		}
		if c.dataType == "float" {
			// The server prints FLOAT with 6 significant digits (16777217 reads as 16777200); as a DOUBLE
			// it prints the exact value of the stored single.
			q.WriteString("(" + quoteIdent(c.name) + " + 0e0)")
			continue
		}
		q.WriteString(quoteIdent(c.name))
	}
	q.WriteString(" FROM ")
	q.WriteString(ti.t.String())
	if cursor == nil {
		return q.String(), nil, nil
	}
	order := append(append([]string{}, cursor...), key...)
	var args []any
	var nulls []string
	for _, c := range cursor {
		nulls = append(nulls, quoteIdent(c)+" IS NULL")
	}
	anyNull := strings.Join(nulls, " OR ")
	if len(from) > 0 {
		order := order[:len(from)] // a prefix position compares only its columns
		vals := make([]any, len(from))
		for i, v := range from {
			col, _ := ti.column(order[i])
			ev, err := encode(col, v)
			if err != nil {
				return "", nil, fmt.Errorf("cursor position, field %q: %w", order[i], err)
			}
			vals[i] = ev
		}
		var alts []string
		for i := range order {
			var conj []string
			for j := 0; j < i; j++ {
				conj = append(conj, quoteIdent(order[j])+" = ?")
				args = append(args, vals[j])
			}
			op := " > ?"
			if i == len(order)-1 {
				op = " >= ?"
			}
			conj = append(conj, quoteIdent(order[i])+op)
			args = append(args, vals[i])
			alts = append(alts, "("+strings.Join(conj, " AND ")+")")
		}
		q.WriteString(" WHERE " + anyNull + " OR " + strings.Join(alts, " OR "))
	}
	q.WriteString(" ORDER BY ")
	if len(cursor) > 1 {
		// With one cursor column ascending order already puts NULLs first; with more, a row with a NULL
		// in a later column would otherwise sort among the others.
		q.WriteString("(" + anyNull + ") DESC, ")
	}
	for i, c := range order {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(quoteIdent(c))
	}
	return q.String(), args, nil
}

// reader streams the rows of one read transaction.
type reader struct {
	conn   *sql.Conn
	cancel context.CancelFunc
	rows   *sql.Rows
	stream string
	batch  int
	inTx   bool
	done   bool
	closed bool

	names []string
	kinds []kind
	dests []any
}

// prepare sets up the scan destinations and decoders of the result columns.
func (r *reader) prepare(ti *tableInfo, boolTinyint bool) error {
	cts, err := r.rows.ColumnTypes()
	if err != nil {
		return err
	}
	if len(cts) != len(ti.columns) {
		return fmt.Errorf("got %d columns, want %d", len(cts), len(ti.columns))
	}
	r.names = make([]string, len(cts))
	r.kinds = make([]kind, len(cts))
	r.dests = make([]any, len(cts))
	for i, ct := range cts {
		r.names[i] = ti.columns[i].name
		r.kinds[i] = columnKind(ct, ti.columns[i], boolTinyint)
		if r.kinds[i].raw() {
			r.dests[i] = new(sql.RawBytes)
		} else {
			r.dests[i] = new(any)
		}
	}
	return nil
}

// Next returns up to the batch size of records, then (nil, connector.EOF). Errors are wrapped with the
// table name; connection failures are connector.Transient.
func (r *reader) Next(ctx context.Context) ([]connector.Record, error) {
	if r.done {
		return nil, connector.EOF
	}
	if r.closed {
		return nil, fmt.Errorf("read %s: the reader was closed before the end of the stream", r.stream)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	recs := make([]connector.Record, 0, r.batch)
	for len(recs) < r.batch {
		if !r.rows.Next() {
			if err := r.rows.Err(); err != nil {
				return nil, classify(fmt.Errorf("read %s: %w", r.stream, err))
			}
			r.done = true
			break
		}
		if err := r.rows.Scan(r.dests...); err != nil {
			return nil, fmt.Errorf("read %s: %w", r.stream, err)
		}
		rec := make(connector.Record, len(r.names))
		for i, k := range r.kinds {
			v, err := k.decode(r.dests[i])
			if err != nil {
				return nil, fmt.Errorf("read %s: column %s: %w", r.stream, quoteIdent(r.names[i]), err)
			}
			rec[r.names[i]] = v
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, connector.EOF
	}
	return recs, nil
}

// Close ends the read transaction and returns the connection. A read that was not drained is abandoned
// by cancelling its query, which closes that connection rather than reading the rest of the table.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	defer r.cancel()
	abandoned := !r.done
	if abandoned {
		r.cancel()
	}
	if r.rows != nil {
		r.rows.Close()
	}
	var err error
	if r.inTx && !abandoned {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = r.conn.ExecContext(ctx, "ROLLBACK")
		cancel()
	}
	if abandoned || err != nil {
		// Never hand a connection with an open transaction back to the pool.
		_ = r.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	r.conn.Close()
	if err != nil && !errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("close read of %s: %w", r.stream, err)
	}
	return nil
}

var _ connector.Reader = (*reader)(nil)
