package scim

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
)

// decodeJSON decodes data into out keeping numbers as json.Number, so that large integers stay exact.
func decodeJSON(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(out)
}

// canonical converts a decoded JSON value to the value types of connector.Record: whole numbers become
// int64, other numbers float64 (json.Number when they do not fit), objects and arrays recursively.
func canonical(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if n, err := x.Int64(); err == nil {
				return n
			}
			return x
		}
		if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) {
			return f
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = canonical(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = canonical(e)
		}
		return x
	}
	return v
}
