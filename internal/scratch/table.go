package scratch

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Table is a scratch table. It is used by one goroutine.
type Table struct {
	db  *sql.DB
	dir string
}

// New creates an empty table in a temporary directory.
func New(ctx context.Context) (*Table, error) {
	dir, err := os.MkdirTemp("", "oneway-scratch-")
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scratch.db")+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("scratch: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB, marked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID"); err != nil {
		db.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("scratch: %w", err)
	}
	return &Table{db: db, dir: dir}, nil
}

// Put stores pairs (keys[i] -> vals[i]) and returns the keys that were already present.
func (t *Table) Put(ctx context.Context, keys []string, vals [][]byte) (dups []string, err error) {
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT DO NOTHING")
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for i, k := range keys {
		res, err := st.ExecContext(ctx, k, vals[i])
		if err != nil {
			return nil, fmt.Errorf("scratch: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			dups = append(dups, k)
		}
	}
	return dups, tx.Commit()
}

// Take returns the value of key and marks it, or ok false when it is absent.
func (t *Table) Take(ctx context.Context, key string) (val []byte, ok bool, err error) {
	err = t.db.QueryRowContext(ctx, "UPDATE kv SET marked = 1 WHERE k = ? RETURNING v", key).Scan(&val)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("scratch: %w", err)
	}
	return val, true, nil
}

// Unmarked calls fn for every pair not taken, in key order.
func (t *Table) Unmarked(ctx context.Context, fn func(key string, val []byte) error) error {
	rows, err := t.db.QueryContext(ctx, "SELECT k, v FROM kv WHERE marked = 0 ORDER BY k")
	if err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Close removes the table.
func (t *Table) Close() error {
	err := t.db.Close()
	os.RemoveAll(t.dir)
	return err
}
