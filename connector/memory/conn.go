package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/onewaysync/oneway/connector"
)

// Register adds the kind "memory" to r. Every connection it opens reads and writes st. The kind has no
// settings; any setting is rejected.
func Register(r *connector.Registry, st *Store) {
	r.Register(connector.Kind{
		Name: "memory",
		New: func(s connector.Settings, _ connector.Env) (connector.Conn, error) {
			if err := s.Check(); err != nil {
				return nil, err
			}
			return Open(st), nil
		},
	})
}

// Open returns a connection to st, as the registered kind does.
func Open(st *Store) *Conn { return &Conn{store: st} }

// Conn is a connection to a Store. It is a Source, a CursorSource and a Target.
type Conn struct {
	store  *Store
	closed atomic.Bool
}

var errClosed = errors.New("memory: connection is closed")

// Store returns the store the connection reads and writes.
func (c *Conn) Store() *Store { return c.store }

// Close marks the connection closed; later calls to open reads or writers fail. Readers and writers
// already open keep working. Closing twice is harmless.
func (c *Conn) Close() error {
	c.closed.Store(true)
	return nil
}

// Read opens a snapshot of the stream taken now, in ascending order of the stream's key (ReadRequest.Key
// does not re-key it). A missing stream is an error.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	st := c.store.streamLocked(req.Stream, false)
	if st == nil {
		return nil, missingStream(req.Stream)
	}
	return c.store.newReaderLocked(req.Stream, req.BatchSize, st.snapshot()), nil
}

// ReadCursor returns the records whose (Cursor..., Key...) tuple is >= From, ascending, after the records
// with a NULL (or absent) cursor field, which come first every time, in key order. Key defaults to the
// stream's key. From must be nil or hold at most one value per cursor and key field (a shorter From
// compares that prefix of the tuple); stored positions decoded by
// connector.DecodeKey compare correctly (numbers of any canonical type by value, RFC 3339 strings with
// times). A missing stream is an error.
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	if len(req.Cursor) == 0 {
		return nil, fmt.Errorf("read %s: a cursor read needs at least one cursor field", req.Stream)
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	st := c.store.streamLocked(req.Stream, false)
	if st == nil {
		return nil, missingStream(req.Stream)
	}
	key := req.Key
	if len(key) == 0 {
		key = st.key
	}
	if len(req.From) > len(req.Cursor)+len(key) {
		return nil, fmt.Errorf("read %s: cursor position has %d values, want at most %d (cursor %v then key %v)",
			req.Stream, len(req.From), len(req.Cursor)+len(key), req.Cursor, key)
	}
	recs, err := cursorOrder(st.snapshot(), req.Cursor, key, req.From)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	return c.store.newReaderLocked(req.Stream, req.BatchSize, recs), nil
}

// cursorOrder selects and orders records for a cursor read.
func cursorOrder(recs []connector.Record, cursor, key []string, from []any) ([]connector.Record, error) {
	type item struct {
		tuple []any
		null  bool
		rec   connector.Record
	}
	items := make([]item, 0, len(recs))
	for _, r := range recs {
		kv, err := connector.KeyValues(r, key)
		if err != nil {
			return nil, err
		}
		it := item{rec: r}
		for _, f := range cursor {
			v := r[f]
			it.null = it.null || v == nil
			it.tuple = append(it.tuple, v)
		}
		it.tuple = append(it.tuple, kv...)
		if it.null {
			it.tuple = kv // nulls are ordered by key alone
		} else if from != nil && compareTuples(it.tuple, from) < 0 {
			continue
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if a.null != b.null {
			if a.null {
				return -1
			}
			return 1
		}
		return compareTuples(a.tuple, b.tuple)
	})
	out := make([]connector.Record, len(items))
	for i, it := range items {
		out[i] = it.rec
	}
	return out, nil
}

// OpenWriter opens a writer on a stream. Settings (WriteRequest.Options):
//
//	create_table   bool  create the stream if it is missing (default false: a missing stream is an error)
//	transactional  bool  return a connector.Committer: changes become visible only at Commit
//	non_idempotent bool  the writer reports connector.NonIdempotent (stands for a chat channel)
//
// A non-empty WriteRequest.Key re-keys the stream; that fails if a stored record lacks a key field.
func (c *Conn) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	if err := req.Options.Check("create_table", "transactional", "non_idempotent"); err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	create, err := req.Options.Bool("create_table", false)
	if err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	tx, err := req.Options.Bool("transactional", false)
	if err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	nonIdem, err := req.Options.Bool("non_idempotent", false)
	if err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	if req.Stream == "" {
		return nil, errors.New("open writer: the stream name is empty")
	}
	c.store.mu.Lock()
	st := c.store.streamLocked(req.Stream, create)
	if st == nil {
		c.store.mu.Unlock()
		return nil, fmt.Errorf("open writer on %s: the stream does not exist; create it with Store.CreateStream or set create_table: true", req.Stream)
	}
	if len(req.Key) > 0 {
		err = st.rekey(req.Key)
	}
	key := slices.Clone(st.key)
	c.store.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", req.Stream, err)
	}
	w := &writer{store: c.store, stream: req.Stream, key: key, append: req.Append, nonIdempotent: nonIdem}
	if tx {
		return &txWriter{writer: w}, nil
	}
	return w, nil
}

func (c *Conn) usable(ctx context.Context) error {
	if c.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}

func missingStream(name string) error {
	return fmt.Errorf("read %s: the stream does not exist in the memory store (create it with Store.CreateStream or Store.Put)", name)
}

var (
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
