package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

const defaultBatchSize = 1000

// readQuery is one statement of a read with its parameters in text form (a nil parameter is NULL).
type readQuery struct {
	sql    string
	params [][]byte
}

// Read opens a snapshot read of every row of the table (or view), in no particular order. It opens a
// connection of its own and begins a REPEATABLE READ READ ONLY transaction on it, so every batch comes from
// the same snapshot and the read cannot write; rows stream from the server as batches are taken. A table that
// does not exist, or a key column it lacks, is an error. Connection failures are connector.Transient.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	return c.openRead(ctx, req, func(ti *tableInfo) ([]readQuery, error) {
		return []readQuery{{sql: "SELECT " + selectList(ti) + " FROM " + ti.t.sql()}}, nil
	})
}

// ReadCursor reads the rows whose (cursor..., key...) tuple is >= req.From, in ascending order of that
// tuple, after every row that has a NULL in a cursor column (those come first, every time, ordered by cursor
// NULLS FIRST then key). See cursorQueries for the SQL and the index that serves it. A From shorter than
// cursor and key compares only that prefix of the tuple; a From whose cursor values hold a NULL points
// into the NULL rows, so every non-NULL row follows.
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	return c.openRead(ctx, req.ReadRequest, func(ti *tableInfo) ([]readQuery, error) {
		return cursorQueries(ti, req.Cursor, req.Key, req.From)
	})
}

func selectList(ti *tableInfo) string {
	names := make([]string, len(ti.cols))
	for i, col := range ti.cols {
		names[i] = col.name
	}
	return quoteList(names)
}

// cursorQueries builds the two statements of a cursor read, run one after the other in the read's
// transaction (one snapshot):
//
//	SELECT ... WHERE c1 IS NULL OR c2 IS NULL ORDER BY c1 NULLS FIRST, c2 NULLS FIRST, k1
//	SELECT ... WHERE c1 IS NOT NULL AND c2 IS NOT NULL AND (c1, c2, k1) >= ($1::t1, $2::t2, $3::t3)
//	           ORDER BY c1, c2, k1
//
// (with a shorter From, only its prefix of the tuple is compared: (c1) >= ($1::t1)).
// The second is the incremental part: a plain btree index on (c1, c2, k1) serves both its row comparison
// (as an index range condition, so a run reads only the rows at or after the position) and its order. One
// statement with "c1 IS NULL OR (c1, k1) >= (...)" and ORDER BY c1 NULLS FIRST could not use that index for
// either. Values are bound as parameters, cast to the column's type.
func cursorQueries(ti *tableInfo, cursor, key []string, from []any) ([]readQuery, error) {
	if len(cursor) == 0 {
		return nil, errors.New("a cursor read needs at least one cursor column")
	}
	cols := append(append([]string(nil), cursor...), key...)
	for _, name := range cols {
		if _, ok := ti.col(name); !ok {
			return nil, fmt.Errorf("column %q does not exist in %s", name, ti.t)
		}
	}
	if len(from) > len(cols) {
		return nil, fmt.Errorf("cursor position has %d values, want at most %d (cursor %v then key %v)", len(from), len(cols), cursor, key)
	}
	for i := range min(len(from), len(cursor)) {
		if from[i] == nil {
			from = nil // the position is among the NULL-cursor rows: every non-NULL row comes after it
			break
		}
	}
	base := "SELECT " + selectList(ti) + " FROM " + ti.t.sql() + " WHERE "
	var isNull, notNull, nullOrder, order []string
	for _, name := range cursor {
		q := quoteIdent(name)
		isNull = append(isNull, q+" IS NULL")
		notNull = append(notNull, q+" IS NOT NULL")
		nullOrder = append(nullOrder, q+" NULLS FIRST")
		order = append(order, q)
	}
	for _, name := range key {
		nullOrder = append(nullOrder, quoteIdent(name))
		order = append(order, quoteIdent(name))
	}
	nulls := readQuery{sql: base + strings.Join(isNull, " OR ") + " ORDER BY " + strings.Join(nullOrder, ", ")}
	rest := readQuery{sql: base + strings.Join(notNull, " AND ")}
	if len(from) > 0 {
		prefix := cols[:len(from)]
		params := make([]string, len(prefix))
		for i, name := range prefix {
			col, _ := ti.col(name)
			v, null, err := appendText(nil, from[i], col)
			if err != nil {
				return nil, fmt.Errorf("cursor position value for %q: %w", name, err)
			}
			if null {
				return nil, fmt.Errorf("cursor position value for key column %q is null", name)
			}
			rest.params = append(rest.params, v)
			params[i] = "$" + strconv.Itoa(i+1) + "::" + col.typ
		}
		rest.sql += " AND (" + quoteList(prefix) + ") >= (" + strings.Join(params, ", ") + ")"
	}
	rest.sql += " ORDER BY " + strings.Join(order, ", ")
	return []readQuery{nulls, rest}, nil
}

// openRead begins the read transaction, describes the table and starts the reader on the statements that
// build returns.
func (c *Conn) openRead(ctx context.Context, req connector.ReadRequest, build func(*tableInfo) ([]readQuery, error)) (_ connector.Reader, err error) {
	fail := func(err error) error {
		return fmt.Errorf("read %s: %w", req.Stream, c.classify(ctx, err))
	}
	t, err := parseStream(req.Stream)
	if err != nil {
		return nil, err
	}
	size := req.BatchSize
	if size <= 0 {
		size = defaultBatchSize
	}
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	defer func() {
		if err != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	if _, err := conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return nil, fail(withDetail(err))
	}
	if c.afterBegin != nil {
		if err := c.afterBegin(ctx, conn); err != nil {
			return nil, fail(err)
		}
	}
	ti, err := describe(ctx, conn, t)
	if err != nil {
		return nil, fail(err)
	}
	for _, k := range req.Key {
		if _, ok := ti.col(k); !ok {
			return nil, fail(fmt.Errorf("key column %q does not exist in %s", k, ti.t))
		}
	}
	queries, err := build(ti)
	if err != nil {
		return nil, fail(err)
	}
	r := &reader{c: c, conn: conn, stream: req.Stream, cols: ti.cols, queries: queries, size: size}
	r.decs = make([]decoder, len(ti.cols))
	r.formats = make([]int16, len(ti.cols))
	for i, col := range ti.cols {
		r.decs[i], r.formats[i] = columnDecoder(col)
	}
	// The statements run under their own context, which Next and Close cancel: a read outlives the
	// context of the Read call, and a canceled statement closes its connection instead of draining it.
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if !c.track(r) {
		r.cancel()
		return nil, fmt.Errorf("read %s: %w", req.Stream, errClosed)
	}
	return r, nil
}
