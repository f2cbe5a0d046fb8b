package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

func cursorRead(t *testing.T, c *Conn, stream string, cursor, key []string, from []any, batch int) []connector.Record {
	t.Helper()
	return connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: stream, Key: key, BatchSize: batch},
		Cursor:      cursor, From: from})
}

// compareNullable orders values of one column with NULL first, as SQLite does.
func compareNullable(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(a.(int64), b.(int64))
}

// expectCursor is the contract of ReadCursor written out plainly: rows with a NULL cursor first in key
// order, then the rows whose tuple is >= from, in tuple order.
func expectCursor(rows []connector.Record, cursor, key []string, from []any) []int64 {
	tuple := func(r connector.Record) []any {
		var out []any
		for _, f := range append(append([]string{}, cursor...), key...) {
			out = append(out, r[f])
		}
		return out
	}
	cmpTuple := func(a, b []any) int {
		for i := range a {
			if c := compareNullable(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	var nulls, rest []connector.Record
	for _, r := range rows {
		hasNull := false
		for _, f := range cursor {
			hasNull = hasNull || r[f] == nil
		}
		switch {
		case hasNull:
			nulls = append(nulls, r)
		case from == nil || cmpTuple(tuple(r), from) >= 0:
			rest = append(rest, r)
		}
	}
	slices.SortFunc(nulls, func(a, b connector.Record) int { return cmp.Compare(a["id"].(int64), b["id"].(int64)) })
	slices.SortFunc(rest, func(a, b connector.Record) int { return cmpTuple(tuple(a), tuple(b)) })
	var ids []int64
	for _, r := range append(nulls, rest...) {
		ids = append(ids, r["id"].(int64))
	}
	return ids
}

func ids(recs []connector.Record) []int64 {
	var out []int64
	for _, r := range recs {
		out = append(out, r["id"].(int64))
	}
	return out
}

// For every position in the data and between its values, a cursor read returns exactly the rows the
// contract names, in its order, with one and two cursor columns, NULLs in either and many equal values
// across batch boundaries.
func TestCursorMatchesContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stmts := []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)`, `CREATE INDEX t_ab ON t (a, b, id)`}
	var rows []connector.Record
	for id := int64(1); id <= 60; id++ {
		r := connector.Record{"id": id, "a": rng.Int64N(4), "b": rng.Int64N(3)}
		if rng.IntN(8) == 0 {
			r["a"] = nil
		}
		if rng.IntN(8) == 0 {
			r["b"] = nil
		}
		rows = append(rows, r)
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO t VALUES (%d, %s, %s)`, id, sqlLit(r["a"]), sqlLit(r["b"])))
	}
	c := openConn(t, newDB(t, stmts...))
	for _, cursor := range [][]string{{"a"}, {"a", "b"}} {
		var positions [][]any
		positions = append(positions, nil)
		for _, r := range rows {
			p := []any{}
			for _, f := range cursor {
				p = append(p, r[f])
			}
			positions = append(positions, append(p, r["id"]))
		}
		for a := int64(-1); a <= 4; a++ {
			p := []any{a}
			if len(cursor) == 2 {
				p = append(p, int64(1))
			}
			positions = append(positions, append(p, int64(30)))
		}
		for _, from := range positions {
			for _, batch := range []int{1, 3, 1000} {
				got := ids(cursorRead(t, c, "t", cursor, []string{"id"}, from, batch))
				// A NULL in the position is the start of that position: as NULLs sort first,
				// the reference comparison gives the same.
				want := expectCursor(rows, cursor, []string{"id"}, from)
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Fatalf("cursor %v from %v, batch %d (-want +got):\n%s", cursor, from, batch, diff)
				}
			}
		}
	}
}

func sqlLit(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

// An engine whose runs stop after a few batches and resume from the last record's position never skips
// a record, however many records share a cursor value.
func TestCursorResumeAcrossEqualValues(t *testing.T) {
	stmts := []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER)`}
	for id := 1; id <= 40; id++ {
		seq := "2"
		switch {
		case id%10 == 0:
			seq = "NULL"
		case id < 8:
			seq = "1"
		case id > 35:
			seq = "3"
		}
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO t VALUES (%d, %s)`, id, seq))
	}
	c := openConn(t, newDB(t, stmts...))
	seen := map[int64]bool{}
	var from []any
	for run := 0; ; run++ {
		if run > 40 {
			t.Fatal("the runs do not get to the end")
		}
		r, err := c.ReadCursor(context.Background(), connector.CursorRequest{
			ReadRequest: connector.ReadRequest{Stream: "t", BatchSize: 3}, Cursor: []string{"seq"}, From: from})
		if err != nil {
			t.Fatal(err)
		}
		// Each run reads three batches at most, then stops as if interrupted.
		eof := false
		var last connector.Record
		for range 3 {
			recs, err := r.Next(context.Background())
			if err == connector.EOF {
				eof = true
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				seen[rec["id"].(int64)] = true
				if rec["seq"] != nil {
					last = rec
				}
			}
		}
		r.Close()
		if eof {
			break
		}
		if last != nil {
			from = []any{last["seq"], last["id"]}
		}
	}
	for id := int64(1); id <= 40; id++ {
		if !seen[id] {
			t.Errorf("record %d was never read", id)
		}
	}
}

// Time cursors compare by time, whether the position is a time.Time or RFC 3339 text (as
// connector.DecodeKey returns it), for times oneway wrote and times in SQLite's own text form.
func TestCursorOnTimes(t *testing.T) {
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	times := []time.Time{base, base.Add(time.Nanosecond), base.Add(500 * time.Millisecond), base.Add(500 * time.Millisecond),
		base.Add(time.Second), base.Add(time.Hour), base.Add(24 * time.Hour)}
	c := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, at TIMESTAMP)`))
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	var batch []connector.Change
	for i, at := range times {
		batch = append(batch, create(req.Key, connector.Record{"id": int64(i + 1), "at": at})...)
	}
	batch = append(batch, create(req.Key, connector.Record{"id": int64(100), "at": nil})...)
	applyOK(t, c, req, batch)

	for i, at := range times {
		for _, pos := range []any{at, at.In(time.FixedZone("x", -7*3600)), at.Format(time.RFC3339Nano)} {
			got := ids(cursorRead(t, c, "t", []string{"at"}, nil, []any{pos, int64(i + 1)}, 2))
			want := []int64{100}
			for j := range times {
				if times[j].After(at) || times[j].Equal(at) && j >= i {
					want = append(want, int64(j+1))
				}
			}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("from %v (%T) (-want +got):\n%s", pos, pos, diff)
			}
		}
	}

	// Rows written by other programs in SQLite's datetime() form.
	c2 := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME, d DATE)`,
		`INSERT INTO t VALUES (1, '2024-03-01 11:59:59', '2024-02-29'), (2, '2024-03-01 12:00:00', '2024-03-01'), (3, '2024-03-01 12:00:01', '2024-03-02')`))
	if got := ids(cursorRead(t, c2, "t", []string{"at"}, nil, []any{base, int64(2)}, 10)); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("datetime() text from %v: read %v, want [2 3]", base, got)
	}
	if got := ids(cursorRead(t, c2, "t", []string{"d"}, nil, []any{"2024-03-01T00:00:00Z", int64(2)}, 10)); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("date text from 2024-03-01: read %v, want [2 3]", got)
	}
}

// Without a key in the request, the table's primary key is the tie-breaker; a table without one needs
// the key.
func TestCursorDefaultKey(t *testing.T) {
	c := openConn(t, newDB(t,
		`CREATE TABLE t (k1 TEXT, k2 INTEGER, seq INTEGER, PRIMARY KEY (k2, k1))`,
		`INSERT INTO t VALUES ('b', 1, 5), ('a', 1, 5), ('a', 0, 5), ('z', 9, 1)`,
		`CREATE TABLE nokey (seq INTEGER)`))
	got := cursorRead(t, c, "t", []string{"seq"}, nil, []any{int64(5), int64(1), "a"}, 10)
	var keys []string
	for _, r := range got {
		keys = append(keys, fmt.Sprint(r["k2"], r["k1"]))
	}
	if !slices.Equal(keys, []string{"1a", "1b"}) {
		t.Errorf("read %v, want [1a 1b]", keys)
	}
	_, err := c.ReadCursor(context.Background(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "nokey"}, Cursor: []string{"seq"}})
	if err == nil {
		t.Error("a cursor read of a table without a primary key and without a key succeeded")
	}
}

// A json.Number position (as DecodeKey returns non-integral numbers) compares as a number.
func TestCursorNumberPositions(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, score REAL, v)`,
		`INSERT INTO t VALUES (1, 1.25, 10), (2, 2.5, 9), (3, 10.75, 100)`))
	pos, err := connector.DecodeKey(`[2.5, 2]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(cursorRead(t, c, "t", []string{"score"}, nil, pos, 10)); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("score from %v: %v, want [2 3]", pos, got)
	}
	// A column without a declared type has no affinity: the position must still be bound as a number.
	pos, _ = connector.DecodeKey(`[9.5, 0]`)
	if got := ids(cursorRead(t, c, "t", []string{"v"}, nil, pos, 10)); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("untyped column from %v: %v, want [1 3]", pos, got)
	}
}
