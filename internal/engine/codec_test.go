package engine

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

func TestPlannedRoundTrip(t *testing.T) {
	rec := connector.Record{
		"nil": nil, "t": true, "f": false, "i": int64(-42), "big": int64(1 << 62), "fl": 3.25,
		"s": "héllo ✓", "empty": "", "b": []byte{0, 1, 2}, "ts": time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		"old": time.Date(1600, 1, 1, 0, 0, 0, 1, time.UTC), "dec": json.Number("12345678901234567890.0001"),
		"list": []any{int64(1), "x", nil, []any{}}, "obj": map[string]any{"k": map[string]any{"n": 1.5}},
	}
	for _, p := range []planned{
		{Action: connector.Create, Key: `["a"]`, TKey: `["a"]`, Rec: rec, Hash: "abc", Doc: []byte(`{"x":1}`), Probe: true},
		{Action: connector.Delete, Key: `[1]`, TKey: `[1]`, TID: "t-9", Retry: true, Redo: true},
		{Action: connector.SoftDelete, Key: `[2]`, TKey: `[2]`, Fresh: true, Orphan: true},
	} {
		b, err := encodePlanned(nil, &p, p.Rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodePlanned(b)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	}
}

func FuzzDecodePlanned(f *testing.F) {
	p := planned{Action: connector.Update, Key: `["k"]`, TKey: `["k"]`, Rec: connector.Record{"a": []any{int64(1), "b"}}}
	b, _ := encodePlanned(nil, &p, p.Rec)
	f.Add(b)
	f.Add([]byte{1, 0, 200, 200, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodePlanned(data) // must not panic or allocate without bound
	})
}

// The spool reuses its read buffer: a batch's changes must not share memory with it.
func TestSpoolBatchesOwnTheirBytes(t *testing.T) {
	s, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var want []planned
	for i := range 5 {
		p := planned{Action: connector.Create, Key: fmt.Sprintf("[%d]", i), TKey: fmt.Sprintf("[%d]", i), Hash: fmt.Sprint(i),
			Doc: []byte(fmt.Sprintf(`{"n":%d}`, i)), Rec: connector.Record{"b": []byte{byte(i), byte(i)}, "s": fmt.Sprint(i)}}
		want = append(want, p)
		if err := s.add(p); err != nil {
			t.Fatal(err)
		}
	}
	var got []planned
	if err := s.each(2, func(batch []planned) error { got = append(got, batch...); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("spooled changes (-want +got):\n%s", diff)
	}
}
