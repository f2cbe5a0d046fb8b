package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// driverMaxPacket is the go-sql-driver's own limit on a packet (its default maxAllowedPacket, 64 MiB).
const driverMaxPacket = 64 << 20

// maxPlaceholders is the server's limit of parameters in a prepared statement. Statements are
// interpolated (interpolateParams), but they stay under it in case the driver falls back to preparing.
const maxPlaceholders = 65535

// OpenWriter prepares writes to an existing table. It fails, before anything is written, when the table
// is missing (the connector does not create tables; create_table and any other option is rejected),
// when a field of req.Fields or req.Key is not a column, or when no PRIMARY KEY or UNIQUE index has
// exactly the key columns (upserts by key need it). For req.Append the table must instead be InnoDB and
// have no PRIMARY KEY or UNIQUE index made of key columns only (connector.ErrUnsupported otherwise).
// req.Match other than the key is connector.ErrUnsupported. Connection failures are
// connector.Transient.
func (c *Conn) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if names := slices.Sorted(maps.Keys(req.Options)); len(names) > 0 {
		if names[0] == "create_table" {
			return nil, &connector.SettingError{Key: names[0], Err: errors.New(
				"is not supported by the mysql connector: create the table with its column types first")}
		}
		return nil, &connector.SettingError{Key: names[0], Err: errors.New("unknown option: the mysql target takes no options")}
	}
	t, err := parseStream(req.Stream, c.cfg.DBName)
	if err != nil {
		return nil, fmt.Errorf("open writer: %w", err)
	}
	fail := func(err error) error { return classify(fmt.Errorf("open writer on %s: %w", t, err)) }
	if len(req.Key) == 0 {
		return nil, fail(errors.New("no key fields"))
	}
	db, err := c.pool()
	if err != nil {
		return nil, fail(err)
	}
	ti, err := loadTable(ctx, db, t)
	if err != nil {
		return nil, fail(err)
	}
	if err := ti.requireColumns("mapped", req.Fields); err != nil {
		return nil, fail(err)
	}
	if err := ti.requireColumns("key", req.Key); err != nil {
		return nil, fail(err)
	}
	if err := req.MatchOnlyByKey(); err != nil { // the table's unique key already adopts existing rows
		return nil, fail(err)
	}
	w := &writer{db: db, ti: ti, key: req.Key, append: req.Append}
	w.marks = w.keyPlaceholders()
	if req.Append {
		err = appendable(ctx, db, ti, req.Key)
	} else {
		w.guard, err = checkKeyIndex(ctx, db, ti, req.Key)
	}
	if err != nil {
		return nil, fail(err)
	}
	if !strings.EqualFold(ti.engine, "InnoDB") {
		if req.Append {
			return nil, fail(fmt.Errorf("engine %q is not transactional, so a failed batch could be partly appended and then appended again; use an InnoDB table", ti.engine))
		}
		c.log.Warn("target table is not InnoDB: a failed batch may be partly applied (upserts and deletes stay idempotent)",
			"table", t.String(), "engine", ti.engine)
	}
	var serverMax int
	if err := db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&serverMax); err != nil {
		return nil, fail(err)
	}
	w.maxBytes = min(serverMax, driverMaxPacket) - 1024
	return w, nil
}

// checkKeyIndex checks that a PRIMARY KEY or UNIQUE index has exactly the key columns, and reports whether the
// table has other unique indexes. With those, INSERT ... ON DUPLICATE KEY UPDATE could update a row that
// only matches on another index, so the writer guards its upserts (see upsertClause).
func checkKeyIndex(ctx context.Context, q querier, ti *tableInfo, key []string) (guard bool, err error) {
	keys, err := uniqueKeys(ctx, q, ti.t)
	if err != nil {
		return false, err
	}
	want := lowerSorted(key)
	found := false
	for _, cols := range keys {
		if slices.Equal(lowerSorted(cols), want) {
			found = true
		} else {
			guard = true
		}
	}
	if !found {
		quoted := make([]string, len(key))
		for i, k := range key {
			quoted[i] = quoteIdent(k)
		}
		return false, fmt.Errorf("no PRIMARY KEY or UNIQUE index on exactly the key (%s), which upserts by key need; add one: ALTER TABLE %s ADD UNIQUE (%s)",
			strings.Join(key, ", "), ti.t, strings.Join(quoted, ", "))
	}
	return guard, nil
}

// appendable checks that the table can hold several versions of a record: no PRIMARY KEY or UNIQUE
// index may be made of key columns only, or the second version of a record would be rejected. Such a
// table gets an error wrapping connector.ErrUnsupported.
func appendable(ctx context.Context, q querier, ti *tableInfo, key []string) error {
	keys, err := uniqueKeys(ctx, q, ti.t)
	if err != nil {
		return err
	}
	inKey := map[string]bool{}
	for _, k := range key {
		inKey[strings.ToLower(k)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		covered := true
		for _, c := range keys[name] {
			covered = covered && inKey[strings.ToLower(c)]
		}
		if covered {
			return fmt.Errorf("append mode adds a row for every version of a record, but index %s is UNIQUE on key columns (%s) and would reject the second version; append into a table keyed by its own AUTO_INCREMENT column: %w",
				quoteIdent(name), strings.Join(keys[name], ", "), connector.ErrUnsupported)
		}
	}
	return nil
}

func lowerSorted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	slices.Sort(out)
	return out
}

// writer applies changes to one table.
type writer struct {
	db       *sql.DB
	ti       *tableInfo
	key      []string
	append   bool
	guard    bool
	maxBytes int
	marks    []string // the key columns' placeholders in comparisons (keyPlaceholder)
}

// Apply runs the batch in one transaction: consecutive changes of the same shape go in one multi-row
// statement (INSERT ... ON DUPLICATE KEY UPDATE for Create and Update, plain INSERT for appends, DELETE
// or UPDATE by key for deletes and soft deletes), cut below max_allowed_packet. An Update or SoftDelete
// of a record the table does not hold gets a Result.Err wrapping connector.ErrNotFound and creates
// nothing. A statement that fails because of its values is retried in halves until the failing records
// are isolated: they get a Result.Err, the others are applied. Any other failure rolls the whole batch
// back and is returned (connector.Transient for deadlocks, lock wait timeouts and lost connections).
func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	results := make([]connector.Result, len(batch))
	rows := make([]row, 0, len(batch))
	for i, ch := range batch {
		r, err := w.prepareRow(i, ch)
		if err != nil {
			results[i].Err = err
			continue
		}
		if r.op == opNone {
			continue
		}
		if size := r.size + w.baseSize(r); size > w.maxBytes || r.params()+len(r.set) > maxPlaceholders {
			results[i].Err = fmt.Errorf("%s %s: the record needs about %d bytes of SQL, more than max_allowed_packet allows (%d); raise max_allowed_packet on the server",
				r.op, w.ti.t, size, w.maxBytes)
			continue
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return results, nil
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify(fmt.Errorf("write %s: %w", w.ti.t, err))
	}
	for start := 0; start < len(rows); {
		end := w.chunkEnd(rows, start)
		if err := w.runChunk(ctx, tx, rows[start:end], results); err != nil {
			_ = tx.Rollback()
			return nil, classify(fmt.Errorf("write %s: %w", w.ti.t, err))
		}
		start = end
	}
	if err := tx.Commit(); err != nil {
		return nil, classify(fmt.Errorf("write %s: commit: %w", w.ti.t, err))
	}
	return results, nil
}

// chunkEnd returns the end of the statement that starts at rows[start]: the rows after it with the same
// shape, as long as the statement stays below max_allowed_packet and the placeholder limit.
func (w *writer) chunkEnd(rows []row, start int) int {
	size, params := w.baseSize(rows[start]), len(rows[start].set)
	end := start
	for end < len(rows) && rows[end].sig == rows[start].sig {
		if end > start && (size+rows[end].size > w.maxBytes || params+rows[end].params() > maxPlaceholders) {
			break
		}
		size += rows[end].size
		params += rows[end].params()
		end++
	}
	return end
}

// baseSize estimates the SQL text of a statement around its rows.
func (w *writer) baseSize(r row) int {
	n := 64 + len(w.ti.t.String())
	for _, c := range r.cols {
		n += 2 * (len(c) + 20)
	}
	for _, c := range w.key {
		n += len(c) + 4
	}
	for _, v := range r.set {
		n += encodedSize(v)
	}
	return n
}

// runChunk applies rows of one shape. Updates are upserts only for rows that exist (checked and locked
// first); UPDATE statements report the rows they matched (clientFoundRows), and when they matched fewer
// than they were given, the missing keys are found the same way.
func (w *writer) runChunk(ctx context.Context, tx *sql.Tx, rows []row, results []connector.Result) error {
	var err error
	if rows[0].op == opUpsert && rows[0].mustExist || rows[0].op == opExist {
		if rows, err = w.keepExisting(ctx, tx, rows, results, nil); err != nil {
			return err
		}
		if len(rows) == 0 || rows[0].op == opExist {
			return nil
		}
	}
	applied, matched, err := w.execIsolating(ctx, tx, rows, results, nil, 0)
	if err != nil {
		return err
	}
	if (rows[0].op == opSoft || rows[0].op == opUpdate) && matched < int64(len(applied)) {
		_, err = w.keepExisting(ctx, tx, applied, results, nil)
	}
	return err
}

// keepExisting appends to kept the rows whose key is in the table and sets connector.ErrNotFound on the
// others. It counts the keys of all rows at once and halves the rows while the count falls short, so that
// when every record exists (the usual case) it costs one statement.
func (w *writer) keepExisting(ctx context.Context, tx *sql.Tx, rows []row, results []connector.Result, kept []row) ([]row, error) {
	query, args := w.countStatement(rows)
	var n int
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return nil, err
	}
	switch {
	case n >= len(rows):
		return append(kept, rows...), nil
	case n == 0:
		for _, r := range rows {
			results[r.idx].Err = fmt.Errorf("%s %s: key %v: %w", r.op, w.ti.t, r.keys, connector.ErrNotFound)
		}
		return kept, nil
	}
	mid := len(rows) / 2
	kept, err := w.keepExisting(ctx, tx, rows[:mid], results, kept)
	if err != nil {
		return nil, err
	}
	return w.keepExisting(ctx, tx, rows[mid:], results, kept)
}

// execIsolating runs rows as one statement; when it fails because of its values it retries halves, down
// to single rows, whose errors become their records' results. It appends the rows that were applied to
// applied and adds the rows the statements matched to matched. Other errors are returned.
func (w *writer) execIsolating(ctx context.Context, tx *sql.Tx, rows []row, results []connector.Result, applied []row, matched int64) ([]row, int64, error) {
	query, args := w.statement(rows)
	res, err := tx.ExecContext(ctx, query, args...)
	if err == nil {
		n, err := res.RowsAffected()
		return append(applied, rows...), matched + n, err
	}
	if !isRecordError(err) {
		return nil, 0, err
	}
	if len(rows) == 1 {
		results[rows[0].idx].Err = w.recordError(rows[0], err)
		return applied, matched, nil
	}
	mid := len(rows) / 2
	applied, matched, err = w.execIsolating(ctx, tx, rows[:mid], results, applied, matched)
	if err != nil {
		return nil, 0, err
	}
	return w.execIsolating(ctx, tx, rows[mid:], results, applied, matched)
}

// recordError describes why the server rejected one record.
func (w *writer) recordError(r row, err error) error {
	if w.guard && r.op == opUpsert && serverErrNumber(err) == erDivisionByZero {
		return fmt.Errorf("%s %s: the record conflicts with a row that has another key on a UNIQUE index other than the key (%s): %w",
			r.op, w.ti.t, strings.Join(w.key, ", "), err)
	}
	return fmt.Errorf("%s %s: %w", r.op, w.ti.t, err)
}

// Close releases nothing: statements run on the connection's pool.
func (w *writer) Close() error { return nil }

// NonIdempotent reports whether a Create sent twice makes two rows: in append mode it does (a batch whose
// acknowledgement was lost would be appended again), so the engine records its intent first.
func (w *writer) NonIdempotent() bool { return w.append }

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
