package connectortest

import (
	"errors"
	"io"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// Read reads the stream req names to its end and returns its records in read order; no batch may hold
// more than req.BatchSize records (when it is above 0). Any error fails t.
func Read(t testing.TB, src connector.Source, req connector.ReadRequest) []connector.Record {
	t.Helper()
	r, err := src.Read(t.Context(), req)
	if err != nil {
		t.Fatalf("Read %s: %v", req.Stream, err)
	}
	return ReadAll(t, r, req.BatchSize)
}

// ReadCursor is Read for a cursor read from req.From.
func ReadCursor(t testing.TB, src connector.CursorSource, req connector.CursorRequest) []connector.Record {
	t.Helper()
	r, err := src.ReadCursor(t.Context(), req)
	if err != nil {
		t.Fatalf("ReadCursor %s from %v: %v", req.Stream, req.From, err)
	}
	return ReadAll(t, r, req.BatchSize)
}

// ReadAll reads r until io.EOF, closes it and returns the records in read order. Any other error fails
// t, and so does a batch of more than max records (when max is above 0).
func ReadAll(t testing.TB, r connector.Reader, max int) []connector.Record {
	t.Helper()
	defer r.Close()
	var out []connector.Record
	for {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(out), err)
		}
		if max > 0 && len(batch) > max {
			t.Fatalf("batch of %d records, want at most %d", len(batch), max)
		}
		out = append(out, batch...)
	}
}

// ReadErr reads r until it fails, closes it and returns the error. A read that ends with io.EOF fails
// t: the test expected it to break.
func ReadErr(t testing.TB, r connector.Reader) error {
	t.Helper()
	defer r.Close()
	for {
		_, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			t.Fatal("the read completed; want an error")
		}
		if err != nil {
			return err
		}
	}
}
