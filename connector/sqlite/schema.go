package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// kind is how the connector converts a column's values, derived from the column's declared type.
type kind uint8

const (
	kindNone    kind = iota // no declared type or BLOB: values as stored
	kindInteger             // INTEGER affinity
	kindReal                // REAL affinity: float64
	kindNumeric             // NUMERIC affinity (NUMERIC, DECIMAL(p,s), ...): int64 or float64 as stored
	kindText                // TEXT affinity
	kindBool                // BOOLEAN, BOOL: 0/1 read as bool
	kindTime                // DATETIME, TIMESTAMP...: text read as time.Time
	kindDate                // DATE: like kindTime; a midnight is written as the date alone
	kindDecimal             // DecimalType: exact decimals as text, read as json.Number
	kindJSON                // JSONType, JSON: canonical JSON text, read as maps and lists
)

// Declared types that the target gives to columns it creates, and that the source reads back as the
// canonical type. Both have TEXT affinity, so SQLite stores the text exactly as written.
const (
	// DecimalType marks a column of exact decimals (json.Number), stored as their decimal text.
	DecimalType = "DECIMAL_TEXT"
	// JSONType marks a column of objects and lists, stored as canonical JSON text.
	JSONType = "JSON_TEXT"
)

// classify maps a declared type to a kind. The names oneway gives (DecimalType, JSONType, BOOLEAN,
// TIMESTAMP, DATE) come first; everything else follows SQLite's affinity rules
// (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
func classify(declared string) kind {
	u := strings.ToUpper(strings.TrimSpace(declared))
	name := u
	if i := strings.IndexAny(name, "( "); i >= 0 {
		name = name[:i]
	}
	switch {
	case name == DecimalType:
		return kindDecimal
	case name == JSONType || name == "JSON":
		return kindJSON
	case name == "BOOLEAN" || name == "BOOL":
		return kindBool
	case name == "DATE":
		return kindDate
	case strings.Contains(u, "DATETIME") || strings.Contains(u, "TIMESTAMP"):
		return kindTime
	case strings.Contains(u, "INT"):
		return kindInteger
	case strings.Contains(u, "CHAR") || strings.Contains(u, "CLOB") || strings.Contains(u, "TEXT"):
		return kindText
	case u == "" || strings.Contains(u, "BLOB"):
		return kindNone
	case strings.Contains(u, "REAL") || strings.Contains(u, "FLOA") || strings.Contains(u, "DOUB"):
		return kindReal
	}
	return kindNumeric
}

// column is one column of a table.
type column struct {
	name      string
	declared  string
	kind      kind
	pk        int  // position in the primary key, from 1; 0 when not part of it
	generated bool // a generated column: readable, never written
}

// table is the schema of one table (or view).
type table struct {
	name   string
	cols   []column
	byName map[string]int // folded name -> index in cols
}

// column returns the column named name (compared as SQLite compares identifiers).
func (t *table) column(name string) (*column, bool) {
	i, ok := t.byName[foldName(name)]
	if !ok {
		return nil, false
	}
	return &t.cols[i], true
}

// require checks that every name is a column of t.
func (t *table) require(what string, names []string) error {
	for _, n := range names {
		if _, ok := t.column(n); !ok {
			return fmt.Errorf("table %q has no column %q (%s); add the column or fix the field name", t.name, n, what)
		}
	}
	return nil
}

// primaryKey returns the names of the primary key columns in key order.
func (t *table) primaryKey() []string {
	var pk []string
	for n := 1; ; n++ {
		found := false
		for _, c := range t.cols {
			if c.pk == n {
				pk = append(pk, c.name)
				found = true
			}
		}
		if !found {
			return pk
		}
	}
}

// querier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadTable reads the schema of the named table. It returns (nil, nil) when there is no such table.
func loadTable(ctx context.Context, q querier, name string) (*table, error) {
	// The table name is bound as a parameter, so it needs no quoting here. Hidden columns of virtual
	// tables (hidden = 1) are not part of the record; generated columns (2, 3) are.
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) WHERE hidden <> 1`, name)
	if err != nil {
		return nil, fmt.Errorf("read the schema of table %q: %w", name, classifyErr(err))
	}
	defer rows.Close()
	t := &table{name: name, byName: map[string]int{}}
	for rows.Next() {
		var c column
		var hidden int
		if err := rows.Scan(&c.name, &c.declared, &c.pk, &hidden); err != nil {
			return nil, fmt.Errorf("read the schema of table %q: %w", name, err)
		}
		c.kind = classify(c.declared)
		c.generated = hidden == 2 || hidden == 3
		t.byName[foldName(c.name)] = len(t.cols)
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the schema of table %q: %w", name, classifyErr(err))
	}
	if len(t.cols) == 0 {
		return nil, nil
	}
	return t, nil
}

// uniqueOn reports whether the table has a primary key or a unique, non-partial index of BINARY
// columns over exactly the key columns: the conflict target an upsert (ON CONFLICT) needs.
func uniqueOn(ctx context.Context, q querier, t *table, key []string) (bool, error) {
	if sameNames(t.primaryKey(), key) {
		return true, nil
	}
	var candidates []string
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND partial = 0`, t.name)
	if err != nil {
		return false, fmt.Errorf("read the indexes of table %q: %w", t.name, classifyErr(err))
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return false, err
		}
		candidates = append(candidates, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read the indexes of table %q: %w", t.name, classifyErr(err))
	}
	for _, idx := range candidates {
		cols, ok, err := indexColumns(ctx, q, idx)
		if err != nil {
			return false, fmt.Errorf("read index %q of table %q: %w", idx, t.name, classifyErr(err))
		}
		if ok && sameNames(cols, key) {
			return true, nil
		}
	}
	return false, nil
}

// indexColumns returns the key columns of an index; ok is false when the index has an expression or a
// collation other than BINARY, which an ON CONFLICT (columns) clause would not match.
func indexColumns(ctx context.Context, q querier, index string) (cols []string, ok bool, err error) {
	rows, err := q.QueryContext(ctx, `SELECT cid, name, coll FROM pragma_index_xinfo(?) WHERE key = 1`, index)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	ok = true
	for rows.Next() {
		var cid int
		var name, coll sql.NullString
		if err := rows.Scan(&cid, &name, &coll); err != nil {
			return nil, false, err
		}
		if cid < 0 || !name.Valid || !strings.EqualFold(coll.String, "BINARY") {
			ok = false
		}
		cols = append(cols, name.String)
	}
	return cols, ok, rows.Err()
}

// sameNames reports whether a and b hold the same identifiers, in any order.
func sameNames(a, b []string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	seen := make(map[string]int, len(a))
	for _, n := range a {
		seen[foldName(n)]++
	}
	for _, n := range b {
		f := foldName(n)
		if seen[f] == 0 {
			return false
		}
		seen[f]--
	}
	return true
}
