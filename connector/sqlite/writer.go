package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/onewaysync/oneway/connector"
)

// OpenWriter opens a writer on the table named req.Stream. Options (WriteRequest.Options):
//
//	create_table  bool  create the table (and the file) when missing, from the first batch (default false)
//
// The table must exist unless create_table is true, and must have a column for every key field and
// every field of req.Fields; otherwise OpenWriter fails and names the table and the column. The
// database is switched to WAL mode.
func (c *Conn) OpenWriter(ctx context.Context, req connector.WriteRequest) (_ connector.Writer, err error) {
	fail := func(err error) error { return fmt.Errorf("open writer on %s in %s: %w", req.Stream, c.path, err) }
	if err := req.Options.Check("create_table"); err != nil {
		return nil, fail(err)
	}
	create, err := req.Options.Bool("create_table", false)
	if err != nil {
		return nil, fail(err)
	}
	if req.Stream == "" {
		return nil, fail(errors.New("the stream (table name) is empty"))
	}
	if len(req.Key) == 0 && !req.Append {
		return nil, fail(errors.New("no key fields: a writer that is not append-only needs the key to match records"))
	}
	if err := req.MatchOnlyByKey(); err != nil {
		return nil, fail(err)
	}
	db, err := c.writeDB(create)
	if err != nil {
		return nil, fail(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fail(classifyErr(err))
	}
	w := &writer{
		conn: conn, path: c.path, stream: req.Stream, key: slices.Clone(req.Key),
		fields: slices.Clone(req.Fields), append: req.Append, stmts: map[string]*sql.Stmt{},
	}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	t, err := loadTable(ctx, conn, req.Stream)
	if err != nil {
		return nil, fail(err)
	}
	if t == nil {
		if !create {
			return nil, fail(fmt.Errorf("table %q does not exist; create it, or set create_table: true on the target", req.Stream))
		}
		return w, nil // created by the first batch that has records, when the column types are known
	}
	if err := w.use(ctx, t); err != nil {
		return nil, fail(err)
	}
	return w, nil
}

// writer applies changes to one table through one connection, one transaction per batch.
//
// Create upserts by key: INSERT ... ON CONFLICT (key) DO UPDATE SET the record's fields, when the key
// columns are the primary key or a unique index; otherwise an UPDATE, then an INSERT when it matched no
// row. In append mode Create inserts a new row. Update and SoftDelete set the record's fields on the
// rows of the key (an UPDATE, never an upsert: SQLite checks NOT NULL before ON CONFLICT, so an upsert
// of some fields would fail on a table with other NOT NULL columns); fields the record lacks keep their
// values, and a key without rows gives a Result.Err wrapping connector.ErrNotFound. Delete removes the
// rows of the key and succeeds when there is none. The target has no ids of its own (Result.ID is
// empty).
type writer struct {
	conn         *sql.Conn
	path, stream string
	key          []string
	fields       []string
	append       bool

	t         *table // nil until a create_table writer created the table
	unique    bool   // the key has a uniqueness constraint: Create can use ON CONFLICT
	deleteSQL string
	existsSQL string
	shapes    map[string]*shape // by signature
	last      [2]*shape         // the shape used last, without and with the key added
	stmts     map[string]*sql.Stmt
	closed    bool
}

// use checks the table against the request and adopts it.
func (w *writer) use(ctx context.Context, t *table) error {
	if err := t.require("key field", w.key); err != nil {
		return err
	}
	if err := t.require("mapped field", w.fields); err != nil {
		return err
	}
	unique := false
	if !w.append {
		var err error
		if unique, err = uniqueOn(ctx, w.conn, t, w.key); err != nil {
			return err
		}
	}
	w.t, w.unique = t, unique
	w.shapes, w.last = map[string]*shape{}, [2]*shape{}
	if len(w.key) > 0 {
		w.deleteSQL = "DELETE FROM " + quoteIdent(t.name) + " WHERE " + keyCond(w.key)
		w.existsSQL = "SELECT 1 FROM " + quoteIdent(t.name) + " WHERE " + keyCond(w.key) + " LIMIT 1"
	}
	return nil
}

// Apply applies the batch in one transaction (BEGIN IMMEDIATE, so it waits up to busy_timeout for
// another writer) and returns one Result per change. A change whose values break a constraint (NOT
// NULL, CHECK, UNIQUE, a STRICT type, a trigger's RAISE(ABORT)), name a column the table lacks or cannot
// be encoded gets Result.Err, and the others are committed: SQLite backs out only the failing statement.
// Any other failure rolls the whole batch back and is returned as the error; lock contention
// (SQLITE_BUSY) is transient.
func (w *writer) Apply(ctx context.Context, batch []connector.Change) (_ []connector.Result, err error) {
	fail := func(err error) error { return fmt.Errorf("apply to %s in %s: %w", w.stream, w.path, err) }
	if w.closed {
		return nil, fail(errors.New("writer is closed"))
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}
	results := make([]connector.Result, len(batch))
	if w.t == nil && !hasCreates(batch) {
		// The table does not exist yet and nothing would create a row: deletes have nothing to delete,
		// updates nothing to update.
		for i, ch := range batch {
			if ch.Action == connector.Update || ch.Action == connector.SoftDelete {
				results[i].Err = fmt.Errorf("%s in table %q of %s, key %v: %w (the table does not exist yet)",
					ch.Action, w.stream, w.path, ch.Key, connector.ErrNotFound)
			}
		}
		return results, nil
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE; SAVEPOINT "+marker); err != nil {
		return nil, fail(cause(ctx, err))
	}
	created := false
	defer func() {
		if err == nil {
			return
		}
		// A failed statement may have ended the transaction already; the error of this rollback
		// then says so and is of no interest.
		_, _ = w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		if created {
			w.forget()
		}
	}()
	if w.t == nil {
		if err := w.createTable(ctx, batch); err != nil {
			return nil, fail(err)
		}
		created = true
	}
	for i, ch := range batch {
		recErr, err := w.apply(ctx, ch)
		if err != nil {
			return nil, fail(fmt.Errorf("%s of key %v: %w", ch.Action, ch.Key, cause(ctx, err)))
		}
		if recErr != nil {
			if err := w.stillInTx(ctx); err != nil {
				return nil, fail(fmt.Errorf("%s of key %v: %w (%w)", ch.Action, ch.Key, err, recErr))
			}
			results[i].Err = fmt.Errorf("%s in table %q of %s, key %v: %w", ch.Action, w.stream, w.path, ch.Key, recErr)
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fail(fmt.Errorf("commit: %w", cause(ctx, err)))
	}
	return results, nil
}

// marker is a savepoint that lives as long as a batch's transaction; see stillInTx.
const marker = "oneway_batch"

// stillInTx checks, after a record's statement failed, that the transaction survived. SQLite backs out
// only the failing statement, unless the table has an ON CONFLICT ROLLBACK clause or a trigger called
// RAISE(ROLLBACK): then the whole transaction is gone, and later statements would commit one by one.
// Releasing the marker savepoint fails exactly then; otherwise it is set again.
func (w *writer) stillInTx(ctx context.Context) error {
	if _, err := w.conn.ExecContext(ctx, "RELEASE "+marker); err != nil {
		return fmt.Errorf("the database rolled the whole transaction back (an ON CONFLICT ROLLBACK clause or a trigger's RAISE(ROLLBACK)): %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "SAVEPOINT "+marker); err != nil {
		return cause(ctx, err)
	}
	return nil
}

// hasCreates reports whether batch creates rows, which a create_table writer needs to make its table.
func hasCreates(batch []connector.Change) bool {
	for _, ch := range batch {
		if ch.Action == connector.Create && ch.Record != nil {
			return true
		}
	}
	return false
}

// createTable creates the missing table inside the batch's transaction.
func (w *writer) createTable(ctx context.Context, batch []connector.Change) error {
	ddl := createTableSQL(w.stream, w.fields, w.key, w.append, batch)
	if _, err := w.conn.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create table %q: %w", w.stream, err)
	}
	t, err := loadTable(ctx, w.conn, w.stream)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("create table %q: the table is still missing", w.stream)
	}
	return w.use(ctx, t)
}

// forget drops the table and the statements of a creation that was rolled back.
func (w *writer) forget() {
	w.t, w.shapes, w.last = nil, nil, [2]*shape{}
	for k, s := range w.stmts {
		s.Close()
		delete(w.stmts, k)
	}
}

// apply applies one change. recErr rejects this change only; err fails the batch.
func (w *writer) apply(ctx context.Context, ch connector.Change) (recErr, err error) {
	switch ch.Action {
	case connector.Unchanged:
		return nil, nil
	case connector.Delete:
		where, err := w.keyArgs(ch)
		if err != nil {
			return err, nil
		}
		return w.exec(ctx, w.deleteSQL, where)
	case connector.Create, connector.Update, connector.SoftDelete:
		// A SoftDelete record holds the soft_delete fields only, never the key.
		withKey := ch.Action != connector.SoftDelete
		if withKey && len(ch.Key) != len(w.key) {
			return fmt.Errorf("the change has %d key values, want %d (%v)", len(ch.Key), len(w.key), w.key), nil
		}
		sh, err := w.shapeOf(ch.Record, withKey)
		if err != nil {
			return err, nil
		}
		args, err := sh.bind(ch)
		if err != nil {
			return err, nil
		}
		switch {
		case ch.Action != connector.Create:
			return w.updateExisting(ctx, ch, sh, args)
		case w.append:
			return w.exec(ctx, sh.insertSQL, args)
		case w.unique:
			return w.exec(ctx, sh.upsertSQL, args)
		}
		return w.updateOrInsert(ctx, ch, sh, args)
	}
	return fmt.Errorf("unknown action %v", ch.Action), nil
}

// updateExisting sets the record's non-key fields on the rows of the key. A key without rows gives
// connector.ErrNotFound: an Update never creates a record (the engine decides what to do).
func (w *writer) updateExisting(ctx context.Context, ch connector.Change, sh *shape, args []any) (recErr, err error) {
	found, recErr, err := w.updateRows(ctx, ch, sh, args)
	if recErr == nil && err == nil && !found {
		recErr = connector.ErrNotFound
	}
	return recErr, err
}

// updateOrInsert is Create on a table without a unique index on the key: it updates the rows of the key
// and inserts the record when there is none.
func (w *writer) updateOrInsert(ctx context.Context, ch connector.Change, sh *shape, args []any) (recErr, err error) {
	found, recErr, err := w.updateRows(ctx, ch, sh, args)
	if recErr != nil || err != nil || found {
		return recErr, err
	}
	return w.exec(ctx, sh.insertSQL, args)
}

// updateRows runs the UPDATE of the shape's non-key columns on the rows of ch's key (or, with nothing to
// set, looks them up) and reports whether there were any.
func (w *writer) updateRows(ctx context.Context, ch connector.Change, sh *shape, args []any) (found bool, recErr, err error) {
	where, err := w.keyArgs(ch)
	if err != nil {
		return false, err, nil
	}
	if len(sh.setIdx) == 0 {
		stmt, err := w.stmt(ctx, w.existsSQL)
		if err != nil {
			return false, nil, err
		}
		var one int
		err = stmt.QueryRowContext(ctx, where...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil, nil
		}
		recErr, err = split(err)
		return recErr == nil && err == nil, recErr, err
	}
	stmt, err := w.stmt(ctx, sh.updateSQL)
	if err != nil {
		return false, nil, err
	}
	params := make([]any, 0, len(sh.setIdx)+len(where))
	for _, i := range sh.setIdx {
		params = append(params, args[i])
	}
	res, err := stmt.ExecContext(ctx, append(params, where...)...)
	if err != nil {
		recErr, err = split(err)
		return false, recErr, err
	}
	n, err := res.RowsAffected()
	return n > 0, nil, err
}

// exec runs a cached statement.
func (w *writer) exec(ctx context.Context, q string, args []any) (recErr, err error) {
	stmt, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, err := stmt.ExecContext(ctx, args...); err != nil {
		return split(err)
	}
	return nil, nil
}

// split sorts a statement's error into a rejection of the record or a failure of the batch.
func split(err error) (recErr, batchErr error) {
	if recordErr(err) {
		return err, nil
	}
	return nil, err
}

// stmt returns the prepared statement for q, preparing it on first use. Statements live as long as the
// writer, so a sync prepares each of its few statements once.
func (w *writer) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := w.stmts[q]; ok {
		return s, nil
	}
	s, err := w.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", q, err)
	}
	w.stmts[q] = s
	return s, nil
}

// keyArgs encodes the key values of ch for a WHERE clause on the key.
func (w *writer) keyArgs(ch connector.Change) ([]any, error) {
	if len(ch.Key) != len(w.key) {
		return nil, fmt.Errorf("the change has %d key values, want %d (%v)", len(ch.Key), len(w.key), w.key)
	}
	args := make([]any, len(ch.Key))
	for i, k := range w.key {
		col, ok := w.t.column(k)
		if !ok {
			return nil, fmt.Errorf("table %q has no key column %q", w.stream, k)
		}
		if ch.Key[i] == nil {
			return nil, fmt.Errorf("key field %q is null", k)
		}
		v, err := encodeBound(col.kind, ch.Key[i])
		if err != nil {
			return nil, fmt.Errorf("key field %q: %w", k, err)
		}
		args[i] = v
	}
	return args, nil
}

// cause prefers the context's error over the interruption it caused, and marks lock contention as
// transient.
func cause(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return classifyErr(err)
}

// Close closes the writer's statements and returns its connection to the pool. It does not commit:
// every Apply has committed or rolled back already.
func (w *writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	for _, s := range w.stmts {
		errs = append(errs, s.Close())
	}
	w.stmts = nil
	errs = append(errs, w.conn.Close())
	return errors.Join(errs...)
}

// NonIdempotent reports true in append mode, where a Create is a plain INSERT and one sent twice makes
// two rows: the engine then records an intent before each batch (see delivery in docs/config.md), as for
// the postgres and mysql append writers.
func (w *writer) NonIdempotent() bool { return w.append }

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
