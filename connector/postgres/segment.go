package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onewaysync/oneway/connector"
)

// op is what a segment does with its rows.
type op int

const (
	opUpsert op = iota // INSERT ... ON CONFLICT (key) DO UPDATE: Create
	opInsert           // plain COPY into the table: Create with WriteRequest.Append
	opUpdate           // UPDATE the given fields by key; an absent key is ErrNotFound: Update
	opDelete           // DELETE by key
	opSoft             // UPDATE the soft-delete fields by key, as opUpdate: SoftDelete
)

// shape is the columns one change writes: the key columns first, then the record's other fields in sorted
// order.
type shape struct {
	op    op
	names []string // the record's field names, sorted, as last seen
	cols  []column
}

// segment is a run of consecutive changes with the same op and columns and no key twice (an upsert cannot
// touch a row twice), written by one statement. Rows are kept in COPY text format, one after the other, so
// that any contiguous range of them can be sent again when the segment is split.
type segment struct {
	op   op
	cols []column
	buf  []byte
	ends []int    // ends[i] is where row i ends in buf
	idx  []int    // idx[i] is the index of row i's change in the batch
	keys []string // keys[i] is row i's key values as encoded in buf, which identifies it in the segment
	seen map[string]struct{}
}

func (s *segment) rows(lo, hi int) []byte {
	start := 0
	if lo > 0 {
		start = s.ends[lo-1]
	}
	return s.buf[start:s.ends[hi-1]]
}

// segments encodes the batch into segments. A change that cannot be encoded (a missing column, a value of a
// type the column cannot take, a missing key) gets its error in results and is left out.
func (w *writer) segments(batch []connector.Change, results []connector.Result) []*segment {
	var segs []*segment
	var cur *segment
	var row, scratch []byte
	for i, ch := range batch {
		if ch.Action == connector.Unchanged {
			continue
		}
		sh, err := w.shapeOf(ch)
		if err != nil {
			results[i].Err = fmt.Errorf("write %s: %w", w.t, err)
			continue
		}
		keys, err := w.keyValues(ch)
		if err != nil {
			results[i].Err = fmt.Errorf("write %s: %w", w.t, err)
			continue
		}
		var keyEnd int
		row, scratch, keyEnd, err = w.encodeRow(row[:0], scratch, sh.cols, keys, ch.Record)
		if err != nil {
			results[i].Err = fmt.Errorf("write %s: %w", w.t, err)
			continue
		}
		keyText := string(row[:keyEnd])
		if cur == nil || cur.op != sh.op || !sameColumns(cur.cols, sh.cols) || cur.has(keyText) {
			// Rows of a batch are about the same size: room for the rest of them saves regrowing.
			cur = &segment{op: sh.op, cols: sh.cols, buf: make([]byte, 0, min(len(row)*(len(batch)-i)*5/4, 64<<20))}
			if sh.op != opInsert {
				cur.seen = map[string]struct{}{}
			}
			segs = append(segs, cur)
		}
		cur.buf = append(cur.buf, row...)
		cur.ends = append(cur.ends, len(cur.buf))
		cur.idx = append(cur.idx, i)
		cur.keys = append(cur.keys, keyText)
		if cur.seen != nil {
			cur.seen[keyText] = struct{}{}
		}
	}
	return segs
}

func (s *segment) has(key string) bool {
	_, ok := s.seen[key]
	return ok
}

func sameColumns(a, b []column) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		if a[i].name != b[i].name {
			return false
		}
	}
	return true
}

// shapeOf returns the op and the columns of a change, reusing the last shape while records keep the same
// fields (the common case: every record of a sync has the same fields).
func (w *writer) shapeOf(ch connector.Change) (shape, error) {
	var o op
	switch ch.Action {
	case connector.Create:
		o = opUpsert
		if w.append {
			o = opInsert
		}
	case connector.Update:
		o = opUpdate
	case connector.Delete:
		o = opDelete
	case connector.SoftDelete:
		o = opSoft
		if len(ch.Record) == 0 {
			return shape{}, fmt.Errorf("soft delete without fields to set")
		}
	default:
		return shape{}, fmt.Errorf("unknown action %v", ch.Action)
	}
	if o != opInsert && !w.unique {
		return shape{}, fmt.Errorf("%s by key needs a primary key or unique index on (%s) in %s", ch.Action, quoteList(w.key), w.t)
	}
	rec := ch.Record
	if o == opDelete {
		rec = nil
	}
	if w.shape.cols != nil && w.shape.op == o && len(w.shape.names) == len(rec) && hasAll(rec, w.shape.names) {
		return w.shape, nil
	}
	sh := shape{op: o, names: connector.Record(rec).Fields()}
	for _, name := range w.key {
		col, _ := w.ti.col(name) // checked at OpenWriter
		sh.cols = append(sh.cols, col)
	}
	for _, name := range sh.names {
		if isKey(w.key, name) {
			continue
		}
		if err := checkColumn(w.ti, name); err != nil {
			return shape{}, err
		}
		col, _ := w.ti.col(name)
		sh.cols = append(sh.cols, col)
	}
	if len(sh.cols) == 0 {
		return shape{}, fmt.Errorf("record has no fields to write")
	}
	if o == opSoft && len(sh.cols) == len(w.key) {
		return shape{}, fmt.Errorf("soft delete without fields to set")
	}
	w.shape = sh
	return sh, nil
}

func hasAll(rec connector.Record, names []string) bool {
	for _, n := range names {
		if _, ok := rec[n]; !ok {
			return false
		}
	}
	return true
}

func isKey(key []string, name string) bool {
	for _, k := range key {
		if k == name {
			return true
		}
	}
	return false
}

// encodeRow appends one COPY text row to buf: the key values, then the record's values, tab-separated, \N
// for NULL. It returns where the key values end, which identifies the row within a segment.
func (w *writer) encodeRow(buf, scratch []byte, cols []column, keys []any, rec connector.Record) (_, _ []byte, keyEnd int, err error) {
	nkey := len(w.key)
	for j, col := range cols {
		if j > 0 {
			buf = append(buf, '\t')
		}
		var v any
		if j < nkey {
			v = keys[j]
		} else {
			v = rec[col.name]
		}
		if s, ok := v.(string); ok && plainText(col) {
			buf = appendCopyText(buf, s)
		} else {
			var null bool
			scratch, null, err = appendText(scratch[:0], v, col)
			if err != nil {
				return buf, scratch, 0, fmt.Errorf("column %q: %w", col.name, err)
			}
			if null {
				buf = append(buf, '\\', 'N')
			} else {
				buf = appendCopyText(buf, scratch)
			}
		}
		if j == nkey-1 {
			keyEnd = len(buf)
		}
	}
	return append(buf, '\n'), scratch, keyEnd, nil
}

// plainText reports whether a string goes into column c as it is (not as JSON, bytea hex or an array).
func plainText(c column) bool {
	return c.elem == 0 && c.oid != pgtype.JSONOID && c.oid != pgtype.JSONBOID && c.oid != pgtype.ByteaOID
}
