package sqlite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// shape is a set of columns that records write, checked against the table once, with its statements'
// SQL. The records of a sync nearly always share one shape, so the per-record work is a few map
// lookups and the encoding of the values.
type shape struct {
	cols    []string // sorted
	kinds   []kind
	keyPos  []int // per column: the index in Change.Key it is taken from (the record lacks it), or -1
	setIdx  []int // the non-key columns, which an UPDATE sets
	fromRec int   // how many columns come from the record

	insertSQL, upsertSQL, updateSQL string
}

// fits reports whether rec has exactly the fields the shape takes from records.
func (s *shape) fits(rec connector.Record) bool {
	if len(rec) != s.fromRec {
		return false
	}
	for i, c := range s.cols {
		if s.keyPos[i] < 0 {
			if _, ok := rec[c]; !ok {
				return false
			}
		}
	}
	return true
}

// bind encodes the values of ch for the shape's columns, in order.
func (s *shape) bind(ch connector.Change) ([]any, error) {
	args := make([]any, len(s.cols))
	for i, c := range s.cols {
		var v any
		if p := s.keyPos[i]; p >= 0 {
			v = ch.Key[p]
		} else {
			v = ch.Record[c]
		}
		e, err := encode(s.kinds[i], v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", c, err)
		}
		args[i] = e
	}
	return args, nil
}

// shapeOf returns the shape of rec; withKey adds the key fields the record lacks (taken from
// Change.Key). A field that has no writable column of the table is an error for this record only.
func (w *writer) shapeOf(rec connector.Record, withKey bool) (*shape, error) {
	slot := 0
	if withKey {
		slot = 1
	}
	if s := w.last[slot]; s != nil && s.fits(rec) {
		return s, nil
	}
	names := make([]string, 0, len(rec)+len(w.key))
	for f := range rec {
		names = append(names, f)
	}
	keyPos := map[string]int{}
	if withKey {
		for i, k := range w.key {
			if _, ok := rec[k]; !ok {
				names = append(names, k)
				keyPos[k] = i
			}
		}
	}
	slices.Sort(names)
	sig := fmt.Sprintf("%d\x00%s", slot, strings.Join(names, "\x00"))
	if s, ok := w.shapes[sig]; ok && s.fits(rec) {
		w.last[slot] = s
		return s, nil
	}
	s, err := w.newShape(names, keyPos, len(rec))
	if err != nil {
		return nil, err
	}
	w.shapes[sig] = s
	w.last[slot] = s
	return s, nil
}

func (w *writer) newShape(names []string, keyPos map[string]int, fromRec int) (*shape, error) {
	isKey := make(map[string]bool, len(w.key))
	for _, k := range w.key {
		isKey[foldName(k)] = true
	}
	s := &shape{cols: names, fromRec: fromRec, kinds: make([]kind, len(names)), keyPos: make([]int, len(names))}
	seen := make(map[string]string, len(names))
	var set []string
	for i, f := range names {
		col, ok := w.t.column(f)
		if !ok {
			return nil, fmt.Errorf("table %q has no column %q; add the column to the table or leave the field out of the map", w.stream, f)
		}
		if col.generated {
			return nil, fmt.Errorf("column %q of table %q is generated and cannot be written", f, w.stream)
		}
		folded := foldName(f)
		if other, dup := seen[folded]; dup {
			return nil, fmt.Errorf("fields %q and %q name the same column; SQLite column names ignore case", other, f)
		}
		seen[folded] = f
		s.kinds[i] = col.kind
		s.keyPos[i] = -1
		if p, ok := keyPos[f]; ok {
			s.keyPos[i] = p
		}
		if !isKey[folded] {
			s.setIdx = append(s.setIdx, i)
			set = append(set, f)
		}
	}
	table := quoteIdent(w.stream)
	s.insertSQL = "INSERT INTO " + table + " (" + quoteList(names) + ") VALUES (" + placeholders(len(names)) + ")"
	s.upsertSQL = s.insertSQL + " ON CONFLICT (" + quoteList(w.key) + ") DO "
	if len(set) == 0 {
		s.upsertSQL += "NOTHING"
	} else {
		parts := make([]string, len(set))
		for i, c := range set {
			parts[i] = quoteIdent(c) + " = excluded." + quoteIdent(c)
		}
		s.upsertSQL += "UPDATE SET " + strings.Join(parts, ", ")
	}
	if len(w.key) > 0 && len(set) > 0 {
		s.updateSQL = "UPDATE " + table + " SET " + assignments(set) + " WHERE " + keyCond(w.key)
	}
	return s, nil
}

func assignments(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteIdent(c) + " = ?"
	}
	return strings.Join(parts, ", ")
}

func keyCond(key []string) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = quoteIdent(k) + " = ?"
	}
	return strings.Join(parts, " AND ")
}
