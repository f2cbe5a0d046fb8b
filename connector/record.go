package connector

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Record is one record: field name to value.
//
// Values must be one of: nil, bool, int64, float64, string, []byte, time.Time, json.Number (an exact
// decimal, e.g. SQL NUMERIC), []any and map[string]any holding the same types. Connectors convert their
// native types to these; Normalize converts the common Go variants (int, int32, float32, uint8 ...).
type Record map[string]any

// Clone returns a shallow copy of r.
func (r Record) Clone() Record {
	out := make(Record, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// Fields returns the record's field names, sorted.
func (r Record) Fields() []string {
	names := make([]string, 0, len(r))
	for k := range r {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Normalize converts v to the canonical value types listed on Record. Times become UTC so that the same
// instant always hashes the same. It returns an error for values that have no canonical form (NaN,
// channels, structs ...).
func Normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, string, json.Number:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("value %v has no canonical form", x)
		}
		return x, nil
	case []byte:
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return json.Number(fmt.Sprint(x)), nil
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return json.Number(fmt.Sprint(x)), nil
		}
		return int64(x), nil
	case float32:
		return Normalize(float64(x))
	case Record:
		return Normalize(map[string]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := Normalize(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out[i] = n
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	default:
		return nil, fmt.Errorf("value of type %T has no canonical form", v)
	}
}

// NormalizeRecord normalizes every value of r in place.
func NormalizeRecord(r Record) error {
	for k, v := range r {
		n, err := Normalize(v)
		if err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
		r[k] = n
	}
	return nil
}

// CanonicalJSON encodes v (normalized first) as JSON with sorted object keys, UTC times in RFC 3339 with
// nanoseconds, []byte as base64 and no HTML escaping. Equal values always give equal bytes, which is what
// hashes and keys are made of.
func CanonicalJSON(v any) ([]byte, error) {
	return appendCanonical(make([]byte, 0, 256), v)
}
