package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// sqliteSession keeps the seen set in a TEMP table of one dedicated connection. SQLite keeps TEMP
// tables in a scratch file of their own (temp_store=FILE), never in the state file, and drops them
// with the connection, so memory stays flat and a plan leaves the state untouched.
type sqliteSession struct {
	s    *SQLite
	conn *sql.Conn
}

// Session opens a run's working area.
func (s *SQLite) Session(ctx context.Context) (Session, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("state: session: %w", err)
	}
	for _, q := range []string{
		"PRAGMA temp_store = FILE",
		"DROP TABLE IF EXISTS temp.seen",
		"CREATE TEMP TABLE seen (key TEXT PRIMARY KEY, present INTEGER NOT NULL) WITHOUT ROWID",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			return nil, fmt.Errorf("state: session: %w", err)
		}
	}
	return &sqliteSession{s: s, conn: conn}, nil
}

func (ss *sqliteSession) Close() error {
	// The connection goes back to the pool: drop the table so the next session starts empty.
	_, err := ss.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.seen")
	if cerr := ss.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lookup reads entries of keys in one query per 500 keys.
func (ss *sqliteSession) Lookup(ctx context.Context, sc Scope, keys []string) (map[string]Entry, error) {
	out := make(map[string]Entry, len(keys))
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return out, err
	}
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, len(part)+1)
		args = append(args, id)
		for _, k := range part {
			args = append(args, k)
		}
		// The doc is left out: most lookups find the record unchanged and never need it (see Doc).
		rows, err := ss.conn.QueryContext(ctx, `SELECT key, tkey, tid, hash, NULL, status, first_seen, last_seen
			FROM entries WHERE scope = ? AND key IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
		if err := scanEntries(rows, func(e Entry) error { out[e.Key] = e; return nil }); err != nil {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
	}
	return out, nil
}

func scanEntries(rows *sql.Rows, fn func(Entry) error) error {
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var status int
		var first, last int64
		if err := rows.Scan(&e.Key, &e.TargetKey, &e.TargetID, &e.Hash, &e.Doc, &status, &first, &last); err != nil {
			return err
		}
		e.Status = Status(status)
		e.FirstSeen = time.UnixMilli(first).UTC()
		e.LastSeen = time.UnixMilli(last).UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// See inserts keys into the seen set; the keys it could not insert are duplicates.
func (ss *sqliteSession) See(ctx context.Context, keys []string, present []bool) ([]string, error) {
	var dups []string
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, 2*len(part))
		for i, k := range part {
			args = append(args, k, present[start+i])
		}
		rows, err := ss.conn.QueryContext(ctx, "INSERT INTO temp.seen (key, present) VALUES "+
			valueRows(len(part))+" ON CONFLICT DO NOTHING RETURNING key", args...)
		if err != nil {
			return nil, fmt.Errorf("state: seen set: %w", err)
		}
		inserted := make(map[string]bool, len(part))
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("state: seen set: %w", err)
			}
			inserted[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("state: seen set: %w", err)
		}
		for _, k := range part {
			if inserted[k] {
				delete(inserted, k) // a second occurrence in the same chunk is a duplicate too
				continue
			}
			dups = append(dups, k)
		}
	}
	return dups, nil
}

func valueRows(n int) string {
	b := make([]byte, 0, n*5)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "(?, ?)"...)
	}
	return string(b)
}

// Present reports whether key was seen as present.
func (ss *sqliteSession) Present(ctx context.Context, key string) (bool, error) {
	var n int
	err := ss.conn.QueryRowContext(ctx, "SELECT count(*) FROM temp.seen WHERE key = ? AND present = 1", key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("state: seen set: %w", err)
	}
	return n > 0, nil
}

// Unseen streams the scope's Live and Pending entries missing from the seen set: one indexed scan.
func (ss *sqliteSession) Unseen(ctx context.Context, sc Scope, fn func(Entry) error) error {
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return err
	}
	rows, err := ss.conn.QueryContext(ctx, `SELECT key, tkey, tid, hash, doc, status, first_seen, last_seen
		FROM entries WHERE scope = ? AND status IN (1, 4) AND key NOT IN (SELECT key FROM temp.seen WHERE present = 1) ORDER BY key`, id)
	if err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	if err := scanEntries(rows, fn); err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	return nil
}

// Doc returns the doc last written for a key (nil when there is none).
func (ss *sqliteSession) Doc(ctx context.Context, sc Scope, key string) ([]byte, error) {
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return nil, err
	}
	var doc []byte
	err = ss.conn.QueryRowContext(ctx, "SELECT doc FROM entries WHERE scope = ? AND key = ?", id, key).Scan(&doc)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: doc: %w", err)
	}
	return doc, nil
}
