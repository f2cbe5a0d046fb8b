package file

import (
	"encoding/json"
	"math"
	"testing"
)

func TestJSONNumber(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"0", int64(0)},
		{"42", int64(42)},
		{"-7", int64(-7)},
		{"9223372036854775807", int64(math.MaxInt64)},
		{"-9223372036854775808", int64(math.MinInt64)},
		{"9223372036854775808", json.Number("9223372036854775808")},
		{"123456789012345678901234567890", json.Number("123456789012345678901234567890")},
		{"1.5", 1.5},
		{"0.1", 0.1},
		{"1.0", 1.0},
		{"1e3", 1000.0},
		{"1E+3", 1000.0},
		{"-2.5e-3", -0.0025},
		{"12.50", 12.5},
		{"0.0", 0.0},
		{"1.7976931348623157e308", math.MaxFloat64},
		{"5e-324", 5e-324},
		{"3.141592653589793", 3.141592653589793},
		{"3.14159265358979323846", json.Number("3.14159265358979323846")},
		{"0.30000000000000001", json.Number("0.30000000000000001")},
		{"1e400", json.Number("1e400")},
		{"-1e400", json.Number("-1e400")},
		{"1e-400", json.Number("1e-400")},
		{"1e99999999999999999999", json.Number("1e99999999999999999999")},
		{"9007199254740993.0", json.Number("9007199254740993.0")},
		{"9007199254740992.0", 9007199254740992.0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := jsonNumber(json.Number(tt.in))
			if got != tt.want {
				t.Fatalf("jsonNumber(%s) = %#v (%T), want %#v (%T)", tt.in, got, got, tt.want, tt.want)
			}
		})
	}
	if got := jsonNumber("-0"); got != 0.0 || !math.Signbit(got.(float64)) {
		t.Fatalf("jsonNumber(-0) = %#v, want float64 negative zero", got)
	}
}
