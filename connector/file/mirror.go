package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/onewaysync/oneway/connector"
)

// MirrorWriter is the writer of mode mirror (and upsert, update, create): it holds the target file in
// memory, indexed by key, applies changes to that copy, and Commit replaces the file atomically. Until
// Commit returns nil the file on disk is as before; Close without Commit changes nothing. Memory grows
// with the size of the target file.
//
// Create replaces the record of its key (upsert); Update and SoftDelete merge the given fields into the
// record, and reject a key the file does not hold with a Result.Err wrapping connector.ErrNotFound (they
// never create a record: the engine decides); Delete removes the record and succeeds when it is absent.
// Changes apply in order, so a Create earlier in the same writer makes a later Update find its record.
// Invalid changes (wrong number of key
// values, a null key, a record whose key fields disagree with Change.Key, a value with no canonical form,
// the Unchanged action) get a permanent Result.Err and change nothing. The file assigns no ids
// (Result.ID is empty).
type MirrorWriter struct {
	codec  codec
	path   string
	perm   fs.FileMode
	key    []string
	fields []string
	// fixed lists the columns of a CSV file without a header row; records must fit them.
	fixed  []string
	recs   map[string]*entry
	closed bool
}

// entry is one record of the file, with its key values in stored form.
type entry struct {
	key []any
	rec connector.Record
}

func openMirror(c codec, loc location, req connector.WriteRequest) (*MirrorWriter, error) {
	w := &MirrorWriter{
		codec: c, path: loc.path, perm: 0o644, key: req.Key, fields: req.Fields,
		recs: map[string]*entry{},
	}
	if c.columnar() && !c.headerRow() {
		w.fixed = columns(req.Key, req.Fields, nil)
	}
	if err := removeStaleTemps(loc.path); err != nil {
		return nil, fmt.Errorf("write %s: remove old temporary files: %w", req.Stream, err)
	}
	if loc.exists {
		if err := w.load(); err != nil {
			return nil, fmt.Errorf("write %s: %w", req.Stream, err)
		}
	}
	return w, nil
}

// load reads the existing file into the index. A record without the key, or a key that appears twice, is
// an error naming file:line: rewriting the file would otherwise drop records silently.
func (w *MirrorWriter) load() error {
	f, err := os.Open(w.path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w.perm = fi.Mode().Perm()
	dec, err := w.codec.newDecoder(f, w.path, w.fixed)
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for {
		rec, line, err := dec.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		vals, err := connector.KeyValues(rec, w.key)
		if err != nil {
			return fmt.Errorf("%s:%d: %w; every record of a mirror target needs its key", w.path, line, err)
		}
		k, err := connector.EncodeKey(vals)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", w.path, line, err)
		}
		if first, dup := lines[k]; dup {
			return fmt.Errorf("%s:%d: key %s appears again (first on line %d); remove one of the two records", w.path, line, k, first)
		}
		lines[k] = line
		w.recs[k] = &entry{key: vals, rec: rec}
	}
}

// Apply applies batch to the in-memory copy; see MirrorWriter for each action. An error from Apply itself
// (closed writer, canceled context) means nothing of the batch was applied.
func (w *MirrorWriter) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	if w.closed {
		return nil, fmt.Errorf("apply to %s: the writer is closed", w.path)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("apply to %s: %w", w.path, err)
	}
	results := make([]connector.Result, len(batch))
	for i, ch := range batch {
		if err := w.apply(ch); err != nil {
			results[i].Err = fmt.Errorf("%s in %s, key %v: %w", ch.Action, w.path, ch.Key, err)
		}
	}
	return results, nil
}

func (w *MirrorWriter) apply(ch connector.Change) error {
	switch ch.Action {
	case connector.Create, connector.Update, connector.Delete, connector.SoftDelete:
	default:
		return fmt.Errorf("action %v cannot be applied", ch.Action)
	}
	vals, k, err := storeKey(w.codec, w.key, ch.Key)
	if err != nil {
		return err
	}
	if ch.Action == connector.Delete {
		delete(w.recs, k)
		return nil
	}
	rec, err := w.storeChange(ch, vals)
	if err != nil {
		return err
	}
	if ch.Action == connector.Create {
		w.recs[k] = &entry{key: vals, rec: rec}
		return nil
	}
	old, exists := w.recs[k]
	if !exists {
		return connector.ErrNotFound
	}
	for f, v := range rec {
		old.rec[f] = v
	}
	return nil
}

// storeKey converts a change's key values to stored form and encodes them.
func storeKey(c codec, fields []string, key []any) ([]any, string, error) {
	if len(key) != len(fields) {
		return nil, "", fmt.Errorf("got %d key values for key fields %v", len(key), fields)
	}
	vals := make([]any, len(key))
	for i, v := range key {
		s, err := c.storeValue(v)
		if err != nil {
			return nil, "", fmt.Errorf("key field %q: %w", fields[i], err)
		}
		if s == nil {
			return nil, "", fmt.Errorf("key field %q is null", fields[i])
		}
		vals[i] = s
	}
	k, err := connector.EncodeKey(vals)
	return vals, k, err
}

// storeChange converts the change's record to stored form, fills in absent key fields (not for a
// SoftDelete, whose record holds only the fields to set) and rejects key fields that disagree with the
// change's key: the record would be filed under one key and read back under another.
func (w *MirrorWriter) storeChange(ch connector.Change, vals []any) (connector.Record, error) {
	rec, err := storeRecord(w.codec, ch.Record)
	if err != nil {
		return nil, err
	}
	for i, f := range w.key {
		v, present := rec[f]
		switch {
		case present && !sameValue(v, vals[i]):
			return nil, fmt.Errorf("record field %q = %v disagrees with the change's key value %v", f, v, vals[i])
		case !present && ch.Action != connector.SoftDelete:
			rec[f] = vals[i]
		}
	}
	if w.fixed != nil {
		for f := range rec {
			if !slices.Contains(w.fixed, f) {
				return nil, fmt.Errorf("field %q is not one of the columns %v of a CSV file without a header row", f, w.fixed)
			}
		}
	}
	return rec, nil
}

// sameValue compares two stored values by their canonical JSON.
func sameValue(a, b any) bool {
	ja, errA := connector.CanonicalJSON(a)
	jb, errB := connector.CanonicalJSON(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Commit writes the in-memory copy over the file atomically (see writeAtomic), records sorted by key
// (see sortKey). On error the file is as before. The writer may be used again after Commit.
func (w *MirrorWriter) Commit(ctx context.Context) error {
	if w.closed {
		return fmt.Errorf("commit %s: the writer is closed", w.path)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit %s: %w", w.path, err)
	}
	type sorted struct {
		sk  sortKey
		rec connector.Record
	}
	list := make([]sorted, 0, len(w.recs))
	var recs []connector.Record
	for k, e := range w.recs {
		list = append(list, sorted{sk: newSortKey(e.key, k), rec: e.rec})
		if w.codec.columnar() {
			recs = append(recs, e.rec)
		}
	}
	slices.SortFunc(list, func(a, b sorted) int { return a.sk.compare(b.sk) })
	var cols []string
	if w.codec.columnar() {
		cols = w.fixed
		if cols == nil {
			cols = columns(w.key, w.fields, recs)
		}
	}
	err := writeAtomic(w.path, w.perm, func(out io.Writer) error {
		enc := w.codec.newEncoder(out, cols)
		if err := enc.header(); err != nil {
			return err
		}
		for _, s := range list {
			if err := enc.record(s.rec); err != nil {
				return err
			}
		}
		return enc.flush()
	})
	if err != nil {
		return fmt.Errorf("commit %s: %w", w.path, err)
	}
	return nil
}

// Close drops the in-memory copy; without a Commit the file is unchanged.
func (w *MirrorWriter) Close() error {
	w.closed = true
	w.recs = nil
	return nil
}

var (
	_ connector.Writer    = (*MirrorWriter)(nil)
	_ connector.Committer = (*MirrorWriter)(nil)
)
