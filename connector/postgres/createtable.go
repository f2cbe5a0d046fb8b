package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onewaysync/oneway/connector"
)

// createTable creates the missing target table (create_table: true) from the first batch that writes
// records: one column per key and mapped field (WriteRequest.Fields, or the fields of the batch's records
// when the sync has no map), typed after the first non-null value (see columnType), and a primary key on
// the key, except in append mode, where one key holds many rows. It reports done when the batch holds no record to write: a delete of a row in a table that does
// not exist has nothing to do.
func (w *writer) createTable(ctx context.Context, conn *pgxpool.Conn, batch []connector.Change) (done bool, err error) {
	values := map[string]any{}
	names := append([]string(nil), w.key...)
	add := func(name string, v any) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		if values[name] == nil {
			values[name] = v
		}
	}
	for _, name := range w.fields {
		add(name, nil)
	}
	writes := false
	for _, ch := range batch {
		if ch.Action != connector.Create && ch.Action != connector.Update {
			continue
		}
		writes = true
		for i, v := range ch.Key {
			if i < len(w.key) {
				add(w.key[i], v)
			}
		}
		for _, name := range ch.Record.Fields() {
			if w.fields == nil || slices.Contains(w.fields, name) {
				add(name, ch.Record[name])
			}
		}
	}
	if !writes {
		return true, nil
	}
	defs := make([]string, len(names))
	for i, name := range names {
		defs[i] = quoteIdent(name) + " " + columnType(values[name])
	}
	if len(w.key) > 0 && !w.append {
		defs = append(defs, "PRIMARY KEY ("+quoteList(w.key)+")")
	}
	ddl := "CREATE TABLE IF NOT EXISTS " + w.t.sql() + " (" + strings.Join(defs, ", ") + ")"
	if _, err := conn.Exec(ctx, ddl); err != nil {
		return false, fmt.Errorf("create table: %w", w.c.classify(ctx, withDetail(err)))
	}
	w.c.logger.Info("created the target table", "table", w.t.String())
	ti, err := describe(ctx, conn, w.t)
	if err != nil {
		return false, w.c.classify(ctx, err)
	}
	return false, w.setTable(ctx, conn, ti)
}

// columnType is the column type create_table gives a field whose first non-null value is v.
func columnType(v any) string {
	switch v.(type) {
	case int64:
		return "bigint"
	case float64:
		return "double precision"
	case json.Number:
		return "numeric"
	case bool:
		return "boolean"
	case []byte:
		return "bytea"
	case time.Time:
		return "timestamp with time zone"
	case []any, map[string]any:
		return "jsonb"
	}
	return "text"
}
