package conformance

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

func (s *suite) targetTests(t *testing.T) {
	s.test(t, "CreateReadBack", s.testCreateReadBack)
	s.test(t, "UpdateMergesFields", s.testUpdateMergesFields)
	s.test(t, "Delete", s.testDelete)
	s.test(t, "DeleteAbsent", s.testDeleteAbsent)
	s.test(t, "UpdateAbsentIsNotFound", s.testUpdateAbsent)
	s.test(t, "SoftDeleteSetsFields", s.testSoftDelete)
	s.test(t, "Idempotent", s.testIdempotent)
	s.test(t, "UnicodeText", s.testUnicode)
	s.test(t, "NullVersusEmpty", s.testNullVersusEmpty)
	s.test(t, "LargeBatch", s.testLargeBatch)
	s.test(t, "CommitMakesVisible", s.testCommit)
	s.test(t, "CloseWithoutCommit", s.testCloseWithoutCommit)
	s.test(t, "Append", s.testAppend)
	s.test(t, "UnknownWriteOption", s.testUnknownWriteOption)
}

// Creates return one Result per change and what was written reads back the same.
func (s *suite) testCreateReadBack(t *testing.T, conn connector.Conn) {
	s.prepare(t, conn)
	recs := people(1, 20)
	s.write(t, conn, creates(recs))
	s.requireReadBack(t, conn)
	equalRecords(t, "after 20 creates", recs, s.readBack(t, conn))
}

// Update sets the fields it carries and leaves the others as they were.
func (s *suite) testUpdateMergesFields(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	recs := people(1, 3)
	s.write(t, conn, creates(recs))
	patch := connector.Record{"id": int64(2), "name": "Updated ✓ name", "score": nil}
	s.write(t, conn, []connector.Change{change(connector.Update, 2, patch)})
	want := []connector.Record{recs[0], merged(recs[1], patch), recs[2]}
	equalRecords(t, "after an Update of name and score of record 2", want, s.readBack(t, conn))
}

// Delete removes the record and nothing else.
func (s *suite) testDelete(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	recs := people(1, 5)
	s.write(t, conn, creates(recs))
	s.write(t, conn, []connector.Change{change(connector.Delete, 2, nil), change(connector.Delete, 4, nil)})
	want := []connector.Record{recs[0], recs[2], recs[4]}
	equalRecords(t, "after deleting records 2 and 4", want, s.readBack(t, conn))
}

// Deleting a record the target does not hold succeeds: a retried batch may delete twice.
func (s *suite) testDeleteAbsent(t *testing.T, conn connector.Conn) {
	s.prepare(t, conn)
	recs := people(1, 2)
	s.write(t, conn, creates(recs))
	s.write(t, conn, []connector.Change{change(connector.Delete, 99, nil)})
	s.requireReadBack(t, conn)
	equalRecords(t, "after deleting absent record 99", recs, s.readBack(t, conn))
}

// Updating a record the target does not hold is rejected with connector.ErrNotFound and creates
// nothing: mode update relies on it, and mirror re-creates such records deliberately.
func (s *suite) testUpdateAbsent(t *testing.T, conn connector.Conn) {
	s.prepare(t, conn)
	recs := people(1, 2)
	s.write(t, conn, creates(recs))
	w := s.openWriter(t, conn)
	batch := []connector.Change{
		change(connector.Update, 99, connector.Record{"id": int64(99), "name": "ghost"}),
		change(connector.Update, 1, connector.Record{"id": int64(1), "name": "still here"}),
	}
	results, err := w.Apply(t.Context(), batch)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(results) != 2 {
		t.Fatalf("Apply of 2 changes returned %d results", len(results))
	}
	if !errors.Is(results[0].Err, connector.ErrNotFound) {
		t.Errorf("Update of absent record 99: Err = %v, want one wrapping connector.ErrNotFound", results[0].Err)
	}
	if results[1].Err != nil {
		t.Errorf("Update of record 1 in the same batch: %v", results[1].Err)
	}
	finish(t, w)
	s.requireReadBack(t, conn)
	want := []connector.Record{merged(recs[0], connector.Record{"name": "still here"}), recs[1]}
	equalRecords(t, "after an Update of absent record 99", want, s.readBack(t, conn))
}

// SoftDelete sets the soft_delete fields only.
func (s *suite) testSoftDelete(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	recs := people(1, 2)
	s.write(t, conn, creates(recs))
	patch := connector.Record{"active": false, "note": "deleted by oneway"}
	s.write(t, conn, []connector.Change{change(connector.SoftDelete, 1, patch)})
	want := []connector.Record{merged(recs[0], patch), recs[1]}
	equalRecords(t, "after a SoftDelete of record 1", want, s.readBack(t, conn))
}

// Applying a batch again, in a new writer or twice in the same one, leaves the target as applying it
// once: that is what lets the engine retry a batch whose acknowledgement was lost.
func (s *suite) testIdempotent(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	base := people(1, 6)
	s.write(t, conn, creates(base))
	update := connector.Record{"id": int64(2), "name": "updated twice"}
	soft := connector.Record{"active": false, "note": "removed"}
	recreated := merged(person(5), connector.Record{"name": "created again", "score": 99.5})
	batch := []connector.Change{
		change(connector.Create, 7, person(7)),
		change(connector.Create, 8, person(8)),
		change(connector.Update, 2, update),
		change(connector.Delete, 3, nil),
		change(connector.SoftDelete, 4, soft),
		change(connector.Create, 5, recreated),
	}
	want := []connector.Record{base[0], merged(base[1], update), merged(base[3], soft), recreated, base[5], person(7), person(8)}

	s.write(t, conn, cloneChanges(batch))
	equalRecords(t, "after the batch applied once", want, s.readBack(t, conn))
	s.write(t, conn, cloneChanges(batch))
	equalRecords(t, "after the batch applied again in a new writer", want, s.readBack(t, conn))
	s.write(t, conn, cloneChanges(batch), cloneChanges(batch))
	equalRecords(t, "after the batch applied twice in one writer", want, s.readBack(t, conn))
}

// cloneChanges copies the records of a batch, so that a connector that modifies them in place cannot
// change the next application.
func cloneChanges(batch []connector.Change) []connector.Change {
	out := make([]connector.Change, len(batch))
	for i, c := range batch {
		c.Key = append([]any(nil), c.Key...)
		if c.Record != nil {
			c.Record = c.Record.Clone()
		}
		out[i] = c
	}
	return out
}

// Text comes back byte for byte: accents, other scripts, 4-byte characters, control and quote
// characters.
func (s *suite) testUnicode(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	var recs []connector.Record
	for i, text := range texts {
		r := person(int64(i + 1))
		r["name"], r["note"] = text, strings.Repeat(text, 3)
		recs = append(recs, r)
	}
	s.write(t, conn, creates(recs))
	equalRecords(t, "unicode text", recs, s.readBack(t, conn))
}

// NULL and "" are different values, on create and on update.
func (s *suite) testNullVersusEmpty(t *testing.T, conn connector.Conn) {
	if s.opts.NoNullDistinction {
		t.Skip("Options.NoNullDistinction: the connector cannot tell NULL from an empty string")
	}
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	nulls := merged(person(1), connector.Record{"note": nil, "score": nil, "active": nil, "seq": nil})
	empty := merged(person(2), connector.Record{"note": ""})
	blank := merged(person(3), connector.Record{"note": " "})
	s.write(t, conn, creates([]connector.Record{nulls, empty, blank}))
	equalRecords(t, "after creates with NULL, empty and blank notes", []connector.Record{nulls, empty, blank}, s.readBack(t, conn))

	s.write(t, conn, []connector.Change{
		change(connector.Update, 1, connector.Record{"id": int64(1), "note": ""}),
		change(connector.Update, 2, connector.Record{"id": int64(2), "note": nil}),
	})
	want := []connector.Record{merged(nulls, connector.Record{"note": ""}), merged(empty, connector.Record{"note": nil}), blank}
	equalRecords(t, "after updates swapping NULL and empty notes", want, s.readBack(t, conn))
}

// A batch of 2,500 records (beyond the parameter limits of naive multi-row statements) works.
func (s *suite) testLargeBatch(t *testing.T, conn connector.Conn) {
	s.prepare(t, conn)
	recs := people(1, 2500)
	s.write(t, conn, creates(recs))
	s.requireReadBack(t, conn)
	equalRecords(t, "after one batch of 2,500 creates", recs, s.readBack(t, conn))
}

// openCommitter writes one record and commits it (so the stream exists), then opens a writer that must
// be a Committer, or skips.
func (s *suite) openCommitter(t *testing.T, conn connector.Conn) (connector.Writer, connector.Committer, connector.Record) {
	t.Helper()
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	first := person(1)
	s.write(t, conn, creates([]connector.Record{first}))
	w := s.openWriter(t, conn)
	c, ok := w.(connector.Committer)
	if !ok {
		if err := w.Close(); err != nil {
			t.Errorf("Close writer: %v", err)
		}
		t.Skip("the writer is not a connector.Committer")
	}
	return w, c, first
}

// A Committer's changes are invisible until Commit and all visible after it.
func (s *suite) testCommit(t *testing.T, conn connector.Conn) {
	w, c, first := s.openCommitter(t, conn)
	apply(t, w, append(creates(people(2, 10)), change(connector.Delete, 1, nil)))
	equalRecords(t, "after Apply, before Commit", []connector.Record{first}, s.readBack(t, conn))
	if err := c.Commit(t.Context()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close writer after Commit: %v", err)
	}
	equalRecords(t, "after Commit", people(2, 10), s.readBack(t, conn))
}

// Closing a Committer without Commit leaves the target as it was.
func (s *suite) testCloseWithoutCommit(t *testing.T, conn connector.Conn) {
	w, _, first := s.openCommitter(t, conn)
	apply(t, w, append(creates(people(2, 10)), change(connector.Delete, 1, nil)))
	if err := w.Close(); err != nil {
		t.Fatalf("Close writer without Commit: %v", err)
	}
	equalRecords(t, "after Close without Commit", []connector.Record{first}, s.readBack(t, conn))
}

// In Append mode two creates with the same key both land.
func (s *suite) testAppend(t *testing.T, conn connector.Conn) {
	s.requireReadBack(t, conn)
	s.prepare(t, conn)
	w, err := conn.(connector.Target).OpenWriter(t.Context(), s.writeRequest(true))
	if errors.Is(err, connector.ErrUnsupported) {
		t.Skipf("Append mode: %v", err)
	}
	if err != nil {
		t.Fatalf("OpenWriter(%s) with Append: %v", stream, err)
	}
	a := merged(person(1), connector.Record{"name": "first"})
	b := merged(person(1), connector.Record{"name": "second"})
	apply(t, w, creates([]connector.Record{a}))
	apply(t, w, creates([]connector.Record{b}))
	finish(t, w)
	equalRecords(t, "after two appended creates with key 1", []connector.Record{a, b}, s.readBack(t, conn))
}

// OpenWriter rejects a setting it does not know, naming it, instead of ignoring a typo.
func (s *suite) testUnknownWriteOption(t *testing.T, conn connector.Conn) {
	const name = "conformance_no_such_option"
	s.prepare(t, conn)
	req := s.writeRequest(false)
	req.Options = maps.Clone(req.Options)
	if req.Options == nil {
		req.Options = connector.Settings{}
	}
	req.Options[name] = true
	w, err := conn.(connector.Target).OpenWriter(t.Context(), req)
	if err == nil {
		if cerr := w.Close(); cerr != nil {
			t.Errorf("Close writer: %v", cerr)
		}
		t.Fatalf("OpenWriter accepted the unknown option %q; want an error naming it", name)
	}
	if !strings.Contains(err.Error(), name) {
		t.Errorf("OpenWriter error %q does not name the unknown option %q", err, name)
	}
}
