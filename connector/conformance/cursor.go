package conformance

import (
	"cmp"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

var cursorFields = []string{"seq"}

func (s *suite) cursorTests(t *testing.T) {
	s.test(t, "Order", s.testCursorOrder)
	s.test(t, "FromInclusive", s.testCursorFromInclusive)
	s.test(t, "FromPrefix", s.testCursorFromPrefix)
	s.test(t, "EqualCursorAcrossBatches", s.testCursorEqualAcrossBatches)
	s.test(t, "NullCursorFirst", s.testCursorNulls)
	s.test(t, "MissingStream", s.testCursorMissingStream)
}

func (s *suite) readCursor(ctx context.Context, conn connector.Conn, name string, from []any, batchSize int) (connector.Reader, error) {
	return conn.(connector.CursorSource).ReadCursor(ctx, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: name, Key: keyFields, BatchSize: batchSize},
		Cursor:      cursorFields,
		From:        from,
	})
}

// readCursorAll reads every record at or after from.
func (s *suite) readCursorAll(t *testing.T, conn connector.Conn, from []any, batchSize int) []connector.Record {
	t.Helper()
	r, err := s.readCursor(t.Context(), conn, stream, from, batchSize)
	if err != nil {
		t.Fatalf("ReadCursor from %v: %v", from, err)
	}
	return s.readAll(t, r, batchSize)
}

// withSeq returns the people with ids from..to, their seq set by seq (nil for NULL).
func withSeq(from, to int64, seq func(id int64) any) []connector.Record {
	recs := people(from, to)
	for _, r := range recs {
		r["seq"] = seq(r["id"].(int64))
	}
	return recs
}

// position is a record's place in cursor order.
type position struct {
	null    bool
	seq, id int64
}

func positionOf(t *testing.T, r connector.Record) position {
	t.Helper()
	p := position{id: idOf(t, r)}
	switch v := r["seq"].(type) {
	case nil:
		p.null = true
	case int64:
		p.seq = v
	default:
		t.Fatalf("record %v: seq is %T, want int64 or nil (set Options.Normalize to convert it back)", r, v)
	}
	return p
}

func (p position) compare(q position) int {
	if p.null != q.null {
		if p.null {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(p.seq, q.seq), cmp.Compare(p.id, q.id))
}

func (p position) from() []any { return []any{p.seq, p.id} }

// cursorOrder sorts recs as a cursor read must return them (NULL seq first, then by seq and id).
func cursorOrder(t *testing.T, recs []connector.Record) []position {
	t.Helper()
	out := make([]position, len(recs))
	for i, r := range recs {
		out[i] = positionOf(t, r)
	}
	slices.SortFunc(out, position.compare)
	return out
}

// checkOrder fails t unless got holds exactly the positions of want, in that order (records with a NULL
// seq may come in any order among themselves).
func checkOrder(t *testing.T, what string, want []position, got []connector.Record) {
	t.Helper()
	gotPos := make([]position, len(got))
	for i, r := range got {
		gotPos[i] = positionOf(t, r)
	}
	n := 0
	for _, p := range want {
		if p.null {
			n++
		}
	}
	head := slices.Clone(gotPos[:min(n, len(gotPos))])
	slices.SortFunc(head, position.compare)
	normalized := append(head, gotPos[min(n, len(gotPos)):]...)
	if !slices.Equal(want, normalized) {
		t.Errorf("%s: records in the order (null, seq, id)\n got %v\nwant %v", what, gotPos, want)
	}
}

// Records come in ascending (seq, id) order, every one exactly once, whatever order they were written in.
func (s *suite) testCursorOrder(t *testing.T, conn connector.Conn) {
	recs := withSeq(1, 30, func(id int64) any { return (id*7)%5 + 1 })
	slices.Reverse(recs)
	s.seed(t, conn, recs)
	got := s.readCursorAll(t, conn, nil, 4)
	checkOrder(t, "cursor read from the start", cursorOrder(t, recs), got)
	equalRecords(t, "cursor read from the start", recs, got)
}

// From is inclusive: the record at From is read again, then everything after it.
func (s *suite) testCursorFromInclusive(t *testing.T, conn connector.Conn) {
	recs := withSeq(1, 30, func(id int64) any { return (id*7)%5 + 1 })
	s.seed(t, conn, recs)
	order := cursorOrder(t, recs)
	from := order[10]
	checkOrder(t, "cursor read from the 11th record", order[10:], s.readCursorAll(t, conn, from.from(), 4))
	past := position{seq: order[len(order)-1].seq, id: order[len(order)-1].id + 1}
	checkOrder(t, "cursor read from past the last record", nil, s.readCursorAll(t, conn, past.from(), 4))
}

// A From holding only the cursor value (the engine's lookback window) compares that prefix: every
// record whose seq is at least that value comes back, whatever its key.
func (s *suite) testCursorFromPrefix(t *testing.T, conn connector.Conn) {
	recs := withSeq(1, 30, func(id int64) any { return (id*7)%5 + 1 })
	s.seed(t, conn, recs)
	order := cursorOrder(t, recs)
	from := order[10]
	var want []position
	for _, p := range order {
		if p.seq >= from.seq {
			want = append(want, p)
		}
	}
	checkOrder(t, "cursor read from seq prefix", want, s.readCursorAll(t, conn, []any{from.seq}, 4))
}

// Many records with the same seq, spread over batches of 3, are each read exactly once by a sync that
// stops after every batch and resumes from the last position it read (which it reads again, From being
// inclusive). A source that resumes with seq > last seq would skip some.
func (s *suite) testCursorEqualAcrossBatches(t *testing.T, conn connector.Conn) {
	recs := withSeq(1, 26, func(id int64) any {
		switch {
		case id <= 3:
			return int64(1)
		case id <= 23:
			return int64(2)
		}
		return int64(3)
	})
	slices.Reverse(recs)
	s.seed(t, conn, recs)

	var (
		got  []position
		from []any
		last position
	)
	for run := 0; ; run++ {
		if run > len(recs)+1 {
			t.Fatalf("still reading new records after %d resumed reads", run)
		}
		fresh := s.resumeOnce(t, conn, from, last, run > 0)
		if len(fresh) == 0 {
			break
		}
		got = append(got, fresh...)
		last = fresh[len(fresh)-1]
		from = last.from()
	}
	want := cursorOrder(t, recs)
	if !slices.Equal(want, got) {
		t.Errorf("records read across resumed reads (null, seq, id):\n got %v\nwant %v", got, want)
	}
}

// resumeOnce opens a cursor read at from with BatchSize 3 and reads batches until it has a record it had
// not read before (or the end), as a sync that stops after each batch. When resuming, the first record
// must be the one at from.
func (s *suite) resumeOnce(t *testing.T, conn connector.Conn, from []any, last position, resuming bool) []position {
	t.Helper()
	r, err := s.readCursor(t.Context(), conn, stream, from, 3)
	if err != nil {
		t.Fatalf("ReadCursor from %v: %v", from, err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Reader.Close in the middle of a read: %v", err)
		}
	}()
	var fresh []position
	first := true
	for range maxNextCalls {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return fresh
		}
		if err != nil {
			t.Fatalf("Next from %v: %v", from, err)
		}
		if len(batch) > 3 {
			t.Errorf("Next returned %d records; BatchSize is 3", len(batch))
		}
		for _, rec := range s.normalize(batch) {
			p := positionOf(t, rec)
			if first && resuming {
				if p != last {
					t.Fatalf("a read from %v began with %v; From is inclusive, want the record at From first", from, p)
				}
				first = false
				continue
			}
			first = false
			fresh = append(fresh, p)
		}
		if len(fresh) > 0 {
			return fresh
		}
	}
	t.Fatalf("no io.EOF after %d calls of Next", maxNextCalls)
	return nil
}

// Records with a NULL seq are read every time, before the others, wherever the read starts.
func (s *suite) testCursorNulls(t *testing.T, conn connector.Conn) {
	recs := withSeq(1, 10, func(id int64) any {
		if id%3 == 0 {
			return nil
		}
		return id * 10
	})
	s.seed(t, conn, recs)
	order := cursorOrder(t, recs) // ids 3, 6, 9 (NULL seq) first
	nulls := order[:3]
	checkOrder(t, "cursor read from the start", order, s.readCursorAll(t, conn, nil, 2))
	from := position{seq: 70, id: 7}
	checkOrder(t, "cursor read from (70, 7)", append(slices.Clone(nulls), order[slices.Index(order, from):]...), s.readCursorAll(t, conn, from.from(), 2))
	checkOrder(t, "cursor read from past the last record", nulls, s.readCursorAll(t, conn, []any{int64(1000), int64(0)}, 2))
}

// A missing stream is an error for cursor reads too.
func (s *suite) testCursorMissingStream(t *testing.T, conn connector.Conn) {
	s.expectReadError(t, t.Context(), "ReadCursor of a missing stream", func() (connector.Reader, error) {
		return s.readCursor(t.Context(), conn, missingStream, nil, 10)
	})
}
