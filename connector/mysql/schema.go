package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// column is one column of a table, as information_schema describes it.
type column struct {
	name       string
	dataType   string // DATA_TYPE, lower case: int, varchar, longtext ...
	columnType string // COLUMN_TYPE, lower case: tinyint(1), bigint(20) unsigned ...
	// json: a MySQL JSON column, or a MariaDB one (JSON is an alias of LONGTEXT with a CHECK
	// (json_valid(`col`)) constraint there, which is how it is recognized).
	json bool
	// required: NOT NULL without a default, not AUTO_INCREMENT, not generated. An INSERT must give it a
	// value, even one that ends as ON DUPLICATE KEY UPDATE of an existing row.
	required bool
}

// isTinyint1 reports a TINYINT(1) column (BOOL and BOOLEAN are aliases of it).
func (c column) isTinyint1() bool { return strings.HasPrefix(c.columnType, "tinyint(1)") }

// isTemporal reports DATE, DATETIME and TIMESTAMP columns.
func (c column) isTemporal() bool {
	switch c.dataType {
	case "date", "datetime", "timestamp":
		return true
	}
	return false
}

// tableInfo describes a table (or view) that a stream names.
type tableInfo struct {
	t       table
	engine  string // empty for a view
	columns []column
	byName  map[string]int // lower-cased column name -> index in columns (names are case-insensitive)
}

// column returns the column named name (case-insensitively).
func (ti *tableInfo) column(name string) (column, bool) {
	i, ok := ti.byName[strings.ToLower(name)]
	if !ok {
		return column{}, false
	}
	return ti.columns[i], true
}

// requireColumns returns an error naming the first of names that is not a column of the table.
func (ti *tableInfo) requireColumns(what string, names []string) error {
	for _, n := range names {
		if _, ok := ti.column(n); !ok {
			return fmt.Errorf("%s field %q is not a column of table %s: add the column or fix the field name", what, n, ti.t)
		}
	}
	return nil
}

// querier is what loading metadata needs: a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// errNoTable is wrapped by the error for a stream whose table does not exist.
var errNoTable = errors.New("table does not exist")

// loadTable reads the columns of t. A missing table (or one the user may not see) is an error that wraps
// errNoTable, never an empty table.
func loadTable(ctx context.Context, q querier, t table) (*tableInfo, error) {
	ti := &tableInfo{t: t, byName: map[string]int{}}
	var engine sql.NullString
	err := queryRows(ctx, q, func(rows *sql.Rows) error { return rows.Scan(&engine) },
		"SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", t.db, t.name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	hasLongtext := false
	err = queryRows(ctx, q, func(rows *sql.Rows) error {
		var c column
		var nullable, extra string
		var def sql.NullString
		if err := rows.Scan(&c.name, &c.dataType, &c.columnType, &nullable, &def, &extra); err != nil {
			return err
		}
		extra = strings.ToLower(extra)
		c.required = nullable == "NO" && !def.Valid &&
			!strings.Contains(extra, "auto_increment") && !strings.Contains(extra, "generated")
		c.dataType = strings.ToLower(c.dataType)
		c.columnType = strings.ToLower(c.columnType)
		c.json = c.dataType == "json"
		hasLongtext = hasLongtext || c.dataType == "longtext"
		ti.byName[strings.ToLower(c.name)] = len(ti.columns)
		ti.columns = append(ti.columns, c)
		return nil
	}, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS"+
		" WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", t.db, t.name)
	if err != nil {
		return nil, fmt.Errorf("look up columns of %s: %w", t, err)
	}
	if len(ti.columns) == 0 {
		return nil, fmt.Errorf("%w (or this user may not see it): create it or fix the stream name", errNoTable)
	}
	ti.engine = engine.String
	if hasLongtext {
		if err := ti.findJSONColumns(ctx, q); err != nil {
			return nil, err
		}
	}
	return ti, nil
}

// findJSONColumns marks the MariaDB JSON columns: LONGTEXT with a CHECK (json_valid(`col`)) constraint.
// MySQL has a real JSON type and a CHECK_CONSTRAINTS view without TABLE_NAME; the query then fails
// with "unknown column" and there is nothing to find.
func (ti *tableInfo) findJSONColumns(ctx context.Context, q querier) error {
	err := queryRows(ctx, q, func(rows *sql.Rows) error {
		var clause string
		if err := rows.Scan(&clause); err != nil {
			return err
		}
		for i, c := range ti.columns {
			if c.dataType == "longtext" && strings.EqualFold(clause, "json_valid("+quoteIdent(c.name)+")") {
				ti.columns[i].json = true
			}
		}
		return nil
	}, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?",
		ti.t.db, ti.t.name)
	if n := serverErrNumber(err); n == erBadField || n == erUnknownTable {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up JSON columns of %s: %w", ti.t, err)
	}
	return nil
}

// uniqueKeys returns the PRIMARY and UNIQUE indexes of the table: index name -> columns in index order.
func uniqueKeys(ctx context.Context, q querier, t table) (map[string][]string, error) {
	keys := map[string][]string{}
	err := queryRows(ctx, q, func(rows *sql.Rows) error {
		var index, col string
		if err := rows.Scan(&index, &col); err != nil {
			return err
		}
		keys[index] = append(keys[index], col)
		return nil
	}, "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"+
		" WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX", t.db, t.name)
	if err != nil {
		return nil, fmt.Errorf("look up unique keys of %s: %w", t, err)
	}
	return keys, nil
}

// queryRows runs query and calls scan for each row.
func queryRows(ctx context.Context, q querier, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
