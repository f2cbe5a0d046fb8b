package mysql

import (
	"fmt"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// op is the statement a change becomes.
type op int

const (
	opNone   op = iota // nothing to write (Unchanged)
	opUpsert           // INSERT ... ON DUPLICATE KEY UPDATE (Create, and Update of existing rows)
	opInsert           // INSERT (append)
	opDelete           // DELETE ... WHERE key IN
	opSoft             // UPDATE ... SET soft-delete fields WHERE key IN
	opUpdate           // UPDATE ... SET fields WHERE key = (an Update without every required column)
	opExist            // nothing to write, but the record must exist (an Update of key fields only)
)

var opNames = [...]string{"none", "upsert into", "insert into", "delete from", "soft-delete in", "update", "update"}

func (o op) String() string { return opNames[o] }

// row is one change, ready to be part of a statement.
type row struct {
	idx int // index of the change in the batch
	op  op
	// mustExist: an Update or SoftDelete, which must not create a record; an absent one gets
	// connector.ErrNotFound.
	mustExist bool
	sig       string   // rows with equal sig fit in one statement
	cols      []string // upsert/insert: the columns of vals; soft/update: the columns of set
	vals      []any    // upsert/insert: one value per column
	set       []any    // soft/update: the values to set (the same for every row of a soft statement)
	keys      []any    // the key values, in the order of the writer's key
	size      int      // estimated bytes of this row in the statement
}

// params is the number of statement parameters the row adds.
func (r row) params() int {
	if r.op == opUpsert || r.op == opInsert {
		return len(r.vals)
	}
	return len(r.keys)
}

// prepareRow turns a change into a row, or an error for this record alone.
func (w *writer) prepareRow(i int, ch connector.Change) (row, error) {
	r := row{idx: i}
	if ch.Action == connector.Unchanged {
		return r, nil
	}
	if w.append && ch.Action != connector.Create {
		return r, fmt.Errorf("%s: %s in append mode: %w", w.ti.t, ch.Action, connector.ErrUnsupported)
	}
	switch ch.Action {
	case connector.Create:
		r.op, r.sig = opUpsert, "c"
		if w.append {
			r.op = opInsert
		}
		return r, w.prepareValues(&r, ch)
	case connector.Update:
		r.op, r.sig, r.mustExist = opUpsert, "u", true
		if err := w.prepareValues(&r, ch); err != nil {
			return r, err
		}
		if !w.insertable(r.cols) {
			w.asUpdate(&r)
		}
		return r, nil
	case connector.Delete, connector.SoftDelete:
		if err := w.prepareKeys(&r, ch.Key); err != nil {
			return r, fmt.Errorf("%s %s: %w", ch.Action, w.ti.t, err)
		}
		if ch.Action == connector.Delete {
			r.op, r.sig = opDelete, "d"
			return r, nil
		}
		r.op, r.mustExist = opSoft, true
		if len(ch.Record) == 0 {
			return r, fmt.Errorf("soft-delete in %s: no fields to set", w.ti.t)
		}
		r.cols = ch.Record.Fields()
		r.set = make([]any, len(r.cols))
		for j, f := range r.cols {
			v, err := w.encodeField(f, ch.Record[f])
			if err != nil {
				return r, err
			}
			r.set[j] = v
		}
		values, err := connector.CanonicalJSON(ch.Record)
		if err != nil {
			return r, fmt.Errorf("soft-delete in %s: %w", w.ti.t, err)
		}
		r.sig = "s" + string(values)
		return r, nil
	}
	return r, fmt.Errorf("%s: unknown action %s", w.ti.t, ch.Action)
}

// prepareKeys encodes the key values of a change.
func (w *writer) prepareKeys(r *row, key []any) error {
	if len(key) != len(w.key) {
		return fmt.Errorf("change has %d key values, want %d", len(key), len(w.key))
	}
	r.keys = make([]any, len(w.key))
	marks := w.marks
	for j, k := range w.key {
		v, err := w.encodeField(k, key[j])
		if err != nil {
			return err
		}
		r.keys[j] = v
		r.size += encodedSize(v) + len(marks[j]) + 1
	}
	r.size += 4
	return nil
}

// prepareValues fills the columns, values and key of an upsert or insert. Key fields missing from the
// record are taken from the change's key.
func (w *writer) prepareValues(r *row, ch connector.Change) error {
	rec := ch.Record
	for j, k := range w.key {
		if _, ok := rec[k]; !ok && j < len(ch.Key) {
			rec = rec.Clone()
			rec[k] = ch.Key[j]
		}
	}
	if len(rec) == 0 {
		return fmt.Errorf("%s %s: empty record", r.op, w.ti.t)
	}
	r.cols = rec.Fields()
	r.vals = make([]any, len(r.cols))
	r.keys = make([]any, len(w.key))
	var sig strings.Builder
	sig.WriteString(r.sig)
	for j, f := range r.cols {
		v, err := w.encodeField(f, rec[f])
		if err != nil {
			return err
		}
		r.vals[j] = v
		if k := w.keyIndex(f); k >= 0 {
			r.keys[k] = v
		}
		r.size += encodedSize(v) + 1
		sig.WriteByte(0)
		sig.WriteString(f)
	}
	r.size += 3
	r.sig = sig.String()
	return nil
}

// insertable reports whether cols hold every column that an INSERT needs. An Update without them cannot
// be an upsert: strict mode rejects the INSERT part even when the row exists.
func (w *writer) insertable(cols []string) bool {
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[strings.ToLower(c)] = true
	}
	for _, c := range w.ti.columns {
		if c.required && !have[strings.ToLower(c.name)] {
			return false
		}
	}
	return true
}

// asUpdate turns an upsert row into a single-row UPDATE by key of its non-key columns, or into an
// existence check when it has none.
func (w *writer) asUpdate(r *row) {
	var cols []string
	var set []any
	for i, c := range r.cols {
		if w.keyIndex(c) < 0 {
			cols = append(cols, c)
			set = append(set, r.vals[i])
		}
	}
	if len(cols) == 0 {
		r.op, r.sig, r.cols, r.vals = opExist, "e", nil, nil
		return
	}
	r.op, r.cols, r.set, r.vals = opUpdate, cols, set, nil
	r.sig = fmt.Sprintf("#%d", r.idx) // one statement per row
}

// encodeField encodes the value of one field for its column.
func (w *writer) encodeField(field string, v any) (any, error) {
	col, ok := w.ti.column(field)
	if !ok {
		return nil, fmt.Errorf("field %q is not a column of table %s: add the column or map the field away", field, w.ti.t)
	}
	ev, err := encode(col, v)
	if err != nil {
		return nil, fmt.Errorf("field %q of table %s: %w", field, w.ti.t, err)
	}
	return ev, nil
}

// statement builds the SQL and arguments for rows, which all have the same sig.
func (w *writer) statement(rows []row) (string, []any) {
	first := rows[0]
	var q strings.Builder
	var args []any
	switch first.op {
	case opUpsert, opInsert:
		args = make([]any, 0, len(rows)*len(first.cols))
		q.WriteString("INSERT INTO ")
		q.WriteString(w.ti.t.String())
		q.WriteString(" (")
		writeIdents(&q, first.cols)
		q.WriteString(") VALUES ")
		tuple := "(" + strings.Repeat("?,", len(first.cols)-1) + "?)"
		q.Grow(len(rows) * (len(tuple) + 1))
		for i, r := range rows {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(tuple)
			args = append(args, r.vals...)
		}
		if first.op == opUpsert {
			q.WriteString(w.upsertClause(first.cols))
		}
	case opUpdate, opSoft:
		q.WriteString("UPDATE ")
		q.WriteString(w.ti.t.String())
		q.WriteString(" SET ")
		for i, c := range first.cols {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(quoteIdent(c) + " = ?")
		}
		q.WriteString(" WHERE ")
		args = append(args, first.set...)
		args = w.writeKeyIn(&q, rows, args)
	case opDelete:
		q.WriteString("DELETE FROM ")
		q.WriteString(w.ti.t.String())
		q.WriteString(" WHERE ")
		args = w.writeKeyIn(&q, rows, nil)
	}
	return q.String(), args
}

// countStatement counts the rows of the table that have one of the keys of rows, locking them for the
// rest of the transaction so that they are still there when they are updated.
func (w *writer) countStatement(rows []row) (string, []any) {
	var q strings.Builder
	q.WriteString("SELECT COUNT(*) FROM ")
	q.WriteString(w.ti.t.String())
	q.WriteString(" WHERE ")
	args := w.writeKeyIn(&q, rows, nil)
	q.WriteString(" FOR UPDATE")
	return q.String(), args
}

// upsertClause is the ON DUPLICATE KEY UPDATE part: every non-key column takes the new value, so a
// column the record does not hold keeps its value. VALUES(col) works on MariaDB and MySQL (MySQL 8.0.20+
// deprecates it in favour of a row alias, which MariaDB lacks).
//
// When the table has UNIQUE indexes besides the key's, the row that conflicts may have a different key;
// updating it would overwrite another record. The guard then sets the first key column to 1/0 for such
// a row, which strict mode with ERROR_FOR_DIVISION_BY_ZERO turns into an error for that record.
func (w *writer) upsertClause(cols []string) string {
	var sets []string
	k0 := quoteIdent(w.key[0])
	if w.guard {
		var same []string
		for _, k := range w.key {
			same = append(same, quoteIdent(k)+" <=> VALUES("+quoteIdent(k)+")")
		}
		sets = append(sets, k0+" = IF("+strings.Join(same, " AND ")+", "+k0+", 1/0)")
	}
	for _, c := range cols {
		if w.keyIndex(c) < 0 {
			sets = append(sets, quoteIdent(c)+" = VALUES("+quoteIdent(c)+")")
		}
	}
	if len(sets) == 0 {
		sets = append(sets, k0+" = "+k0)
	}
	return " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
}

// keyIndex returns the position of col in the key, or -1.
func (w *writer) keyIndex(col string) int {
	for i, k := range w.key {
		if strings.EqualFold(k, col) {
			return i
		}
	}
	return -1
}

// writeKeyIn writes the condition that matches the keys of rows: `k` = ? for one row of a one-column
// key, `k` IN (?, ...) or (`k1`, `k2`) IN ((?, ?), ...) otherwise. It returns args with the key values
// appended. A numeric key column's values are cast to its type (see keyPlaceholder).
func (w *writer) writeKeyIn(q *strings.Builder, rows []row, args []any) []any {
	for _, r := range rows {
		args = append(args, r.keys...)
	}
	marks := w.marks
	if len(w.key) == 1 && len(rows) == 1 {
		q.WriteString(quoteIdent(w.key[0]) + " = " + marks[0])
		return args
	}
	tuple := marks[0]
	if len(w.key) == 1 {
		q.WriteString(quoteIdent(w.key[0]))
	} else {
		q.WriteByte('(')
		writeIdents(q, w.key)
		q.WriteByte(')')
		tuple = "(" + strings.Join(marks, ",") + ")"
	}
	q.WriteString(" IN (")
	for i := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(tuple)
	}
	q.WriteByte(')')
	return args
}

// keyPlaceholders returns the placeholders of the key columns, in key order (keyPlaceholder).
func (w *writer) keyPlaceholders() []string {
	marks := make([]string, len(w.key))
	for i, k := range w.key {
		marks[i] = w.keyPlaceholder(k)
	}
	return marks
}

// keyPlaceholder is the placeholder of a key column's value in a comparison: CAST(? AS <type>) for an
// integer or DECIMAL column, ? otherwise. Exact numbers travel as text (a DECIMAL's digits, which no
// float holds), and MariaDB compares a numeric column with a list of strings as doubles when it scans:
// keys beyond 2^53 that round to the same double then matched each other, and a DELETE of one removed
// its neighbour.
func (w *writer) keyPlaceholder(name string) string {
	col, ok := w.ti.column(name)
	if !ok {
		return "?"
	}
	unsigned := strings.Contains(col.columnType, "unsigned")
	switch col.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		if unsigned {
			return "CAST(? AS UNSIGNED)"
		}
		return "CAST(? AS SIGNED)"
	case "decimal", "numeric":
		typ, _, _ := strings.Cut(col.columnType, " ") // decimal(20,0) [unsigned]
		return "CAST(? AS " + strings.ToUpper(typ) + ")"
	}
	return "?"
}

func writeIdents(q *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(quoteIdent(n))
	}
}
