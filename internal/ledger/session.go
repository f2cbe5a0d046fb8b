package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/onewaysync/oneway/internal/seenset"
)

// sqliteSession reads the ledger on a dedicated connection and keeps the seen keys in a seenset.Set
// (sorted runs in unlinked temporary files past a few MB), never in the state file: memory stays flat and
// a plan leaves the state untouched.
type sqliteSession struct {
	s    *SQLite
	conn *sql.Conn
	seen *seenset.Set
	// live holds, per preloaded scope, a 128-bit fingerprint of each Live entry's (key, hash).
	live map[Scope]map[[2]uint64]struct{}
	seed [2]maphash.Seed
	// empty caches, per scope, whether it held no entries when first looked up.
	empty map[Scope]bool
	// held is, per preloaded scope, the number of Live or Pending entries.
	held map[Scope]int
}

// Session opens a run's working area.
func (s *SQLite) Session(ctx context.Context) (Session, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("state: session: %w", err)
	}
	return &sqliteSession{s: s, conn: conn, seen: seenset.New(0), live: map[Scope]map[[2]uint64]struct{}{}, empty: map[Scope]bool{}, held: map[Scope]int{},
		seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}, nil
}

func (ss *sqliteSession) Close() error {
	ss.seen.Close()
	return ss.conn.Close()
}

// PreloadLimit is the largest scope Preload loads: 16 bytes of fingerprint per entry, about 20 in a Go
// map, so at most some 40 MB. Larger scopes are looked up key by key.
const PreloadLimit = 2_000_000

// Preload reads the scope's Live entries once, in one scan, so that Unchanged answers from memory; a
// read that brings every record (snapshot) then costs a map probe per unchanged record instead of a
// B-tree search. A scope larger than PreloadLimit is not loaded (memory stays flat); Preload says so.
func (ss *sqliteSession) Preload(ctx context.Context, sc Scope) (bool, error) {
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return false, err
	}
	var held, n int
	err = ss.conn.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(status = 1), 0) FROM entries WHERE scope = ? AND status IN (1, 4)", id).Scan(&held, &n)
	if err != nil {
		return false, fmt.Errorf("state: preload: %w", err)
	}
	ss.held[sc] = held
	if n == 0 || n > PreloadLimit {
		return false, nil
	}
	rows, err := ss.conn.QueryContext(ctx, "SELECT key, hash FROM entries WHERE scope = ? AND status = 1", id)
	if err != nil {
		return false, fmt.Errorf("state: preload: %w", err)
	}
	defer rows.Close()
	set := make(map[[2]uint64]struct{}, n)
	var key, hash sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &hash); err != nil {
			return false, fmt.Errorf("state: preload: %w", err)
		}
		set[fingerprint(ss.seed, key, hash)] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("state: preload: %w", err)
	}
	ss.live[sc] = set
	return true, nil
}

// Held returns how many entries of the scope were Live or Pending when Preload ran (ok false before).
func (ss *sqliteSession) Held(sc Scope) (n int, ok bool) {
	n, ok = ss.held[sc]
	return n, ok
}

// fingerprint hashes (key, hash) to 128 bits with the session's random seeds. Two different pairs share
// one with probability 2^-128: far below the chance that two different records share their SHA-256.
func fingerprint[T string | sql.RawBytes](seeds [2]maphash.Seed, key, hash T) [2]uint64 {
	var fp [2]uint64
	for i, seed := range seeds {
		var h maphash.Hash
		h.SetSeed(seed)
		writeTo(&h, key)
		h.WriteByte(0) // keys are JSON: never a NUL byte, so (key, hash) splits one way only
		writeTo(&h, hash)
		fp[i] = h.Sum64()
	}
	return fp
}

func writeTo[T string | sql.RawBytes](h *maphash.Hash, v T) {
	switch v := any(v).(type) {
	case string:
		h.WriteString(v)
	case sql.RawBytes:
		h.Write(v)
	}
}

// Unchanged reports whether the preloaded scope holds key as Live with exactly hash. False means
// "unknown" too (a scope not preloaded): Lookup then tells.
func (ss *sqliteSession) Unchanged(sc Scope, key, hash string) bool {
	set, ok := ss.live[sc]
	if !ok {
		return false
	}
	_, ok = set[fingerprint(ss.seed, key, hash)]
	return ok
}

// Lookup reads entries of keys in one query per 500 keys.
func (ss *sqliteSession) Lookup(ctx context.Context, sc Scope, keys []string) (map[string]Entry, error) {
	out := make(map[string]Entry, len(keys))
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return out, err
	}
	empty, known := ss.empty[sc]
	if !known {
		// A scope's first run (its run is recorded, so the scope exists) has nothing to look up. Entries
		// only change when a run applies, after its planning, so the answer holds for the session.
		var one int
		err := ss.conn.QueryRowContext(ctx, "SELECT 1 FROM entries WHERE scope = ? LIMIT 1", id).Scan(&one)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("state: lookup: %w", err)
		}
		empty = err == sql.ErrNoRows
		ss.empty[sc] = empty
	}
	if empty {
		return out, nil
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

// See adds keys to the seen set.
func (ss *sqliteSession) See(_ context.Context, keys []string, present []bool) error {
	for i, k := range keys {
		if err := ss.seen.Add(k, present[i]); err != nil {
			return err
		}
	}
	return nil
}

// Seal ends the read: it returns the keys seen more than once.
func (ss *sqliteSession) Seal(context.Context) ([]string, error) {
	return ss.seen.Seal()
}

// Present reports which of keys were seen as present.
func (ss *sqliteSession) Present(_ context.Context, keys []string) (map[string]bool, error) {
	return ss.seen.Contains(keys)
}

// Unseen streams the scope's Live and Pending entries missing from the seen set: the entries in key
// order (the primary key's), merged with the sorted seen keys, then each removal's doc read by key.
func (ss *sqliteSession) Unseen(ctx context.Context, sc Scope, fn func(Entry) error) error {
	id, err := ss.s.scopeID(ctx, sc, false)
	if err != nil || id == 0 {
		return err
	}
	seen, err := ss.seen.Iter()
	if err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	next, more, err := seen.Next()
	if err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	// Only the keys are scanned (most are seen); the removals' entries are read by key afterwards, when
	// the scan no longer holds the connection.
	rows, err := ss.conn.QueryContext(ctx, "SELECT key FROM entries WHERE scope = ? AND status IN (1, 4) ORDER BY key", id)
	if err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	var gone []string
	var key sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key); err != nil {
			rows.Close()
			return fmt.Errorf("state: removals: %w", err)
		}
		for more && next < string(key) {
			if next, more, err = seen.Next(); err != nil {
				rows.Close()
				return fmt.Errorf("state: removals: %w", err)
			}
		}
		if !more || next != string(key) {
			gone = append(gone, string(key))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("state: removals: %w", err)
	}
	for _, k := range gone {
		row, err := ss.conn.QueryContext(ctx, `SELECT key, tkey, tid, hash, doc, status, first_seen, last_seen
			FROM entries WHERE scope = ? AND key = ?`, id, k)
		if err != nil {
			return fmt.Errorf("state: removals: %w", err)
		}
		var found []Entry
		if err := scanEntries(row, func(e Entry) error { found = append(found, e); return nil }); err != nil {
			return fmt.Errorf("state: removals: %w", err)
		}
		for _, e := range found {
			if err := fn(e); err != nil {
				return err
			}
		}
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
