package http

import (
	"slices"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
)

func TestCursorSlice(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id int64, at any) connector.Record { return connector.Record{"id": id, "at": at} }
	all := func() []connector.Record {
		return []connector.Record{
			rec(5, t0.Add(2*time.Hour)), rec(1, t0), rec(9, nil), rec(3, t0.Add(time.Hour)),
			rec(2, t0.Add(time.Hour)), rec(4, "2026-01-01T01:00:00Z"), rec(8, nil),
		}
	}
	ids := func(recs []connector.Record) []int64 {
		var out []int64
		for _, r := range recs {
			out = append(out, r["id"].(int64))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		from []any
		want []int64
	}{
		{"from the start", nil, []int64{8, 9, 1, 2, 3, 4, 5}},
		{"from a tuple", []any{t0.Add(time.Hour), int64(3)}, []int64{8, 9, 3, 4, 5}},
		{"from a cursor prefix", []any{t0.Add(time.Hour)}, []int64{8, 9, 2, 3, 4, 5}},
		{"a null in the position", []any{t0.Add(time.Hour), nil}, []int64{8, 9, 2, 3, 4, 5}},
		{"past the end", []any{t0.Add(3 * time.Hour), int64(0)}, []int64{8, 9}},
		{"a time as text", []any{"2026-01-01T02:00:00Z"}, []int64{8, 9, 5}},
	} {
		got, err := CursorSlice(all(), []string{"at"}, []string{"id"}, tc.from)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := ids(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: ids %v, want %v", tc.name, g, tc.want)
		}
	}
	if _, err := CursorSlice(all(), []string{"at"}, []string{"id"}, []any{t0, int64(1), "extra"}); err == nil {
		t.Error("a position longer than (cursor, key) was accepted")
	}
	if _, err := CursorSlice([]connector.Record{rec(1, true), rec(2, "x")}, []string{"at"}, []string{"id"}, nil); err == nil {
		t.Error("cursor values of kinds that cannot be compared were accepted")
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b any
		want int
	}{
		{int64(1), int64(2), -1}, {int64(2), 1.5, 1}, {2.0, int64(2), 0}, {"b", "a", 1},
		{false, true, -1}, {time.Unix(5, 0), time.Unix(4, 0), 1},
	} {
		if got, err := Compare(tc.a, tc.b); err != nil || got != tc.want {
			t.Errorf("Compare(%v, %v) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
	if _, err := Compare("x", int64(1)); err == nil {
		t.Error("Compare of a string with a number succeeded")
	}
}

// A record served twice during a read (updated between two page requests) is kept in its latest version:
// kept in the first, the read's position would move past the update and no later read would bring it.
func TestCursorSliceKeepsTheLatestVersionOfARecordServedTwice(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id int64, at any, name string) connector.Record {
		return connector.Record{"id": id, "at": at, "name": name}
	}
	got, err := CursorSlice([]connector.Record{
		rec(1, t0, "a"), rec(2, t0.Add(2*time.Hour), "x old"), rec(2, t0.Add(3*time.Hour), "x new"), rec(3, t0.Add(4*time.Hour), "y"),
		rec(4, nil, "null, then dated"), rec(4, t0.Add(5*time.Hour), "dated"), rec(5, nil, "null twice"), rec(5, nil, "null twice"),
	}, []string{"at"}, []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		names = append(names, r["name"].(string))
	}
	if want := []string{"null twice", "a", "x new", "y", "dated"}; !slices.Equal(names, want) {
		t.Fatalf("records %q, want %q", names, want)
	}
}
