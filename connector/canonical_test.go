package connector

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// reference is what CanonicalJSON promises to equal: encoding/json without HTML escaping.
func reference(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func valueGen(depth int) *rapid.Generator[any] {
	scalars := []*rapid.Generator[any]{
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.Int64(), func(i int64) any { return i }),
		rapid.Map(rapid.Float64(), func(f float64) any { return f }),
		rapid.Map(rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e-7, 1e-6, 1e20, 1e21, 123456789e30, 5e-324, math.MaxFloat64}), func(f float64) any { return f }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) any { return string(b) }), // invalid UTF-8 too
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) any { return b }),
		rapid.Map(rapid.Int64Range(-62135596800, 253402300799), func(s int64) any { return time.Unix(s, s%1e9).UTC() }),
		rapid.Map(rapid.SampledFrom([]string{"0", "-1.5", "12345678901234567890.000100", "1e10", "2E-3"}), func(s string) any { return json.Number(s) }),
		rapid.Map(rapid.SampledFrom([]string{"\u2028", "\u2029", "<&>", "\x00\x1f\"\\", "\ufffd"}), func(s string) any { return s }),
	}
	if depth <= 0 {
		return rapid.OneOf(scalars...)
	}
	inner := valueGen(depth - 1)
	return rapid.OneOf(append(scalars,
		rapid.Map(rapid.SliceOfN(inner, 0, 4), func(l []any) any { return l }),
		rapid.Map(rapid.MapOfN(rapid.String(), inner, 0, 4), func(m map[string]any) any { return m }),
	)...)
}

func TestCanonicalJSONMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGen(2).Draw(t, "value")
		want, werr := reference(v)
		got, gerr := CanonicalJSON(v)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("errors differ: encoding/json %v, CanonicalJSON %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(want, got) {
			t.Fatalf("CanonicalJSON(%#v)\n got %s\nwant %s", v, got, want)
		}
	})
}

func TestCanonicalJSONRejects(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("1.2.3"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := CanonicalJSON(v); err == nil {
			t.Errorf("CanonicalJSON(%v) succeeded", v)
		}
	}
}

func BenchmarkCanonicalJSON(b *testing.B) {
	rec := Record{"id": int64(123456), "name": "name-123456", "qty": int64(56), "price": 12.34, "active": true,
		"updated_at": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "note": string(bytes.Repeat([]byte("x"), 200))}
	b.Run("canonical", func(b *testing.B) {
		for b.Loop() {
			_, _ = CanonicalJSON(rec)
		}
	})
	b.Run("encoding_json_baseline", func(b *testing.B) {
		for b.Loop() {
			_, _ = reference(map[string]any(rec))
		}
	})
}
