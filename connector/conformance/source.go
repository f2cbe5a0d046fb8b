package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

func (s *suite) sourceTests(t *testing.T) {
	s.test(t, "ReadAll", s.testReadAll)
	s.test(t, "EmptyStream", s.testEmptyStream)
	s.test(t, "MissingStream", s.testMissingStream)
	s.test(t, "CloseTwice", s.testCloseTwice)
	s.test(t, "ContextCanceled", s.testContextCanceled)
}

func (s *suite) read(ctx context.Context, conn connector.Conn, name string, batchSize int) (connector.Reader, error) {
	return conn.(connector.Source).Read(ctx, connector.ReadRequest{Stream: name, Key: keyFields, BatchSize: batchSize})
}

// Every seeded record is read exactly once, whatever the batch size, and no batch exceeds it.
func (s *suite) testReadAll(t *testing.T, conn connector.Conn) {
	recs := people(1, 250)
	s.seed(t, conn, recs)
	for _, size := range []int{0, 1, 7, 1000} {
		t.Run(fmt.Sprintf("BatchSize=%d", size), func(t *testing.T) {
			r, err := s.read(t.Context(), conn, stream, size)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := s.readAll(t, r, size)
			checkOnce(t, got)
			equalRecords(t, "records read", recs, got)
		})
	}
}

// checkOnce fails t for every id read more than once.
func checkOnce(t *testing.T, recs []connector.Record) {
	t.Helper()
	seen := map[int64]int{}
	for _, r := range recs {
		seen[idOf(t, r)]++
	}
	var dup []int64
	for id, n := range seen {
		if n > 1 {
			dup = append(dup, id)
		}
	}
	slices.Sort(dup)
	if len(dup) > 0 {
		t.Errorf("records read more than once: ids %v", dup)
	}
}

// An existing stream without records reads as (nil, io.EOF) at once: empty is not missing.
func (s *suite) testEmptyStream(t *testing.T, conn connector.Conn) {
	s.seed(t, conn, nil)
	r, err := s.read(t.Context(), conn, stream, 10)
	if err != nil {
		t.Fatalf("Read of an empty stream: %v", err)
	}
	if got := s.readAll(t, r, 10); len(got) != 0 {
		t.Errorf("an empty stream read %d records", len(got))
	}
}

// A stream that does not exist is an error, never an empty read: the engine would delete everything.
func (s *suite) testMissingStream(t *testing.T, conn connector.Conn) {
	s.expectReadError(t, t.Context(), "Read of a missing stream", func() (connector.Reader, error) {
		return s.read(t.Context(), conn, missingStream, 10)
	})
}

// Close may be called twice, in the middle of a read and at its end.
func (s *suite) testCloseTwice(t *testing.T, conn connector.Conn) {
	s.seed(t, conn, people(1, 10))
	for _, atEnd := range []bool{false, true} {
		r, err := s.read(t.Context(), conn, stream, 3)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for {
			_, err := r.Next(t.Context())
			if !atEnd || errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
		}
		for i := range 2 {
			if err := r.Close(); err != nil {
				t.Errorf("Close #%d (at end: %v): %v", i+1, atEnd, err)
			}
		}
	}
}

// A canceled context stops a read with an error, whether it was canceled before Read or in the middle.
func (s *suite) testContextCanceled(t *testing.T, conn connector.Conn) {
	s.seed(t, conn, people(1, 50))

	before, cancel := context.WithCancel(t.Context())
	cancel()
	s.expectReadError(t, before, "a read canceled before it opened", func() (connector.Reader, error) {
		return s.read(before, conn, stream, 5)
	})

	during, cancel := context.WithCancel(t.Context())
	defer cancel()
	s.expectReadError(t, during, "a read canceled after its first batch", func() (connector.Reader, error) {
		r, err := s.read(during, conn, stream, 5)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if _, err := r.Next(during); err != nil {
			_ = r.Close()
			t.Fatalf("first Next: %v", err)
		}
		cancel()
		return r, nil
	})
}
