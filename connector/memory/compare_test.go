package memory

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCompareValues(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 500, time.UTC)
	tests := []struct {
		a, b any
		want int
	}{
		{nil, false, -1},
		{false, true, -1},
		{true, int64(0), -1},
		{int64(2), int64(10), -1},
		{int64(2), float64(2), 0},
		{float64(2.5), int64(2), 1},
		{json.Number("12345678901234567890"), int64(9223372036854775807), 1},
		{json.Number("0.1"), float64(0.1), -1}, // float64(0.1) is slightly above 1/10
		{int64(99), "1", -1},
		{"a", "b", -1},
		{"b", "a", 1},
		{t0, t0.Format(time.RFC3339Nano), 0},
		{t0.Format(time.RFC3339Nano), t0.Add(time.Nanosecond), -1},
		{"not a time", t0, -1},
		{t0, []byte("a"), -1},
		{[]byte("a"), []byte("b"), -1},
		{[]any{int64(1)}, map[string]any{}, -1},
	}
	for _, tt := range tests {
		if got := compareValues(tt.a, tt.b); got != tt.want {
			t.Errorf("compareValues(%#v, %#v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareValues(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareValues(%#v, %#v) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	if compareTuples([]any{int64(1), "b"}, []any{int64(1), "a"}) != 1 || compareTuples([]any{int64(1)}, []any{int64(1), "a"}) != -1 {
		t.Error("compareTuples orders element by element, then by length")
	}
}
