package conformance

import (
	"context"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// maxNextCalls bounds every read loop, so that a reader that never reaches io.EOF fails instead of
// hanging.
const maxNextCalls = 100_000

func (s *suite) prepare(t *testing.T, conn connector.Conn) {
	t.Helper()
	if s.opts.Prepare != nil {
		s.opts.Prepare(t, conn, stream)
	}
}

func (s *suite) writeRequest(appendMode bool) connector.WriteRequest {
	return connector.WriteRequest{
		Stream:  stream,
		Key:     keyFields,
		Fields:  schemaFields,
		Append:  appendMode,
		Options: maps.Clone(s.opts.WriteOptions),
	}
}

// openWriter opens a writer on the suite's stream; the caller closes it (finish does).
func (s *suite) openWriter(t *testing.T, conn connector.Conn) connector.Writer {
	t.Helper()
	w, err := conn.(connector.Target).OpenWriter(t.Context(), s.writeRequest(false))
	if err != nil {
		t.Fatalf("OpenWriter(%s): %v", stream, err)
	}
	return w
}

// apply applies batch and fails t unless every change was accepted.
func apply(t *testing.T, w connector.Writer, batch []connector.Change) {
	t.Helper()
	results, err := w.Apply(t.Context(), batch)
	if err != nil {
		t.Fatalf("Apply of %d changes: %v", len(batch), err)
	}
	if len(results) != len(batch) {
		t.Fatalf("Apply of %d changes returned %d results, want one per change", len(batch), len(results))
	}
	failed := 0
	for i, r := range results {
		if r.Err != nil {
			if failed++; failed <= 5 {
				t.Errorf("change %d (%v, key %v) was rejected: %v", i, batch[i].Action, batch[i].Key, r.Err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d changes were rejected", failed, len(batch))
	}
}

// finish commits w when it is a Committer, then closes it.
func finish(t *testing.T, w connector.Writer) {
	t.Helper()
	if c, ok := w.(connector.Committer); ok {
		if err := c.Commit(t.Context()); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close writer: %v", err)
	}
}

// write applies each batch through one writer and commits.
func (s *suite) write(t *testing.T, conn connector.Conn, batches ...[]connector.Change) {
	t.Helper()
	w := s.openWriter(t, conn)
	for _, b := range batches {
		apply(t, w, b)
	}
	finish(t, w)
}

// seed puts recs into the (prepared) stream, with Options.Seed or else through the Target.
func (s *suite) seed(t *testing.T, conn connector.Conn, recs []connector.Record) {
	t.Helper()
	s.prepare(t, conn)
	if s.opts.Seed != nil {
		s.opts.Seed(t, conn, stream, recs)
		return
	}
	var batches [][]connector.Change
	for start := 0; start < len(recs); start += 1000 {
		batches = append(batches, creates(recs[start:min(start+1000, len(recs))]))
	}
	s.write(t, conn, batches...)
}

// canReadBack reports whether the target tests can see what was written.
func (s *suite) canReadBack(conn connector.Conn) bool {
	_, isSource := conn.(connector.Source)
	return s.opts.Inspect != nil || isSource
}

// requireReadBack skips the test when what was written cannot be seen.
func (s *suite) requireReadBack(t *testing.T, conn connector.Conn) {
	t.Helper()
	if !s.canReadBack(conn) {
		t.Skip("cannot read back what was written: the connection is not a Source and Options.Inspect is nil")
	}
}

// readBack returns every record of the stream, normalized, through Options.Inspect or the Source.
func (s *suite) readBack(t *testing.T, conn connector.Conn) []connector.Record {
	t.Helper()
	if s.opts.Inspect != nil {
		return s.normalize(s.opts.Inspect(t, conn, stream))
	}
	r, err := conn.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: stream, Key: keyFields, BatchSize: 500})
	if err != nil {
		t.Fatalf("Read(%s) to check what was written: %v", stream, err)
	}
	return s.readAll(t, r, 500)
}

func (s *suite) normalize(recs []connector.Record) []connector.Record {
	if s.opts.Normalize == nil {
		return recs
	}
	out := make([]connector.Record, len(recs))
	for i, r := range recs {
		out[i] = s.opts.Normalize(r)
	}
	return out
}

// readAll reads r to the end and closes it, checking the reader contract on the way: no batch larger
// than batchSize (when > 0), and (nil, io.EOF) again after io.EOF. It returns the records in read order,
// normalized.
func (s *suite) readAll(t *testing.T, r connector.Reader, batchSize int) []connector.Record {
	t.Helper()
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Reader.Close after the end of the read: %v", err)
		}
	}()
	// The batches are kept as returned and only joined at the end: a reader that reuses a batch's slice
	// or records for the next one shows here as wrong records.
	var batches [][]connector.Record
	n := 0
	for range maxNextCalls {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			if len(batch) != 0 {
				t.Errorf("Next returned %d records with io.EOF; want (nil, io.EOF)", len(batch))
			}
			checkEOFAgain(t, r)
			var out []connector.Record
			for _, b := range batches {
				out = append(out, b...)
			}
			return s.normalize(out)
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", n, err)
		}
		if batchSize > 0 && len(batch) > batchSize {
			t.Errorf("Next returned %d records; BatchSize is %d", len(batch), batchSize)
		}
		batches = append(batches, batch)
		n += len(batch)
	}
	t.Fatalf("no io.EOF after %d calls of Next (%d records)", maxNextCalls, n)
	return nil
}

// checkEOFAgain checks that a reader at its end stays there.
func checkEOFAgain(t *testing.T, r connector.Reader) {
	t.Helper()
	for range 2 {
		batch, err := r.Next(t.Context())
		if !errors.Is(err, io.EOF) || len(batch) != 0 {
			t.Errorf("Next after io.EOF returned (%d records, %v); want (nil, io.EOF) again", len(batch), err)
			return
		}
	}
}

// expectReadError reads until an error and fails t if the read instead completes with io.EOF: an
// incomplete read taken as complete would make the engine delete records. open may fail itself, which
// counts as the error.
func (s *suite) expectReadError(t *testing.T, ctx context.Context, what string, open func() (connector.Reader, error)) {
	t.Helper()
	r, err := open()
	if err != nil {
		return
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Reader.Close after an error: %v", err)
		}
	}()
	n := 0
	for range maxNextCalls {
		batch, err := r.Next(ctx)
		switch {
		case errors.Is(err, io.EOF):
			t.Errorf("%s: the read completed with io.EOF after %d records; want an error", what, n)
			return
		case err != nil:
			return
		}
		n += len(batch)
	}
	t.Errorf("%s: no error after %d calls of Next", what, maxNextCalls)
}
