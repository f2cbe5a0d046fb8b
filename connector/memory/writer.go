package memory

import (
	"context"
	"errors"
	"fmt"

	"github.com/onewaysync/oneway/connector"
)

// writer applies changes to a stream as they come. Create upserts by key (or adds a record in Append
// mode); Update and SoftDelete merge the given fields into the record, and reject a key the stream
// does not hold with connector.ErrNotFound; Delete removes every record of the key and succeeds when there is none. The memory target
// assigns no ids of its own (Result.ID is empty). A batch is applied under the store's lock, so readers
// never see half of one.
type writer struct {
	store  *Store
	stream string
	key    []string
	append bool
	closed bool

	nonIdempotent bool
}

// staged is a validated change, ready to be applied.
type staged struct {
	action connector.Action
	enc    string
	key    []any
	rec    connector.Record
}

// Apply applies batch and returns one Result per change. A change that is invalid (wrong number of key
// values, a value with no canonical form, a record whose key fields disagree with Change.Key, the
// Unchanged action) or rejected by FailApply gets a permanent Result.Err; the others are applied. An
// error from Apply itself (closed writer, canceled context, FailBatchAfter) means nothing was applied.
func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	results, ok, err := w.prepare(ctx, batch, nil)
	if err != nil {
		return nil, err
	}
	if err := w.store.applyStaged(w, ok, false); err != nil {
		return nil, err
	}
	if err := w.store.lostAck(w.stream); err != nil {
		return nil, fmt.Errorf("apply to %s: %w", w.stream, err)
	}
	return results, nil
}

// NonIdempotent reports what the write option non_idempotent said: tests use it to stand for a target
// that cannot upsert, such as a chat channel.
func (w *writer) NonIdempotent() bool { return w.nonIdempotent }

// Close releases the writer. Applying after Close is an error.
func (w *writer) Close() error {
	w.closed = true
	return nil
}

// prepare counts the call, checks the batch-level faults and validates each change. pending holds changes
// staged earlier and not applied yet (a transactional writer's), which count when checking that an
// Update's record exists.
func (w *writer) prepare(ctx context.Context, batch []connector.Change, pending []staged) ([]connector.Result, []staged, error) {
	if w.closed {
		return nil, nil, fmt.Errorf("apply to %s: %w", w.stream, errors.New("writer is closed"))
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("apply to %s: %w", w.stream, err)
	}
	fault, err := w.store.beginApply(w.stream, len(batch))
	if err != nil {
		return nil, nil, fmt.Errorf("apply to %s: %w", w.stream, err)
	}
	results := make([]connector.Result, len(batch))
	ok := make([]staged, 0, len(batch))
	for i, c := range batch {
		s, err := w.stage(c)
		if fault != nil {
			if ferr := fault(c); ferr != nil {
				err = fmt.Errorf("rejected by injected fault: %w", ferr)
			}
		}
		if err == nil && (s.action == connector.Update || s.action == connector.SoftDelete) &&
			!w.holds(s.enc, pending, ok) {
			err = connector.ErrNotFound
		}
		if err != nil {
			results[i].Err = fmt.Errorf("%s in %s, key %v: %w", c.Action, w.stream, c.Key, err)
			continue
		}
		ok = append(ok, s)
	}
	return results, ok, nil
}

// holds reports whether the record of key enc will exist once the changes staged before it are applied.
func (w *writer) holds(enc string, staged ...[]staged) bool {
	w.store.mu.Lock()
	st := w.store.streamLocked(w.stream, false)
	exists := false
	if st != nil {
		_, exists = st.rows[enc]
	}
	w.store.mu.Unlock()
	for _, list := range staged {
		for _, s := range list {
			if s.enc != enc {
				continue
			}
			switch s.action {
			case connector.Create:
				exists = true
			case connector.Delete:
				exists = false
			}
		}
	}
	return exists
}

// stage validates one change and copies what it carries.
func (w *writer) stage(c connector.Change) (staged, error) {
	switch c.Action {
	case connector.Create, connector.Update, connector.Delete, connector.SoftDelete:
	default:
		return staged{}, fmt.Errorf("action %v cannot be applied", c.Action)
	}
	if len(c.Key) != len(w.key) {
		return staged{}, fmt.Errorf("got %d key values for key fields %v", len(c.Key), w.key)
	}
	s := staged{action: c.Action, key: make([]any, len(c.Key))}
	for i, v := range c.Key {
		n, err := connector.Normalize(v)
		if err != nil {
			return staged{}, fmt.Errorf("key field %q: %w", w.key[i], err)
		}
		if n == nil {
			return staged{}, fmt.Errorf("key field %q is null", w.key[i])
		}
		s.key[i] = copyValue(n)
	}
	enc, err := connector.EncodeKey(s.key)
	if err != nil {
		return staged{}, err
	}
	s.enc = enc
	if c.Action == connector.Delete {
		return s, nil
	}
	if s.rec, err = canonicalRecord(c.Record); err != nil {
		return staged{}, err
	}
	for i, f := range w.key {
		v, present := s.rec[f]
		switch {
		case present && compareValues(v, s.key[i]) != 0:
			return staged{}, fmt.Errorf("record field %q = %v disagrees with the change's key value %v", f, v, s.key[i])
		case !present && c.Action != connector.SoftDelete:
			s.rec[f] = s.key[i]
		}
	}
	return s, nil
}

// applyStaged applies validated changes to the writer's stream in one critical section. For a commit it
// first checks the injected commit fault.
func (s *Store) applyStaged(w *writer, changes []staged, commit bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.controlLocked(w.stream).commitErr; commit && err != nil {
		return fmt.Errorf("commit %s: %w", w.stream, err)
	}
	st := s.streamLocked(w.stream, true)
	if err := st.rekey(w.key); err != nil {
		return fmt.Errorf("apply to %s: %w", w.stream, err)
	}
	for _, c := range changes {
		st.apply(c, w.append)
	}
	return nil
}

func (st *stream) apply(c staged, appendMode bool) {
	r, exists := st.rows[c.enc]
	switch c.action {
	case connector.Create:
		if appendMode && exists {
			r.recs = append(r.recs, c.rec)
			return
		}
		st.rows[c.enc] = &row{key: c.key, recs: []connector.Record{c.rec}}
	case connector.Update, connector.SoftDelete:
		if !exists {
			return // prepare rejected it with ErrNotFound; a record deleted since then stays deleted
		}
		for _, old := range r.recs {
			for f, v := range c.rec {
				old[f] = copyValue(v)
			}
		}
	case connector.Delete:
		delete(st.rows, c.enc)
	}
}

// txWriter is a writer whose changes become visible at Commit; Close without Commit drops them.
type txWriter struct {
	*writer
	pending []staged
}

// Apply validates the batch and stages its accepted changes; the results are final (Commit applies
// exactly the changes accepted here).
func (w *txWriter) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	results, ok, err := w.prepare(ctx, batch, w.pending)
	if err != nil {
		return nil, err
	}
	w.pending = append(w.pending, ok...)
	return results, nil
}

// Commit applies every staged change at once. On an injected commit fault (FailCommit) it applies
// nothing and drops the staged changes. The writer may be used again after Commit.
func (w *txWriter) Commit(ctx context.Context) error {
	if w.closed {
		return fmt.Errorf("commit %s: %w", w.stream, errors.New("writer is closed"))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit %s: %w", w.stream, err)
	}
	pending := w.pending
	w.pending = nil
	return w.store.applyStaged(w.writer, pending, true)
}

// Close drops uncommitted changes and releases the writer.
func (w *txWriter) Close() error {
	w.pending = nil
	return w.writer.Close()
}

var (
	_ connector.Writer    = (*writer)(nil)
	_ connector.Writer    = (*txWriter)(nil)
	_ connector.Committer = (*txWriter)(nil)
)
