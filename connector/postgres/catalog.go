package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// column is one column of a table as the catalog describes it.
type column struct {
	name string
	// typ is the column's type for casts, without a type modifier (character varying, not varchar(10)),
	// so that a cast never truncates or rounds: the assignment to the column checks the modifier and fails.
	// char(n) and bit(n) cast to bpchar and varbit, as "character" and "bit" alone mean a length of 1.
	typ string
	// oid is the type's OID, a domain resolved to its base type; elem is the element type's OID when the
	// column is an array, else 0.
	oid, elem uint32
	// generated is true for a GENERATED ALWAYS column, which cannot be written.
	generated bool
}

// tableInfo is what a read or a writer needs to know of a table.
type tableInfo struct {
	t      table
	oid    uint32
	cols   []column
	byName map[string]int
}

// col returns the column named name.
func (ti *tableInfo) col(name string) (column, bool) {
	i, ok := ti.byName[name]
	if !ok {
		return column{}, false
	}
	return ti.cols[i], true
}

// errNoTable is wrapped by the error for a table that does not exist.
var errNoTable = errors.New("table does not exist")

// querier is what catalog lookups need: a *pgx.Conn or a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const columnsSQL = `
SELECT a.attname::text,
       CASE a.atttypid WHEN 'bpchar'::regtype THEN 'bpchar' WHEN '_bpchar'::regtype THEN 'bpchar[]'
                       WHEN 'bit'::regtype THEN 'varbit' WHEN '_bit'::regtype THEN 'varbit[]'
                       ELSE format_type(a.atttypid, NULL) END,
       bt.oid::int8,
       CASE WHEN bt.typelem <> 0 AND bt.typlen = -1
            THEN CASE WHEN et.typtype = 'd' THEN et.typbasetype ELSE et.oid END
            ELSE 0 END::int8,
       a.attgenerated <> ''
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

// describe looks t up (through the search path when it has no schema) and returns its columns. A table
// that does not exist gives an error wrapping errNoTable that says what to check.
func describe(ctx context.Context, q querier, t table) (*tableInfo, error) {
	var oid *int64
	if err := q.QueryRow(ctx, "SELECT to_regclass($1)::oid::int8", t.sql()).Scan(&oid); err != nil {
		return nil, withDetail(err)
	}
	if oid == nil {
		where := "in the schema search path"
		if t.schema != "" {
			where = "in schema " + quoteIdent(t.schema)
		}
		return nil, fmt.Errorf("%w: no table or view %s %s (names are case-sensitive and taken as written)", errNoTable, t, where)
	}
	rows, err := q.Query(ctx, columnsSQL, *oid)
	if err != nil {
		return nil, withDetail(err)
	}
	ti := &tableInfo{t: t, oid: uint32(*oid), byName: map[string]int{}}
	for rows.Next() {
		var c column
		var base, elem int64
		if err := rows.Scan(&c.name, &c.typ, &base, &elem, &c.generated); err != nil {
			rows.Close()
			return nil, err
		}
		c.oid, c.elem = uint32(base), uint32(elem)
		ti.byName[c.name] = len(ti.cols)
		ti.cols = append(ti.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, withDetail(err)
	}
	return ti, nil
}

const uniqueSQL = `
SELECT ARRAY(SELECT a.attname::text
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
FROM pg_index i
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indimmediate
  AND i.indpred IS NULL AND i.indexprs IS NULL`

// hasUniqueIndex reports whether the table has a primary key or a unique index (not partial, not on
// expressions, not deferrable) on exactly the columns of key, in any order: the index that
// INSERT ... ON CONFLICT (key) needs as its arbiter.
func hasUniqueIndex(ctx context.Context, q querier, ti *tableInfo, key []string) (bool, error) {
	rows, err := q.Query(ctx, uniqueSQL, int64(ti.oid))
	if err != nil {
		return false, withDetail(err)
	}
	want := slices.Sorted(slices.Values(key))
	found := false
	for rows.Next() {
		var cols []string
		if err := rows.Scan(&cols); err != nil {
			rows.Close()
			return false, err
		}
		slices.Sort(cols)
		if slices.Equal(cols, want) {
			found = true
		}
	}
	return found, withDetail(rows.Err())
}
