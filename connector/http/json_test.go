package http

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeValue(t *testing.T) {
	v, err := Decode([]byte(`{"i": 42, "neg": -7, "f": 1.25, "e": 1e3, "big": 123456789012345678901234567890, "huge": 1e400,
		"s": "x", "b": true, "n": null, "l": [1, "a", {"k": 2.5}], "o": {"p": {"q": 0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := Value(v)
	want := map[string]any{
		"i": int64(42), "neg": int64(-7), "f": 1.25, "e": 1000.0,
		"big": json.Number("123456789012345678901234567890"), "huge": json.Number("1e400"),
		"s": "x", "b": true, "n": nil, "l": []any{int64(1), "a", map[string]any{"k": 2.5}},
		"o": map[string]any{"p": map[string]any{"q": int64(0)}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Value (-want +got):\n%s", diff)
	}
	if _, err := Decode([]byte(`{"a":1} {"b":2}`)); err == nil {
		t.Error("Decode accepted two documents")
	}
	if _, err := RecordOf([]any{}); err == nil {
		t.Error("RecordOf accepted an array")
	}
}

func TestLookup(t *testing.T) {
	v, _ := Decode([]byte(`{"data": {"items": [{"id": 7}, {"id": "x"}]}, "meta": null}`))
	for path, want := range map[string]string{"data.items.0.id": "7", "data.items.1.id": "x"} {
		got, ok := Lookup(v, path)
		if s, isScalar := Scalar(got); !ok || !isScalar || s != want {
			t.Errorf("Lookup(%s) = %v, %v; want %s", path, got, ok, want)
		}
	}
	for _, path := range []string{"data.items.2", "data.items.x", "data.nope", "meta.x", "data.items.-1"} {
		if got, ok := Lookup(v, path); ok {
			t.Errorf("Lookup(%s) = %v, want not found", path, got)
		}
	}
	if got, ok := Lookup(v, ""); !ok || got == nil {
		t.Error("Lookup of the empty path is not the value itself")
	}
	items, err := Items(v, "meta")
	if err != nil || len(items) != 0 {
		t.Errorf("Items at a null: %v, %v; want an empty page", items, err)
	}
	if _, err := Items(v, "data"); err == nil {
		t.Error("Items accepted an object")
	}
	if _, err := Items(v, "missing"); err == nil {
		t.Error("Items accepted a missing path")
	}
}
