package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/onewaysync/oneway/connector"
)

// AppendWriter is the writer of mode append: each Create or Update adds its record at the end of the
// file, and Apply returns only after the batch is written and fsynced, so it needs no Commit. Delete and
// SoftDelete are not possible and get a Result.Err wrapping connector.ErrUnsupported. Appending is not
// idempotent: applying a batch twice writes it twice, so the engine records its intent first (see
// docs/guarantees.md). A batch that fails to write is cut off again, so the file never keeps half a batch.
//
// A CSV file keeps the columns it has: those of its header row when it exists, otherwise the key and
// WriteRequest.Fields, otherwise the key and the fields of the first batch. A record with another field
// gets a Result.Err.
type AppendWriter struct {
	codec   codec
	path    string
	key     []string
	cols    []string // CSV columns; nil until known
	f       *os.File
	created bool // the file did not exist: its folder must be synced after the first write
	closed  bool
}

func openAppend(c codec, loc location, req connector.WriteRequest) (*AppendWriter, error) {
	w := &AppendWriter{codec: c, path: loc.path, key: req.Key, created: !loc.exists}
	if !c.columnar() {
		return w, nil
	}
	if loc.exists && c.headerRow() {
		cols, err := readHeader(c, loc.path)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", req.Stream, err)
		}
		w.cols = cols
	}
	if w.cols == nil && len(req.Fields) > 0 {
		w.cols = columns(req.Key, req.Fields, nil)
	}
	return w, nil
}

// readHeader returns the column names of an existing CSV file, nil when it is empty.
func readHeader(c codec, path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec, err := c.newDecoder(f, path, nil)
	if err != nil {
		return nil, err
	}
	return dec.columns(), nil
}

// Apply appends the records of batch and fsyncs. Results with a nil Err are durable when Apply returns.
// An error from Apply itself means nothing of the batch is in the file.
func (w *AppendWriter) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	if w.closed {
		return nil, fmt.Errorf("apply to %s: the writer is closed", w.path)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("apply to %s: %w", w.path, err)
	}
	results := make([]connector.Result, len(batch))
	recs := make([]connector.Record, len(batch))
	var valid []connector.Record
	for i, ch := range batch {
		rec, err := w.stage(ch)
		if err != nil {
			results[i].Err = fmt.Errorf("%s in %s, key %v: %w", ch.Action, w.path, ch.Key, err)
			continue
		}
		recs[i] = rec
		valid = append(valid, rec)
	}
	if w.codec.columnar() && w.cols == nil && len(valid) > 0 {
		w.cols = columns(w.key, nil, valid)
	}
	var buf bytes.Buffer
	enc := w.codec.newEncoder(&buf, w.cols)
	for i, rec := range recs {
		if rec == nil {
			continue
		}
		if err := enc.record(rec); err != nil {
			results[i].Err = fmt.Errorf("%s in %s, key %v: %w", batch[i].Action, w.path, batch[i].Key, err)
		}
	}
	if err := enc.flush(); err != nil {
		return nil, fmt.Errorf("apply to %s: %w", w.path, err)
	}
	if buf.Len() == 0 {
		return results, nil
	}
	if err := w.write(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("apply to %s: %w", w.path, err)
	}
	return results, nil
}

func (w *AppendWriter) stage(ch connector.Change) (connector.Record, error) {
	switch ch.Action {
	case connector.Create, connector.Update:
	case connector.Delete, connector.SoftDelete:
		return nil, fmt.Errorf("mode append only adds records: %w", connector.ErrUnsupported)
	default:
		return nil, fmt.Errorf("action %v cannot be applied", ch.Action)
	}
	return storeRecord(w.codec, ch.Record)
}

// write appends data (after a header row when the file is empty, and after a line break when the file
// does not end with one) and fsyncs; on failure it truncates the file back to where it was.
func (w *AppendWriter) write(data []byte) (err error) {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		w.f = f
	}
	fi, err := w.f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	var prefix bytes.Buffer
	switch {
	case size == 0 && w.codec.headerRow():
		enc := w.codec.newEncoder(&prefix, w.cols)
		if err := enc.header(); err != nil {
			return err
		}
		if err := enc.flush(); err != nil {
			return err
		}
	case size > 0:
		last := make([]byte, 1)
		if _, err := w.f.ReadAt(last, size-1); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if last[0] != '\n' {
			prefix.WriteByte('\n')
		}
	}
	defer func() {
		if err != nil {
			_ = w.f.Truncate(size)
		}
	}()
	if _, err := w.f.Write(append(prefix.Bytes(), data...)); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	if w.created {
		if err := syncDir(filepath.Dir(w.path)); err != nil {
			return err
		}
		w.created = false
	}
	return nil
}

// Close closes the file. Everything Apply acknowledged is already durable.
func (w *AppendWriter) Close() error {
	w.closed = true
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	return f.Close()
}

var _ connector.Writer = (*AppendWriter)(nil)

// NonIdempotent reports true: appending a batch twice writes its lines twice, so the engine records an
// intent before each batch and honours the sync's delivery setting after a crash.
func (w *AppendWriter) NonIdempotent() bool { return true }

var _ connector.NonIdempotent = (*AppendWriter)(nil)
