package memory

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/onewaysync/oneway/connector"
)

// defaultKey is the key of a stream until SetKey or a writer with a WriteRequest.Key says otherwise.
var defaultKey = []string{"id"}

// Store holds named streams of records. It is safe for concurrent use. The zero value is not usable; call
// NewStore. Seeding and inspection methods (Put, Delete, SetKey) panic on invalid input, as they are
// called by tests with fixed data: a panic there is a bug in the test.
type Store struct {
	mu       sync.Mutex
	streams  map[string]*stream
	controls map[string]*control
}

// stream is one stream's records, indexed by the canonical encoding of their key.
type stream struct {
	key  []string
	rows map[string]*row
}

// row holds the records of one key: exactly one, except after writes in Append mode.
type row struct {
	key  []any
	recs []connector.Record
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{streams: map[string]*stream{}, controls: map[string]*control{}}
}

// CreateStream creates an empty stream keyed by "id" if it does not exist yet; an existing stream is left
// as it is.
func (s *Store) CreateStream(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streamLocked(name, true)
}

// SetKey sets the fields that identify the records of a stream (creating the stream if needed) and
// re-indexes the records it holds. It panics if fields is empty or a record lacks a key field.
func (s *Store) SetKey(name string, fields ...string) {
	if len(fields) == 0 {
		panic("memory: SetKey needs at least one field")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.streamLocked(name, true).rekey(fields); err != nil {
		panic(fmt.Sprintf("memory: SetKey(%q): %v", name, err))
	}
}

// Put stores records in a stream (creating it if needed), replacing the records with the same key.
// Values are normalized (connector.Normalize) and copied. It panics on a record without its key
// fields or with a value that has no canonical form.
func (s *Store) Put(name string, recs ...connector.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streamLocked(name, true)
	for _, r := range recs {
		c, err := canonicalRecord(r)
		if err != nil {
			panic(fmt.Sprintf("memory: Put(%q): %v", name, err))
		}
		key, err := connector.KeyValues(c, st.key)
		if err != nil {
			panic(fmt.Sprintf("memory: Put(%q): %v", name, err))
		}
		enc, err := connector.EncodeKey(key)
		if err != nil {
			panic(fmt.Sprintf("memory: Put(%q): %v", name, err))
		}
		st.rows[enc] = &row{key: key, recs: []connector.Record{c}}
	}
}

// Delete removes the records with the given key values (in the order of the stream's key fields).
// Deleting from a missing stream or an absent key does nothing.
func (s *Store) Delete(name string, key ...any) {
	enc, err := connector.EncodeKey(key)
	if err != nil {
		panic(fmt.Sprintf("memory: Delete(%q): %v", name, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.streamLocked(name, false); st != nil {
		delete(st.rows, enc)
	}
}

// Records returns copies of a stream's records sorted by key (records written with the same key in
// Append mode in the order they were written). A missing stream gives nil; an empty one an empty slice.
func (s *Store) Records(name string) []connector.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streamLocked(name, false)
	if st == nil {
		return nil
	}
	return st.snapshot()
}

// Streams returns the names of the streams that exist, sorted.
func (s *Store) Streams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.streams))
	for n := range s.streams {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// streamLocked returns the named stream, creating it when create is true; nil if it is missing.
func (s *Store) streamLocked(name string, create bool) *stream {
	st, ok := s.streams[name]
	if !ok && create {
		st = &stream{key: slices.Clone(defaultKey), rows: map[string]*row{}}
		s.streams[name] = st
	}
	return st
}

// rekey indexes the stream's records by other key fields.
func (st *stream) rekey(fields []string) error {
	if slices.Equal(st.key, fields) {
		return nil
	}
	rows := make(map[string]*row, len(st.rows))
	for _, old := range st.sortedRows() {
		for _, r := range old.recs {
			key, err := connector.KeyValues(r, fields)
			if err != nil {
				return fmt.Errorf("cannot key the stream by %v: %w", fields, err)
			}
			enc, err := connector.EncodeKey(key)
			if err != nil {
				return err
			}
			if nr, ok := rows[enc]; ok {
				nr.recs = append(nr.recs, r)
			} else {
				rows[enc] = &row{key: key, recs: []connector.Record{r}}
			}
		}
	}
	st.key, st.rows = slices.Clone(fields), rows
	return nil
}

// sortedRows returns the rows in ascending key order.
func (st *stream) sortedRows() []*row {
	rows := make([]*row, 0, len(st.rows))
	for _, r := range st.rows {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return compareTuples(rows[i].key, rows[j].key) < 0 })
	return rows
}

// snapshot returns copies of every record in key order.
func (st *stream) snapshot() []connector.Record {
	out := make([]connector.Record, 0, len(st.rows))
	for _, r := range st.sortedRows() {
		for _, rec := range r.recs {
			out = append(out, copyRecord(rec))
		}
	}
	return out
}

// canonicalRecord returns a normalized deep copy of r.
func canonicalRecord(r connector.Record) (connector.Record, error) {
	out := make(connector.Record, len(r))
	for k, v := range r {
		n, err := connector.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out[k] = copyValue(n)
	}
	return out, nil
}

// copyRecord returns a deep copy of a canonical record, so that callers never share memory with the
// store.
func copyRecord(r connector.Record) connector.Record {
	out := make(connector.Record, len(r))
	for k, v := range r {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return slices.Clone(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	default:
		return v
	}
}
