package postgres

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onewaysync/oneway/connector"
)

// tryDirect copies a segment of Creates straight into the table, which spares the staging table and the
// upsert: the common case of a first sync into an empty table then runs at the speed of a plain COPY. COPY
// fires the same insert triggers and checks the same constraints as the INSERT it replaces (rules aside,
// which COPY ignores). When any row fails, most likely because its key exists already, the COPY leaves
// nothing behind, tryDirect reports done=false so that the segment goes through the upsert (which updates
// existing keys and isolates bad rows), and the writer stops trying: a target that has some of the keys
// probably has more. Connection failures and a done context are returned as errors.
func (w *writer) tryDirect(ctx context.Context, pg *pgconn.PgConn, seg *segment) (done bool, err error) {
	if !w.direct || seg.op != opUpsert {
		return false, nil
	}
	_, err = pg.CopyFrom(ctx, bytes.NewReader(seg.buf), w.copySQL(seg))
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, fmt.Errorf("write %s: %w", w.t, ctx.Err())
	case pg.IsClosed() || transient(err):
		return false, fmt.Errorf("write %s: %w", w.t, w.c.classify(ctx, withDetail(err)))
	}
	w.direct = false
	w.c.logger.Debug("a batch of creates could not be copied straight into the table; upserting from now on",
		"table", w.t.String(), "error", w.c.secrets.redact(err.Error()))
	return false, nil
}

func (w *writer) copySQL(seg *segment) string {
	return "COPY " + w.t.sql() + " (" + quoteList(columnNames(seg.cols)) + ") FROM STDIN"
}

// run writes rows lo..hi of seg. When the statement fails because of some rows' values it splits the range
// in halves and runs each, until a failing row is alone: that row's result gets the error. Any other error
// stops the batch.
func (w *writer) run(ctx context.Context, pg *pgconn.PgConn, seg *segment, lo, hi int, results []connector.Result) error {
	found, err := w.exec(ctx, pg, seg, lo, hi)
	switch {
	case err == nil:
		if found != nil {
			for i := lo; i < hi; i++ {
				if _, ok := found[seg.keys[i]]; !ok {
					results[seg.idx[i]].Err = fmt.Errorf("write %s: key %s: %w", w.t, keyForMessage(seg.keys[i]), connector.ErrNotFound)
				}
			}
		}
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("write %s: %w", w.t, ctx.Err())
	case !recordFault(err):
		return fmt.Errorf("write %s: %w", w.t, w.c.classify(ctx, withDetail(err)))
	case hi-lo == 1:
		results[seg.idx[lo]].Err = fmt.Errorf("write %s: %w", w.t, w.c.classify(ctx, withDetail(err)))
		return nil
	}
	if lo == 0 && hi == len(seg.idx) {
		w.c.logger.Debug("a batch failed on a row's values; splitting it to find the row",
			"table", w.t.String(), "rows", hi-lo, "error", w.c.secrets.redact(err.Error()))
	}
	mid := (lo + hi) / 2
	if err := w.run(ctx, pg, seg, lo, mid, results); err != nil {
		return err
	}
	return w.run(ctx, pg, seg, mid, hi, results)
}

// exec writes rows lo..hi of seg in one transaction. Appended rows are copied straight into the table.
// Everything else is copied into a temporary staging table of text columns, which one statement then
// casts to the column types and applies (see statement); the staging table is created once per session
// and emptied at each commit (ON COMMIT DELETE ROWS), and a failed attempt rolls back its rows with it.
// For updates and soft deletes, found holds the keys (as encoded in the segment) of the rows that
// matched; it is nil for the other ops.
func (w *writer) exec(ctx context.Context, pg *pgconn.PgConn, seg *segment, lo, hi int) (found map[string]struct{}, err error) {
	data := bytes.NewReader(seg.rows(lo, hi))
	if seg.op == opInsert {
		_, err := pg.CopyFrom(ctx, data, w.copySQL(seg))
		return nil, err
	}
	n := len(seg.cols)
	_, err = pg.Exec(ctx, "BEGIN; "+stageDDL(n)).ReadAll()
	if err == nil {
		_, err = pg.CopyFrom(ctx, data, "COPY pg_temp."+stageName(n)+" FROM STDIN")
	}
	var res []*pgconn.Result
	if err == nil {
		res, err = pg.Exec(ctx, w.statement(seg)+"; COMMIT").ReadAll()
	}
	if err != nil {
		if !pg.IsClosed() && pg.TxStatus() != 'I' {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_, _ = pg.Exec(rctx, "ROLLBACK").ReadAll()
			cancel()
		}
		return nil, err
	}
	if seg.op != opUpdate && seg.op != opSoft {
		return nil, nil
	}
	found = map[string]struct{}{}
	var key []byte
	for _, row := range res[0].Rows {
		key = key[:0]
		for j, v := range row {
			if j > 0 {
				key = append(key, '\t')
			}
			key = appendCopyText(key, v)
		}
		found[string(key)] = struct{}{}
	}
	return found, nil
}

// keyForMessage turns a row's encoded key values back into readable text.
func keyForMessage(key string) string {
	return "(" + strings.ReplaceAll(key, "\t", ", ") + ")"
}

func stageName(n int) string { return "oneway_stage_" + strconv.Itoa(n) }

// stageDDL creates the staging table for n columns (c1 ... cn, all text) if this session has none yet.
func stageDDL(n int) string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i+1) + " text"
	}
	return "CREATE TEMPORARY TABLE IF NOT EXISTS " + stageName(n) + " (" + strings.Join(cols, ", ") + ") ON COMMIT DELETE ROWS"
}

func columnNames(cols []column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// statement returns the SQL that applies the staged rows of seg (cached per op and columns):
//
//	create:      INSERT INTO t (k, a) SELECT s.c1::bigint, s.c2::text FROM pg_temp.oneway_stage_2 s
//	             ON CONFLICT (k) DO UPDATE SET a = EXCLUDED.a
//	update:      UPDATE t AS d SET a = s.c2::text FROM pg_temp.oneway_stage_2 s WHERE d.k = s.c1::bigint
//	             RETURNING s.c1
//	delete:      DELETE FROM t AS d USING pg_temp.oneway_stage_1 s WHERE d.k = s.c1::bigint
//
// Creates and updates set only the columns they were given, so fields the sync does not map stay as they
// are. An update (and a soft delete, the same statement) returns the keys it found; the others are
// ErrNotFound, as an update never creates a row. Casts go to the column's type without modifier; the
// assignment then checks lengths, and fails rather than truncates (PostgreSQL rounds a numeric's extra
// decimals and a time's extra precision to the column's scale instead).
func (w *writer) statement(seg *segment) string {
	names := columnNames(seg.cols)
	cacheKey := strconv.Itoa(int(seg.op)) + "\x00" + strings.Join(names, "\x00")
	if s, ok := w.stmts[cacheKey]; ok {
		return s
	}
	stage := "pg_temp." + stageName(len(seg.cols)) + " s"
	casts := make([]string, len(seg.cols))
	for i, c := range seg.cols {
		casts[i] = "s.c" + strconv.Itoa(i+1) + "::" + c.typ
	}
	nkey := len(w.key)
	var match, set, staged []string
	for i := range nkey {
		match = append(match, "d."+quoteIdent(names[i])+" = "+casts[i])
		staged = append(staged, "s.c"+strconv.Itoa(i+1))
	}
	var sql string
	switch seg.op {
	case opUpsert:
		for _, name := range names[nkey:] {
			set = append(set, quoteIdent(name)+" = EXCLUDED."+quoteIdent(name))
		}
		action := "DO NOTHING"
		if len(set) > 0 {
			action = "DO UPDATE SET " + strings.Join(set, ", ")
		}
		sql = "INSERT INTO " + w.t.sql() + " (" + quoteList(names) + ") SELECT " + strings.Join(casts, ", ") +
			" FROM " + stage + " ON CONFLICT (" + quoteList(w.key) + ") " + action
	case opUpdate, opSoft:
		for i, name := range names[nkey:] {
			set = append(set, quoteIdent(name)+" = "+casts[nkey+i])
		}
		if len(set) == 0 {
			// Nothing to set: an update of the key alone only checks that the row exists.
			sql = "SELECT " + strings.Join(staged, ", ") + " FROM " + stage + " WHERE EXISTS (SELECT FROM " + w.t.sql() +
				" AS d WHERE " + strings.Join(match, " AND ") + ")"
			break
		}
		sql = "UPDATE " + w.t.sql() + " AS d SET " + strings.Join(set, ", ") + " FROM " + stage + " WHERE " +
			strings.Join(match, " AND ") + " RETURNING " + strings.Join(staged, ", ")
	case opDelete:
		sql = "DELETE FROM " + w.t.sql() + " AS d USING " + stage + " WHERE " + strings.Join(match, " AND ")
	}
	w.stmts[cacheKey] = sql
	return sql
}
